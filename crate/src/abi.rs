//! The boundary: every `#[no_mangle] extern "C"` function lives here and nowhere else.
//!
//! Pointers are byte offsets into linear memory (u32 on wasm32), lengths are element counts.
//! Every function returns an `i32` status (`OK` or an `ERR_*` code) and validates each pointer range
//! against the memory's size before building a slice, so a bad argument is a status, never a trap.
//! Kernel modules behind this file are safe Rust over slices.

use std::alloc::{alloc_zeroed, dealloc, Layout};

pub const OK: i32 = 0;
/// Dimensions inconsistent with each other or with a buffer length.
pub const ERR_SHAPE: i32 = 1;
/// An enum, flag or scalar argument out of its range.
pub const ERR_ARG: i32 = 2;
/// A pointer range that is null, misaligned or outside linear memory.
pub const ERR_BOUNDS: i32 = 3;
/// The allocator could not satisfy a request.
pub const ERR_ALLOC: i32 = 4;

/// Alignment of every allocation: one v128.
const ALIGN: usize = 16;

/// Bytes of linear memory currently addressable (wasm32); unbounded natively.
#[inline]
fn memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size::<0>() * 65536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        usize::MAX
    }
}

#[inline]
fn check_range(ptr: usize, bytes: usize, align: usize) -> Result<(), i32> {
    if ptr == 0 || ptr % align != 0 {
        return Err(ERR_BOUNDS);
    }
    match ptr.checked_add(bytes) {
        Some(end) if end <= memory_bytes() => Ok(()),
        _ => Err(ERR_BOUNDS),
    }
}

/// A checked view of `len` f32 values at `ptr`. A zero length gives an empty slice for any pointer.
pub(crate) fn f32s<'a>(ptr: *const f32, len: usize) -> Result<&'a [f32], i32> {
    if len == 0 {
        return Ok(&[]);
    }
    check_range(ptr as usize, len.checked_mul(4).ok_or(ERR_BOUNDS)?, 4)?;
    // SAFETY: the range is non-null, aligned and inside linear memory (checked above); the caller
    // (TS kernel owner) guarantees it does not alias a mutable range passed to the same call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A checked mutable view of `len` f32 values at `ptr`.
pub(crate) fn f32s_mut<'a>(ptr: *mut f32, len: usize) -> Result<&'a mut [f32], i32> {
    if len == 0 {
        return Ok(&mut []);
    }
    check_range(ptr as usize, len.checked_mul(4).ok_or(ERR_BOUNDS)?, 4)?;
    // SAFETY: as in `f32s`; the TS side never passes overlapping ranges where one is mutable.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// A checked view of `len` u32 values at `ptr` (labels, indices).
pub(crate) fn u32s<'a>(ptr: *const u32, len: usize) -> Result<&'a [u32], i32> {
    if len == 0 {
        return Ok(&[]);
    }
    check_range(ptr as usize, len.checked_mul(4).ok_or(ERR_BOUNDS)?, 4)?;
    // SAFETY: as in `f32s`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A checked mutable view of `len` u32 values at `ptr`.
pub(crate) fn u32s_mut<'a>(ptr: *mut u32, len: usize) -> Result<&'a mut [u32], i32> {
    if len == 0 {
        return Ok(&mut []);
    }
    check_range(ptr as usize, len.checked_mul(4).ok_or(ERR_BOUNDS)?, 4)?;
    // SAFETY: as in `f32s_mut`.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Turns a kernel body's `Result` into a status code.
#[inline]
pub(crate) fn status(r: Result<(), i32>) -> i32 {
    match r {
        Ok(()) => OK,
        Err(code) => code,
    }
}

/// Allocates `bytes` zeroed bytes aligned to 16; returns 0 on failure or for a zero size.
#[no_mangle]
pub extern "C" fn mem_alloc(bytes: u32) -> u32 {
    if bytes == 0 {
        return 0;
    }
    match Layout::from_size_align(bytes as usize, ALIGN) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { alloc_zeroed(layout) as usize as u32 },
        Err(_) => 0,
    }
}

/// Frees a block from `mem_alloc`; `bytes` must be the size it was allocated with.
#[no_mangle]
pub extern "C" fn mem_free(ptr: u32, bytes: u32) -> i32 {
    if ptr == 0 || bytes == 0 {
        return OK;
    }
    match Layout::from_size_align(bytes as usize, ALIGN) {
        Ok(layout) => {
            // SAFETY: the TS owner frees each block once with its allocation size.
            unsafe { dealloc(ptr as usize as *mut u8, layout) };
            OK
        }
        Err(_) => ERR_ARG,
    }
}

/// Executes `unreachable`: the test hook proving a trap surfaces as a typed error and the
/// instance is re-created. Never called by the library.
#[no_mangle]
pub extern "C" fn debug_trap() -> i32 {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    ERR_ARG
}

// ---- rng, dropout, optim, blend ----

use crate::{blend, dropout, optim, rng};

/// Runs `f` on the 4-word generator state at `state`, writing the advanced state back.
fn with_state<F: FnOnce(&mut rng::State)>(state: *mut u32, f: F) -> Result<(), i32> {
    let words = u32s_mut(state, 4)?;
    let mut s = [words[0], words[1], words[2], words[3]];
    f(&mut s);
    words.copy_from_slice(&s);
    Ok(())
}

/// A checked f64 out-slot (reductions return their scalar through it).
fn f64_out<'a>(ptr: *mut f64) -> Result<&'a mut f64, i32> {
    check_range(ptr as usize, 8, 8)?;
    // SAFETY: non-null, 8-aligned and inside linear memory (checked above).
    Ok(unsafe { &mut *ptr })
}

/// A 0/1 flag.
fn flag(v: u32) -> Result<bool, i32> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ERR_ARG),
    }
}

