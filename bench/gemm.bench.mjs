// GEMM: the WASM core vs its pure-TS twin, the same Rust natively, and tfjs-backend-wasm (XNNPACK),
// single thread, on named shapes (m, k, n) in three layouts. FLOPs = 2·m·n·k; medians. The peak is
// `simd_peak` (register-only v128 mul+add loop, 48 FLOPs per iteration) measured in the same run,
// interleaved round by round with the WASM and tfjs calls, so their ratios share the machine's load.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fmt, median, table, time } from './util.mjs';

const SHAPES = [
  { name: 'MLP layer, batch 256', m: 256, k: 784, n: 512 },
  { name: 'wide layer', m: 1024, k: 512, n: 512 },
  { name: 'square 512³', m: 512, k: 512, n: 512 },
  { name: 'im2col conv 3×3×32→64, 28×28', m: 64, k: 288, n: 784 },
];
const LAYOUTS = [
  { name: 'A·B', transA: false, transB: false, native: 'ab' },
  { name: 'Aᵀ·B', transA: true, transB: false, native: 'atb' },
  { name: 'A·Bᵀ', transA: false, transB: true, native: 'abt' },
];
const PEAK_FLOPS_PER_ITER = 48;

const gflops = (s, seconds) => (2 * s.m * s.n * s.k) / seconds / 1e9;
const filled = (length, seed) => {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.sin(seed + i * 0.37);
  return out;
};

/** Seconds of `fns[i]()` per round, rounds interleaved so drift in machine load hits all alike. */
async function interleaved(fns, reps) {
  for (const fn of fns) for (let w = 0; w < 2; w++) await fn();
  const samples = fns.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < fns.length; i++) {
      const t0 = performance.now();
      await fns[i]();
      samples[i].push((performance.now() - t0) / 1000);
    }
  }
  return samples.map(median);
}

/** Builds the native example once; returns a runner or a reason it is unavailable. */
function nativeRunner(root) {
  const crate = join(root, 'crate');
  const env = { ...process.env, RUSTFLAGS: '-C target-cpu=native' };
  const targetDir = join(crate, 'target', 'bench-native');
  const build = spawnSync('cargo', ['build', '--quiet', '--release', '--example', 'bench_gemm', '--target-dir', targetDir], { cwd: crate, env, encoding: 'utf8' });
  if (build.status !== 0) return { reason: `native build failed: ${(build.stderr || build.error?.message || '').trim().split('\n')[0]}` };
  const exe = join(targetDir, 'release', 'examples', 'bench_gemm');
  return {
    run(layout, s, reps) {
      const r = spawnSync(exe, [layout, String(s.m), String(s.k), String(s.n), String(reps)], { encoding: 'utf8' });
      if (r.status !== 0) return NaN;
      return JSON.parse(r.stdout.trim().split('\n').pop()).gflops;
    },
  };
}

/** tfjs-core on the wasm backend, one thread; or a reason it is unavailable. */
async function tfjsRunner() {
  try {
    const require = createRequire(import.meta.url);
    const tf = await import('@tensorflow/tfjs-core');
    const backend = await import('@tensorflow/tfjs-backend-wasm');
    backend.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out') + '/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    backend.setThreadsCount?.(1);
    if (!(await tf.setBackend('wasm'))) return { reason: 'tfjs wasm backend failed to initialise' };
    await tf.ready();
    const version = require('@tensorflow/tfjs-backend-wasm/package.json').version;
    return {
      version,
      /** A closure running one matMul (+ dataSync) of `s` in `layout`, and its cleanup. */
      prepare(s, layout) {
        const a = tf.tensor(filled(s.m * s.k, 1), layout.transA ? [s.k, s.m] : [s.m, s.k]);
        const b = tf.tensor(filled(s.k * s.n, 2), layout.transB ? [s.n, s.k] : [s.k, s.n]);
        const once = () => {
          const c = tf.matMul(a, b, layout.transA, layout.transB);
          c.dataSync();
          c.dispose();
        };
        return { once, dispose: () => { a.dispose(); b.dispose(); } };
      },
    };
  } catch (error) {
    return { reason: `tfjs unavailable: ${error.message}` };
  }
}

