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

// ---- conv, pool ----

use crate::conv::{Conv2d, GeomError};
use crate::pool::Pool2d;

fn geom_status(e: GeomError) -> i32 {
    match e {
        GeomError::Arg => ERR_ARG,
        GeomError::Shape => ERR_SHAPE,
    }
}

/// Zero-filled scratch, or `ERR_ALLOC` instead of an abort when memory runs out.
fn scratch(len: usize) -> Result<Vec<f32>, i32> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| ERR_ALLOC)?;
    v.resize(len, 0.0);
    Ok(v)
}

#[allow(clippy::too_many_arguments)]
fn conv_geom(n: u32, c_in: u32, h: u32, w: u32, c_out: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32) -> Conv2d {
    let u = |v: u32| v as usize;
    Conv2d { n: u(n), c_in: u(c_in), h: u(h), w: u(w), c_out: u(c_out), kh: u(kh), kw: u(kw), sh: u(sh), sw: u(sw), ph: u(ph), pw: u(pw) }
}

#[allow(clippy::too_many_arguments)]
fn pool_geom(n: u32, c: u32, h: u32, w: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32) -> Pool2d {
    let u = |v: u32| v as usize;
    Pool2d { n: u(n), c: u(c), h: u(h), w: u(w), kh: u(kh), kw: u(kw), sh: u(sh), sw: u(sw), ph: u(ph), pw: u(pw) }
}

/// y `[n, c_out, oh, ow]` = conv2d(x `[n, c_in, h, w]`, weight `[c_out, c_in, kh, kw]`) + bias
/// `[c_out]` (bias null = none). Zero padding (ph, pw), stride (sh, sw).
///
/// # Safety
/// Pointers are checked against linear memory; `y` must not overlap the inputs.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_forward(
    x: *const f32, weight: *const f32, bias: *const f32, y: *mut f32,
    n: u32, c_in: u32, h: u32, w: u32, c_out: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32,
) -> i32 {
    status((|| {
        let g = conv_geom(n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        let x = f32s(x, s.x)?;
        let weight = f32s(weight, s.weight)?;
        let bias = if bias.is_null() { None } else { Some(f32s(bias, g.c_out)?) };
        let y = f32s_mut(y, s.y)?;
        let mut tmp = scratch(s.scratch_forward)?;
        crate::conv::conv2d_forward(&g, &s, x, weight, bias, y, &mut tmp);
        Ok(())
    })())
}

/// Gradients of `conv2d_forward` from dy `[n, c_out, oh, ow]`, overwritten: dx `[n, c_in, h, w]`
/// (null = skip, e.g. the first layer), dweight `[c_out, c_in, kh, kw]`, dbias `[c_out]` (null =
/// skip).
///
/// # Safety
/// Pointers are checked against linear memory; outputs must not overlap each other or the inputs.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_backward(
    x: *const f32, weight: *const f32, dy: *const f32, dx: *mut f32, dweight: *mut f32, dbias: *mut f32,
    n: u32, c_in: u32, h: u32, w: u32, c_out: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32,
) -> i32 {
    status((|| {
        let g = conv_geom(n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        let x = f32s(x, s.x)?;
        let weight = f32s(weight, s.weight)?;
        let dy = f32s(dy, s.y)?;
        let dx = if dx.is_null() { None } else { Some(f32s_mut(dx, s.x)?) };
        let dweight = f32s_mut(dweight, s.weight)?;
        let dbias = if dbias.is_null() { None } else { Some(f32s_mut(dbias, g.c_out)?) };
        let mut tmp = scratch(s.scratch_backward)?;
        crate::conv::conv2d_backward(&g, &s, x, weight, dy, dx, dweight, dbias, &mut tmp);
        Ok(())
    })())
}

/// y `[n, c, oh, ow]` = max over each window of x `[n, c, h, w]` (padding = −∞); argmax
/// `[n, c, oh, ow]` gets the index of the maximum within its `h·w` plane.
///
/// # Safety
/// Pointers are checked against linear memory; outputs must not overlap.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn maxpool2d_forward(
    x: *const f32, y: *mut f32, argmax: *mut u32,
    n: u32, c: u32, h: u32, w: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32,
) -> i32 {
    status((|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        let x = f32s(x, s.x)?;
        let y = f32s_mut(y, s.y)?;
        let argmax = u32s_mut(argmax, s.y)?;
        crate::pool::maxpool2d_forward(&g, &s, x, y, argmax);
        Ok(())
    })())
}

