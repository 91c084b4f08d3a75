// One kernel, two implementations: the WASM core's blocked SIMD GEMM and its pure-TS twin give the
// same numbers; the WASM one is much faster. Run: npm run build:js && node examples/02-kernels.mjs
import { getCore, wasmKernels } from 'modeconn';
import { referenceKernels } from 'modeconn/reference';

const [m, k, n] = [256, 784, 512];
const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
const b = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i));
const bias = Float32Array.from({ length: n }, (_, i) => i / n);
const params = { m, n, k, transB: true, relu: true, biasAxis: 'col' };   // relu(A·Bᵀ + bias): a dense layer

const wasm = wasmKernels(await getCore());
for (const [name, kernels] of [['WASM', wasm], ['TS twin', referenceKernels]]) {
  const c = new Float32Array(m * n);
  kernels.gemm(params, a, b, bias, c); // warm-up
  const times = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    kernels.gemm(params, a, b, bias, c);
    times.push((performance.now() - t0) / 1000);
  }
  const seconds = times.sort((x, y) => x - y)[2];
  // The array API copies A, B and C in and out of WASM memory on every call; bench/ measures the
  // resident-buffer speed.
  console.log(`${name.padEnd(8)} ${(2 * m * n * k / seconds / 1e9).toFixed(2)} GFLOP/s (median of 5, with copies), c[12345] = ${c[12345].toFixed(5)}`);
}
