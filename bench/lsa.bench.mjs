// Linear sum assignment on the SAME matrices for every solver: the WASM core, its pure-TS twin, the
// native crate (crate/examples/bench_lsa.rs through cargo), the npm packages munkres, munkres-js and
// linear-sum-assignment, and scipy (bench/lsa-scipy.py, timings kept in bench/lsa-scipy.json).
// Matrices: uniform [0, 1) costs (minimised) and weight-similarity W_A·W_Bᵀ (W_B a permuted, noisy
// copy of W_A; maximised), n = 64 … 2048, generated once from fixed seeds and cached as raw
// little-endian f64 files in bench/.lsa-cache/ (gitignored). Every solver's total cost is checked
// against the WASM one (relative 1e-9): a mismatch is printed in the table instead of a time.
// Slow solvers stop at the size whose predicted solve time passes a minute.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import munkres from 'munkres';
import munkresJs from 'munkres-js';
import { linearSumAssignment } from 'linear-sum-assignment';
import { fmt, table, time } from './util.mjs';

/** LSA_SIZES=64,128 narrows a trial run (the committed table uses all). */
const SIZES = process.env.LSA_SIZES ? process.env.LSA_SIZES.split(',').map(Number) : [64, 128, 256, 512, 1024, 2048];
const KINDS = ['uniform', 'similarity'];
/** Bump when the generators change, so cached files are not reused. */
const GEN_VERSION = 2;
/** A solver is not run at a size whose predicted time for one solve exceeds this (seconds). */
const LIMIT_S = 60;
/** One solve slower than this (seconds) is timed once. */
const SLOW_S = 5;
const RTOL = 1e-9;
const SKIPPED = '> 1 min (predicted)';

/** Seeded uniform [0, 1) from a small LCG (the bench owns its data). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function uniformCost(n, seed) {
  const u = lcg(seed);
  return Float64Array.from({ length: n * n }, u);
}

/** W_A·W_Bᵀ with Gaussian-ish rows of 784, W_B = a permuted copy of W_A plus noise (sd 0.5). */
function similarityCost(n, seed) {
  const u = lcg(seed);
  const gauss = () => (u() + u() + u() + u() - 2) * Math.sqrt(3);
  const d = 784;
  const wa = Float64Array.from({ length: n * d }, gauss);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const wb = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) wb[i * d + k] = wa[order[i] * d + k] + 0.5 * gauss();
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = wa.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < n; j++) {
      const b = wb.subarray(j * d, (j + 1) * d);
      let s = 0;
      for (let k = 0; k < d; k++) s += a[k] * b[k];
      c[i * n + j] = s;
    }
  }
  return c;
}

