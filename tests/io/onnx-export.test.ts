// ONNX export: every layer kind (dense with and without bias, conv2d with non-square kernels, strides
// and padding, affine and non-affine BatchNorm 1d/2d in eval mode, ReLU, max and average pooling with
// padding, flatten, dropout, residual blocks with identity, projection and nested shortcuts) runs in
// onnxruntime (onnxruntime-web's wasm backend in Node) and gives modeconn's eval-mode logits;
// export → import gives the same arch and bit-identical θ, with or without the arch metadata; and a
// PyTorch fixture imported and exported again gives PyTorch's logits in onnxruntime.
// Tolerance |ort − ours| ≤ 1e-5·|ours| + 1e-6: two f32 implementations with different summation orders.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadOnnx } from '../../ts/io/onnx-files.js';
import { ONNX_ARCH_KEY, parseOnnx, serializeOnnx } from '../../ts/io/onnx.js';
import { loadOnnxCodec } from '../../ts/io/onnx-schema.js';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import type { Model } from '../../ts/model/model.js';
import { expectClose, randomArray } from '../helpers/close.js';
import { modelLogits, runtimeLogits } from './onnx-helpers.js';

const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

/** A hand-written arch with every layer option the exporter has to spell. */
const ZOO: Arch = {
  input: [2, 7, 6], classes: 4,
  layers: [
    { type: 'conv2d', out: 5, kernel: [3, 2], stride: [2, 1], padding: [1, 0], bias: false },
    { type: 'batchnorm', affine: false, eps: 1e-3, momentum: 0.2 },
    { type: 'relu' },
    { type: 'maxpool', kernel: 3, stride: 1, padding: 1 },
    {
      type: 'residual',
      body: [
        { type: 'conv2d', out: 5, kernel: 3, padding: 1 }, { type: 'relu' },
        { type: 'residual', body: [{ type: 'conv2d', out: 5, kernel: 1 }, { type: 'batchnorm' }] },
      ],
    },
    { type: 'relu' },
    { type: 'avgpool', kernel: 2, padding: 1 },
    { type: 'flatten' },
    { type: 'dropout', p: 0.3 },
    { type: 'dense', out: 6, bias: false },
    { type: 'batchnorm', affine: false },
    { type: 'relu' },
    { type: 'dense', out: 4 },
  ],
};

const ARCHS: Record<string, Arch> = {
  'mlp + BatchNorm1d + dropout': mlp({ input: [2, 3, 3], hidden: [7, 5], classes: 4, batchNorm: true, dropout: 0.3 }),
  'vgg + BatchNorm2d': vgg({ input: [3, 8, 8], channels: [4, 'M', 6, 'M'], classes: 5, batchNorm: true }),
  'resnet (identity and projection shortcuts)': resnet({ input: [3, 8, 8], width: 4, blocks: [1, 1], classes: 5 }),
  'every option': ZOO,
};

/** Initialised θ with BatchNorm running statistics moved off (0, 1), so that eval mode uses them. */
function modelOf(arch: Arch, seed: number): Model {
  const compiled = compileArch(arch);
  const params = initParams(compiled, { seed });
  for (const e of compiled.layout) {
    const noise = randomArray(e.length, seed + e.offset + 7, 0.5);
    if (e.kind === 'running_mean') params.set(noise, e.offset);
    if (e.kind === 'running_var') params.set(noise.map((v) => 1 + v), e.offset);
    if (e.kind === 'bn_weight') params.set(noise.map((v) => 1 + v), e.offset);
  }
  return { arch, params };
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The same file without its "modeconn.arch" metadata: the importer then reads the graph alone. */
async function withoutMetadata(bytes: Uint8Array): Promise<Uint8Array> {
  const codec = await loadOnnxCodec();
  const message = codec.decode(bytes) as unknown as Record<string, unknown>;
  message.metadataProps = [];
  return codec.encode(message);
}

describe('ONNX export', () => {
  let seed = 1;
  for (const [label, arch] of Object.entries(ARCHS)) {
    describe(label, () => {
      const model = modelOf(arch, seed++);
      const n = 3;
      const inputs = randomArray(n * arch.input.reduce((a, b) => a * b, 1), seed + 100);

      it('runs in onnxruntime and gives modeconn\'s eval-mode logits', async () => {
        const bytes = await serializeOnnx(model);
        expectClose(await runtimeLogits(bytes, inputs, arch.input), await modelLogits(model, inputs), TOLERANCE);
      });

      it('export → import gives the same arch and bit-identical θ; the bytes are deterministic', async () => {
        const bytes = await serializeOnnx(model);
        const back = await parseOnnx(bytes);
        expect(back.arch).toEqual(arch);
        expect(bitsEqual(back.params, model.params)).toBe(true);
        expect(Buffer.from(await serializeOnnx(back)).equals(Buffer.from(bytes))).toBe(true);
      });

      it('without the arch metadata, the graph alone gives the same plan, layout and θ', async () => {
        const bytes = await withoutMetadata(await serializeOnnx(model));
        const back = await parseOnnx(bytes);
        const want = compileArch(arch);
        const got = compileArch(back.arch);
        expect(Array.from(got.words)).toEqual(Array.from(want.words));
        expect(got.layout.map((e) => [e.name, e.shape])).toEqual(want.layout.map((e) => [e.name, e.shape]));
        expect(bitsEqual(back.params, model.params)).toBe(true);
      });
    });
  }

  it('stores the arch under "modeconn.arch" and names initialisers as the state_dict does', async () => {
    const model = modelOf(ARCHS['resnet (identity and projection shortcuts)'], 9);
    const message = (await loadOnnxCodec()).decode(await serializeOnnx(model));
    expect(message.metadataProps.find((p) => p.key === ONNX_ARCH_KEY)?.value).toBe(JSON.stringify(model.arch));
    const names = message.graph!.initializer.map((t) => t.name);
    expect(names).toEqual(compileArch(model.arch).layout.filter((e) => e.kind !== 'counter').map((e) => e.name));
    expect(message.graph!.input.map((v) => v.name)).toEqual(['input']);
    expect(message.graph!.output.map((v) => v.name)).toEqual(['logits']);
  });

  it('a PyTorch export, imported and exported again, still gives PyTorch\'s logits in onnxruntime', async () => {
    const dir = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
    const expected = JSON.parse(await readFile(`${dir}resnet.json`, 'utf8')) as { inputs: number[]; logits: number[] };
    const model = await loadOnnx(`${dir}resnet-bn.onnx`);
    const logits = await runtimeLogits(await serializeOnnx(model), Float32Array.from(expected.inputs), model.arch.input);
    expectClose(logits, Float32Array.from(expected.logits), TOLERANCE);
  });
});
