//! Weight-matching helpers (ts/align/weight-matching.ts): the cost term of a permutation group on a
//! tensor and its low-rank update, the sum of a group's terms, and ⟨A, B gathered⟩ in f64.
//!
//! A term views its tensor as `[P, Q, S]`: axes 0 and 1 are the group's axis (`axis`) and one other
//! permuted axis, S everything after axis 1 (with the group's block when its axis is 1). With the
//! group on axis 0 there are n = P units and K = Q other indices; on axis 1, n = Q and K = P. Slice
//! c of A is `A_c[i, s] = A[i, c, s]` (axis 0) or `A[c, i, s]` (axis 1); then
//! `C[i, j] = Σ_c Σ_s A_c[i, s]·B_{map[c]}[j, s]` for the other axis's index map `map`.

use crate::gemm::{gemm, Bias, Gemm};

/// A tensor viewed as `[p, q, s]`, the group's units on `axis` (0 or 1).
#[derive(Clone, Copy, Debug)]
pub struct TermView {
    pub p: usize,
    pub q: usize,
    pub s: usize,
    pub axis: usize,
}

impl TermView {
    /// Units of the group (n: the cost is n×n).
    pub fn units(&self) -> usize {
        if self.axis == 0 {
            self.p
        } else {
            self.q
        }
    }

    /// Indices of the other axis (K: the length of its index map).
    pub fn others(&self) -> usize {
        if self.axis == 0 {
            self.q
        } else {
            self.p
        }
    }

    /// Offset of `A_c[i, t]`.
    #[inline]
    fn at(&self, c: usize, i: usize, t: usize) -> usize {
        if self.axis == 0 {
            (i * self.q + c) * self.s + t
        } else {
            (c * self.q + i) * self.s + t
        }
    }
}

/// `cost (n×n) += Σ_{c ∈ changed} Σ_s A_c[i, s]·(B_{map[c]}[j, s] − B_{basis[c]}[j, s])`, or without
/// `basis` `+= Σ_c Σ_s A_c[i, s]·B_{map[c]}[j, s]` (with every c, the whole term). The slices are
/// gathered as `[m·S, n]` (f32; the difference rounded to f32) and multiplied by one GEMM (AᵀB,
/// f32), whose result is added to `cost` in f64. Indices must be < K (the ABI checks).
pub fn term_update(v: &TermView, a: &[f32], b: &[f32], changed: &[u32], map: &[u32], basis: Option<&[u32]>, cost: &mut [f64]) {
    let n = v.units();
    let s = v.s;
    let w = changed.len() * s;
    if n == 0 || w == 0 {
        return;
    }
    let mut xa = vec![0f32; w * n];
    let mut xd = vec![0f32; w * n];
    for (h, &c) in changed.iter().enumerate() {
        let c = c as usize;
        let new = map[c] as usize;
        let old = basis.map(|bs| bs[c] as usize);
        for i in 0..n {
            for t in 0..s {
                let row = (h * s + t) * n;
                xa[row + i] = a[v.at(c, i, t)];
                let fresh = b[v.at(new, i, t)];
                xd[row + i] = match old {
                    Some(o) => fresh - b[v.at(o, i, t)],
                    None => fresh,
                };
            }
        }
    }
    let mut part = vec![0f32; n * n];
    let p = Gemm { m: n, n, k: w, trans_a: true, trans_b: false, beta: 0.0, relu: false };
    gemm(&p, &xa, &xd, Bias::None, &mut part);
    for (c, x) in cost.iter_mut().zip(part.iter()) {
        *c += *x as f64;
    }
}

/// True when every changed index, and its map and basis entries, are < K.
pub fn indices_ok(v: &TermView, changed: &[u32], map: &[u32], basis: Option<&[u32]>) -> bool {
    let k = v.others();
    changed.iter().all(|&c| {
        let c = c as usize;
        c < k && (map[c] as usize) < k && basis.map_or(true, |bs| (bs[c] as usize) < k)
    })
}

/// `out = terms[0] + terms[1] + …`, summed left to right per element (out = 0 when there are none).
pub fn sum(terms: &[&[f64]], out: &mut [f64]) {
    match terms.split_first() {
        None => out.iter_mut().for_each(|x| *x = 0.0),
        Some((first, rest)) => {
            out.copy_from_slice(&first[..out.len()]);
            for t in rest {
                for (o, x) in out.iter_mut().zip(t.iter()) {
                    *o += *x;
                }
            }
        }
    }
}

/// `acc + Σ_o a[o]·b[g(o)]` over a `[d0, d1, d2, d3]` tensor in row-major order o, summed one term
/// at a time in f64, where `g(x, y, z, w) = offs0[x] + offs1[y] + offs2[z] + offs3[w]` (element
/// offsets: a permuted axis's index map times its stride). The caller checks that every g is < b.len().
pub fn gather_dot(acc: f64, a: &[f32], b: &[f32], offs: [&[u32]; 4]) -> f64 {
    let [o0, o1, o2, o3] = offs;
    let mut sum = acc;
    let mut o = 0usize;
    for &x in o0 {
        for &y in o1 {
            let xy = x as usize + y as usize;
            for &z in o2 {
                let xyz = xy + z as usize;
                let row = &a[o..o + o3.len()];
                for (&av, &w) in row.iter().zip(o3.iter()) {
                    sum += av as f64 * b[xyz + w as usize] as f64;
                }
                o += o3.len();
            }
        }
    }
    sum
}