/// dx `[n, c, h, w]` (overwritten) = dy `[n, c, oh, ow]` routed to the argmax of
/// `maxpool2d_forward`. An argmax outside its plane is `ERR_ARG`.
///
/// # Safety
/// Pointers are checked against linear memory; `dx` must not overlap the inputs.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn maxpool2d_backward(
    dy: *const f32, argmax: *const u32, dx: *mut f32,
    n: u32, c: u32, h: u32, w: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32,
) -> i32 {
    status((|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        let dy = f32s(dy, s.y)?;
        let argmax = u32s(argmax, s.y)?;
        let dx = f32s_mut(dx, s.x)?;
        crate::pool::maxpool2d_backward(&g, &s, dy, argmax, dx).map_err(|_| ERR_ARG)
    })())
}

/// y `[n, c, oh, ow]` = window sums of x `[n, c, h, w]` / (kh·kw) (count_include_pad).
///
/// # Safety
/// Pointers are checked against linear memory; `y` must not overlap `x`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn avgpool2d_forward(
    x: *const f32, y: *mut f32,
    n: u32, c: u32, h: u32, w: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32,
) -> i32 {
    status((|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        let x = f32s(x, s.x)?;
        let y = f32s_mut(y, s.y)?;
        crate::pool::avgpool2d_forward(&g, &s, x, y);
        Ok(())
    })())
}

/// dx `[n, c, h, w]` (overwritten) = gradient of `avgpool2d_forward` from dy `[n, c, oh, ow]`.
///
/// # Safety
/// Pointers are checked against linear memory; `dx` must not overlap `dy`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn avgpool2d_backward(
    dy: *const f32, dx: *mut f32,
    n: u32, c: u32, h: u32, w: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32,
) -> i32 {
    status((|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        let dy = f32s(dy, s.y)?;
        let dx = f32s_mut(dx, s.x)?;
        crate::pool::avgpool2d_backward(&g, &s, dy, dx);
        Ok(())
    })())
}

// ---- gemm ----

/// C(m,n) = beta*C + op(A)·op(B) + bias, then ReLU if `relu` (see `gemm::gemm`). `trans_a`,
/// `trans_b`, `relu` are 0/1; `bias_axis` is 0 none, 1 per column (len n), 2 per row (len m); `bias`
/// may be null when `bias_axis` is 0.
///
/// # Safety
/// Pointers are checked against linear memory; `c` must not overlap the inputs.
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
    status((|| {
        if trans_a > 1 || trans_b > 1 || relu > 1 || bias_axis > 2 || !beta.is_finite() {
            return Err(ERR_ARG);
        }
        let (m, n, k) = (m as usize, n as usize, k as usize);
        let mk = m.checked_mul(k).ok_or(ERR_SHAPE)?;
        let kn = k.checked_mul(n).ok_or(ERR_SHAPE)?;
        let mn = m.checked_mul(n).ok_or(ERR_SHAPE)?;
        let a = f32s(a, mk)?;
        let b = f32s(b, kn)?;
        let bias = match bias_axis {
            0 => crate::gemm::Bias::None,
            1 => crate::gemm::Bias::PerCol(f32s(bias, n)?),
            _ => crate::gemm::Bias::PerRow(f32s(bias, m)?),
        };
        let c = f32s_mut(c, mn)?;
        let p = crate::gemm::Gemm { m, n, k, trans_a: trans_a == 1, trans_b: trans_b == 1, beta, relu: relu == 1 };
        crate::gemm::gemm(&p, a, b, bias, c);
        Ok(())
    })())
}

/// Runs `gemm::simd_peak(iters)` (`gemm::SIMD_PEAK_FLOPS_PER_ITER` = 48 FLOPs per iteration) and
/// writes its result to `out[0]`, so the loop cannot be optimised away.
///
/// # Safety
/// `out` is checked against linear memory.
#[no_mangle]
pub unsafe extern "C" fn simd_peak(iters: u32, out: *mut f32) -> i32 {
    status((|| {
        let out = f32s_mut(out, 1)?;
        out[0] = crate::gemm::simd_peak(iters as usize);
        Ok(())
    })())
}
