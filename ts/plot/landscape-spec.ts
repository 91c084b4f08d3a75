/**
 * Vega-Lite specs of loss landscapes (plain JSON, drawn by vega-embed in a browser or by
 * ts/plot/render.ts in Node). A 2-D surface is a heatmap of the loss, one panel per data set, on a
 * log colour scale clipped at `clip` × the smallest loss (the way the literature keeps the valley
 * visible); marked points (the models of a plane) are drawn and labelled on top. A 1-D surface is
 * loss versus the coordinate, one line per data set, with the marked points as rules.
 */
import type { PlotSpec } from './spec.js';

/** The parts of a surface report a plot reads (a SurfaceReport, or the same fields from report.json). */
export interface PlotSurfaceReport {
  xs: readonly number[];
  ys?: readonly number[];
  sets: Record<string, { loss: ReadonlyArray<ReadonlyArray<number>> }>;
}

export interface LandscapePlotOptions {
  title?: string;
  subtitle?: string;
  /** Points to mark: the models of a plane, or the origin. */
  marks?: ReadonlyArray<{ label: string; x: number; y?: number }>;
  /** Colour scale upper end as a multiple of the smallest loss (default 10). */
  clip?: number;
  /** Axis titles (default 'x', 'y'). */
  xTitle?: string;
  yTitle?: string;
  /** A path drawn over a 2-D surface, in order (a training trajectory, Li et al. 2018 Figure 9). */
  trajectory?: ReadonlyArray<{ x: number; y: number }>;
  /** Panel size in pixels (default 300 x 300 for 2-D, 420 x 260 for 1-D). */
  width?: number;
  height?: number;
}

/** Half the spacing around each grid coordinate: the cell edges of a heatmap column or row. */
function edges(values: readonly number[]): Array<[number, number]> {
  return values.map((v, i) => {
    const lo = i > 0 ? (values[i - 1] + v) / 2 : v - (values.length > 1 ? (values[1] - v) / 2 : 0.5);
    const hi = i < values.length - 1 ? (v + values[i + 1]) / 2 : v + (values.length > 1 ? (v - values[i - 1]) / 2 : 0.5);
    return [lo, hi];
  });
}

/** A Vega-Lite spec of `report` (see the module header). */
export function landscapePlotSpec(report: PlotSurfaceReport, options: LandscapePlotOptions = {}): PlotSpec {
  const sets = Object.keys(report.sets);
  const marks = options.marks ?? [];
  const title = { text: options.title ?? 'Loss landscape', ...(options.subtitle ? { subtitle: options.subtitle } : {}) };
  const xTitle = options.xTitle ?? 'x';
  if (!report.ys) {
    const values = sets.flatMap((set) => report.xs.map((x, c) => ({ set, x, loss: report.sets[set].loss[0][c] })));
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title,
      width: options.width ?? 420,
      height: options.height ?? 260,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: xTitle },
            y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
            color: { field: 'set', type: 'nominal', title: 'data' },
          },
        },
        ...(marks.length
          ? [{
              data: { values: marks.map((m) => ({ label: m.label, x: m.x })) },
              layer: [
                { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 'x', type: 'quantitative' } } },
                { mark: { type: 'text', dy: -6, baseline: 'bottom', align: 'left', dx: 3 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
              ],
            }]
          : []),
      ],
    } as PlotSpec;
  }
  const ys = report.ys;
  const xe = edges(report.xs);
  const ye = edges(ys);
  const cells = sets.flatMap((set) => ys.flatMap((y, r) => report.xs.map((x, c) => ({
    set, x0: xe[c][0], x1: xe[c][1], y0: ye[r][0], y1: ye[r][1], loss: report.sets[set].loss[r][c],
  }))));
  const finite = cells.map((c) => c.loss).filter((l) => Number.isFinite(l) && l > 0);
  const low = finite.length ? Math.min(...finite) : 1e-3;
  const top = finite.length ? Math.max(...finite) : low;
  const high = Math.max(Math.min(top, low * (options.clip ?? 10)), low * 1.01);
  const markRows = sets.flatMap((set) => marks.map((m) => ({ set, label: m.label, x: m.x, y: m.y ?? 0 })));
  const trajRows = sets.flatMap((set) => (options.trajectory ?? []).map((p, order) => ({ set, x: p.x, y: p.y, order, kind: 'traj' })));
  const axisX = { title: xTitle };
  const axisY = { title: options.yTitle ?? 'y' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: [...cells.map((c) => ({ ...c, kind: 'cell' })), ...markRows.map((m) => ({ ...m, kind: 'mark' })), ...trajRows] },
    facet: { column: { field: 'set', type: 'nominal', title: null, sort: sets } },
    spec: {
      width: options.width ?? 300,
      height: options.height ?? 300,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'cell'" }, { calculate: `clamp(datum.loss, ${low}, ${high})`, as: 'shown' }],
          mark: { type: 'rect' },
          encoding: {
            x: { field: 'x0', type: 'quantitative', axis: axisX, scale: { nice: false, zero: false } },
            x2: { field: 'x1' },
            y: { field: 'y0', type: 'quantitative', axis: axisY, scale: { nice: false, zero: false } },
            y2: { field: 'y1' },
            color: { field: 'shown', type: 'quantitative', title: 'loss', scale: { type: 'log', scheme: 'viridis', domain: [low, high] } },
            tooltip: [{ field: 'loss', type: 'quantitative', format: '.4f' }],
          },
        },
        ...(trajRows.length
          ? [{
              transform: [{ filter: "datum.kind === 'traj'" }],
              mark: { type: 'line', point: { filled: true, size: 18, color: '#ff5533' }, color: '#ff5533', strokeWidth: 1.5 },
              encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, order: { field: 'order', type: 'quantitative' } },
            }]
          : []),
        {
          transform: [{ filter: "datum.kind === 'mark'" }],
          layer: [
            { mark: { type: 'point', shape: 'circle', filled: true, color: 'white', stroke: 'black', size: 60 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
            { mark: { type: 'text', dx: 7, align: 'left', color: 'white', fontWeight: 'bold' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
          ],
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  } as PlotSpec;
}
