/**
 * The zip container of torch.save (≥ 1.6): `<archive>/data.pkl`, `<archive>/data/<key>` (raw storage
 * bytes), `<archive>/version`, optionally `<archive>/byteorder`. Reading goes through fflate with
 * every entry's sizes checked (fflate trusts the central directory); writing stores entries
 * uncompressed with their data 64-byte aligned, as torch does.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate/browser';
import { ModeconnError } from '../errors.js';

/** Deflate cannot expand a byte by more than this (RFC 1951: 258-byte matches in ≥ 2 bits), plus slack. */
const MAX_DEFLATE_RATIO = 1032;
/** A zip's central directory entry takes at least 46 bytes: more entries than that is a lie. */
const CENTRAL_ENTRY = 46;

/** The entries of a torch zip: names relative to the archive folder. */
export interface TorchZip {
  /** The archive folder (torch uses the file's stem, 'archive' since 2.0). */
  prefix: string;
  entries: Map<string, Uint8Array>;
}

/** True when the bytes start like a zip (local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Reads a torch zip; BAD_FILE naming the file and the entry for anything malformed or truncated. */
export function readTorchZip(bytes: Uint8Array, name: string): TorchZip {
  const declared = new Map<string, { size: number; originalSize: number }>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(info) {
        if (declared.size * CENTRAL_ENTRY >= bytes.length) throw new ModeconnError('BAD_FILE', `${name}: the zip's central directory lists more entries than the file can hold`);
        if (declared.has(info.name)) throw new ModeconnError('BAD_FILE', `${name}: zip entry ${info.name} appears twice`);
        if (info.compression !== 0 && info.compression !== 8) throw new ModeconnError('BAD_FILE', `${name}: zip entry ${info.name} uses compression method ${info.compression} (only stored and deflate are read)`);
        const limit = info.compression === 0 ? info.size : info.size * MAX_DEFLATE_RATIO + 64;
        if (!(info.size <= bytes.length) || !(info.originalSize <= limit)) {
          throw new ModeconnError('BAD_FILE', `${name}: zip entry ${info.name} declares ${info.originalSize} bytes from ${info.size} in a ${bytes.length}-byte file`);
        }
        declared.set(info.name, { size: info.size, originalSize: info.originalSize });
        return true;
      },
    });
  } catch (cause) {
    if (cause instanceof ModeconnError) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ModeconnError('BAD_FILE', `${name}: not a readable zip archive (${why}); the file may be truncated`, { cause });
  }
  for (const [entry, data] of Object.entries(files)) {
    const expected = declared.get(entry)!.originalSize;
    if (data.length !== expected) throw new ModeconnError('BAD_FILE', `${name}: zip entry ${entry} holds ${data.length} bytes, its header says ${expected} (truncated or corrupt)`);
  }
  const pickles = Object.keys(files).filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    const listed = Object.keys(files).slice(0, 8).join(', ') || 'none';
    throw new ModeconnError('BAD_FILE', `${name}: a torch zip holds exactly one <archive>/data.pkl; found ${pickles.length} (entries: ${listed})`, {
      advice: 'is it a PyTorch checkpoint written by torch.save?',
    });
  }
  const prefix = pickles[0].slice(0, -'/data.pkl'.length);
  const entries = new Map<string, Uint8Array>();
  for (const [entry, data] of Object.entries(files)) if (entry.startsWith(`${prefix}/`)) entries.set(entry.slice(prefix.length + 1), data);
  return { prefix, entries };
}

/** A fixed time, so that the same tensors always give the same bytes. */
const MTIME = new Date(2000, 0, 1);

/**
 * Writes entries (relative names, in order) as a stored zip under `prefix/`, each entry's data
 * starting at a multiple of 64 bytes (padding in an extra field, as torch's writer does).
 */
export function writeTorchZip(prefix: string, entries: Array<[string, Uint8Array]>): Uint8Array {
  const files: Zippable = {};
  let offset = 0;
  for (const [entry, data] of entries) {
    const path = `${prefix}/${entry}`;
    const nameLength = new TextEncoder().encode(path).length;
    const start = offset + 30 + nameLength + 4; // local header, name, extra field header
    const pad = (64 - (start % 64)) % 64;
    files[path] = [data, { level: 0, mtime: MTIME, extra: { 0x4246: new Uint8Array(pad) } }];
    offset = start + pad + data.length;
  }
  return zipSync(files);
}
