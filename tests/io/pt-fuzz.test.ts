/**
 * Fuzzing the .pt reader (fixed seeds): random bytes, byte-level mutations of valid zip and legacy
 * files, and mutations of the pickle inside an intact zip must give a ModeconnError or a
 * self-consistent state_dict, never another exception; and writer → reader round trips exactly.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { parsePt } from '../../ts/io/pt.js';
import { serializePt } from '../../ts/io/pt-write.js';
import { readTorchZip } from '../../ts/io/pt-zip.js';
import { torchZip } from './pt-helpers.js';

const RUNS = 300;
const dir = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
const seeds = ['tensors.pt', 'tensors-legacy.pt', 'checkpoint.pt'].map((f) => new Uint8Array(readFileSync(dir + f)));
const pickle = readTorchZip(seeds[0], 'tensors.pt').entries.get('data.pkl')!;
const storages = Object.fromEntries([...readTorchZip(seeds[0], 'tensors.pt').entries].filter(([k]) => k.startsWith('data/')).map(([k, v]) => [k.slice(5), v]));

function parseOrTypedError(bytes: Uint8Array): void {
  let file;
  try {
    file = parsePt(bytes, { name: 'fuzz.pt', allowNonFinite: true });
  } catch (e) {
    if (!(e instanceof ModeconnError)) throw e;
    expect(e.message.startsWith('fuzz.pt')).toBe(true);
    return;
  }
  for (const t of file.tensors.values()) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    expect(t.data.length).toBe(count);
  }
}

type Mutation = { kind: 'flip'; at: number; value: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    if (m.kind === 'flip' && out.length > 0) out[m.at % out.length] = m.value;
    if (m.kind === 'truncate') out = out.slice(0, m.at % (out.length + 1));
    if (m.kind === 'insert') {
      const at = m.at % (out.length + 1);
      out = Uint8Array.from([...out.subarray(0, at), m.value, ...out.subarray(at)]);
    }
  }
  return out;
}

describe('.pt reader fuzzing', () => {
  it('random bytes (with zip and legacy magic prefixes)', () => {
    const prefix = fc.constantFrom(Uint8Array.of(), Uint8Array.of(0x50, 0x4b, 0x03, 0x04), Uint8Array.of(0x80, 0x02, 0x8a, 0x0a));
    fc.assert(fc.property(prefix, fc.uint8Array({ maxLength: 512 }), (p, rest) => parseOrTypedError(Uint8Array.from([...p, ...rest]))), { numRuns: RUNS, seed: 18 });
  });

  it('byte mutations of valid zip and legacy files', () => {
    fc.assert(fc.property(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (which, ms) => parseOrTypedError(mutate(seeds[which], ms))), { numRuns: RUNS, seed: 1818 });
  });

  it('mutations of the pickle inside an intact zip', () => {
    fc.assert(fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (ms) => parseOrTypedError(torchZip(mutate(pickle, ms), storages))), { numRuns: RUNS * 2, seed: 181818 });
  });

  it('the writer round trips any state_dict of F32 and I64 tensors exactly, in order', () => {
    const tensorArb = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return fc.float32Array({ minLength: n, maxLength: n, noNaN: true }).map((data) => ({ shape, data: data as Float32Array | BigInt64Array }));
      }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ shape: [] as number[], data: BigInt64Array.of(v) as Float32Array | BigInt64Array })),
    );
    const names = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(names.chain((ns) => fc.tuple(fc.constant(ns), fc.array(tensorArb, { minLength: ns.length, maxLength: ns.length }))), ([ns, ts]) => {
      const entries = ns.map((n, i): [string, (typeof ts)[number]] => [n, ts[i]]);
      const back = parsePt(serializePt(entries), { allowNonFinite: true });
      expect([...back.tensors.keys()]).toEqual(ns);
      entries.forEach(([n, t]) => {
        const got = back.tensors.get(n)!;
        expect(got.shape).toEqual(t.shape);
        expect(Array.from(got.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
      });
    }), { numRuns: 100, seed: 18 });
  });
});
