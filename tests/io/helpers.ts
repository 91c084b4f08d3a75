/** Builders of hand-made safetensors files (valid and broken) and an error-code matcher. */
import { expect } from 'vitest';
import { ModeconnError, type ErrorCode } from '../../ts/errors.js';

/** A file from a header object (or raw header text) and a data section, optionally without padding. */
export function assemble(header: unknown, data: Uint8Array | number[] = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  const n = headerLength ?? json.length;
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian f32 bytes. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Runs `fn` and checks that it throws a ModeconnError with `code` whose message contains every string in `mentions`. */
export function expectCode(fn: () => unknown, code: ErrorCode, ...mentions: string[]): ModeconnError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(ModeconnError);
  const err = caught as ModeconnError;
  expect(err.code, err.message).toBe(code);
  for (const m of mentions) expect(err.message).toContain(m);
  return err;
}

/** The async twin of expectCode. */
export async function expectCodeAsync(fn: () => Promise<unknown>, code: ErrorCode, ...mentions: string[]): Promise<ModeconnError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a rejection').toBeInstanceOf(ModeconnError);
  const err = caught as ModeconnError;
  expect(err.code, err.message).toBe(code);
  for (const m of mentions) expect(err.message).toContain(m);
  return err;
}
