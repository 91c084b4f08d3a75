/**
 * The paths panel: test loss against t for every path, the barrier table, and the scrubbed point —
 * θ(t) on the chosen path evaluated on the runner (test loss for the marker; decision regions over
 * 2-D data, or the digits that flip). Scrubs coalesce: while one is computed only the latest waits.
 */
import {
  compileArch, getCore, hasBatchNorm, pointAt, wasmKernels,
  type DataSet, type Path, type PathReport, type Runner,
} from 'modeconn';
import { findFlips, countRightAtBothEnds, type Flip } from '../analysis/flips.js';
import { measureBounds, makeRegionGrid, computeRegionLogits, colorRegions, type RegionGrid } from '../analysis/regions.js';
import { pixelsToUrl } from '../ui/pixels.js';
import { lossSpec, type LossRow } from '../charts/loss-spec.js';
import { regionsSpec } from '../charts/regions-spec.js';
import { PATH_COLORS, PATH_LABELS } from '../charts/style.js';
import type { Pair } from '../pair.js';
import type { PathKey } from '../state.js';
import { Chart } from '../ui/chart.js';
import { $, el } from '../ui/dom.js';
import { drawGallery } from '../ui/gallery.js';

/** What one scrub showed (kept on window.lab for tests and embedding). */
export interface ScrubView {
  path: PathKey;
  t: number;
  loss: number;
  accuracy: number;
  /** 2-D: a hash of the arg-max class image; changes when a boundary moves over a pixel. */
  regions?: string;
  /** Images: the flipped samples at t. */
  flips?: Flip[];
}

