// Linear sum assignment: the WASM core vs its pure-TS twin (and scipy, when Debian's python3-scipy
// is installed, by bench/lsa-scipy.py on matrices of the same kinds), on uniform [0, 1) costs and on
// weight-similarity matrices W_A·W_Bᵀ (W_B a permuted, noisy copy of W_A; maximised). Medians.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, table, time } from './util.mjs';

const SIZES = [128, 256, 512];

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
  const order = Array.from({ length: n }, (_, i) => i).sort(() => u() - 0.5);
  const wb = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) wb[i * d + k] = wa[order[i] * d + k] + 0.5 * gauss();
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += wa[i * d + k] * wb[j * d + k];
      c[i * n + j] = s;
    }
  }
  return c;
}

function scipyTimes(root) {
  const r = spawnSync('/usr/bin/python3', [join(root, 'bench', 'lsa-scipy.py'), ...SIZES.map(String)], { encoding: 'utf8' });
  if (r.status !== 0) return { reason: (r.stderr || r.error?.message || 'not run').trim().split('\n').pop() };
  return { times: JSON.parse(r.stdout.trim().split('\n').pop()) };
}

export default async function run(ctx) {
  const { lib, reference, root } = ctx;
  const core = await lib.getCore();
  const wasm = lib.wasmKernels(core);
  const twin = reference.referenceKernels;
  const scipy = scipyTimes(root);
  const rows = [];
  for (const n of SIZES) {
    for (const kind of ['uniform', 'similarity']) {
      const cost = kind === 'uniform' ? uniformCost(n, n) : similarityCost(n, n);
      const p = { rows: n, cols: n, maximize: kind === 'similarity' };
      const out = new Uint32Array(n);
      const reps = n <= 256 ? 7 : 5;
      const w = await time(() => wasm.lsaSolve(p, cost, out), { reps, budget: 20 });
      const t = await time(() => twin.lsaSolve(p, cost, out), { reps, budget: 20 });
      const s = scipy.times?.[String(n)]?.[kind];
      rows.push([`${n}`, kind, fmt(w.median * 1e3), fmt(t.median * 1e3), fmt(t.median / w.median, 2),
        s ? fmt(s * 1e3) : '—', s ? fmt(s / w.median, 2) : '—']);
    }
  }
  const note = scipy.times ? 'scipy: `bench/lsa-scipy.py` (same kinds of matrices, its own random draws).' : `scipy not run: ${scipy.reason}.`;
  return {
    title: 'Linear sum assignment (f64, single thread)',
    markdown: `${table(['n', 'matrix', 'WASM ms', 'TS twin ms', 'twin / WASM', 'scipy ms', 'scipy / WASM'], rows)}\n\n${note}`,
  };
}
