// SHA-256 digests of the simd128 kernels' output bits on fixed inputs: GEMMs in every layout and
// epilogue (tiles inside C and at its edges, depths split into two k blocks), conv2d forward and
// backward, and short seeded training runs of an MLP with BatchNorm and of a small convnet. Takes the
// library as an argument, so the same code runs on a built dist/ (scripts/make-simd128-digests.mjs,
// which recorded tests/fixtures/simd128-digests.json from the core before relaxed SIMD existed) and
// on the sources in tests (the fallback path must give exactly those bits).
import { createHash } from 'node:crypto';

/** Seeded values in [-1, 1) (a 32-bit LCG; no library code involved). */
function values(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function digest(...arrays) {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

/** GEMM cases: shapes with edge tiles (m, n not multiples of 4, 8), and k = 600 (two k blocks of 300). */
export const GEMM_CASES = [
  { m: 37, k: 129, n: 45 },
  { m: 37, k: 129, n: 45, transA: true, bias: 'col', relu: true },
  { m: 37, k: 129, n: 45, transB: true, bias: 'row', beta: 0.5 },
  { m: 64, k: 600, n: 72, beta: 1 },
  { m: 64, k: 600, n: 72, transA: true, transB: true, relu: true, beta: 1.5, bias: 'col' },
  { m: 128, k: 784, n: 64, transB: true, bias: 'col', relu: true },
];

/** Digests by case name; `lib` is the package (dist/index.js) or its sources (ts/index.ts). */
export async function computeDigests(lib) {
  const out = {};
  const k = lib.wasmKernels(await lib.getCore());
  GEMM_CASES.forEach((g, i) => {
    const a = values(g.m * g.k, 10 + i);
    const b = values(g.k * g.n, 20 + i);
    const bias = g.bias ? values(g.bias === 'col' ? g.n : g.m, 30 + i) : null;
    const c = values(g.m * g.n, 40 + i);
    k.gemm({ m: g.m, n: g.n, k: g.k, transA: g.transA, transB: g.transB, beta: g.beta, relu: g.relu, biasAxis: g.bias }, a, b, bias, c);
    out[`gemm ${JSON.stringify(g)}`] = digest(c);
  });

  const conv = { n: 2, cIn: 3, h: 9, w: 11, cOut: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
  const x = values(conv.n * conv.cIn * conv.h * conv.w, 50);
  const weight = values(conv.cOut * conv.cIn * conv.kh * conv.kw, 51);
  const bias = values(conv.cOut, 52);
  const y = new Float32Array(conv.n * conv.cOut * conv.h * conv.w);
  k.conv2dForward(conv, x, weight, bias, y);
  const dy = values(y.length, 53);
  const dx = new Float32Array(x.length);
  const dweight = new Float32Array(weight.length);
  const dbias = new Float32Array(bias.length);
  k.conv2dBackward(conv, x, weight, dy, dx, dweight, dbias);
  out['conv2d forward'] = digest(y);
  out['conv2d backward'] = digest(dx, dweight, dbias);

  const moons = lib.twoMoons({ n: 300, seed: 3 });
  const mlp = lib.mlp({ input: 2, hidden: [37, 21], classes: 2, batchNorm: true });
  const trained = await lib.trainModel(mlp, moons, { seed: 4, epochs: 2, batchSize: 50, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 } });
  const evaluated = await lib.evaluateModel(trained, moons, { batchSize: 100 });
  out['train mlp+bn'] = digest(trained.params);
  out['evaluate mlp+bn'] = digest(evaluated.losses);

  const images = lib.createDataSet({ name: 'images', x: values(40 * 2 * 8 * 8, 60), y: Uint32Array.from({ length: 40 }, (_, i) => i % 3), shape: [2, 8, 8], classes: 3 });
  const cnn = lib.vgg({ input: [2, 8, 8], channels: [6, 'M', 10], classes: 3, batchNorm: true });
  const cnnTrained = await lib.trainModel(cnn, images, { seed: 5, epochs: 2, batchSize: 20, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } });
  out['train convnet'] = digest(cnnTrained.params);
  return out;
}
