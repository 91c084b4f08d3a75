//! Linear sum assignment: choose one distinct column for each row of a cost matrix `[rows, cols]`
//! (row-major f64) minimising (or maximising) the summed cost. Shortest augmenting paths with
//! dual variables (Jonker–Volgenant; Crouse 2016 for rectangular problems), O(rows²·cols).
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
