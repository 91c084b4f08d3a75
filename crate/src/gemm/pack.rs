//! Packing for `gemm`: copies a block of op(A) into MR-row panels (element (i,p) of a panel at
//! p*MR + i) and a block of op(B) into NR-column panels (element (p,j) at p*NR + j), zero-padding
//! the last panel. Reading through the transposes here is what lets one micro-kernel serve all
//! layouts. A panel's W values for one p are either contiguous in the source (`Rows`: A when
//! transposed, B when not) or spread over W source rows (`Cols`), which 4×4 SIMD transposes gather.

use super::{MR, NR};
use crate::simd::{Arch, Simd};

/// Where panel element (p, j) lives in a row-major source with leading dimension `ld`.
#[derive(Clone, Copy)]
enum Layout {
    /// src[(p0 + p)·ld + first + j]
    Rows,
    /// src[(first + j)·ld + p0 + p]
    Cols,
}

/// Packs rows ic..ic+mb, depth pc..pc+kb of op(A) into `dst` (A is (m,k), or (k,m) if `trans`).
#[allow(clippy::too_many_arguments)]
pub(super) fn pack_a(trans: bool, a: &[f32], m: usize, k: usize, ic: usize, mb: usize, pc: usize, kb: usize, dst: &mut [f32]) {
    let (layout, ld) = if trans { (Layout::Rows, m) } else { (Layout::Cols, k) };
    for (r, panel) in dst[..(mb + MR - 1) / MR * MR * kb].chunks_exact_mut(MR * kb).enumerate() {
        let first = ic + r * MR;
        pack_panel::<Arch, MR>(a, ld, layout, first, MR.min(m - first), pc, kb, panel);
    }
}

/// Packs columns jc..jc+nb, depth pc..pc+kb of op(B) into `dst` (B is (k,n), or (n,k) if `trans`).
#[allow(clippy::too_many_arguments)]
pub(super) fn pack_b(trans: bool, b: &[f32], k: usize, n: usize, pc: usize, kb: usize, jc: usize, nb: usize, dst: &mut [f32]) {
    let (layout, ld) = if trans { (Layout::Cols, k) } else { (Layout::Rows, n) };
    for (r, panel) in dst[..(nb + NR - 1) / NR * NR * kb].chunks_exact_mut(NR * kb).enumerate() {
        let first = jc + r * NR;
        pack_panel::<Arch, NR>(b, ld, layout, first, NR.min(n - first), pc, kb, panel);
    }
}

/// One panel of width W (a multiple of 4): `count` ≤ W valid columns starting at `first`, depth
/// p0..p0+kb. Full panels take the SIMD paths; a partial one is copied element by element and
/// zero-padded.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pack_panel<S: Simd, const W: usize>(
    src: &[f32],
    ld: usize,
    layout: Layout,
    first: usize,
    count: usize,
    p0: usize,
    kb: usize,
    panel: &mut [f32],
) {
    assert!(panel.len() == W * kb && W % 4 == 0 && kb > 0);
    if count < W {
        for p in 0..kb {
            for j in 0..W {
                panel[p * W + j] = if j >= count {
                    0.0
                } else {
                    match layout {
                        Layout::Rows => src[(p0 + p) * ld + first + j],
                        Layout::Cols => src[(first + j) * ld + p0 + p],
                    }
                };
            }
        }
        return;
    }
    let dp = panel.as_mut_ptr();
    match layout {
        Layout::Rows => {
            assert!((p0 + kb - 1) * ld + first + W <= src.len());
            let sp = src.as_ptr();
            for p in 0..kb {
                for g in 0..W / 4 {
                    // SAFETY: reads end at (p0+kb-1)*ld + first + W <= src.len() (asserted); writes
                    // end at (kb-1)*W + W = panel.len().
                    unsafe {
                        let v = S::load(sp.add((p0 + p) * ld + first + 4 * g));
                        S::store(dp.add(p * W + 4 * g), v);
                    }
                }
            }
        }
        Layout::Cols => {
            assert!((first + W - 1) * ld + p0 + kb <= src.len());
            let sp = src.as_ptr();
            let whole = kb / 4 * 4;
            for p in (0..whole).step_by(4) {
                for g in 0..W / 4 {
                    // SAFETY: row (first + 4g + t) reads p0+p..p0+p+4 <= p0+kb, inside src
                    // (asserted); writes rows p..p+4 < kb of the panel, columns 4g..4g+4 <= W.
                    unsafe {
                        let row = |t: usize| S::load(sp.add((first + 4 * g + t) * ld + p0 + p));
                        let cols = S::transpose4([row(0), row(1), row(2), row(3)]);
                        for (q, v) in cols.iter().enumerate() {
                            S::store(dp.add((p + q) * W + 4 * g), *v);
                        }
                    }
                }
            }
            for p in whole..kb {
                for j in 0..W {
                    panel[p * W + j] = src[(first + j) * ld + p0 + p];
                }
            }
        }
    }
}
