// Malformed and unsupported ONNX files: each gives a ModeconnError with the right code and a message
// that names the file and what is wrong (node, op, tensor), never a protobuf or JS error.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ModeconnError, type ErrorCode } from '../../ts/errors.js';
import { parseOnnx, serializeOnnx } from '../../ts/io/onnx.js';
import { loadOnnxCodec, type OnnxAttributeMsg, type OnnxGraphMsg, type OnnxModelMsg, type OnnxNodeMsg, type OnnxTensorMsg } from '../../ts/io/onnx-schema.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';

const ARCH = mlp({ input: 4, hidden: [3], classes: 2 }); // Gemm "/0/Gemm", Relu "/1/Relu", Gemm "/2/Gemm" → logits
const MODEL = { arch: ARCH, params: initParams(compileArch(ARCH), { seed: 3 }) };

/** The model's bytes after `edit` breaks one thing in its decoded ModelProto. */
async function bytesOf(edit: (m: OnnxModelMsg & { graph: OnnxGraphMsg }) => void): Promise<Uint8Array> {
  const codec = await loadOnnxCodec();
  const message = codec.decode(await serializeOnnx(MODEL)) as OnnxModelMsg & { graph: OnnxGraphMsg };
  edit(message);
  return codec.encode(message);
}

/** A node or attribute as the encoder accepts it (fields left out are absent). */
const nodeMsg = (n: Partial<OnnxNodeMsg>) => ({ input: [], output: [], attribute: [], domain: '', ...n }) as OnnxNodeMsg;
const attrMsg = (a: Partial<OnnxAttributeMsg>) => a as OnnxAttributeMsg;

async function expectError(bytes: Uint8Array, code: ErrorCode, ...mentions: string[]): Promise<ModeconnError> {
  const error = await parseOnnx(bytes, { name: 'bad.onnx' }).then(() => undefined, (e: unknown) => e);
  expect(error, 'expected a rejection').toBeInstanceOf(ModeconnError);
  const e = error as ModeconnError;
  expect(e.code, e.message).toBe(code);
  expect(e.message.startsWith('bad.onnx')).toBe(true);
  for (const m of mentions) expect(e.message).toContain(m);
  return e;
}

const node = (m: { graph: OnnxGraphMsg }, name: string): OnnxNodeMsg => m.graph.node.find((n) => n.name === name)!;
const init = (m: { graph: OnnxGraphMsg }, name: string): OnnxTensorMsg => m.graph.initializer.find((t) => t.name === name)!;

describe('ONNX errors', () => {
  it('the unbroken file imports (the edits below are what breaks them)', async () => {
    expect((await parseOnnx(await bytesOf(() => undefined))).arch).toEqual(ARCH);
  });

  it('truncated, empty and non-ONNX bytes are BAD_FILE', async () => {
    const bytes = await serializeOnnx(MODEL);
    for (const cut of [1, 7, bytes.length >> 1, bytes.length - 3]) await expectError(bytes.subarray(0, cut), 'BAD_FILE');
    await expectError(new Uint8Array(0), 'BAD_FILE', 'empty');
    const safetensors = await readFile(fileURLToPath(new URL('../fixtures/torch/mlp.safetensors', import.meta.url)));
    await expectError(safetensors, 'BAD_FILE');
  });

  it('an initialiser whose data disagrees with its dims is BAD_FILE naming it', async () => {
    const bytes = await bytesOf((m) => { init(m, '0.weight').rawData = init(m, '0.weight').rawData.subarray(4); });
    await expectError(bytes, 'BAD_FILE', 'initialiser "0.weight"', '[3, 4]', '44 bytes');
  });

  it('an initialiser of the wrong shape for its layer is BAD_SHAPE naming the node', async () => {
    const bytes = await bytesOf((m) => {
      const t = init(m, '2.weight');
      t.dims = [2, 4];
      t.rawData = new Uint8Array(32);
    });
    await expectError(bytes, 'BAD_SHAPE', 'Gemm node "/2/Gemm"', '"2.weight"', '[2, 4]', '3 input features');
  });

  it('an unsupported op is UNSUPPORTED_OP naming the node, the op and the supported list', async () => {
    const bytes = await bytesOf((m) => {
      node(m, '/2/Gemm').output = ['scores'];
      m.graph.node.push(nodeMsg({ name: '/softmax', opType: 'Softmax', input: ['scores'], output: ['logits'] }));
    });
    const e = await expectError(bytes, 'UNSUPPORTED_OP', 'Softmax node "/softmax"', 'op Softmax is not supported');
    expect(e.advice).toContain('Gemm, MatMul, Add, Conv, BatchNormalization');
  });

  it('unsupported attributes are UNSUPPORTED_OP naming them', async () => {
    await expectError(await bytesOf((m) => node(m, '/0/Gemm').attribute.push(attrMsg({ name: 'alpha', type: 1, f: 2 }))), 'UNSUPPORTED_OP', '/0/Gemm', 'alpha = 2');
    await expectError(await bytesOf((m) => { m.opsetImport[0].version = 5; }), 'UNSUPPORTED_OP', 'opset 5');
  });

  it('a node reading an undefined value is BAD_FILE naming both', async () => {
    const bytes = await bytesOf((m) => { node(m, '/1/Relu').input = ['nowhere']; });
    await expectError(bytes, 'BAD_FILE', 'Relu node "/1/Relu"', '"nowhere"');
  });

  it('structural problems: two inputs, no graph, external data, a dead end, a three-way fork', async () => {
    await expectError(await bytesOf((m) => m.graph.input.push({ name: 'extra', type: m.graph.input[0].type })), 'BAD_FILE', '2 inputs');
    await expectError(await bytesOf((m) => { (m as OnnxModelMsg).graph = null; }), 'BAD_FILE', 'no graph');
    await expectError(await bytesOf((m) => { init(m, '0.bias').dataLocation = 1; }), 'NOT_SUPPORTED', '"0.bias"', 'external');
    await expectError(await bytesOf((m) => { m.graph.output[0].name = '/1/Relu_output_0'; }), 'UNSUPPORTED_OP', '/2/Gemm', 'not on the path');
    const fork = await bytesOf((m) => {
      for (const k of [1, 2]) m.graph.node.push(nodeMsg({ name: `/side${k}`, opType: 'Relu', input: ['/0/Gemm_output_0'], output: [`side${k}`] }));
    });
    await expectError(fork, 'UNSUPPORTED_OP', 'read by 3 nodes');
  });

  it('non-finite weights are NON_FINITE unless allowed', async () => {
    const bytes = await bytesOf((m) => { new DataView(init(m, '0.bias').rawData.buffer, init(m, '0.bias').rawData.byteOffset).setFloat32(4, NaN, true); });
    await expectError(bytes, 'NON_FINITE', '"0.bias"', 'element 1');
    const model = await parseOnnx(bytes, { allowNonFinite: true });
    expect(Number.isNaN(model.params[compileArch(ARCH).layout.find((e) => e.name === '0.bias')!.offset + 1])).toBe(true);
  });
});
