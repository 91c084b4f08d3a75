/**
 * Decision regions of one θ over 2-D data: an image of the predicted class on a grid (colour =
 * class, paler where the network is less sure) under the test points coloured by their label. The
 * axes' extent comes from the image's corners, so one spec serves every data set.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CLASS_HEX, CONFIG, SCHEMA } from './style.js';

/** The spec; 'image' holds one { url, x0, x1, y0, y1 }, 'points' the samples { x, y, label }. */
export function regionsSpec(title: string, options: { small?: boolean } = {}): TopLevelSpec {
  const x = { type: 'quantitative' as const, scale: { nice: false, zero: false }, axis: options.small ? null : { title: 'x₁' } };
  const y = { type: 'quantitative' as const, scale: { nice: false, zero: false }, axis: options.small ? null : { title: 'x₂' } };
  return {
    $schema: SCHEMA,
    width: 'container',
    height: 'container',
    autosize: { type: 'fit', contains: 'padding' },
    config: { ...CONFIG, view: { stroke: '#bbb' } },
    title: { text: title, anchor: 'start', fontSize: options.small ? 12 : 13 },
    layer: [
      {
        data: { name: 'image' },
        mark: { type: 'image', aspect: false, smooth: true },
        encoding: { x: { field: 'x0', ...x }, x2: { field: 'x1' }, y: { field: 'y1', ...y }, y2: { field: 'y0' }, url: { field: 'url', type: 'nominal' } },
      },
      {
        data: { name: 'points' },
        mark: { type: 'circle', size: options.small ? 8 : 16, opacity: 0.9, stroke: 'white', strokeWidth: 0.4 },
        encoding: {
          x: { field: 'x', ...x },
          y: { field: 'y', ...y },
          color: { field: 'label', type: 'nominal', title: 'class', legend: null, scale: { domain: CLASS_HEX.map((_, c) => String(c)), range: CLASS_HEX } },
        },
      },
    ],
  } as TopLevelSpec;
}
