// The conditions and width-sweep plots: every bar, rule and series is in the spec's data; the √N
// and N marks sit where they should; both render to SVG with their labels.
import { describe, expect, it } from 'vitest';
import { conditionsPlotSpec, renderSvg, widthSweepPlotSpec, type PlotSweepRow } from '../../ts/plot/node.js';

describe('conditionsPlotSpec', () => {
  it('one bar per net, layer, method and set; the network as a rule', async () => {
    const nets = ['A', 'B'].map((label, i) => ({
      label, network: { train: 0.1 + i, test: 0.2 + i },
      layers: [1, 2].map((layer) => ({ layer, probe: { train: 0.01 * layer, test: 0.02 * layer }, ...(layer === 1 ? { pruned: { train: 0.5, test: 0.6 } } : {}) })),
    }));
    const spec = conditionsPlotSpec(nets, { fraction: 0.5 }) as unknown as { data: { values: Array<{ mark: string; net: string; method: string; loss: number }> } };
    const bars = spec.data.values.filter((v) => v.mark === 'bar');
    expect(bars).toHaveLength(2 * (2 * 2 + 2));
    expect(bars.filter((b) => b.method.startsWith('pruned'))).toHaveLength(4);
    expect(spec.data.values.filter((v) => v.mark === 'rule').map((v) => v.loss)).toEqual([0.1, 0.2, 1.1, 1.2]);
    const svg = await renderSvg(conditionsPlotSpec(nets));
    expect(svg).toContain('layer 2');
    expect(svg).toContain('refit above');
  });
});

describe('widthSweepPlotSpec', () => {
  const row = (n: number, width: number): PlotSweepRow => ({
    n, width, lineBarrier: 1 / width, matchedBarrier: 0.5 / width, path: { excess: 0.01 }, probes: [{ losses: [0.1, 0.2] }, { losses: [0.3] }], epsilon: [0.4, 0.6],
  });
  const rows = [row(100, 4), row(100, 32), row(400, 16), row(1600, 16)];

  it('a panel per sweep, five series, rules at √N and N', async () => {
    const spec = widthSweepPlotSpec(rows, { fixedN: 100, fixedWidth: 16 }) as unknown as {
      hconcat: Array<{ title: string; layer: Array<{ data: { values: Array<Record<string, number | string>> } }> }>;
    };
    expect(spec.hconcat.map((p) => p.title)).toEqual(['N = 100', 'w = 16']);
    const [byWidth, byN] = spec.hconcat;
    expect(byWidth.layer[0].data.values).toHaveLength(2 * 5);
    expect(byWidth.layer[1].data.values.map((m) => m.at)).toEqual([10, 100]);
    expect(byN.layer[1].data.values.map((m) => m.at)).toEqual([256, 16]);
    const probe = byWidth.layer[0].data.values.find((v) => v.series === 'worst probe loss' && v.width === 4)!;
    expect(probe.value).toBe(0.3);
    expect(byWidth.layer[0].data.values.find((v) => v.series === 'dropout ε' && v.width === 4)!.value).toBeCloseTo(0.5, 12);
    expect(await renderSvg(widthSweepPlotSpec(rows, { fixedN: 100 }))).toContain('w = √N');
  });
});
