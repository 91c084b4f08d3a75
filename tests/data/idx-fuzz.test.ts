/**
 * Fuzzing the IDX reader: random bytes and mutated valid files (raw and gzip) must give a
 * ModeconnError or a self-consistent result, never another exception or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { decodeIdx, loadIdx, parseIdx, type IdxArray } from '../../ts/data/idx.js';
import { gzip, makeIdx } from './idx-helpers.js';

const RUNS = 300;

function checkArray(a: IdxArray): void {
  expect(a.data.length).toBe(a.dims.reduce((p, d) => p * d, 1));
}

function typedOrThrow(e: unknown): void {
  if (!(e instanceof ModeconnError)) throw e;
}

const dtypeArb = fc.constantFrom('u8', 'i8', 'i16', 'i32', 'f32', 'f64') as fc.Arbitrary<'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64'>;

const validArb = fc.tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 })).map(([dtype, dims]) => {
  const count = dims.reduce((a, b) => a * b, 1);
  return makeIdx(dtype, dims, Array.from({ length: count }, (_, i) => i % 100));
});

const editsArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'add')), { minLength: 1, maxLength: 4 });

function mutate(bytes: Uint8Array, edits: [number, number, string][]): Uint8Array {
  let out = bytes.slice();
  for (const [at, value, kind] of edits) {
    const i = at % (out.length + 1);
    if (kind === 'set' && i < out.length) out[i] = value;
    if (kind === 'cut') out = out.slice(0, i);
    if (kind === 'add') out = Uint8Array.from([...out.subarray(0, i), value, ...out.subarray(i)]);
  }
  return out;
}

describe('IDX parser fuzzing', () => {
  it('random bytes (raw)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        try {
          checkArray(parseIdx(bytes, 'fuzz'));
        } catch (e) {
          typedOrThrow(e);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes behind a gzip magic', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 128 }), async (tail) => {
        try {
          checkArray(await decodeIdx(Uint8Array.from([0x1f, 0x8b, ...tail]), 'fuzz', 1 << 16));
        } catch (e) {
          typedOrThrow(e);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid files, raw and gzip, as images and labels', async () => {
    await fc.assert(
      fc.asyncProperty(validArb, editsArb, fc.boolean(), async (file, edits, compressed) => {
        checkArray(parseIdx(file, 'valid'));
        const mutated = mutate(compressed ? gzip(file) : file, edits);
        try {
          checkArray(await decodeIdx(mutated, 'fuzz', 1 << 16));
        } catch (e) {
          typedOrThrow(e);
        }
        try {
          const data = await loadIdx(mutated, makeIdx('u8', [2], [0, 1]), { maxBytes: 1 << 16 });
          expect(data.x.length).toBe(data.n * data.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          typedOrThrow(e);
        }
      }),
      { numRuns: RUNS },
    );
  }, 30_000);
});
