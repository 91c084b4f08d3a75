/**
 * Gzip detection and inflation without knowing the host: the standard DecompressionStream (browsers,
 * Node >= 18, Deno) with the host's zlib as the fallback (Node), and a cap on the inflated size.
 */
import { ModeconnError } from '../errors.js';
import { loadHost } from '../host.js';

/** The default cap on inflated bytes (1 GiB): a full MNIST-style training set is ~50 MB. */
export const DEFAULT_MAX_INFLATED_BYTES = 1 << 30;

/** True when `bytes` starts with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates a gzip file; BAD_FILE naming `name` when it is corrupt or inflates past `maxBytes`. */
export async function gunzip(bytes: Uint8Array, name: string, maxBytes = DEFAULT_MAX_INFLATED_BYTES): Promise<Uint8Array> {
  try {
    return typeof DecompressionStream === 'function' ? await inflateStream(bytes, name, maxBytes) : await inflateZlib(bytes, name, maxBytes);
  } catch (cause) {
    if (cause instanceof ModeconnError) throw cause;
    throw new ModeconnError('BAD_FILE', `${name}: corrupt gzip data (${errorText(cause)})`, { cause });
  }
}

async function inflateStream(bytes: Uint8Array, name: string, maxBytes: number): Promise<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(name, maxBytes);
    }
    chunks.push(value);
  }
  return concat(chunks, total);
}

async function inflateZlib(bytes: Uint8Array, name: string, maxBytes: number): Promise<Uint8Array> {
  const host = await loadHost();
  if (!host.gunzip) throw new ModeconnError('NOT_SUPPORTED', `${name}: this runtime has neither DecompressionStream nor zlib to inflate gzip data`, { advice: 'pass the uncompressed bytes' });
  try {
    return await host.gunzip(bytes, maxBytes);
  } catch (cause) {
    if ((cause as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(name, maxBytes);
    throw cause;
  }
}

function tooLarge(name: string, maxBytes: number): ModeconnError {
  return new ModeconnError('BAD_FILE', `${name}: gzip data inflates to more than ${maxBytes} bytes`, {
    advice: 'raise the maxBytes option if the file is genuine',
  });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A short description of any thrown value. */
export function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
