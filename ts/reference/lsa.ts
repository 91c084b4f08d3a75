/**
 * The TS twin of `lsa_solve`: shortest augmenting paths over reduced costs with dual variables
 * (Jonker–Volgenant / Crouse), O(rows²·cols), square problems starting from JV's column reduction
 * and augmenting row reduction; rows > cols is solved on the transpose. Same tie-breaking as the
 * crate, so both return the same assignment.
 */
import { ModeconnError } from '../errors.js';
import { type LsaKernels, type LsaParams, UNASSIGNED, infeasible } from '../kernels/lsa.js';
import { checkLsa } from '../kernels/lsa-check.js';

const FREE = -1;

/**
 * Square problems: v[j] = min_i c[i][j] (its first row i); a column's cheapest row takes it when
 * still free, columns in decreasing order. Rows are read in order.
 */
function columnReduction(c: Float64Array, n: number, v: Float64Array, col4row: Int32Array, row4col: Int32Array): void {
  const best = new Float64Array(n).fill(Infinity);
  const arg = new Int32Array(n).fill(FREE);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (c[i * n + j] < best[j]) {
        best[j] = c[i * n + j];
        arg[j] = i;
      }
    }
  }
  for (let j = n - 1; j >= 0; j--) {
    const i = arg[j];
    if (i === FREE) continue;
    v[j] = best[j];
    if (col4row[i] === FREE) {
      col4row[i] = j;
      row4col[j] = i;
    }
  }
}

/**
 * JV's augmenting row reduction: a free row takes its cheapest column j1, lowering v[j1] by the gap
 * to its second cheapest; j1's previous owner is processed next while the gap is positive.
 */
function augmentingRowReduction(c: Float64Array, n: number, v: Float64Array, col4row: Int32Array, row4col: Int32Array, touched: Uint8Array): void {
  const free: number[] = [];
  for (let i = 0; i < n; i++) if (col4row[i] === FREE) free.push(i);
  let k = 0;
  let budget = 4 * n + 16;
  while (k < free.length && budget > 0) {
    budget -= 1;
    const i = free[k];
    k += 1;
    let u1 = Infinity;
    let u2 = Infinity;
    let j1 = FREE;
    let j2 = FREE;
    for (let j = 0; j < n; j++) {
      const h = c[i * n + j] - v[j];
      if (h < u2) {
        if (h < u1) {
          u2 = u1;
          j2 = j1;
          u1 = h;
          j1 = j;
        } else {
          u2 = h;
          j2 = j;
        }
      }
    }
    if (j1 === FREE || u2 === Infinity) continue;
    let owner = row4col[j1];
    if (u1 < u2) v[j1] -= u2 - u1;
    else if (owner !== FREE) {
      j1 = j2;
      owner = row4col[j2];
    }
    if (owner !== FREE) col4row[owner] = FREE;
    col4row[i] = j1;
    row4col[j1] = i;
    touched[i] = 1;
    if (owner !== FREE && u1 < u2) {
      k -= 1;
      free[k] = owner;
    }
  }
}

/**
 * Row duals after the reductions: rows the augmenting row reduction never assigned keep u = 0 (their
 * reduced costs are ≥ 0 and a column-reduction pair is exactly tight); the others get
 * u[i] = min_j c[i][j] − v[j] and are freed when their own column is not exactly at that minimum.
 */
function setRowDuals(c: Float64Array, n: number, v: Float64Array, touched: Uint8Array, u: Float64Array, col4row: Int32Array, row4col: Int32Array): void {
  for (let i = 0; i < n; i++) {
    if (!touched[i]) continue;
    let low = Infinity;
    for (let j = 0; j < n; j++) {
      const h = c[i * n + j] - v[j];
      if (h < low) low = h;
    }
    u[i] = low === Infinity ? 0 : low;
    const j = col4row[i];
    if (j !== FREE && c[i * n + j] - v[j] !== u[i]) {
      col4row[i] = FREE;
      row4col[j] = FREE;
    }
  }
}

