/**
 * GEMM throughput, GFLOP/s = 2·m·k·n / median seconds, on the named shapes: the core with the
 * simd128 micro-kernel and with the relaxed-SIMD one (where the engine has it), timed round by round
 * on operands already in WASM memory; the TS twin (one call); native Rust when the host provides it.
 * The register-only ceilings (simd128 mul+add, FMA) of the same run are the reference for both.
 */
import { type Buf, Core } from '../wasm/kernel.js';
import type { GemmShape } from './shapes.js';
import { type Measured, median, timeOnce, timeRounds } from './measure.js';
import { FMA_PEAK_FLOPS_PER_ITER } from '../wasm/relaxed.js';
import type { BenchHooks } from './types.js';

/** One shape's row: GFLOP/s per implementation. */
export interface GemmRow {
  shape: GemmShape;
  simd128: number;
  relaxed: Measured<number>;
  twin: Measured<number>;
  native: Measured<number>;
}

/** The ceilings measured in the same run, GFLOP/s. */
export interface Peaks {
  simd128: number;
  fma: Measured<number>;
}

/** Ceiling rounds per timing: about a millisecond, like a GEMM call. */
const PEAK_ITERS = 1 << 19;
/** FLOPs per `simd_peak` iteration (crate/src/gemm/peak.rs: 6 mul and 6 add chains of 4 lanes). */
const SIMD_PEAK_FLOPS = 48;

function fill(core: Core, length: number, seed: number): Buf {
  const buf = core.allocF32(length);
  const view = core.f32(buf);
  for (let i = 0; i < length; i++) view[i] = ((i * 7 + seed) % 17) / 17 - 0.5;
  return buf;
}

/** Measures every shape on both kernels (and the hooks' columns), with the ceilings timed in the same rounds. */
export async function benchGemm(shapes: readonly GemmShape[], reps: number, hooks: BenchHooks): Promise<{ rows: GemmRow[]; peaks: Peaks }> {
  const cores: Record<string, Core> = { simd128: await Core.create({ exact: true }) };
  const relaxedCore = await Core.create({ exact: false });
  if (relaxedCore.kernel === 'relaxed') cores.relaxed = relaxedCore;
  const out = cores.simd128.allocF32(1);
  // The ceilings take turns with the GEMMs, so a busy moment of the machine lowers both alike.
  const peakCalls: Record<string, () => void> = { 'peak simd128': () => cores.simd128.simdPeak(PEAK_ITERS, out) };
  if (cores.relaxed) peakCalls['peak fma'] = () => cores.relaxed.fmaPeak(PEAK_ITERS);
  const peakSamples: Record<string, number[]> = { 'peak simd128': [], 'peak fma': [] };
  const rows: GemmRow[] = [];
  for (const [index, s] of shapes.entries()) {
    hooks.onProgress?.({ fraction: index / shapes.length, detail: `GEMM ${s.name}` });
    const flops = 2 * s.m * s.k * s.n;
    const calls: Record<string, () => void> = { ...peakCalls };
    const bufs: Array<[Core, Buf[]]> = [];
    for (const [kernel, core] of Object.entries(cores)) {
      const a = fill(core, s.m * s.k, 1);
      const b = fill(core, s.k * s.n, 2);
      const c = core.allocF32(s.m * s.n);
      bufs.push([core, [a, b, c]]);
      calls[kernel] = () => core.gemmResident(s, a, b, c);
    }
    const seconds = await timeRounds(calls, reps);
    for (const [core, list] of bufs) list.forEach((buf) => core.free(buf));
    peakSamples['peak simd128'].push((PEAK_ITERS * SIMD_PEAK_FLOPS) / seconds['peak simd128'] / 1e9);
    if (cores.relaxed) peakSamples['peak fma'].push((PEAK_ITERS * FMA_PEAK_FLOPS_PER_ITER) / seconds['peak fma'] / 1e9);
    rows.push({
      shape: s,
      simd128: flops / seconds.simd128 / 1e9,
      relaxed: cores.relaxed ? { value: flops / seconds.relaxed / 1e9 } : { reason: 'no relaxed SIMD in this engine' },
      twin: hooks.twin ? { value: flops / (await twinSeconds(hooks.twin.gemm, s)) / 1e9 } : { reason: 'no twin given' },
      native: hooks.native?.gemm ? await hooks.native.gemm(s) : { reason: 'no native build here' },
    });
  }
  cores.simd128.free(out);
  const fma = cores.relaxed ? { value: median(peakSamples['peak fma']) } : { reason: 'no relaxed SIMD in this engine' };
  return { rows, peaks: { simd128: median(peakSamples['peak simd128']), fma } };
}

/** Seconds of one twin call (after one small warm-up call; the twin is ~50× slower than WASM). */
async function twinSeconds(gemm: NonNullable<BenchHooks['twin']>['gemm'], s: GemmShape): Promise<number> {
  const a = new Float32Array(s.m * s.k).fill(0.25);
  const b = new Float32Array(s.k * s.n).fill(0.5);
  const c = new Float32Array(s.m * s.n);
  gemm({ m: 8, k: 8, n: 8 }, a.subarray(0, 64), b.subarray(0, 64), null, c.subarray(0, 64));
  return timeOnce(() => gemm({ m: s.m, k: s.k, n: s.n, transA: s.transA, transB: s.transB }, a, b, null, c));
}
