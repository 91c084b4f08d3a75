/** The barrier decomposition (explainBarrier) as bars: the test-loss barrier of each row's path. */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, FIT, SCHEMA } from './style.js';

/** The spec; 'rows' holds { label, barrier, error, order } for rows that were evaluated. */
export function explainSpec(): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...FIT,
    height: 220,
    config: CONFIG,
    title: { text: 'Loss barrier after each symmetry is removed', anchor: 'start', fontSize: 13 },
    data: { name: 'rows' },
    layer: [
      {
        mark: { type: 'bar', color: '#7570b3' },
        encoding: {
          y: { field: 'label', type: 'nominal', title: null, sort: { field: 'order' } },
          x: { field: 'barrier', type: 'quantitative', title: 'test-loss barrier' },
          tooltip: [{ field: 'label', title: 'path' }, { field: 'barrier', format: '.4f', title: 'loss barrier' }, { field: 'error', format: '.1%', title: 'error barrier' }],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 11 },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: { field: 'order' } },
          x: { field: 'barrier', type: 'quantitative' },
          text: { field: 'barrier', type: 'quantitative', format: '.3f' },
        },
      },
    ],
  } as TopLevelSpec;
}
