/**
 * JSON that gives back every number and typed array bit for bit. Finite numbers stay JSON numbers
 * (JS prints the shortest decimal that parses to the same double); NaN, ±Infinity and −0 become
 * {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}; Float32Array, Float64Array, Uint8Array,
 * Int32Array and Uint32Array become {"$f32" | "$f64" | "$u8" | "$i32" | "$u32": base64 of their
 * little-endian bytes}. Used by shard part files, whose numbers must merge into bit-identical reports.
 */
import { ModeconnError } from '../errors.js';

type Typed = Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array;

const TAGS = {
  $f32: { make: (n: number) => new Float32Array(n), bytes: 4, kind: 'f32' },
  $f64: { make: (n: number) => new Float64Array(n), bytes: 8, kind: 'f64' },
  $u8: { make: (n: number) => new Uint8Array(n), bytes: 1, kind: 'u8' },
  $i32: { make: (n: number) => new Int32Array(n), bytes: 4, kind: 'i32' },
  $u32: { make: (n: number) => new Uint32Array(n), bytes: 4, kind: 'u32' },
} as const;
type Tag = keyof typeof TAGS;

function tagOf(value: Typed): Tag {
  if (value instanceof Float32Array) return '$f32';
  if (value instanceof Float64Array) return '$f64';
  if (value instanceof Uint8Array) return '$u8';
  if (value instanceof Int32Array) return '$i32';
  return '$u32';
}

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The array's elements as little-endian bytes, whatever the host's byte order (NaN payloads kept: bytes are copied, not values). */
function littleEndian(value: Typed, tag: Tag): Uint8Array {
  const size = TAGS[tag].bytes;
  const out = new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.length * size));
  if (!HOST_LITTLE_ENDIAN && size > 1) for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string, where: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (cause) {
    throw new ModeconnError('BAD_FILE', `${where}: invalid base64 in a typed array`, { cause });
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function decodeTyped(tag: Tag, text: string, where: string): Typed {
  const bytes = fromBase64(text, where);
  const { make, bytes: size } = TAGS[tag];
  if (bytes.length % size !== 0) throw new ModeconnError('BAD_FILE', `${where}: ${bytes.length} bytes is not a whole number of ${TAGS[tag].kind} values`);
  if (!HOST_LITTLE_ENDIAN && size > 1) for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  const out = make(bytes.length / size);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** `value` as exact JSON (see the module header); `space` indents like JSON.stringify's. */
export function stringifyExact(value: unknown, space?: number): string {
  return JSON.stringify(value, function replace(this: unknown, key: string, v: unknown) {
    // The replacer sees a typed array before JSON.stringify would spread it into an object.
    const raw = (this as Record<string, unknown>)[key];
    if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) {
      const tag = tagOf(raw as Typed);
      return { [tag]: toBase64(littleEndian(raw as Typed, tag)) };
    }
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { $num: Object.is(v, -0) ? '-0' : String(v) };
    return v;
  }, space);
}

/** Parses exact JSON back (typed arrays and special numbers restored); BAD_FILE naming `where` if malformed. */
export function parseExact(text: string, where = 'JSON'): unknown {
  try {
    return JSON.parse(text, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const keys = Object.keys(v);
      if (keys.length !== 1) return v;
      const [key] = keys;
      const inner = (v as Record<string, unknown>)[key];
      if (key === '$num' && typeof inner === 'string' && inner in SPECIAL) return SPECIAL[inner];
      if (key in TAGS && typeof inner === 'string') return decodeTyped(key as Tag, inner, where);
      return v;
    });
  } catch (cause) {
    if (cause instanceof ModeconnError) throw cause;
    throw new ModeconnError('BAD_FILE', `${where}: not valid JSON (${(cause as Error).message})`, { cause });
  }
}
