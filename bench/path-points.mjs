// Path evaluation where the per-point overhead shows: many points on few samples, so copying θ(t)
// into WASM (and the BatchNorm pass) weighs against the forward passes. Times `evaluatePath` inline
// for MLP 784-512-512-10 (bn 'blend') and a BatchNorm convnet (bn 'recompute'), and prints points/s.
// Pass a package directory to time another build (for a before/after of a change to the engine):
//   node bench/path-points.mjs [dir-with-dist]   (default: this checkout's dist/)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2] ?? '.');
const lib = await import(pathToFileURL(`${dir}/dist/index.js`).href);
const POINTS = 101;
const ROUNDS = 5;

/** A synthetic set of `n` images shaped like MNIST (the data's values do not change the cost). */
function images(n) {
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) >>> 0) / 2 ** 32;
  const y = Uint32Array.from({ length: n }, (_, i) => i % 10);
  return lib.createDataSet({ name: `synthetic ${n}`, x, y, shape: [1, 28, 28], classes: 10 });
}

async function pointsPerSecond(label, arch, sets, options) {
  const compiled = lib.compileArch(arch);
  const path = lib.linearPath(lib.initParams(compiled, { seed: 1 }), lib.initParams(compiled, { seed: 2 }));
  await lib.evaluatePath(path, arch, sets, { ...options, points: 3 });
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await lib.evaluatePath(path, arch, sets, { ...options, points: POINTS });
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((p, q) => p - q);
  const median = times[Math.floor(ROUNDS / 2)];
  console.log(`${label}: ${(POINTS / median).toFixed(1)} points/s (median of ${ROUNDS} runs of ${POINTS} points, ${median.toFixed(3)} s)`);
}

const small = images(64);
const train = images(256);
await pointsPerSecond('MLP 784-512-512-10, 64 samples, two sets, bn blend', lib.mlp({ input: [1, 28, 28], hidden: [512, 512], classes: 10 }), { train: small, test: small }, { bn: 'blend', batchSize: 64 });
await pointsPerSecond('convnet 16-M-32-M + BN, 64 test samples, bn recompute on 256', lib.vgg({ input: [1, 28, 28], channels: [16, 'M', 32, 'M'], classes: 10, batchNorm: true }),
  { train, test: small }, { bn: 'recompute', batchSize: 64 });
