// The built CLI's conditions and widths commands at small scale: two ReLU MLPs trained one epoch on
// MNIST digits; probes vs pruning per layer, the constructed path within its bound on every segment
// (its ends are the networks' own losses), the line beside it, plots; a width sweep on blobs; typed
// errors and usage errors that leave no output directory behind.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempRoot, trainTwoModels } from './run-cli.js';

const root = tempRoot('modeconn-conditions-');
const model = trainTwoModels(root, 'mlp:784-16-12-10');

describe('modeconn conditions', () => {
  it('probes, pruning, the constructed path and its bound, the line', async () => {
    const out = join(root, 'cond');
    const args = ['--data', 'mnist', '--train-samples', '400', '--draws', '2', '--probe-steps', '20', '--trials', '2', '--points-per-segment', '2', '--bootstrap', '0', '-q'];
    const { code, stdout, stderr } = await runCli(['conditions', model('a'), model('b'), ...args, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/N = 400 training samples, √N = 20/);
    expect(stdout).toMatch(/net\s+probe of\s+units\s+kept/);
    expect(stdout).toMatch(/^constructed path: worst train loss .* every segment within its bound$/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.widths.layers.map((l: { units: number; regime: string }) => [l.units, l.regime])).toEqual([[16, 'below √N'], [12, 'below √N']]);
    expect(r.probes.a.layers.map((l: { kept: number[] }) => l.kept.length)).toEqual([8, 6]);
    expect(r.probes.a.layers[1].probeArch.layers).toEqual([{ type: 'dense', out: 10 }]);
    expect(r.pruning.a.rows.map((x: { layer: number }) => x.layer)).toEqual([1, 2]);
    const segs = r.constructedPath.segments;
    expect([2 * 3 + 3, 2 * 3 + 5]).toContain(segs.length);
    for (const set of ['train', 'test']) {
      const check = r.constructedPath.bound[set];
      expect(check.holds).toBe(true);
      expect(check.segments).toHaveLength(segs.length);
      const pts = r.paths.constructed.sets[set].points;
      expect(pts).toHaveLength(2 * segs.length + 1);
      // The path's ends are A and B themselves.
      expect(pts[0].loss).toBeCloseTo(r.probes.a.network[set].loss, 5);
      expect(pts[pts.length - 1].loss).toBeCloseTo(r.probes.b.network[set].loss, 5);
    }
    expect(r.paths.line.sets.train.metrics.loss.max).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'conditions.svg'), 'utf8')).toContain('layer 2');
    expect(readFileSync(join(out, 'paths.svg'), 'utf8')).toContain('constructed path');
  }, 120_000);

  it('typed errors before anything is written; a BatchNorm net gets probes and NOT_SUPPORTED for the rest', async () => {
    const blobs = 'blobs:n=300,classes=3,dims=8';
    const train = (arch: string, name: string) => runCli(['train', '--arch', arch, '--data', blobs, '--epochs', '1', '-q', '--out', join(root, name)]);
    const trained = await Promise.all([train('mlp:8-1-3', 'narrow'), train('mlp:8-6-3', 'wide'), train('mlp:8-8-3+bn', 'bn')]);
    for (const t of trained) expect(t.code, t.stderr).toBe(0);
    const [n, w, b] = ['narrow', 'wide', 'bn'].map((name) => join(root, name, 'model.safetensors'));
    let r = await runCli(['conditions', n, n, '--data', blobs, '--out', join(root, 'x1'), '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/too small to halve.*\[NOT_SUPPORTED\]/);
    expect(existsSync(join(root, 'x1'))).toBe(false);
    r = await runCli(['conditions', w, n, '--data', blobs, '--out', join(root, 'x2'), '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/different architectures/);
    expect(existsSync(join(root, 'x2'))).toBe(false);
    r = await runCli(['conditions', w, w, '--data', blobs, '--fraction', '0.7', '--out', join(root, 'x3'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fraction must be at most 0.5/);
    const out = join(root, 'bnout');
    r = await runCli(['conditions', b, b, '--data', blobs, '--draws', '1', '--probe-steps', '5', '--bootstrap', '0', '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pruning: NOT_SUPPORTED/);
    const rep = readJson(join(out, 'report.json'));
    expect(rep.constructedPath.notSupported).toMatch(/ReLU MLPs/);
    expect(rep.probes.a.layers).toHaveLength(1);
  }, 120_000);
});

describe('modeconn widths', () => {
  it('sweeps widths at fixed N and N at fixed width on blobs', async () => {
    const out = join(root, 'widths');
    const { code, stdout, stderr } = await runCli(['widths', '--data', 'blobs:n=300,classes=3,dims=8', '--n', '100', '--widths', '4,16', '--sizes', '60',
      '--fixed-width', '8', '--steps', '40', '--draws', '1', '--probe-steps', '10', '--trials', '1', '--test-samples', '40', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/N\s+w\s+w\/√N\s+regime/);
    const r = readJson(join(out, 'report.json'));
    expect(r.status).toBe('completed');
    expect(r.rows.map((x: { n: number; width: number; regime: string }) => [x.n, x.width, x.regime])).toEqual([[100, 4, 'below √N'], [100, 16, '√N..N'], [60, 8, '√N..N']]);
    for (const row of r.rows) expect(row.path.holds).toBe(true);
    expect(readFileSync(join(out, 'widths.svg'), 'utf8')).toContain('dropout ε');
  }, 120_000);

  it('usage errors leave nothing behind', async () => {
    for (const [args, message] of [
      [['--widths', '1,8'], /--widths: "1" is not an integer ≥ 2/],
      [['--n', '100000'], /N = 100000 is more than the/],
      [['--seeds', '1'], /exactly two seeds/],
    ] as const) {
      const out = join(root, 'never');
      const r = await runCli(['widths', '--data', 'blobs:n=300', ...args, '--out', out, '-q']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  }, 60_000);
});
