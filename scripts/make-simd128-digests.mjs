// Writes tests/fixtures/simd128-digests.json: digests of the simd128 kernels' output bits
// (tests/helpers/simd128-digests.mjs) from the built package. Recorded once from the core as it was
// before the relaxed-SIMD kernels (commit a8697ec); re-run only when a change to the simd128 path's
// arithmetic is intended: `npm run build:js && node scripts/make-simd128-digests.mjs`.
import { writeFile } from 'node:fs/promises';
import { computeDigests } from '../tests/helpers/simd128-digests.mjs';

const lib = await import('../dist/index.js');
lib.setExactKernels?.(true);
const digests = await computeDigests(lib);
const path = new URL('../tests/fixtures/simd128-digests.json', import.meta.url);
await writeFile(path, `${JSON.stringify(digests, null, 2)}\n`);
console.log(`wrote ${Object.keys(digests).length} digests to tests/fixtures/simd128-digests.json`);
