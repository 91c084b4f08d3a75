/**
 * Permutation specs (Ainsworth et al.'s *spec*): which axes of θ's tensors share one permutation
 * of hidden units. A perm `p` of a group maps the aligned model's unit i to B's unit p[i]: every
 * axis of the group is gathered, `θ'[…, i, …] = θ[…, p[i], …]`. Derived from an Arch: dense/conv
 * outputs with their bias, BatchNorm γ/β/running stats and the next layer's input axis (in blocks
 * of h·w across a flatten); residual joins tie body and shortcut (identity: the block input).
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from '../model/arch.js';
import { pair } from '../model/arch.js';
import type { CompiledArch, LayoutEntry } from '../model/compile.js';
import { windowOut } from '../model/plan-format.js';
import { compiledOf } from '../model/model.js';
import { permutation, seedState } from '../kernels/xoshiro.js';

/** One permuted axis of a tensor: unit i occupies indices [i·block, (i+1)·block) of `axis`. */
export interface PermAxis {
  /** Layout name (PyTorch state_dict name). */
  entry: string;
  axis: number;
  block: number;
}

/** A group of axes permuted together. */
export interface PermGroup {
  /** `P_<path>` of the layer that first produced these units. */
  name: string;
  /** Number of units. */
  size: number;
  axes: PermAxis[];
  /** Activation buffers (plan buffer indices) whose channel/feature axis carries these units. */
  buffers: number[];
  /** Those of `buffers` that hold post-ReLU values (activation matching uses them). */
  activations: number[];
}

/** All permutation groups of an arch. */
export interface PermutationSpec {
  groups: PermGroup[];
}

/** A permutation per group name. */
export type Permutations = Record<string, Uint32Array>;

/** Union-find over group ids; id 0 is "fixed" (network input and logits are never permuted). */
class Groups {
  readonly parent: number[] = [0];
  readonly info: Array<{ name: string; size: number; axes: PermAxis[]; buffers: number[]; activations: number[] }> = [
    { name: '', size: 0, axes: [], buffers: [], activations: [] },
  ];

  create(name: string, size: number): number {
    this.parent.push(this.parent.length);
    this.info.push({ name, size, axes: [], buffers: [], activations: [] });
    return this.parent.length - 1;
  }

  find(g: number): number {
    while (this.parent[g] !== g) g = this.parent[g] = this.parent[this.parent[g]];
    return g;
  }

  /** Ties two groups; the fixed group (0) or the older group wins. */
  union(a: number, b: number): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra === rb) return;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[child] = root;
  }
}

/** A value in flight: its buffer, per-sample shape and the group of its channel (or feature) axis. */
interface Value { buf: number; shape: number[]; group: number; block: number }

class Walker {
  readonly g = new Groups();
  readonly axisRecords: Array<{ group: number; axis: PermAxis }> = [];
  readonly bufRecords: Array<{ group: number; buf: number; relu: boolean }> = [];
  bufferCount = 1;

  axis(group: number, entry: string, axis: number, block = 1): void {
    this.axisRecords.push({ group, axis: { entry, axis, block } });
  }

  buffer(group: number, relu = false): number {
    const buf = this.bufferCount++;
    this.bufRecords.push({ group, buf, relu });
    return buf;
  }

