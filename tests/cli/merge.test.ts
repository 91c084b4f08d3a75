// The built CLI's merge and instability commands on the bundled MNIST digits at small scale: three
// MLPs merged by MergeMany (+ REPAIR) and as a greedy soup — the saved model's `eval` loss is the
// report's; an instability run whose last spawn step has barrier 0; usage errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-merge-');
const models = [1, 2, 3].map((s) => join(root, `s${s}`, 'model.safetensors'));

beforeAll(async () => {
  for (const s of [1, 2, 3]) {
    const r = await runCli(['train', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--epochs', '1', '--seed', String(s), '-q', '--out', join(root, `s${s}`)]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 90_000);

describe('modeconn merge', () => {
  it('MergeMany with REPAIR: table, report, model that evaluates as reported', async () => {
    const out = join(root, 'many');
    const { code, stdout, stderr } = await runCli(['merge', ...models, '--data', 'mnist', '--repair', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^merged \(many\)/m);
    expect(stdout).toMatch(/^merged \+ REPAIR/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.evaluation.members).toHaveLength(3);
    expect(r.mergeMany.converged).toBe(true);
    const evalRun = await runCli(['eval', '--model', join(out, 'merged.safetensors'), '--data', 'mnist', '--json']);
    expect(JSON.parse(evalRun.stdout).loss).toBeCloseTo(r.evaluation.repaired.loss, 6);
    expect(readFileSync(join(out, 'merge.svg'), 'utf8')).toContain('<svg');
  }, 90_000);

  it('cycle-consistent: its cycle error is 0; pairwise weight matching\'s is reported', async () => {
    const out = join(root, 'cycle');
    const { code, stdout, stderr } = await runCli(['merge', ...models, '--data', 'mnist', '--method', 'cycle', '--iterations', '5', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^cycle error/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.cycleError.merged.mean).toBe(0);
    expect(r.cycleError.pairwise.triples).toBe(1);
    expect(r.cycleConsistent.relaxed.length).toBeGreaterThan(0);
  }, 60_000);

  it('greedy soup: never below its best ingredient on the held-out set', async () => {
    const out = join(root, 'soup');
    const { code, stderr } = await runCli(['merge', ...models, '--data', 'mnist', '--method', 'greedy-soup', '--held-out', '300', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    const r = readJson(join(out, 'report.json'));
    expect(r.greedySoup.soupAccuracy).toBeGreaterThanOrEqual(Math.max(...r.greedySoup.heldOutAccuracy));
  }, 60_000);

  it('usage error with one model', async () => {
    const r = await runCli(['merge', models[0], '--data', 'mnist', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at least two model/);
  });
});

describe('modeconn align with learned permutations', () => {
  it('ste and sinkhorn write an aligned model with B\'s function and the loss per step', async () => {
    for (const method of ['ste', 'sinkhorn']) {
      const out = join(root, `align-${method}`);
      const { code, stdout, stderr } = await runCli(['align', models[0], models[1], '--data', 'mnist', '--method', method, '--steps', '4', '--batch-size', '64', '-q', '--out', out]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/logit check/);
      const r = readJson(join(out, 'report.json'));
      expect(r.losses).toHaveLength(4);
      expect(r.check.maxLogitGap).toBeLessThan(1e-4 * Math.max(1, r.check.logitScale));
    }
  }, 60_000);
});

describe('modeconn instability', () => {
  it('barrier against spawn step; 0 at the last step', async () => {
    const out = join(root, 'instability');
    const { code, stdout, stderr } = await runCli(['instability', '--arch', 'mlp:784-8-10', '--data', 'mnist', '--epochs', '1', '--train-samples', '256',
      '--batch-size', '64', '--spawn', '0,2,4', '--points', '5', '--workers', '2', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/spawn step/);
    const r = readJson(join(out, 'report.json'));
    expect(r.result.spawns.map((s: { step: number }) => s.step)).toEqual([0, 2, 4]);
    expect(r.result.spawns[2].errorBarrier).toBe(0);
    expect(r.result.spawns[2].distance).toBe(0);
    expect(r.result.spawns[0].distance).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'instability.svg'), 'utf8')).toContain('<svg');
  }, 90_000);

  it('usage error for a spawn step past the end', async () => {
    const r = await runCli(['instability', '--arch', 'mlp:784-8-10', '--data', 'mnist', '--epochs', '1', '--train-samples', '256', '--batch-size', '64', '--spawn', '9', '--out', join(root, 'y'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/past the run's last step 4/);
  });
});
