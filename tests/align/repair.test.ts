/**
 * REPAIR on MLPs, convnets and residual nets, with and without BatchNorm (identity and projection
 * shortcuts, a BatchNorm after a ReLU, an affine-free BatchNorm, a dense residual block). For each arch, with random weights
 * and inputs:
 *  - after repair(θ(t), t) at t = 0.4, every repaired site's per-unit pre-activation mean and std
 *    (BatchNorm output, or dense/conv output before its ReLU; conv: over samples × positions) equal
 *    (1−t)μ_A + tμ_B and (1−t)σ_A + tσ_B to 1e-5 + 1e-4·|target| (observed within 1e-6 +
 *    1e-5·|target|). The statistics are measured independently of repair.ts: θ is run through the
 *    same arch with a dropout(p = 0) after every layer that a ReLU follows (no ReLU is folded, θ's
 *    layout is the same), and the buffers read. Exception, checked to be exactly that: units of a
 *    BatchNorm after a ReLU that the ReLU zeroes on every sample keep std 0;
 *  - repair(θ_A, 0) computes A's function (logits within 1e-4 + 1e-4·|logit|);
 *  - evaluatePath's transform hook is applied at every point.
 * resetBatchNorm works on every BatchNorm arch; the genuinely unsupported case (a layer with
 * neither a bias nor an affine BatchNorm after it) is NOT_SUPPORTED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataSet } from '../../ts/data/dataset.js';
import type { Arch, Layer } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch, decodePlan } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { Repair, resetBatchNorm, type UnitStats } from '../../ts/align/repair.js';
import { evaluatePath } from '../../ts/paths/evaluate.js';
import { linearPath } from '../../ts/paths/path.js';
import { expectClose } from '../helpers/close.js';
import { logitsOf, randomData, randomTheta } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

/** The arch with a dropout(p = 0) (identity in eval mode) between every layer and the ReLU after it. */
function exposed(layers: Layer[]): Layer[] {
  const out: Layer[] = [];
  layers.forEach((layer, j) => {
    out.push(layer.type === 'residual' ? { ...layer, body: exposed(layer.body), ...(layer.shortcut ? { shortcut: exposed(layer.shortcut) } : {}) } : layer);
    if (layers[j + 1]?.type === 'relu' && layer.type !== 'relu') out.push({ type: 'dropout', p: 0 });
  });
  return out;
}

/** Per-unit mean and std of a `[n, units·positions]` buffer. */
function unitStats(values: Float32Array, n: number, units: number): UnitStats {
  const positions = values.length / (n * units);
  const mean = new Float64Array(units);
  const std = new Float64Array(units);
  for (let i = 0; i < units; i++) {
    let s = 0;
    let s2 = 0;
    for (let q = 0; q < n; q++) {
      for (let r = 0; r < positions; r++) {
        const v = values[(q * units + i) * positions + r];
        s += v;
        s2 += v * v;
      }
    }
    mean[i] = s / (n * positions);
    std[i] = Math.sqrt(Math.max(s2 / (n * positions) - mean[i] ** 2, 0));
  }
  return { mean, std };
}

/** Pre-activation statistics of the named sites (`path:kind`), measured on the exposed arch. */
function preActivationStats(arch: Arch, sites: Array<{ path: string; kind: string; units: number }>, theta: Float32Array, data: DataSet): UnitStats[] {
  const original = compileArch(arch);
  const open = compileArch({ ...arch, layers: exposed(arch.layers) });
  expect(open.layout.map((e) => [e.offset, e.length])).toEqual(original.layout.map((e) => [e.offset, e.length]));
  const ops = decodePlan(open.words).ops;
  const buffers = sites.map((site) => {
    const entry = original.layout.find((e) => e.name === `${site.path}.${site.kind === 'batchnorm' ? 'running_mean' : 'weight'}`)!;
    const op = ops.find((o) => (o.op === 'dense' && o.w === entry.offset) || (o.op === 'conv2d' && o.wt === entry.offset) || (o.op === 'batchnorm' && o.mean === entry.offset))!;
    expect('act' in op ? op.act : 0).toBe(0);
    return op.dst;
  });
  const indices = Uint32Array.from({ length: data.n }, (_, i) => i);
  const parts = engine.activations(open, theta, data, indices, buffers);
  return parts.map((values, k) => unitStats(values, data.n, sites[k].units));
}