export default async function run(ctx) {
  const { lib, reference, root } = ctx;
  const core = await lib.getCore();
  const twin = reference.referenceKernels;
  const out = core.allocF32(4);
  const native = nativeRunner(root);
  const tfjs = await tfjsRunner();
  const rows = [];
  const peaks = [];
  const notes = [];

  for (const s of SHAPES) {
    const a = core.allocF32(s.m * s.k);
    const b = core.allocF32(s.k * s.n);
    const c = core.allocF32(s.m * s.n);
    core.f32(a).set(filled(s.m * s.k, 1));
    core.f32(b).set(filled(s.k * s.n, 2));
    const flops = 2 * s.m * s.n * s.k;
    const reps = Math.max(7, Math.min(25, Math.round(4e9 / flops)));
    const peakIters = Math.round(flops / PEAK_FLOPS_PER_ITER);
    for (const layout of LAYOUTS) {
      const peakCall = () => core.invokeChecked('simd_peak', peakIters, out.ptr);
      const call = () => core.invokeChecked('gemm_f32', layout.transA ? 1 : 0, layout.transB ? 1 : 0, s.m, s.n, s.k, a.ptr, b.ptr, 0, 0, 0, 0, c.ptr);
      const tf = tfjs.prepare ? tfjs.prepare(s, layout) : null;
      // The peak loop does as many FLOPs as the GEMM, so the two take similar time in each round.
      const [tPeak, tWasm, tTf] = await interleaved(tf ? [peakCall, call, tf.once] : [peakCall, call], reps);
      tf?.dispose();
      const peak = (peakIters * PEAK_FLOPS_PER_ITER) / tPeak / 1e9;
      peaks.push(peak);
      const w = gflops(s, tWasm);
      const f = tTf ? gflops(s, tTf) : NaN;

      const p = { m: s.m, n: s.n, k: s.k, transA: layout.transA, transB: layout.transB };
      const ta = core.f32(a).slice();
      const tb = core.f32(b).slice();
      const tc = new Float32Array(s.m * s.n);
      const j = gflops(s, (await time(() => twin.gemm(p, ta, tb, null, tc), { reps: 3, warmup: 1, budget: 4 })).median);

      const n = native.run ? native.run(layout.native, s, reps) : NaN;
      rows.push([
        `${s.name} (${s.m}, ${s.k}, ${s.n})`, layout.name, fmt(w), fmt(j), fmt(n), fmt(f),
        `${Math.round((100 * w) / peak)}%`, `${fmt(w / f)}×`, `${fmt(w / j)}×`,
      ]);
    }
    core.free(a);
    core.free(b);
    core.free(c);
  }
  core.free(out);

  if (native.reason) notes.push(native.reason);
  if (tfjs.reason) notes.push(tfjs.reason);
  const header = ['shape (m, k, n)', 'layout', 'WASM GFLOP/s', 'twin GFLOP/s', 'native GFLOP/s', 'tfjs GFLOP/s', 'WASM/peak', 'WASM/tfjs', 'WASM/twin'];
  const text = [
    `simd128 peak (\`simd_peak\`, 6 independent v128 mul chains + 6 add chains, register-only): median ${fmt(median(peaks))} GFLOP/s over the run, timed round by round with the WASM and tfjs calls of each row. ` +
      `WASM = the core's \`gemm_f32\` on buffers already in WASM memory; twin = the pure-TS i-k-j loop (3 runs); ` +
      `native = the same Rust (scalar twin of the SIMD trait, \`-C target-cpu=native\`) via \`examples/bench_gemm\`; ` +
      `tfjs = @tensorflow/tfjs-backend-wasm ${tfjs.version ?? ''} \`matMul\` with transposeA/transposeB, one thread, SIMD build, timed with \`dataSync()\`.`,
    ...notes.map((n) => `Note: ${n}.`),
    '',
    table(header, rows),
  ];
  return { title: 'GEMM (f32, single thread)', markdown: text.join('\n') };
}
