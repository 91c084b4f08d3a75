/**
 * The exports of the core module, typed by hand with the same names and argument order as
 * crate/src/abi/. Pointers are byte offsets into the module's memory; every function returns a
 * status (0 = OK) unless noted.
 */

/** Status codes returned by every ABI function (crate/src/abi/). */
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

/** The core's exports; its memory is imported (`env.memory`, created by ts/wasm/kernel.ts). */
export interface CoreExports {
  /** Returns a 16-byte aligned zeroed block, or 0 on failure. */
  mem_alloc(bytes: number): Ptr;
  mem_alloc_uninit(bytes: number): Ptr;
  mem_free(ptr: Ptr, bytes: number): number;
  /** Executes `unreachable` (test hook for trap recovery). */
  debug_trap(): number;
  // ---- conv, pool ----
  /** y = conv2d(x, weight) + bias (bias 0 = none). */
  conv2d_forward(x: Ptr, weight: Ptr, bias: Ptr, y: Ptr, n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  /** dx (0 = skip), dweight, dbias (0 = skip), overwritten. */
  conv2d_backward(x: Ptr, weight: Ptr, dy: Ptr, dx: Ptr, dweight: Ptr, dbias: Ptr,
    n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  maxpool2d_forward(x: Ptr, y: Ptr, argmax: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  maxpool2d_backward(dy: Ptr, argmax: Ptr, dx: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  avgpool2d_forward(x: Ptr, y: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  avgpool2d_backward(dy: Ptr, dx: Ptr, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): number;
  // ---- norm / act / loss ----
  /** BatchNorm train forward over x[n, c, s]; mode 0 momentum, 1 exact average over `seen`, 2 frozen (running ptrs may be 0). */
  batchnorm_forward_train(x: Ptr, gamma: Ptr, beta: Ptr, y: Ptr, saveMean: Ptr, saveInvstd: Ptr, runningMean: Ptr, runningVar: Ptr,
    n: number, c: number, s: number, eps: number, mode: number, momentum: number, seen: number): number;
  batchnorm_forward_eval(x: Ptr, gamma: Ptr, beta: Ptr, runningMean: Ptr, runningVar: Ptr, y: Ptr, n: number, c: number, s: number, eps: number): number;
  batchnorm_backward(x: Ptr, dy: Ptr, gamma: Ptr, saveMean: Ptr, saveInvstd: Ptr, dx: Ptr, dgamma: Ptr, dbeta: Ptr, n: number, c: number, s: number): number;
  batchnorm_backward_eval(x: Ptr, dy: Ptr, gamma: Ptr, runningMean: Ptr, runningVar: Ptr, dx: Ptr, dgamma: Ptr, dbeta: Ptr, n: number, c: number, s: number, eps: number): number;
  /** y = max(x, 0); y == x runs in place. */
  relu_forward(x: Ptr, y: Ptr, len: number): number;
  /** dx = dy where mask > 0, else 0; dx == dy runs in place. */
  relu_backward(dy: Ptr, mask: Ptr, dx: Ptr, len: number): number;
  /** Softmax cross-entropy; grad may be 0 (skipped). A label >= classes returns ERR_ARG. */
  softmax_xent(logits: Ptr, labels: Ptr, losses: Ptr, correct: Ptr, meanLoss: Ptr, grad: Ptr, n: number, classes: number): number;
  // ---- rng, dropout, optim, blend ----
  rng_seed(state: Ptr, seed: number, stream: number): number;
  rng_u32(state: Ptr, out: Ptr, len: number): number;
  rng_uniform(state: Ptr, out: Ptr, len: number): number;
  rng_normal(state: Ptr, out: Ptr, len: number): number;
  rng_below(state: Ptr, n: number, out: Ptr, len: number): number;
  rng_permutation(state: Ptr, out: Ptr, n: number): number;
  dropout_forward(state: Ptr, x: Ptr, y: Ptr, mask: Ptr, len: number, p: number): number;
  dropout_backward(dy: Ptr, mask: Ptr, dx: Ptr, len: number): number;
  sgd_step(params: Ptr, grads: Ptr, buf: Ptr, len: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: number, first: number): number;
  adam_step(params: Ptr, grads: Ptr, m: Ptr, v: Ptr, len: number, step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: number): number;
  vec_axpy(x: Ptr, y: Ptr, len: number, a: number): number;
  vec_scale(x: Ptr, len: number, a: number): number;
  /** `ptrs` is a u32 array of k pointers to vectors of `len` f32. */
  vec_blend(ptrs: Ptr, coeffs: Ptr, k: number, out: Ptr, len: number): number;
  /** Scalar results are written to an f64 at `out`. */
  vec_dot(x: Ptr, y: Ptr, len: number, out: Ptr): number;
  vec_norm2(x: Ptr, len: number, out: Ptr): number;
  vec_maxabs(x: Ptr, len: number, out: Ptr): number;
  vec_dist2(x: Ptr, y: Ptr, len: number, out: Ptr): number;
  // ---- gemm ----
  /** c = beta·c + op(a)·op(b) + bias, ReLU if relu; biasAxis 0 none, 1 per column, 2 per row. */
  gemm_f32(transA: number, transB: number, m: number, n: number, k: number, a: Ptr, b: Ptr, bias: Ptr, biasAxis: number, beta: number, relu: number, c: Ptr): number;
  /** Register-only mul+add loop, 48 FLOPs per iteration; writes its result to out[0]. */
  simd_peak(iters: number, out: Ptr): number;
  /** Chooses the GEMM micro-kernel: 0 simd128, 1 relaxed SIMD (the imported `relaxed.gemm_tile`). */
  gemm_set_kernel(kind: number): number;
  /** The GEMM micro-kernel in use: 0 simd128, 1 relaxed SIMD (not a status). */
  gemm_kernel(): number;
  // ---- plan ----
  /** Parses plan words for batches of up to `capacity`; writes the handle (≥ 1) to outHandle. */
  plan_create(words: Ptr, nWords: number, capacity: number, outHandle: Ptr): number;
  plan_free(handle: number): number;
  /** Forward + per-sample loss/correctness on samples `indices` of a data set (x, y, count). */
  plan_forward(handle: number, params: Ptr, paramsLen: number, x: Ptr, y: Ptr, count: number, indices: Ptr, n: number,
    mode: number, seen: number, rng: Ptr, losses: Ptr, correct: Ptr, logits: Ptr, mean: Ptr): number;
  /** Forward in `mode`, loss, backward into grads (paramsLen). */
  plan_gradient(handle: number, params: Ptr, grads: Ptr, paramsLen: number, x: Ptr, y: Ptr, count: number, indices: Ptr, n: number,
    mode: number, seen: number, rng: Ptr, losses: Ptr, correct: Ptr, mean: Ptr): number;
  /** H·v of the mean loss on samples `indices` (mode 0 eval, 1 batch statistics): hv (paramsLen), grads (paramsLen, 0 = skip). */
  plan_hvp(handle: number, params: Ptr, v: Ptr, hv: Ptr, grads: Ptr, paramsLen: number, x: Ptr, y: Ptr, count: number, indices: Ptr, n: number,
    mode: number, losses: Ptr, correct: Ptr, mean: Ptr): number;
  /** One training step; opt 0 = SGD hyper[lr, momentum, dampening, wd, nesterov], 1 = Adam hyper[lr, b1, b2, eps, wd, decoupled]. */
  plan_train_step(handle: number, params: Ptr, grads: Ptr, paramsLen: number, opt: number, hyper: Ptr, stateA: Ptr, stateB: Ptr, step: number,
    x: Ptr, y: Ptr, count: number, indices: Ptr, n: number, rng: Ptr, losses: Ptr, correct: Ptr, mean: Ptr): number;
  // ---- hungarian, align ----
  /** Assignment on f64 cost [rows, cols]; writes colForRow (u32::MAX = none), cost (f64) and feasible (0/1). */
  lsa_solve(cost: Ptr, rows: number, cols: number, maximize: number, colForRow: Ptr, outCost: Ptr, outFeasible: Ptr): number;
  /** Forward (mode 0/1), then copies activation buffers `bufs` (k) into out, one [n, size] block each. */
  plan_activations(handle: number, params: Ptr, paramsLen: number, x: Ptr, y: Ptr, count: number, indices: Ptr, n: number,
    mode: number, bufs: Ptr, k: number, out: Ptr, outLen: number): number;
  // ---- wmatch ----
  /** cost (n×n f64) += a weight-matching term update (basis used when hasBasis = 1). */
  wmatch_term_update(a: Ptr, b: Ptr, p: number, q: number, s: number, axis: number, changed: Ptr, m: number, map: Ptr, basis: Ptr, hasBasis: number, cost: Ptr): number;
  /** out (len f64) = Σ of k f64 vectors whose pointers are at ptrs. */
  wmatch_sum(ptrs: Ptr, k: number, len: number, out: Ptr): number;
  /** acc (f64) += Σ a[o]·b[gathered o] over a [d0, d1, d2, d3] tensor (offs: d0+d1+d2+d3 offsets). */
  wmatch_dot(a: Ptr, b: Ptr, d0: number, d1: number, d2: number, d3: number, offs: Ptr, acc: Ptr): number;
}
