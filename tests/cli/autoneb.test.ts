// The built CLI's autoneb command on the bundled MNIST digits at small scale: two MLPs trained for an
// epoch; the band is saved as a waypoint curve that `path --curve` reads back, and report.json has the
// line and the band (whose worst training loss is below the line's) and the cycle log; on 2 workers
// the same band.
import { readFileSync } from 'node:fs';
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
    // The pivots' gradients spread over 2 worker threads: the band this thread found, byte for byte.
    const pooled = join(root, 'neb-pool');
    const fewPoints = small.map((f) => (f === '9' ? '2' : f)); // the band does not depend on how many points are evaluated
    const onPool = await runCli(['autoneb', model('a'), model('b'), '--cycles', '2', '--steps', '30', ...fewPoints, '--workers', '2', '--out', pooled]);
    expect(onPool.code, onPool.stderr).toBe(0);
    expect(readJson(join(pooled, 'report.json')).autoneb).toMatchObject({ shards: 1, workers: 2 });
    expect(readFileSync(join(pooled, 'curve.safetensors')).equals(readFileSync(join(out, 'curve.safetensors')))).toBe(true);
  }, 120_000);
});