function mix(a: Float64Array, b: Float64Array, t: number): Float64Array {
  return a.map((v, i) => (1 - t) * v + t * b[i]);
}

/** |got − want| ≤ 1e-5 + 1e-4·|want| everywhere (but at units in `dead`). */
function expectStats(got: UnitStats, want: UnitStats, what: string, dead: ReadonlySet<number> = new Set()): void {
  for (const key of ['mean', 'std'] as const) {
    got[key].forEach((v, i) => {
      if (dead.has(i)) return;
      const w = want[key][i];
      if (!(Math.abs(v - w) <= 1e-5 + 1e-4 * Math.abs(w))) throw new Error(`${what}: unit ${i} ${key} is ${v}, expected ${w}`);
    });
  }
}

const conv = (out: number, kernel: number, stride = 1, bias = true): Layer => ({ type: 'conv2d', out, kernel, stride, padding: kernel === 3 ? 1 : 0, bias });

/** A ResNet without BatchNorm: biased convolutions, an identity block, then a stride-2 block with a 1x1 projection shortcut. */
const resnetNoBn: Arch = {
  input: [2, 8, 8], classes: 10, layers: [
    conv(3, 3), { type: 'relu' },
    { type: 'residual', body: [conv(3, 3), { type: 'relu' }, conv(3, 3)] }, { type: 'relu' },
    { type: 'residual', body: [conv(5, 3, 2), { type: 'relu' }, conv(5, 3)], shortcut: [conv(5, 1, 2)] }, { type: 'relu' },
    { type: 'avgpool', kernel: 4 }, { type: 'flatten' }, { type: 'dense', out: 10 },
  ],
};

/** Mixed: a projection shortcut with BatchNorm beside a body without; a BatchNorm after a residual sum; a dense residual block. */
const mixed: Arch = {
  input: [2, 6, 6], classes: 10, layers: [
    { type: 'conv2d', out: 3, kernel: [2, 3], stride: [1, 1], padding: [1, 0] }, { type: 'relu' },
    { type: 'residual', body: [conv(4, 3), { type: 'relu' }, conv(4, 3)], shortcut: [conv(4, 1, 1, false), { type: 'batchnorm' }] },
    { type: 'batchnorm' }, { type: 'relu' },
    { type: 'conv2d', out: 4, kernel: 3 }, { type: 'relu' }, { type: 'batchnorm' },
    { type: 'flatten' }, { type: 'dense', out: 7 }, { type: 'relu' },
    { type: 'residual', body: [{ type: 'dense', out: 6 }, { type: 'relu' }, { type: 'dense', out: 7 }] }, { type: 'relu' },
    { type: 'dense', out: 10 },
  ],
};

