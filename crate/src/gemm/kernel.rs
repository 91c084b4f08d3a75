//! The GEMM micro-kernel: one MR×NR tile of op(A)·op(B) from packed panels (A: element (i,p) at
//! p·MR + i; B: element (p,j) at p·NR + j), merged into C by the epilogue (beta·C, bias, ReLU).

use super::{Bias, MR, NR, NV};
use crate::simd::Simd;

/// How a finished tile is merged into C for one k block.
pub(super) struct Epilogue<'a> {
    pub beta: f32,
    /// false when beta == 0 on the first block: C's old contents (maybe NaN) are never read.
    pub load_c: bool,
    pub bias: Bias<'a>,
    pub relu: bool,
}

impl<'a> Epilogue<'a> {
    /// The scalar form of the epilogue; the same operation order as the vector form.
    #[inline(always)]
    pub fn apply_one(&self, old: f32, acc: f32, i: usize, j: usize) -> f32 {
        let mut v = acc;
        if self.load_c {
            v = if self.beta == 1.0 { old + v } else { self.beta * old + v };
        }
        match self.bias {
            Bias::PerCol(bv) => v += bv[j],
            Bias::PerRow(bv) => v += bv[i],
            Bias::None => {}
        }
        if self.relu && v < 0.0 {
            v = 0.0;
        }
        v
    }
}

/// Multiplies an MR×kb A panel by a kb×NR B panel and merges the MR×NR result into C at
/// (row, col); only `rows`×`cols` of it when the tile hangs over C's edge.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn tile<S: Simd>(
    kb: usize,
    apanel: &[f32],
    bpanel: &[f32],
    e: &Epilogue,
    c: &mut [f32],
    ldc: usize,
    row: usize,
    col: usize,
    rows: usize,
    cols: usize,
) {
    assert!(apanel.len() >= kb * MR && bpanel.len() >= kb * NR);
    assert!(rows <= MR && cols <= NR && (row + rows - 1) * ldc + col + cols <= c.len());
    let mut acc = [[S::zero(); NV]; MR];
    let (pa, pb) = (apanel.as_ptr(), bpanel.as_ptr());
    for p in 0..kb {
        // SAFETY: p < kb, so reads at p*MR + i (i < MR) and p*NR + 4j + 3 (j < NV) stay inside
        // apanel[..kb*MR] and bpanel[..kb*NR] (asserted above).
        unsafe {
            let (ap, bp) = (pa.add(p * MR), pb.add(p * NR));
            let mut bv = [S::zero(); NV];
            for (j, v) in bv.iter_mut().enumerate() {
                *v = S::load(bp.add(4 * j));
            }
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let av = S::load_splat(ap.add(i));
                for (a, b) in acc_row.iter_mut().zip(bv.iter()) {
                    *a = S::add(*a, S::mul(av, *b));
                }
            }
        }
    }
    if rows == MR && cols == NR {
        store_full::<S>(&acc, e, c, ldc, row, col);
    } else {
        let mut t = [0.0f32; MR * NR];
        for (i, acc_row) in acc.iter().enumerate() {
            for (j, v) in acc_row.iter().enumerate() {
                S::store_slice(&mut t[i * NR + 4 * j..], *v);
            }
        }
        for i in 0..rows {
            for j in 0..cols {
                let at = (row + i) * ldc + col + j;
                c[at] = e.apply_one(c[at], t[i * NR + j], row + i, col + j);
            }
        }
    }
}

/// The vector epilogue for a whole MR×NR tile inside C.
#[inline(always)]
fn store_full<S: Simd>(acc: &[[S::V; NV]; MR], e: &Epilogue, c: &mut [f32], ldc: usize, row: usize, col: usize) {
    let beta = S::splat(e.beta);
    for (i, acc_row) in acc.iter().enumerate() {
        let at = (row + i) * ldc + col;
        let crow = &mut c[at..at + NR];
        let rb = match e.bias {
            Bias::PerRow(bv) => S::splat(bv[row + i]),
            _ => S::zero(),
        };
        for (j, v) in acc_row.iter().enumerate() {
            let mut v = *v;
            if e.load_c {
                let old = S::load_slice(&crow[4 * j..]);
                v = if e.beta == 1.0 { S::add(old, v) } else { S::add(S::mul(beta, old), v) };
            }
            match e.bias {
                Bias::PerCol(bv) => v = S::add(v, S::load_slice(&bv[col + 4 * j..])),
                Bias::PerRow(_) => v = S::add(v, rb),
                Bias::None => {}
            }
            if e.relu {
                v = S::relu(v);
            }
            S::store_slice(&mut crow[4 * j..], v);
        }
    }
}