function hashRegions(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const TRIO = ['A: t = 0', 't = 0.5', 'B: t = 1'];

/** The panel (see the module header). */
export class PathsPanel {
  private pair?: Pair;
  private keys: PathKey[] = [];
  private paths: Partial<Record<PathKey, Path>> = {};
  private reports: Partial<Record<PathKey, PathReport>> = {};
  private readonly loss = Chart.create($('loss-chart'), lossSpec(['line', 'curve', 'matched']), { title: 'Test loss along the paths' });
  private readonly regions = Chart.create($('regions'), regionsSpec('Decision regions at θ(t)'), { title: 'Decision regions at θ(t)' });
  private readonly trio = TRIO.map((title, k) => Chart.create($(`trio-${k}`), regionsSpec(title, { small: true }), { title: `Decision regions at ${title}` }));
  private grid?: RegionGrid;
  private bnData?: DataSet;
  private wanted: { path: PathKey; t: number } | null = null;
  private running: Promise<void> | null = null;
  private trioPath: PathKey | null = null;
  /** Bumped by start(): a scrub of an older pair that finishes late draws nothing. */
  private generation = 0;
  /** The last scrub drawn. */
  view: ScrubView | null = null;

  constructor(private readonly runner: Runner, private readonly onView: (view: ScrubView) => void) {}

  /** Resolves when the charts exist. */
  ready(): Promise<unknown> {
    return Promise.all([this.loss, this.regions, ...this.trio]);
  }

  /** Starts over for a new pair whose paths will be `keys`. */
  async start(pair: Pair, keys: PathKey[]): Promise<void> {
    this.generation += 1;
    this.wanted = null;
    this.pair = pair;
    this.keys = keys;
    this.paths = {};
    this.reports = {};
    this.view = null;
    this.trioPath = null;
    this.bnData = hasBatchNorm(compileArch(pair.arch)) ? pair.train : undefined;
    $('barriers').querySelector('tbody')!.replaceChildren();
    for (const input of document.querySelectorAll<HTMLInputElement>('input[name=path]')) input.disabled = !keys.includes(input.value as PathKey);
    $('regions-view').hidden = pair.kind !== '2d';
    $('trio-view').hidden = pair.kind !== '2d';
    $('gallery-view').hidden = pair.kind !== 'image';
    $('gallery').replaceChildren();
    $('gallery-caption').textContent = '';
    const charts = await Promise.all([this.loss, this.regions, ...this.trio]);
    await charts[0].set('points', []);
    await charts[0].set('marker', []);
    this.grid = undefined;
    if (pair.kind !== '2d') return;
    this.grid = makeRegionGrid(measureBounds(pair.train), pair.test.classes);
    const points = Array.from({ length: pair.test.n }, (_, i) => ({ x: pair.test.x[2 * i], y: pair.test.x[2 * i + 1], label: String(pair.test.y[i]) }));
    for (const chart of charts.slice(1)) {
      await chart.set('image', []);
      await chart.set('points', points);
    }
  }

  /** Draws a path's report as it arrives; scrubbing works on it at once. */
  async add(key: PathKey, path: Path, report: PathReport): Promise<void> {
    this.paths[key] = path;
    this.reports[key] = report;
    const rows: LossRow[] = this.keys.flatMap((k) => (this.reports[k]?.sets.test.points ?? []).map((p) => ({ path: PATH_LABELS[k], t: p.t, loss: p.loss, error: p.error })));
    const chart = await this.loss;
    await chart.set('points', rows);
    chart.describe(this.keys.filter((k) => this.reports[k]).map((k) => `${PATH_LABELS[k]} barrier ${this.reports[k]!.sets.test.metrics!.loss.barrier.toFixed(3)}`).join('; '));
    const m = report.sets.test.metrics!;
    const swatch = el('span', { class: 'swatch', style: `background:${PATH_COLORS[key]}`, 'aria-hidden': 'true' });
    const name = el('td');
    name.append(swatch, PATH_LABELS[key]);
    const row = el('tr', { 'data-path': key });
    row.append(name, ...[
      m.loss.endpoints.map((v) => v.toFixed(3)).join(' / '), m.loss.max.toFixed(3), m.loss.barrier.toFixed(3), `${(100 * m.error.barrier).toFixed(1)}%`,
    ].map((text) => el('td', {}, text)));
    $('barriers').querySelector('tbody')!.append(row);
  }

  /** The t of the largest test loss on path `key` (its barrier), if the path is there. */
  barrierT(key: PathKey): number | undefined {
    const points = this.reports[key]?.sets.test.points;
    return points?.reduce((worst, p) => (p.loss > worst.loss ? p : worst)).t;
  }

  /** The paths drawn so far. */
  has(key: PathKey): boolean {
    return this.paths[key] !== undefined;
  }

  /** Shows θ(t) on `path` (when it is there yet); resolves once the latest request is drawn. */
  scrub(path: PathKey, t: number): Promise<void> {
    if (!this.paths[path]) return Promise.resolve();
    this.wanted = { path, t };
    this.running ??= (async () => {
      try {
        while (this.wanted) {
          const next = this.wanted;
          this.wanted = null;
          await this.draw(next.path, next.t);
          if (this.trioPath !== next.path && this.pair?.kind === '2d') await this.drawTrio(next.path);
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async draw(key: PathKey, t: number): Promise<void> {
    const { pair, grid, bnData, generation } = this;
    const path = this.paths[key];
    if (!pair || !path) return;
    const theta = pointAt(path, t, wasmKernels(await getCore()));
    const image = pair.kind === 'image';
    const [[[result]], logits] = await Promise.all([
      this.runner.evaluate(pair.arch, [theta], [pair.test], { logits: image, ...(bnData ? { bnData } : {}) }),
      grid ? computeRegionLogits(this.runner, pair.arch, theta, grid, bnData) : Promise.resolve(undefined),
    ]);
    if (generation !== this.generation) return;
    const view: ScrubView = { path: key, t, loss: result.loss, accuracy: result.accuracy };
    const chart = await this.loss;
    await chart.set('marker', [{ path: PATH_LABELS[key], t, loss: result.loss }]);
    $('t-value').textContent = `t = ${t.toFixed(2)} · loss ${result.loss.toFixed(3)} · accuracy ${(100 * result.accuracy).toFixed(1)}%`;
    if (logits && grid) {
      const { rgba, argmax } = colorRegions(logits, pair.test.classes, grid.res);
      view.regions = hashRegions(argmax);
      const regions = await this.regions;
      await regions.set('image', [{ url: pixelsToUrl(rgba, grid.res), ...grid.bounds }]);
      regions.describe(`${PATH_LABELS[key]} at t = ${t.toFixed(2)}, test accuracy ${(100 * result.accuracy).toFixed(1)}%`);
    }
    if (image) {
      const correct = this.reports[key]!.sets.test.perSample!.correct;
      const [atA, atB] = [correct[0], correct[correct.length - 1]];
      view.flips = findFlips(atA, atB, result.correct, pair.test.y, result.logits!, pair.test.classes);
      drawGallery($('gallery'), pair.test, view.flips, t);
      $('gallery-caption').textContent = `${view.flips.length} of the ${countRightAtBothEnds(atA, atB)} test digits that A and B both get right are wrong at t = ${t.toFixed(2)} on the ${PATH_LABELS[key]}`
        + (view.flips.length > 60 ? ' (the first 60 are shown).' : '.');
    }
    this.view = view;
    this.onView(view);
  }

  private async drawTrio(key: PathKey): Promise<void> {
    const { pair, grid, bnData, generation } = this;
    const path = this.paths[key];
    if (!pair || !grid || !path) return;
    const kernels = wasmKernels(await getCore());
    this.trioPath = key;
    await Promise.all([0, 0.5, 1].map(async (t, k) => {
      const logits = await computeRegionLogits(this.runner, pair.arch, pointAt(path, t, kernels), grid, bnData);
      if (generation !== this.generation) return;
      const chart = await this.trio[k];
      await chart.set('image', [{ url: pixelsToUrl(colorRegions(logits, pair.test.classes, grid.res).rgba, grid.res), ...grid.bounds }]);
      chart.describe(`decision regions of the ${PATH_LABELS[key]} at t = ${t}`);
    }));
  }
}
