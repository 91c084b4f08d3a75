/**
 * The lab's entry: reads the state from the URL, starts the worker pool, wires the controls, the
 * file drop, share and export, and starts a run (at once for the playground and the digits).
 * `window.lab` exposes the state, status, timings and results for tests and embedding.
 */
import './lab.css';
import { createPool, serializeModel, setExactKernels, type Pool } from 'modeconn';
import { PathsPanel, type ScrubView } from './panels/paths-panel.js';
import { PlanePanel } from './panels/plane-panel.js';
import { SymmetryPanel } from './panels/symmetry-panel.js';
import { TrainingPanel } from './panels/training-panel.js';
import { buildReport, type LabResults } from './report.js';
import { runLab, type RunContext } from './run.js';
import { readState, updateState, writeState, type Key, type LabState } from './state.js';
import { charts } from './ui/chart.js';
import { bindControls, renderControls } from './ui/controls.js';
import { $, describeError, download, hideError, setStatus, showError, type ShownError } from './ui/dom.js';

/** The page's public face for tests and embedding. */
interface LabHandle {
  state: LabState;
  /** 'idle': waiting for files (your models). */
  status: 'starting' | 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  runs: number;
  timings: Record<string, number>;
  trainingWindows: Array<{ start: number; end: number }>;
  results: LabResults;
  view: ScrubView | null;
  error: ShownError | null;
  /** A's and B's parameters (for tests that re-check the page's numbers in Node). */
  params(): { a: number[]; b: number[] } | null;
  /** The values of data set `name` of the chart in element `id`, as drawn. */
  chartData(id: string, name: string): object[] | undefined;
}

const lab: LabHandle = {
  state: readState(location.search),
  status: 'starting',
  runs: 0,
  timings: {},
  trainingWindows: [],
  results: {},
  view: null,
  error: null,
  params: () => (made.pair ? { a: Array.from(made.pair.a.params), b: Array.from(made.pair.b.params) } : null),
  chartData: (id, name) => charts.get(id)?.data(name),
};
(window as unknown as { lab: LabHandle }).lab = lab;

let made: RunContext['made'] = {};
const files: RunContext['files'] = { models: [], idx: [] };
let controller: AbortController | null = null;
let pool: Pool;

const training = new TrainingPanel();
let paths: PathsPanel;
let symmetry: SymmetryPanel;
let plane: PlanePanel;

function fail(error: unknown): void {
  lab.error = describeError(error);
  lab.status = 'error';
  setStatus(`failed: ${lab.error.message} [${lab.error.code}]`, 0, true);
  showError(lab.error);
}

/**
 * `?exact`: the simd128 kernels everywhere (no relaxed-SIMD FMA), so results match Node 20 and any
 * machine bit for bit; read once at load and kept in the URL.
 */
const EXACT = new URLSearchParams(location.search).has('exact');

function syncUrl(): void {
  const state = writeState(lab.state);
  const query = EXACT ? (state ? `exact&${state}` : 'exact') : state;
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
  ($('link') as HTMLInputElement).value = location.href;
}

function onChange(key: Key, value: LabState[Key]): void {
  lab.state = updateState(lab.state, key, value);
  renderControls(lab.state);
  syncUrl();
  if (key === 't' || key === 'path') {
    void paths?.scrub(lab.state.path, lab.state.t);
  } else if (key === 'src') {
    if (lab.state.src !== 'own') {
      void run();
    } else {
      controller?.abort();
      setStatus('choose or drop two .safetensors files', undefined, true);
    }
  } else if (lab.status !== 'running') {
    setStatus('settings changed: press “Train and analyse” (or Enter)', undefined, true);
  }
}

