//! Single-precision GEMM: C(m,n) = beta·C + op(A)·op(B) + bias, then optional ReLU. Row-major.
//! op(A) is (m,k) — A stored (m,k), or (k,m) when `trans_a`; op(B) is (k,n) — B stored (k,n), or
//! (n,k) when `trans_b`. Cache-blocked (KC/MC/NC) over packed panels of A (MR rows) and B (NR
//! columns); packing absorbs the transposes, so every layout runs the same MR×NR micro-kernel: the
//! simd128 one (kernel.rs, mul then add) or, when chosen, the relaxed-SIMD one (relaxed.rs, fused).
//! Each element of C sums its products in k order within a k block either way, so the tiling never
//! changes the bits; only the choice of micro-kernel does.

mod kernel;
mod pack;
mod peak;
mod relaxed;

use crate::simd::Arch;
use kernel::{tile, Epilogue};
use pack::{pack_a, pack_b};
pub use peak::{simd_peak, SIMD_PEAK_FLOPS_PER_ITER};
pub use relaxed::{relaxed_active, set_relaxed};
use std::cell::RefCell;

/// Rows of a micro-tile (one splat of A per row and k step). 4×8 is the largest tile whose k step
/// fits V8's 15 allocatable xmm registers on x64: 8 accumulators + 2 B vectors + 4 A splats (V8
/// hoists all loads of a step ahead of the arithmetic) + 1 product. 5×8 and 3×12 spill and ran
/// 20–30% slower; 6×8 too.
pub const MR: usize = 4;
/// v128 vectors per micro-tile row.
const NV: usize = 2;
/// Columns of a micro-tile.
pub const NR: usize = 4 * NV;
/// Largest depth of a packed block: a B micro-panel (KC·NR) and an A micro-panel (KC·MR) stay in
/// L1. Depths are split evenly (784 → 2×392), so no block is a thin remainder whose tile
/// epilogues cost as much as its products.
const KC: usize = 512;
/// Rows of a packed A block (a multiple of MR): MC·KC floats stay in L2.
const MC: usize = 128;
/// Columns of a packed B block (a multiple of NR).
const NC: usize = 2048;

/// What is added after the product: nothing, `bias[j]` to column j, or `bias[i]` to row i.
#[derive(Clone, Copy, Debug)]
pub enum Bias<'a> {
    None,
    /// Length n: added to every row.
    PerCol(&'a [f32]),
    /// Length m: added to every column.
    PerRow(&'a [f32]),
}

/// Shape and epilogue of one GEMM call.
#[derive(Clone, Copy, Debug)]
pub struct Gemm {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: bool,
    pub trans_b: bool,
    pub beta: f32,
    pub relu: bool,
}

/// C(m,n) = beta*C + op(A)·op(B) + bias, then ReLU if `relu`. Row-major. op(A) is (m,k): A is stored
/// (m,k), or (k,m) when trans_a. op(B) is (k,n): B is stored (k,n), or (n,k) when trans_b.
/// beta == 0 ignores C's old contents (NaN-safe). Panics if a slice is shorter than its shape.
pub fn gemm(p: &Gemm, a: &[f32], b: &[f32], bias: Bias, c: &mut [f32]) {
    let (m, n, k) = (p.m, p.n, p.k);
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "gemm: slice too short");
    match bias {
        Bias::PerCol(v) => assert!(v.len() >= n, "gemm: bias shorter than n"),
        Bias::PerRow(v) => assert!(v.len() >= m, "gemm: bias shorter than m"),
        Bias::None => {}
    }
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        let e = Epilogue { beta: p.beta, load_c: p.beta != 0.0, bias, relu: p.relu };
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = e.apply_one(c[i * n + j], 0.0, i, j);
            }
        }
        return;
    }
    PACK.with(|cell| match cell.try_borrow_mut() {
        Ok(mut bufs) => {
            let bufs = &mut *bufs;
            blocked(p, a, b, bias, c, &mut bufs.0, &mut bufs.1)
        }
        // Re-entered (cannot happen single-threaded, but stay safe): use fresh buffers.
        Err(_) => blocked(p, a, b, bias, c, &mut Vec::new(), &mut Vec::new()),
    });
}

thread_local! {
    /// Packing buffers for A and B, grown on demand and kept, so steady-state calls do not allocate.
    static PACK: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn grow(v: &mut Vec<f32>, len: usize) {
    if v.len() < len {
        v.resize(len, 0.0);
    }
}

fn round_up(x: usize, to: usize) -> usize {
    (x + to - 1) / to * to
}

/// The block size that splits `len` (> 0) into the fewest blocks of at most `max`, evenly.
fn even_block(len: usize, max: usize) -> usize {
    let blocks = (len + max - 1) / max;
    (len + blocks - 1) / blocks
}

fn blocked(p: &Gemm, a: &[f32], b: &[f32], bias: Bias, c: &mut [f32], ap: &mut Vec<f32>, bp: &mut Vec<f32>) {
    let (m, n, k) = (p.m, p.n, p.k);
    let kc = even_block(k, KC);
    #[cfg(target_arch = "wasm32")]
    let relaxed = relaxed_active();
    grow(ap, round_up(m.min(MC), MR) * kc);
    grow(bp, round_up(n.min(NC), NR) * kc);
    let mut jc = 0;
    while jc < n {
        let nb = NC.min(n - jc);
        let mut pc = 0;
        while pc < k {
            let kb = kc.min(k - pc);
            pack_b(p.trans_b, b, k, n, pc, kb, jc, nb, bp);
            let first = pc == 0;
            let e = Epilogue {
                beta: if first { p.beta } else { 1.0 },
                load_c: !first || p.beta != 0.0,
                bias: if first { bias } else { Bias::None },
                relu: p.relu && pc + kb == k,
            };
            let mut ic = 0;
            while ic < m {
                let mb = MC.min(m - ic);
                pack_a(p.trans_a, a, m, k, ic, mb, pc, kb, ap);
                for jr in 0..(nb + NR - 1) / NR {
                    let col = jc + jr * NR;
                    let bpanel = &bp[jr * NR * kb..(jr + 1) * NR * kb];
                    for ir in 0..(mb + MR - 1) / MR {
                        let row = ic + ir * MR;
                        let apanel = &ap[ir * MR * kb..(ir + 1) * MR * kb];
                        let rows = MR.min(m - row);
                        let cols = NR.min(n - col);
                        #[cfg(target_arch = "wasm32")]
                        if relaxed {
                            relaxed::tile(kb, apanel, bpanel, &e, c, n, row, col, rows, cols);
                            continue;
                        }
                        tile::<Arch>(kb, apanel, bpanel, &e, c, n, row, col, rows, cols);
                    }
                }
                ic += mb;
            }
            pc += kb;
        }
        jc += nb;
    }
}
