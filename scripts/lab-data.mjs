// Writes the lab's built-in digits: the `mnist` package's 10,000 digits in loadMnist's split (8,004
// train, 1,996 test) as gzip IDX files under web/public/data/, which Vite copies into dist-web/.
// Pixels are the exact bytes (loadMnist's x · 255), so loadIdx in a page gives loadMnist's floats.
// Usage: node scripts/lab-data.mjs [outDir]   (skips files that already exist)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DEFAULT_DIR = fileURLToPath(new URL('../web/public/data', import.meta.url));

/** An IDX file: magic (0, 0, dtype 0x08 = u8, rank), big-endian u32 dims, then the bytes. */
function idx(dims, bytes) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), { level: 9 });
}

/** Writes digits-{train,test}-{images,labels}.idx.gz into `dir` unless they are there. */
export async function writeDigits(dir = DEFAULT_DIR) {
  const files = ['train', 'test'].flatMap((split) => ['images', 'labels'].map((part) => join(dir, `digits-${split}-${part}.idx.gz`)));
  if (files.every((f) => existsSync(f))) return files;
  const { loadMnist } = await import('../dist/index.js');
  mkdirSync(dir, { recursive: true });
  for (const split of ['train', 'test']) {
    const set = await loadMnist({ split });
    const pixels = Uint8Array.from(set.x, (v) => Math.round(v * 255));
    writeFileSync(join(dir, `digits-${split}-images.idx.gz`), idx([set.n, 28, 28], pixels));
    writeFileSync(join(dir, `digits-${split}-labels.idx.gz`), idx([set.n], Uint8Array.from(set.y)));
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await writeDigits(process.argv[2] ?? DEFAULT_DIR);
  console.log(`digits: ${files.join(', ')}`);
}
