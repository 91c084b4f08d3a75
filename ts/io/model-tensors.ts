/**
 * Models as PyTorch state_dicts (browser-safe, no file access): θ ↔ named tensors with the names,
 * shapes and order of `compileArch(arch).layout` — or the checkpoint's own names, remembered in
 * `model.sourceNames` — as safetensors (arch in the "modeconn.arch" metadata) or .pt bytes.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compileArch, type CompiledArch } from '../model/compile.js';
import type { Model } from '../model/model.js';
import { inferArch, type InferOptions } from './infer-arch.js';
import { ARCH_METADATA_KEY, NAMES_METADATA_KEY, resolveModelNames, type NameOptions } from './model-names.js';
import { isLegacyPt, parsePt } from './pt.js';
import { serializePt } from './pt-write.js';
import { isZip } from './pt-zip.js';
import { parseSafetensors, tensorToFloat32, type SafetensorsFile, type Tensor } from './safetensors.js';
import { serializeSafetensors } from './safetensors-write.js';

export { ARCH_METADATA_KEY, NAMES_METADATA_KEY, archFromMetadata } from './model-names.js';

/** A tensor of a model's state_dict: F32 parameters and buffers, I64 `num_batches_tracked` scalars. */
export interface ModelTensor {
  dtype: 'F32' | 'I64';
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/** Options of `modelFromTensors` / `parseModel` / `loadModel`. */
export interface ModelFromTensorsOptions extends NameOptions {
  /** Accept NaN/±Inf weights (default false: NON_FINITE naming the tensor), as the safetensors reader. */
  allowNonFinite?: boolean;
  /** For a .pt checkpoint dict: the key holding the state_dict (default: found, see STATE_DICT_KEYS). */
  key?: string;
}

/** Which names a writer uses: the checkpoint's own (`model.sourceNames`, the default when known) or modeconn's layout names. */
export type NameChoice = 'source' | 'layout';

/** Options of `serializeModel` / `saveModel`. */
export interface SaveModelOptions {
  /** Extra "__metadata__" strings (safetensors only); "format" and "modeconn.arch" are always set. */
  metadata?: Record<string, string>;
  /** Write NaN/±Inf weights instead of throwing NON_FINITE (default false). */
  allowNonFinite?: boolean;
  /** Tensor names to write (default 'source': the checkpoint's names when the model has them). */
  names?: NameChoice;
  /** 'safetensors' (default) or 'pt' (torch.save's zip format); saveModel picks 'pt' for .pt/.pth paths. */
  format?: 'safetensors' | 'pt';
}

function compileFor(model: Model, what: string): CompiledArch {
  const compiled = compileArch(model.arch);
  if (!(model.params instanceof Float32Array) || model.params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `${what}: parameters have ${model.params?.length} values; the architecture needs ${compiled.totalLength}`);
  }
  return compiled;
}

/**
 * The model's state_dict in layout order: every tensor of θ as F32 with its PyTorch shape, and each
 * BatchNorm's `num_batches_tracked` as an I64 scalar (from `model.batchesTracked`, 0 when unknown).
 * Under `names: 'source'` (default) tensors carry `model.sourceNames`, in the checkpoint's order;
 * counters the checkpoint did not have are left out.
 */
export function modelToTensors(model: Model, options: { names?: NameChoice } = {}): Map<string, ModelTensor> {
  const compiled = compileFor(model, 'modelToTensors');
  const source = (options.names ?? 'source') === 'source' ? model.sourceNames : undefined;
  const out = new Map<string, ModelTensor>();
  for (const e of compiled.layout) {
    const name = source ? source[e.name] : e.name;
    if (e.kind === 'counter') {
      if (name === undefined) continue;
      const count = model.batchesTracked?.[e.name] ?? 0;
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new ModeconnError('BAD_ARGUMENT', `batchesTracked["${e.name}"] must be a non-negative integer, got ${count}`);
      }
      out.set(name, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(count)) });
    } else {
      if (name === undefined) throw new ModeconnError('BAD_ARGUMENT', `model.sourceNames has no name for "${e.name}"`);
      out.set(name, { dtype: 'F32', shape: [...e.shape], data: model.params.slice(e.offset, e.offset + e.length) });
    }
  }
  // The checkpoint's own order (PyTorch's: module by module, buffers beside their parameters).
  return source ? new Map(Object.values(source).filter((n) => out.has(n)).map((n) => [n, out.get(n)!])) : out;
}

/**
 * The metadata a model file carries: `format: 'pt'` (as PyTorch tooling writes), the arch as JSON
 * and, when tensors carry the checkpoint's names, the layout → checkpoint name map.
 */
export function modelMetadata(model: Model, extra: Record<string, string> = {}, names: NameChoice = 'source'): Record<string, string> {
  const meta: Record<string, string> = { ...extra, format: 'pt', [ARCH_METADATA_KEY]: JSON.stringify(model.arch) };
  if (names === 'source' && model.sourceNames) meta[NAMES_METADATA_KEY] = JSON.stringify(model.sourceNames);
  return meta;
}