/// Writes the generator state for `(seed, stream)` into `state` (4 words).
#[no_mangle]
pub unsafe extern "C" fn rng_seed(state: *mut u32, seed: u32, stream: u32) -> i32 {
    status(u32s_mut(state, 4).map(|w| w.copy_from_slice(&rng::seed(seed, stream))))
}

/// Fills `out[len]` with u32 draws, advancing `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_u32(state: *mut u32, out: *mut u32, len: u32) -> i32 {
    status(u32s_mut(out, len as usize).and_then(|o| with_state(state, |s| rng::fill_u32(s, o))))
}

/// Fills `out[len]` with uniforms in [0, 1), advancing `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_uniform(state: *mut u32, out: *mut f32, len: u32) -> i32 {
    status(f32s_mut(out, len as usize).and_then(|o| with_state(state, |s| rng::fill_uniform(s, o))))
}

/// Fills `out[len]` with standard normals (pairs; an odd tail discards one value).
#[no_mangle]
pub unsafe extern "C" fn rng_normal(state: *mut u32, out: *mut f32, len: u32) -> i32 {
    status(f32s_mut(out, len as usize).and_then(|o| with_state(state, |s| rng::fill_normal(s, o))))
}

/// Fills `out[len]` with integers in [0, n); `n = 0` is `ERR_ARG`.
#[no_mangle]
pub unsafe extern "C" fn rng_below(state: *mut u32, n: u32, out: *mut u32, len: u32) -> i32 {
    if n == 0 {
        return ERR_ARG;
    }
    status(u32s_mut(out, len as usize).and_then(|o| with_state(state, |s| rng::fill_below(s, n, o))))
}

/// Writes a random permutation of 0..n into `out[n]`.
#[no_mangle]
pub unsafe extern "C" fn rng_permutation(state: *mut u32, out: *mut u32, n: u32) -> i32 {
    status(u32s_mut(out, n as usize).and_then(|o| with_state(state, |s| rng::permutation(s, o))))
}

/// Dropout forward over `len` values: `y = x · mask`, mask drawn from `state`; p ∈ [0, 1).
#[no_mangle]
pub unsafe extern "C" fn dropout_forward(
    state: *mut u32, x: *const f32, y: *mut f32, mask: *mut f32, len: u32, p: f32,
) -> i32 {
    if !(p >= 0.0 && p < 1.0) {
        return ERR_ARG;
    }
    let n = len as usize;
    status((|| {
        let (x, y, mask) = (f32s(x, n)?, f32s_mut(y, n)?, f32s_mut(mask, n)?);
        with_state(state, |s| dropout::forward(p, s, x, y, mask))
    })())
}

/// Dropout backward: `dx = dy · mask`.
#[no_mangle]
pub unsafe extern "C" fn dropout_backward(dy: *const f32, mask: *const f32, dx: *mut f32, len: u32) -> i32 {
    let n = len as usize;
    status((|| {
        dropout::backward(f32s(dy, n)?, f32s(mask, n)?, f32s_mut(dx, n)?);
        Ok(())
    })())
}

