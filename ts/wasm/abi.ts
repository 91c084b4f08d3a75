/**
 * The exports of the core module, typed by hand with the same names and argument order as
 * crate/src/abi.rs. Pointers are byte offsets into the module's memory; every function returns a
 * status (0 = OK) unless noted.
 */

/** Status codes returned by every ABI function (crate/src/abi.rs). */
export const Status = {
  OK: 0,
  ERR_SHAPE: 1,
  ERR_ARG: 2,
  ERR_BOUNDS: 3,
  ERR_ALLOC: 4,
} as const;

/** Human-readable meaning of a status code. */
export function describeStatus(code: number): string {
  switch (code) {
    case Status.ERR_SHAPE: return 'dimensions inconsistent with each other or with a buffer length';
    case Status.ERR_ARG: return 'an argument out of its range';
    case Status.ERR_BOUNDS: return 'a pointer range null, misaligned or outside WASM memory';
    case Status.ERR_ALLOC: return 'allocation failed';
    default: return `unknown status ${code}`;
  }
}

type Ptr = number;

export interface CoreExports {
  memory: WebAssembly.Memory;
  /** Returns a 16-byte aligned zeroed block, or 0 on failure. */
  mem_alloc(bytes: number): Ptr;
  mem_free(ptr: Ptr, bytes: number): number;
  /** Executes `unreachable` (test hook for trap recovery). */
  debug_trap(): number;
  // ---- conv, pool ----
  /** y = conv2d(x, weight) + bias (bias 0 = none). */
  conv2d_forward(x: Ptr, weight: Ptr, bias: Ptr, y: Ptr, n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  /** dx (0 = skip), dweight, dbias (0 = skip), overwritten. */
  conv2d_backward(x: Ptr, weight: Ptr, dy: Ptr, dx: Ptr, dweight: Ptr, dbias: Ptr, n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  maxpool2d_forward(x: Ptr, y: Ptr, argmax: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  maxpool2d_backward(dy: Ptr, argmax: Ptr, dx: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  avgpool2d_forward(x: Ptr, y: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  avgpool2d_backward(dy: Ptr, dx: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  // ---- gemm ----
  /** c = beta·c + op(a)·op(b) + bias, ReLU if relu; biasAxis 0 none, 1 per column, 2 per row. */
  gemm_f32(transA: number, transB: number, m: number, n: number, k: number, a: Ptr, b: Ptr, bias: Ptr, biasAxis: number, beta: number, relu: number, c: Ptr): number;
  /** Register-only mul+add loop, 48 FLOPs per iteration; writes its result to out[0]. */
  simd_peak(iters: number, out: Ptr): number;
}
