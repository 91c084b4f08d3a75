/** Test loss along each path against t, with the scrubbed point: a rule at t and a dot on its path. */
import type { TopLevelSpec } from 'vega-lite';
import type { PathKey } from '../state.js';
import { CONFIG, FIT, PATH_COLORS, PATH_LABELS, SCHEMA } from './style.js';

/** A row of 'points': one evaluated t of one path. */
export interface LossRow {
  path: string;
  t: number;
  loss: number;
  error: number;
}

/** The spec; 'points' holds LossRows, 'marker' one { path, t, loss }. */
export function lossSpec(paths: readonly PathKey[]): TopLevelSpec {
  const domain = paths.map((p) => PATH_LABELS[p]);
  const color = { field: 'path', type: 'nominal' as const, title: 'path', scale: { domain, range: paths.map((p) => PATH_COLORS[p]) } };
  return {
    $schema: SCHEMA,
    ...FIT,
    height: 260,
    config: CONFIG,
    title: { text: 'Test loss along the paths', anchor: 'start', fontSize: 13 },
    layer: [
      {
        data: { name: 'points' },
        mark: { type: 'line', point: { size: 18 } },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 't (A at 0, B at 1)', scale: { domain: [0, 1] }, axis: { tickCount: 5 } },
          y: { field: 'loss', type: 'quantitative', title: 'test loss' },
          color,
          tooltip: [{ field: 'path' }, { field: 't', format: '.2f' }, { field: 'loss', format: '.4f' }, { field: 'error', format: '.1%' }],
        },
      },
      {
        data: { name: 'marker' },
        layer: [
          { mark: { type: 'rule', strokeDash: [3, 3], color: '#444' }, encoding: { x: { field: 't', type: 'quantitative' } } },
          {
            mark: { type: 'point', filled: true, size: 110, stroke: '#111', strokeWidth: 1.5 },
            encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, color },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}
