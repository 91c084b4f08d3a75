// `npm run mutate [-- <target>...]`: mutation testing of ts/ with Stryker (stryker.config.mjs), one
// Stryker run per target — a folder of ts/ (`ts/paths`), a file (`ts/paths/metrics.ts`) or `ts/*`
// (the files directly in ts/); all of them by default — then tests/MUTATION.md from the per-file
// results kept in tests/mutation-results.json (files not re-run keep their last measurement) and
// the equivalent mutants declared in tests/mutation-equivalent.json.
// Builds dist/ first (a few tests import the built package; --no-build skips it) and lowers its
// own priority (nice 10), which Stryker's processes inherit: the machine is shared.
//   --from-reports  read the targets' last Stryker reports instead of running Stryker
//   --table         only rewrite tests/MUTATION.md (after editing the equivalent mutants)
//   --retry-timeouts  forget the targets' timed-out mutants in their incremental files, so they run
//                   again (a busy machine can time out a slow mutant that is no infinite loop)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const storePath = join(root, 'tests/mutation-results.json');
const equivalentPath = join(root, 'tests/mutation-equivalent.json');
const tablePath = join(root, 'tests/MUTATION.md');
const args = process.argv.slice(2);
const tableOnly = args.includes('--table');
const fromReports = args.includes('--from-reports');
const retryTimeouts = args.includes('--retry-timeouts');
const build = !args.includes('--no-build') && !fromReports && !tableOnly;
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
const hashText = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12);
const slugOf = (target) => target.replace(/[^A-Za-z0-9]+/g, '-');

function checkTarget(target) {
  const ok = target === 'ts/*' || (target.startsWith('ts/') && existsSync(join(root, target)) && (target.endsWith('.ts') || statSync(join(root, target)).isDirectory()));
  if (!ok) {
    process.stderr.write(`mutate: ${target} is not a folder or .ts file under ts/ (or ts/* for the files directly in ts/)\n`);
    process.exit(2);
  }
}

/**
 * Per-file results of one Stryker JSON report: counts of killed, timed-out, ignored and rejected
 * mutants, and every survivor (survived or not covered) with its source line, so that equivalent
 * mutants can be matched by text and the survivors listed.
 */
function readReport(target) {
  const report = JSON.parse(readFileSync(join(root, 'reports/mutation', `${slugOf(target)}.json`), 'utf8'));
  const files = {};
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    const counts = { killed: 0, timeout: 0, ignored: 0, errors: 0 };
    const survivors = [];
    const ordered = [...mutants].sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    for (const m of ordered) {
      if (m.status === 'Killed') counts.killed += 1;
      else if (m.status === 'Timeout') counts.timeout += 1;
      else if (m.status === 'Ignored') counts.ignored += 1;
      else if (m.status === 'Survived' || m.status === 'NoCoverage') {
        survivors.push({
          where: `${m.location.start.line}:${m.location.start.column}`,
          text: lines[m.location.start.line - 1].trim(),
          mutator: m.mutatorName,
          replacement: (m.replacement ?? '').replace(/\s+/g, ' '),
          status: m.status === 'Survived' ? 'survived' : 'no coverage',
        });
      } else counts.errors += 1; // CompileError (rejected by the type checker) or RuntimeError
    }
    files[file] = { measured: new Date().toISOString().slice(0, 10), hash: hashText(source), counts, survivors };
  }
  return files;
}

/** Survivors split into equivalent (matched by file, line text, mutator and replacement) and the rest. */
function classify(file, result, declared) {
  const mine = declared.filter((e) => e.file === file);
  const equivalent = [];
  const rest = [];
  for (const s of result.survivors) {
    const e = mine.find((d) => d.line.trim() === s.text && d.mutator === s.mutator && d.replacement === s.replacement);
    if (e) equivalent.push({ ...s, why: e.why });
    else rest.push(s);
  }
  const stale = mine.filter((d) => !equivalent.some((s) => s.text === d.line.trim() && s.mutator === d.mutator && s.replacement === d.replacement));
  const c = result.counts;
  const counts = { ...c, survived: rest.filter((s) => s.status === 'survived').length, noCoverage: rest.filter((s) => s.status === 'no coverage').length, equivalent: equivalent.length };
  return { counts, equivalent, rest, stale };
}

const detected = (c) => c.killed + c.timeout;
const valid = (c) => c.killed + c.timeout + c.survived + c.noCoverage;
const score = (c) => (valid(c) > 0 ? `${((100 * detected(c)) / valid(c)).toFixed(1)}%` : '—');
const KEYS = ['killed', 'timeout', 'survived', 'noCoverage', 'equivalent', 'ignored', 'errors'];
const sum = (list) => Object.fromEntries(KEYS.map((k) => [k, list.reduce((s, c) => s + c[k], 0)]));
/** A Markdown code span that survives backticks in the text. */
const code = (text) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

