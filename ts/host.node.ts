/**
 * The Node host (`#host` under the "node" condition): files through node:fs, paths through
 * node:path, the package's assets read from `assets/` beside `dist/`, gzip through node:zlib.
 * Node modules are imported inside the functions so that loading this file costs nothing.
 */
import { ModeconnError } from './errors.js';
import type { Host } from './host.js';

/** Which host this module serves. */
export const kind = 'node';

/** Host.readFile: the whole file at `path`. */
export async function readFile(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    const buf = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (cause) {
    throw fileError(path, 'read', cause);
  }
}

/** Host.fileExists. */
export async function fileExists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Host.writeFileAtomic: temp file beside `path`, flushed, renamed over it. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const [fs, nodePath] = await Promise.all([import('node:fs/promises'), import('node:path')]);
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

/** Host.joinPath. By hand: node:path is only imported inside async functions here, and '/' works on POSIX and Windows. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/').replace(/\/+/g, '/');
}

/** Host.readAsset: a file of the package's assets/ folder, or of `from`. */
export async function readAsset(name: string, from?: string | URL): Promise<Uint8Array> {
  const { fileURLToPath } = await import('node:url');
  // This file is dist/host.node.js in the package and ts/host.node.ts in a checkout: both sit one
  // level below the package root, where assets/ is.
  const dir = from === undefined ? fileURLToPath(new URL('../assets/', import.meta.url)) : from instanceof URL ? fileURLToPath(from) : from;
  const path = joinPath(dir, name);
  if (!(await fileExists(path))) {
    throw new ModeconnError('DATA_UNAVAILABLE', `${path} not found`, {
      advice: from === undefined ? 'the modeconn package ships it in assets/; reinstall the package' : 'check the directory given as { url }',
    });
  }
  return readFile(path);
}

/** Host.gunzip: zlib, capped at `maxBytes` of output. */
export async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const zlib = await import('node:zlib');
  return new Uint8Array(zlib.gunzipSync(bytes, { maxOutputLength: maxBytes }));
}

function fileError(path: string, verb: string, cause: unknown): ModeconnError {
  const code = (cause as { code?: string } | null)?.code;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ENOENT' && verb === 'read') return new ModeconnError('IO_ERROR', `${path}: no such file`, { cause });
  return new ModeconnError('IO_ERROR', `${path}: cannot ${verb} (${text})`, { cause });
}

({ kind, readFile, fileExists, writeFileAtomic, joinPath, readAsset, gunzip }) satisfies Host;
