/**
 * Vega-Lite spec of SWA's geometry (Izmailov et al. 2018, Figs. 4–5 at small scale): left, the loss
 * along random (filter-normalised) rays from θ_SWA and from θ_SGD against the distance, one thin line
 * per direction and the mean over directions bold, per data set; right, the loss along the line
 * θ_SGD + t·(θ_SWA − θ_SGD), with rules at t = 0 (SGD) and t = 1 (SWA). Plain JSON, browser-safe.
 */
import type { PlotSpec } from './spec.js';

/** What the plot needs of measureSwaGeometry's result. */
export interface PlotSwaGeometry {
  distances: readonly number[];
  normalization: string;
  rays: { swa: Record<string, { loss: number[][] }>; sgd: Record<string, { loss: number[][] }> };
  line: { ts: readonly number[]; sets: Record<string, { loss: readonly number[] }> };
}

/** The two panels; see the module header. */
export function swaGeometryPlotSpec(geometry: PlotSwaGeometry, options: { title?: string; subtitle?: string; width?: number; height?: number } = {}): PlotSpec {
  const rays: Array<Record<string, unknown>> = [];
  for (const point of ['swa', 'sgd'] as const) {
    for (const [set, { loss }] of Object.entries(geometry.rays[point])) {
      const label = `${point.toUpperCase()}, ${set}`;
      loss.forEach((row, d) => row.forEach((v, r) => rays.push({ series: label, direction: d, distance: geometry.distances[r], loss: v, mean: false })));
      geometry.distances.forEach((x, r) => rays.push({ series: label, direction: -1, distance: x, loss: loss.reduce((s, row) => s + row[r], 0) / loss.length, mean: true }));
    }
  }
  const line = Object.entries(geometry.line.sets).flatMap(([set, { loss }]) => geometry.line.ts.map((t, i) => ({ set, t, loss: loss[i] })));
  const width = options.width ?? 300;
  const height = options.height ?? 240;
  const distanceTitle = geometry.normalization === 'filter' ? 'distance along the ray (filter-normalised units)' : 'distance along the ray (L2)';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? 'SWA against the SGD iterate: width and the line between them', ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    hconcat: [
      {
        width, height, data: { values: rays },
        layer: [
          {
            transform: [{ filter: '!datum.mean' }],
            mark: { type: 'line', strokeWidth: 0.7, opacity: 0.35 },
            encoding: {
              x: { field: 'distance', type: 'quantitative', title: distanceTitle },
              y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { type: 'log' } },
              color: { field: 'series', type: 'nominal', title: 'from' },
              detail: { field: 'direction', type: 'nominal' },
            },
          },
          {
            transform: [{ filter: 'datum.mean' }],
            mark: { type: 'line', strokeWidth: 2.2, point: { size: 20 } },
            encoding: { x: { field: 'distance', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, color: { field: 'series', type: 'nominal' } },
          },
        ],
      },
      {
        width, height, data: { values: line },
        layer: [
          {
            mark: { type: 'line', strokeWidth: 2, point: { size: 16 } },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 't: θ_SGD + t·(θ_SWA − θ_SGD)' },
              y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
              color: { field: 'set', type: 'nominal', title: 'set' },
            },
          },
          {
            data: { values: [{ t: 0, label: 'SGD' }, { t: 1, label: 'SWA' }] },
            mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
            encoding: { x: { field: 't', type: 'quantitative' } },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as PlotSpec;
}
