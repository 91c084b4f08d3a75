/**
 * STAND-IN (cli branch) until the torch branch's model-files.ts lands on main; the lead keeps theirs.
 * A model as a safetensors file of PyTorch state_dict tensors (names and shapes from compileArch's
 * layout; num_batches_tracked as an I64 scalar), read back with an explicit arch.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compiledOf, type Model } from '../model/train.js';
import { loadSafetensors, saveSafetensors } from './safetensors-files.js';
import { expectTensors, tensorToFloat32 } from './safetensors.js';
import type { TensorInput } from './safetensors-write.js';

/** The metadata key under which a model file stores its arch as JSON (as on the torch branch). */
export const ARCH_METADATA_KEY = 'modeconn.arch';

/** Writes `model` to `path` atomically (temp file + rename), with `format: 'pt'` and the arch in the metadata. */
export async function saveModel(model: Model, path: string, options: { metadata?: Record<string, string> } = {}): Promise<void> {
  const { layout } = compiledOf(model.arch);
  const tensors: Record<string, TensorInput> = {};
  for (const e of layout) {
    tensors[e.name] = e.kind === 'counter'
      ? { dtype: 'I64', shape: [], data: new BigInt64Array(1) }
      : { dtype: 'F32', shape: e.shape, data: model.params.subarray(e.offset, e.offset + e.length) };
  }
  await saveSafetensors(tensors, path, { metadata: { ...options.metadata, format: 'pt', [ARCH_METADATA_KEY]: JSON.stringify(model.arch) } });
}

/** Reads a model saved by `saveModel` (arch from options, else the metadata), or a state_dict of a given arch. */
export async function loadModel(path: string, options: { arch?: Arch } = {}): Promise<Model> {
  const file = await loadSafetensors(path);
  const stored = file.metadata[ARCH_METADATA_KEY];
  const arch = options.arch ?? (stored === undefined ? undefined : (JSON.parse(stored) as Arch));
  if (!arch) throw new ModeconnError('BAD_ARGUMENT', `${path}: no "${ARCH_METADATA_KEY}" metadata; loading needs an explicit arch`);
  const compiled = compiledOf(arch);
  expectTensors(file, compiled.layout.map((e) => e.name));
  const params = new Float32Array(compiled.totalLength);
  for (const e of compiled.layout) {
    const t = file.tensors.get(e.name)!;
    if (t.shape.join(',') !== e.shape.join(',')) {
      throw new ModeconnError('BAD_SHAPE', `${path}: tensor "${e.name}" has shape [${t.shape}], the arch needs [${e.shape}]`);
    }
    if (e.kind !== 'counter') params.set(tensorToFloat32(t), e.offset);
  }
  return { arch, params };
}