const ARCHS: Record<string, { arch: Arch; sites: string[]; deadUnits?: Record<string, number[]> }> = {
  mlp: { arch: mlp({ input: [1, 4, 5], hidden: [17, 9], classes: 10 }), sites: ['1:dense', '3:dense'] },
  'mlp+bn': { arch: mlp({ input: 20, hidden: [21, 8], classes: 10, batchNorm: true }), sites: ['1:batchnorm', '4:batchnorm'] },
  'vgg+bn': { arch: vgg({ input: [2, 6, 6], channels: [4, 'M', 5], classes: 10, batchNorm: true }), sites: ['1:batchnorm', '5:batchnorm'] },
  'convnet (no BN)': { arch: vgg({ input: [2, 6, 6], channels: [4, 'M', 5], classes: 10, hidden: [6] }), sites: ['0:conv2d', '3:conv2d', '6:dense'] },
  'resnet+bn (identity and projection shortcuts)': {
    arch: resnet({ input: [2, 8, 8], width: 3, blocks: [1, 1], classes: 10 }),
    sites: ['1:batchnorm', '3.body.1:batchnorm', '3.body.4:batchnorm', '5.body.1:batchnorm', '5.body.4:batchnorm', '5.shortcut.1:batchnorm'],
  },
  'conv before an affine-free BatchNorm': {
    arch: { input: [2, 6, 6], classes: 10, layers: [conv(3, 3), { type: 'batchnorm', affine: false }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', out: 10 }] },
    sites: ['0:conv2d'],
  },
  'resnet without BN': { arch: resnetNoBn, sites: ['0:conv2d', '2.body.0:conv2d', '2.body.2:conv2d', '4.body.0:conv2d', '4.body.2:conv2d', '4.shortcut.0:conv2d'] },
  mixed: {
    arch: mixed,
    sites: ['0:conv2d', '2.body.0:conv2d', '2.body.2:conv2d', '2.shortcut.1:batchnorm', '3:batchnorm', '5:conv2d', '7:batchnorm', '9:dense', '11.body.0:dense', '11.body.2:dense'],
    // Conv 5's units 1 and 2 are repaired to a mean < 0 (−0.36 ± 0.07, −0.37 ± 0.08): zero after the ReLU.
    deadUnits: { 7: [1, 2] },
  },
};

describe('REPAIR', () => {
  for (const [label, { arch, sites, deadUnits }] of Object.entries(ARCHS)) {
    it(`${label}: repaired pre-activation statistics equal the interpolated endpoint statistics; t = 0 keeps A`, async () => {
      const compiled = compileArch(arch);
      const data = randomData(arch.input, 200, 1);
      const a = randomTheta(arch, 1);
      const b = randomTheta(arch, 2);
      const repair = await Repair.create(arch, a, b, data, { samples: 200, batchSize: 70 });
      expect(repair.sites.map((s) => `${s.path}:${s.kind}`)).toEqual(sites);
      const [endA, endB] = [a, b].map((theta) => preActivationStats(arch, repair.sites, theta, data));
      // Repair's own endpoint statistics agree with the independent measurement.
      endA.forEach((s, k) => expectStats(repair.endpoints[0][k], s, `endpoint A, site ${repair.sites[k].path}`));
      endB.forEach((s, k) => expectStats(repair.endpoints[1][k], s, `endpoint B, site ${repair.sites[k].path}`));

      const t = 0.4;
      const mid = a.map((v, i) => (1 - t) * v + t * b[i]);
      const fixed = repair.repair(mid, t);
      const before = preActivationStats(arch, repair.sites, mid, data);
      const after = preActivationStats(arch, repair.sites, fixed, data);
      after.forEach((s, k) => {
        const want = { mean: mix(endA[k].mean, endB[k].mean, t), std: mix(endA[k].std, endB[k].std, t) };
        // A BatchNorm after a ReLU cannot spread a unit that the ReLU zeroes on every sample.
        const dead = new Set(deadUnits?.[repair.sites[k].path] ?? []);
        for (const i of dead) expect([before[k].std[i], s.std[i]]).toEqual([0, 0]);
        expectStats(s, want, `site ${repair.sites[k].path} at t = ${t}`, dead);
      });
      // The interpolated net did differ from the targets (variance collapse), so REPAIR did something.
      const collapse = before.map((s, k) => Math.max(...s.std.map((v, i) => Math.abs(v - mix(endA[k].std, endB[k].std, t)[i]))));
      expect(Math.max(...collapse)).toBeGreaterThan(1e-2);

      expectClose(logitsOf(engine, compiled, repair.repair(a, 0), data), logitsOf(engine, compiled, a, data), { rtol: 1e-4, atol: 1e-4 });

      const seen: number[] = [];
      const report = await evaluatePath(linearPath(a, b), arch, { test: data }, {
        ts: [0, 0.5, 1], bn: 'blend', transform: (theta, tt) => {
          seen.push(tt);
          return repair.repair(theta, tt);
        },
      });
      expect(seen).toEqual([0, 0.5, 1]);
      expect(report.sets.test.points.every((p) => Number.isFinite(p.loss))).toBe(true);
      if (compiled.layout.some((e) => e.kind === 'running_mean')) {
        const reset = await resetBatchNorm(arch, mid, data, {});
        expect(reset).not.toEqual(mid);
        expect(reset.subarray(0, compiled.paramCount)).toEqual(mid.subarray(0, compiled.paramCount));
      }
    });
  }

  it('a layer with neither a bias nor an affine BatchNorm after it is NOT_SUPPORTED', async () => {
    const archs: Arch[] = [
      { input: [2, 6, 6], classes: 10, layers: [conv(3, 3, 1, false), { type: 'relu' }, { type: 'flatten' }, { type: 'dense', out: 10 }] },
      { input: [2, 6, 6], classes: 10, layers: [conv(3, 3, 1, false), { type: 'batchnorm', affine: false }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', out: 10 }] },
    ];
    for (const arch of archs) {
      const data = randomData(arch.input, 10, 1);
      const a = randomTheta(arch, 1);
      await expect(Repair.create(arch, a, a, data, {})).rejects.toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringContaining('layer 0 (conv2d)') });
    }
  });
});
