// Model files: a model ↔ a PyTorch state_dict in safetensors (names and shapes from compileArch's
// layout, I64 num_batches_tracked, arch in the "modeconn.arch" metadata), MLP arch inference from
// names and shapes, a bit-exact save/load round trip, and a typed error for every malformed model.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, saveModel } from '../../ts/io/model-files.js';
import { ARCH_METADATA_KEY, inferMlpArch, modelFromTensors, modelToTensors, parseModel, serializeModel } from '../../ts/io/model-tensors.js';
import { loadSafetensors } from '../../ts/io/safetensors-files.js';
import { parseSafetensors, type SafetensorsFile, type Tensor } from '../../ts/io/safetensors.js';
import { serializeSafetensors, type TensorInput } from '../../ts/io/safetensors-write.js';
import type { Arch } from '../../ts/model/arch.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { expectCode, expectCodeAsync } from './helpers.js';

const dir = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));
const MLP_BN = mlp({ input: 784, hidden: [32, 16], classes: 10, batchNorm: true });

/** A parsed in-memory file from named tensors (and metadata), as if read from `name`. */
function fileOf(tensors: Map<string, TensorInput>, metadata: Record<string, string> = {}, name = 'test.safetensors'): SafetensorsFile {
  return parseSafetensors(serializeSafetensors(tensors, { metadata, allowNonFinite: true }), { name, allowNonFinite: true });
}

/** The tensors of a parsed file, to edit and re-serialise. */
function tensorsOf(file: SafetensorsFile): Map<string, TensorInput> {
  return new Map([...file.tensors].map(([k, t]: [string, Tensor]) => [k, { dtype: t.dtype, shape: t.shape, data: t.data.slice() }]));
}

/** A state_dict with the given [name, shape] entries (weights 0.01·i, counters I64 0). */
function stateDict(entries: Array<[string, number[]]>): Map<string, TensorInput> {
  return new Map(entries.map(([name, shape]): [string, TensorInput] => {
    const size = shape.reduce((a, b) => a * b, 1);
    return name.endsWith('num_batches_tracked')
      ? [name, { dtype: 'I64', shape, data: new BigInt64Array(size) }]
      : [name, { shape, data: Float32Array.from({ length: size }, (_, i) => 0.01 * i) }];
  }));
}

