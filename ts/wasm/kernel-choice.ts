/**
 * Which GEMM micro-kernel this thread's cores run. 'relaxed' (fused multiply-add, relaxed SIMD) where
 * the engine has it and `exact` is off (the default: the faster kernel), else 'simd128' (mul then add).
 * FMA rounds once per product, so the two give different bits; each is deterministic on one machine
 * and engine, and bit-identical across worker counts (every worker runs the same kernel). Only
 * 'simd128' gives the same bits on every machine and engine, so `setExactKernels(true)` is the switch
 * for results that must match across machines (and across Node 20, which has no relaxed SIMD unless
 * flagged, and browsers, which have it).
 */
import { relaxedSimdSupported } from './relaxed.js';

/** The GEMM micro-kernel a core runs. */
export type GemmKernel = 'relaxed' | 'simd128';

/** What this thread runs and why. */
export interface KernelInfo {
  /** The engine validates relaxed-SIMD opcodes. */
  relaxedSimd: boolean;
  /** `setExactKernels(true)` is in force. */
  exact: boolean;
  /** The micro-kernel new cores (and the shared core) run. */
  kernel: GemmKernel;
}

let exact = false;
const followers = new Set<(exact: boolean) => void>();

/** The kernel a core runs under `exactKernels`: relaxed unless exact or unsupported. */
export function chooseKernel(exactKernels: boolean): GemmKernel {
  return !exactKernels && relaxedSimdSupported() ? 'relaxed' : 'simd128';
}

/**
 * `true`: this thread's cores (the shared one at once, new ones and new pools' workers) run the
 * simd128 kernels, whose bits are the same on every machine and engine. `false` (the default): the
 * relaxed-SIMD kernels where the engine has them.
 */
export function setExactKernels(on: boolean): void {
  exact = on;
  for (const follow of followers) follow(on);
}

/** Whether `setExactKernels(true)` is in force on this thread. */
export function exactKernels(): boolean {
  return exact;
}

/** The kernel choice of this thread. */
export function kernelInfo(): KernelInfo {
  return { relaxedSimd: relaxedSimdSupported(), exact, kernel: chooseKernel(exact) };
}

/** Calls `follow` on every later `setExactKernels` (the shared core follows the thread's choice). */
export function followExactKernels(follow: (exact: boolean) => void): void {
  followers.add(follow);
}
