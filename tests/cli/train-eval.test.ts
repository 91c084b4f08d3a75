// The built CLI end to end on the bundled MNIST digits: train writes a model and a manifest, eval
// reproduces the manifest's test accuracy, errors exit 1 naming the file (signals: signals.test.ts).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../ts/io/safetensors-files.js';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-cli-');

// One epoch of a 784-64-10 MLP (SGD 0.05, momentum 0.9, batch 128) reaches about 88% on the
// 1,996 held-out digits; the floor leaves room for platform differences in float summation.
const ACCURACY_FLOOR = 0.85;

describe('modeconn train / eval (built cli, MNIST digits)', () => {
  const out = join(root, 'mlp');

  it('trains an MLP for one epoch and writes model.safetensors and train.json', async () => {
    const { code, stdout, stderr } = await runCli(['train', '--arch', 'mlp:784-64-10', '--data', 'mnist', '--epochs', '1', '--seed', '3', '--out', out]);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['model.safetensors', 'train.json']); // no temp files left
    const m = readJson(join(out, 'train.json'));
    expect(m.status).toBe('completed');
    expect(m.command).toEqual(['modeconn', 'train', '--arch', 'mlp:784-64-10', '--data', 'mnist', '--epochs', '1', '--seed', '3', '--out', out]);
    expect(m.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.seed).toBe(3);
    expect(m.data.spec).toBe('mnist');
    expect(m.data.train).toMatchObject({ name: 'mnist-train', n: 8004, shape: [1, 28, 28], classes: 10 });
    expect(m.data.test).toMatchObject({ name: 'mnist-test', n: 1996 });
    expect(m.data.train.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(m.arch.parameters).toBe(784 * 64 + 64 + 64 * 10 + 10);
    expect(m.arch.value.layers.map((l: { type: string }) => l.type)).toEqual(['flatten', 'dense', 'relu', 'dense']);
    expect(m.options).toMatchObject({ epochs: 1, batchSize: 128, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'constant' } });
    expect(m.epochs).toHaveLength(1);
    expect(m.epochs[0]).toMatchObject({ epoch: 1, lr: 0.05 });
    expect(m.final.testAccuracy).toBe(m.epochs[0].testAccuracy);
    expect(m.final.testAccuracy).toBeGreaterThan(ACCURACY_FLOOR);
    expect(m.timings.totalSeconds).toBeGreaterThan(0);
    expect(m.files.model).toBe('model.safetensors');
    // Non-TTY progress: a line per ~10%, and the summary table on stdout.
    expect(stderr.match(/^train +\d+%/gm)?.length).toBeGreaterThanOrEqual(5);
    expect(stdout).toMatch(/^epoch +lr +train loss +train acc +test loss +test acc/m);
    expect(stdout).toContain(`${(100 * m.final.testAccuracy).toFixed(2)}%`);

    const file = await loadSafetensors(join(out, 'model.safetensors'));
    expect([...file.tensors.keys()].sort()).toEqual(['1.bias', '1.weight', '3.bias', '3.weight']);
    expect(file.tensors.get('1.weight')!.shape).toEqual([64, 784]);
    expect(JSON.parse(file.metadata['modeconn.arch'])).toEqual(m.arch.value);
  });

  it('eval reproduces the test accuracy of train.json, overall and per class', async () => {
    const m = readJson(join(out, 'train.json'));
    const { code, stdout } = await runCli(['eval', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.accuracy).toBe(m.final.testAccuracy);
    expect(r.loss).toBeCloseTo(m.final.testLoss, 6);
    expect(r.data).toMatchObject({ split: 'test', n: 1996, hash: m.data.test.hash });
    expect(r.perClass).toHaveLength(10);
    expect(r.perClass.reduce((a: number, c: { n: number }) => a + c.n, 0)).toBe(1996);
    const right = r.perClass.reduce((a: number, c: { n: number; accuracy: number }) => a + c.n * c.accuracy, 0);
    expect(right / 1996).toBeCloseTo(r.accuracy, 9);

    const table = await runCli(['eval', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--out', out]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ *all +1996 +\S+ +\d+\.\d\d%$/m);
    expect(readJson(join(out, 'eval.json')).accuracy).toBe(m.final.testAccuracy);
  });

  it('exits 1 naming a missing data file or model file', async () => {
    const missing = join(root, 'no-such-images.idx');
    const a = await runCli(['train', '--arch', 'mlp:784-10', '--data', `idx:${missing},${missing}.labels`, '--out', join(root, 'x')]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^modeconn: .*no-such-images\.idx.*\[IO_ERROR\]$/m);
    expect(a.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const b = await runCli(['eval', '--model', join(root, 'nope.safetensors'), '--data', 'mnist']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/nope\.safetensors: no such file \[IO_ERROR\]/);
    const c = await runCli(['eval', '--model', join(root, 'nope.safetensors'), '--data', 'mnist'], { MODECONN_DEBUG: '1' });
    expect(c.stderr).toMatch(/\n\s+at /);
  });

  it('trains from --arch-file on a synthetic set and evaluates the train split', async () => {
    const archFile = join(root, 'arch.json');
    writeFileSync(archFile, JSON.stringify({ input: [2], classes: 2, layers: [{ type: 'dense', out: 16 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dense', out: 2 }] }));
    const dir = join(root, 'moons');
    const t = await runCli(['train', '--arch-file', archFile, '--data', 'moons:n=400', '--epochs', '3', '--optimizer', 'adam', '--lr', '0.01', '--schedule', 'cosine', '--batch-size', '32', '--quiet', '--out', dir]);
    expect(t.code).toBe(0);
    expect(t.stderr).toBe('');
    const m = readJson(join(dir, 'train.json'));
    expect(m.arch.file).toBe(archFile);
    expect(m.data.train.n + m.data.test.n).toBe(400);
    expect(m.epochs).toHaveLength(3);
    const e = await runCli(['eval', '--model', join(dir, 'model.safetensors'), '--data', 'moons:n=400', '--split', 'train', '--bn-recompute', '--json']);
    expect(e.code).toBe(0);
    const r = JSON.parse(e.stdout);
    expect(r.bnRecompute).toBe(true);
    expect(r.data.n).toBe(m.data.train.n);
    expect(r.accuracy).toBeGreaterThan(0.7);
  });

  it('--workers 2 trains data-parallel: the bits of --shards 2 on this thread; BatchNorm needs --bn-statistics shard', async () => {
    const args = ['train', '--arch', 'mlp:2-16-16-2+dropout=0.1', '--data', 'moons:n=300', '--epochs', '2', '--batch-size', '25', '--quiet'];
    const pool = await runCli([...args, '--workers', '2', '--out', join(root, 'pool')]);
    const inline = await runCli([...args, '--shards', '2', '--out', join(root, 'inline')]);
    expect([pool.code, inline.code]).toEqual([0, 0]);
    const [a, b] = await Promise.all(['pool', 'inline'].map((d) => loadSafetensors(join(root, d, 'model.safetensors'))));
    expect([...a.tensors.keys()]).toEqual([...b.tensors.keys()]);
    expect(b.tensors.size).toBe(6);
    const raw = (t: { data: ArrayBufferView }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    for (const [name, t] of b.tensors) expect(raw(a.tensors.get(name)!).equals(raw(t))).toBe(true);
    expect(readJson(join(root, 'pool', 'train.json')).options).toMatchObject({ shards: 2, workers: 2 });
    const bn = ['train', '--arch', 'mlp:2-8-2+bn', '--data', 'moons:n=100', '--epochs', '1', '--quiet', '--shards', '2'];
    const refused = await runCli([...bn, '--out', join(root, 'bn-refused')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/NOT_SUPPORTED[\s\S]*--bn-statistics shard|bnStatistics/);
    expect((await runCli([...bn, '--bn-statistics', 'shard', '--out', join(root, 'bn-shard')])).code).toBe(0);
  });
});
