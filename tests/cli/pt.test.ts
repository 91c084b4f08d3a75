// The built CLI on PyTorch checkpoints and CIFAR files (tests/fixtures/pt, tests/fixtures/cifar):
// `align` of two .pt ResNet-20s on --data cifar10:<dir> writes aligned.pt under B's names with B's
// logits, `eval` reads a .pt with an inferred arch, --names renames, and a refused pickle exits 1
// with the typed error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDataSet } from '../../ts/data/dataset.js';
import { loadModel, loadTensorFile } from '../../ts/io/model-files.js';
import { parsePt } from '../../ts/io/pt.js';
import { serializePt, type PtTensorInput } from '../../ts/io/pt-write.js';
import { tensorToFloat32 } from '../../ts/io/safetensors.js';
import { evaluateModel } from '../../ts/model/train.js';
import { expectClose } from '../helpers/close.js';
import { readJson, runCli, tempRoot } from './run-cli.js';

const pt = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
const cifar = fileURLToPath(new URL('../fixtures/cifar/', import.meta.url));
const root = tempRoot('modeconn-pt-');

describe('modeconn with .pt checkpoints', () => {
  it('align a.pt b.pt --data cifar10:<dir> writes aligned.pt that computes B\'s function', async () => {
    const out = join(root, 'align');
    const r = await runCli(['align', `${pt}resnet20-a.pt`, `${pt}resnet20-b.pt`, '--data', `cifar10:${cifar}`, '-q', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = readJson(join(out, 'report.json'));
    expect(report.files.model).toBe(join(out, 'aligned.pt'));
    const written = parsePt(readFileSync(join(out, 'aligned.pt')));
    expect([...written.tensors.keys()]).toEqual([...parsePt(readFileSync(`${pt}resnet20-b.pt`)).tensors.keys()]);
    const inputs = (await loadTensorFile(`${pt}inputs.safetensors`)).tensors.get('inputs')!;
    const data = createDataSet({ name: 'in', x: tensorToFloat32(inputs), y: new Uint32Array(8), shape: [3, 32, 32], classes: 10 });
    const logits = (await evaluateModel(await loadModel(join(out, 'aligned.pt')), data, { logits: true })).logits!;
    const want = tensorToFloat32((await loadTensorFile(`${pt}resnet20-b.logits.safetensors`)).tensors.get('logits')!);
    expectClose(logits, want, { rtol: 1e-5, atol: 1e-5 });
  }, 60_000);

  it('eval --model <file>.pt infers the arch; --names maps foreign names onto a known layout', async () => {
    const r = await runCli(['eval', '--model', `${pt}vgg-a.pt`, '--data', `cifar10:${cifar}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).data.n).toBe(4);
    // The same VGG under other module names: unknown without --names, the same result with it.
    const renamed = join(root, 'renamed.pt');
    const tensors = parsePt(readFileSync(`${pt}vgg-a.pt`)).tensors;
    writeFileSync(renamed, serializePt([...tensors].map(([n, t]) => [n.replace('features.', 'net.backbone.').replace('classifier.', 'net.head.'), t as PtTensorInput])));
    const unknown = await runCli(['eval', '--model', renamed, '--data', `cifar10:${cifar}`, '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/UNKNOWN_ARCH|cannot infer/);
    const names = join(root, 'names.json');
    writeFileSync(names, JSON.stringify({ rules: [{ from: 'net.backbone.', to: 'features.' }, { from: '/^net\\.head\\./', to: 'classifier.' }] }));
    const mapped = await runCli(['eval', '--model', renamed, '--data', `cifar10:${cifar}`, '--names', names, '--json']);
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout).loss).toBe(JSON.parse(r.stdout).loss);
  }, 60_000);

  it('a checkpoint that names posix.system is refused with UNSAFE_PICKLE', async () => {
    const r = await runCli(['eval', '--model', `${pt}evil-system.pt`, '--data', `cifar10:${cifar}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UNSAFE_PICKLE|posix\.system/);
  });
});
