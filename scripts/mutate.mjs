// `npm run mutate [-- <target>...]`: mutation testing of ts/ with Stryker (stryker.config.mjs), one
// Stryker run per target — a folder of ts/ (`ts/paths`), a file (`ts/paths/metrics.ts`) or `ts/*`
// (the files directly in ts/); all of them by default — then tests/MUTATION.md from the per-file
// results kept in tests/mutation-results.json (files not re-run keep their last measurement).
// Builds dist/ first (a few tests import the built package; --no-build skips it) and lowers its
// own priority (nice 10), which Stryker's processes inherit: the machine is shared. --from-reports
// rewrites the table from the targets' last reports without running Stryker.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, setPriority } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const storePath = join(root, 'tests/mutation-results.json');
const tablePath = join(root, 'tests/MUTATION.md');
const args = process.argv.slice(2);
// --from-reports: no Stryker run, read the targets' last JSON reports (e.g. after `npx stryker run`).
const fromReports = args.includes('--from-reports');
const build = !args.includes('--no-build') && !fromReports;
const targets = args.filter((a) => !a.startsWith('--')).map((a) => a.replace(/\/+$/, ''));

/** Every .ts file Stryker mutates, by path (barrels excluded, as in stryker.config.mjs). */
function sourceFiles() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && name !== 'index.ts') out.push(path);
    }
  };
  walk('ts');
  return out;
}

/** The table's folder of a file: the first level under ts/ ('ts' for files directly in it). */
const folderOf = (file) => (file.split('/').length === 2 ? 'ts' : file.split('/').slice(0, 2).join('/'));
const hashOf = (file) => createHash('sha256').update(readFileSync(join(root, file))).digest('hex').slice(0, 12);

function defaultTargets() {
  const folders = [...new Set(sourceFiles().map(folderOf))];
  return folders.map((f) => (f === 'ts' ? 'ts/*' : f));
}

function checkTarget(target) {
  const ok = target === 'ts/*' || (target.startsWith('ts/') && existsSync(join(root, target)) && (target.endsWith('.ts') || statSync(join(root, target)).isDirectory()));
  if (!ok) {
    process.stderr.write(`mutate: ${target} is not a folder or .ts file under ts/ (or ts/* for the files directly in ts/)\n`);
    process.exit(2);
  }
}

const slugOf = (target) => target.replace(/[^A-Za-z0-9]+/g, '-');

/** Per-file counts and the mutants worth listing, from one Stryker JSON report. */
function readReport(target) {
  const report = JSON.parse(readFileSync(join(root, 'reports/mutation', `${slugOf(target)}.json`), 'utf8'));
  const files = {};
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const counts = { killed: 0, survived: 0, timeout: 0, noCoverage: 0, equivalent: 0, ignored: 0, errors: 0 };
    const survivors = [];
    const equivalent = [];
    const ordered = [...mutants].sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    for (const m of ordered) {
      const where = `${m.location.start.line}:${m.location.start.column}`;
      const entry = { where, mutator: m.mutatorName, replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100) };
      if (m.status === 'Killed') counts.killed += 1;
      else if (m.status === 'Timeout') counts.timeout += 1;
      else if (m.status === 'Survived' || m.status === 'NoCoverage') {
        counts[m.status === 'Survived' ? 'survived' : 'noCoverage'] += 1;
        survivors.push({ ...entry, status: m.status === 'Survived' ? 'survived' : 'no coverage' });
      } else if (m.status === 'Ignored' && /^equivalent\b/i.test(m.statusReason ?? '')) {
        counts.equivalent += 1;
        equivalent.push({ ...entry, why: m.statusReason.replace(/^equivalent\b[\s:—-]*/i, '') });
      } else if (m.status === 'Ignored') counts.ignored += 1;
      else counts.errors += 1; // CompileError (rejected by the type checker) or RuntimeError
    }
    files[file] = { measured: new Date().toISOString().slice(0, 10), hash: createHash('sha256').update(source).digest('hex').slice(0, 12), counts, survivors, equivalent };
  }
  return files;
}

const KEYS = ['killed', 'survived', 'timeout', 'noCoverage', 'equivalent', 'ignored', 'errors'];
const detected = (c) => c.killed + c.timeout;
const valid = (c) => c.killed + c.timeout + c.survived + c.noCoverage;
const score = (c) => (valid(c) > 0 ? `${((100 * detected(c)) / valid(c)).toFixed(1)}%` : '—');
/** Markdown code span that survives backticks in the text. */
const code = (text) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const sum = (list) => Object.fromEntries(KEYS.map((k) => [k, list.reduce((s, c) => s + c[k], 0)]));

