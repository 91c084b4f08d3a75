//! Linear sum assignment: choose one distinct column for each row of a cost matrix `[rows, cols]`
//! (row-major f64) minimising (or maximising) the summed cost. Shortest augmenting paths with
//! dual variables (Jonker–Volgenant; Crouse 2016 for rectangular problems), O(rows²·cols). Square
//! problems start from JV's column reduction and two passes of augmenting row reduction.
//! Forbidden entries are +∞ when minimising, −∞ when maximising. When rows > cols the problem is
//! solved on the transpose, so min(rows, cols) pairs are assigned.

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

/// Solves the assignment problem for `cost` (`[rows, cols]`, row-major).
pub fn solve(cost: &[f64], rows: usize, cols: usize, maximize: bool) -> Result<Assignment, LsaError> {
    let len = rows.checked_mul(cols).ok_or(LsaError::Shape)?;
    if cost.len() != len {
        return Err(LsaError::Shape);
    }
    let mut col_for_row = vec![UNASSIGNED; rows];
    if rows == 0 || cols == 0 {
        return Ok(Assignment { col_for_row, cost: 0.0 });
    }
    // The solver wants rows ≤ cols and a minimisation with +∞ as the only infinity.
    let transpose = rows > cols;
    let (nr, nc) = if transpose { (cols, rows) } else { (rows, cols) };
    let mut c = vec![0.0f64; len];
    for i in 0..rows {
        for j in 0..cols {
            let x = cost[i * cols + j];
            let x = if maximize { -x } else { x };
            if x.is_nan() || x == f64::NEG_INFINITY {
                return Err(LsaError::InvalidCost);
            }
            let at = if transpose { j * nc + i } else { i * nc + j };
            c[at] = x;
        }
    }
    let col4row = augment_all(&c, nr, nc)?;
    for (r, &col) in col4row.iter().enumerate() {
        let (i, j) = if transpose { (col, r) } else { (r, col) };
        col_for_row[i] = j as u32;
    }
    // Summed in row order, whichever side was solved.
    let mut total = 0.0;
    for (i, &j) in col_for_row.iter().enumerate() {
        if j != UNASSIGNED {
            total += cost[i * cols + j as usize];
        }
    }
    Ok(Assignment { col_for_row, cost: total })
}

/// Scratch of one augmentation. Columns already in the tree have `live = +∞` and `v_live = −∞`,
/// so the scan over all columns needs no index list and no branch on membership.
struct Search {
    live: Vec<f64>,
    v_live: Vec<f64>,
    /// Path length of each column when it joined the tree.
    settled: Vec<f64>,
    path: Vec<usize>,
    rows_seen: Vec<usize>,
    cols_seen: Vec<usize>,
}

