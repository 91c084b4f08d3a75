//! Single-precision GEMM: C(m,n) = beta·C + op(A)·op(B) + bias, then optional ReLU. Row-major.
//! op(A) is (m,k) — A stored (m,k), or (k,m) when `trans_a`; op(B) is (k,n) — B stored (k,n), or
//! (n,k) when `trans_b`. Cache-blocked (KC/MC/NC) over packed panels of A (MR rows) and B (NR
//! columns); packing absorbs the transposes, so every layout runs the same MR×NR micro-kernel.

use crate::gemm_pack::{pack_a, pack_b};
use crate::simd::{Arch, Simd};
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

/// How a finished tile is merged into C for one k block.
struct Epilogue<'a> {
    beta: f32,
    /// false when beta == 0 on the first block: C's old contents (maybe NaN) are never read.
    load_c: bool,
    bias: Bias<'a>,
    relu: bool,
}

impl<'a> Epilogue<'a> {
    /// The scalar form of the epilogue; the same operation order as the vector form.
    #[inline(always)]
    fn apply_one(&self, old: f32, acc: f32, i: usize, j: usize) -> f32 {
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
fn tile<S: Simd>(
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

/// Independent chains of each kind in `simd_peak`: 6 mul chains (latency 4) and 6 add chains keep
/// every FP port busy while 13 registers stay within V8's 15 allocatable xmm registers.
const PEAK_CHAINS: usize = 6;
/// FLOPs per `simd_peak` iteration: PEAK_CHAINS 4-lane muls and PEAK_CHAINS 4-lane adds.
pub const SIMD_PEAK_FLOPS_PER_ITER: usize = PEAK_CHAINS * 8;

/// A register-only loop, `iters` times, of PEAK_CHAINS independent `x = x*x` chains and PEAK_CHAINS
/// independent `y = y + 1` chains (SIMD_PEAK_FLOPS_PER_ITER FLOPs per iteration, no memory
/// traffic): the mul+add ceiling GEMM is compared against. Lanes of x are ±1 and y saturates at
/// 2^24, so no value overflows or goes subnormal. Every chain's first step changes its value and
/// chains start apart, so constant propagation cannot fold a chain and no two chains merge.
/// Returns a sum of lanes so the work cannot be optimised away.
pub fn simd_peak(iters: usize) -> f32 {
    peak::<Arch>(iters)
}

#[inline(never)]
fn peak<S: Simd>(iters: usize) -> f32 {
    let (zero, one) = (S::zero(), S::splat(1.0));
    let sign = |bit: usize| if bit == 0 { 1.0 } else { -1.0 };
    let mut x = [zero; PEAK_CHAINS];
    let mut y = [zero; PEAK_CHAINS];
    for i in 0..PEAK_CHAINS {
        x[i] = S::from_lanes([sign(i & 1), sign(i & 2), sign(i & 4), -1.0]);
        y[i] = S::splat(i as f32);
    }
    for _ in 0..iters {
        for i in 0..PEAK_CHAINS {
            x[i] = S::mul(x[i], x[i]);
            y[i] = S::add(y[i], one);
        }
    }
    (0..PEAK_CHAINS).fold(0.0, |s, i| s + S::sum(x[i]) + S::sum(y[i]))
}
