/**
 * Aligned plain-text tables for stdout: a header, a rule, rows; numeric columns right-aligned.
 * No colours or box characters, so the output pastes cleanly into issues and logs.
 */

export interface Column {
  header: string;
  /** Default: right for columns whose cells all look numeric, else left. */
  align?: 'left' | 'right';
}

const NUMERIC = /^[-+]?(\d[\d,]*(\.\d+)?|\.\d+)(e[-+]?\d+)?%?$|^(NaN|-?Infinity|-)$/i;

/** Renders rows of cells under the columns (headers given as strings or Column objects). */
export function formatTable(columns: Array<string | Column>, rows: string[][]): string {
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const widths = cols.map((c, j) => Math.max(c.header.length, ...rows.map((r) => (r[j] ?? '').length)));
  const right = cols.map((c, j) => (c.align ? c.align === 'right' : rows.length > 0 && rows.every((r) => NUMERIC.test(r[j] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((cell, j) => (right[j] ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  ').trimEnd();
  return [line(cols.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cols.map((_, j) => r[j] ?? '')))].join('\n') + '\n';
}

/** Two columns, `key  value`, for summaries. */
export function formatPairs(pairs: Array<[string, string]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** A fraction as a percentage with two decimals: 0.97512 → `97.51%`. */
export function percent(fraction: number | undefined): string {
  return fraction === undefined || !Number.isFinite(fraction) ? '-' : `${(100 * fraction).toFixed(2)}%`;
}

/** A number with 4 significant digits, `-` when absent. */
export function fixed4(value: number | undefined): string {
  return value === undefined ? '-' : Number.isFinite(value) ? value.toPrecision(4) : String(value);
}
