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
  /**
   * Layout name → the tensor's name in the checkpoint the model was read from (e.g. `3.body.0.weight`
   * → `layer1.0.conv1.weight`); writers save under these names, so the file loads back into the
   * user's PyTorch module. Absent for models built here.
   */
  sourceNames?: Record<string, string>;
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

/** `model` with new parameters θ: the same arch, BatchNorm counters and checkpoint names. */
export function withParams(model: Model, params: Float32Array): Model {
  const out: Model = { arch: model.arch, params };
  if (model.batchesTracked) out.batchesTracked = model.batchesTracked;
  if (model.sourceNames) out.sourceNames = model.sourceNames;
  return out;
}
