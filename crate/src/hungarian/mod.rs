//! Linear sum assignment: choose one distinct column for each row of a cost matrix `[rows, cols]`
//! (row-major f64) minimising (or maximising) the summed cost. Shortest augmenting paths with
//! dual variables (Jonker–Volgenant; Crouse 2016 for rectangular problems), O(rows²·cols). Square
//! problems start from JV's column reduction and two passes of augmenting row reduction.
//! Forbidden entries are +∞ when minimising, −∞ when maximising. When rows > cols the problem is
//! solved on the transpose, so min(rows, cols) pairs are assigned.

mod scans;
#[cfg(test)]
mod scans_tests;

use crate::simd::Arch;

/// Why there is no assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LsaError {
    /// Every complete assignment uses a forbidden entry.
    Infeasible,
    /// A NaN, or an infinity of the sign that would make the optimum unbounded.
    InvalidCost,
    /// `cost.len() != rows * cols` (or the product overflows).
    Shape,
}

/// Marks a row left without a column (only when rows > cols).
pub const UNASSIGNED: u32 = u32::MAX;

/// An optimal assignment: `col_for_row[i]` is row i's column (or `UNASSIGNED`); `cost` is the sum
/// of the chosen original entries in row order.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub col_for_row: Vec<u32>,
    pub cost: f64,
}

/// Solves the assignment problem for `cost` (`[rows, cols]`, row-major). The matrix is only read:
/// a maximisation negates each entry as it is loaded.
pub fn solve(cost: &[f64], rows: usize, cols: usize, maximize: bool) -> Result<Assignment, LsaError> {
    let len = rows.checked_mul(cols).ok_or(LsaError::Shape)?;
    if cost.len() != len {
        return Err(LsaError::Shape);
    }
    let mut col_for_row = vec![UNASSIGNED; rows];
    if rows == 0 || cols == 0 {
        return Ok(Assignment { col_for_row, cost: 0.0 });
    }
    // The solver minimises, with +∞ as the only infinity. Square problems validate each row inside
    // the column reduction (one pass over the matrix, not two).
    if rows == cols {
        let col4row = if maximize { augment_all::<true>(cost, rows, cols, true)? } else { augment_all::<false>(cost, rows, cols, true)? };
        for (r, col) in col4row.into_iter().enumerate() {
            col_for_row[r] = col as u32;
        }
    } else {
        let valid = |row: &[f64]| if maximize { scans::valid::<Arch, true>(row) } else { scans::valid::<Arch, false>(row) };
        if !cost.chunks(cols).all(valid) {
            return Err(LsaError::InvalidCost);
        }
        if rows > cols {
            // Solved on the transpose (rows ≤ cols), negated on the way when maximising.
            let mut t = vec![0.0f64; len];
            for i in 0..rows {
                for j in 0..cols {
                    let x = cost[i * cols + j];
                    t[j * rows + i] = if maximize { -x } else { x };
                }
            }
            for (r, col) in augment_all::<false>(&t, cols, rows, false)?.into_iter().enumerate() {
                col_for_row[col] = r as u32;
            }
        } else {
            let col4row =
                if maximize { augment_all::<true>(cost, rows, cols, false)? } else { augment_all::<false>(cost, rows, cols, false)? };
            for (r, col) in col4row.into_iter().enumerate() {
                col_for_row[r] = col as u32;
            }
        }
    }
    // The chosen entries summed in row order.
    let mut total = 0.0;
    for (i, &j) in col_for_row.iter().enumerate() {
        if j != UNASSIGNED {
            total += cost[i * cols + j as usize];
        }
    }
    Ok(Assignment { col_for_row, cost: total })
}

/// An entry as the minimisation sees it (`NEG`: a maximisation, entries negated).
#[inline(always)]
fn entry<const NEG: bool>(x: f64) -> f64 {
    if NEG {
        -x
    } else {
        x
    }
}

