// `modeconn demo --quick` end to end with the built CLI: two MLPs, the line and a fitted curve on
// the MNIST digits; every file is written and the curve's test-loss maximum is below the line's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-demo-');

describe('modeconn demo --quick', () => {
  it('writes models, curve, report and plots and prints the barriers', async () => {
    const out = join(root, 'demo');
    const { code, stdout, stderr } = await runCli(['demo', '--quick', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('model a (seed 1)');
    expect(stdout).toMatch(/^line:\s+max [\d.]+, barrier [\d.]+ at t = /m);
    expect(stdout).toMatch(/^bezier \(1 bend\): max [\d.]+ \([+-][\d.]+% over the endpoints' mean\)/m);
    for (const f of ['model-a.safetensors', 'model-b.safetensors', 'curve.json', 'curve.safetensors', 'report.json', 'paths.svg', 'paths.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(stdout).toContain(join(out, f));
    }
    const r = readJson(join(out, 'report.json'));
    expect(r.quick).toBe(true);
    expect(r.training.map((t: { seed: number }) => t.seed)).toEqual([1, 2]);
    expect(r.paths.line.manifest.seeds).toEqual({ a: 1, b: 2, fit: 1 });
    expect(r.paths.curve.sets.test.metrics.loss.max).toBeLessThan(r.paths.line.sets.test.metrics.loss.max);
    expect(r.paths.aligned.sets.test.metrics.loss.barrier).toBeLessThan(r.paths.line.sets.test.metrics.loss.barrier);
    expect(r.alignment.objective.length).toBeGreaterThan(0);
    // models saved by the demo load in `modeconn path`
    const again = await runCli(['path', join(out, 'model-a.safetensors'), join(out, 'model-b.safetensors'), '--data', 'mnist', '--points', '3', '--bootstrap', '0', '-q', '--out', join(root, 'line')]);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);
});
