// compileArch: PyTorch state_dict names and shapes, θ order, ReLU folding, buffers, and the
// words ↔ ops round trip; shape-inference errors name the layer.
import { describe, expect, it } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { type Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch, decodePlan } from '../../ts/model/compile.js';
import { NONE, PLAN_MAGIC, encodePlan } from '../../ts/model/plan-format.js';

/** name → shape, in the order given. */
const shapes = (c: { layout: { name: string; shape: number[] }[] }) => c.layout.map((e) => [e.name, e.shape]);

function expectError(f: () => unknown, code: string, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModeconnError);
    expect((e as ModeconnError).code).toBe(code);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an error');
}

describe('compileArch layouts', () => {
  it('mlp 784-[512,512]-10 with BatchNorm has the names and shapes of PyTorch', () => {
    // nn.Sequential(Linear(784,512), BatchNorm1d(512), ReLU(), Linear(512,512), BatchNorm1d(512), ReLU(), Linear(512,10))
    const pytorch: Array<[string, number[]]> = [
      ['0.weight', [512, 784]], ['0.bias', [512]],
      ['1.weight', [512]], ['1.bias', [512]], ['1.running_mean', [512]], ['1.running_var', [512]], ['1.num_batches_tracked', []],
      ['3.weight', [512, 512]], ['3.bias', [512]],
      ['4.weight', [512]], ['4.bias', [512]], ['4.running_mean', [512]], ['4.running_var', [512]], ['4.num_batches_tracked', []],
      ['6.weight', [10, 512]], ['6.bias', [10]],
    ];
    const c = compileArch(mlp({ input: 784, hidden: [512, 512], classes: 10, batchNorm: true }));
    expect(new Map(shapes(c) as Array<[string, number[]]>)).toEqual(new Map(pytorch));
    // θ order: trainable tensors in module order, then the buffers in module order.
    expect(c.layout.map((e) => e.name)).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias', '4.weight', '4.bias', '6.weight', '6.bias',
      '1.running_mean', '1.running_var', '1.num_batches_tracked', '4.running_mean', '4.running_var', '4.num_batches_tracked',
    ]);
    const P = 784 * 512 + 512 + 2 * 512 + 512 * 512 + 512 + 2 * 512 + 5120 + 10;
    expect(c.paramCount).toBe(P);
    expect(c.totalLength).toBe(P + 4 * 512);
    let offset = 0;
    for (const e of c.layout) {
      if (e.kind === 'counter') {
        expect([e.offset, e.length]).toEqual([-1, 0]);
        continue;
      }
      expect(e.offset).toBe(offset);
      offset += e.length;
    }
    expect(c.layout.map((e) => e.layer)).toEqual([0, 0, 1, 1, 3, 3, 4, 4, 6, 6, 1, 1, 1, 4, 4, 4]);
    expect(c.inputSize).toBe(784);
    expect(c.classes).toBe(10);
  });

  it('folds each ReLU into the BatchNorm before it and gives flatten no buffer', () => {
    const c = compileArch(mlp({ input: [1, 28, 28], hidden: [32], classes: 10, batchNorm: true, dropout: 0.5 }));
    // 0 flatten, 1 Linear, 2 BN, 3 ReLU, 4 Dropout, 5 Linear
    expect(c.layout.map((e) => e.name)).toEqual(['1.weight', '1.bias', '2.weight', '2.bias', '5.weight', '5.bias', '2.running_mean', '2.running_var', '2.num_batches_tracked']);
    const plan = decodePlan(c.words);
    expect(plan.ops.map((o) => o.op)).toEqual(['dense', 'batchnorm', 'dropout', 'dense']);
    expect(plan.ops[0]).toMatchObject({ src: 0, dst: 1, in: 784, out: 32, w: 0, b: 784 * 32, act: 0 });
    expect(plan.ops[1]).toMatchObject({ src: 1, dst: 2, c: 32, s: 1, gamma: 784 * 32 + 32, act: 1 });
    expect(plan.ops[1]).toMatchObject({ mean: c.paramCount, var: c.paramCount + 32 });
    expect(plan.bufferSizes).toEqual([784, 32, 32, 32, 10]);
    expect(plan.outBuf).toBe(4);
    expect(c.bufferSizes).toEqual(plan.bufferSizes);
  });

  it('mlp without BatchNorm folds ReLU into dense', () => {
    const c = compileArch(mlp({ input: 4, hidden: [3], classes: 2 }));
    expect(shapes(c)).toEqual([['0.weight', [3, 4]], ['0.bias', [3]], ['2.weight', [2, 3]], ['2.bias', [2]]]);
    expect(c.paramCount).toBe(c.totalLength);
    const plan = decodePlan(c.words);
    expect(plan.ops.map((o) => [o.op, 'act' in o ? o.act : null])).toEqual([['dense', 1], ['dense', 0]]);
  });

  it('vgg for 28x28: conv weights [cOut, cIn, kh, kw], pooling halves, flatten into the classifier', () => {
    const c = compileArch(vgg({ input: [1, 28, 28], channels: [8, 'M', 16, 'M'], classes: 10, batchNorm: true }));
    // 0 conv, 1 bn, 2 relu, 3 pool, 4 conv, 5 bn, 6 relu, 7 pool, 8 flatten, 9 linear
    expect(new Map(shapes(c) as Array<[string, number[]]>)).toEqual(new Map<string, number[]>([
      ['0.weight', [8, 1, 3, 3]], ['0.bias', [8]], ['1.weight', [8]], ['1.bias', [8]],
      ['4.weight', [16, 8, 3, 3]], ['4.bias', [16]], ['5.weight', [16]], ['5.bias', [16]],
      ['9.weight', [10, 16 * 7 * 7]], ['9.bias', [10]],
      ['1.running_mean', [8]], ['1.running_var', [8]], ['1.num_batches_tracked', []],
      ['5.running_mean', [16]], ['5.running_var', [16]], ['5.num_batches_tracked', []],
    ]));
    const plan = decodePlan(c.words);
    expect(plan.ops.map((o) => o.op)).toEqual(['conv2d', 'batchnorm', 'maxpool', 'conv2d', 'batchnorm', 'maxpool', 'dense']);
    expect(plan.ops[1]).toMatchObject({ c: 8, s: 28 * 28, act: 1 });
    expect(plan.ops[2]).toMatchObject({ c: 8, h: 28, w: 28, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 });
    expect(plan.bufferSizes).toEqual([784, 8 * 784, 8 * 784, 8 * 196, 16 * 196, 16 * 196, 16 * 49, 10]);
  });

  it('vgg11 for 32x32 CIFAR has its 9,225,610 parameters', () => {
    const c = compileArch(vgg({ input: [3, 32, 32], channels: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'], classes: 10 }));
    expect(c.paramCount).toBe(9225610);
    expect(c.layout.at(-2)).toMatchObject({ name: '22.weight', shape: [10, 512] });
  });

  it('resnet: body/shortcut names, conv without bias, ADD with folded ReLU, global average pool', () => {
    const c = compileArch(resnet({ input: [3, 32, 32], width: 4, blocks: [1, 1], classes: 10 }));
    const names = c.layout.map((e) => e.name);
    // 0 conv, 1 bn, 2 relu, 3 block (identity), 4 relu, 5 block (projection), 6 relu, 7 avgpool, 8 flatten, 9 linear
    expect(names.slice(0, 3)).toEqual(['0.weight', '1.weight', '1.bias']);
    expect(names).toContain('3.body.0.weight');
    expect(names).toContain('3.body.4.bias');
    expect(names).not.toContain('3.shortcut.0.weight');
    expect(names).not.toContain('0.bias');
    expect(c.layout.find((e) => e.name === '5.body.0.weight')?.shape).toEqual([8, 4, 3, 3]);
    expect(c.layout.find((e) => e.name === '5.shortcut.0.weight')?.shape).toEqual([8, 4, 1, 1]);
    expect(c.layout.find((e) => e.name === '5.shortcut.1.running_var')?.layer).toBe(5);
    expect(c.layout.find((e) => e.name === '9.weight')?.shape).toEqual([10, 8]);
    const plan = decodePlan(c.words);
    const adds = plan.ops.filter((o) => o.op === 'add');
    expect(adds.map((a) => a.act)).toEqual([1, 1]);
    expect(plan.ops.find((o) => o.op === 'avgpool')).toMatchObject({ c: 8, h: 16, w: 16, kh: 16, kw: 16 });
    // The identity block adds the block input (the stem's output) to the body's output.
    const stemBn = plan.ops[1];
    expect(adds[0].src2).toBe(stemBn.dst);
  });
});

describe('plan words', () => {
  const arch: Arch = {
    input: [2, 6, 6], classes: 3,
    layers: [
      { type: 'conv2d', out: 4, kernel: 3, padding: 1 }, { type: 'relu' },
      { type: 'residual', body: [{ type: 'conv2d', out: 4, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm', affine: false, eps: 1e-3, momentum: 0.2 }] },
      { type: 'relu' }, { type: 'avgpool', kernel: 2 }, { type: 'maxpool', kernel: [3, 3], stride: 1, padding: 1 },
      { type: 'relu' }, { type: 'flatten' }, { type: 'dropout', p: 0.25 }, { type: 'dense', out: 3 },
    ],
  };

  it('round-trips through decode and encode, with NONE and f32 bit fields', () => {
    const c = compileArch(arch);
    expect(c.words[0]).toBe(PLAN_MAGIC);
    const plan = decodePlan(c.words);
    expect(encodePlan(plan)).toEqual(c.words);
    const bn = plan.ops.find((o) => o.op === 'batchnorm');
    expect(bn).toMatchObject({ gamma: null, beta: null, eps: Math.fround(1e-3), momentum: Math.fround(0.2) });
    expect(plan.ops.find((o) => o.op === 'dropout')).toMatchObject({ p: 0.25 });
    expect(plan.ops.map((o) => o.op)).toEqual(['conv2d', 'conv2d', 'batchnorm', 'add', 'avgpool', 'maxpool', 'relu', 'dropout', 'dense']);
    // b = NONE and the gamma/beta NONE words are in the encoded plan
    expect(Array.from(c.words).filter((w) => w === NONE).length).toBe(3);
    expect(c.layout.map((e) => e.name)).toEqual(['0.weight', '0.bias', '2.body.0.weight', '9.weight', '9.bias', '2.body.1.running_mean', '2.body.1.running_var', '2.body.1.num_batches_tracked']);
  });

  it('rejects foreign, truncated and inconsistent words with typed errors', () => {
    const words = compileArch(arch).words;
    const mutate = (i: number, v: number) => { const w = words.slice(); w[i] = v; return w; };
    expectError(() => decodePlan(words.subarray(0, 5)), 'BAD_SHAPE', /header/);
    expectError(() => decodePlan(mutate(0, 0x12345678)), 'BAD_ARGUMENT', /magic/);
    expectError(() => decodePlan(mutate(1, 2)), 'BAD_ARGUMENT', /version 2/);
    expectError(() => decodePlan(words.subarray(0, words.length - 1)), 'BAD_SHAPE', /past the end/);
    const longer = new Uint32Array(words.length + 1);
    longer.set(words);
    expectError(() => decodePlan(longer), 'BAD_SHAPE', /trailing/);
    const nBuffers = words[2];
    const firstOp = 8 + nBuffers;
    expectError(() => decodePlan(mutate(firstOp, 99)), 'BAD_ARGUMENT', /opcode 99/);
    expectError(() => decodePlan(mutate(firstOp + 1, 3)), 'BAD_SHAPE', /fields/);
    expectError(() => decodePlan(mutate(firstOp + 4, 3)), 'BAD_SHAPE', /op 0 \(conv2d\): src size/);
    expectError(() => decodePlan(mutate(4, 10)), 'BAD_SHAPE', /outside θ/);
    expectError(() => decodePlan(mutate(firstOp + 2, 5)), 'BAD_SHAPE', /before any op writes it/);
  });
});

describe('shape inference errors', () => {
  it('names the layer and the problem', () => {
    expectError(() => compileArch({ input: [1, 8, 8], classes: 2, layers: [{ type: 'dense', out: 2 }] }), 'BAD_SHAPE', /layer 0 \(dense\).*flatten/);
    expectError(() => compileArch({ input: [16], classes: 2, layers: [{ type: 'conv2d', out: 2, kernel: 3 }] }), 'BAD_SHAPE', /layer 0 \(conv2d\).*\[c, h, w\]/);
    expectError(() => compileArch({ input: [1, 4, 4], classes: 2, layers: [{ type: 'conv2d', out: 2, kernel: 5 }, { type: 'flatten' }, { type: 'dense', out: 2 }] }), 'BAD_SHAPE', /layer 0 \(conv2d\).*larger than/);
    expectError(() => compileArch({ input: [4], classes: 3, layers: [{ type: 'dense', out: 2 }] }), 'BAD_SHAPE', /\[2\].*\[3\]/);
    expectError(() => compileArch({ input: [1, 4, 4], classes: 2, layers: [{ type: 'maxpool', kernel: 2, padding: 2 }] }), 'BAD_SHAPE', /layer 0 \(maxpool\).*half/);
    expectError(() => compileArch({
      input: [2, 4, 4], classes: 2,
      layers: [{ type: 'residual', body: [{ type: 'conv2d', out: 3, kernel: 1 }] }, { type: 'flatten' }, { type: 'dense', out: 2 }],
    }), 'BAD_SHAPE', /layer 0 \(residual\).*\[3, 4, 4\].*\[2, 4, 4\]/);
    expectError(() => compileArch({
      input: [2, 4, 4], classes: 2,
      layers: [{ type: 'residual', body: [{ type: 'flatten' }, { type: 'conv2d', out: 2, kernel: 1 }] }],
    }), 'BAD_SHAPE', /layer 0\.body\.1 \(conv2d\)/);
  });

  it('rejects bad fields with BAD_ARGUMENT', () => {
    expectError(() => compileArch({ input: [4], classes: 2, layers: [{ type: 'dense', out: 0 }] }), 'BAD_ARGUMENT', /layer 0 \(dense\): out/);
    expectError(() => compileArch({ input: [4], classes: 2, layers: [{ type: 'dense', out: 2 }, { type: 'dropout', p: 1 }] }), 'BAD_ARGUMENT', /layer 1 \(dropout\): p/);
    expectError(() => compileArch({ input: [4], classes: 2, layers: [{ type: 'softmax' } as never] }), 'BAD_ARGUMENT', /layer 0 \(softmax\): unknown/);
    expectError(() => compileArch({ input: [4, 4], classes: 2, layers: [] }), 'BAD_ARGUMENT', /input/);
    expectError(() => compileArch({ input: [2], classes: 2, layers: [] }), 'BAD_ARGUMENT', /computes nothing|no layer/);
    expectError(() => compileArch({ input: [4], classes: 2, layers: [{ type: 'residual', body: [] }] }), 'BAD_ARGUMENT', /layer 0 \(residual\): body/);
    expectError(() => compileArch({ input: [4], classes: 2, layers: [{ type: 'batchnorm', momentum: 2 }] }), 'BAD_ARGUMENT', /momentum/);
    expectError(() => mlp({ input: 4, hidden: [0], classes: 2 }), 'BAD_ARGUMENT', /hidden\[0\]/);
  });

  it('arches are plain JSON', () => {
    const arch = resnet({ input: [1, 28, 28], width: 4, blocks: 1, classes: 10 });
    const again = JSON.parse(JSON.stringify(arch)) as Arch;
    expect(compileArch(again).words).toEqual(compileArch(arch).words);
  });
});
