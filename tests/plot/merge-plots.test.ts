// The merge and instability plots: every row and spawn step in the data, the 2% rule, and an SVG
// that vega renders.
import { describe, expect, it } from 'vitest';
import { instabilityPlotSpec, mergePlotSpec, renderSvg } from '../../ts/plot/node.js';

describe('merge and instability plots', () => {
  it('merge: one bar per model and metric', async () => {
    const rows = [
      { label: 'member 0', kind: 'member' as const, loss: 0.4, accuracy: 0.86 },
      { label: 'naive average', kind: 'naive' as const, loss: 2.1, accuracy: 0.31 },
      { label: 'merged (many)', kind: 'merged' as const, loss: 0.6, accuracy: 0.8 },
    ];
    const spec = mergePlotSpec({ rows }) as unknown as { data: { values: Array<{ label: string; metric: string; value: number }> } };
    expect(spec.data.values).toHaveLength(6);
    expect(spec.data.values.find((v) => v.label === 'naive average' && v.metric === 'test error')!.value).toBeCloseTo(0.69, 12);
    expect(await renderSvg(mergePlotSpec({ rows }))).toContain('merged (many)');
  });

  it('instability: barrier against spawn step', async () => {
    const spawns = [0, 10, 100].map((step, i) => ({ step, errorBarrier: 0.3 / (i + 1), lossBarrier: 1 / (i + 1) }));
    const spec = instabilityPlotSpec({ spawns }) as unknown as { data: { values: unknown[] } };
    expect(spec.data.values).toHaveLength(6);
    const svg = await renderSvg(instabilityPlotSpec({ spawns }));
    expect(svg).toContain('<svg');
    expect(svg).toContain('spawn step k');
  });
});