/// Assigns every row of `c` (`[nr, nc]`, nr ≤ nc, entries finite or +∞) to a column; returns
/// the column of each row.
fn augment_all(c: &[f64], nr: usize, nc: usize) -> Result<Vec<usize>, LsaError> {
    const FREE: usize = usize::MAX;
    let mut u = vec![0.0f64; nr];
    let mut v = vec![0.0f64; nc];
    let mut col4row = vec![FREE; nr];
    let mut row4col = vec![FREE; nc];
    if nr == nc {
        column_reduction(c, nc, &mut v, &mut col4row, &mut row4col);
        for _ in 0..2 {
            augmenting_row_reduction(c, nc, &mut v, &mut col4row, &mut row4col);
        }
        set_row_duals(c, nc, &v, &mut u, &mut col4row, &mut row4col);
    }
    let mut s = Search {
        live: vec![f64::INFINITY; nc],
        v_live: vec![0.0; nc],
        settled: vec![0.0; nc],
        path: vec![FREE; nc],
        rows_seen: Vec::with_capacity(nr),
        cols_seen: Vec::with_capacity(nc),
    };
    for cur in 0..nr {
        if col4row[cur] != FREE {
            continue;
        }
        let (sink, min_val) = shortest_path(c, nc, &u, &v, &row4col, cur, &mut s)?;
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
            let i = s.path[j];
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

/// Square problems only (rectangular ones need v ≤ 0): v[j] = min_i c[i][j], and each column's
/// cheapest row takes it when that row is still free. Reduced costs stay ≥ 0 and the pairs are tight.
fn column_reduction(c: &[f64], n: usize, v: &mut [f64], col4row: &mut [usize], row4col: &mut [usize]) {
    const FREE: usize = usize::MAX;
    for j in (0..n).rev() {
        let mut best = f64::INFINITY;
        let mut arg = FREE;
        for i in 0..n {
            let x = c[i * n + j];
            if x < best {
                best = x;
                arg = i;
            }
        }
        if arg == FREE {
            continue; // a column of forbidden entries keeps v = 0
        }
        v[j] = best;
        if col4row[arg] == FREE {
            col4row[arg] = j;
            row4col[j] = arg;
        }
    }
}

/// Jonker–Volgenant's augmenting row reduction (square problems): a free row takes its cheapest
/// column j1 by lowering v[j1] to the gap to its second cheapest, displacing j1's owner, which is
/// processed next while the gap is positive. Only lowers v, so assigned rows stay at their minimum.
fn augmenting_row_reduction(c: &[f64], n: usize, v: &mut [f64], col4row: &mut [usize], row4col: &mut [usize]) {
    const FREE: usize = usize::MAX;
    let mut free: Vec<usize> = (0..n).filter(|&i| col4row[i] == FREE).collect();
    let mut k = 0;
    // Bounds the work; rows still free afterwards go to the shortest-path phase.
    let mut budget = 4 * n + 16;
    while k < free.len() && budget > 0 {
        budget -= 1;
        let i = free[k];
        k += 1;
        let (mut u1, mut u2) = (f64::INFINITY, f64::INFINITY);
        let (mut j1, mut j2) = (FREE, FREE);
        for (j, (&cij, &vj)) in c[i * n..(i + 1) * n].iter().zip(v.iter()).enumerate() {
            let h = cij - vj;
            if h < u2 {
                if h < u1 {
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
        if owner != FREE {
            // After a tie the owner waits for the next pass (it is free in col4row).
            if u1 < u2 {
                k -= 1;
                free[k] = owner;
            }
        }
    }
}

/// u[i] = min_j c[i][j] − v[j] for every row; an assigned row whose own column is not that minimum
/// (rounding) is freed, so assigned pairs are exactly tight.
fn set_row_duals(c: &[f64], n: usize, v: &[f64], u: &mut [f64], col4row: &mut [usize], row4col: &mut [usize]) {
    const FREE: usize = usize::MAX;
    for i in 0..n {
        let row = &c[i * n..(i + 1) * n];
        let mut low = f64::INFINITY;
        for (&cij, &vj) in row.iter().zip(v.iter()) {
            let h = cij - vj;
            if h < low {
                low = h;
            }
        }
        u[i] = if low == f64::INFINITY { 0.0 } else { low };
        let j = col4row[i];
        if j != FREE && row[j] - v[j] != u[i] {
            col4row[i] = FREE;
            row4col[j] = FREE;
        }
    }
}

/// Dijkstra over reduced costs from row `cur` to the nearest free column: returns it and the path
/// length; `s.path` holds the tree, `s.settled` the lengths of the columns in `s.cols_seen`.
fn shortest_path(
    c: &[f64], nc: usize, u: &[f64], v: &[f64], row4col: &[usize], cur: usize, s: &mut Search,
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
        let mut lowest = f64::INFINITY;
        let mut index = FREE;
        let cols = row.iter().zip(s.v_live.iter()).zip(s.live.iter_mut()).zip(s.path.iter_mut()).zip(row4col.iter());
        for (j, ((((&cij, &vj), live), path), &owner)) in cols.enumerate() {
            let r = base + cij - vj;
            if r < *live {
                *live = r;
                *path = i;
            }
            let d = *live;
            // On ties prefer a free column: it ends the search sooner.
            if d < lowest || (d == lowest && owner == FREE) {
                lowest = d;
                index = j;
            }
        }
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