function render(store, declared) {
  const all = sourceFiles();
  const byFolder = new Map([['ts', []]]); // the files directly in ts/ first
  for (const file of all) byFolder.set(folderOf(file), [...(byFolder.get(folderOf(file)) ?? []), file]);
  const measured = all.filter((f) => store[f]);
  const view = Object.fromEntries(measured.map((f) => [f, classify(f, store[f], declared)]));
  const changed = (f) => store[f].hash !== hashText(readFileSync(join(root, f)));
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const head = ['mutants', 'killed', 'survived', 'timeout', 'no coverage', 'equivalent', 'score'];
  const cells = (c) => [valid(c), c.killed, c.survived, c.timeout, c.noCoverage, c.equivalent, `**${score(c)}**`];
  const lines = [
    '# Mutation testing',
    '',
    'Written by `npm run mutate` (scripts/mutate.mjs: Stryker with the vitest runner and the TypeScript checker, perTest',
    'coverage, incremental; see docs/TESTING.md). **score** = (killed + timeout) / mutants, where mutants = killed +',
    'timeout + survived + no coverage. Not counted: mutants the type checker rejects, and equivalent mutants (no test',
    'can tell them from the original; each is listed below with its reason, from tests/mutation-equivalent.json): they',
    'are not counted as killed, they leave the denominator. A folder row adds up the files measured so far; files',
    'marked * changed since they were measured.',
    '',
    '## Score per folder of ts/',
    '',
    row(['folder', 'files measured', ...head]),
    row(['---', '---', ...head.map(() => '---:')]),
  ];
  for (const [folder, files] of byFolder) {
    const done = files.filter((f) => view[f]);
    const mark = done.some(changed) ? ' *' : '';
    lines.push(row([`${folder}/`, `${done.length} of ${files.length}${mark}`, ...(done.length ? cells(sum(done.map((f) => view[f].counts))) : head.map(() => '—'))]));
  }
  lines.push('', '## Per file', '', row(['file', 'measured', ...head]), row(['---', '---', ...head.map(() => '---:')]));
  for (const f of measured) lines.push(row([`${f}${changed(f) ? ' *' : ''}`, store[f].measured, ...cells(view[f].counts)]));
  lines.push('', '## Equivalent mutants', '');
  const eq = measured.flatMap((f) => view[f].equivalent.map((e) => ({ f, ...e })));
  if (eq.length === 0) lines.push('None declared yet.');
  for (const e of eq) lines.push(`- ${code(`${e.f}:${e.where}`)} ${e.mutator} → ${code(e.replacement)}: ${e.why}`);
  const stale = measured.flatMap((f) => view[f].stale.map((e) => ({ f, ...e })));
  if (stale.length) {
    lines.push('', 'Declared but matching no survivor (killed since, or the line changed; fix or remove the entry):', '');
    for (const e of stale) lines.push(`- ${code(e.f)} ${e.mutator} → ${code(e.replacement)} on ${code(e.line.trim())}`);
  }
  lines.push('', '## Surviving mutants', '', 'What the next test should catch (line:column, mutator, replacement), per file.', '');
  for (const f of measured.filter((x) => view[x].rest.length)) {
    lines.push(`<details><summary>${f}: ${view[f].rest.length}</summary>`, '');
    for (const s of view[f].rest) lines.push(`- ${s.where} ${s.mutator}${s.status === 'no coverage' ? ' (no coverage)' : ''}: ${code(s.replacement.slice(0, 100))}`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const store = existsSync(storePath) ? JSON.parse(readFileSync(storePath, 'utf8')) : {};
const declared = existsSync(equivalentPath) ? JSON.parse(readFileSync(equivalentPath, 'utf8')) : [];
let failed = 0;
if (!tableOnly) {
  const chosen = targets.length ? targets : [...new Set(sourceFiles().map(folderOf))].map((f) => (f === 'ts' ? 'ts/*' : f));
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
  for (const target of chosen) {
    const started = Date.now();
    process.stderr.write(`mutate: ${target}\n`);
    const incremental = join(root, 'reports/mutation', `${slugOf(target)}.incremental.json`);
    if (retryTimeouts && !fromReports && existsSync(incremental)) {
      const report = JSON.parse(readFileSync(incremental, 'utf8'));
      let dropped = 0;
      for (const f of Object.values(report.files)) {
        const kept = f.mutants.filter((m) => m.status !== 'Timeout');
        dropped += f.mutants.length - kept.length;
        f.mutants = kept;
      }
      writeFileSync(incremental, JSON.stringify(report));
      process.stderr.write(`mutate: ${dropped} timed-out mutant(s) of ${target} will run again\n`);
    }
    const run = fromReports ? { status: 0 } : spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], { cwd: root, stdio: 'inherit', env: { ...process.env, MUTATE_TARGET: target } });
    if (run.status !== 0) {
      failed += 1;
      process.stderr.write(`mutate: Stryker failed on ${target} (exit ${run.status}); its files keep their last measurement\n`);
      continue;
    }
    const files = readReport(target);
    Object.assign(store, files);
    const c = sum(Object.entries(files).map(([f, r]) => classify(f, r, declared).counts));
    process.stderr.write(`mutate: ${target}: score ${score(c)} (${detected(c)} of ${valid(c)}), ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
}
const current = new Set(sourceFiles());
for (const f of Object.keys(store)) if (!current.has(f)) delete store[f]; // deleted or renamed since
writeFileSync(storePath, `${JSON.stringify(Object.fromEntries(Object.entries(store).sort()), null, 1)}\n`);
writeFileSync(tablePath, render(store, declared));
process.stderr.write('mutate: wrote tests/MUTATION.md and tests/mutation-results.json\n');
process.exit(failed ? 1 : 0);
