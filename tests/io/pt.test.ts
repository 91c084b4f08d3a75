// The .pt reader on files torch 1.13 wrote (tests/fixtures/pt/make-pt-fixtures.py): every dtype,
// non-contiguous and offset views, shared storages, the legacy format, nested checkpoints and
// nn.Parameter values, compared with the values PyTorch listed in tensors.json.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePt } from '../../ts/io/pt.js';
import { tensorToFloat32 } from '../../ts/io/safetensors.js';
import { expectClose } from '../helpers/close.js';
import { expectCode } from './helpers.js';

const dir = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
const read = (file: string) => new Uint8Array(readFileSync(dir + file));
const expected = JSON.parse(readFileSync(dir + 'tensors.json', 'utf8')) as Record<string, { shape: number[]; values: number[] }>;

const DTYPES: Record<string, string> = { f32: 'F32', f16: 'F16', bf16: 'BF16', f64: 'F64', i64: 'I64', i32: 'I32', u8: 'U8', bool: 'BOOL' };

describe.each(['tensors.pt', 'tensors-legacy.pt'])('%s', (file) => {
  const pt = parsePt(read(file), { name: file });

  it('has every tensor, in order, with its shape and values', () => {
    expect(pt.format).toBe(file.includes('legacy') ? 'pt-legacy' : 'pt-zip');
    expect([...pt.tensors.keys()]).toEqual(Object.keys(expected));
    for (const [name, want] of Object.entries(expected)) {
      const t = pt.tensors.get(name)!;
      expect(t.shape, name).toEqual(want.shape);
      if (name === 'i64') expect(Array.from(t.data as BigInt64Array, Number)).toEqual(want.values);
      else if (name === 'bool') expect(Array.from(t.data as Uint8Array)).toEqual(want.values.map(Number));
      else expectClose(tensorToFloat32(t), want.values, { rtol: 0, atol: 0 });
      if (DTYPES[name]) expect(t.dtype, name).toBe(DTYPES[name]);
    }
  });

  it('copies views out of shared storages (no aliasing)', () => {
    const a = pt.tensors.get('shared_a')!.data as Float32Array;
    const b = pt.tensors.get('shared_b')!.data as Float32Array;
    expect(a[3]).toBe(b[0]);
    a[3] = -1;
    expect(b[0]).toBe(3);
  });
});

describe('checkpoints', () => {
  it('finds the state_dict under "state_dict" next to an optimizer state and says so', () => {
    const pt = parsePt(read('checkpoint.pt'), { name: 'checkpoint.pt' });
    expect(pt.key).toBe('state_dict');
    expect([...pt.tensors.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(pt.warnings.join()).toContain('"state_dict"');
  });

  it('takes an explicit key, and names the keys when none holds tensors', () => {
    expect(parsePt(read('checkpoint.pt'), { key: 'state_dict' }).tensors.size).toBe(4);
    expectCode(() => parsePt(read('checkpoint.pt'), { name: 'c.pt', key: 'optimizer' }), 'BAD_FILE', 'c.pt', '"optimizer"');
  });

  it('reads nn.Parameter values (_rebuild_parameter)', () => {
    const pt = parsePt(read('parameters.pt'));
    const ckpt = parsePt(read('checkpoint.pt'));
    expect([...pt.tensors.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expectClose(pt.tensors.get('2.weight')!.data as Float32Array, ckpt.tensors.get('2.weight')!.data as Float32Array, { rtol: 0, atol: 0 });
  });
});

describe('malicious pickles written by torch.save', () => {
  it.each([['evil-system.pt', 'posix.system'], ['evil-eval.pt', '__builtin__.eval']])('%s is refused, naming %s', (file, global) => {
    expectCode(() => parsePt(read(file), { name: file }), 'UNSAFE_PICKLE', file, global, 'allow-list');
  });
});