/// Scratch of one augmentation. Columns already in the tree have `live = +∞` and `v_live = −∞`,
/// so the scan over all columns needs no index list and no branch on membership.
struct Search {
    live: Vec<f64>,
    v_live: Vec<f64>,
    /// Path length of each column when it joined the tree.
    settled: Vec<f64>,
    /// The row each column was last reached from.
    path: Vec<u64>,
    rows_seen: Vec<usize>,
    cols_seen: Vec<usize>,
}

/// Assigns every row of `c` (`[nr, nc]`, nr ≤ nc; entries, negated when `NEG`, finite or +∞) to a
/// column; returns the column of each row. `check` (square problems) validates each row during the
/// column reduction.
fn augment_all<const NEG: bool>(c: &[f64], nr: usize, nc: usize, check: bool) -> Result<Vec<usize>, LsaError> {
    const FREE: usize = usize::MAX;
    let mut u = vec![0.0f64; nr];
    let mut v = vec![0.0f64; nc];
    let mut col4row = vec![FREE; nr];
    let mut row4col = vec![FREE; nc];
    if nr == nc {
        column_reduction::<NEG>(c, nc, check, &mut v, &mut col4row, &mut row4col)?;
        let mut touched = vec![false; nr];
        for _ in 0..2 {
            augmenting_row_reduction::<NEG>(c, nc, &mut v, &mut col4row, &mut row4col, &mut touched);
        }
        set_row_duals::<NEG>(c, nc, &v, &touched, &mut u, &mut col4row, &mut row4col);
    }
    let mut s = Search {
        live: vec![f64::INFINITY; nc],
        v_live: vec![0.0; nc],
        settled: vec![0.0; nc],
        path: vec![u64::MAX; nc],
        rows_seen: Vec::with_capacity(nr),
        cols_seen: Vec::with_capacity(nc),
    };
    for cur in 0..nr {
        if col4row[cur] != FREE {
            continue;
        }
        let (sink, min_val) = shortest_path::<NEG>(c, nc, &u, &v, &row4col, cur, &mut s)?;
        // Dual update keeps reduced costs ≥ 0 and tight along the tree.
        u[cur] += min_val;
        for &i in &s.rows_seen {
            if i != cur {
                u[i] += min_val - s.settled[col4row[i]];
            }
        }
        for &j in &s.cols_seen {
            v[j] -= min_val - s.settled[j];
        }
        // Flip the path from the sink back to `cur`.
        let mut j = sink;
        loop {
            let i = s.path[j] as usize;
            row4col[j] = i;
            let prev = col4row[i];
            col4row[i] = j;
            if i == cur {
                break;
            }
            j = prev;
        }
    }
    Ok(col4row)
}

/// Square problems only (rectangular ones need v ≤ 0): v[j] = min_i c[i][j] (the first such row
/// i), and each column's cheapest row takes it when that row is still free, columns in decreasing
/// order. Reduced costs stay ≥ 0 and the pairs are tight. Rows are read in order (cache-friendly).
fn column_reduction<const NEG: bool>(
    c: &[f64],
    n: usize,
    check: bool,
    v: &mut [f64],
    col4row: &mut [usize],
    row4col: &mut [usize],
) -> Result<(), LsaError> {
    const FREE: usize = usize::MAX;
    let mut best = vec![f64::INFINITY; n];
    let mut arg = vec![u64::MAX; n];
    for (i, row) in c.chunks(n).enumerate() {
        // Validation rides along (an entry never written is never read unchecked).
        if !scans::column_minima::<Arch, NEG>(row, i as u64, &mut best, &mut arg) && check {
            return Err(LsaError::InvalidCost);
        }
    }
    for j in (0..n).rev() {
        if arg[j] == u64::MAX {
            continue; // a column of forbidden entries keeps v = 0
        }
        let i = arg[j] as usize;
        v[j] = best[j];
        if col4row[i] == FREE {
            col4row[i] = j;
            row4col[j] = i;
        }
    }
    Ok(())
}

