// Issue 18's acceptance on PyTorch 1.13 fixtures (tests/fixtures/pt/make-pt-fixtures.py): networks
// trained briefly in PyTorch and saved as .pt and safetensors load with an inferred arch and give
// PyTorch's eval-mode logits to 1e-5 relative; weight matching of two ResNet-20s (and two VGGs)
// writes .pt and safetensors under the checkpoint's names that reload here with B's logits. The
// PyTorch side of that (load_state_dict(strict=True), B's function) was checked once by the script's
// `verify` mode on files written by tests/fixtures/pt/align-for-torch.mjs; verify.json records the
// files' SHA-256, which must equal what this code writes today.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { weightMatching } from '../../ts/align/weight-matching.js';
import { createDataSet, type DataSet } from '../../ts/data/dataset.js';
import { loadModel, loadTensorFile } from '../../ts/io/model-files.js';
import { parseModel, serializeModel } from '../../ts/io/model-tensors.js';
import { parsePt } from '../../ts/io/pt.js';
import { tensorToFloat32 } from '../../ts/io/safetensors.js';
import { resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import type { Model } from '../../ts/model/model.js';
import { evaluateModel } from '../../ts/model/train.js';
import { expectClose } from '../helpers/close.js';

const dir = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
const INPUT = [3, 32, 32];
/**
 * 1e-5 relative, as the issue asks: |ours − torch| ≤ 1e-5·(|torch| + max|torch|), i.e. relative to
 * each logit and to the logit vector's scale (a logit near 0 is a difference of larger terms, and
 * f32 sums in another order differ there by a few ulps of those terms: seen 1.2e-6 on 0.0074).
 */
function logitTolerance(want: Float32Array) {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { rtol: 1e-5, atol: 1e-5 * scale };
}

async function inputs(): Promise<DataSet> {
  const t = (await loadTensorFile(`${dir}inputs.safetensors`)).tensors.get('inputs')!;
  return createDataSet({ name: 'inputs', x: tensorToFloat32(t), y: new Uint32Array(t.shape[0]), shape: t.shape.slice(1), classes: 10 });
}

async function torchLogits(name: string): Promise<Float32Array> {
  return tensorToFloat32((await loadTensorFile(`${dir}${name}.logits.safetensors`)).tensors.get('logits')!);
}

async function logitsOf(model: Model, data: DataSet): Promise<Float32Array> {
  return (await evaluateModel(model, data, { logits: true })).logits!;
}

const cases: Array<[string, string[]]> = [
  ['vgg-a', ['pt', 'safetensors']],
  ['vgg-b', ['pt', 'safetensors']],
  ['resnet20-a', ['pt', 'safetensors']],
  ['resnet20-b', ['pt', 'safetensors']],
  ['resnet20-tv', ['pt', 'safetensors']],
  ['preresnet20', ['pt', 'safetensors']],
  ['resnet-bottleneck', ['pt']],
  ['mlp-named', ['pt']],
  ['seqcnn', ['pt']],
];

describe('PyTorch models load with an inferred arch and give PyTorch\'s logits', async () => {
  const data = await inputs();
  for (const [name, formats] of cases) {
    it.each(formats)(`${name}.%s`, async (format) => {
      const model = await loadModel(`${dir}${name}.${format}`, { input: INPUT });
      const want = await torchLogits(name);
      expectClose(await logitsOf(model, data), want, logitTolerance(want));
      const file = await loadTensorFile(`${dir}${name}.${format}`);
      const names = model.sourceNames ?? Object.fromEntries([...file.tensors.keys()].map((n) => [n, n])); // absent: the layout's own names
      expect(Object.values(names).sort()).toEqual([...file.tensors.keys()].sort());
    });
  }

  it('infers the builders\' archs for the CIFAR ResNet-20 and the VGG', async () => {
    const r = await loadModel(`${dir}resnet20-a.pt`, { input: INPUT });
    expect(compileArch(r.arch).words).toEqual(compileArch(resnet({ input: INPUT, width: 4, blocks: 3, classes: 10 })).words);
    expect(r.sourceNames!['3.body.0.weight']).toBe('layer1.0.conv1.weight');
    const v = await loadModel(`${dir}vgg-a.pt`);
    const built = vgg({ input: INPUT, channels: [8, 'M', 16, 'M', 16, 16, 'M'], classes: 10, batchNorm: true, hidden: [32, 32], dropout: 0.5 });
    // The builder puts dropout before each hidden Linear, torchvision after its ReLU: the same function.
    const noDropout = (layers: typeof built.layers) => layers.filter((l) => l.type !== 'dropout');
    expect(noDropout(v.arch.layers)).toEqual(noDropout(built.layers));
  });

  it('an explicit arch with modeconn names takes a checkpoint\'s names when the layouts agree', async () => {
    const model = await loadModel(`${dir}resnet20-b.pt`, { arch: resnet({ input: INPUT, width: 4, blocks: 3, classes: 10 }) });
    const want = await torchLogits('resnet20-b');
    expectClose(await logitsOf(model, data), want, logitTolerance(want));
  });
});

describe('weight matching writes B under its own names, with B\'s function', async () => {
  const data = await inputs();
  const verified = JSON.parse(readFileSync(`${dir}verify.json`, 'utf8')) as { files: Record<string, { sha256: string; max_rel_diff_vs_b: number; strict_load: { missing_keys: string[]; unexpected_keys: string[] } }> };

  for (const family of ['resnet20', 'vgg']) {
    it(`${family}: .pt and safetensors reload with B's logits`, async () => {
      const a = await loadModel(`${dir}${family}-a.pt`, { input: INPUT });
      const b = await loadModel(`${dir}${family}-b.pt`, { input: INPUT });
      const { aligned, permutations } = await weightMatching(a, b, { seed: 0 });
      expect(Object.values(permutations).some((p) => p.some((v, i) => v !== i)), 'some unit moved').toBe(true);
      const want = await torchLogits(`${family}-b`);
      const sourceKeys = [...parsePt(readFileSync(`${dir}${family}-b.pt`)).tensors.keys()];
      for (const format of ['pt', 'safetensors'] as const) {
        const bytes = serializeModel(aligned, { format });
        const back = format === 'pt' ? parsePt(bytes) : undefined;
        if (back) expect([...back.tensors.keys()]).toEqual(sourceKeys);
        const reloaded = parseModel(bytes, { input: INPUT });
        expectClose(await logitsOf(reloaded, data), want, logitTolerance(want));
        if (family === 'resnet20') {
          const record = verified.files[`resnet20-b-aligned.${format === 'pt' ? 'pt' : 'safetensors'}`];
          expect(createHash('sha256').update(bytes).digest('hex'), 'the bytes PyTorch verified').toBe(record.sha256);
          expect(record.strict_load).toEqual({ missing_keys: [], unexpected_keys: [] });
          expect(record.max_rel_diff_vs_b).toBeLessThan(1e-5);
        }
      }
    });
  }
});