  layers(layers: Layer[], x: Value, prefix: string): Value {
    let cur = x;
    layers.forEach((layer, j) => {
      const path = `${prefix}${j}`;
      switch (layer.type) {
        case 'dense':
        case 'conv2d': {
          const group = this.g.create(`P_${path}`, layer.out);
          this.axis(group, `${path}.weight`, 0);
          this.axis(cur.group, `${path}.weight`, 1, cur.block);
          if (layer.bias !== false) this.axis(group, `${path}.bias`, 0);
          let shape = [layer.out];
          if (layer.type === 'conv2d') {
            const [kh, kw] = pair(layer.kernel);
            const [sh, sw] = pair(layer.stride ?? 1);
            const [ph, pw] = pair(layer.padding ?? 0);
            shape = [layer.out, windowOut(path, cur.shape[1], kh, sh, ph), windowOut(path, cur.shape[2], kw, sw, pw)];
          }
          cur = { buf: this.buffer(group), shape, group, block: 1 };
          break;
        }
        case 'batchnorm': {
          if (layer.affine !== false) {
            this.axis(cur.group, `${path}.weight`, 0);
            this.axis(cur.group, `${path}.bias`, 0);
          }
          this.axis(cur.group, `${path}.running_mean`, 0);
          this.axis(cur.group, `${path}.running_var`, 0);
          cur = { ...cur, buf: this.buffer(cur.group) };
          break;
        }
        case 'relu': {
          const prev = j > 0 ? layers[j - 1].type : null;
          if (prev === 'dense' || prev === 'conv2d' || prev === 'batchnorm' || prev === 'residual') {
            this.bufRecords[this.bufRecords.length - 1].relu = true; // folded into that op
          } else {
            cur = { ...cur, buf: this.buffer(cur.group, true) };
          }
          break;
        }
        case 'maxpool':
        case 'avgpool': {
          const [kh, kw] = pair(layer.kernel);
          const [sh, sw] = pair(layer.stride ?? layer.kernel);
          const [ph, pw] = pair(layer.padding ?? 0);
          const shape = [cur.shape[0], windowOut(path, cur.shape[1], kh, sh, ph), windowOut(path, cur.shape[2], kw, sw, pw)];
          cur = { ...cur, buf: this.buffer(cur.group), shape };
          break;
        }
        case 'flatten': {
          const spatial = cur.shape.slice(1).reduce((a, b) => a * b, 1);
          cur = { ...cur, shape: [cur.shape.reduce((a, b) => a * b, 1)], block: cur.block * spatial };
          break;
        }
        case 'dropout':
          cur = { ...cur, buf: this.buffer(cur.group) };
          break;
        case 'residual': {
          const body = this.layers(layer.body, cur, `${path}.body.`);
          const shortcut = layer.shortcut && layer.shortcut.length > 0 ? this.layers(layer.shortcut, cur, `${path}.shortcut.`) : cur;
          if (body.block !== shortcut.block) throw new ModeconnError('BAD_SHAPE', `layer ${path} (residual): body and shortcut disagree on the feature layout`);
          this.g.union(body.group, shortcut.group);
          cur = { buf: this.buffer(body.group), shape: body.shape, group: body.group, block: body.block };
          break;
        }
      }
    });
    return cur;
  }
}

/** The permutation spec of an arch (groups in order of first appearance; no group touches the input or the logits). */
export function permutationSpec(arch: Arch): PermutationSpec {
  const w = new Walker();
  const out = w.layers(arch.layers, { buf: 0, shape: [...arch.input], group: 0, block: 1 }, '');
  w.g.union(out.group, 0);
  const byRoot = new Map<number, PermGroup>();
  for (let id = 1; id < w.g.parent.length; id++) {
    const root = w.g.find(id);
    if (root === 0 || byRoot.has(root)) continue;
    const { name, size } = w.g.info[root];
    byRoot.set(root, { name, size, axes: [], buffers: [], activations: [] });
  }
  for (const { group, axis } of w.axisRecords) byRoot.get(w.g.find(group))?.axes.push(axis);
  for (const { group, buf, relu } of w.bufRecords) {
    const g = byRoot.get(w.g.find(group));
    if (!g) continue;
    g.buffers.push(buf);
    if (relu) g.activations.push(buf);
  }
  return { groups: [...byRoot.values()] };
}

/** Checks a spec against a compiled layout: entries exist, axes fit, each axis in one group. */
export function validateSpec(spec: PermutationSpec, compiled: Pick<CompiledArch, 'layout' | 'bufferSizes'>): void {
  const entries = new Map(compiled.layout.map((e) => [e.name, e]));
  const seen = new Set<string>();
  const fail = (g: PermGroup, problem: string): never => {
    throw new ModeconnError('BAD_SHAPE', `permutation group ${g.name}: ${problem}`);
  };
  for (const g of spec.groups) {
    if (!Number.isInteger(g.size) || g.size < 1) fail(g, `size must be a positive integer, got ${g.size}`);
    for (const a of g.axes) {
      const e = entries.get(a.entry);
      if (!e || e.kind === 'counter') fail(g, `names ${a.entry}, which is not a tensor of θ`);
      if (!(a.axis >= 0 && a.axis < e!.shape.length)) fail(g, `${a.entry} has no axis ${a.axis} (shape [${e!.shape.join(', ')}])`);
      if (e!.shape[a.axis] !== g.size * a.block) fail(g, `${a.entry} axis ${a.axis} has ${e!.shape[a.axis]} entries, expected ${g.size}·${a.block}`);
      const key = `${a.entry}#${a.axis}`;
      if (seen.has(key)) fail(g, `${a.entry} axis ${a.axis} is already permuted by another group`);
      seen.add(key);
    }
    for (const b of g.buffers) {
      const size = compiled.bufferSizes[b];
      if (size === undefined || size % g.size !== 0) fail(g, `activation buffer ${b} (${size} values per sample) is not a multiple of ${g.size} units`);
    }
  }
}

/** Checks that `perms` holds a permutation of 0..size−1 for every group of `spec`. */
export function validatePermutations(spec: PermutationSpec, perms: Permutations): void {
  for (const g of spec.groups) {
    const p = perms[g.name];
    if (!p) throw new ModeconnError('BAD_ARGUMENT', `no permutation for group ${g.name}`);
    if (p.length !== g.size) throw new ModeconnError('BAD_SHAPE', `permutation ${g.name} has ${p.length} entries, expected ${g.size}`);
    const hit = new Uint8Array(g.size);
    for (const v of p) {
      if (!(v < g.size) || hit[v]) throw new ModeconnError('BAD_ARGUMENT', `permutation ${g.name} is not a permutation of 0..${g.size - 1}`);
      hit[v] = 1;
    }
  }
}

