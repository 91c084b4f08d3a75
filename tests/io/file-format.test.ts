// Files that are not safetensors, as users hand them over: real torch.save checkpoints (zip and
// legacy pickle, made by tests/fixtures/foreign/make-fixtures.py) and other formats' magic bytes
// get BAD_FILE "not a safetensors file" saying what they are and how to convert; real safetensors
// files (with headers whose length bytes look like a magic number) are still read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectModelFormat } from '../../ts/io/file-format.js';
import { parseSafetensors } from '../../ts/io/safetensors.js';
import { loadModel } from '../../ts/io/model-files.js';
import { loadSafetensors } from '../../ts/io/safetensors-files.js';
import { assemble, expectCode, expectCodeAsync, f32Bytes } from './helpers.js';

const fixture = (name: string) => new URL(`../fixtures/foreign/${name}`, import.meta.url);
const bytes = (...values: number[]) => Uint8Array.from([...values, ...new Array(64).fill(0)]);

describe('detectModelFormat', () => {
  it('tells torch.save files, zip, pickle, NumPy, HDF5 and gzip from safetensors', () => {
    expect(detectModelFormat(readFileSync(fixture('state-dict.pt')))).toBe('pytorch-zip');
    expect(detectModelFormat(readFileSync(fixture('state-dict-legacy.pt')))).toBe('pytorch-legacy');
    expect(detectModelFormat(readFileSync(new URL('../fixtures/safetensors/reference.safetensors', import.meta.url)))).toBe('safetensors');
    expect(detectModelFormat(bytes(0x50, 0x4b, 0x03, 0x04))).toBe('zip');
    expect(detectModelFormat(bytes(0x80, 0x04, 0x95))).toBe('pickle');
    expect(detectModelFormat(bytes(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0))).toBe('numpy');
    expect(detectModelFormat(bytes(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a))).toBe('hdf5');
    expect(detectModelFormat(bytes(0x1f, 0x8b, 8))).toBe('gzip');
    expect(detectModelFormat(bytes(1, 2, 3))).toBe('unknown');
  });

  it('reads a safetensors file whose header length starts like pickle or gzip', () => {
    const header = (pad: number) => ({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, __metadata__: { pad: ' '.repeat(pad) } });
    for (const [lo, hi] of [[0x80, 0x02], [0x1f, 0x8b], [0x50, 0x4b]]) {
      const length = lo + 256 * hi;
      const file = assemble(header(length - JSON.stringify(header(0)).length), f32Bytes([2]));
      expect([file[0], file[1]]).toEqual([lo, hi]);
      expect(detectModelFormat(file)).toBe('safetensors');
      expect(parseSafetensors(file).tensors.get('w')?.data).toEqual(new Float32Array([2]));
    }
  });
});

describe('not a safetensors file', () => {
  it('names a zip .pt checkpoint and gives the conversion', () => {
    const error = expectCode(() => parseSafetensors(readFileSync(fixture('state-dict.pt')), { name: 'model.pt' }), 'BAD_FILE', 'model.pt', 'not a safetensors file', 'PyTorch checkpoint', 'zip');
    expect(error.message).toContain('save_file(torch.load(');
    expect(error.message).not.toMatch(/header/i);
  });

  it('names a legacy pickle checkpoint, and loadSafetensors says the same for a path; loadModel reads both', async () => {
    expectCode(() => parseSafetensors(readFileSync(fixture('state-dict-legacy.pt'))), 'BAD_FILE', 'not a safetensors file', 'legacy pickle');
    const path = decodeURIComponent(fixture('state-dict.pt').pathname);
    const error = await expectCodeAsync(() => loadSafetensors(path), 'BAD_FILE', path, 'not a safetensors file');
    expect(error.message).toContain('loadModel');
    for (const name of ['state-dict.pt', 'state-dict-legacy.pt']) {
      const model = await loadModel(decodeURIComponent(fixture(name).pathname));
      expect(Array.from(model.params)).toEqual([0, 1, 2, 3, 4, 5, 0, 0]);
    }
  });

  it('names NumPy and HDF5 files', () => {
    expectCode(() => parseSafetensors(bytes(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0)), 'BAD_FILE', 'not a safetensors file', 'NumPy');
    expectCode(() => parseSafetensors(bytes(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a)), 'BAD_FILE', 'not a safetensors file', 'HDF5');
  });
});
