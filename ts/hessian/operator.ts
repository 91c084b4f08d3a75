/**
 * The Hessian of the mean loss over a data set at θ as a linear operator on a block of trainable
 * parameters: the whole network, or one layer's tensors (the diagonal block H_ll, as PyHessian's
 * per-layer analyses take it). Vectors are f64 over the block; each `apply` is one runner call of
 * Hessian-vector products (R-operator, one WASM call per batch and vector).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { HvpOptions } from '../model/runner.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';

/** A set of trainable entries of θ: every trainable tensor, or one layer's. */
export interface HessianBlock {
  /** 'all', or the module name of the layer (e.g. `0`, `3.body.1`). */
  name: string;
  /** θ offsets of the block's entries, in θ order. */
  offsets: Uint32Array;
}

/** The whole network's block, then one per layer that owns trainable tensors (dense, conv, BatchNorm γ/β). */
export function hessianBlocks(arch: Arch): HessianBlock[] {
  const compiled = compiledOf(arch);
  const layers = new Map<string, number[]>();
  for (const e of compiled.layout) {
    if (e.offset < 0 || e.offset >= compiled.paramCount || e.length === 0) continue;
    const module = e.name.slice(0, e.name.lastIndexOf('.'));
    const list = layers.get(module) ?? [];
    for (let i = 0; i < e.length; i++) list.push(e.offset + i);
    layers.set(module, list);
  }
  const all = Uint32Array.from({ length: compiled.paramCount }, (_, i) => i);
  return [{ name: 'all', offsets: all }, ...[...layers].map(([name, offsets]) => ({ name, offsets: Uint32Array.from(offsets) }))];
}

export interface HessianOptions extends RunnerOption, Pick<HvpOptions, 'batchSize' | 'mode' | 'signal'> {
  /** The block to act on (default: every trainable entry). */
  block?: HessianBlock;
}

/** H restricted to a block: y = H_bb·x for x over the block's entries. */
export interface HessianOperator {
  /** Entries of the block. */
  readonly dim: number;
  readonly block: HessianBlock;
  /** H_bb·x for each x (one runner call for all of them). */
  apply(xs: readonly Float64Array[]): Promise<Float64Array[]>;
  /** Products taken so far (each over the whole data set). */
  readonly products: number;
}

/** The Hessian of the mean loss of `arch` at `params` over `data` (see the module header). */
export function hessianOperator(arch: Arch, params: Float32Array, data: DataSet, options: HessianOptions = {}): HessianOperator {
  const compiled = compiledOf(arch);
  if (!(params instanceof Float32Array) || params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${params?.length} values; the architecture needs ${compiled.totalLength}`);
  }
  const block = options.block ?? hessianBlocks(arch)[0];
  const { offsets } = block;
  let products = 0;
  return {
    dim: offsets.length,
    block,
    get products() {
      return products;
    },
    async apply(xs) {
      const vectors = xs.map((x) => {
        if (x.length !== offsets.length) throw new ModeconnError('BAD_SHAPE', `a vector of ${x.length} values for a block of ${offsets.length}`);
        const v = new Float32Array(compiled.totalLength);
        offsets.forEach((o, i) => (v[o] = x[i]));
        return v;
      });
      const runner = await resolveRunner(options.runner);
      const { products: hvs } = await runner.hessianVectorProducts(arch, params, data, vectors, { batchSize: options.batchSize, mode: options.mode, signal: options.signal });
      products += xs.length;
      return hvs.map((hv) => Float64Array.from(offsets, (o) => hv[o]));
    },
  };
}

/** A symmetric operator given by a function (a dense matrix in tests, a Hessian restricted to a subspace). */
export function functionOperator(dim: number, apply: (x: Float64Array) => Float64Array): HessianOperator {
  let products = 0;
  return {
    dim,
    block: { name: 'custom', offsets: new Uint32Array(0) },
    get products() {
      return products;
    },
    async apply(xs) {
      products += xs.length;
      return xs.map(apply);
    },
  };
}
