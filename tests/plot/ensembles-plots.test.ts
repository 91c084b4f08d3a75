// The ensemble and SWA geometry plots: every point, ray and line value is in the spec's data (the mean
// over directions computed by hand), growth curves drop out on the budget axis, and both render to SVG.
import { describe, expect, it } from 'vitest';
import { ensemblePlotSpec, renderSvg, swaGeometryPlotSpec } from '../../ts/plot/node.js';

describe('ensemblePlotSpec', () => {
  const input = {
    budgets: { fge: [{ members: 1, k: 2, accuracy: 0.8, nll: 0.5 }, { members: 3, k: 4, accuracy: 0.85, nll: 0.4 }] },
    growth: { independent: [{ members: 1, accuracy: 0.79, nll: 0.6 }, { members: 2, accuracy: 0.82, nll: 0.52 }] },
    references: { 'one network': { accuracy: 0.78, nll: 0.61 } },
  };

  it('two rows (accuracy, NLL) per point; growth only against members', async () => {
    type Rows = { data: { values: Array<{ layer: string; metric: string; value: number }> } };
    const byMembers = ensemblePlotSpec(input) as unknown as Rows;
    expect(byMembers.data.values).toHaveLength(2 * (2 + 2 + 1));
    expect(byMembers.data.values.filter((r) => r.layer === 'growth' && r.metric === 'test NLL').map((r) => r.value)).toEqual([0.6, 0.52]);
    const byBudget = ensemblePlotSpec(input, { x: 'k' }) as unknown as Rows;
    expect(byBudget.data.values.filter((r) => r.layer === 'growth')).toHaveLength(0);
    const svg = await renderSvg(ensemblePlotSpec(input, { subtitle: 'tiny' }));
    expect(svg).toContain('test accuracy');
    expect(svg).toContain('one network');
  });
});

describe('swaGeometryPlotSpec', () => {
  it('each ray and the mean of the rays per point and set; the line per set', async () => {
    const geometry = {
      distances: [0, 0.5, 1],
      normalization: 'filter',
      rays: {
        swa: { train: { loss: [[0.1, 0.2, 0.4], [0.1, 0.3, 0.6]] } },
        sgd: { train: { loss: [[0.2, 0.5, 1.0], [0.2, 0.4, 0.9]] } },
      },
      line: { ts: [-1, 0, 1, 2], sets: { train: { loss: [0.5, 0.2, 0.1, 0.3] }, test: { loss: [0.6, 0.3, 0.25, 0.4] } } },
    };
    const spec = swaGeometryPlotSpec(geometry) as unknown as { hconcat: Array<{ data: { values: Array<Record<string, unknown>> } }> };
    const [rays, line] = spec.hconcat.map((p) => p.data.values);
    expect(rays).toHaveLength(2 * (2 * 3 + 3));
    const mean = rays.filter((r) => r.mean && r.series === 'SGD, train').map((r) => r.loss as number);
    [0.2, 0.45, 0.95].forEach((v, i) => expect(mean[i]).toBeCloseTo(v, 12));
    expect(line.filter((r) => r.set === 'test').map((r) => r.loss)).toEqual([0.6, 0.3, 0.25, 0.4]);
    expect(await renderSvg(swaGeometryPlotSpec(geometry))).toContain('<svg');
  });
});
