/**
 * File access by path, through the host module (`#host`): Node reads and writes with node:fs,
 * browsers get NOT_SUPPORTED with advice. Writes go to a temp file in the same directory, then rename.
 */
import { loadHost } from '../host.js';

/** Reads a whole file; IO_ERROR naming the path when it is missing or unreadable. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  return (await loadHost()).readFile(path);
}

/** True when `path` exists (any kind of entry). */
export async function fileExists(path: string): Promise<boolean> {
  return (await loadHost()).fileExists(path);
}

/**
 * Writes `bytes` to `path` atomically: a temp file beside it is written, flushed and renamed over
 * the target, so a failure leaves the old file (or none), never a truncated one.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  return (await loadHost()).writeFileAtomic(path, bytes);
}
