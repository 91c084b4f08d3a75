// CIFAR-10/100 binary files (tests/fixtures/cifar/make-cifar-fixtures.py): labels, pixel layout and
// normalisation against numpy's reading of the same bytes, directory forms, the CLI's --data spec,
// and typed errors for wrong sizes, labels and missing files.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDataSpec } from '../../ts/cli/data-spec.js';
import { parseCifar } from '../../ts/data/cifar.js';
import { loadCifar } from '../../ts/data/cifar-files.js';
import { expectCode, expectCodeAsync } from '../io/helpers.js';

const dir = fileURLToPath(new URL('../fixtures/cifar/', import.meta.url));
type Check = [number, number, number, number, number, number];
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Record<string, { n: number; checks: Check[]; labels?: number[]; coarse?: number[]; fine?: number[] }>;
const at = (i: number, c: number, h: number, w: number) => i * 3072 + c * 1024 + h * 32 + w;

describe('loadCifar', () => {
  for (const variant of [10, 100] as const) {
    for (const split of ['train', 'test'] as const) {
      const want = expected[`cifar${variant}-${split}`];
      it(`CIFAR-${variant} ${split}: labels, [n, 3, 32, 32] layout, byte / 255 and the standard normalisation`, async () => {
        const raw = await loadCifar({ dir, variant, split });
        const standard = await loadCifar({ dir, variant, split, normalize: 'standard' });
        expect(raw.n).toBe(want.n);
        expect(raw.shape).toEqual([3, 32, 32]);
        expect(raw.classes).toBe(variant);
        expect(Array.from(raw.y)).toEqual(variant === 10 ? want.labels : want.fine);
        for (const [i, c, h, w, value, normalized] of want.checks) {
          expect(raw.x[at(i, c, h, w)]).toBe(Math.fround(value));
          expect(Math.abs(standard.x[at(i, c, h, w)] - normalized)).toBeLessThan(1e-6);
        }
      });
    }
  }

  it('CIFAR-100 coarse labels (20 classes)', async () => {
    const coarse = await loadCifar({ dir, variant: 100, split: 'train', labels: 'coarse' });
    expect(coarse.classes).toBe(20);
    expect(Array.from(coarse.y)).toEqual(expected['cifar100-train'].coarse);
    expect(coarse.name).toBe('cifar100-coarse-train');
  });

  it('takes the archive folder itself as well as its parent', async () => {
    const inside = await loadCifar({ dir: join(dir, 'cifar-10-batches-bin'), split: 'test' });
    expect(inside.hash).toBe((await loadCifar({ dir, split: 'test' })).hash);
  });

  it('--data cifar10:<dir>, cifar100:<dir> and their options', async () => {
    const ten = parseDataSpec(`cifar10:${dir}`);
    expect((await ten.load('test')).n).toBe(4);
    const hundred = parseDataSpec(`cifar100:${dir},labels=coarse,normalize=standard`);
    const test = await hundred.load('test');
    expect([test.n, test.classes]).toEqual([3, 20]);
    expect(test.x[0]).not.toBe((await loadCifar({ dir, variant: 100, split: 'test' })).x[0]);
  });
});

describe('CIFAR errors', () => {
  const record = (label: number, variant: 10 | 100) => new Uint8Array(variant === 10 ? 3073 : 3074).fill(label, 0, variant === 10 ? 1 : 2);

  it('a size that is no whole number of records names the file and suggests the other variant', () => {
    expectCode(() => parseCifar([{ name: 'x.bin', bytes: new Uint8Array(3074) }], { variant: 10 }), 'BAD_FILE', 'x.bin', '3073-byte', 'CIFAR-100');
    expectCode(() => parseCifar([{ name: 'x.bin', bytes: new Uint8Array(0) }], { variant: 100 }), 'BAD_FILE', 'x.bin');
  });

  it('labels out of range, bad options', () => {
    expectCode(() => parseCifar([{ name: 'x.bin', bytes: record(10, 10) }], { variant: 10 }), 'BAD_FILE', 'x.bin', 'record 0', 'label 10');
    expectCode(() => parseCifar([{ name: 'y.bin', bytes: record(20, 100) }], { variant: 100, labels: 'coarse' }), 'BAD_FILE', 'coarse label 20');
    expectCode(() => parseCifar([{ name: 'x.bin', bytes: record(1, 10) }], { variant: 10, labels: 'coarse' }), 'BAD_ARGUMENT', 'no coarse');
    expectCode(() => parseCifar([{ name: 'x.bin', bytes: record(1, 10) }], { variant: 10, normalize: { mean: [0, 0, 0], std: [1, 0, 1] } as never }), 'BAD_ARGUMENT');
  });

  it('a missing file is DATA_UNAVAILABLE naming it and where to get CIFAR', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cifar-'));
    try {
      await writeFile(join(empty, 'data_batch_1.bin'), record(1, 10));
      await expectCodeAsync(() => loadCifar({ dir: empty }), 'DATA_UNAVAILABLE', 'data_batch_1.bin'.replace('1', '2'), 'cs.toronto.edu');
      await expectCodeAsync(() => loadCifar({ dir: empty, variant: 100, split: 'test' }), 'DATA_UNAVAILABLE', 'test.bin');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
