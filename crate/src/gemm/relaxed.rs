//! The relaxed-SIMD micro-kernel: the same MR×NR tile as `kernel::tile` with fused multiply-adds
//! (`f32x4.relaxed_madd`), written in WebAssembly text (crate/wat/relaxed.wat) because Rust 1.63
//! cannot emit the opcodes, and imported from the second module (`relaxed.gemm_tile`), which shares
//! this module's memory. One call per tile: the call is a few nanoseconds against the kb-step loop
//! behind it (~0.4 µs at kb = 128). Chosen per thread by `set_relaxed`; natively it does not exist.

use core::sync::atomic::{AtomicBool, Ordering};

static RELAXED: AtomicBool = AtomicBool::new(false);

/// Whether GEMMs run the relaxed tile (set by `gemm_set_kernel`; false until then).
#[inline]
pub fn relaxed_active() -> bool {
    RELAXED.load(Ordering::Relaxed)
}

/// Chooses the relaxed tile (`true`) or the simd128 one. Returns false, changing nothing, where
/// there is no relaxed tile (native builds).
pub fn set_relaxed(on: bool) -> bool {
    if on && !cfg!(target_arch = "wasm32") {
        return false;
    }
    RELAXED.store(on, Ordering::Relaxed);
    true
}

#[cfg(target_arch = "wasm32")]
pub(super) use wasm::tile;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::super::kernel::Epilogue;
    use super::super::{Bias, MR, NR};

    #[link(wasm_import_module = "relaxed")]
    extern "C" {
        /// crate/wat/relaxed.wat's `gemm_tile`: the tile from panels `a` (kb·MR) and `b` (kb·NR),
        /// rows written at `c + i·ldc` bytes, merged as `flags` say.
        fn gemm_tile(kb: u32, a: *const f32, b: *const f32, c: *mut f32, ldc: u32, flags: u32, beta: f32, bias: *const f32);
    }

    const LOAD_C: u32 = 1;
    const SCALE_C: u32 = 2;
    const BIAS_COL: u32 = 4;
    const BIAS_ROW: u32 = 8;
    const RELU: u32 = 16;

    /// `kernel::tile` with the relaxed micro-kernel: the same arguments, the same epilogue.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(in crate::gemm) fn tile(
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
        assert!(kb > 0 && apanel.len() >= kb * MR && bpanel.len() >= kb * NR);
        assert!(rows <= MR && cols <= NR && (row + rows - 1) * ldc + col + cols <= c.len());
        if rows == MR && cols == NR {
            let mut flags = if e.relu { RELU } else { 0 };
            if e.load_c {
                flags |= LOAD_C | if e.beta == 1.0 { 0 } else { SCALE_C };
            }
            let bias = match e.bias {
                Bias::PerCol(bv) => {
                    flags |= BIAS_COL;
                    bv[col..col + NR].as_ptr()
                }
                Bias::PerRow(bv) => {
                    flags |= BIAS_ROW;
                    bv[row..row + MR].as_ptr()
                }
                Bias::None => core::ptr::null(),
            };
            // SAFETY: the panels hold kb·MR and kb·NR values (asserted); the tile's rows
            // (row + i)·ldc + col .. + NR are inside c (asserted, rows == MR, cols == NR); the bias
            // pointer addresses NR (per column) or MR (per row) values, sliced above, and is read
            // only under the flag that says which.
            unsafe {
                gemm_tile(
                    kb as u32,
                    apanel.as_ptr(),
                    bpanel.as_ptr(),
                    c[row * ldc + col..].as_mut_ptr(),
                    (ldc * 4) as u32,
                    flags,
                    e.beta,
                    bias,
                );
            }
        } else {
            let mut t = [0.0f32; MR * NR];
            // SAFETY: as above for the panels; flags 0 with ldc = NR·4 bytes writes the MR×NR raw
            // accumulators into `t`, which holds exactly that many.
            unsafe {
                gemm_tile(kb as u32, apanel.as_ptr(), bpanel.as_ptr(), t.as_mut_ptr(), (NR * 4) as u32, 0, 0.0, core::ptr::null());
            }
            for i in 0..rows {
                for j in 0..cols {
                    let at = (row + i) * ldc + col + j;
                    c[at] = e.apply_one(c[at], t[i * NR + j], row + i, col + j);
                }
            }
        }
    }
}
