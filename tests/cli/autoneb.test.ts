// The built CLI's autoneb command on the bundled MNIST digits at small scale: two MLPs trained for an
// epoch; the band is saved as a waypoint curve that `path --curve` reads back, and report.json has the
// line and the band (whose worst training loss is below the line's) and the cycle log.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempRoot, trainTwoModels } from './run-cli.js';

const root = tempRoot('modeconn-autoneb-');
const model = trainTwoModels(root, 'mlp:784-16-10');

describe('modeconn autoneb', () => {
  it('fits, saves and evaluates the band; path --curve reads it back', async () => {
    const out = join(root, 'neb');
    const small = ['--data', 'mnist', '--train-samples', '500', '--points', '9', '--bootstrap', '0', '-q'];
    const run = await runCli(['autoneb', model('a'), model('b'), '--cycles', '2', '--steps', '30', ...small, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^AutoNEB \(4 pivots\)\s+test\s+loss/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.autoneb.log.map((c: { pivots: number }) => c.pivots)).toEqual([2, 4]);
    expect(r.paths.autoneb.kind).toBe('waypoints');
    expect(r.paths.autoneb.sets.train.metrics.loss.max).toBeLessThan(r.paths.line.sets.train.metrics.loss.max);
    const again = await runCli(['path', '--curve', join(out, 'curve.json'), ...small, '--out', join(root, 'again')]);
    expect(again.code, again.stderr).toBe(0);
    const r2 = readJson(join(root, 'again', 'report.json'));
    expect(r2.paths.curve.sets.test.points.map((p: { loss: number }) => p.loss)).toEqual(r.paths.autoneb.sets.test.points.map((p: { loss: number }) => p.loss));
  }, 90_000);
});
