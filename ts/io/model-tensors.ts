/**
 * Models as PyTorch state_dicts (browser-safe, no file access): θ ↔ named tensors with the names,
 * shapes and order of `compileArch(arch).layout`, the arch kept as JSON in the "modeconn.arch"
 * metadata, and, for files without it, inference of an `nn.Sequential` MLP from names and shapes.
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from '../model/arch.js';
import { compileArch, type CompiledArch } from '../model/compile.js';
import type { Model } from '../model/model.js';
import { expectTensors, parseSafetensors, tensorToFloat32, type SafetensorsFile, type Tensor } from './safetensors.js';
import { serializeSafetensors } from './safetensors-write.js';

/** The metadata key under which a model file stores its arch as JSON. */
export const ARCH_METADATA_KEY = 'modeconn.arch';

/** A tensor of a model's state_dict: F32 parameters and buffers, I64 `num_batches_tracked` scalars. */
export interface ModelTensor {
  dtype: 'F32' | 'I64';
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/** Options of `modelFromTensors` / `parseModel` / `loadModel`. */
export interface ModelFromTensorsOptions {
  /** The architecture; wins over the file's metadata and over inference. */
  arch?: Arch;
  /** Accept NaN/±Inf weights (default false: NON_FINITE naming the tensor), as the safetensors reader. */
  allowNonFinite?: boolean;
}

/** Options of `serializeModel` / `saveModel`. */
export interface SaveModelOptions {
  /** Extra "__metadata__" strings; "format" and "modeconn.arch" are always set by the writer. */
  metadata?: Record<string, string>;
  /** Write NaN/±Inf weights instead of throwing NON_FINITE (default false). */
  allowNonFinite?: boolean;
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
 */
export function modelToTensors(model: Model): Map<string, ModelTensor> {
  const compiled = compileFor(model, 'modelToTensors');
  const out = new Map<string, ModelTensor>();
  for (const e of compiled.layout) {
    if (e.kind === 'counter') {
      const count = model.batchesTracked?.[e.name] ?? 0;
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new ModeconnError('BAD_ARGUMENT', `batchesTracked["${e.name}"] must be a non-negative integer, got ${count}`);
      }
      out.set(e.name, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(count)) });
    } else {
      out.set(e.name, { dtype: 'F32', shape: [...e.shape], data: model.params.slice(e.offset, e.offset + e.length) });
    }
  }
  return out;
}

/** The metadata a model file carries: `format: 'pt'` (as PyTorch tooling writes) and the arch as JSON. */
export function modelMetadata(model: Model, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, format: 'pt', [ARCH_METADATA_KEY]: JSON.stringify(model.arch) };
}

/** A model as safetensors bytes (state_dict tensors, arch in the metadata). */
export function serializeModel(model: Model, options: SaveModelOptions & { name?: string } = {}): Uint8Array {
  return serializeSafetensors(modelToTensors(model), {
    metadata: modelMetadata(model, options.metadata),
    allowNonFinite: options.allowNonFinite,
    name: options.name,
  });
}

/** Parses safetensors bytes into a model (see `modelFromTensors`). */
export function parseModel(bytes: Uint8Array, options: ModelFromTensorsOptions & { name?: string } = {}): Model {
  const file = parseSafetensors(bytes, { name: options.name, allowNonFinite: options.allowNonFinite });
  return modelFromTensors(file, options);
}

/**
 * A model from a parsed file. The arch is `options.arch`, else the file's "modeconn.arch" metadata,
 * else inferred (`inferMlpArch`). Every tensor is checked against the arch's layout: MISSING_TENSOR,
 * UNEXPECTED_TENSOR, BAD_SHAPE, BAD_FILE (wrong dtype kind) and NON_FINITE name the file and tensor.
 */
