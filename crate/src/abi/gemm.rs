//! GEMM entries: C(m,n) = beta·C + op(A)·op(B) + bias (then ReLU), and the SIMD mul+add ceiling that
//! GEMM throughput is compared against.

use super::{run, view, ERR_ARG, ERR_SHAPE};
use crate::gemm::{Bias, Gemm};

/// C(m,n) = beta*C + op(A)·op(B) + bias, then ReLU if `relu` (see `gemm::gemm`). `trans_a`,
/// `trans_b`, `relu` are 0/1; `bias_axis` is 0 none, 1 per column (len n), 2 per row (len m); `bias`
/// may be null when `bias_axis` is 0.
///
/// # Safety
/// The entry contract (abi module doc); `c` overlaps none of the inputs.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gemm_f32(
    trans_a: u32,
    trans_b: u32,
    m: u32,
    n: u32,
    k: u32,
    a: *const f32,
    b: *const f32,
    bias: *const f32,
    bias_axis: u32,
    beta: f32,
    relu: u32,
    c: *mut f32,
) -> i32 {
    run(|| {
        if trans_a > 1 || trans_b > 1 || relu > 1 || bias_axis > 2 || !beta.is_finite() {
            return Err(ERR_ARG);
        }
        let (m, n, k) = (m as usize, n as usize, k as usize);
        let mk = m.checked_mul(k).ok_or(ERR_SHAPE)?;
        let kn = k.checked_mul(n).ok_or(ERR_SHAPE)?;
        let mn = m.checked_mul(n).ok_or(ERR_SHAPE)?;
        // SAFETY: `view` checks each range; the caller keeps `c` apart from the inputs.
        let (a, b) = unsafe { (view(a, mk)?, view(b, kn)?) };
        let bias = match bias_axis {
            0 => Bias::None,
            // SAFETY: as above.
            1 => Bias::PerCol(unsafe { view(bias, n)? }),
            // SAFETY: as above.
            _ => Bias::PerRow(unsafe { view(bias, m)? }),
        };
        // SAFETY: as above.
        let c = unsafe { view(c, mn)? };
        let p = Gemm { m, n, k, trans_a: trans_a == 1, trans_b: trans_b == 1, beta, relu: relu == 1 };
        crate::gemm::gemm(&p, a, b, bias, c);
        Ok(())
    })
}

/// Runs `gemm::simd_peak(iters)` (`gemm::SIMD_PEAK_FLOPS_PER_ITER` = 48 FLOPs per iteration) and
/// writes its result to `out[0]`, so the loop cannot be optimised away.
///
/// # Safety
/// The entry contract (abi module doc) for `out` (one f32).
#[no_mangle]
pub unsafe extern "C" fn simd_peak(iters: u32, out: *mut f32) -> i32 {
    run(|| {
        // SAFETY: `view` checks the range; it is the only one of the call.
        let out = unsafe { view(out, 1)? };
        out[0] = crate::gemm::simd_peak(iters as usize);
        Ok(())
    })
}

/// Chooses the GEMM micro-kernel of this instance: `kind` 0 = simd128 (mul then add), 1 = relaxed
/// SIMD (fused multiply-add, imported from the relaxed module). `ERR_ARG` for another kind, or for 1
/// where there is no relaxed kernel (native builds).
#[no_mangle]
pub extern "C" fn gemm_set_kernel(kind: u32) -> i32 {
    match kind {
        0 | 1 if crate::gemm::set_relaxed(kind == 1) => super::OK,
        _ => ERR_ARG,
    }
}

/// The GEMM micro-kernel in use: 0 = simd128, 1 = relaxed SIMD.
#[no_mangle]
pub extern "C" fn gemm_kernel() -> u32 {
    u32::from(crate::gemm::relaxed_active())
}