async function run(): Promise<void> {
  controller?.abort();
  const mine = new AbortController();
  controller = mine;
  hideError();
  lab.error = null;
  lab.status = 'running';
  lab.runs += 1;
  lab.timings = {};
  lab.results = {};
  made = {};
  $('cancel').removeAttribute('disabled');
  $('export-json').setAttribute('disabled', '');
  if (lab.state.fit === 0 && lab.state.path === 'curve') onChange('path', 'line');
  const started = performance.now();
  try {
    await runLab({
      pool, state: () => lab.state, panels: { training, paths, symmetry, plane }, files, signal: mine.signal,
      timings: lab.timings, trainingWindows: lab.trainingWindows, results: lab.results, made,
    });
    await paths.scrub(lab.state.path, lab.state.t);
    lab.timings.total = (performance.now() - started) / 1000;
    lab.status = 'done';
    setStatus(`done in ${lab.timings.total.toFixed(1)} s (${Object.entries(lab.timings).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`, 1, true);
  } catch (error) {
    if (controller !== mine) return; // a newer run took over
    if ((error as { code?: string }).code === 'CANCELLED') {
      lab.status = 'cancelled';
      setStatus('cancelled', 0, true);
    } else {
      fail(error);
    }
  } finally {
    if (controller === mine) {
      $('cancel').setAttribute('disabled', '');
      if (made.paths) $('export-json').removeAttribute('disabled');
    }
  }
}

function takeModelFiles(list: FileList | File[]): void {
  files.models = [...list];
  $('files-list').textContent = files.models.map((f) => `${f.name} (${(f.size / 1024).toFixed(0)} kB)`).join(', ');
  if (files.models.length === 2 && (lab.state.owndata === 'digits' || files.idx.length === 2)) void run();
  else if (files.models.length !== 2) fail({ code: 'BAD_ARGUMENT', message: `choose two .safetensors files (A and B), got ${files.models.length}` });
}

function wire(): void {
  bindControls(onChange, () => void run(), () => lab.state);
  $('run').addEventListener('click', () => void run());
  $('cancel').addEventListener('click', () => controller?.abort());
  $('to-barrier').addEventListener('click', () => {
    const t = paths?.barrierT(lab.state.path);
    if (t !== undefined) onChange('t', Math.round(t * 100) / 100);
  });
  $('error-close').addEventListener('click', () => hideError());
  const input = $('files') as HTMLInputElement;
  input.addEventListener('change', () => input.files && takeModelFiles(input.files));
  ($('idx') as HTMLInputElement).addEventListener('change', (e) => {
    files.idx = [...((e.target as HTMLInputElement).files ?? [])];
    if (files.models.length === 2 && files.idx.length === 2) void run();
  });
  const drop = $('drop');
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), input.click()));
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files) takeModelFiles(e.dataTransfer.files);
  });
  $('copy-link').addEventListener('click', async () => {
    const link = $('link') as HTMLInputElement;
    link.select();
    await navigator.clipboard?.writeText(link.value).then(() => setStatus('link copied'), () => setStatus('select the link and copy it'));
  });
  $('export-json').addEventListener('click', () => {
    const report = buildReport(lab.state, location.href, lab.results, made, lab.timings);
    download('modeconn-lab-report.json', new Blob([JSON.stringify(report, null, 1)], { type: 'application/json' }));
  });
  $('export-models').addEventListener('click', () => {
    if (!made.pair) return;
    download('A.safetensors', new Blob([serializeModel(made.pair.a, { name: 'A' }) as BlobPart]));
    download('B.safetensors', new Blob([serializeModel(made.pair.b, { name: 'B' }) as BlobPart]));
  });
  addEventListener('unhandledrejection', (e) => fail(e.reason));
  addEventListener('error', (e) => fail(e.error ?? e.message));
}

async function boot(): Promise<void> {
  renderControls(lab.state);
  syncUrl();
  wire();
  try {
    if (EXACT) setExactKernels(true);
    pool = await createPool({ workers: Math.min(4, Math.max(1, navigator.hardwareConcurrency || 2)), exact: EXACT });
    // Every chart is parsed now, before the workers get busy; runs only change their data.
    await training.ready();
    paths = new PathsPanel(pool, (view) => (lab.view = view));
    await paths.ready();
    symmetry = new SymmetryPanel();
    await symmetry.ready();
    plane = new PlanePanel();
    await plane.chart;
  } catch (error) {
    fail(error);
    return;
  }
  if (lab.state.src === 'own') {
    lab.status = 'idle';
    setStatus('choose or drop two .safetensors files', undefined, true);
  } else {
    // Training starts in a task of its own, after the last chart's.
    await new Promise((next) => setTimeout(next, 0));
    await run();
  }
}

void boot();
