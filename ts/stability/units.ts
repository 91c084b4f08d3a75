/**
 * Hidden units of a feed-forward net as data for dropout: the units of a dense layer are its
 * outputs, of a conv layer its channels (channel-wise dropout). A unit owns a block of every tensor
 * of its layer (its weight row or filter, bias, BatchNorm γ, β and running statistics); its outgoing
 * weights are one block per row of the next dense or conv layer, at offset + r·(h·block) + c·block
 * (block = k_h·k_w for a conv consumer, the spatial size after a flatten, 1 between dense layers).
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import type { LayoutEntry } from '../model/compile.js';
import { compiledOf } from '../model/model.js';

/** One hidden layer: what each unit owns, and who reads it. */
export interface UnitLayer {
  type: 'dense' | 'conv2d';
  units: number;
  /** Blocks owned per unit: unit u holds [offset + u·per, offset + (u + 1)·per) of each. */
  owned: Array<{ offset: number; per: number }>;
  /** The next layer's weight, read as [rows, units, block]. */
  consumer: { offset: number; rows: number; block: number };
}

/** The hidden layers of a net (m = 1..d at index m − 1) and its output layer. */
export interface UnitStack {
  layers: UnitLayer[];
  /** The last dense layer: weight [classes, units·block of layer d], optional bias. */
  output: { weight: LayoutEntry; bias?: LayoutEntry };
  widths: number[];
}

const BETWEEN = ['relu', 'batchnorm', 'maxpool', 'avgpool', 'dropout', 'flatten'];

/**
 * The units of `arch`: dense and conv2d layers, with BatchNorm, ReLU, pooling, dropout and flatten
 * layers between them (all per-unit maps, so dropping a unit's outgoing weights removes it).
 * Residual blocks are NOT_SUPPORTED: a skip connection reads units the construction moves.
 */
export function unitStack(arch: Arch): UnitStack {
  const compiled = compiledOf(arch);
  const byLayer = new Map<number, LayoutEntry[]>();
  for (const e of compiled.layout) if (e.kind !== 'counter') byLayer.set(e.layer, [...(byLayer.get(e.layer) ?? []), e]);
  const producers: Array<{ j: number; type: 'dense' | 'conv2d'; entries: LayoutEntry[] }> = [];
  arch.layers.forEach((layer, j) => {
    // The weight first: writeUnit rebuilds block 0 when a unit's reads change.
    if (layer.type === 'dense' || layer.type === 'conv2d') producers.push({ j, type: layer.type, entries: [...(byLayer.get(j) ?? [])].sort((a, b) => Number(b.kind === 'weight') - Number(a.kind === 'weight')) });
    else if (layer.type === 'batchnorm') {
      if (producers.length === 0) throw notSupported(`layer ${j} (batchnorm) normalises the input, not a hidden unit`);
      producers[producers.length - 1].entries.push(...(byLayer.get(j) ?? []));
    } else if (!BETWEEN.includes(layer.type)) {
      throw notSupported(`layer ${j} is ${layer.type}`);
    }
  });
  const last = producers[producers.length - 1];
  if (!last || last.type !== 'dense' || producers.length < 2) throw notSupported('the net needs at least one hidden layer and a dense output layer');
  if (last.entries.some((e) => e.kind.startsWith('bn') || e.kind.startsWith('running'))) throw notSupported('BatchNorm after the output layer');
  const layers: UnitLayer[] = producers.slice(0, -1).map((p, m) => {
    const weight = p.entries.find((e) => e.kind === 'weight')!;
    const units = weight.shape[0];
    const next = producers[m + 1].entries.find((e) => e.kind === 'weight')!;
    const perRow = next.length / next.shape[0];
    if (perRow % units !== 0) throw notSupported(`layer ${producers[m + 1].j} reads ${perRow} values per row, not a multiple of ${units} units`);
    return {
      type: p.type,
      units,
      owned: p.entries.map((e) => ({ offset: e.offset, per: e.length / units })),
      consumer: { offset: next.offset, rows: next.shape[0], block: perRow / units },
    };
  });
  const widths = layers.map((l) => l.units);
  if (widths.some((h) => h < 2)) throw notSupported('every hidden layer needs at least 2 units to drop half of them');
  const output = { weight: last.entries.find((e) => e.kind === 'weight')!, bias: last.entries.find((e) => e.kind === 'bias') };
  return { layers, output, widths };
}

function notSupported(problem: string): ModeconnError {
  return new ModeconnError('NOT_SUPPORTED', `dropout stability and its paths need a feed-forward net of dense/conv2d layers with BatchNorm, ReLU, pooling, dropout or flatten between them; ${problem}`, {
    advice: 'residual blocks are not covered by the construction (a skip connection reads the units it moves)',
  });
}

/** Kept units of each hidden layer (index m − 1 for layer m), ⌊h/2⌋ each. */
export type KeptUnits = Uint32Array[];