/** Gathers one tensor: `out[…, i, …] = src[…, map(i), …]` along every permuted axis (rank ≤ 4). */
export function gatherTensor(src: Float32Array, shape: number[], maps: Array<Uint32Array | null>, out: Float32Array): void {
  if (shape.length > 4) throw new ModeconnError('BAD_SHAPE', `tensors of rank ${shape.length} cannot be permuted (at most 4)`);
  // Pad to four axes; per axis, the source offset of each index.
  const pad = 4 - shape.length;
  const dims = [...new Array<number>(pad).fill(1), ...shape];
  const offs: Int32Array[] = [];
  let stride = 1;
  for (let d = 3; d >= 0; d--) {
    const map = d >= pad ? maps[d - pad] : null;
    offs[d] = Int32Array.from({ length: dims[d] }, (_, i) => (map ? map[i] : i) * stride);
    stride *= dims[d];
  }
  const [o0, o1, o2, o3] = offs;
  let o = 0;
  for (let a = 0; a < dims[0]; a++) {
    for (let b = 0; b < dims[1]; b++) {
      const ab = o0[a] + o1[b];
      for (let c = 0; c < dims[2]; c++) {
        const abc = ab + o2[c];
        for (let d = 0; d < dims[3]; d++) out[o++] = src[abc + o3[d]];
      }
    }
  }
}

/** The index map of a permuted axis: unit i's block of `block` indices comes from unit p[i]. */
export function axisMap(p: Uint32Array, block: number): Uint32Array {
  if (block === 1) return p;
  const m = new Uint32Array(p.length * block);
  for (let i = 0; i < p.length; i++) for (let k = 0; k < block; k++) m[i * block + k] = p[i] * block + k;
  return m;
}

/**
 * θ' with every group's axes gathered by its permutation (a copy; `params` is unchanged). With
 * `only`, just those tensors are permuted (the rest is copied as is).
 */
export function permuteParams(spec: PermutationSpec, layout: LayoutEntry[], params: Float32Array, perms: Permutations, only?: ReadonlySet<string>): Float32Array {
  validatePermutations(spec, perms);
  const out = params.slice();
  const byEntry = new Map<string, Array<Uint32Array | null>>();
  for (const g of spec.groups) {
    const p = perms[g.name];
    for (const a of g.axes) {
      const e = layout.find((x) => x.name === a.entry)!;
      const maps = byEntry.get(a.entry) ?? new Array<Uint32Array | null>(e.shape.length).fill(null);
      maps[a.axis] = axisMap(p, a.block);
      byEntry.set(a.entry, maps);
    }
  }
  for (const e of layout) {
    const maps = byEntry.get(e.name);
    if (!maps || e.length === 0 || (only && !only.has(e.name))) continue;
    gatherTensor(params.subarray(e.offset, e.offset + e.length), e.shape, maps, out.subarray(e.offset, e.offset + e.length));
  }
  return out;
}

const specCache = new WeakMap<Arch, PermutationSpec>();

/** The spec of `arch`, derived once per arch object. */
export function specOf(arch: Arch): PermutationSpec {
  let spec = specCache.get(arch);
  if (!spec) {
    spec = permutationSpec(arch);
    specCache.set(arch, spec);
  }
  return spec;
}

/** θ' = θ with `perms` applied to every permutation group of `arch` (the function is unchanged). */
export function applyPermutation(arch: Arch, params: Float32Array, perms: Permutations, compiled: CompiledArch = compiledOf(arch)): Float32Array {
  const spec = specOf(arch);
  validateSpec(spec, compiled);
  if (params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${params.length} values; the architecture needs ${compiled.totalLength}`);
  }
  return permuteParams(spec, compiled.layout, params, perms);
}

/** The identity permutation of every group. */
export function identityPermutations(spec: PermutationSpec): Permutations {
  return Object.fromEntries(spec.groups.map((g) => [g.name, Uint32Array.from({ length: g.size }, (_, i) => i)]));
}

/** A seeded random permutation of every group (group k draws from stream k). */
export function randomPermutations(spec: PermutationSpec, seed: number): Permutations {
  return Object.fromEntries(spec.groups.map((g, k) => {
    const s = new Uint32Array(4);
    seedState(seed, k, s);
    const p = new Uint32Array(g.size);
    permutation(s, p);
    return [g.name, p];
  }));
}

/** The inverse permutation: `inv[p[i]] = i`. */
export function invertPermutation(p: Uint32Array): Uint32Array {
  const inv = new Uint32Array(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]] = i;
  return inv;
}
