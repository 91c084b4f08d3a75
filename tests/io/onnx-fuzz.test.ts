/**
 * Fuzzing the ONNX importer (fixed seed): byte-level mutations of real files (PyTorch exports and
 * modeconn's own) and graph-level edits of decoded models (op types, inputs, attributes, dims) give a
 * model whose θ fits its arch, or a ModeconnError naming the file; never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ModeconnError } from '../../ts/errors.js';
import { parseOnnx, serializeOnnx } from '../../ts/io/onnx.js';
import { loadOnnxCodec, type OnnxAttributeMsg, type OnnxModelMsg } from '../../ts/io/onnx-schema.js';
import { resnet } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';

const SEED = 20261203;
const RUNS = 250;
const dir = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));

/** Parses; a ModeconnError naming the file is a valid outcome, and so is a model whose θ fits its arch. */
async function parseOrTypedError(bytes: Uint8Array): Promise<void> {
  try {
    const model = await parseOnnx(bytes, { name: 'fuzz.onnx', allowNonFinite: true });
    expect(model.params.length).toBe(compileArch(model.arch).totalLength);
  } catch (e) {
    if (!(e instanceof ModeconnError)) throw e;
    expect(e.message.startsWith('fuzz.onnx')).toBe(true);
  }
}

type Mutation = { kind: 'set'; at: number; value: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; value: number } | { kind: 'delete'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'set' && out.length > 0) out[m.at % out.length] = m.value;
    if (m.kind === 'truncate') out = out.slice(0, at);
    if (m.kind === 'insert') out = Uint8Array.from([...out.subarray(0, at), m.value, ...out.subarray(at)]);
    if (m.kind === 'delete') out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + 1)]);
  }
  return out;
}

const OPS = ['Conv', 'Gemm', 'MatMul', 'Add', 'Relu', 'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Flatten',
  'Reshape', 'Pad', 'Dropout', 'Identity', 'Shape', 'Gather', 'Concat', 'Unsqueeze', 'Transpose', 'Constant', 'Softmax'];

type Edit =
  | { kind: 'op'; node: number; op: string }
  | { kind: 'input'; node: number; slot: number; from: number }
  | { kind: 'ints'; node: number; attr: number; values: number[] }
  | { kind: 'dims'; tensor: number; dims: number[] }
  | { kind: 'drop'; node: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('op' as const), node: fc.nat(), op: fc.constantFrom(...OPS) }),
  fc.record({ kind: fc.constant('input' as const), node: fc.nat(), slot: fc.nat({ max: 4 }), from: fc.nat() }),
  fc.record({ kind: fc.constant('ints' as const), node: fc.nat(), attr: fc.nat(), values: fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('dims' as const), tensor: fc.nat(), dims: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('drop' as const), node: fc.nat() }),
);

function applyEdit(model: OnnxModelMsg, e: Edit): void {
  const graph = model.graph!;
  const nodes = graph.node;
  const values = [...nodes.flatMap((n) => n.output), ...graph.initializer.map((t) => t.name), 'input', 'missing'];
  if (nodes.length === 0) return;
  const node = nodes[e.kind === 'dims' ? 0 : e.node % nodes.length];
  if (e.kind === 'op') node.opType = e.op;
  if (e.kind === 'input') node.input[e.slot % (node.input.length + 1)] = values[e.from % values.length];
  if (e.kind === 'ints' && node.attribute.length > 0) Object.assign(node.attribute[e.attr % node.attribute.length], { type: 7, ints: e.values } satisfies Partial<OnnxAttributeMsg>);
  if (e.kind === 'dims') graph.initializer[e.tensor % graph.initializer.length].dims = e.dims;
  if (e.kind === 'drop') nodes.splice(e.node % nodes.length, 1);
}

describe('ONNX importer fuzzing', async () => {
  const arch = resnet({ input: [3, 6, 6], width: 2, blocks: [1, 1], classes: 3 });
  // Plain Uint8Array copies: a Buffer's slice() is a view, and mutations must not reach the original.
  const files: Record<string, Uint8Array> = {
    'resnet.onnx (PyTorch, folded)': new Uint8Array(await readFile(`${dir}resnet.onnx`)),
    'convnet-bn.onnx (PyTorch, BatchNorm kept)': new Uint8Array(await readFile(`${dir}convnet-bn.onnx`)),
    'a modeconn resnet': await serializeOnnx({ arch, params: initParams(compileArch(arch), { seed: 1 }) }),
  };
  const codec = await loadOnnxCodec();

  for (const [label, bytes] of Object.entries(files)) {
    it(`byte-level mutations of ${label}`, async () => {
      await parseOnnx(bytes); // the unmutated file imports
      await fc.assert(fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (m) => parseOrTypedError(mutate(bytes, m))), { seed: SEED, numRuns: RUNS });
    });

    it(`graph-level edits of ${label}`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(editArb, { minLength: 1, maxLength: 3 }), async (edits) => {
        const model = codec.decode(bytes);
        for (const e of edits) applyEdit(model, e);
        await parseOrTypedError(codec.encode(model));
      }), { seed: SEED, numRuns: RUNS });
    });
  }
});