/** Each row's column for `c` (`[nr, nc]`, nr ≤ nc, minimise, entries finite or +∞); null if infeasible. */
function augmentAll(c: Float64Array, nr: number, nc: number): Int32Array | null {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const col4row = new Int32Array(nr).fill(FREE);
  const row4col = new Int32Array(nc).fill(FREE);
  if (nr === nc) {
    columnReduction(c, nc, v, col4row, row4col);
    const touched = new Uint8Array(nr);
    for (let pass = 0; pass < 2; pass++) augmentingRowReduction(c, nc, v, col4row, row4col, touched);
    setRowDuals(c, nc, v, touched, u, col4row, row4col);
  }
  // Columns in the tree have live = +∞ and vLive = −∞, so every scan covers all columns.
  const live = new Float64Array(nc);
  const vLive = new Float64Array(nc);
  const settled = new Float64Array(nc);
  const path = new Int32Array(nc).fill(FREE);
  const rowsSeen: number[] = [];
  const colsSeen: number[] = [];
  for (let cur = 0; cur < nr; cur++) {
    if (col4row[cur] !== FREE) continue;
    live.fill(Infinity);
    vLive.set(v);
    rowsSeen.length = 0;
    colsSeen.length = 0;
    let minVal = 0;
    let i = cur;
    let sink = FREE;
    while (sink === FREE) {
      rowsSeen.push(i);
      const base = minVal - u[i];
      const row = i * nc;
      let lowest = Infinity;
      let index = FREE;
      for (let j = 0; j < nc; j++) {
        const r = base + c[row + j] - vLive[j];
        if (r < live[j]) {
          live[j] = r;
          path[j] = i;
        }
        const d = live[j];
        if (d < lowest) {
          lowest = d;
          index = j;
        }
      }
      minVal = lowest;
      if (minVal === Infinity || index === FREE) return null;
      const j = index;
      settled[j] = minVal;
      live[j] = Infinity;
      vLive[j] = -Infinity;
      colsSeen.push(j);
      if (row4col[j] === FREE) sink = j;
      else i = row4col[j];
    }
    u[cur] += minVal;
    for (const r of rowsSeen) if (r !== cur) u[r] += minVal - settled[col4row[r]];
    for (const j of colsSeen) v[j] -= minVal - settled[j];
    let j = sink;
    for (;;) {
      const r = path[j];
      row4col[j] = r;
      const prev = col4row[r];
      col4row[r] = j;
      if (r === cur) break;
      j = prev;
    }
  }
  return col4row;
}

/** `lsaSolve` of the Kernels interface, in plain TS. */
export function lsaSolve(params: LsaParams, cost: Float64Array, colForRow: Uint32Array): number {
  const { rows, cols, maximize = false } = params;
  checkLsa(params, cost, colForRow);
  colForRow.fill(UNASSIGNED);
  if (rows === 0 || cols === 0) return 0;
  const transpose = rows > cols;
  const [nr, nc] = transpose ? [cols, rows] : [rows, cols];
  const c = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = maximize ? -cost[i * cols + j] : cost[i * cols + j];
      if (Number.isNaN(x) || x === -Infinity) {
        throw new ModeconnError('BAD_ARGUMENT', `cost[${i}, ${j}] is ${cost[i * cols + j]}; forbidden entries are ${maximize ? '-Infinity when maximising' : 'Infinity when minimising'}`);
      }
      c[transpose ? j * nc + i : i * nc + j] = x;
    }
  }
  const col4row = augmentAll(c, nr, nc);
  if (!col4row) throw infeasible(rows, cols);
  col4row.forEach((col, r) => {
    if (transpose) colForRow[col] = r;
    else colForRow[r] = col;
  });
  let total = 0;
  for (let i = 0; i < rows; i++) if (colForRow[i] !== UNASSIGNED) total += cost[i * cols + colForRow[i]];
  return total;
}


export const lsaReference: LsaKernels = { lsaSolve };
