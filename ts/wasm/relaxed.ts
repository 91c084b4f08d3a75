/**
 * The relaxed-SIMD module (crate/wat/relaxed.wat → modeconn_relaxed.wasm): the GEMM micro-kernel with
 * fused multiply-adds (`f32x4.relaxed_madd`) that the core imports, and the FMA ceiling. Whether the
 * engine has relaxed SIMD is decided once per thread by validating a tiny module that uses the
 * opcode (what npm's wasm-feature-detect does); engines without it get the simd128 kernels.
 */
import compileBundled from './modeconn_relaxed.wasm';
import { ModeconnError } from '../errors.js';
import type { CompiledModule } from './load.js';

/** The exports of the relaxed module (crate/wat/relaxed.wat). */
export interface RelaxedExports {
  gemm_tile(kb: number, a: number, b: number, c: number, ldc: number, flags: number, beta: number, bias: number): void;
  /** `iters` rounds of 12 independent f32x4 FMA chains (96 FLOPs a round); pass 0.5 as `half`. */
  fma_peak(iters: number, half: number): number;
}

/** FLOPs per `fma_peak` round: 12 chains of four-lane fused multiply-adds. */
export const FMA_PEAK_FLOPS_PER_ITER = 96;

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
// with the final opcode 0xfd 0x105 (LEB128 0x85 0x02).
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

let supported: boolean | null = null;

/** Whether this engine runs relaxed SIMD (Chromium ≥ 114, Firefox ≥ 120, Safari ≥ 16.4, Node ≥ 22; Node 20 with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  supported ??= WebAssembly.validate(PROBE);
  return supported;
}

let compiled: Promise<CompiledModule | null> | null = null;

/** The compiled relaxed module, or null where the engine has no relaxed SIMD (compiled once). */
export function compileRelaxed(): Promise<CompiledModule | null> {
  compiled ??= relaxedSimdSupported()
    ? (compileBundled() as Promise<WebAssembly.Module>).catch((cause: unknown) => {
      compiled = null;
      throw new ModeconnError('WASM_LOAD', `cannot compile the relaxed-SIMD kernels: ${String(cause)}`, {
        advice: 'the engine validated relaxed SIMD but rejected the module; setExactKernels(true) uses the simd128 kernels',
        cause,
      });
    })
    : Promise.resolve(null);
  return compiled;
}