/** BAD_ARGUMENT unless `kept` has ⌊h/2⌋ distinct units below h for every hidden layer. */
export function checkKept(widths: number[], kept: KeptUnits): void {
  if (kept.length !== widths.length) throw new ModeconnError('BAD_ARGUMENT', `kept units for ${kept.length} layers; the net has ${widths.length} hidden layers`);
  kept.forEach((k, m) => {
    const h = widths[m];
    if (k.length !== Math.floor(h / 2) || new Set(k).size !== k.length || k.some((u) => u >= h)) {
      throw new ModeconnError('BAD_ARGUMENT', `hidden layer ${m + 1}: kept units must be ${Math.floor(h / 2)} distinct indices below ${h}`);
    }
  });
}

/** Units of `h` not in `kept`, increasing. */
export function complement(kept: ArrayLike<number>, h: number): number[] {
  const inK = new Uint8Array(h);
  for (let i = 0; i < kept.length; i++) inK[kept[i]] = 1;
  return Array.from({ length: h }, (_, u) => u).filter((u) => !inK[u]);
}

/** Squared norm of each unit's outgoing weights in hidden layer m (1-based). */
export function outgoingNorms(stack: UnitStack, theta: Float32Array, m: number): number[] {
  const { units, consumer } = stack.layers[m - 1];
  const { offset, rows, block } = consumer;
  const norms = new Array<number>(units).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < units; c++) {
      const at = offset + (r * units + c) * block;
      for (let s = 0; s < block; s++) norms[c] += theta[at + s] ** 2;
    }
  }
  return norms;
}

/** Multiplies unit c's outgoing weights in hidden layer m by scale[c], in place. */
export function scaleOutgoing(stack: UnitStack, theta: Float32Array, m: number, scale: ArrayLike<number>): void {
  const { units, consumer } = stack.layers[m - 1];
  const { offset, rows, block } = consumer;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < units; c++) {
      const at = offset + (r * units + c) * block;
      for (let s = 0; s < block; s++) theta[at + s] *= scale[c];
    }
  }
}

/**
 * Writes into `theta` unit `u` of `src` at position `p` of hidden layer m. With `reads` (m ≥ 2), its
 * incoming weights read only the units of layer m − 1 listed in reads.from, at positions reads.to,
 * times reads.factor; otherwise they are copied as they are.
 */
export function writeUnit(stack: UnitStack, theta: Float32Array, src: Float32Array, m: number, u: number, p: number,
  reads?: { from: ArrayLike<number>; to: ArrayLike<number>; factor: number }): void {
  const layer = stack.layers[m - 1];
  layer.owned.forEach(({ offset, per }, k) => {
    if (k === 0 && reads) {
      const below = stack.layers[m - 2];
      const block = below.consumer.block;
      const at = offset + p * per;
      theta.fill(0, at, at + per);
      for (let i = 0; i < reads.from.length; i++) {
        const from = offset + u * per + reads.from[i] * block;
        const to = at + reads.to[i] * block;
        for (let s = 0; s < block; s++) theta[to + s] = reads.factor * src[from + s];
      }
    } else {
      theta.set(src.subarray(offset + u * per, offset + (u + 1) * per), offset + p * per);
    }
  });
}

/** Points the output layer at units `from` of `src`'s layer d placed at positions `to`, weights × factor, `src`'s bias. */
export function writeOutput(stack: UnitStack, theta: Float32Array, src: Float32Array, from: ArrayLike<number>, to: ArrayLike<number>, factor: number): void {
  const { weight, bias } = stack.output;
  const units = stack.widths[stack.widths.length - 1];
  const block = stack.layers[stack.layers.length - 1].consumer.block;
  const rows = weight.shape[0];
  theta.fill(0, weight.offset, weight.offset + weight.length);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < from.length; i++) {
      const a = weight.offset + (r * units + from[i]) * block;
      const b = weight.offset + (r * units + to[i]) * block;
      for (let s = 0; s < block; s++) theta[b + s] = factor * src[a + s];
    }
  }
  if (bias) theta.set(src.subarray(bias.offset, bias.offset + bias.length), bias.offset);
}

/** θ with the units of each hidden layer permuted: position p of layer l + 1 gets θ's unit perm[l][p]. */
export function permuteUnits(stack: UnitStack, theta: Float32Array, perm: Uint32Array[]): Float32Array {
  const out = theta.slice();
  perm.forEach((p, l) => {
    const layer = stack.layers[l];
    for (const { offset, per } of layer.owned) {
      const copy = out.slice(offset + 0, offset + layer.units * per);
      p.forEach((from, to) => out.set(copy.subarray(from * per, (from + 1) * per), offset + to * per));
    }
    const { offset, rows, block } = layer.consumer;
    const h = layer.units;
    const copy = out.slice(offset, offset + rows * h * block);
    for (let r = 0; r < rows; r++) {
      p.forEach((from, to) => out.set(copy.subarray((r * h + from) * block, (r * h + from + 1) * block), offset + (r * h + to) * block));
    }
  });
  return out;
}