/** A model as safetensors bytes (state_dict tensors, arch in the metadata) or, with `format: 'pt'`, .pt bytes. */
export function serializeModel(model: Model, options: SaveModelOptions & { name?: string } = {}): Uint8Array {
  const tensors = modelToTensors(model, { names: options.names });
  if (options.format === 'pt') {
    if (!options.allowNonFinite) {
      for (const [tensor, t] of tensors) {
        const bad = t.data instanceof Float32Array ? t.data.findIndex((v) => !Number.isFinite(v)) : -1;
        if (bad >= 0) throw new ModeconnError('NON_FINITE', `${options.name ?? 'pt data'}: tensor "${tensor}" element ${bad} is ${t.data[bad]}`, { advice: 'pass { allowNonFinite: true } to write it anyway' });
      }
    }
    return serializePt(tensors, { name: options.name });
  }
  return serializeSafetensors(tensors, {
    metadata: modelMetadata(model, options.metadata, options.names),
    allowNonFinite: options.allowNonFinite,
    name: options.name,
  });
}

/** Parses a tensor file by its magic bytes: a .pt checkpoint (zip or legacy) or safetensors. */
export function parseTensorFile(bytes: Uint8Array, options: { name?: string; allowNonFinite?: boolean; key?: string } = {}): SafetensorsFile {
  if (isZip(bytes) || isLegacyPt(bytes)) return parsePt(bytes, options);
  if (options.key !== undefined) throw new ModeconnError('BAD_ARGUMENT', `${options.name ?? 'safetensors data'}: key applies to .pt checkpoints only`);
  return parseSafetensors(bytes, options);
}

/** Parses model bytes — .pt (zip or legacy) or safetensors, told apart by magic bytes — into a model (see `modelFromTensors`). */
export function parseModel(bytes: Uint8Array, options: ModelFromTensorsOptions & { name?: string } = {}): Model {
  return modelFromTensors(parseTensorFile(bytes, options), options);
}

/**
 * A model from a parsed file. Names go through `options.names` (or the file's stored name map); the
 * arch is `options.arch`, else the file's "modeconn.arch" metadata, else inferred (`inferArch`).
 * Every tensor is checked against the arch's layout: MISSING_TENSOR, UNEXPECTED_TENSOR, BAD_SHAPE,
 * BAD_FILE (wrong dtype kind) and NON_FINITE name the file and the checkpoint's tensor name.
 */
export function modelFromTensors(file: SafetensorsFile, options: ModelFromTensorsOptions = {}): Model {
  const { arch, compiled, tensors, sourceNames, countersAbsent } = resolveModelNames(file, options);
  const params = new Float32Array(compiled.totalLength);
  const batchesTracked: Record<string, number> = {};
  for (const e of compiled.layout) {
    if (e.kind === 'counter' && countersAbsent) continue;
    const tensor = tensors.get(e.name) as Tensor;
    const where = `${file.name}: tensor "${sourceNames[e.name]}"`;
    if (tensor.shape.length !== e.shape.length || tensor.shape.some((d, i) => d !== e.shape[i])) {
      throw new ModeconnError('BAD_SHAPE', `${where} has shape [${tensor.shape.join(', ')}], the architecture needs [${e.shape.join(', ')}]`, {
        advice: options.arch ? 'check the arch you passed' : 'the file does not match its architecture; pass { arch } if it is known',
      });
    }
    if (e.kind === 'counter') {
      const count = tensor.dtype === 'I64' || tensor.dtype === 'I32' ? Number(tensor.data[0]) : NaN;
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new ModeconnError('BAD_FILE', `${where}: num_batches_tracked must be a non-negative integer (I64), got ${tensor.dtype} ${String(tensor.data[0])}`);
      }
      batchesTracked[e.name] = count;
      continue;
    }
    if (tensor.dtype !== 'F32' && tensor.dtype !== 'F64' && tensor.dtype !== 'F16' && tensor.dtype !== 'BF16') {
      throw new ModeconnError('BAD_FILE', `${where} has dtype ${tensor.dtype}; weights must be floating point (F32, F64, F16 or BF16)`);
    }
    const values = tensorToFloat32(tensor);
    if (!options.allowNonFinite) {
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new ModeconnError('NON_FINITE', `${where}: element ${bad} is ${values[bad]}`, { advice: 'pass { allowNonFinite: true } to load it anyway' });
      }
    }
    params.set(values, e.offset);
  }
  const model: Model = { arch, params };
  if (Object.keys(batchesTracked).length > 0) model.batchesTracked = batchesTracked;
  if (Object.entries(sourceNames).some(([layout, source]) => layout !== source) || countersAbsent) model.sourceNames = sourceNames;
  return model;
}

/**
 * Infers the arch of a file's state_dict from its names and shapes (`inferArch`: nn.Sequential
 * MLPs and CNNs, VGG, ResNet, named MLPs). UNKNOWN_ARCH, saying to pass `arch`, otherwise.
 */
export function inferMlpArch(file: SafetensorsFile, options: Omit<InferOptions, 'name'> = {}): Arch {
  return inferArch(file.tensors, { ...options, name: file.name }).arch;
}