/// One torch.optim.SGD step on `params[len]`; `buf[len]` is used only when momentum ≠ 0.
#[no_mangle]
pub unsafe extern "C" fn sgd_step(
    params: *mut f32, grads: *const f32, buf: *mut f32, len: u32,
    lr: f32, momentum: f32, dampening: f32, weight_decay: f32, nesterov: u32, first: u32,
) -> i32 {
    let n = len as usize;
    status((|| {
        let h = optim::Sgd { lr, momentum, dampening, weight_decay, nesterov: flag(nesterov)? };
        let first = flag(first)?;
        if !h.is_valid() {
            return Err(ERR_ARG);
        }
        let buf = if momentum != 0.0 { f32s_mut(buf, n)? } else { &mut [] };
        optim::sgd_step(&h, f32s_mut(params, n)?, f32s(grads, n)?, buf, first);
        Ok(())
    })())
}

/// One torch.optim.Adam (decoupled = 0) or AdamW (decoupled = 1) step at 1-based `step`.
#[no_mangle]
pub unsafe extern "C" fn adam_step(
    params: *mut f32, grads: *const f32, m: *mut f32, v: *mut f32, len: u32, step: u32,
    lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, decoupled: u32,
) -> i32 {
    let n = len as usize;
    status((|| {
        let h = optim::Adam { lr, beta1, beta2, eps, weight_decay, decoupled: flag(decoupled)? };
        if step == 0 || !h.is_valid() {
            return Err(ERR_ARG);
        }
        let (p, g, m, v) = (f32s_mut(params, n)?, f32s(grads, n)?, f32s_mut(m, n)?, f32s_mut(v, n)?);
        optim::adam_step(&h, step, p, g, m, v);
        Ok(())
    })())
}

/// `y[len] += a · x[len]`.
#[no_mangle]
pub unsafe extern "C" fn vec_axpy(x: *const f32, y: *mut f32, len: u32, a: f32) -> i32 {
    let n = len as usize;
    status((|| {
        blend::axpy(a, f32s(x, n)?, f32s_mut(y, n)?);
        Ok(())
    })())
}

/// `x[len] *= a`.
#[no_mangle]
pub unsafe extern "C" fn vec_scale(x: *mut f32, len: u32, a: f32) -> i32 {
    status(f32s_mut(x, len as usize).map(|x| blend::scale(a, x)))
}

/// `out[len] = Σ_j coeffs[j] · θ_j` for the k vectors whose pointers are in `ptrs[k]`, summed
/// j = 0..k−1 in f32 (`out = 0` when k = 0). Every range is validated before anything is written.
#[no_mangle]
pub unsafe extern "C" fn vec_blend(ptrs: *const u32, coeffs: *const f32, k: u32, out: *mut f32, len: u32) -> i32 {
    let (k, n) = (k as usize, len as usize);
    let theta = |p: u32| f32s(p as usize as *const f32, n);
    status((|| {
        let (ptrs, coeffs, out) = (u32s(ptrs, k)?, f32s(coeffs, k)?, f32s_mut(out, n)?);
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
    })())
}

/// `*out = Σ x_i·y_i` (f64).
#[no_mangle]
pub unsafe extern "C" fn vec_dot(x: *const f32, y: *const f32, len: u32, out: *mut f64) -> i32 {
    let n = len as usize;
    status((|| {
        *f64_out(out)? = blend::dot(f32s(x, n)?, f32s(y, n)?);
        Ok(())
    })())
}

/// `*out = ‖x‖₂` (f64).
#[no_mangle]
pub unsafe extern "C" fn vec_norm2(x: *const f32, len: u32, out: *mut f64) -> i32 {
    status((|| {
        *f64_out(out)? = blend::norm2(f32s(x, len as usize)?);
        Ok(())
    })())
}

/// `*out = max |x_i|` (f64).
#[no_mangle]
pub unsafe extern "C" fn vec_maxabs(x: *const f32, len: u32, out: *mut f64) -> i32 {
    status((|| {
        *f64_out(out)? = blend::maxabs(f32s(x, len as usize)?);
        Ok(())
    })())
}

/// `*out = Σ (x_i − y_i)²` (f64).
#[no_mangle]
pub unsafe extern "C" fn vec_dist2(x: *const f32, y: *const f32, len: u32, out: *mut f64) -> i32 {
    let n = len as usize;
    status((|| {
        *f64_out(out)? = blend::dist2(f32s(x, n)?, f32s(y, n)?);
        Ok(())
    })())
}
