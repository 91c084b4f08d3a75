/** Plots: Vega-Lite specs (browser-safe) and their Node rendering to SVG and PNG. */
export { pathPlotSpec, type PlotPathReport, type PlotMetrics, type PathPlotOptions } from './path-spec.js';
export { renderSvg, renderPng, writePlots, DEJAVU_SANS, type RenderPngOptions } from './render.js';
export { landscapePlotSpec, type PlotSurfaceReport, type LandscapePlotOptions } from './landscape-spec.js';
export { simplexPlotSpec, type PlotSimplexReport } from './simplex-spec.js';
export { mergePlotSpec, type PlotMergeReport } from './merge-spec.js';
export { instabilityPlotSpec, type PlotInstabilityReport } from './instability-spec.js';
