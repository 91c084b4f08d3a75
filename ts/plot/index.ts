/** Plots as Vega-Lite specs: plain JSON, browser-safe (draw them with vega-embed, or render them in Node with modeconn/plot). */
export type { PlotSpec } from './spec.js';
export { pathPlotSpec, type PlotPathReport, type PlotMetrics, type PathPlotOptions } from './path-spec.js';
export { landscapePlotSpec, type PlotSurfaceReport, type LandscapePlotOptions } from './landscape-spec.js';
export { simplexPlotSpec, type PlotSimplexReport } from './simplex-spec.js';
export { ensemblePlotSpec, type EnsemblePlotInput, type EnsemblePlotOptions, type PlotEnsemblePoint } from './ensembles-spec.js';
export { swaGeometryPlotSpec, type PlotSwaGeometry } from './swa-spec.js';
export { conditionsPlotSpec, type PlotConditionsNet } from './conditions-spec.js';
export { widthSweepPlotSpec, type PlotSweepRow } from './widths-spec.js';
export { densityPlotSpec, curvaturePlotSpec, type PlotDensity, type PlotCurvaturePoint } from './hessian-spec.js';
export { mergePlotSpec, type PlotMergeReport } from './merge-spec.js';
export { instabilityPlotSpec, type PlotInstabilityReport } from './instability-spec.js';
