/**
 * Landscape directions: filter normalisation gives every filter θ's filter norm (to 1e-5 relative,
 * the f32 rounding of the scaled draws), zero on biases/BatchNorm (by default) and running
 * statistics; seeds and streams pick different draws; the plane through three models has an
 * orthonormal basis and reproduces each model from its coordinates (to 1e-5 of the scale).
 */
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { planeThrough, randomDirection } from '../../ts/landscape/directions.js';
import { ModeconnError } from '../../ts/errors.js';
import { randomArray } from '../helpers/close.js';

const ARCHS: Record<string, Arch> = {
  'mlp+bn': mlp({ input: 20, hidden: [16, 12], classes: 5, batchNorm: true }),
  'vgg+bn': vgg({ input: [2, 8, 8], channels: [4, 'M', 6], classes: 5, batchNorm: true }),
};

const norm = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

describe('randomDirection', () => {
  for (const [name, arch] of Object.entries(ARCHS)) {
    it(`${name}: filter norms equal θ's, 1-D tensors and buffers are zero`, () => {
      const compiled = compileArch(arch);
      const theta = initParams(compiled, { seed: 3 });
      const d = randomDirection(arch, theta, { seed: 1 });
      let filters = 0;
      for (const e of compiled.layout) {
        if (e.length === 0) continue;
        const dd = d.subarray(e.offset, e.offset + e.length);
        if (e.offset >= compiled.paramCount || e.shape.length === 1) {
          expect(dd.every((x) => x === 0), e.name).toBe(true);
          continue;
        }
        const per = e.length / e.shape[0];
        for (let f = 0; f < e.shape[0]; f++) {
          const nd = norm(dd.subarray(f * per, (f + 1) * per));
          const nt = norm(theta.subarray(e.offset + f * per, e.offset + (f + 1) * per));
          expect(Math.abs(nd - nt)).toBeLessThanOrEqual(1e-5 * nt);
          filters += 1;
        }
      }
      expect(filters).toBeGreaterThan(10);
    });
  }

  for (const [name, arch] of Object.entries(ARCHS)) {
    it(`${name}: every running-statistic entry is 0 for θ with random running statistics, whatever the options`, () => {
      // Buffers found by kind (not by the paramCount boundary the code uses), filled with non-zero
      // values so that copying θ's values or scaling a draw to θ's norm would show.
      const compiled = compileArch(arch);
      const theta = initParams(compiled, { seed: 4 });
      const buffers = compiled.layout.filter((e) => e.length > 0 && !['weight', 'bias', 'bn_weight', 'bn_bias'].includes(e.kind));
      expect(buffers.map((e) => e.kind).sort()).toEqual(['running_mean', 'running_mean', 'running_var', 'running_var']);
      const random = randomArray(compiled.totalLength, 11);
      for (const e of buffers) for (let i = e.offset; i < e.offset + e.length; i++) theta[i] = e.kind === 'running_var' ? 0.5 + Math.abs(random[i]) : random[i] || 0.25;
      for (const normalization of ['filter', 'layer', 'none'] as const) {
        for (const ignore of ['biasbn', 'none'] as const) {
          const d = randomDirection(arch, theta, { seed: 2, normalization, ignore });
          for (const e of buffers) {
            const entries = [...d.subarray(e.offset, e.offset + e.length)];
            expect(entries, `${e.name} (${normalization}, ${ignore})`).toEqual(new Array(e.length).fill(0));
          }
          // The trainable entries next to them still move (the test is not vacuous).
          expect(d.subarray(0, compiled.paramCount).some((x) => x !== 0)).toBe(true);
        }
      }
    });
  }

  it('layer normalisation, ignore none, raw draws; seeds and streams differ; same seed same bits', () => {
    const arch = ARCHS['mlp+bn'];
    const compiled = compileArch(arch);
    const theta = initParams(compiled, { seed: 3 });
    const w = compiled.layout.find((e) => e.name === '0.weight')!;
    const bias = compiled.layout.find((e) => e.name === '0.bias')!;
    const layer = randomDirection(arch, theta, { seed: 1, normalization: 'layer' });
    const tw = norm(theta.subarray(w.offset, w.offset + w.length));
    expect(Math.abs(norm(layer.subarray(w.offset, w.offset + w.length)) - tw)).toBeLessThanOrEqual(1e-5 * tw);
    const keep = randomDirection(arch, theta, { seed: 1, ignore: 'none' });
    expect([...keep.subarray(bias.offset, bias.offset + bias.length)]).toEqual([...theta.subarray(bias.offset, bias.offset + bias.length)]);
    const raw = randomDirection(arch, theta, { seed: 1, normalization: 'none' });
    const rw = raw.subarray(w.offset, w.offset + w.length);
    const mean = rw.reduce((s, x) => s + x, 0) / rw.length;
    const sd = Math.sqrt(rw.reduce((s, x) => s + (x - mean) ** 2, 0) / rw.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
    expect(randomDirection(arch, theta, { seed: 1 })).toEqual(randomDirection(arch, theta, { seed: 1 }));
    expect(randomDirection(arch, theta, { seed: 2 })).not.toEqual(randomDirection(arch, theta, { seed: 1 }));
    expect(randomDirection(arch, theta, { seed: 1, stream: 1 })).not.toEqual(randomDirection(arch, theta, { seed: 1 }));
    expect(() => randomDirection(arch, theta.subarray(1))).toThrow(ModeconnError);
  });
});

describe('planeThrough', () => {
  it('orthonormal basis; each model is origin + x·u + y·v at its coordinates', () => {
    const arch = ARCHS['vgg+bn'];
    const compiled = compileArch(arch);
    const models = [1, 2, 3].map((seed) => initParams(compiled, { seed })) as [Float32Array, Float32Array, Float32Array];
    const { origin, u, v, coordinates } = planeThrough(arch, models);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    expect(Math.abs(dot(u, u) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(dot(v, v) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(dot(u, v))).toBeLessThan(1e-5);
    expect(coordinates[0]).toEqual([0, 0]);
    expect(coordinates[1][1]).toBe(0);
    const scale = Math.max(...models[0].map(Math.abs));
    models.forEach((m, j) => {
      const [x, y] = coordinates[j];
      for (let i = 0; i < compiled.paramCount; i++) {
        expect(Math.abs(origin[i] + x * u[i] + y * v[i] - m[i])).toBeLessThan(1e-5 * scale);
      }
    });
    expect(u.subarray(compiled.paramCount).every((x) => x === 0)).toBe(true);
    expect(() => planeThrough(arch, [models[0], models[0], models[1]])).toThrow(/same point/);
    const mid = models[0].map((x, i) => (x + models[1][i]) / 2);
    expect(() => planeThrough(arch, [models[0], models[1], mid])).toThrow(/one line/);
  });
});