/// Jonker–Volgenant's augmenting row reduction (square problems): a free row takes its cheapest
/// column j1 by lowering v[j1] to the gap to its second cheapest, displacing j1's owner, which is
/// processed next while the gap is positive. Only lowers v, so reduced costs stay ≥ 0 and rows it
/// never reaches stay at their minimum. Marks the rows it assigns in `touched`.
fn augmenting_row_reduction<const NEG: bool>(
    c: &[f64],
    n: usize,
    v: &mut [f64],
    col4row: &mut [usize],
    row4col: &mut [usize],
    touched: &mut [bool],
) {
    const FREE: usize = usize::MAX;
    let mut free: Vec<usize> = (0..n).filter(|&i| col4row[i] == FREE).collect();
    let mut k = 0;
    // Bounds the work; rows still free afterwards go to the shortest-path phase.
    let mut budget = 4 * n + 16;
    while k < free.len() && budget > 0 {
        budget -= 1;
        let i = free[k];
        k += 1;
        let (u1, mut j1, u2, j2) = scans::two_smallest::<Arch, NEG>(&c[i * n..(i + 1) * n], v);
        if j1 == FREE || u2 == f64::INFINITY {
            continue; // fewer than two usable columns: leave it to the shortest paths
        }
        let mut owner = row4col[j1];
        if u1 < u2 {
            v[j1] -= u2 - u1;
        } else if owner != FREE {
            // A tie: the second column serves as well and may be free.
            j1 = j2;
            owner = row4col[j2];
        }
        if owner != FREE {
            col4row[owner] = FREE;
        }
        col4row[i] = j1;
        row4col[j1] = i;
        touched[i] = true;
        if owner != FREE {
            // After a tie the owner waits for the next pass (it is free in col4row).
            if u1 < u2 {
                k -= 1;
                free[k] = owner;
            }
        }
    }
}

/// Row duals after the reductions. A row the augmenting row reduction never assigned has u = 0: v
/// holds column minima lowered since, so its reduced costs are ≥ 0, and when column reduction gave
/// it a column that column still has v = its cost (an exact zero). The other rows get
/// u[i] = min_j c[i][j] − v[j], and are freed when their own column is not exactly that minimum
/// (rounding), so assigned pairs are exactly tight.
fn set_row_duals<const NEG: bool>(
    c: &[f64],
    n: usize,
    v: &[f64],
    touched: &[bool],
    u: &mut [f64],
    col4row: &mut [usize],
    row4col: &mut [usize],
) {
    const FREE: usize = usize::MAX;
    for i in (0..n).filter(|&i| touched[i]) {
        let row = &c[i * n..(i + 1) * n];
        let low = scans::smallest::<Arch, NEG>(row, v);
        u[i] = if low == f64::INFINITY { 0.0 } else { low };
        let j = col4row[i];
        if j != FREE && entry::<NEG>(row[j]) - v[j] != u[i] {
            col4row[i] = FREE;
            row4col[j] = FREE;
        }
    }
}

/// Dijkstra over reduced costs from row `cur` to the nearest free column: returns it and the path
/// length; `s.path` holds the tree, `s.settled` the lengths of the columns in `s.cols_seen`.
fn shortest_path<const NEG: bool>(
    c: &[f64],
    nc: usize,
    u: &[f64],
    v: &[f64],
    row4col: &[usize],
    cur: usize,
    s: &mut Search,
) -> Result<(usize, f64), LsaError> {
    const FREE: usize = usize::MAX;
    s.live.iter_mut().for_each(|x| *x = f64::INFINITY);
    s.v_live.copy_from_slice(v);
    s.rows_seen.clear();
    s.cols_seen.clear();
    let mut min_val = 0.0f64;
    let mut i = cur;
    loop {
        s.rows_seen.push(i);
        let row = &c[i * nc..(i + 1) * nc];
        let base = min_val - u[i];
        let (lowest, index) = scans::relax::<Arch, NEG>(row, &s.v_live, &mut s.live, &mut s.path, base, i as u64);
        min_val = lowest;
        if min_val == f64::INFINITY || index == FREE {
            return Err(LsaError::Infeasible);
        }
        let j = index;
        s.settled[j] = min_val;
        s.live[j] = f64::INFINITY;
        s.v_live[j] = f64::NEG_INFINITY;
        s.cols_seen.push(j);
        if row4col[j] == FREE {
            return Ok((j, min_val));
        }
        i = row4col[j];
    }
}
