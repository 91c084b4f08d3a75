/**
 * The type of the plot specs this library builds: a Vega-Lite top-level spec as plain JSON. Kept
 * local (not vega-lite's TopLevelSpec) so the public types need no optional package installed.
 */

/** A Vega-Lite top-level specification (plain JSON; `$schema` names the Vega-Lite version). */
export interface PlotSpec {
  $schema: string;
  [key: string]: unknown;
}
