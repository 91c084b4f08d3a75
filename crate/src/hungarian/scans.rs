//! The row scans, the only O(n) loops the solver repeats, written once on `SimdF64` (two f64 lanes;
//! simd128 on wasm32, the scalar twin elsewhere). Minima keep the first index: per lane, then the
//! lanes merged in (value, index) order, so every result equals a plain left-to-right scan bit for
//! bit (scans_tests.rs checks this). `NEG` negates each entry as it is loaded (a maximisation), so
//! the matrix is never written.

use super::entry;
use crate::simd::SimdF64;

/// "Nothing yet" index.
const NONE: u64 = u64::MAX;

/// Lexicographic (value, index) order, the order every scan keeps.
#[inline(always)]
fn before(a: (f64, u64), b: (f64, u64)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Two entries at `p`, as the minimisation sees them.
///
/// # Safety
/// `p..p+2` must be readable.
#[inline(always)]
unsafe fn load<S: SimdF64, const NEG: bool>(p: *const f64) -> S::V {
    // SAFETY: forwarded from the caller.
    let x = unsafe { S::load(p) };
    if NEG {
        S::neg(x)
    } else {
        x
    }
}

/// The (value, index) minimum of the lanes of one or more accumulator pairs.
#[inline(always)]
fn merge<S: SimdF64>(acc: &[(S::V, S::I)]) -> (f64, u64) {
    let mut best = (f64::INFINITY, NONE);
    for &(val, idx) in acc {
        let (vs, is) = (S::lanes(val), S::index_lanes(idx));
        for k in 0..2 {
            if before((vs[k], is[k]), best) {
                best = (vs[k], is[k]);
            }
        }
    }
    best
}

/// False when an entry (as the minimisation sees it) is NaN or −∞.
pub(super) fn valid<S: SimdF64, const NEG: bool>(row: &[f64]) -> bool {
    let n = row.len();
    let ninf = S::splat(f64::NEG_INFINITY);
    let mut bad = S::no_lanes();
    let mut j = 0;
    while j + 2 <= n {
        // SAFETY: j + 2 ≤ n = row.len().
        let y = unsafe { load::<S, NEG>(row.as_ptr().add(j)) };
        bad = S::or(bad, S::or(S::ne(y, y), S::eq(y, ninf)));
        j += 2;
    }
    !S::any(bad)
        && row[j..].iter().all(|&x| {
            let y = entry::<NEG>(x);
            !(y.is_nan() || y == f64::NEG_INFINITY)
        })
}

/// Column minima over rows seen so far: where `row[j] < best[j]`, `best[j] = row[j]` and
/// `arg[j] = i`. Returns `valid(row)`.
pub(super) fn column_minima<S: SimdF64, const NEG: bool>(row: &[f64], i: u64, best: &mut [f64], arg: &mut [u64]) -> bool {
    let n = row.len();
    assert!(best.len() >= n && arg.len() >= n);
    let iv = S::splat_index(i);
    let ninf = S::splat(f64::NEG_INFINITY);
    let mut bad = S::no_lanes();
    let mut j = 0;
    while j + 2 <= n {
        // SAFETY: j + 2 ≤ n ≤ every slice's length (asserted above).
        unsafe {
            let x = load::<S, NEG>(row.as_ptr().add(j));
            bad = S::or(bad, S::or(S::ne(x, x), S::eq(x, ninf)));
            let b = S::load(best.as_ptr().add(j));
            let lt = S::lt(x, b);
            if S::any(lt) {
                let a = S::load_index(arg.as_ptr().add(j));
                S::store(best.as_mut_ptr().add(j), S::select(lt, x, b));
                S::store_index(arg.as_mut_ptr().add(j), S::select_index(lt, iv, a));
            }
        }
        j += 2;
    }
    let mut ok = !S::any(bad);
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

/// The two smallest `row[j] − v[j]` in (value, index) order: `(u1, j1, u2, j2)`; an index is
/// `usize::MAX` (and its value +∞) when fewer entries are finite.
pub(super) fn two_smallest<S: SimdF64, const NEG: bool>(row: &[f64], v: &[f64]) -> (f64, usize, f64, usize) {
    let n = row.len();
    assert!(v.len() >= n);
    let (mut u1, mut u2) = (S::splat(f64::INFINITY), S::splat(f64::INFINITY));
    let (mut j1, mut j2) = (S::splat_index(NONE), S::splat_index(NONE));
    let mut jv = S::indices(0, 1);
    let two = S::splat_index(2);
    let mut j = 0;
    while j + 2 <= n {
        // SAFETY: j + 2 ≤ n ≤ both lengths (asserted above).
        let h = unsafe { S::sub(load::<S, NEG>(row.as_ptr().add(j)), S::load(v.as_ptr().add(j))) };
        let lt2 = S::lt(h, u2);
        if S::any(lt2) {
            let lt1 = S::lt(h, u1);
            u2 = S::select(lt1, u1, S::select(lt2, h, u2));
            j2 = S::select_index(lt1, j1, S::select_index(lt2, jv, j2));
            u1 = S::select(lt1, h, u1);
            j1 = S::select_index(lt1, jv, j1);
        }
        jv = S::add_index(jv, two);
        j += 2;
    }
    // The two lanes' top two, merged in (value, index) order.
    let (a1, b1, a2, b2) = (S::lanes(u1), S::index_lanes(j1), S::lanes(u2), S::index_lanes(j2));
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

/// min_j `row[j] − v[j]` (+∞ when none is finite).
pub(super) fn smallest<S: SimdF64, const NEG: bool>(row: &[f64], v: &[f64]) -> f64 {
    let n = row.len();
    assert!(v.len() >= n);
    let mut low = S::splat(f64::INFINITY);
    let mut j = 0;
    while j + 2 <= n {
        // SAFETY: j + 2 ≤ n ≤ both lengths (asserted above).
        let h = unsafe { S::sub(load::<S, NEG>(row.as_ptr().add(j)), S::load(v.as_ptr().add(j))) };
        low = S::select(S::lt(h, low), h, low);
        j += 2;
    }
    let l = S::lanes(low);
    let mut m = if l[1] < l[0] { l[1] } else { l[0] };
    for j in j..n {
        let h = entry::<NEG>(row[j]) - v[j];
        if h < m {
            m = h;
        }
    }
    m
}

/// One Dijkstra step from row `i`: `live[j] = min(live[j], base + row[j] − v[j])` (path[j] = i
/// where it improves), returning the smallest `live[j]` and its first index (`usize::MAX` when all
/// are +∞). Settled columns carry live = +∞ and v = −∞, so they never improve or win. Four columns
/// per step in two accumulator pairs (columns 4t, 4t+1 and 4t+2, 4t+3).
pub(super) fn relax<S: SimdF64, const NEG: bool>(
    row: &[f64],
    v: &[f64],
    live: &mut [f64],
    path: &mut [u64],
    base: f64,
    i: u64,
) -> (f64, usize) {
    let n = row.len();
    assert!(v.len() >= n && live.len() >= n && path.len() >= n);
    let bv = S::splat(base);
    let iv = S::splat_index(i);
    let inf = S::splat(f64::INFINITY);
    let (mut lo_a, mut lo_b) = (inf, inf);
    let (mut ix_a, mut ix_b) = (S::splat_index(NONE), S::splat_index(NONE));
    let (mut ja, mut jb) = (S::indices(0, 1), S::indices(2, 3));
    let four = S::splat_index(4);
    let mut j = 0;
    while j + 4 <= n {
        // SAFETY: j + 4 ≤ n ≤ every slice's length (asserted above).
        unsafe {
            let (pr, pv) = (row.as_ptr().add(j), v.as_ptr().add(j));
            let (pl, pp) = (live.as_mut_ptr().add(j), path.as_mut_ptr().add(j));
            let r0 = S::sub(S::add(bv, load::<S, NEG>(pr)), S::load(pv));
            let r1 = S::sub(S::add(bv, load::<S, NEG>(pr.add(2))), S::load(pv.add(2)));
            let mut d0 = S::load(pl);
            let mut d1 = S::load(pl.add(2));
            let m0 = S::lt(r0, d0);
            let m1 = S::lt(r1, d1);
            if S::any(S::or(m0, m1)) {
                d0 = S::select(m0, r0, d0);
                d1 = S::select(m1, r1, d1);
                S::store(pl, d0);
                S::store(pl.add(2), d1);
                let p0 = S::load_index(pp);
                let p1 = S::load_index(pp.add(2));
                S::store_index(pp, S::select_index(m0, iv, p0));
                S::store_index(pp.add(2), S::select_index(m1, iv, p1));
            }
            let k0 = S::lt(d0, lo_a);
            let k1 = S::lt(d1, lo_b);
            lo_a = S::select(k0, d0, lo_a);
            ix_a = S::select_index(k0, ja, ix_a);
            lo_b = S::select(k1, d1, lo_b);
            ix_b = S::select_index(k1, jb, ix_b);
        }
        ja = S::add_index(ja, four);
        jb = S::add_index(jb, four);
        j += 4;
    }
    let mut best = merge::<S>(&[(lo_a, ix_a), (lo_b, ix_b)]);
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