describe('model files', async () => {
  const torchFile = await loadSafetensors(`${dir}mlp-bn.safetensors`);
  const temp = await mkdtemp(join(tmpdir(), 'modeconn-model-'));

  it('copies every tensor of a PyTorch state_dict into θ at its layout offset, bit for bit', () => {
    const model = modelFromTensors(torchFile);
    expect(model.arch).toEqual(MLP_BN);
    const compiled = compileArch(model.arch);
    for (const e of compiled.layout) {
      const t = torchFile.tensors.get(e.name)!;
      if (e.kind === 'counter') {
        expect(t.dtype).toBe('I64');
        expect(model.batchesTracked![e.name]).toBe(37);
      } else {
        const theta = model.params.subarray(e.offset, e.offset + e.length);
        expect(Buffer.from(theta.buffer, theta.byteOffset, theta.byteLength).equals(Buffer.from((t.data as Float32Array).buffer))).toBe(true);
      }
    }
  });

  it('modelToTensors gives the state_dict: names, shapes, F32 values and I64 scalar counters', () => {
    const model = modelFromTensors(torchFile);
    const tensors = modelToTensors(model);
    expect([...tensors.keys()].sort()).toEqual([...torchFile.tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const want = torchFile.tensors.get(name)!;
      expect(t.shape, name).toEqual(want.shape);
      expect(t.dtype, name).toBe(want.dtype);
      expect(Array.from(t.data as ArrayLike<number | bigint>), name).toEqual(Array.from(want.data as ArrayLike<number | bigint>));
    }
    // A model without counts (e.g. fresh from trainModel) writes 0.
    const fresh = modelToTensors({ arch: model.arch, params: model.params });
    expect(fresh.get('1.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(0n) });
  });

  it('save → load round trips bit-exactly, keeps the arch in the metadata, and saves identical bytes twice', async () => {
    const model = modelFromTensors(torchFile);
    const first = join(temp, 'first.safetensors');
    const second = join(temp, 'second.safetensors');
    await saveModel(model, first, { metadata: { note: 'round trip' } });
    const file = await loadSafetensors(first);
    expect(file.metadata.format).toBe('pt');
    expect(file.metadata.note).toBe('round trip');
    expect(JSON.parse(file.metadata[ARCH_METADATA_KEY])).toEqual(MLP_BN);
    const loaded = await loadModel(first);
    expect(loaded.arch).toEqual(model.arch);
    expect(loaded.batchesTracked).toEqual(model.batchesTracked);
    expect(Buffer.from(loaded.params.buffer).equals(Buffer.from(model.params.buffer))).toBe(true);
    await saveModel(loaded, second, { metadata: { note: 'round trip' } });
    expect((await readFile(second)).equals(await readFile(first))).toBe(true);
  });

  it('the browser-safe bytes API round trips a convnet through its stored arch', () => {
    const arch: Arch = {
      input: [2, 6, 6], classes: 3,
      layers: [{ type: 'conv2d', out: 3, kernel: 3, bias: false }, { type: 'batchnorm', eps: 1e-3, momentum: 0.2 }, { type: 'relu' },
        { type: 'maxpool', kernel: 2 }, { type: 'flatten' }, { type: 'dense', out: 3 }],
    };
    const params = initParams(compileArch(arch), { seed: 5 });
    const bytes = serializeModel({ arch, params, batchesTracked: { '1.num_batches_tracked': 12 } });
    const back = parseModel(bytes, { name: 'convnet.safetensors' });
    expect(back.arch).toEqual(arch);
    expect(back.batchesTracked).toEqual({ '1.num_batches_tracked': 12 });
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(params.buffer))).toBe(true);
  });

  it('an explicit arch wins over the stored one', () => {
    const arch = mlp({ input: 4, hidden: [3], classes: 2, batchNorm: true });
    const bytes = serializeModel({ arch, params: initParams(compileArch(arch), { seed: 1 }) });
    // Same tensors, a different eps: a state_dict cannot tell them apart, only the caller can.
    const explicit: Arch = { ...arch, layers: arch.layers.map((l) => (l.type === 'batchnorm' ? { ...l, eps: 1e-3 } : l)) };
    expect(parseModel(bytes).arch).toEqual(arch);
    expect(parseModel(bytes, { arch: explicit }).arch).toBe(explicit);
  });

  describe('MLP inference from names and shapes', () => {
    it('reads Linear, BatchNorm1d and the ReLU indices between them', () => {
      const file = fileOf(stateDict([['0.weight', [5, 4]], ['0.bias', [5]], ['2.weight', [3, 5]], ['2.bias', [3]]]));
      expect(inferMlpArch(file)).toEqual(mlp({ input: 4, hidden: [5], classes: 3 }));
    });

    it('puts the ReLU where the indices say (ReLU before BatchNorm), and reads bias-free and affine-free modules', () => {
      const file = fileOf(stateDict([
        ['0.weight', [5, 4]], ['2.running_mean', [5]], ['2.running_var', [5]], ['2.num_batches_tracked', []], ['3.weight', [3, 5]], ['3.bias', [3]],
      ]));
      expect(inferMlpArch(file).layers).toEqual([
        { type: 'dense', out: 5, bias: false }, { type: 'relu' }, { type: 'batchnorm', affine: false }, { type: 'dense', out: 3 },
      ]);
      expect(modelFromTensors(file).params.length).toBe(compileArch(inferMlpArch(file)).totalLength);
    });

    it('reads a leading nn.Flatten() as a flatten layer', () => {
      const file = fileOf(stateDict([['1.weight', [5, 4]], ['1.bias', [5]], ['3.weight', [3, 5]], ['3.bias', [3]]]));
      expect(inferMlpArch(file).layers).toEqual([{ type: 'flatten' }, { type: 'dense', out: 5 }, { type: 'relu' }, { type: 'dense', out: 3 }]);
    });

    it('UNKNOWN_ARCH, advising to pass arch, for what it cannot infer', async () => {
      // Inferred as a CNN on a guessed 1x28x28 input (the fixture's is 1x12x12): the Linear's width says no.
      await expectCodeAsync(() => loadModel(`${dir}convnet.safetensors`), 'UNKNOWN_ARCH', 'convnet.safetensors', 'module 8 takes 24 features', 'pass { arch }');
      const cases: Array<[Array<[string, number[]]>, string]> = [
        [[['encoder.blocks.0.attn.weight', [5, 4]]], '"encoder.blocks.0.attn.weight"'],
        [[['0.weight', [5, 4]], ['4.weight', [3, 5]]], 'indices 1..3'],
        [[['0.weight', [5, 4]], ['1.weight', [3, 4]]], 'module 1 takes 4 features'],
        [[['2.weight', [5, 4]]], 'indices 0..1'],
        [[['0.weight', [5, 4]], ['1.running_mean', [5]], ['1.running_var', [5]]], 'last module (1)'],
        [[['0.weight', [5]]], 'module 0'],
        [[], 'no tensors'],
      ];
      for (const [entries, mention] of cases) expectCode(() => modelFromTensors(fileOf(stateDict(entries))), 'UNKNOWN_ARCH', 'test.safetensors', mention);
    });
  });

  describe('malformed models get their codes, naming file and tensor', () => {
    const edit = (fn: (t: Map<string, TensorInput>) => void, metadata: Record<string, string> = {}) => {
      const tensors = tensorsOf(torchFile);
      fn(tensors);
      return fileOf(tensors, metadata, 'mlp-bn.safetensors');
    };

    it('missing tensor', () => {
      expectCode(() => modelFromTensors(edit((t) => t.delete('4.running_var')), { arch: MLP_BN }), 'MISSING_TENSOR', 'mlp-bn.safetensors', '"4.running_var"');
      expectCode(() => modelFromTensors(edit((t) => t.delete('1.num_batches_tracked'))), 'MISSING_TENSOR', '"1.num_batches_tracked"');
      // Inference reads a BatchNorm only with both running statistics.
      expectCode(() => modelFromTensors(edit((t) => t.delete('4.running_var'))), 'UNKNOWN_ARCH', 'module 4');
    });

    it('extra tensor', () => {
      const file = edit((t) => t.set('7.weight', { shape: [2], data: new Float32Array(2) }));
      expectCode(() => modelFromTensors(file, { arch: MLP_BN }), 'UNEXPECTED_TENSOR', 'mlp-bn.safetensors', '"7.weight"');
    });

    it('wrong shape', () => {
      const file = edit((t) => t.set('3.weight', { shape: [16, 31], data: new Float32Array(16 * 31) }));
      expectCode(() => modelFromTensors(file, { arch: MLP_BN }), 'BAD_SHAPE', 'mlp-bn.safetensors', '"3.weight"', '[16, 31]', '[16, 32]');
      expectCode(() => modelFromTensors(file), 'UNKNOWN_ARCH', 'module 3 takes 31 features but receives [32]');
      const flat = edit((t) => t.set('1.running_mean', { shape: [1, 32], data: new Float32Array(32) }));
      expectCode(() => modelFromTensors(flat, { arch: MLP_BN }), 'BAD_SHAPE', '"1.running_mean"');
    });

    it('NaN weight: NON_FINITE from the reader and from modelFromTensors, loadable with allowNonFinite', async () => {
      const file = edit((t) => (t.get('0.weight')!.data as Float32Array)[7] = NaN);
      expectCode(() => modelFromTensors(file), 'NON_FINITE', 'mlp-bn.safetensors', '"0.weight"', 'element 7');
      const bytes = serializeSafetensors(tensorsOf(file), { allowNonFinite: true });
      expectCode(() => parseModel(bytes, { name: 'nan.safetensors' }), 'NON_FINITE', 'nan.safetensors', '"0.weight"');
      expect(Number.isNaN(parseModel(bytes, { allowNonFinite: true }).params[7])).toBe(true);
      // A model with NaN weights is not saved over a good file unless asked.
      const path = join(temp, 'good.safetensors');
      await saveModel(modelFromTensors(torchFile), path);
      const good = await readFile(path);
      await expectCodeAsync(() => saveModel(modelFromTensors(file, { allowNonFinite: true }), path), 'NON_FINITE', '"0.weight"');
      expect((await readFile(path)).equals(good)).toBe(true);
    });

    it('arch mismatch: an explicit arch, or a stored one, that does not fit the tensors', async () => {
      const wider = mlp({ input: 784, hidden: [64, 16], classes: 10, batchNorm: true });
      await expectCodeAsync(() => loadModel(`${dir}mlp-bn.safetensors`, { arch: wider }), 'BAD_SHAPE', 'mlp-bn.safetensors', '"0.weight"');
      const noBn = mlp({ input: 784, hidden: [32, 16], classes: 10 });
      await expectCodeAsync(() => loadModel(`${dir}mlp-bn.safetensors`, { arch: noBn }), 'MISSING_TENSOR', '"2.weight"', 'unexpected "1.num_batches_tracked"');
      await expectCodeAsync(() => loadModel(`${dir}mlp.safetensors`, { arch: MLP_BN }), 'MISSING_TENSOR', 'mlp.safetensors', '"1.weight"');
      const stored = edit(() => undefined, { [ARCH_METADATA_KEY]: JSON.stringify(wider) });
      expectCode(() => modelFromTensors(stored), 'BAD_SHAPE', '"0.weight"', 'pass { arch }');
      expect(modelFromTensors(stored, { arch: MLP_BN }).arch).toBe(MLP_BN);
      const broken = edit(() => undefined, { [ARCH_METADATA_KEY]: '{"input": [784], "layers": 3' });
      expectCode(() => modelFromTensors(broken), 'BAD_FILE', 'mlp-bn.safetensors', ARCH_METADATA_KEY);
      const invalid = edit(() => undefined, { [ARCH_METADATA_KEY]: JSON.stringify({ ...MLP_BN, layers: [{ type: 'lstm' }] }) });
      expectCode(() => modelFromTensors(invalid), 'BAD_FILE', 'not a valid architecture');
    });

    it('wrong dtypes: integer weights, float or negative counters', () => {
      const intWeights = edit((t) => t.set('0.bias', { dtype: 'I32', shape: [32], data: new Int32Array(32) }));
      expectCode(() => modelFromTensors(intWeights), 'BAD_FILE', '"0.bias"', 'I32');
      const floatCounter = edit((t) => t.set('1.num_batches_tracked', { shape: [], data: Float32Array.of(3) }));
      expectCode(() => modelFromTensors(floatCounter), 'BAD_FILE', '"1.num_batches_tracked"');
      const negative = edit((t) => t.set('1.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(-1n) }));
      expectCode(() => modelFromTensors(negative), 'BAD_FILE', '"1.num_batches_tracked"');
    });

    it('F16 and F64 weights load (converted to f32)', () => {
      const half = edit((t) => t.set('0.bias', { dtype: 'F16', shape: [32], data: new Float32Array(32).fill(0.5) }));
      const model = modelFromTensors(half);
      const offset = compileArch(model.arch).layout.find((e) => e.name === '0.bias')!.offset;
      expect(model.params[offset]).toBe(0.5);
    });

    it('a model whose θ does not fit its arch is not saved', async () => {
      const model = modelFromTensors(torchFile);
      await expectCodeAsync(() => saveModel({ arch: model.arch, params: model.params.subarray(1) }, join(temp, 'short.safetensors')), 'BAD_SHAPE');
      expectCode(() => modelToTensors({ ...model, batchesTracked: { '1.num_batches_tracked': -2 } }), 'BAD_ARGUMENT', '1.num_batches_tracked');
    });
  });

  it('cleans up', async () => {
    await rm(temp, { recursive: true, force: true });
  });
});
