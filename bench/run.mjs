// `npm run bench`: runs every bench/*.bench.mjs against the built package (dist/) in one process,
// single thread, and writes bench/RESULTS.md. Ratios within one run are the figures to quote.
import { readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.mjs') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();

const ctx = {
  lib: await import('../dist/index.js'),
  reference: await import('../dist/reference.js'),
  root: join(here, '..'),
};

const sections = [];
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const { default: run } = await import(join(here, file));
  const { title, markdown } = await run(ctx);
  sections.push(`## ${title}\n\n${markdown}\n`);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = `# Benchmarks\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${cpus().length} cores, Node ${process.version}. Single thread unless a table says otherwise; medians over repetitions. These machines are noisy: quote the ratios, measured in the same run, not absolute times.\n\n`;
await writeFile(join(here, 'RESULTS.md'), header + sections.join('\n'));
process.stderr.write(`bench: wrote bench/RESULTS.md (${sections.length} sections)\n`);
