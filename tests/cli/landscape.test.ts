// The built CLI's landscape command on the bundled MNIST digits at small scale: three MLPs trained
// for one epoch; the 2-D grid around one (its centre is the model's own loss, as `eval` gives it),
// the line through two (t = 0 and 1 are the models), the plane through three (each model's
// coordinates recorded, the grid near them close to their losses); files and usage errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'modeconn-landscape-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const model = (name: string) => join(root, name, 'model.safetensors');
const PNG = [137, 80, 78, 71, 13, 10, 26, 10];
const SMALL = ['--data', 'mnist', '--train-samples', '300', '-q'];

beforeAll(async () => {
  const train = (seed: string) => runCli(['train', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--epochs', '1', '--seed', seed, '-q', '--out', join(root, seed)]);
  const results = await Promise.all([train('1'), train('2'), train('3')]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}, 90_000);

describe('modeconn landscape', () => {
  it('one model: a 2-D grid of filter-normalised directions centred on the model; report and plots', async () => {
    const out = join(root, 'around');
    const { code, stdout, stderr } = await runCli(['landscape', model('1'), ...SMALL, '--grid', '5', '--seed', '7', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/set\s+where\s+loss\s+error/);
    const r = readJson(join(out, 'report.json'));
    expect(r).toMatchObject({ status: 'completed', kind: 'random', seed: 7, normalization: 'filter' });
    expect(r.surface.xs).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(r.surface.ys).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(r.surface.manifest.seeds).toEqual({ directions: 7 });
    const centre = r.surface.sets.test.loss[2][2];
    const evalRun = await runCli(['eval', '--model', model('1'), '--data', 'mnist', '--json']);
    expect(evalRun.code, evalRun.stderr).toBe(0);
    expect(centre).toBeCloseTo(JSON.parse(evalRun.stdout).loss, 5);
    // A minimum trained by SGD sits low in its own neighbourhood: the far corners are higher.
    expect(Math.max(...r.surface.sets.test.loss.flat())).toBeGreaterThan(centre);
    expect(readFileSync(join(out, 'landscape.svg'), 'utf8')).toContain('<svg');
    expect([...readFileSync(join(out, 'landscape.png')).subarray(0, 8)]).toEqual(PNG);
  }, 60_000);

  it('two models: the line through them, extrapolated; three models: the plane', async () => {
    const line = join(root, 'line');
    let run = await runCli(['landscape', model('1'), model('2'), ...SMALL, '--grid', '5', '--out', line]);
    expect(run.code, run.stderr).toBe(0);
    const l = readJson(join(line, 'report.json'));
    expect(l.kind).toBe('line');
    expect(l.surface.xs).toEqual([-0.5, 0, 0.5, 1, 1.5]);
    expect(l.surface.ys).toBeUndefined();

    const plane = join(root, 'plane');
    run = await runCli(['landscape', model('1'), model('2'), model('3'), ...SMALL, '--grid', '4', '--margin', '0', '--out', plane]);
    expect(run.code, run.stderr).toBe(0);
    const p = readJson(join(plane, 'report.json'));
    expect(p.kind).toBe('plane');
    const [[x0, y0], [x1, y1], [x2, y2]] = p.coordinates;
    expect([x0, y0, y1]).toEqual([0, 0, 0]);
    expect(x1).toBeGreaterThan(0);
    expect(y2).toBeGreaterThan(0);
    // Three nets trained alike are about equally far apart, so C projects between A and B; with no
    // margin the grid's bottom corners are then A and B, whose losses the line run measured at t = 0, 1.
    expect(x2).toBeGreaterThan(0);
    expect(x2).toBeLessThan(x1);
    expect(p.surface.xs[0]).toBe(0);
    expect(p.surface.xs[3]).toBeCloseTo(x1, 9);
    expect(p.surface.sets.test.loss[0][0]).toBeCloseTo(l.surface.sets.test.loss[0][1], 4);
    expect(p.surface.sets.test.loss[0][3]).toBeCloseTo(l.surface.sets.test.loss[0][3], 4);
    expect(p.marks.map((m: { label: string }) => m.label)).toEqual(['A', 'B', 'C']);
  }, 60_000);

  it('usage errors: no model, four models, --dims with two models, a bad --range', async () => {
    for (const args of [
      ['landscape', ...SMALL, '--out', join(root, 'x')],
      ['landscape', model('1'), model('2'), model('3'), model('1'), ...SMALL, '--out', join(root, 'x')],
      ['landscape', model('1'), model('2'), '--dims', '1', ...SMALL, '--out', join(root, 'x')],
      ['landscape', model('1'), '--range', '1,0', ...SMALL, '--out', join(root, 'x')],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/usage|--dims|--range/);
    }
  });
});