/** The matrices, from bench/.lsa-cache/ when there, with a manifest for the native and scipy runs. */
function matrices(cacheDir) {
  if (endianness() !== 'LE') throw new Error('lsa bench: the matrix files are little-endian; this machine is not');
  mkdirSync(cacheDir, { recursive: true });
  const list = [];
  for (const n of SIZES) {
    for (const kind of KINDS) {
      const file = `${kind}-n${n}-v${GEN_VERSION}.f64`;
      const path = join(cacheDir, file);
      let cost;
      if (existsSync(path) && statSync(path).size === n * n * 8) {
        const bytes = readFileSync(path);
        cost = new Float64Array(n * n);
        new Uint8Array(cost.buffer).set(bytes);
      } else {
        process.stderr.write(`bench: lsa: generating ${file}\n`);
        cost = kind === 'uniform' ? uniformCost(n, n) : similarityCost(n, n);
        writeFileSync(path, new Uint8Array(cost.buffer));
      }
      const sha1 = createHash('sha1').update(new Uint8Array(cost.buffer)).digest('hex');
      list.push({ file, path, n, kind, maximize: kind === 'similarity', sha1, cost });
    }
  }
  const manifest = list.map(({ file, n, kind, maximize, sha1 }) => ({ file, n, kind, maximize, sha1 }));
  writeFileSync(join(cacheDir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return list;
}

/** Total of the chosen entries in row order, or NaN when `col` is not a permutation. */
function totalOf(cost, n, col) {
  const seen = new Uint8Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const j = col[i];
    if (!Number.isInteger(j) || j < 0 || j >= n || seen[j]) return NaN;
    seen[j] = 1;
    s += cost[i * n + j];
  }
  return s;
}

/** Milliseconds for a cell: 3 significant digits, whole numbers from 1000 on. */
function fmtMs(ms) {
  return ms >= 1000 ? `${Math.round(ms)}` : fmt(ms);
}

function agrees(total, reference) {
  return Number.isFinite(total) && Math.abs(total - reference) <= RTOL * Math.max(1, Math.abs(reference));
}

function mismatch(total, reference) {
  if (!Number.isFinite(total)) return '**WRONG: not a permutation**';
  return `**WRONG: cost ${total.toPrecision(12)} vs ${reference.toPrecision(12)}**`;
}

/** Each JS solver: `prepare(m)` converts the input outside the timing, `solve(input)` returns col per row. */
function jsSolvers(wasm, twin) {
  const pairsToCols = (pairs, n) => {
    const col = new Array(n).fill(-1);
    for (const [y, x] of pairs) col[y] = x;
    return col;
  };
  const rowViews = (c, n) => Array.from({ length: n }, (_, i) => c.subarray(i * n, (i + 1) * n));
  const negated = (c) => c.map((x) => -x);
  return [
    { key: 'wasm', prepare: (m) => m, solve: (m) => { const out = new Uint32Array(m.n); wasm.lsaSolve({ rows: m.n, cols: m.n, maximize: m.maximize }, m.cost, out); return out; } },
    { key: 'twin', prepare: (m) => m, solve: (m) => { const out = new Uint32Array(m.n); twin.lsaSolve({ rows: m.n, cols: m.n, maximize: m.maximize }, m.cost, out); return out; } },
    // munkres 2.x minimises only: similarity matrices are negated. Rows are Float64Array views.
    { key: 'munkres', prepare: (m) => ({ n: m.n, rows: rowViews(m.maximize ? negated(m.cost) : m.cost, m.n) }), solve: (p) => pairsToCols(munkres(p.rows), p.n) },
    // munkres-js minimises only and wants number[][]: similarity matrices are negated.
    { key: 'munkresJs', prepare: (m) => ({ n: m.n, rows: rowViews(m.maximize ? negated(m.cost) : m.cost, m.n).map((r) => Array.from(r)) }), solve: (p) => pairsToCols(munkresJs(p.rows), p.n) },
    // linear-sum-assignment maximises by default; its option is spelt `maximaze`.
    { key: 'lsaPkg', prepare: (m) => ({ rows: rowViews(m.cost, m.n), maximaze: m.maximize }), solve: (p) => Array.from(linearSumAssignment(p.rows, { maximaze: p.maximaze }).rowAssignments) },
  ];
}

/** Predicted seconds of one solve at n from this solver's times so far (growth of the last two sizes, n³ by default). */
function predict(history, n) {
  if (history.length === 0) return 0;
  const [n1, t1] = history[history.length - 1];
  let p = 3;
  if (history.length >= 2) {
    const [n0, t0] = history[history.length - 2];
    p = Math.min(3, Math.max(2, Math.log(t1 / t0) / Math.log(n1 / n0)));
  }
  return t1 * (n / n1) ** p;
}

/** Median seconds of `solve(input)`; the first (checked) solve is the warm-up, or the only timing when slow. */
async function measure(solve, input) {
  const t0 = performance.now();
  const col = solve(input);
  const first = (performance.now() - t0) / 1000;
  if (first > SLOW_S) return { col, seconds: first, reps: 1 };
  // Fast cells get more warm-up (so the JIT has settled) and more repetitions: ~0.2 s of each.
  const fast = first < 0.05;
  const warmup = fast ? Math.min(100, Math.ceil(0.2 / Math.max(first, 1e-4))) : 0;
  const reps = first > 1 ? 3 : !fast ? 5 : Math.max(9, Math.min(101, Math.ceil(0.2 / Math.max(first, 1e-4))) | 1);
  const r = await time(() => solve(input), { reps, warmup, budget: 20 });
  return { col, seconds: r.median, reps: r.n };
}

/** Native times: one `cargo run --release --example bench_lsa` over every matrix (built once). */
function nativeTimes(root, list) {
  const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: 'cargo not found' };
  const args = ['run', '--release', '--quiet', '--example', 'bench_lsa', '--'];
  for (const m of list) args.push(m.path, String(m.n), m.maximize ? 'max' : 'min', String(m.n <= 256 ? 9 : m.n <= 512 ? 5 : 3));
  process.stderr.write('bench: lsa: native (cargo run --release --example bench_lsa)\n');
  const r = spawnSync('cargo', args, { cwd: join(root, 'crate'), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { reason: `bench_lsa failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const byFile = new Map();
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line);
    byFile.set(j.file, j);
  }
  return { byFile };
}

/** Runs bench/lsa-scipy.py when /usr/bin/python3 has scipy (it rewrites bench/lsa-scipy.json), then reads that JSON. */
function scipyTimes(root, cacheDir) {
  const jsonPath = join(root, 'bench', 'lsa-scipy.json');
  let ran = 'not run here';
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import scipy.optimize'], { encoding: 'utf8' });
  if (probe.status === 0) {
    process.stderr.write('bench: lsa: scipy (bench/lsa-scipy.py)\n');
    const r = spawnSync('/usr/bin/python3', [join(root, 'bench', 'lsa-scipy.py'), cacheDir, '--out', jsonPath], { encoding: 'utf8' });
    ran = r.status === 0 ? 'run by this bench' : `run failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  } else {
    ran = 'not run here: /usr/bin/python3 with scipy not found';
  }
  if (!existsSync(jsonPath)) return { reason: `no bench/lsa-scipy.json (${ran})` };
  const data = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const bySha = new Map(data.results.map((r) => [r.sha1, r]));
  return { bySha, data, ran };
}

export default async function run(ctx) {
  const { lib, reference, root } = ctx;
  const core = await lib.getCore();
  const solvers = jsSolvers(lib.wasmKernels(core), reference.referenceKernels);
  const cacheDir = join(root, 'bench', '.lsa-cache');
  const list = matrices(cacheDir);
  const native = nativeTimes(root, list);
  const scipy = scipyTimes(root, cacheDir);

  const history = new Map(); // `${solver}:${kind}` -> [[n, seconds], ...]
  const stopped = new Set();
  const cells = new Map(); // `${file}:${solver}` -> { text, seconds? }
  for (const m of list) {
    let reference = NaN;
    for (const s of solvers) {
      const hk = `${s.key}:${m.kind}`;
      const h = history.get(hk) ?? [];
      history.set(hk, h);
      if (stopped.has(hk) || predict(h, m.n) > LIMIT_S) {
        stopped.add(hk);
        cells.set(`${m.file}:${s.key}`, { text: SKIPPED });
        continue;
      }
      process.stderr.write(`bench: lsa: ${s.key} ${m.kind} n=${m.n}\n`);
      const input = s.prepare(m);
      const { col, seconds, reps } = await measure(s.solve, input);
      h.push([m.n, seconds]);
      const total = totalOf(m.cost, m.n, col);
      if (s.key === 'wasm') reference = total;
      const ok = s.key === 'wasm' ? Number.isFinite(total) : agrees(total, reference);
      cells.set(`${m.file}:${s.key}`, ok ? { text: fmtMs(seconds * 1e3) + (reps === 1 ? '¹' : ''), seconds } : { text: mismatch(total, reference) });
    }
    const nat = native.byFile?.get(m.path);
    if (nat) {
      const ok = nat.valid && agrees(nat.cost, reference);
      cells.set(`${m.file}:native`, ok ? { text: fmtMs(nat.ms), seconds: nat.ms / 1e3 } : { text: nat.valid ? mismatch(nat.cost, reference) : mismatch(NaN, reference) });
    }
    const sp = scipy.bySha?.get(m.sha1);
    if (sp) {
      const ok = agrees(sp.cost, reference);
      cells.set(`${m.file}:scipy`, ok ? { text: fmtMs(sp.ms), seconds: sp.ms / 1e3 } : { text: mismatch(sp.cost, reference) });
    }
  }

  const cols = ['wasm', 'twin', 'native', 'munkres', 'munkresJs', 'lsaPkg', 'scipy'];
  const rows = [];
  const targets = [];
  for (const m of list) {
    const get = (k) => cells.get(`${m.file}:${k}`);
    const w = get('wasm')?.seconds;
    const ratio = (k) => (get(k)?.seconds && w ? fmt(get(k).seconds / w, 2) : '—');
    rows.push([`${m.n}`, m.kind, ...cols.map((k) => get(k)?.text ?? '—'), ratio('scipy'), ratio('munkres')]);
    if (m.n >= 1024) {
      for (const k of ['scipy', 'munkres']) {
        const o = get(k)?.seconds;
        if (o && w) targets.push(`${k} ${m.kind} ${m.n}: ${fmt(o / w, 2)}× ${o / w >= 2 ? 'met' : '**not met**'}`);
      }
    }
  }
  const header = ['n', 'matrix', 'WASM ms', 'TS twin ms', 'native ms', 'munkres ms', 'munkres-js ms', 'linear-sum-assignment ms', 'scipy ms', 'scipy / WASM', 'munkres / WASM'];
  const sp = scipy.data;
  const notes = [
    'Every solver solves the same matrices (seeded, written once as little-endian f64 files under `bench/.lsa-cache/`). Uniform matrices are minimised, similarity matrices W_A·W_Bᵀ (784 columns, W_B a permuted noisy copy of W_A) maximised. A cell shows a time only when that solver\'s total cost equals the WASM one to 1e-9 (relative).',
    'munkres (2.x) and munkres-js only minimise: they get the negated similarity matrices. linear-sum-assignment gets `{ maximaze: true }` (its spelling). Conversions to each package\'s input format (rows of Float64Array views; `number[][]` for munkres-js) are done outside the timing.',
    `Times are medians after a checked first solve (fast cells: warm-up and repetitions of about 0.2 s each; 5 solves from 50 ms, 3 from 1 s); ¹ marks a single solve (over ${SLOW_S} s). A solver stops at the first size whose predicted time (growth between its last two sizes, exponent clamped to [2, 3]; n³ after one size) passes a minute: "${SKIPPED}".`,
    native.byFile ? 'native: `crate/examples/bench_lsa.rs` through `cargo run --release --example bench_lsa` (built once per bench run), same files.' : `native not run: ${native.reason}.`,
    sp ? `scipy ${sp.scipy} (numpy ${sp.numpy}): \`/usr/bin/python3 bench/lsa-scipy.py bench/.lsa-cache\` (${scipy.ran}), timings from \`bench/lsa-scipy.json\` measured ${sp.measured} UTC, load average ${sp.load.toFixed(2)} at its start; only files whose SHA-1 matches are used.` : `scipy: ${scipy.reason}.`,
    targets.length ? `Target (issue 6: WASM ≥ 2× faster than scipy and munkres at n = 1024 and 2048): ${targets.join('; ')}.` : '',
  ].filter(Boolean);
  return {
    title: 'Linear sum assignment (f64, single thread)',
    markdown: `${table(header, rows)}\n\n${notes.join('\n\n')}`,
  };
}
