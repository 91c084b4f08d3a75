// The built CLI's stability command on the bundled MNIST digits at small scale: two ReLU MLPs with
// two hidden layers trained for one epoch; ε of each, the dropout path evaluated at every waypoint
// and midpoint (its worst training loss on the search sample's set stays within the endpoints + the
// larger ε when that set is the whole evaluated train split), the line beside it; usage errors.
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
    expect(stdout).toMatch(/^dropout path: max train loss/m);
    const r = readJson(join(out, 'report.json'));
    const { a, b } = r.stability;
    expect(a.levels.map((l: { from: number }) => l.from)).toEqual([2, 1]);
    expect(a.kept.map((k: number[]) => k.length)).toEqual([16, 12]);
    const segments = r.dropoutPath.kinds.length;
    expect(segments).toBe(2 * (1 + 2) + 3);
    const path = r.paths.dropout;
    expect(path.ts).toHaveLength(2 * segments + 1);
    const train = path.sets.train;
    // Both ends are the models themselves.
    expect(train.points[0].loss).toBeCloseTo(a.loss, 5);
    expect(train.points[train.points.length - 1].loss).toBeCloseTo(b.loss, 5);
    const worst = Math.max(...train.points.map((p: { loss: number }) => p.loss));
    expect(worst).toBeLessThanOrEqual(Math.max(a.loss, b.loss) + Math.max(a.epsilon, b.epsilon) + 1e-5);
    expect(r.paths.line.sets.train.metrics.loss.max).toBeGreaterThan(Math.max(a.loss, b.loss));
    expect(readFileSync(join(out, 'paths.svg'), 'utf8')).toContain('dropout path');
    // Noise stability of both nets, every hidden layer: trained nets damp injected noise (ψ < σ² = 1).
    expect(r.noise.scale).toBe(1);
    for (const net of [r.noise.a, r.noise.b]) {
      expect(net.map((l: { layer: number }) => l.layer)).toEqual([1, 2]);
      net.forEach((l: { sensitivity: number }) => expect(l.sensitivity).toBeGreaterThan(0));
      net.forEach((l: { sensitivity: number }) => expect(l.sensitivity).toBeLessThan(1));
    }
  }, 60_000);

  it('usage errors: one model; a BatchNorm net is NOT_SUPPORTED', async () => {
    let r = await runCli(['stability', model('1'), '--data', 'mnist', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/B\.safetensors/);
    const bn = await runCli(['train', '--arch', 'mlp:784-8-10+bn', '--data', 'mnist', '--epochs', '1', '--seed', '1', '-q', '--out', join(root, 'bn')]);
    expect(bn.code, bn.stderr).toBe(0);
    r = await runCli(['stability', model('bn'), model('bn'), '--data', 'mnist', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NOT_SUPPORTED/);
  }, 60_000);
});
