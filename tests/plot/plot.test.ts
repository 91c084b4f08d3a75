// Plots: the spec holds every series and the barrier annotations; SVG from vega parses and draws
// them; PNG from resvg has the signature and the expected size; a missing font is a typed error.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { curveMetrics } from '../../ts/paths/metrics.js';
import { pathPlotSpec, renderPng, renderSvg, writePlots, type PlotPathReport } from '../../ts/plot/node.js';
import { ModeconnError } from '../../ts/errors.js';

/** A report of a path whose loss is base + bump·sin(πt) on train and test. */
function fakeReport(bump: number): PlotPathReport {
  const ts = Array.from({ length: 11 }, (_, i) => i / 10);
  const distance = ts.map((t) => 3 * t);
  const sets: PlotPathReport['sets'] = {};
  for (const [set, base] of [['train', 0.1], ['test', 0.2]] as const) {
    const loss = ts.map((t) => base + bump * Math.sin(Math.PI * t));
    const error = loss.map((l) => Math.min(1, l / 4));
    sets[set] = {
      points: ts.map((t, i) => ({ t, loss: loss[i], error: error[i], accuracy: 1 - error[i] })),
      metrics: { loss: curveMetrics(ts, loss, distance), error: curveMetrics(ts, error, distance) },
    };
  }
  return { sets };
}

const paths = { line: fakeReport(1.5), 'bezier (1 bend)': fakeReport(0.05) };

describe('pathPlotSpec', () => {
  it('puts every path and set in the data and annotates the test barriers', () => {
    const spec = pathPlotSpec(paths, { subtitle: 'mlp 784-256-10 on mnist' }) as unknown as {
      datasets: { points: Array<{ path: string; set: string }>; barriers: Array<{ path: string; set: string; panel: string; y1: number; y0: number; label: string }> };
      hconcat: unknown[];
    };
    expect(spec.hconcat).toHaveLength(2);
    expect(spec.datasets.points).toHaveLength(2 * 2 * 11);
    expect(new Set(spec.datasets.points.map((r) => `${r.path}/${r.set}`))).toEqual(new Set(['line/train', 'line/test', 'bezier (1 bend)/train', 'bezier (1 bend)/test']));
    const lineLoss = spec.datasets.barriers.find((b) => b.path === 'line' && b.panel === 'loss')!;
    expect(lineLoss.set).toBe('test');
    expect(lineLoss.y1 - lineLoss.y0).toBeCloseTo(1.5, 5);
    expect(lineLoss.label).toBe('barrier 1.5');
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec); // plain JSON: the same spec draws in a browser
  });

  it('plots accuracy instead of error on request, and no annotations with barrierSet null', () => {
    const spec = pathPlotSpec(paths.line, { metric: 'accuracy', barrierSet: null }) as unknown as { datasets: { points: Array<{ value: number }>; barriers: unknown[] } };
    expect(spec.datasets.barriers).toHaveLength(0);
    expect(spec.datasets.points[0].value).toBeCloseTo(1 - 0.1 / 4, 6);
  });
});

describe('rendering', () => {
  it('renders SVG with every series, and a PNG of the right size', async () => {
    const spec = pathPlotSpec(paths, { title: 'Test figure' });
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
    for (const text of ['Test figure', 'line', 'bezier (1 bend)', 'train', 'test', 'barrier 1.5', 'Loss', 'Error']) expect(svg).toContain(text);
    const width = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
    const height = Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)![1]);
    expect(width).toBeGreaterThan(600);
    expect(height).toBeGreaterThan(250);
    // 4 series of 11 points per panel: the line marks are paths.
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(16);

    const png = await renderPng(svg, { scale: 2 });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBe(Math.ceil(width * 2));
    expect(view.getUint32(20)).toBe(Math.ceil(height * 2));
    expect(png.length).toBeGreaterThan(20_000);
  }, 30_000);

  it('writes both files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeconn-plot-'));
    try {
      const files = await writePlots(pathPlotSpec(paths), dir, 'paths', { scale: 1 });
      expect(readFileSync(files.svg, 'utf8')).toContain('<svg');
      expect(Array.from(readFileSync(files.png).subarray(1, 4))).toEqual([80, 78, 71]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('names the Debian package when the font is missing', async () => {
    const error = await renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', { fontFile: '/nonexistent/DejaVuSans.ttf' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModeconnError);
    expect((error as ModeconnError).code).toBe('FONT_UNAVAILABLE');
    expect((error as ModeconnError).message).toContain('/nonexistent/DejaVuSans.ttf');
  });
});

describe('built package', () => {
  it('exports the spec builders from modeconn and the renderers from modeconn/plot, vega loaded only on demand', async () => {
    const pkg = await import('modeconn');
    const plot = await import('modeconn/plot');
    expect(typeof pkg.pathPlotSpec).toBe('function');
    expect('renderSvg' in pkg).toBe(false);
    expect(plot.pathPlotSpec).toBe(pkg.pathPlotSpec);
    const svg = await plot.renderSvg(pkg.pathPlotSpec(paths));
    expect(svg).toContain('bezier (1 bend)');
  }, 30_000);
});
