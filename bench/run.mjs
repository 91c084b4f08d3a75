// `npm run bench [name...]`: runs bench/*.bench.mjs (all, or those whose file name contains a given
// name) against the built package (dist/) in one process, single thread unless a table says
// otherwise, and writes bench/RESULTS.md. Sections not re-run are kept as they were, each marked
// with the date and the machine's load when it was measured. Quote ratios within one section.
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// Node 20/21 have relaxed SIMD only behind a V8 flag: run again with it, so the relaxed-SIMD columns
// (and jax-js's relaxed kernels) are measured; Node 22+ has it on. MODECONN_BENCH_NO_RELAXED=1 skips it.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
if (Number(process.versions.node.split('.')[0]) < 22 && !process.execArgv.includes(RELAXED_FLAG) && process.env.MODECONN_BENCH_NO_RELAXED !== '1') {
  const r = spawnSync(process.execPath, [RELAXED_FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, 'RESULTS.md');
const only = process.argv.slice(2);
const all = (await readdir(here)).filter((f) => f.endsWith('.bench.mjs')).sort();
const files = all.filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

/** Sections of an existing RESULTS.md by bench file, between `<!-- bench:<file> -->` markers. */
async function previousSections() {
  const text = await readFile(resultsPath, 'utf8').catch(() => '');
  const sections = new Map();
  for (const m of text.matchAll(/<!-- bench:(\S+) -->\n([\s\S]*?)(?=<!-- bench:|$)/g)) sections.set(m[1], m[2].trimEnd());
  return sections;
}

const ctx = {
  lib: await import('../dist/index.js'),
  reference: await import('../dist/reference.js'),
  root: join(here, '..'),
};

const sections = await previousSections();
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const load = loadavg()[0].toFixed(2);
  const { default: run } = await import(join(here, file));
  const { title, markdown } = await run(ctx);
  const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load} at the start.`;
  sections.set(file, `## ${title}\n\n${stamp}\n\n${markdown}`);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = `# Benchmarks\n\nWritten by \`npm run bench\` on ${cpu}, ${cpus().length} cores, Node ${process.version}. Medians over repetitions. These machines are noisy (2 cores, shared): quote the ratios measured within one section, not absolute times.\n\n`;
const body = all.filter((f) => sections.has(f)).map((f) => `<!-- bench:${f} -->\n${sections.get(f)}\n`);
await writeFile(resultsPath, header + body.join('\n'));
process.stderr.write(`bench: wrote bench/RESULTS.md (${files.length} section(s) measured, ${body.length} in all)\n`);
