// ONNX import against PyTorch 1.13 (fixtures from tests/fixtures/onnx/make-fixtures.py, run by hand):
// each model exported three times by torch.onnx.export — with its defaults (BatchNorm folded into the
// convolutions), with TrainingMode.PRESERVE (BatchNormalization kept), and at opset 9 with the
// initialisers as graph inputs — imports into the arch written below and gives PyTorch's eval-mode logits. Tolerance |ours − torch| ≤ 1e-5·|torch| + 1e-6:
// both sides compute in f32 with different summation orders (and the folded export rounds W·γ/σ
// once more), a few ulps on logits of order 0.1–1; a wrong layer or weight layout is off by 1e-2 or more.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../ts/io/model-files.js';
import { loadOnnx } from '../../ts/io/onnx-files.js';
import { loadSafetensors } from '../../ts/io/safetensors-files.js';
import { tensorToFloat32 } from '../../ts/io/safetensors.js';
import { looksLikeOnnx } from '../../ts/io/onnx.js';
import type { Arch, Layer } from '../../ts/model/arch.js';
import { compileArch } from '../../ts/model/compile.js';
import { expectClose } from '../helpers/close.js';
import { modelLogits } from './onnx-helpers.js';

const dir = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

/** The layers of each fixture's PyTorch module; `folded` drops the BatchNorms that follow a Conv. */
function archOf(name: string, folded: boolean): Arch {
  const conv = (out: number, kernel: number, stride: number, bias = false): Layer => {
    const layer: Layer = { type: 'conv2d', out, kernel };
    if (stride !== 1) layer.stride = stride;
    if (kernel === 3) layer.padding = 1;
    if (!bias && !folded) layer.bias = false;
    return layer;
  };
  const bn: Layer[] = folded ? [] : [{ type: 'batchnorm' }];
  switch (name) {
    case 'mlp':
      return { input: [3, 2, 2], classes: 3, layers: [{ type: 'flatten' }, { type: 'dense', out: 10 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dense', out: 3, bias: false }] };
    case 'convnet':
      return {
        input: [2, 8, 8], classes: 5,
        layers: [conv(4, 3, 1, true), ...bn, { type: 'relu' }, { type: 'maxpool', kernel: 2 }, conv(6, 3, 1, true), ...bn, { type: 'relu' },
          { type: 'avgpool', kernel: 3, stride: 2, padding: 1 }, { type: 'flatten' }, { type: 'dense', out: 5 }],
      };
    default: {
      const block = (cin: number, cout: number, stride: number): Layer => {
        const body = [conv(cout, 3, stride), ...bn, { type: 'relu' } as Layer, conv(cout, 3, 1), ...bn];
        return stride === 1 && cin === cout ? { type: 'residual', body } : { type: 'residual', body, shortcut: [conv(cout, 1, stride), ...bn] };
      };
      return {
        input: [3, 8, 8], classes: 5,
        layers: [conv(4, 3, 1), ...bn, { type: 'relu' }, block(4, 4, 1), { type: 'relu' }, block(4, 8, 2), { type: 'relu' },
          { type: 'avgpool', kernel: 4 }, { type: 'flatten' }, { type: 'dense', out: 5 }],
      };
    }
  }
}

describe('ONNX import of torch.onnx.export files', () => {
  for (const name of ['mlp', 'convnet', 'resnet']) {
    describe(name, async () => {
      const expected = JSON.parse(await readFile(`${dir}${name}.json`, 'utf8')) as { inputs: number[]; logits: number[] };
      const inputs = Float32Array.from(expected.inputs);
      const logits = Float32Array.from(expected.logits);

      const exports = [[`${name}.onnx`, name !== 'mlp'], [`${name}-bn.onnx`, false], [`${name}-opset9.onnx`, name !== 'mlp']] as const;
      for (const [file, folded] of exports) {
        it(`${file}: imports the module's architecture and gives PyTorch's logits`, async () => {
          const model = await loadOnnx(`${dir}${file}`);
          expect(model.arch).toEqual(archOf(name, folded));
          expect(model.params.length).toBe(compileArch(model.arch).totalLength);
          expectClose(await modelLogits(model, inputs), logits, TOLERANCE);
        });
      }

      it('BatchNorm survives a PRESERVE export with its running statistics in θ', async () => {
        const model = await loadOnnx(`${dir}${name}-bn.onnx`);
        const layout = compileArch(model.arch).layout;
        const vars = layout.filter((e) => e.kind === 'running_var');
        expect(vars.length).toBe({ mlp: 1, convnet: 2, resnet: 6 }[name]);
        // perturb_batchnorm draws running_var from 0.5 + U[0, 1): none is PyTorch's initial 1.
        for (const e of vars) for (const v of model.params.subarray(e.offset, e.offset + e.length)) expect(v >= 0.5 && v < 1.5 && v !== 1).toBe(true);
      });
    });
  }

  // The .pt fixtures' VGG-BN and ResNet-20 (tests/fixtures/pt), exported to ONNX by make-fixtures.py: the
  // .pt fixtures' logits (1e-5), and with BatchNorm kept, the very θ that loading the .pt checkpoint gives.
  for (const name of ['vgg-a', 'resnet20-a']) {
    it(`${name} (the .pt fixture) as ONNX: PyTorch's logits, folded or not; with BatchNorm kept, the .pt's θ bit for bit`, async () => {
      const ptDir = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
      const inputs = tensorToFloat32((await loadSafetensors(`${ptDir}inputs.safetensors`)).tensors.get('inputs')!);
      const logits = tensorToFloat32((await loadSafetensors(`${ptDir}${name}.logits.safetensors`)).tensors.get('logits')!);
      const kept = await loadOnnx(`${dir}${name}-bn.onnx`);
      for (const model of [await loadOnnx(`${dir}${name}.onnx`), kept]) expectClose(await modelLogits(model, inputs), logits, TOLERANCE);
      const pt = await loadModel(`${ptDir}${name}.pt`, { input: [3, 32, 32] });
      // An eval-mode export drops Dropout (the identity at inference); everything else is the same plan.
      const withoutDropout = { ...pt.arch, layers: pt.arch.layers.filter((l) => l.type !== 'dropout') };
      expect(Array.from(compileArch(kept.arch).words)).toEqual(Array.from(compileArch(withoutDropout).words));
      expect(Buffer.from(kept.params.buffer).equals(Buffer.from(pt.params.buffer))).toBe(true);
    });
  }

  it('loadModel recognises ONNX by content, whatever the file is called', async () => {
    const bytes = await readFile(`${dir}convnet-bn.onnx`);
    expect(looksLikeOnnx(bytes)).toBe(true);
    const direct = await loadOnnx(bytes);
    const viaLoadModel = await loadModel(`${dir}convnet-bn.onnx`);
    expect(viaLoadModel.arch).toEqual(direct.arch);
    expect(Buffer.from(viaLoadModel.params.buffer).equals(Buffer.from(direct.params.buffer))).toBe(true);
    expect(looksLikeOnnx(await readFile(fileURLToPath(new URL('../fixtures/torch/mlp.safetensors', import.meta.url))))).toBe(false);
  });

  it('an explicit arch is returned when it computes the graph, refused otherwise', async () => {
    const spelled: Arch = { ...archOf('mlp', false), layers: archOf('mlp', false).layers.map((l) => (l.type === 'batchnorm' ? { ...l, eps: 1e-5, momentum: 0.1 } : l)) };
    expect((await loadOnnx(`${dir}mlp-bn.onnx`, { arch: spelled })).arch).toBe(spelled);
    const other: Arch = { ...spelled, layers: spelled.layers.map((l) => (l.type === 'batchnorm' ? { ...l, eps: 1e-3 } : l)) };
    await expect(loadOnnx(`${dir}mlp-bn.onnx`, { arch: other })).rejects.toMatchObject({ code: 'BAD_SHAPE' });
  });
});
