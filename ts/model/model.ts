/**
 * A network as data: its architecture and one flat f32 vector θ laid out as `compileArch(arch).layout`
 * says (PyTorch state_dict order: trainable tensors, then BatchNorm running statistics). Compiling an
 * arch is cached per arch object.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from './arch.js';
import { compileArch, type CompiledArch } from './compile.js';
import { assertFinite } from './engine.js';

/** A network: its architecture and its flat vector θ (layout from `compileArch(arch)`). */
export interface Model {
  arch: Arch;
  params: Float32Array;
  /** PyTorch's `num_batches_tracked` per BatchNorm (state_dict name → count); absent or missing names count 0. */
  batchesTracked?: Record<string, number>;
}

const compiledCache = new WeakMap<Arch, CompiledArch>();

/** `compileArch` with a per-object cache. */
export function compiledOf(arch: Arch): CompiledArch {
  let compiled = compiledCache.get(arch);
  if (!compiled) {
    compiled = compileArch(arch);
    compiledCache.set(arch, compiled);
  }
  return compiled;
}

/** Checks that each θ has the arch's length (BAD_SHAPE) and only finite values (NON_FINITE). */
export function checkParams(compiled: CompiledArch, params: readonly Float32Array[], what = 'parameter vector'): void {
  params.forEach((p, i) => {
    const name = params.length === 1 ? what : `${what} ${i}`;
    if (p.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `${name} has ${p.length} values; the architecture needs ${compiled.totalLength}`);
    }
    assertFinite(p, name);
  });
}
