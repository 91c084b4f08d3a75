// Finite-difference check of the whole ReferencePlan: d(mean softmax cross-entropy)/dθ from
// backward vs central differences of the loss, in BATCH_STATS mode (batch statistics, dropout off)
// and in EVAL mode.
// Nets: an MLP with BatchNorm and dropout, a convnet with strides and both poolings, and a ResNet
// piece with a projection block and an identity block (the fan-out rule).
import { describe, expect, it } from 'vitest';
import { type Arch } from '../../ts/model/arch.js';
import { compileArch } from '../../ts/model/compile.js';
import { PlanMode } from '../../ts/model/plan-format.js';
import { ReferencePlan } from '../../ts/reference/plan.js';
import { randomArray } from '../helpers/close.js';

/** Random θ with positive running variances (unused in BATCH_STATS, but valid). */
function randomParams(arch: Arch, seed: number) {
  const compiled = compileArch(arch);
  const params = randomArray(compiled.totalLength, seed, 0.6);
  for (const e of compiled.layout) {
    if (e.kind === 'running_var') params.fill(1, e.offset, e.offset + e.length);
    if (e.kind === 'bn_weight') for (let i = e.offset; i < e.offset + e.length; i++) params[i] += 1;
  }
  return { compiled, params };
}

function labelsFor(n: number, classes: number, seed: number): Uint32Array {
  return Uint32Array.from(randomArray(n, seed), (v) => Math.floor((v + 1) / 2 * classes) % classes);
}

function gradCheck(arch: Arch, n: number, seed: number, mode: PlanMode = PlanMode.BATCH_STATS, checks = 60): void {
  const { compiled, params } = randomParams(arch, seed);
  const plan = new ReferencePlan(compiled.words, n + 2);
  const x = randomArray(n * compiled.inputSize, seed + 1);
  const labels = labelsFor(n, compiled.classes, seed + 2);
  const grads = new Float32Array(compiled.totalLength).fill(NaN);
  plan.gradient(params, x, labels, n, grads, mode);
  expect(Array.from(grads.subarray(compiled.paramCount)).every((g) => g === 0), 'buffers get zero gradient').toBe(true);

  const loss = (theta: Float32Array) => {
    const { losses } = plan.evaluate(theta, x, labels, n, mode);
    return losses.reduce((a, b) => a + b, 0) / n;
  };
  // Every trainable tensor's first element, then evenly spread indices.
  const indices = new Set<number>();
  for (const e of compiled.layout) if (e.offset >= 0 && e.offset < compiled.paramCount) indices.add(e.offset);
  for (let j = 0; j < checks; j++) indices.add(Math.floor((j + 0.5) * compiled.paramCount / checks));
  // A step can straddle a ReLU or max-pooling kink; the gradient must match at one of three steps
  // (a wrong backward misses at all of them).
  const steps = [2e-3, 1e-3, 5e-4];
  let worst = 0;
  for (const i of indices) {
    const theta = params.slice();
    let best = Infinity;
    let fdBest = NaN;
    for (const h of steps) {
      theta[i] = params[i] + h;
      const up = loss(theta);
      theta[i] = params[i] - h;
      const down = loss(theta);
      const fd = (up - down) / (2 * h);
      const err = Math.abs(fd - grads[i]) / (2e-3 + 0.02 * Math.abs(fd));
      if (err < best) [best, fdBest] = [err, fd];
    }
    worst = Math.max(worst, best);
    expect(best, `θ[${i}] (${compiled.layout.find((e) => i >= e.offset && i < e.offset + e.length)?.name}): backward ${grads[i]}, finite difference ${fdBest}`).toBeLessThan(1);
  }
  expect(worst).toBeLessThan(1);
}

describe('ReferencePlan gradient (finite differences, BATCH_STATS)', () => {
  it('MLP with BatchNorm1d and dropout', () => {
    gradCheck({
      input: [5], classes: 3,
      layers: [
        { type: 'dense', out: 6 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', p: 0.5 },
        { type: 'dense', out: 4, bias: false }, { type: 'batchnorm', affine: false }, { type: 'relu' },
        { type: 'dense', out: 3 },
      ],
    }, 7, 11);
  });

  it('EVAL mode: BatchNorm with running statistics as constants', () => {
    gradCheck({
      input: [2, 4, 4], classes: 3,
      layers: [
        { type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'batchnorm' }, { type: 'relu' },
        { type: 'flatten' }, { type: 'dense', out: 5 }, { type: 'batchnorm' }, { type: 'dense', out: 3 },
      ],
    }, 3, 41, PlanMode.EVAL);
  });

  it('convnet with strides, BatchNorm2d, max and average pooling', () => {
    gradCheck({
      input: [2, 7, 7], classes: 3,
      layers: [
        { type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'batchnorm' }, { type: 'relu' },
        { type: 'maxpool', kernel: 2 },
        { type: 'conv2d', out: 4, kernel: [2, 3], stride: [1, 2], padding: [0, 1] }, { type: 'relu' },
        { type: 'avgpool', kernel: 2, stride: 1 },
        { type: 'flatten' }, { type: 'dense', out: 3 },
      ],
    }, 4, 21);
  });

  it('residual blocks: projection shortcut and identity shortcut', () => {
    gradCheck({
      input: [2, 5, 5], classes: 3,
      layers: [
        { type: 'conv2d', out: 3, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
        {
          type: 'residual',
          body: [
            { type: 'conv2d', out: 4, kernel: 3, stride: 2, padding: 1, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
            { type: 'conv2d', out: 4, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm' },
          ],
          shortcut: [{ type: 'conv2d', out: 4, kernel: 1, stride: 2, bias: false }, { type: 'batchnorm' }],
        },
        { type: 'relu' },
        { type: 'residual', body: [{ type: 'conv2d', out: 4, kernel: 3, padding: 1 }, { type: 'batchnorm' }, { type: 'relu' }] },
        { type: 'relu' },
        { type: 'avgpool', kernel: 3 }, { type: 'flatten' }, { type: 'dense', out: 3 },
      ],
    }, 5, 31);
  });
});
