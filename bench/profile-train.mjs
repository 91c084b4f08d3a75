// Where a WASM training step of MLP 784-512-512-10 (batch 128) spends its time: the full
// `plan_train_step` vs each GEMM it makes, called alone through `gemm_f32` at the same shapes and
// layouts. `node bench/profile-train.mjs [reps]` after `npm run build:js`. Not part of `npm run bench`.
import { performance } from 'node:perf_hooks';
import { median } from './util.mjs';

const lib = await import('../dist/index.js');
const reps = Number(process.argv[2]) || 30;
const B = 128;
const core = await lib.getCore();
const arch = lib.mlp({ input: 784, hidden: [512, 512], classes: 10 });
const compiled = lib.compileArch(arch);
const engine = new lib.Engine(core);
const handle = engine.plan(compiled, B);
const N = 2048;
const x = core.allocF32(N * 784);
const y = core.allocU32(N);
core.f32(x).set(Float32Array.from({ length: N * 784 }, (_, i) => (i % 255) / 255));
core.u32(y).set(Uint32Array.from({ length: N }, (_, i) => i % 10));
const order = core.allocU32(N);
core.u32(order).set(lib.shuffledOrder(N, 1));
const total = compiled.totalLength;
const theta = core.allocF32(total);
core.f32(theta).set(lib.initParams(compiled, { seed: 1 }));
const grads = core.allocF32(total);
const mom = core.allocF32(compiled.paramCount);
const hyper = core.allocF32(5);
core.f32(hyper).set([0.05, 0.9, 0, 0, 0]);
const rng = core.allocU32(4);
const losses = core.allocF32(B);
const correct = core.allocU32(B);
const mean = core.allocF32(1);
let step = 0;
const trainStep = () => {
  const start = (step * B) % (N - B);
  step += 1;
  core.invokeChecked('plan_train_step', handle, theta.ptr, grads.ptr, total, 0, hyper.ptr, mom.ptr, 0, step,
    x.ptr, y.ptr, N, order.ptr + 4 * start, B, rng.ptr, losses.ptr, correct.ptr, mean.ptr);
};

// The GEMMs of one step: [label, transA, transB, m, n, k, bias+relu].
const GEMMS = [
  ['fwd L1  X·W1ᵀ (128,784)→512', 0, 1, B, 512, 784, 1],
  ['fwd L2  H1·W2ᵀ', 0, 1, B, 512, 512, 1],
  ['fwd L3  H2·W3ᵀ', 0, 1, B, 10, 512, 0],
  ['bwd L3  dW3 = dYᵀ·H2', 1, 0, 10, 512, B, 0],
  ['bwd L3  dH2 = dY·W3', 0, 0, B, 512, 10, 0],
  ['bwd L2  dW2 = dYᵀ·H1', 1, 0, 512, 512, B, 0],
  ['bwd L2  dH1 = dY·W2', 0, 0, B, 512, 512, 0],
  ['bwd L1  dW1 = dYᵀ·X', 1, 0, 512, 784, B, 0],
];
const a = core.allocF32(512 * 784);
const b = core.allocF32(512 * 784);
const c = core.allocF32(512 * 784);
const bias = core.allocF32(512);
core.f32(a).set(Float32Array.from({ length: 512 * 784 }, (_, i) => Math.sin(i)));
core.f32(b).set(Float32Array.from({ length: 512 * 784 }, (_, i) => Math.cos(i)));
const sgd = () => core.invokeChecked('sgd_step', theta.ptr, grads.ptr, mom.ptr, compiled.paramCount, 0.05, 0.9, 0, 0, 0, 0);

const timeIt = (fn, n = reps) => {
  for (let i = 0; i < 3; i++) fn();
  const s = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    s.push(performance.now() - t0);
  }
  return median(s);
};
const rows = [];
const stepMs = timeIt(trainStep);
let gemmSum = 0;
for (const [label, ta, tb, m, n, k, fused] of GEMMS) {
  const ms = timeIt(() => core.invokeChecked('gemm_f32', ta, tb, m, n, k, a.ptr, b.ptr, fused ? bias.ptr : 0, fused ? 1 : 0, 0, fused, c.ptr));
  gemmSum += ms;
  rows.push([label, ms, (2 * m * n * k) / ms / 1e6]);
}
const sgdMs = timeIt(sgd);
const peakOut = core.allocF32(4);
const peakIters = 2e6;
const peakGf = (peakIters * 48) / timeIt(() => core.invokeChecked('simd_peak', peakIters, peakOut.ptr)) / 1e6;
console.log(`simd128 register-only peak (simd_peak): ${peakGf.toFixed(1)} GFLOP/s`);
console.log(`plan_train_step: ${stepMs.toFixed(2)} ms (median of ${reps}); epoch ≈ ${(stepMs * 469 / 1000).toFixed(1)} s`);
for (const [label, ms, gf] of rows) console.log(`  ${label.padEnd(32)} ${ms.toFixed(2).padStart(7)} ms  ${gf.toFixed(1).padStart(5)} GFLOP/s`);
console.log(`  sgd_step over P ${sgdMs.toFixed(2)} ms\n  GEMMs total ${gemmSum.toFixed(2)} ms (${((100 * gemmSum) / stepMs).toFixed(0)}%); rest (gather, ReLU grads, bias grads, zeroing, loss, optimiser) ${(stepMs - gemmSum).toFixed(2)} ms`);