export function modelFromTensors(file: SafetensorsFile, options: ModelFromTensorsOptions = {}): Model {
  const arch = options.arch ?? archFromMetadata(file) ?? inferMlpArch(file);
  const compiled = compileArch(arch);
  expectTensors(file, compiled.layout.map((e) => e.name));
  const params = new Float32Array(compiled.totalLength);
  const batchesTracked: Record<string, number> = {};
  for (const e of compiled.layout) {
    const tensor = file.tensors.get(e.name) as Tensor;
    const where = `${file.name}: tensor "${e.name}"`;
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
  return Object.keys(batchesTracked).length > 0 ? { arch, params, batchesTracked } : { arch, params };
}

/** The arch stored in the file's metadata, or undefined; BAD_FILE when it is there but invalid. */
export function archFromMetadata(file: SafetensorsFile): Arch | undefined {
  if (!Object.prototype.hasOwnProperty.call(file.metadata, ARCH_METADATA_KEY)) return undefined;
  try {
    const arch = JSON.parse(file.metadata[ARCH_METADATA_KEY]) as Arch;
    compileArch(arch);
    return arch;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ModeconnError('BAD_FILE', `${file.name}: metadata "${ARCH_METADATA_KEY}" is not a valid architecture (${why})`, {
      advice: 'pass { arch } to override it',
      cause,
    });
  }
}

const SEQUENTIAL_NAME = /^(0|[1-9]\d*)\.(weight|bias|running_mean|running_var|num_batches_tracked)$/;

type Module = { kind: 'dense'; out: number; in: number; bias: boolean } | { kind: 'batchnorm'; affine: boolean };

/**
 * Infers the arch of an `nn.Sequential` MLP from state_dict names and shapes: Linear modules
 * (`i.weight` [out, in], optional `i.bias`) and BatchNorm1d modules (`i.running_mean`, ...), with
 * the indices between them that own no tensors read as ReLU (one index per gap; an index-0 gap before
 * the first Linear is a Flatten). The first and last modules must be Linear. BatchNorm eps and
 * momentum are not stored in a state_dict: PyTorch's defaults (1e-5, 0.1) are assumed.
 * UNKNOWN_ARCH, saying to pass `arch`, for anything else (convolutions, dropout, other names).
 */
export function inferMlpArch(file: SafetensorsFile): Arch {
  const fail = (problem: string): never => {
    throw new ModeconnError('UNKNOWN_ARCH', `${file.name}: cannot infer the architecture: ${problem}`, {
      advice: 'pass { arch } (the file has no "modeconn.arch" metadata)',
    });
  };
  const groups = new Map<number, Map<string, Tensor>>();
  for (const [name, tensor] of file.tensors) {
    const m = SEQUENTIAL_NAME.exec(name);
    if (!m) fail(`tensor "${name}" is not named like a module of an nn.Sequential MLP`);
    const index = Number(m![1]);
    if (!groups.has(index)) groups.set(index, new Map());
    groups.get(index)!.set(m![2], tensor);
  }
  if (groups.size === 0) fail('the file has no tensors');
  const modules = new Map<number, Module>();
  for (const [index, t] of groups) {
    const weight = t.get('weight');
    if (t.has('running_mean') || t.has('running_var') || t.has('num_batches_tracked')) {
      modules.set(index, { kind: 'batchnorm', affine: weight !== undefined });
    } else if (weight && weight.shape.length === 2) {
      modules.set(index, { kind: 'dense', out: weight.shape[0], in: weight.shape[1], bias: t.has('bias') });
    } else if (weight && weight.shape.length === 4) {
      fail(`tensor "${index}.weight" has shape [${weight.shape.join(', ')}], a convolution`);
    } else {
      fail(`module ${index} (${[...t.keys()].join(', ')}) is neither a Linear nor a BatchNorm1d`);
    }
  }
  const indices = [...modules.keys()].sort((a, b) => a - b);
  const first = modules.get(indices[0])!;
  const last = modules.get(indices[indices.length - 1])!;
  if (first.kind !== 'dense') fail(`the first module (${indices[0]}) is not a Linear`);
  if (last.kind !== 'dense') fail(`the last module (${indices[indices.length - 1]}) is not a Linear`);
  const layers: Layer[] = [];
  if (indices[0] === 1) layers.push({ type: 'flatten' });
  else if (indices[0] > 1) fail(`indices 0..${indices[0] - 1} own no tensors (only one Flatten may come before the first Linear)`);
  indices.forEach((index, k) => {
    if (k > 0) {
      const gap = index - indices[k - 1] - 1;
      if (gap === 1) layers.push({ type: 'relu' });
      else if (gap > 1) fail(`indices ${indices[k - 1] + 1}..${index - 1} own no tensors (only one ReLU between modules is inferred; dropout is ambiguous)`);
    }
    const m = modules.get(index)!;
    if (m.kind === 'dense') layers.push(m.bias ? { type: 'dense', out: m.out } : { type: 'dense', out: m.out, bias: false });
    else layers.push(m.affine ? { type: 'batchnorm' } : { type: 'batchnorm', affine: false });
  });
  return { input: [(first as { in: number }).in], classes: (last as { out: number }).out, layers };
}
