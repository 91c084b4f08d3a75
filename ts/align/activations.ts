/**
 * Reading a plan's activation buffers after a forward pass: one WASM call (`plan_activations`)
 * per batch returns the requested buffers, each `[n, size]` (NCHW within a sample).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { CompiledArch } from '../model/compile.js';
import type { Engine } from '../model/engine.js';

/** Forward over samples `indices` of `data` ('eval' or 'batch-stats'); the buffers `buffers`, each `[n, size]`. */
export function readActivations(
  engine: Engine, compiled: CompiledArch, params: Float32Array, data: DataSet, indices: Uint32Array, buffers: number[],
  { mode = 'eval' as 'eval' | 'batch-stats', capacity = indices.length } = {},
): Float32Array[] {
  const n = indices.length;
  if (n === 0) throw new ModeconnError('EMPTY_DATA', 'readActivations needs at least one sample');
  if (params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${params.length} values; the architecture needs ${compiled.totalLength}`);
  }
  for (const b of buffers) {
    if (!Number.isInteger(b) || b < 0 || b >= compiled.bufferSizes.length) {
      throw new ModeconnError('BAD_ARGUMENT', `buffer ${b} does not exist (the plan has ${compiled.bufferSizes.length})`);
    }
  }
  const device = engine.upload(data, compiled);
  const handle = engine.plan(compiled, Math.max(capacity, n));
  const sizes = buffers.map((b) => compiled.bufferSizes[b] * n);
  const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  engine.core.call('plan_activations', (s) => [handle, s.inout(params.slice()), params.length, device.x.ptr, device.y.ptr, data.n,
    s.in(indices), n, mode === 'eval' ? 0 : 1, s.in(Uint32Array.from(buffers)), buffers.length, s.out(out), out.length]);
  let at = 0;
  return sizes.map((len) => {
    const part = out.subarray(at, at + len);
    at += len;
    return part;
  });
}
