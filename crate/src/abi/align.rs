//! Alignment entries: linear sum assignment on an f64 cost matrix, and the weight-matching cost
//! terms (crate::wmatch) that build those matrices.

use super::{flag, run, view, ERR_ARG, ERR_SHAPE};
use crate::hungarian::{solve, LsaError};
use crate::wmatch;

/// Linear sum assignment on `cost` (`[rows, cols]` f64, row-major; `maximize` 0/1). On success
/// writes each row's column to `col_for_row` (rows; u32::MAX for a row left out when rows > cols),
/// the total to `out_cost` and 1 to `out_feasible`; a problem with no finite assignment writes 0
/// to `out_feasible` and still returns OK. NaN or a wrong-signed infinity is ERR_ARG.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
pub unsafe extern "C" fn lsa_solve(
    cost: *const f64,
    rows: u32,
    cols: u32,
    maximize: u32,
    col_for_row: *mut u32,
    out_cost: *mut f64,
    out_feasible: *mut u32,
) -> i32 {
    run(|| {
        let (rows, cols) = (rows as usize, cols as usize);
        let len = rows.checked_mul(cols).ok_or(ERR_SHAPE)?;
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (cost, out) = unsafe { (view(cost, len)?, view(col_for_row, rows)?) };
        // SAFETY: as above.
        let (total, feasible) = unsafe { (view(out_cost, 1)?, view(out_feasible, 1)?) };
        match solve(cost, rows, cols, flag(maximize)?) {
            Ok(a) => {
                out.copy_from_slice(&a.col_for_row);
                total[0] = a.cost;
                feasible[0] = 1;
                Ok(())
            }
            Err(LsaError::Infeasible) => {
                feasible[0] = 0;
                Ok(())
            }
            Err(LsaError::InvalidCost) => Err(ERR_ARG),
            Err(LsaError::Shape) => Err(ERR_SHAPE),
        }
    })
}

/// `cost (n×n f64) +=` the update of a weight-matching cost term (`wmatch::term_update`): tensors
/// `a`, `b` of p·q·s values, the group on `axis` (0: n = p, K = q; 1: n = q, K = p), `m` changed
/// indices, the other axis's index map (K) and, when `has_basis` is 1, the map the cost was made
/// with (K; `basis` may be null otherwise). An index ≥ K is ERR_ARG.
///
/// # Safety
/// The entry contract (abi module doc); `cost` overlaps no other range.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wmatch_term_update(
    a: *const f32,
    b: *const f32,
    p: u32,
    q: u32,
    s: u32,
    axis: u32,
    changed: *const u32,
    m: u32,
    map: *const u32,
    basis: *const u32,
    has_basis: u32,
    cost: *mut f64,
) -> i32 {
    run(|| {
        if axis > 1 {
            return Err(ERR_ARG);
        }
        let v = wmatch::TermView { p: p as usize, q: q as usize, s: s as usize, axis: axis as usize };
        let len = v.p.checked_mul(v.q).and_then(|x| x.checked_mul(v.s)).ok_or(ERR_SHAPE)?;
        let n = v.units();
        let k = v.others();
        // SAFETY: `view` checks each range; they are only read.
        let (a, b, changed, map) = unsafe { (view(a, len)?, view(b, len)?, view(changed, m as usize)?, view(map, k)?) };
        // SAFETY: as above.
        let basis = if flag(has_basis)? { Some(unsafe { view(basis, k)? }) } else { None };
        let cells = n.checked_mul(n).ok_or(ERR_SHAPE)?;
        // SAFETY: `view` checks the range; the caller keeps `cost` apart from the inputs.
        let cost = unsafe { view(cost, cells)? };
        if !wmatch::indices_ok(&v, changed, map, basis) {
            return Err(ERR_ARG);
        }
        wmatch::term_update(&v, a, b, changed, map, basis, cost);
        Ok(())
    })
}

/// `out = Σ` of `k` f64 vectors of `len` values (their pointers in `ptrs`), left to right.
///
/// # Safety
/// The entry contract (abi module doc) for `ptrs`, `out` and every summand; `out` overlaps no
/// other range.
#[no_mangle]
pub unsafe extern "C" fn wmatch_sum(ptrs: *const u32, k: u32, len: u32, out: *mut f64) -> i32 {
    run(|| {
        let len = len as usize;
        // SAFETY: `view` checks the range; it is only read.
        let ptrs = unsafe { view(ptrs, k as usize)? };
        let mut terms: Vec<&[f64]> = Vec::with_capacity(ptrs.len());
        for &ptr in ptrs {
            // SAFETY: `view` checks the range; it is only read.
            terms.push(unsafe { view(ptr as usize as *const f64, len)? });
        }
        // SAFETY: `view` checks the range; the caller keeps `out` apart from the summands.
        let out = unsafe { view(out, len)? };
        wmatch::sum(&terms, out);
        Ok(())
    })
}

/// `acc = acc + Σ_o a[o]·b[offs0[x] + offs1[y] + offs2[z] + offs3[w]]` over a `[d0, d1, d2, d3]`
/// tensor (`wmatch::gather_dot`); `a` and `b` hold `len` = d0·d1·d2·d3 values, `offs` the four
/// offset lists one after another (d0 + d1 + d2 + d3). An offset sum that can reach `len` is ERR_ARG.
///
/// # Safety
/// The entry contract (abi module doc); `acc` (one f64) overlaps no other range.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wmatch_dot(
    a: *const f32,
    b: *const f32,
    d0: u32,
    d1: u32,
    d2: u32,
    d3: u32,
    offs: *const u32,
    acc: *mut f64,
) -> i32 {
    run(|| {
        let d = [d0 as usize, d1 as usize, d2 as usize, d3 as usize];
        let len = d[0].checked_mul(d[1]).and_then(|x| x.checked_mul(d[2])).and_then(|x| x.checked_mul(d[3])).ok_or(ERR_SHAPE)?;
        let total = d[0].checked_add(d[1]).and_then(|x| x.checked_add(d[2])).and_then(|x| x.checked_add(d[3])).ok_or(ERR_SHAPE)?;
        // SAFETY: `view` checks the range; it is only read.
        let all = unsafe { view(offs, total)? };
        let (o0, rest) = all.split_at(d[0]);
        let (o1, rest) = rest.split_at(d[1]);
        let (o2, o3) = rest.split_at(d[2]);
        if len > 0 {
            let reach: usize = [o0, o1, o2, o3].iter().map(|o| o.iter().map(|&x| x as usize).max().unwrap_or(0)).sum();
            if reach >= len {
                return Err(ERR_ARG);
            }
        }
        // SAFETY: `view` checks each range; the caller keeps `acc` apart from the inputs.
        let (a, b, acc) = unsafe { (view(a, len)?, view(b, len)?, view(acc, 1)?) };
        acc[0] = wmatch::gather_dot(acc[0], a, b, [o0, o1, o2, o3]);
        Ok(())
    })
}
