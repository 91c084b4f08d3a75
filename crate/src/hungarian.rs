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
        let valid = |row: &[f64]| if maximize { lanes::valid::<true>(row) } else { lanes::valid::<false>(row) };
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
            let col4row = if maximize { augment_all::<true>(cost, rows, cols, false)? } else { augment_all::<false>(cost, rows, cols, false)? };
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
    c: &[f64], n: usize, check: bool, v: &mut [f64], col4row: &mut [usize], row4col: &mut [usize],
) -> Result<(), LsaError> {
    const FREE: usize = usize::MAX;
    let mut best = vec![f64::INFINITY; n];
    let mut arg = vec![u64::MAX; n];
    for (i, row) in c.chunks(n).enumerate() {
        // Validation rides along (an entry never written is never read unchecked).
        if !lanes::column_minima::<NEG>(row, i as u64, &mut best, &mut arg) && check {
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
fn augmenting_row_reduction<const NEG: bool>(c: &[f64], n: usize, v: &mut [f64], col4row: &mut [usize], row4col: &mut [usize], touched: &mut [bool]) {
    const FREE: usize = usize::MAX;
    let mut free: Vec<usize> = (0..n).filter(|&i| col4row[i] == FREE).collect();
    let mut k = 0;
    // Bounds the work; rows still free afterwards go to the shortest-path phase.
    let mut budget = 4 * n + 16;
    while k < free.len() && budget > 0 {
        budget -= 1;
        let i = free[k];
        k += 1;
        let (u1, mut j1, u2, j2) = lanes::two_smallest::<NEG>(&c[i * n..(i + 1) * n], v);
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
fn set_row_duals<const NEG: bool>(c: &[f64], n: usize, v: &[f64], touched: &[bool], u: &mut [f64], col4row: &mut [usize], row4col: &mut [usize]) {
    const FREE: usize = usize::MAX;
    for i in (0..n).filter(|&i| touched[i]) {
        let row = &c[i * n..(i + 1) * n];
        let low = lanes::smallest::<NEG>(row, v);
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
        let (lowest, index) = lanes::relax::<NEG>(row, &s.v_live, &mut s.live, &mut s.path, base, i as u64);
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

/// The row scans, the only O(n) loops the solver repeats. Each has a simd128 form (two f64 lanes,
/// wasm32) and a plain one (elsewhere) with the same result bit for bit: minima keep the first index
/// (per lane, then lanes merged by value and index), and the arithmetic is the same per element.
/// `NEG` negates each entry as it is loaded (a maximisation), so the matrix is never written.
mod lanes {
    /// "Nothing yet" index.
    const NONE: u64 = u64::MAX;

    /// Lexicographic (value, index) order, the order every scan keeps.
    #[cfg(target_arch = "wasm32")]
    #[inline(always)]
    fn before(a: (f64, u64), b: (f64, u64)) -> bool {
        a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub use self::plain::*;
    #[cfg(target_arch = "wasm32")]
    pub use self::wide::*;

    #[cfg(any(test, not(target_arch = "wasm32")))]
    #[allow(dead_code)]
    pub mod plain {
        use super::super::entry;
        use super::NONE;

        /// False when an entry (as the minimisation sees it) is NaN or −∞.
        pub fn valid<const NEG: bool>(row: &[f64]) -> bool {
            row.iter().all(|&x| {
                let y = entry::<NEG>(x);
                !(y.is_nan() || y == f64::NEG_INFINITY)
            })
        }

        /// Column minima over rows seen so far: where `row[j] < best[j]`, `best[j] = row[j]` and
        /// `arg[j] = i`. Returns `valid(row)`.
        pub fn column_minima<const NEG: bool>(row: &[f64], i: u64, best: &mut [f64], arg: &mut [u64]) -> bool {
            let mut ok = true;
            for ((&x, b), a) in row.iter().zip(best.iter_mut()).zip(arg.iter_mut()) {
                let x = entry::<NEG>(x);
                ok &= !(x.is_nan() || x == f64::NEG_INFINITY);
                if x < *b {
                    *b = x;
                    *a = i;
                }
            }
            ok
        }

        /// The two smallest `row[j] − v[j]` in (value, index) order: `(u1, j1, u2, j2)`; an index is
        /// `usize::MAX` (and its value +∞) when fewer entries are finite.
        pub fn two_smallest<const NEG: bool>(row: &[f64], v: &[f64]) -> (f64, usize, f64, usize) {
            let (mut u1, mut u2) = (f64::INFINITY, f64::INFINITY);
            let (mut j1, mut j2) = (NONE, NONE);
            for (j, (&c, &vj)) in row.iter().zip(v.iter()).enumerate() {
                let h = entry::<NEG>(c) - vj;
                if h < u2 {
                    if h < u1 {
                        u2 = u1;
                        j2 = j1;
                        u1 = h;
                        j1 = j as u64;
                    } else {
                        u2 = h;
                        j2 = j as u64;
                    }
                }
            }
            (u1, j1 as usize, u2, j2 as usize)
        }

        /// min_j `row[j] − v[j]` (+∞ when none is finite).
        pub fn smallest<const NEG: bool>(row: &[f64], v: &[f64]) -> f64 {
            let mut low = f64::INFINITY;
            for (&c, &vj) in row.iter().zip(v.iter()) {
                let h = entry::<NEG>(c) - vj;
                if h < low {
                    low = h;
                }
            }
            low
        }

        /// One Dijkstra step from row `i`: `live[j] = min(live[j], base + row[j] − v[j])` (path[j] = i
        /// where it improves), returning the smallest `live[j]` and its first index (`usize::MAX` when
        /// all are +∞). Settled columns carry live = +∞ and v = −∞, so they never improve or win.
        pub fn relax<const NEG: bool>(row: &[f64], v: &[f64], live: &mut [f64], path: &mut [u64], base: f64, i: u64) -> (f64, usize) {
            let mut lowest = f64::INFINITY;
            let mut index = NONE;
            let cols = row.iter().zip(v.iter()).zip(live.iter_mut()).zip(path.iter_mut());
            for (j, (((&c, &vj), d), p)) in cols.enumerate() {
                let r = base + entry::<NEG>(c) - vj;
                if r < *d {
                    *d = r;
                    *p = i;
                }
                if *d < lowest {
                    lowest = *d;
                    index = j as u64;
                }
            }
            (lowest, index as usize)
        }
    }

    #[cfg(target_arch = "wasm32")]
    mod wide {
        use super::super::entry;
        use super::{before, NONE};
        use core::arch::wasm32::*;

        #[inline(always)]
        fn lanes_f(x: v128) -> [f64; 2] {
            [f64x2_extract_lane::<0>(x), f64x2_extract_lane::<1>(x)]
        }
        #[inline(always)]
        fn lanes_u(x: v128) -> [u64; 2] {
            [u64x2_extract_lane::<0>(x), u64x2_extract_lane::<1>(x)]
        }
        /// Two entries at `p`, as the minimisation sees them.
        ///
        /// # Safety
        /// `p..p+2` must be readable.
        #[inline(always)]
        unsafe fn load<const NEG: bool>(p: *const f64) -> v128 {
            let x = v128_load(p as *const v128);
            if NEG {
                f64x2_neg(x)
            } else {
                x
            }
        }
        /// The (value, index) minimum of the lanes of one or more accumulator pairs.
        #[inline(always)]
        fn merge(acc: &[(v128, v128)]) -> (f64, u64) {
            let mut best = (f64::INFINITY, NONE);
            for &(val, idx) in acc {
                let (vs, is) = (lanes_f(val), lanes_u(idx));
                for k in 0..2 {
                    if before((vs[k], is[k]), best) {
                        best = (vs[k], is[k]);
                    }
                }
            }
            best
        }

        pub fn valid<const NEG: bool>(row: &[f64]) -> bool {
            let n = row.len();
            let ninf = f64x2_splat(f64::NEG_INFINITY);
            let mut bad = f64x2_splat(0.0);
            let mut j = 0;
            // SAFETY: j + 2 ≤ n.
            unsafe {
                while j + 2 <= n {
                    let y = load::<NEG>(row.as_ptr().add(j));
                    bad = v128_or(bad, v128_or(f64x2_ne(y, y), f64x2_eq(y, ninf)));
                    j += 2;
                }
            }
            !v128_any_true(bad) && row[j..].iter().all(|&x| {
                let y = entry::<NEG>(x);
                !(y.is_nan() || y == f64::NEG_INFINITY)
            })
        }

        pub fn column_minima<const NEG: bool>(row: &[f64], i: u64, best: &mut [f64], arg: &mut [u64]) -> bool {
            let n = row.len();
            assert!(best.len() >= n && arg.len() >= n);
            let iv = u64x2_splat(i);
            let ninf = f64x2_splat(f64::NEG_INFINITY);
            let mut bad = f64x2_splat(0.0);
            let mut j = 0;
            // SAFETY: j + 2 ≤ n ≤ every slice's length (asserted above).
            unsafe {
                while j + 2 <= n {
                    let x = load::<NEG>(row.as_ptr().add(j));
                    bad = v128_or(bad, v128_or(f64x2_ne(x, x), f64x2_eq(x, ninf)));
                    let b = v128_load(best.as_ptr().add(j) as *const v128);
                    let lt = f64x2_lt(x, b);
                    if v128_any_true(lt) {
                        let a = v128_load(arg.as_ptr().add(j) as *const v128);
                        v128_store(best.as_mut_ptr().add(j) as *mut v128, v128_bitselect(x, b, lt));
                        v128_store(arg.as_mut_ptr().add(j) as *mut v128, v128_bitselect(iv, a, lt));
                    }
                    j += 2;
                }
            }
            let mut ok = !v128_any_true(bad);
            for j in j..n {
                let x = entry::<NEG>(row[j]);
                ok &= !(x.is_nan() || x == f64::NEG_INFINITY);
                if x < best[j] {
                    best[j] = x;
                    arg[j] = i;
                }
            }
            ok
        }

        pub fn two_smallest<const NEG: bool>(row: &[f64], v: &[f64]) -> (f64, usize, f64, usize) {
            let n = row.len();
            assert!(v.len() >= n);
            let (mut u1, mut u2) = (f64x2_splat(f64::INFINITY), f64x2_splat(f64::INFINITY));
            let (mut j1, mut j2) = (u64x2_splat(NONE), u64x2_splat(NONE));
            let mut jv = u64x2(0, 1);
            let two = u64x2_splat(2);
            let mut j = 0;
            // SAFETY: j + 2 ≤ n ≤ both lengths (asserted above).
            unsafe {
                while j + 2 <= n {
                    let h = f64x2_sub(load::<NEG>(row.as_ptr().add(j)), v128_load(v.as_ptr().add(j) as *const v128));
                    let lt2 = f64x2_lt(h, u2);
                    if v128_any_true(lt2) {
                        let lt1 = f64x2_lt(h, u1);
                        u2 = v128_bitselect(u1, v128_bitselect(h, u2, lt2), lt1);
                        j2 = v128_bitselect(j1, v128_bitselect(jv, j2, lt2), lt1);
                        u1 = v128_bitselect(h, u1, lt1);
                        j1 = v128_bitselect(jv, j1, lt1);
                    }
                    jv = u64x2_add(jv, two);
                    j += 2;
                }
            }
            // The two lanes' top two, merged in (value, index) order.
            let (a1, b1, a2, b2) = (lanes_f(u1), lanes_u(j1), lanes_f(u2), lanes_u(j2));
            let candidates = [(a1[0], b1[0]), (a1[1], b1[1]), (a2[0], b2[0]), (a2[1], b2[1])];
            let mut first = (f64::INFINITY, NONE);
            let mut second = (f64::INFINITY, NONE);
            for &x in candidates.iter() {
                if before(x, first) {
                    second = first;
                    first = x;
                } else if before(x, second) {
                    second = x;
                }
            }
            // Entries that were never taken (+∞) keep index NONE, as in the plain scan.
            if first.0 == f64::INFINITY {
                first.1 = NONE;
            }
            if second.0 == f64::INFINITY {
                second.1 = NONE;
            }
            // An odd tail comes last in index order, so the sequential rule applies to it.
            for j in j..n {
                let h = entry::<NEG>(row[j]) - v[j];
                if h < second.0 {
                    if h < first.0 {
                        second = first;
                        first = (h, j as u64);
                    } else {
                        second = (h, j as u64);
                    }
                }
            }
            (first.0, first.1 as usize, second.0, second.1 as usize)
        }

        pub fn smallest<const NEG: bool>(row: &[f64], v: &[f64]) -> f64 {
            let n = row.len();
            assert!(v.len() >= n);
            let mut low = f64x2_splat(f64::INFINITY);
            let mut j = 0;
            // SAFETY: j + 2 ≤ n ≤ both lengths (asserted above).
            unsafe {
                while j + 2 <= n {
                    let h = f64x2_sub(load::<NEG>(row.as_ptr().add(j)), v128_load(v.as_ptr().add(j) as *const v128));
                    low = v128_bitselect(h, low, f64x2_lt(h, low));
                    j += 2;
                }
            }
            let l = lanes_f(low);
            let mut m = if l[1] < l[0] { l[1] } else { l[0] };
            for j in j..n {
                let h = entry::<NEG>(row[j]) - v[j];
                if h < m {
                    m = h;
                }
            }
            m
        }

        pub fn relax<const NEG: bool>(row: &[f64], v: &[f64], live: &mut [f64], path: &mut [u64], base: f64, i: u64) -> (f64, usize) {
            let n = row.len();
            assert!(v.len() >= n && live.len() >= n && path.len() >= n);
            let bv = f64x2_splat(base);
            let iv = u64x2_splat(i);
            let inf = f64x2_splat(f64::INFINITY);
            let (mut lo_a, mut lo_b) = (inf, inf);
            let (mut ix_a, mut ix_b) = (u64x2_splat(NONE), u64x2_splat(NONE));
            let (mut ja, mut jb) = (u64x2(0, 1), u64x2(2, 3));
            let four = u64x2_splat(4);
            let mut j = 0;
            // SAFETY: j + 4 ≤ n ≤ every slice's length (asserted above).
            unsafe {
                while j + 4 <= n {
                    let (pr, pv) = (row.as_ptr().add(j), v.as_ptr().add(j));
                    let (pl, pp) = (live.as_mut_ptr().add(j), path.as_mut_ptr().add(j));
                    let r0 = f64x2_sub(f64x2_add(bv, load::<NEG>(pr)), v128_load(pv as *const v128));
                    let r1 = f64x2_sub(f64x2_add(bv, load::<NEG>(pr.add(2))), v128_load(pv.add(2) as *const v128));
                    let mut d0 = v128_load(pl as *const v128);
                    let mut d1 = v128_load(pl.add(2) as *const v128);
                    let m0 = f64x2_lt(r0, d0);
                    let m1 = f64x2_lt(r1, d1);
                    if v128_any_true(v128_or(m0, m1)) {
                        d0 = v128_bitselect(r0, d0, m0);
                        d1 = v128_bitselect(r1, d1, m1);
                        v128_store(pl as *mut v128, d0);
                        v128_store(pl.add(2) as *mut v128, d1);
                        let p0 = v128_load(pp as *const v128);
                        let p1 = v128_load(pp.add(2) as *const v128);
                        v128_store(pp as *mut v128, v128_bitselect(iv, p0, m0));
                        v128_store(pp.add(2) as *mut v128, v128_bitselect(iv, p1, m1));
                    }
                    let k0 = f64x2_lt(d0, lo_a);
                    let k1 = f64x2_lt(d1, lo_b);
                    lo_a = v128_bitselect(d0, lo_a, k0);
                    ix_a = v128_bitselect(ja, ix_a, k0);
                    lo_b = v128_bitselect(d1, lo_b, k1);
                    ix_b = v128_bitselect(jb, ix_b, k1);
                    ja = u64x2_add(ja, four);
                    jb = u64x2_add(jb, four);
                    j += 4;
                }
            }
            let mut best = merge(&[(lo_a, ix_a), (lo_b, ix_b)]);
            for j in j..n {
                let r = base + entry::<NEG>(row[j]) - v[j];
                if r < live[j] {
                    live[j] = r;
                    path[j] = i;
                }
                if live[j] < best.0 {
                    best = (live[j], j as u64);
                }
            }
            (best.0, best.1 as usize)
        }
    }
}
