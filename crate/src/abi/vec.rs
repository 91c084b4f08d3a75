//! Flat-vector entries: axpy, scale, the blend θ = Σ_j c_j·θ_j that evaluates a path point, and f64
//! reductions (dot, norm, max |x|, squared distance) written through an f64 out-pointer.

use super::{run, view};
use crate::blend;

/// `y[len] += a · x[len]`.
///
/// # Safety
/// The entry contract (abi module doc); `y` does not overlap `x`.
#[no_mangle]
pub unsafe extern "C" fn vec_axpy(x: *const f32, y: *mut f32, len: u32, a: f32) -> i32 {
    run(|| {
        let n = len as usize;
        // SAFETY: `view` checks each range; the caller keeps `y` apart from `x`.
        let (x, y) = unsafe { (view(x, n)?, view(y, n)?) };
        blend::axpy(a, x, y);
        Ok(())
    })
}

/// `x[len] *= a`.
///
/// # Safety
/// The entry contract (abi module doc) for `x`.
#[no_mangle]
pub unsafe extern "C" fn vec_scale(x: *mut f32, len: u32, a: f32) -> i32 {
    run(|| {
        // SAFETY: `view` checks the range; it is the only one of the call.
        blend::scale(a, unsafe { view(x, len as usize)? });
        Ok(())
    })
}

/// `out[len] = Σ_j coeffs[j] · θ_j` for the k vectors whose pointers are in `ptrs[k]`, summed
/// j = 0..k−1 in f32 (`out = 0` when k = 0). Every range is validated before anything is written.
///
/// # Safety
/// The entry contract (abi module doc) for `ptrs`, `coeffs`, `out` and every θ_j (`len` values
/// each); `out` overlaps no other range.
#[no_mangle]
pub unsafe extern "C" fn vec_blend(ptrs: *const u32, coeffs: *const f32, k: u32, out: *mut f32, len: u32) -> i32 {
    run(|| {
        let (k, n) = (k as usize, len as usize);
        // SAFETY: `view` checks each range; the caller keeps `out` apart from the inputs.
        let (ptrs, coeffs, out) = unsafe { (view(ptrs, k)?, view(coeffs, k)?, view(out, n)?) };
        // SAFETY: as above; θ_j is only read.
        let theta = |p: u32| unsafe { view(p as usize as *const f32, n) };
        for &p in ptrs {
            theta(p)?;
        }
        if k == 0 {
            blend::blend(&[], &[], out);
            return Ok(());
        }
        blend::blend(&coeffs[..1], &[theta(ptrs[0])?], out);
        for (&c, &p) in coeffs.iter().zip(ptrs).skip(1) {
            blend::axpy(c, theta(p)?, out);
        }
        Ok(())
    })
}

/// `*out = Σ x_i·y_i` (f64).
///
/// # Safety
/// The entry contract (abi module doc); `out` (one f64) overlaps neither input.
#[no_mangle]
pub unsafe extern "C" fn vec_dot(x: *const f32, y: *const f32, len: u32, out: *mut f64) -> i32 {
    run(|| {
        let n = len as usize;
        // SAFETY: `view` checks each range; the caller keeps `out` apart from the inputs.
        let (out, x, y) = unsafe { (view(out, 1)?, view(x, n)?, view(y, n)?) };
        out[0] = blend::dot(x, y);
        Ok(())
    })
}

/// `*out = ‖x‖₂` (f64).
///
/// # Safety
/// The entry contract (abi module doc); `out` (one f64) does not overlap `x`.
#[no_mangle]
pub unsafe extern "C" fn vec_norm2(x: *const f32, len: u32, out: *mut f64) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps `out` apart from `x`.
        let (out, x) = unsafe { (view(out, 1)?, view(x, len as usize)?) };
        out[0] = blend::norm2(x);
        Ok(())
    })
}

/// `*out = max |x_i|` (f64).
///
/// # Safety
/// The entry contract (abi module doc); `out` (one f64) does not overlap `x`.
#[no_mangle]
pub unsafe extern "C" fn vec_maxabs(x: *const f32, len: u32, out: *mut f64) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps `out` apart from `x`.
        let (out, x) = unsafe { (view(out, 1)?, view(x, len as usize)?) };
        out[0] = blend::maxabs(x);
        Ok(())
    })
}

/// `*out = Σ (x_i − y_i)²` (f64).
///
/// # Safety
/// The entry contract (abi module doc); `out` (one f64) overlaps neither input.
#[no_mangle]
pub unsafe extern "C" fn vec_dist2(x: *const f32, y: *const f32, len: u32, out: *mut f64) -> i32 {
    run(|| {
        let n = len as usize;
        // SAFETY: `view` checks each range; the caller keeps `out` apart from the inputs.
        let (out, x, y) = unsafe { (view(out, 1)?, view(x, n)?, view(y, n)?) };
        out[0] = blend::dist2(x, y);
        Ok(())
    })
}
