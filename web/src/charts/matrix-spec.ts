/**
 * A unit correlation matrix as a heatmap: row i is A's unit i, column j is B's unit j, −1 blue to +1
 * red. The cells are one image (one pixel per pair of units, drawn by `drawMatrix`), so a 64 × 64
 * matrix costs one mark; an invisible two-point layer gives the colour legend.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, SCHEMA } from './style.js';

/** The diverging colours at −1, 0 and +1 (interpolated linearly in RGB, here and by the legend). */
export const DIVERGING: ReadonlyArray<readonly [number, number, number]> = [[33, 102, 172], [247, 247, 247], [178, 24, 43]];

/** The RGB colour of correlation `c` (clipped to [−1, 1]). */
export function divergingColor(c: number): [number, number, number] {
  const v = Math.max(-1, Math.min(1, Number.isFinite(c) ? c : 0));
  const [from, to, f] = v < 0 ? [DIVERGING[0], DIVERGING[1], v + 1] : [DIVERGING[1], DIVERGING[2], v];
  return [0, 1, 2].map((k) => Math.round(from[k] + (to[k] - from[k]) * f)) as [number, number, number];
}

const hex = (rgb: readonly number[]) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The spec; 'image' holds one { url, n } (an n × n image). */
export function matrixSpec(title: string, xTitle: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    width: 'container',
    height: 'container',
    autosize: { type: 'fit', contains: 'padding' },
    config: CONFIG,
    title: { text: title, anchor: 'start', fontSize: 13 },
    layer: [
      {
        data: { name: 'image' },
        transform: [{ calculate: '0', as: 'zero' }],
        mark: { type: 'image', aspect: false, smooth: false },
        encoding: {
          x: { field: 'zero', type: 'quantitative', title: xTitle, scale: { nice: false } },
          x2: { field: 'n' },
          y: { field: 'zero', type: 'quantitative', title: "A's unit", scale: { nice: false, reverse: true } },
          y2: { field: 'n' },
          url: { field: 'url', type: 'nominal' },
        },
      },
      {
        data: { values: [{ c: -1 }, { c: 1 }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          color: { field: 'c', type: 'quantitative', title: 'correlation', scale: { domain: [-1, 0, 1], range: DIVERGING.map(hex), interpolate: 'rgb' }, legend: { orient: 'bottom', gradientLength: 160 } },
        },
      },
    ],
  } as TopLevelSpec;
}
