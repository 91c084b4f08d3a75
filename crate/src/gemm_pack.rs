//! Packing for `gemm`: copies a block of op(A) into MR-row panels (element (i,p) of a panel at
//! p*MR + i) and a block of op(B) into NR-column panels (element (p,j) at p*NR + j), zero-padding
//! the last panel. Reading through the transposes here is what lets one micro-kernel serve all
//! layouts.

use crate::gemm::{MR, NR};

/// Packs rows ic..ic+mb, depth pc..pc+kb of op(A) into `dst` (A is (m,k), or (k,m) if `trans`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn pack_a(trans: bool, a: &[f32], m: usize, k: usize, ic: usize, mb: usize, pc: usize, kb: usize, dst: &mut [f32]) {
    for (r, panel) in dst[..(mb + MR - 1) / MR * MR * kb].chunks_exact_mut(MR * kb).enumerate() {
        let r0 = ic + r * MR;
        let rv = MR.min(m - r0);
        if trans {
            for (p, d) in panel.chunks_exact_mut(MR).enumerate() {
                let at = (pc + p) * m + r0;
                d[..rv].copy_from_slice(&a[at..at + rv]);
                d[rv..].iter_mut().for_each(|x| *x = 0.0);
            }
        } else if rv == MR {
            let rows: [&[f32]; MR] = core::array::from_fn(|i| &a[(r0 + i) * k + pc..][..kb]);
            for (p, d) in panel.chunks_exact_mut(MR).enumerate() {
                for i in 0..MR {
                    d[i] = rows[i][p];
                }
            }
        } else {
            for i in 0..MR {
                if i < rv {
                    let src = &a[(r0 + i) * k + pc..][..kb];
                    for (p, &x) in src.iter().enumerate() {
                        panel[p * MR + i] = x;
                    }
                } else {
                    for p in 0..kb {
                        panel[p * MR + i] = 0.0;
                    }
                }
            }
        }
    }
}

/// Packs columns jc..jc+nb, depth pc..pc+kb of op(B) into `dst` (B is (k,n), or (n,k) if `trans`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn pack_b(trans: bool, b: &[f32], k: usize, n: usize, pc: usize, kb: usize, jc: usize, nb: usize, dst: &mut [f32]) {
    for (r, panel) in dst[..(nb + NR - 1) / NR * NR * kb].chunks_exact_mut(NR * kb).enumerate() {
        let c0 = jc + r * NR;
        let cv = NR.min(n - c0);
        if !trans {
            for (p, d) in panel.chunks_exact_mut(NR).enumerate() {
                let at = (pc + p) * n + c0;
                d[..cv].copy_from_slice(&b[at..at + cv]);
                d[cv..].iter_mut().for_each(|x| *x = 0.0);
            }
        } else {
            for j in 0..NR {
                if j < cv {
                    let src = &b[(c0 + j) * k + pc..][..kb];
                    for (p, &x) in src.iter().enumerate() {
                        panel[p * NR + j] = x;
                    }
                } else {
                    for p in 0..kb {
                        panel[p * NR + j] = 0.0;
                    }
                }
            }
        }
    }
}