function render(store) {
  const all = sourceFiles();
  const byFolder = new Map([['ts', []]]); // the files directly in ts/ first
  for (const file of all) byFolder.set(folderOf(file), [...(byFolder.get(folderOf(file)) ?? []), file]);
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const head = ['mutants', 'killed', 'survived', 'timeout', 'no coverage', 'equivalent', 'score'];
  const cells = (c) => [valid(c), c.killed, c.survived, c.timeout, c.noCoverage, c.equivalent, `**${score(c)}**`];
  const lines = [
    '# Mutation testing',
    '',
    'Written by `npm run mutate` (scripts/mutate.mjs, Stryker with the vitest runner and the TypeScript checker, perTest',
    'coverage, incremental; see docs/TESTING.md). **score** = (killed + timeout) / mutants, where mutants are the',
    'killed, survived, timed-out and uncovered ones; mutants the type checker rejects are not counted, and equivalent',
    'mutants (listed below with the reason, marked in the source with `// Stryker disable next-line <Mutator>: equivalent',
    '— why`) are not counted as killed: they leave the denominator. A folder row adds up the files measured so far;',
    'files marked * changed since they were measured.',
    '',
    '## Score per folder of ts/',
    '',
    row(['folder', 'files measured', ...head]),
    row(['---', '---', ...head.map(() => '---:')]),
  ];
  for (const [folder, files] of byFolder) {
    const measured = files.filter((f) => store[f]);
    const c = sum(measured.map((f) => store[f].counts));
    const changed = measured.some((f) => store[f].hash !== hashOf(f)) ? ' *' : '';
    lines.push(row([`${folder}/`, `${measured.length} of ${files.length}${changed}`, ...(measured.length ? cells(c) : head.map(() => '—'))]));
  }
  const measuredFiles = all.filter((f) => store[f]);
  lines.push('', '## Per file', '', row(['file', 'measured', ...head]), row(['---', '---', ...head.map(() => '---:')]));
  for (const f of measuredFiles) lines.push(row([`${f}${store[f].hash !== hashOf(f) ? ' *' : ''}`, store[f].measured, ...cells(store[f].counts)]));
  lines.push('', '## Equivalent mutants', '');
  const eq = measuredFiles.flatMap((f) => store[f].equivalent.map((e) => ({ f, ...e })));
  if (eq.length === 0) lines.push('None marked yet.');
  for (const e of eq) lines.push(`- ${code(`${e.f}:${e.where}`)} ${e.mutator} → ${code(e.replacement)}: ${e.why}`);
  lines.push('', '## Surviving mutants', '', 'What the next test should catch (line:column, mutator, replacement), per file.', '');
  for (const f of measuredFiles.filter((x) => store[x].survivors.length)) {
    lines.push(`<details><summary>${f}: ${store[f].survivors.length}</summary>`, '');
    for (const s of store[f].survivors) lines.push(`- ${s.where} ${s.mutator}${s.status === 'no coverage' ? ' (no coverage)' : ''}: ${code(s.replacement)}`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const chosen = targets.length ? targets : defaultTargets();
chosen.forEach(checkTarget);
try {
  setPriority(10);
} catch {
  // Not permitted here: run at the current priority.
}
if (build) {
  process.stderr.write('mutate: npm run build:js (tests that import dist/ run next to ts/)\n');
  const b = spawnSync('npm', ['run', 'build:js'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const store = existsSync(storePath) ? JSON.parse(readFileSync(storePath, 'utf8')) : {};
let failed = 0;
for (const target of chosen) {
  const started = Date.now();
  process.stderr.write(`mutate: ${target} (${cpus().length} cores; Stryker concurrency 2)\n`);
  const run = fromReports ? { status: 0 } : spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], { cwd: root, stdio: 'inherit', env: { ...process.env, MUTATE_TARGET: target } });
  if (run.status !== 0) {
    failed += 1;
    process.stderr.write(`mutate: Stryker failed on ${target} (exit ${run.status}); its rows keep their last measurement\n`);
    continue;
  }
  const files = readReport(target);
  Object.assign(store, files);
  const c = sum(Object.values(files).map((f) => f.counts));
  process.stderr.write(`mutate: ${target}: score ${score(c)} (${detected(c)} of ${valid(c)}), ${Math.round((Date.now() - started) / 1000)} s\n`);
}
const current = new Set(sourceFiles());
for (const f of Object.keys(store)) if (!current.has(f)) delete store[f]; // deleted or renamed since
const table = render(store);
writeFileSync(storePath, `${JSON.stringify(Object.fromEntries(Object.entries(store).sort()), null, 1)}\n`);
writeFileSync(tablePath, table);
process.stderr.write(`mutate: wrote ${relative(root, tablePath)} and ${relative(root, storePath)}\n`);
process.exit(failed ? 1 : 0);
