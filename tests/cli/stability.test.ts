// The built CLI's stability command on the bundled MNIST digits at small scale: two ReLU MLPs with
// two hidden layers trained for one epoch; ε of each, the Theorem 1 path evaluated at every waypoint
// (its worst training loss on the search sample's set stays within the endpoints + the larger ε when
// that set is the whole evaluated train split), the Theorem 2 path (≤ 10 segments, from A to B, its
// (a), (b), (c) segments within their ends), the four noise-stability properties, the line; a
// BatchNorm net runs; usage errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-stability-');
const model = (name: string) => join(root, name, 'model.safetensors');

beforeAll(async () => {
  const train = (seed: string) => runCli(['train', '--arch', 'mlp:784-32-24-10', '--data', 'mnist', '--epochs', '1', '--seed', seed, '-q', '--out', join(root, seed)]);
  const results = await Promise.all([train('1'), train('2')]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}, 60_000);

describe('modeconn stability', () => {
  it('measures ε and evaluates the dropout path at every waypoint and midpoint', async () => {
    const out = join(root, 'stab');
    // The halves are chosen on the same 500 training samples the path is evaluated on.
    const args = ['--data', 'mnist', '--stability-samples', '500', '--train-samples', '500', '--trials', '4', '--bootstrap', '0', '-q'];
    const { code, stdout, stderr } = await runCli(['stability', model('1'), model('2'), ...args, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/model\s+dropout at\s+train loss\s+rise/);
    expect(stdout).toMatch(/Theorem 2 bound on the train set/);
    const r = readJson(join(out, 'report.json'));
    const { a, b } = r.stability;
    expect(a.levels.map((l: { from: number }) => l.from)).toEqual([2, 1]);
    expect(a.kept.map((k: number[]) => k.length)).toEqual([16, 12]);
    const segments = r.dropoutPath.kinds.length;
    expect(segments).toBe(2 * (1 + 2) + 3);
    const path = r.paths.dropout;
    expect(path.ts).toHaveLength(4 * segments + 1);
    // Every waypoint is on the grid.
    r.dropoutPath.knots.forEach((k: number) => expect(path.ts.some((t: number) => Math.abs(t - k) < 1e-9)).toBe(true));
    const train = path.sets.train;
    // Both ends are the models themselves.
    expect(train.points[0].loss).toBeCloseTo(a.loss, 5);
    expect(train.points[train.points.length - 1].loss).toBeCloseTo(b.loss, 5);
    const worst = Math.max(...train.points.map((p: { loss: number }) => p.loss));
    expect(worst).toBeLessThanOrEqual(Math.max(a.loss, b.loss) + Math.max(a.epsilon, b.epsilon) + 1e-5);
    expect(r.paths.line.sets.train.metrics.loss.max).toBeGreaterThan(Math.max(a.loss, b.loss));
    expect(readFileSync(join(out, 'paths.svg'), 'utf8')).toContain('Theorem 1 path');
    // Theorem 2: A to B itself in at most 10 segments; (b)/(c) segments flat, (a) within its ends.
    const noise = r.paths.noise.sets.train.points as Array<{ t: number; loss: number }>;
    const { kinds, knots } = r.noisePath;
    expect(kinds.length).toBeLessThanOrEqual(10);
    expect(kinds[0]).toBe('noise');
    expect(kinds[kinds.length - 1]).toBe('noise');
    expect(noise[0].loss).toBeCloseTo(a.loss, 5);
    expect(noise[noise.length - 1].loss).toBeCloseTo(b.loss, 5);
    kinds.forEach((kind: string, s: number) => {
      const inside = noise.filter((p) => p.t >= knots[s] - 1e-9 && p.t <= knots[s + 1] + 1e-9).map((p) => p.loss);
      const ends = Math.max(inside[0], inside[inside.length - 1]);
      if (kind === 'b' || kind === 'c') inside.forEach((l) => expect(l).toBeCloseTo(inside[0], 4));
      if (kind === 'a') inside.forEach((l) => expect(l).toBeLessThanOrEqual(ends + 1e-5));
    });
    // The four properties for both nets: 2 hidden layers + the output layer.
    for (const net of [r.cushions.a, r.cushions.b]) {
      expect(net.layers.map((l: { layer: number }) => l.layer)).toEqual([1, 2, 3]);
      net.layers.forEach((l: { layerCushion: number; interlayerCushion: number }) => {
        expect(l.layerCushion).toBeGreaterThan(0);
        expect(l.layerCushion).toBeLessThanOrEqual(1);
        expect(l.interlayerCushion).toBeGreaterThan(0);
      });
      expect(net.activationContraction).toBeGreaterThanOrEqual(1);
      expect(net.epsilon).toBeGreaterThan(0);
    }
    // Noise stability of both nets, every hidden layer: trained nets damp injected noise (ψ < σ² = 1).
    expect(r.noise.scale).toBe(1);
    for (const net of [r.noise.a, r.noise.b]) {
      expect(net.map((l: { layer: number }) => l.layer)).toEqual([1, 2]);
      net.forEach((l: { sensitivity: number }) => expect(l.sensitivity).toBeGreaterThan(0));
      net.forEach((l: { sensitivity: number }) => expect(l.sensitivity).toBeLessThan(1));
    }
  }, 60_000);

  it('usage errors: one model; a BatchNorm net runs', async () => {
    let r = await runCli(['stability', model('1'), '--data', 'mnist', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/B\.safetensors/);
    const bn = await runCli(['train', '--arch', 'mlp:784-8-10+bn', '--data', 'mnist', '--epochs', '1', '--seed', '1', '-q', '--out', join(root, 'bn')]);
    expect(bn.code, bn.stderr).toBe(0);
    r = await runCli(['stability', model('bn'), model('bn'), '--data', 'mnist', '--stability-samples', '200', '--train-samples', '200', '--trials', '2', '--bootstrap', '0', '--out', join(root, 'x'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const report = readJson(join(root, 'x', 'report.json'));
    expect(report.cushions).toBeUndefined(); // the four properties are measured on plain ReLU MLPs
    expect(report.options.bn).toBe('blend');
  }, 60_000);
});
