/**
 * Vega-Lite specs of path reports, built as plain JSON so the same spec draws in a browser (vega-embed)
 * and in Node (ts/plot/render.ts). Two panels side by side, loss and error (or accuracy) versus t;
 * colour = path, dash = data set (train, test); each path's barrier on one set is drawn as a rule
 * from the endpoints' linear interpolation up to the curve, labelled with its height.
 */
import type { PlotSpec } from './spec.js';

/** The parts of a path report a plot reads (a PathReport, or the same fields parsed from report.json). */
export interface PlotPathReport {
  sets: Record<string, {
    points: ReadonlyArray<{ t: number; loss: number; accuracy: number; error: number }>;
    metrics?: { loss: PlotMetrics; error: PlotMetrics };
  }>;
}

/** The metric fields a plot uses. */
export interface PlotMetrics {
  endpoints: [number, number] | number[];
  barrier: number;
  barrierT: number;
}

export interface PathPlotOptions {
  /** Figure title (default 'Loss and error along the paths'). */
  title?: string;
  /** A line under the title, e.g. the architecture and data set. */
  subtitle?: string;
  /** The right panel: 'error' (default; the barrier of error is the literature's) or 'accuracy'. */
  metric?: 'error' | 'accuracy';
  /** Which set's barriers are annotated (default 'test' when present, else the first set); null for none. */
  barrierSet?: string | null;
  /** Size of each panel in pixels (default 320 x 240). */
  width?: number;
  height?: number;
}

/** One row of the plotted table. */
interface Row {
  path: string;
  set: string;
  t: number;
  loss: number;
  value: number;
}

/** The barrier annotations: a rule from the interpolated endpoints (y0) to the curve (y1). */
interface BarrierRow {
  path: string;
  set: string;
  panel: 'loss' | 'metric';
  t: number;
  y0: number;
  y1: number;
  label: string;
}

const PANEL_TITLES = { error: 'Error', accuracy: 'Accuracy' } as const;

/** True when `value` looks like one report rather than a name → report map. */
function isReport(value: unknown): value is PlotPathReport {
  return typeof value === 'object' && value !== null && 'sets' in value && typeof (value as { sets: unknown }).sets === 'object';
}

/**
 * A Vega-Lite spec of loss and error (or accuracy) versus t for every path of `paths` (one report,
 * or name → report, e.g. `{ line, 'bezier (1 bend)': curve }`), train and test sets together.
 */
export function pathPlotSpec(paths: PlotPathReport | Record<string, PlotPathReport>, options: PathPlotOptions = {}): PlotSpec {
  const named: Record<string, PlotPathReport> = isReport(paths) ? { path: paths } : paths;
  const metric = options.metric ?? 'error';
  const rows: Row[] = [];
  const barriers: BarrierRow[] = [];
  const setNames: string[] = [];
  for (const [name, report] of Object.entries(named)) {
    const sets = Object.keys(report.sets);
    for (const s of sets) if (!setNames.includes(s)) setNames.push(s);
    const annotated = options.barrierSet === null ? undefined : options.barrierSet ?? (sets.includes('test') ? 'test' : sets[0]);
    for (const [set, curve] of Object.entries(report.sets)) {
      for (const p of curve.points) rows.push({ path: name, set, t: p.t, loss: p.loss, value: metric === 'error' ? p.error : p.accuracy });
      if (set !== annotated || !curve.metrics) continue;
      barriers.push(barrierRow(name, set, 'loss', curve.metrics.loss, (v) => String(Number(v.toPrecision(3)))));
      const e = curve.metrics.error;
      // On accuracy the same rule points down: accuracy = 1 − error.
      const flip = metric === 'accuracy' ? { ...e, endpoints: e.endpoints.map((v) => 1 - v), barrier: -e.barrier } : e;
      barriers.push(barrierRow(name, set, 'metric', flip, () => `${(100 * e.barrier).toFixed(1)}%`));
    }
  }
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const colour = { field: 'path', type: 'nominal', title: 'path', sort: Object.keys(named) } as const;
  const dash = { field: 'set', type: 'nominal', title: 'data', sort: setNames, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, encode: { symbols: { update: { stroke: { value: '#444' } } } } } } as const;
  const x = { field: 't', type: 'quantitative', title: 't', scale: { domain: [0, 1] }, axis: { tickCount: 5 } } as const;
  const panel = (field: 'loss' | 'value', panelName: 'loss' | 'metric', title: string, format?: string) => ({
    width,
    height,
    title,
    layer: [
      {
        data: { name: 'points' },
        mark: { type: 'line', point: { size: 18, filled: true }, strokeWidth: 1.8 },
        encoding: {
          x,
          y: { field, type: 'quantitative', title: null, scale: { zero: false }, ...(format ? { axis: { format } } : {}) },
          color: colour,
          strokeDash: dash,
          tooltip: [{ field: 'path' }, { field: 'set' }, { field: 't', format: '.3f' }, { field, format: format ?? '.4f', title }],
        },
      },
      {
        data: { name: 'barriers' },
        transform: [{ filter: { field: 'panel', equal: panelName } }],
        mark: { type: 'rule', strokeWidth: 1.2, strokeDash: [2, 2] },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'y0', type: 'quantitative' }, y2: { field: 'y1' }, color: colour },
      },
      {
        data: { name: 'barriers' },
        transform: [{ filter: { field: 'panel', equal: panelName } }],
        mark: { type: 'text', align: 'left', dx: 5, dy: -7, fontSize: 10 },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'y1', type: 'quantitative' }, text: { field: 'label' }, color: colour },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title ?? `Loss and ${metric} along the paths`, ...(options.subtitle ? { subtitle: options.subtitle } : {}), anchor: 'start' },
    background: 'white',
    padding: 12,
    datasets: { points: rows, barriers } as Record<string, unknown[]>,
    hconcat: [panel('loss', 'loss', 'Loss'), panel('value', 'metric', PANEL_TITLES[metric], '.1%')],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
    config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#ccc' }, legend: { orient: 'right' } },
  } as PlotSpec;
}

function barrierRow(path: string, set: string, panel: 'loss' | 'metric', m: PlotMetrics, format: (v: number) => string): BarrierRow {
  const [v0, v1] = m.endpoints;
  const y0 = (1 - m.barrierT) * v0 + m.barrierT * v1;
  return { path, set, panel, t: m.barrierT, y0, y1: y0 + m.barrier, label: `barrier ${format(m.barrier)}` };
}
