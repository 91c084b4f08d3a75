/**
 * Fuzzing the safetensors parser: random bytes, byte-level mutations of valid files and field-level
 * mutations of valid headers must give a ModeconnError or a self-consistent result, never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { DTYPE_SIZE, parseSafetensors, type SafetensorsDtype } from '../../ts/io/safetensors.js';
import { serializeSafetensors, type TensorInput } from '../../ts/io/safetensors-write.js';
import { assemble } from './helpers.js';

const RUNS = 300;

/** Parses and checks the result's invariants; a ModeconnError counts as a valid outcome. */
function parseOrTypedError(bytes: Uint8Array): void {
  let file;
  try {
    file = parseSafetensors(bytes, { name: 'fuzz', maxHeaderBytes: 1 << 20 });
  } catch (e) {
    if (!(e instanceof ModeconnError)) throw e;
    expect(e.message.startsWith('fuzz')).toBe(true);
    return;
  }
  let bytesUsed = 0;
  for (const t of file.tensors.values()) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    expect(t.data.length).toBe(count);
    bytesUsed += count * DTYPE_SIZE[t.dtype];
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  expect(bytesUsed).toBe(bytes.length - 8 - headerLength);
}

const dtypes: SafetensorsDtype[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'U8', 'BOOL'];

const tensorArb = fc.record({
  dtype: fc.constantFrom(...dtypes),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
});

const validFileArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__metadata__'), tensorArb, { maxKeys: 4 }).map((spec) => {
  const tensors: Record<string, TensorInput> = {};
  for (const [name, { dtype, shape }] of Object.entries(spec)) {
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: count }, (_, i) => (dtype === 'BOOL' ? i % 2 : i % 7));
    Object.defineProperty(tensors, name, { value: { dtype, shape, data }, enumerable: true });
  }
  return serializeSafetensors(tensors, { metadata: { format: 'pt' } });
});

type Mutation = { kind: 'flip'; at: number; value: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; value: number } | { kind: 'length'; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.nat({ max: 4096 }), fc.constant(2 ** 32 - 1), fc.constant(2 ** 53 - 1)) }),
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
    if (m.kind === 'length' && out.length >= 8) {
      const view = new DataView(out.buffer);
      view.setUint32(0, m.value % 2 ** 32, true);
      view.setUint32(4, Math.floor(m.value / 2 ** 32), true);
    }
  }
  return out;
}

const jsonValueArb = fc.oneof(
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(2 ** 53, 1e308, 0.5, -0, null, true, 'F32', 'X', '', [], {}, [0], [0, 8], [8, 0], [-1, 2], [1, 2, 3], [2 ** 31, 2 ** 31], [2, 2 ** 62]),
  fc.array(fc.integer({ min: -1, max: 20 }), { maxLength: 4 }),
);

describe('safetensors parser fuzzing', () => {
  it('random bytes give a typed error or a valid result', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => parseOrTypedError(bytes)), { numRuns: RUNS });
  });

  it('random headers with a consistent length prefix', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 }), (header, data) => parseOrTypedError(assemble(header, data))),
      { numRuns: RUNS },
    );
  });

  it('byte-level mutations of valid files', () => {
    fc.assert(
      fc.property(validFileArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (file, mutations) => {
        expect(parseSafetensors(file).tensors.size).toBeGreaterThanOrEqual(0); // the unmutated file is valid
        parseOrTypedError(mutate(file, mutations));
      }),
      { numRuns: RUNS },
    );
  });

  it('field-level mutations of valid headers', () => {
    fc.assert(
      fc.property(validFileArb, fc.nat(), fc.constantFrom('dtype', 'shape', 'data_offsets', 'entry', '__metadata__'), jsonValueArb, (file, pick, field, value) => {
        const n = new DataView(file.buffer).getUint32(0, true);
        const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
        const names = Object.keys(header).filter((k) => k !== '__metadata__');
        if (field === '__metadata__') header.__metadata__ = value as never;
        else if (names.length > 0) {
          const name = names[pick % names.length];
          if (field === 'entry') header[name] = value as never;
          else header[name][field] = value;
        }
        parseOrTypedError(assemble(header, file.subarray(8 + n)));
      }),
      { numRuns: RUNS },
    );
  });
});
