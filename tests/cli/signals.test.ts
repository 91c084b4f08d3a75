// Signals to the built CLI, a real child process each: SIGINT exits 130 and SIGTERM 143 (128 + the
// signal number); `train` stops after the current batch and leaves train.json valid with status
// "cancelled"; a second signal quits at once, still marking it; a command that cannot stop cleanly
// (landscape) exits at once and leaves the files already in its output folder as they were.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, startCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-signals-');

/** Polls until `ready()` holds (or 60 s pass). */
async function waitFor(ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !ready()) await new Promise((r) => setTimeout(r, 50));
}

const epochsDone = (manifest: string) => existsSync(manifest) && readJson(manifest).epochs.length >= 1;

describe('signals (built cli, child processes)', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s mid-run stops train after the current batch: exit %d, a valid train.json', async (signal, exitCode) => {
    const dir = join(root, signal);
    const { child, done } = startCli(['train', '--arch', 'mlp:784-64-10', '--data', 'mnist', '--epochs', '50', '--out', dir]);
    const manifest = join(dir, 'train.json');
    await waitFor(() => epochsDone(manifest));
    child.kill(signal);
    const { code, stderr } = await done;
    expect(code).toBe(exitCode);
    expect(stderr).toMatch(/cancelling after the current batch/);
    expect(stderr).toMatch(/^modeconn: training cancelled in epoch \d+ \[CANCELLED\]$/m);
    const m = readJson(manifest);
    expect(m.status).toBe('cancelled');
    expect(m.error.code).toBe('CANCELLED');
    expect(m.epochs.length).toBeGreaterThanOrEqual(1);
    expect(m.epochs.length).toBeLessThan(50);
    expect(m.final).toBeNull();
    expect(readdirSync(dir)).toEqual(['train.json']); // no model, no temp files
  });

  it('a second SIGTERM quits at once with 143, train.json still marked cancelled', async () => {
    const dir = join(root, 'twice');
    // Both signals arrive within one batch (one synchronous WASM call of a few hundred ms); JS sees them
    // in one turn of the loop, before the next batch. A batch shorter than the gap would let the first
    // signal stop the run cleanly.
    const { child, done } = startCli(['train', '--arch', 'mlp:784-1024-1024-10', '--data', 'mnist', '--epochs', '50', '--batch-size', '4000', '--out', dir]);
    const manifest = join(dir, 'train.json');
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /^train: /m.test(stderr));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const { code } = await done;
    expect(code).toBe(143);
    const m = readJson(manifest);
    expect(m.status).toBe('cancelled');
    expect(m.error.message).toBe('SIGTERM received twice; stopped at once');
  });

  it('SIGTERM to a command without a clean stop exits 143 and leaves earlier files intact', async () => {
    const model = join(root, 'small');
    expect((await runCli(['train', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--epochs', '1', '-q', '--out', model])).code).toBe(0);
    const out = join(root, 'land');
    mkdirSync(out);
    const earlier = `${JSON.stringify({ earlier: true })}\n`;
    writeFileSync(join(out, 'report.json'), earlier);
    const { child, done } = startCli(['landscape', join(model, 'model.safetensors'), '--data', 'mnist', '--grid', '201', '--out', out]);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /evaluating/.test(stderr));
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    expect(readFileSync(join(out, 'report.json'), 'utf8')).toBe(earlier);
    expect(readdirSync(out)).toEqual(['report.json']);
  });

  it('SIGTERM while two training runs share this thread (instability\'s children) exits within a second or so', async () => {
    // Two loops that yield with setTimeout(0) in turn kept Node in its timers phase: the signal waited
    // for a child run to end (24 s measured). Yielding with setImmediate lets it in at the next batch.
    const { child, done } = startCli(['instability', '--arch', 'mlp:2-128-128-2', '--data', 'moons:n=4000', '--epochs', '300', '--spawn', '0',
      '--out', join(root, 'instability')]);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /parent to step 0/.test(stderr));
    await new Promise((r) => setTimeout(r, 500));
    const sent = Date.now();
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    expect(Date.now() - sent).toBeLessThan(3000);
  });
});
