// The built CLI's align and explain commands on the bundled MNIST digits at small scale: two MLPs
// trained for one epoch, `align` (weight and activation) writing an aligned B with the same
// function, and `explain` writing the decomposition table, report.json and the figure.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../ts/io/model-files.js';
import { readJson, runCli, tempRoot, trainTwoModels } from './run-cli.js';

const root = tempRoot('modeconn-explain-');
const model = trainTwoModels(root, 'mlp:784-32-32-10');

describe('modeconn align', () => {
  for (const method of ['weight', 'activation']) {
    it(`${method} matching writes the aligned B and a report`, async () => {
      const out = join(root, `align-${method}`);
      const { code, stdout, stderr } = await runCli(['align', model('a'), model('b'), '--data', 'mnist', '--method', method, '--samples', '300', '-q', '--out', out]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/units moved/);
      const r = readJson(join(out, 'report.json'));
      expect(r).toMatchObject({ status: 'completed', method });
      expect(r.objective.length).toBeGreaterThan(0);
      expect(Object.keys(r.permutations)).toEqual(['P_1', 'P_3']);
      expect([...r.permutations.P_1].sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: 32 }, (_, i) => i));
      expect(r.check.maxLogitGap).toBeLessThan(1e-3);
      const aligned = await loadModel(join(out, 'aligned.safetensors'));
      const b = await loadModel(model('b'));
      expect(aligned.params).not.toEqual(b.params);
      expect(aligned.params.length).toBe(b.params.length);
    }, 60_000);
  }

  it('usage errors', async () => {
    const r = await runCli(['align', model('a'), '--data', 'mnist', '--out', join(root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing B.safetensors/);
  });
});

describe('modeconn explain', () => {
  it('writes the decomposition: table, report.json, figure', async () => {
    const out = join(root, 'explain');
    const { code, stdout, stderr } = await runCli(['explain', model('a'), model('b'), '--data', 'mnist', '--points', '5', '--samples', '300', '--fit-epochs', '1', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    for (const label of ['naive line', 'scale-normalised', 'weight matching', 'activation matching', 'matched \\+ scale', 'BN reset', 'REPAIR', 'fitted curve']) {
      expect(stdout).toMatch(new RegExp(label));
    }
    const r = readJson(join(out, 'report.json'));
    expect(r.status).toBe('completed');
    expect(r.rows.map((x: { key: string }) => x.key)).toEqual(['naive', 'scale', 'weight', 'activation', 'matched+scale', '+bn-reset', '+repair', 'curve']);
    const byKey = Object.fromEntries(r.rows.map((x: { key: string }) => [x.key, x]));
    expect(byKey['+bn-reset'].lossBarrier).toBeNull(); // no BatchNorm
    expect(byKey.naive.points).toHaveLength(5);
    for (const k of ['naive', 'scale', 'weight', 'activation', 'matched+scale', '+repair', 'curve']) expect(Number.isFinite(byKey[k].lossBarrier)).toBe(true);
    // Scale normalisation keeps each endpoint's function: same endpoint losses as the naive line.
    expect(byKey.scale.metrics.loss.endpoints[0]).toBeCloseTo(byKey.naive.metrics.loss.endpoints[0], 4);
    expect(byKey.weight.metrics.loss.endpoints[1]).toBeCloseTo(byKey.naive.metrics.loss.endpoints[1], 4);
    expect(r.alignment.weight.objective.length).toBeGreaterThan(0);
    expect(existsSync(join(out, 'explain.svg'))).toBe(true);
  }, 120_000);
});
