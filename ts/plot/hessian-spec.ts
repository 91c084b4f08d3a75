/**
 * Vega-Lite specs of Hessian spectra: the eigenvalue density of stochastic Lanczos quadrature on a
 * log density axis (as PyHessian draws it, with the quadrature nodes as ticks), and the top
 * eigenvalue and trace along a path (one panel each, t on the x axis, extra points as labelled dots).
 */
import type { PlotSpec } from './spec.js';

/** An eigenvalue density on a grid (plus the quadrature nodes and weights it was smoothed from). */
export interface PlotDensity {
  grid: readonly number[];
  density: readonly number[];
  nodes?: readonly number[];
}

/** The density with a log y axis; `floor` keeps the log scale finite (default 1e-7 of the peak). */
export function densityPlotSpec(d: PlotDensity, options: { title?: string; subtitle?: string; floor?: number } = {}): PlotSpec {
  const peak = Math.max(...d.density);
  const floor = options.floor ?? peak * 1e-7;
  const values = d.grid.map((x, i) => ({ x, y: Math.max(d.density[i], floor) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? 'Hessian eigenvalue density', ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    width: 460,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'line' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'eigenvalue', scale: { zero: false, nice: false } },
          y: { field: 'y', type: 'quantitative', title: 'density (log scale)', scale: { type: 'log' } },
        },
      },
      ...(d.nodes?.length
        ? [{
            data: { values: d.nodes.map((x) => ({ x })) },
            mark: { type: 'tick' as const, color: '#c44', opacity: 0.5, thickness: 1 },
            encoding: { x: { field: 'x', type: 'quantitative' as const } },
          }]
        : []),
    ],
  } as PlotSpec;
}

/** One point of a path's curvature profile. */
export interface PlotCurvaturePoint {
  label: string;
  t?: number;
  topEigenvalue: number;
  trace: number;
}

/** Top eigenvalue and trace versus t (points with t), extra points drawn at the right edge with their labels. */
export function curvaturePlotSpec(points: readonly PlotCurvaturePoint[], options: { title?: string; subtitle?: string } = {}): PlotSpec {
  const onPath = points.filter((p) => p.t !== undefined);
  const extra = points.filter((p) => p.t === undefined);
  const rows = (key: 'topEigenvalue' | 'trace', name: string) => [
    ...onPath.map((p) => ({ quantity: name, t: p.t, value: p[key], label: p.label, kind: 'path' })),
    ...extra.map((p, i) => ({ quantity: name, t: 1.08 + 0.06 * i, value: p[key], label: p.label, kind: 'extra' })),
  ];
  const values = [...rows('topEigenvalue', 'top eigenvalue λ₁'), ...rows('trace', 'trace')];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? 'Curvature along the path', ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    data: { values },
    facet: { column: { field: 'quantity', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'path'" }],
          mark: { type: 'line', point: true },
          encoding: { x: { field: 't', type: 'quantitative', title: 't' }, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } } },
        },
        {
          transform: [{ filter: "datum.kind === 'extra'" }],
          layer: [
            { mark: { type: 'point', filled: true, color: '#c44', size: 60 }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } } },
            { mark: { type: 'text', dy: -9, color: '#c44' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } } },
          ],
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as PlotSpec;
}
