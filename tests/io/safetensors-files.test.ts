import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../ts/io/safetensors-files.js';
import { expectCodeAsync } from './helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modeconn-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const good = { '0.weight': { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }, '1.num_batches_tracked': { shape: [], data: new BigInt64Array([3n]) } };

describe('safetensors files (Node)', () => {
  it('saves and loads, naming the path in errors', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(good, path, { metadata: { format: 'pt' } });
    const file = await loadSafetensors(path);
    expect(file.name).toBe(path);
    expect(Array.from(file.tensors.get('0.weight')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(file.tensors.get('1.num_batches_tracked')!.data[0]).toBe(3n);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a save that fails leaves the old file intact and no temp file behind', async () => {
    const path = join(dir, 'keep.safetensors');
    await saveSafetensors(good, path);
    const before = await readFile(path);
    await expectCodeAsync(() => saveSafetensors({ w: { shape: [1], data: new Float32Array([NaN]) } }, path), 'NON_FINITE', path);
    expect((await readFile(path)).equals(before)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed rename (target is a directory) removes the temp file', async () => {
    const target = join(dir, 'occupied');
    await mkdir(join(target, 'child'), { recursive: true });
    await expectCodeAsync(() => saveSafetensors(good, target), 'IO_ERROR', target);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a missing file is IO_ERROR naming it', async () => {
    await expectCodeAsync(() => loadSafetensors(join(dir, 'nope.safetensors')), 'IO_ERROR', 'nope.safetensors');
  });

  it('a corrupt file on disk names the path', async () => {
    const path = join(dir, 'corrupt.safetensors');
    await writeFile(path, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0x7b]));
    await expectCodeAsync(() => loadSafetensors(path), 'BAD_FILE', path);
  });
});
