// The browser demo: train two MLPs on a pool of Web Workers, then evaluate the line, a fitted curve and
// the weight-matched line between them, drawing the test loss as it arrives. `?auto` runs it at once
// (with the parameters in the query string); `?exact` runs the simd128 kernels (the same bits as Node
// 20 and any other engine) instead of relaxed SIMD; `window.demo` holds the state for tests and embedding.
import * as lib from '/dist/index.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.has('exact')) lib.setExactKernels(true);
for (const key of ['hidden', 'epochs', 'fitEpochs', 'seed']) if (params.has(key)) $(key).value = params.get(key);
window.demo = { status: 'ready', results: null, error: null };

const COLORS = { line: '#d95f02', curve: '#1b9e77', aligned: '#7570b3' };
const LABELS = { line: 'line', curve: 'Bezier curve', aligned: 'line after weight matching' };

/** A small SVG line chart of test loss against t, one polyline per path. */
function draw(curves) {
  const [w, h, left, bottom] = [640, 300, 50, 30];
  const all = Object.values(curves).flatMap((c) => c.map((p) => p.loss));
  const top = Math.max(...all, 0.1) * 1.05;
  const x = (t) => left + t * (w - left - 10);
  const y = (l) => h - bottom - (l / top) * (h - bottom - 10);
  const ticks = Array.from({ length: 5 }, (_, i) => (top * i) / 4);
  const axis = ticks.map((v) => `<line x1="${left}" x2="${w - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`).join('');
  const lines = Object.entries(curves).map(([key, c], i) =>
    `<polyline fill="none" stroke="${COLORS[key]}" stroke-width="2" points="${c.map((p) => `${x(p.t).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ')}"/>` +
    `<text x="${w - 12}" y="${22 + 16 * i}" text-anchor="end" fill="${COLORS[key]}">${LABELS[key]}</text>`).join('');
  $('plot').innerHTML = `<svg width="${w}" height="${h}" role="img" aria-label="test loss along the paths">${axis}${lines}` +
    `<text x="${(w + left) / 2}" y="${h - 6}" text-anchor="middle">t (A at 0, B at 1)</text></svg>`;
}

function table(rows) {
  $('table').hidden = false;
  $('table').querySelector('tbody').innerHTML = rows.map(([name, m]) =>
    `<tr><td>${name}</td><td>${m.loss.endpoints.map((v) => v.toFixed(3)).join(' / ')}</td><td>${m.loss.max.toFixed(3)}</td>` +
    `<td>${m.loss.barrier.toFixed(3)}</td><td>${(100 * m.error.max).toFixed(1)}%</td></tr>`).join('');
}

async function run() {
  const status = (text) => {
    $('status').textContent = text;
    window.demo.status = text;
  };
  const hidden = Number($('hidden').value);
  const epochs = Number($('epochs').value);
  const fitEpochs = Number($('fitEpochs').value);
  const seed = Number($('seed').value);
  $('run').disabled = true;
  const started = performance.now();
  const pool = await lib.createPool({ workers: Math.max(1, Math.min(2, navigator.hardwareConcurrency || 2)) });
  try {
    const { train, test } = lib.splitDataSet(lib.spirals({ n: 1500, classes: 3, noise: 0.04, turns: 1, seed }), { test: 300, seed });
    const arch = lib.mlp({ input: 2, hidden: [hidden, hidden], classes: 3 });
    status(`training two ${hidden}-${hidden} MLPs for ${epochs} epochs on ${pool.size} workers…`);
    const optimizer = { type: 'adam', lr: 0.01 };
    const options = (s) => ({ seed: s, epochs, batchSize: 64, optimizer });
    const [a, b] = await Promise.all([pool.train(arch, train, options(seed)), pool.train(arch, train, options(seed + 1000))]);
    const curves = {};
    const metrics = [];
    const evaluate = async (key, label, path) => {
      status(`evaluating the ${label}…`);
      const report = await lib.evaluatePath(path, arch, { train, test }, { points: 17, runner: pool });
      curves[key] = report.sets.test.points;
      metrics.push([label, report.sets.test.metrics]);
      draw(curves);
      table(metrics);
    };
    await evaluate('line', 'line', lib.linearPath(a.params, b.params));
    status(`fitting a Bezier curve for ${fitEpochs} epochs…`);
    const fit = await lib.fitCurve(lib.bezierCurve(a.params, b.params), arch, train, { seed, epochs: fitEpochs, batchSize: 64, optimizer });
    await evaluate('curve', 'Bezier curve (1 bend)', fit.path);
    status('aligning B to A by weight matching…');
    const aligned = await lib.weightMatching({ arch, params: a.params }, { arch, params: b.params });
    await evaluate('aligned', 'line after weight matching', lib.linearPath(a.params, aligned.aligned.params));
    const seconds = (performance.now() - started) / 1000;
    window.demo.results = { seconds, metrics: Object.fromEntries(metrics.map(([k, m]) => [k, m])), points: curves };
    status(`done in ${seconds.toFixed(1)} s`);
  } catch (error) {
    window.demo.error = `${error.code ?? ''} ${error.message}`;
    status(`failed: ${window.demo.error}`);
  } finally {
    await pool.close();
    $('run').disabled = false;
  }
}

$('run').addEventListener('click', run);
if (params.has('auto')) run();
