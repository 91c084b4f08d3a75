/**
 * The vocabulary of architecture inference: a state_dict's tensors grouped into modules (the name
 * up to the last dot), each read as Linear, Conv2d or BatchNorm from its tensors' names and shapes,
 * and the record of which module became which layer of the inferred Arch.
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from '../model/arch.js';

/** What inference needs of a tensor: its shape. */
export interface ShapedTensor { shape: number[] }

/** A module read from its tensors. */
export type InferredModule =
  | { kind: 'dense'; out: number; in: number; bias: boolean }
  | { kind: 'conv'; out: number; in: number; kh: number; kw: number; bias: boolean }
  | { kind: 'batchnorm'; channels: number; affine: boolean };

/** The inferred arch and, for every tensor of the file, its layout name. */
export interface InferredArch {
  arch: Arch;
  /** File (canonical) tensor name → layout name of `compileArch(arch)`. */
  layoutNames: Map<string, string>;
  /** Which rule set matched, e.g. 'vgg', 'resnet', 'sequential', 'mlp'. */
  family: string;
}

/** Options of architecture inference. */
export interface InferOptions {
  /** Per-sample input shape (`[features]` or `[c, h, w]`); for images, default `[c, 32, 32]` for 3 channels and `[c, 28, 28]` for 1. */
  input?: readonly number[];
  /** File name for messages. */
  name?: string;
}

/** Throws UNKNOWN_ARCH for `name`, advising to pass an arch or a name mapping. */
export function cannotInfer(name: string, problem: string): never {
  throw new ModeconnError('UNKNOWN_ARCH', `${name}: cannot infer the architecture: ${problem}`, {
    advice: 'pass { arch } (CLI: --arch or --arch-file), or map the names onto a known layout with { names } (CLI: --names)',
  });
}

/** Tensors grouped by module prefix, in order of first appearance. */
export function groupModules(tensors: Map<string, ShapedTensor>): Map<string, Map<string, number[]>> {
  const modules = new Map<string, Map<string, number[]>>();
  for (const [name, t] of tensors) {
    const dot = name.lastIndexOf('.');
    const prefix = dot < 0 ? '' : name.slice(0, dot);
    if (!modules.has(prefix)) modules.set(prefix, new Map());
    modules.get(prefix)!.set(name.slice(dot + 1), t.shape);
  }
  return modules;
}

/** Reads one module (Linear, Conv2d, BatchNorm1d/2d) from its tensors; null when it is none of them. */
export function readModule(tensors: Map<string, number[]> | undefined): InferredModule | null {
  if (!tensors) return null;
  const weight = tensors.get('weight');
  const known = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'];
  if ([...tensors.keys()].some((k) => !known.includes(k))) return null;
  if (tensors.has('running_mean') && tensors.has('running_var')) {
    const channels = tensors.get('running_mean')!;
    if (channels.length !== 1) return null;
    return { kind: 'batchnorm', channels: channels[0], affine: weight !== undefined };
  }
  const bias = tensors.has('bias');
  if (weight?.length === 2) return { kind: 'dense', out: weight[0], in: weight[1], bias };
  if (weight?.length === 4) return { kind: 'conv', out: weight[0], in: weight[1], kh: weight[2], kw: weight[3], bias };
  return null;
}

/** Builds a layer list while recording which module prefix became which layer path. */
export class LayerList {
  readonly layers: Layer[] = [];
  readonly owners: Array<[string, string]> = [];

  constructor(readonly path = '') {}

  /** Appends a layer; `module` is the file's module prefix that owns its tensors, if any. */
  add(layer: Layer, module?: string): this {
    if (module !== undefined) this.owners.push([module, `${this.path}${this.layers.length}`]);
    this.layers.push(layer);
    return this;
  }

  /** Appends a residual layer whose body and shortcut were built as nested lists. */
  addResidual(build: (body: LayerList, shortcut: LayerList) => void): this {
    const at = `${this.path}${this.layers.length}`;
    const body = new LayerList(`${at}.body.`);
    const shortcut = new LayerList(`${at}.shortcut.`);
    build(body, shortcut);
    this.layers.push(shortcut.layers.length > 0 ? { type: 'residual', body: body.layers, shortcut: shortcut.layers } : { type: 'residual', body: body.layers });
    this.owners.push(...body.owners, ...shortcut.owners);
    return this;
  }
}

/** The layer of an inferred module: convolutions with "same" padding and the given stride. */
export function layerOf(m: InferredModule, stride = 1): Layer {
  switch (m.kind) {
    case 'dense': return m.bias ? { type: 'dense', out: m.out } : { type: 'dense', out: m.out, bias: false };
    case 'conv': {
      const layer: Layer = { type: 'conv2d', out: m.out, kernel: m.kh === m.kw ? m.kh : [m.kh, m.kw], padding: m.kh === m.kw ? (m.kh - 1) >> 1 : [(m.kh - 1) >> 1, (m.kw - 1) >> 1] };
      if (stride !== 1) layer.stride = stride;
      if (!m.bias) layer.bias = false;
      return layer;
    }
    case 'batchnorm': return m.affine ? { type: 'batchnorm' } : { type: 'batchnorm', affine: false };
  }
}

/** The image input shape: `options.input` when it is one, else a guess from the channel count. */
export function imageInput(channels: number, options: InferOptions, name: string): number[] {
  const input = options.input;
  if (input && input.length === 3) {
    if (input[0] !== channels) cannotInfer(name, `the first convolution takes ${channels} channels but the input is [${input.join(', ')}]`);
    return [...input];
  }
  if (channels === 3) return [3, 32, 32];
  if (channels === 1) return [1, 28, 28];
  return cannotInfer(name, `the first convolution takes ${channels} channels; pass { input: [c, h, w] }`);
}

/** Expands module owners into tensor names: every `${module}.${suffix}` of the file → `${path}.${suffix}`. */
export function layoutNamesOf(owners: Array<[string, string]>, modules: Map<string, Map<string, number[]>>, name: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const [module, path] of owners) {
    for (const suffix of modules.get(module)?.keys() ?? []) out.set(module === '' ? suffix : `${module}.${suffix}`, `${path}.${suffix}`);
    used.add(module);
  }
  const unmatched: string[] = [];
  for (const [module, tensors] of modules) if (!used.has(module)) for (const s of tensors.keys()) unmatched.push(module === '' ? s : `${module}.${s}`);
  if (unmatched.length > 0) cannotInfer(name, `tensors left unmatched: ${unmatched.slice(0, 20).map((t) => `"${t}"`).join(', ')}${unmatched.length > 20 ? `, … (${unmatched.length})` : ''}`);
  return out;
}
