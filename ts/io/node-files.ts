/**
 * File access for Node only: node: modules are imported inside these functions, so browser code
 * that never calls them never loads them. Writes go to a temp file in the same directory, then rename.
 */
import { ModeconnError } from '../errors.js';

/** Reads a whole file; IO_ERROR naming the path when it is missing or unreadable. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    const buf = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (cause) {
    throw fileError(path, 'read', cause);
  }
}

/** True when `path` exists (any kind of entry). */
export async function fileExists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `bytes` to `path` atomically: a temp file beside it is written, flushed and renamed over
 * the target, so a failure leaves the old file (or none), never a truncated one.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const dir = nodePath.dirname(path);
  const temp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(temp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, path);
  } catch (cause) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw fileError(path, 'write', cause);
  }
}

function fileError(path: string, verb: string, cause: unknown): ModeconnError {
  const code = (cause as { code?: string } | null)?.code;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ENOENT' && verb === 'read') return new ModeconnError('IO_ERROR', `${path}: no such file`, { cause });
  return new ModeconnError('IO_ERROR', `${path}: cannot ${verb} (${text})`, { cause });
}
