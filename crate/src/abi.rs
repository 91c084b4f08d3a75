//! The boundary: every `#[no_mangle] extern "C"` function lives here and nowhere else.
//!
//! Pointers are byte offsets into linear memory (u32 on wasm32), lengths are element counts.
//! Every function returns an `i32` status (`OK` or an `ERR_*` code) and validates each pointer range
//! against the memory's size before building a slice, so a bad argument is a status, never a trap.
//! Kernel modules behind this file are safe Rust over slices.

use std::alloc::{alloc, alloc_zeroed, dealloc, Layout};

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

/// A block of `bytes` aligned to 16, zeroed or not; 0 on failure or for a zero size.
fn alloc_block(bytes: u32, zeroed: bool) -> u32 {
    if bytes == 0 {
        return 0;
    }
    match Layout::from_size_align(bytes as usize, ALIGN) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { (if zeroed { alloc_zeroed(layout) } else { alloc(layout) }) as usize as u32 },
        Err(_) => 0,
    }
}

/// Allocates `bytes` zeroed bytes aligned to 16; returns 0 on failure or for a zero size.
#[no_mangle]
pub extern "C" fn mem_alloc(bytes: u32) -> u32 {
    alloc_block(bytes, true)
}

/// Allocates `bytes` bytes aligned to 16 without clearing them (for blocks the caller fills at
/// once); returns 0 on failure or for a zero size. Freed with `mem_free`, like `mem_alloc`'s.
#[no_mangle]
pub extern "C" fn mem_alloc_uninit(bytes: u32) -> u32 {
    alloc_block(bytes, false)
}

/// Frees a block from `mem_alloc` or `mem_alloc_uninit`; `bytes` must be the size it was allocated with.
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

fn conv_geom_status(e: GeomError) -> i32 {
    match e {
        GeomError::Arg => ERR_ARG,
        GeomError::Shape => ERR_SHAPE,
    }
}

/// Zero-filled scratch, or `ERR_ALLOC` instead of an abort when memory runs out.
fn conv_scratch(len: usize) -> Result<Vec<f32>, i32> {
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
        let s = g.sizes().map_err(conv_geom_status)?;
        let x = f32s(x, s.x)?;
        let weight = f32s(weight, s.weight)?;
        let bias = if bias.is_null() { None } else { Some(f32s(bias, g.c_out)?) };
        let y = f32s_mut(y, s.y)?;
        let mut tmp = conv_scratch(s.scratch_forward)?;
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
        let s = g.sizes().map_err(conv_geom_status)?;
        let x = f32s(x, s.x)?;
        let weight = f32s(weight, s.weight)?;
        let dy = f32s(dy, s.y)?;
        let dx = if dx.is_null() { None } else { Some(f32s_mut(dx, s.x)?) };
        let dweight = f32s_mut(dweight, s.weight)?;
        let dbias = if dbias.is_null() { None } else { Some(f32s_mut(dbias, g.c_out)?) };
        let mut tmp = conv_scratch(s.scratch_backward)?;
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
        let s = g.sizes().map_err(conv_geom_status)?;
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
        let s = g.sizes().map_err(conv_geom_status)?;
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
        let s = g.sizes().map_err(conv_geom_status)?;
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
        let s = g.sizes().map_err(conv_geom_status)?;
        let dy = f32s(dy, s.y)?;
        let dx = f32s_mut(dx, s.x)?;
        crate::pool::avgpool2d_backward(&g, &s, dy, dx);
        Ok(())
    })())
}

// ---- norm / act / loss ----

/// `n·c·s` with every factor ≥ 1, or `ERR_SHAPE`.
fn bn_shape(n: u32, c: u32, s: u32) -> Result<crate::norm::BnShape, i32> {
    if n == 0 || c == 0 || s == 0 {
        return Err(ERR_SHAPE);
    }
    let sh = crate::norm::BnShape { n: n as usize, c: c as usize, s: s as usize };
    (sh.n)
        .checked_mul(sh.c)
        .and_then(|v| v.checked_mul(sh.s))
        .filter(|&v| v <= u32::MAX as usize / 4)
        .map(|_| sh)
        .ok_or(ERR_SHAPE)
}

/// `eps` must be finite and ≥ 0.
fn bn_eps(eps: f32) -> Result<(), i32> {
    if eps.is_finite() && eps >= 0.0 {
        Ok(())
    } else {
        Err(ERR_ARG)
    }
}

/// An optional f32 view: a null pointer is `None` (e.g. BatchNorm without affine parameters).
fn bn_opt_f32s<'a>(ptr: *const f32, len: usize) -> Result<Option<&'a [f32]>, i32> {
    if ptr.is_null() {
        Ok(None)
    } else {
        f32s(ptr, len).map(Some)
    }
}

/// An optional mutable f32 view: a null pointer is `None` (the output is skipped).
fn bn_opt_f32s_mut<'a>(ptr: *mut f32, len: usize) -> Result<Option<&'a mut [f32]>, i32> {
    if ptr.is_null() {
        Ok(None)
    } else {
        f32s_mut(ptr, len).map(Some)
    }
}

/// True when two byte ranges `[a, a + la)` and `[b, b + lb)` intersect.
fn relu_overlaps(a: usize, la: usize, b: usize, lb: usize) -> bool {
    la != 0 && lb != 0 && a < b.saturating_add(lb) && b < a.saturating_add(la)
}

/// BatchNorm train forward over `x[n, c, s]`. `mode`: 0 momentum
/// (`running = (1 − momentum)·running + momentum·batch`), 1 exact average over `seen` samples
/// already folded in, 2 running statistics untouched. Writes `y`, `save_mean`, `save_invstd`.
/// In every BatchNorm export, null `gamma`/`beta` mean gamma 1, beta 0 (`affine=False`) and null
/// `dgamma`/`dbeta` skip those outputs.
///
/// # Safety
/// Every range is checked against linear memory; the caller passes no overlapping ranges where one is written.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_forward_train(
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    y: *mut f32,
    save_mean: *mut f32,
    save_invstd: *mut f32,
    running_mean: *mut f32,
    running_var: *mut f32,
    n: u32,
    c: u32,
    s: u32,
    eps: f32,
    mode: u32,
    momentum: f32,
    seen: u32,
) -> i32 {
    use crate::norm::RunningUpdate;
    status((|| {
        let sh = bn_shape(n, c, s)?;
        bn_eps(eps)?;
        let update = match mode {
            0 if (0.0..=1.0).contains(&momentum) => RunningUpdate::Momentum(momentum),
            1 => RunningUpdate::ExactAverage { seen: seen as u64 },
            2 => RunningUpdate::Frozen,
            _ => return Err(ERR_ARG),
        };
        let cc = sh.c;
        let (rm, rv): (&mut [f32], &mut [f32]) = if mode == 2 {
            (&mut [], &mut [])
        } else {
            (f32s_mut(running_mean, cc)?, f32s_mut(running_var, cc)?)
        };
        crate::norm::batchnorm_forward_train(
            sh,
            eps,
            update,
            f32s(x, sh.len())?,
            bn_opt_f32s(gamma, cc)?,
            bn_opt_f32s(beta, cc)?,
            f32s_mut(y, sh.len())?,
            f32s_mut(save_mean, cc)?,
            f32s_mut(save_invstd, cc)?,
            rm,
            rv,
        );
        Ok(())
    })())
}

/// BatchNorm eval forward over `x[n, c, s]` with the running statistics.
///
/// # Safety
/// Every range is checked against linear memory; the caller passes no overlapping ranges where one is written.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_forward_eval(
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    running_mean: *const f32,
    running_var: *const f32,
    y: *mut f32,
    n: u32,
    c: u32,
    s: u32,
    eps: f32,
) -> i32 {
    status((|| {
        let sh = bn_shape(n, c, s)?;
        bn_eps(eps)?;
        let cc = sh.c;
        crate::norm::batchnorm_forward_eval(
            sh,
            eps,
            f32s(x, sh.len())?,
            bn_opt_f32s(gamma, cc)?,
            bn_opt_f32s(beta, cc)?,
            f32s(running_mean, cc)?,
            f32s(running_var, cc)?,
            f32s_mut(y, sh.len())?,
        );
        Ok(())
    })())
}

/// BatchNorm train backward through the batch statistics; overwrites `dx`, `dgamma`, `dbeta`.
///
/// # Safety
/// Every range is checked against linear memory; the caller passes no overlapping ranges where one is written.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_backward(
    x: *const f32,
    dy: *const f32,
    gamma: *const f32,
    save_mean: *const f32,
    save_invstd: *const f32,
    dx: *mut f32,
    dgamma: *mut f32,
    dbeta: *mut f32,
    n: u32,
    c: u32,
    s: u32,
) -> i32 {
    status((|| {
        let sh = bn_shape(n, c, s)?;
        let cc = sh.c;
        crate::norm::batchnorm_backward(
            sh,
            f32s(x, sh.len())?,
            f32s(dy, sh.len())?,
            bn_opt_f32s(gamma, cc)?,
            f32s(save_mean, cc)?,
            f32s(save_invstd, cc)?,
            f32s_mut(dx, sh.len())?,
            bn_opt_f32s_mut(dgamma, cc)?,
            bn_opt_f32s_mut(dbeta, cc)?,
        );
        Ok(())
    })())
}

/// BatchNorm eval backward (running statistics constant); overwrites `dx`, `dgamma`, `dbeta`.
///
/// # Safety
/// Every range is checked against linear memory; the caller passes no overlapping ranges where one is written.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_backward_eval(
    x: *const f32,
    dy: *const f32,
    gamma: *const f32,
    running_mean: *const f32,
    running_var: *const f32,
    dx: *mut f32,
    dgamma: *mut f32,
    dbeta: *mut f32,
    n: u32,
    c: u32,
    s: u32,
    eps: f32,
) -> i32 {
    status((|| {
        let sh = bn_shape(n, c, s)?;
        bn_eps(eps)?;
        let cc = sh.c;
        crate::norm::batchnorm_backward_eval(
            sh,
            eps,
            f32s(x, sh.len())?,
            f32s(dy, sh.len())?,
            bn_opt_f32s(gamma, cc)?,
            f32s(running_mean, cc)?,
            f32s(running_var, cc)?,
            f32s_mut(dx, sh.len())?,
            bn_opt_f32s_mut(dgamma, cc)?,
            bn_opt_f32s_mut(dbeta, cc)?,
        );
        Ok(())
    })())
}

/// `y = max(x, 0)` over `len` values; `y == x` runs in place, a partial overlap is `ERR_ARG`.
///
/// # Safety
/// Every range is checked against linear memory; relu_overlaps other than the in-place case are ERR_ARG.
#[no_mangle]
pub unsafe extern "C" fn relu_forward(x: *const f32, y: *mut f32, len: u32) -> i32 {
    status((|| {
        let len = len as usize;
        if std::ptr::eq(x, y) {
            crate::act::relu_forward_inplace(f32s_mut(y, len)?);
            return Ok(());
        }
        if relu_overlaps(x as usize, len.saturating_mul(4), y as usize, len.saturating_mul(4)) {
            return Err(ERR_ARG);
        }
        crate::act::relu_forward(f32s(x, len)?, f32s_mut(y, len)?);
        Ok(())
    })())
}

/// `dx = dy` where `mask > 0` (mask: the forward input or output), else 0. `dx == dy` runs in
/// place; `dx` must not overlap `mask` nor partially overlap `dy`.
///
/// # Safety
/// Every range is checked against linear memory; relu_overlaps other than the in-place case are ERR_ARG.
#[no_mangle]
pub unsafe extern "C" fn relu_backward(dy: *const f32, mask: *const f32, dx: *mut f32, len: u32) -> i32 {
    status((|| {
        let len = len as usize;
        let (d, m, o) = (dy as usize, mask as usize, dx as usize);
        if relu_overlaps(o, len.saturating_mul(4), m, len.saturating_mul(4)) {
            return Err(ERR_ARG);
        }
        if d == o {
            crate::act::relu_backward_inplace(f32s_mut(dx, len)?, f32s(mask, len)?);
            return Ok(());
        }
        if relu_overlaps(o, len.saturating_mul(4), d, len.saturating_mul(4)) {
            return Err(ERR_ARG);
        }
        crate::act::relu_backward(f32s(dy, len)?, f32s(mask, len)?, f32s_mut(dx, len)?);
        Ok(())
    })())
}

/// Softmax cross-entropy on `logits[n, classes]` with `labels[n]`: writes `losses[n]`,
/// `correct[n]` (1/0), `mean_loss[1]`, and `grad[n, classes] = (softmax − onehot)/n` unless
/// `grad` is null. A label `>= classes` is `ERR_ARG` (nothing is written).
///
/// # Safety
/// Every range is checked against linear memory; the caller passes no overlapping ranges where one is written.
#[no_mangle]
pub unsafe extern "C" fn softmax_xent(
    logits: *const f32,
    labels: *const u32,
    losses: *mut f32,
    correct: *mut u32,
    mean_loss: *mut f32,
    grad: *mut f32,
    n: u32,
    classes: u32,
) -> i32 {
    status((|| {
        if n == 0 || classes == 0 {
            return Err(ERR_SHAPE);
        }
        let (nn, k) = (n as usize, classes as usize);
        let len = nn.checked_mul(k).filter(|&v| v <= u32::MAX as usize / 4).ok_or(ERR_SHAPE)?;
        let labels = u32s(labels, nn)?;
        if crate::loss::first_bad_label(labels, k).is_some() {
            return Err(ERR_ARG);
        }
        let logits = f32s(logits, len)?;
        let losses = f32s_mut(losses, nn)?;
        let correct = u32s_mut(correct, nn)?;
        let mean_loss = f32s_mut(mean_loss, 1)?;
        let grad = if grad.is_null() { None } else { Some(f32s_mut(grad, len)?) };
        mean_loss[0] = crate::loss::softmax_xent(k, logits, labels, losses, correct, grad);
        Ok(())
    })())
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

// ---- plan ----
// A plan lives in a registry slot; its handle is slot + 1, so 0 is never a valid handle and a
// stale or forged handle is a status, not undefined behaviour.

use crate::optim::{Adam, Sgd};
use crate::plan::{Mode, Plan, PlanError};
use crate::plan_run::{Optimizer, Outputs};
use std::cell::RefCell;

thread_local! {
    static PLANS: RefCell<Vec<Option<Plan>>> = RefCell::new(Vec::new());
}

fn plan_status(e: PlanError) -> i32 {
    match e {
        PlanError::Format | PlanError::Arg => ERR_ARG,
        PlanError::Shape => ERR_SHAPE,
    }
}

fn with_plan<R>(handle: u32, f: impl FnOnce(&mut Plan) -> Result<R, i32>) -> Result<R, i32> {
    PLANS.with(|plans| {
        let mut plans = plans.borrow_mut();
        match plans.get_mut((handle as usize).wrapping_sub(1)) {
            Some(Some(plan)) => f(plan),
            _ => Err(ERR_ARG),
        }
    })
}

fn plan_mode(mode: u32, seen: f64) -> Result<Mode, i32> {
    match mode {
        0 => Ok(Mode::Eval),
        1 => Ok(Mode::BatchStats),
        2 => Ok(Mode::Train),
        3 if seen >= 0.0 && seen.fract() == 0.0 && seen < 9.0e15 => Ok(Mode::BnExact { seen: seen as u64 }),
        _ => Err(ERR_ARG),
    }
}

/// Reads a 4-word PRNG state (or a fixed one when `ptr` is 0), runs `f`, writes the state back.
unsafe fn with_rng<R>(ptr: *mut u32, f: impl FnOnce(&mut crate::rng::State) -> Result<R, i32>) -> Result<R, i32> {
    if ptr.is_null() {
        let mut s = crate::rng::seed(0, 0);
        return f(&mut s);
    }
    let words = u32s_mut(ptr, 4)?;
    let mut s = [words[0], words[1], words[2], words[3]];
    let r = f(&mut s);
    words.copy_from_slice(&s);
    r
}

/// The batch of a call: the data set (`x` rows of the input size, `y` labels, `count` samples)
/// and the `n` sample indices to gather.
unsafe fn load_batch(plan: &mut Plan, x: *const f32, y: *const u32, count: u32, indices: *const u32, n: u32) -> Result<usize, i32> {
    let row = plan.input_size();
    let xs = f32s(x, (count as usize).checked_mul(row).ok_or(ERR_SHAPE)?)?;
    let ys = u32s(y, count as usize)?;
    let idx = u32s(indices, n as usize)?;
    plan.load_batch(xs, ys, idx).map_err(plan_status)
}

/// Compiles plan words for batches of up to `capacity`; writes the handle.
#[no_mangle]
pub unsafe extern "C" fn plan_create(words: *const u32, n_words: u32, capacity: u32, out_handle: *mut u32) -> i32 {
    status((|| {
        let words = u32s(words, n_words as usize)?;
        let out = u32s_mut(out_handle, 1)?;
        let plan = Plan::parse(words, capacity as usize).map_err(plan_status)?;
        PLANS.with(|plans| {
            let mut plans = plans.borrow_mut();
            let slot = match plans.iter().position(|p| p.is_none()) {
                Some(i) => i,
                None => {
                    plans.push(None);
                    plans.len() - 1
                }
            };
            plans[slot] = Some(plan);
            out[0] = slot as u32 + 1;
        });
        Ok(())
    })())
}

/// Releases a plan and its buffers.
#[no_mangle]
pub extern "C" fn plan_free(handle: u32) -> i32 {
    PLANS.with(|plans| match plans.borrow_mut().get_mut((handle as usize).wrapping_sub(1)) {
        Some(slot @ Some(_)) => {
            *slot = None;
            OK
        }
        _ => ERR_ARG,
    })
}

/// Forward + per-sample loss and correctness on samples `indices` of a data set, in `mode`
/// (0 eval, 1 batch statistics, 2 train, 3 exact-average BatchNorm update with `seen`).
/// `logits` (n·classes) may be 0; `rng` (4 words) may be 0 outside train mode.
#[no_mangle]
pub unsafe extern "C" fn plan_forward(
    handle: u32, params: *mut f32, params_len: u32,
    x: *const f32, y: *const u32, count: u32, indices: *const u32, n: u32,
    mode: u32, seen: f64, rng: *mut u32,
    losses: *mut f32, correct: *mut u32, logits: *mut f32, mean: *mut f32,
) -> i32 {
    status(with_plan(handle, |plan| {
        let mode = plan_mode(mode, seen)?;
        let nb = load_batch(plan, x, y, count, indices, n)?;
        let params = f32s_mut(params, params_len as usize)?;
        let (losses, correct) = (f32s_mut(losses, nb)?, u32s_mut(correct, nb)?);
        let mean = f32s_mut(mean, 1)?;
        let classes = plan.classes;
        with_rng(rng, |state| plan.forward(params, nb, mode, state).map(|_| ()).map_err(plan_status))?;
        if !logits.is_null() {
            f32s_mut(logits, nb * classes)?.copy_from_slice(plan.logits(nb));
        }
        mean[0] = plan.loss(nb, Outputs { losses, correct }, false);
        Ok(())
    }))
}

/// Forward in `mode`, loss, backward: `grads` (params_len) receives ∂(mean loss)/∂θ.
#[no_mangle]
pub unsafe extern "C" fn plan_gradient(
    handle: u32, params: *mut f32, grads: *mut f32, params_len: u32,
    x: *const f32, y: *const u32, count: u32, indices: *const u32, n: u32,
    mode: u32, seen: f64, rng: *mut u32,
    losses: *mut f32, correct: *mut u32, mean: *mut f32,
) -> i32 {
    status(with_plan(handle, |plan| {
        let mode = plan_mode(mode, seen)?;
        let nb = load_batch(plan, x, y, count, indices, n)?;
        let params = f32s_mut(params, params_len as usize)?;
        let grads = f32s_mut(grads, params_len as usize)?;
        let (losses, correct) = (f32s_mut(losses, nb)?, u32s_mut(correct, nb)?);
        let mean = f32s_mut(mean, 1)?;
        mean[0] = with_rng(rng, |state| plan.gradient(params, grads, nb, mode, state, Outputs { losses, correct }).map_err(plan_status))?;
        Ok(())
    }))
}

/// One training step. `opt` 0 = SGD with hyper [lr, momentum, dampening, weight_decay, nesterov],
/// 1 = Adam with hyper [lr, beta1, beta2, eps, weight_decay, decoupled]. `state_a`/`state_b` are
/// the optimiser buffers (P values each; state_a may be 0 for SGD without momentum).
#[no_mangle]
pub unsafe extern "C" fn plan_train_step(
    handle: u32, params: *mut f32, grads: *mut f32, params_len: u32,
    opt: u32, hyper: *const f32, state_a: *mut f32, state_b: *mut f32, step: u32,
    x: *const f32, y: *const u32, count: u32, indices: *const u32, n: u32, rng: *mut u32,
    losses: *mut f32, correct: *mut u32, mean: *mut f32,
) -> i32 {
    status(with_plan(handle, |plan| {
        let p = plan.param_len;
        let (optimizer, a_len, b_len) = match opt {
            0 => {
                let h = f32s(hyper, 5)?;
                let sgd = Sgd { lr: h[0], momentum: h[1], dampening: h[2], weight_decay: h[3], nesterov: h[4] != 0.0 };
                (Optimizer::Sgd(sgd), if state_a.is_null() { 0 } else { p }, 0)
            }
            1 => {
                let h = f32s(hyper, 6)?;
                let adam = Adam { lr: h[0], beta1: h[1], beta2: h[2], eps: h[3], weight_decay: h[4], decoupled: h[5] != 0.0 };
                (Optimizer::Adam(adam), p, p)
            }
            _ => return Err(ERR_ARG),
        };
        let nb = load_batch(plan, x, y, count, indices, n)?;
        let params = f32s_mut(params, params_len as usize)?;
        let grads = f32s_mut(grads, params_len as usize)?;
        let (sa, sb) = (f32s_mut(state_a, a_len)?, f32s_mut(state_b, b_len)?);
        let (losses, correct) = (f32s_mut(losses, nb)?, u32s_mut(correct, nb)?);
        let mean = f32s_mut(mean, 1)?;
        mean[0] = with_rng(rng, |state| {
            plan.train_step(params, grads, &optimizer, sa, sb, step, nb, state, Outputs { losses, correct }).map_err(plan_status)
        })?;
        Ok(())
    }))
}

// ---- hungarian, align ----

/// A checked view of `len` f64 values at `ptr`.
fn f64s<'a>(ptr: *const f64, len: usize) -> Result<&'a [f64], i32> {
    if len == 0 {
        return Ok(&[]);
    }
    check_range(ptr as usize, len.checked_mul(8).ok_or(ERR_BOUNDS)?, 8)?;
    // SAFETY: non-null, 8-aligned and inside linear memory (checked above); read-only.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Linear sum assignment on `cost` (`[rows, cols]` f64, row-major; `maximize` 0/1). On success
/// writes each row's column to `col_for_row` (rows; u32::MAX for a row left out when rows > cols),
/// the total to `out_cost` and 1 to `out_feasible`; a problem with no finite assignment writes 0
/// to `out_feasible` and still returns OK. NaN or a wrong-signed infinity is ERR_ARG.
#[no_mangle]
pub unsafe extern "C" fn lsa_solve(
    cost: *const f64, rows: u32, cols: u32, maximize: u32, col_for_row: *mut u32, out_cost: *mut f64, out_feasible: *mut u32,
) -> i32 {
    use crate::hungarian::{solve, LsaError};
    status((|| {
        let (rows, cols) = (rows as usize, cols as usize);
        let cost = f64s(cost, rows.checked_mul(cols).ok_or(ERR_SHAPE)?)?;
        let out = u32s_mut(col_for_row, rows)?;
        let total = f64_out(out_cost)?;
        let feasible = u32s_mut(out_feasible, 1)?;
        match solve(cost, rows, cols, flag(maximize)?) {
            Ok(a) => {
                out.copy_from_slice(&a.col_for_row);
                *total = a.cost;
                feasible[0] = 1;
                Ok(())
            }
            Err(LsaError::Infeasible) => {
                feasible[0] = 0;
                Ok(())
            }
            Err(LsaError::InvalidCost) => Err(ERR_ARG),
            Err(LsaError::Shape) => Err(ERR_SHAPE),
        }
    })())
}

/// Forward (mode 0 eval or 1 batch statistics) on samples `indices` of a data set, then copies the
/// activation buffers `bufs` (k buffer indices) into `out`, one `[n, size]` block per requested
/// buffer in request order; `out_len` must be the sum of n·size. One call per batch.
#[no_mangle]
pub unsafe extern "C" fn plan_activations(
    handle: u32, params: *mut f32, params_len: u32,
    x: *const f32, y: *const u32, count: u32, indices: *const u32, n: u32,
    mode: u32, bufs: *const u32, k: u32, out: *mut f32, out_len: u32,
) -> i32 {
    status(with_plan(handle, |plan| {
        if mode > 1 {
            return Err(ERR_ARG);
        }
        let mode = plan_mode(mode, 0.0)?;
        let bufs = u32s(bufs, k as usize)?;
        let nb = load_batch(plan, x, y, count, indices, n)?;
        let mut need = 0usize;
        for &b in bufs {
            let size = *plan.sizes.get(b as usize).ok_or(ERR_ARG)?;
            need = need.checked_add(size.checked_mul(nb).ok_or(ERR_SHAPE)?).ok_or(ERR_SHAPE)?;
        }
        if need != out_len as usize {
            return Err(ERR_SHAPE);
        }
        let out = f32s_mut(out, need)?;
        let params = f32s_mut(params, params_len as usize)?;
        with_rng(std::ptr::null_mut(), |state| plan.forward(params, nb, mode, state).map(|_| ()).map_err(plan_status))?;
        let mut at = 0;
        for &b in bufs {
            let len = plan.sizes[b as usize] * nb;
            out[at..at + len].copy_from_slice(&plan.acts[b as usize][..len]);
            at += len;
        }
        Ok(())
    }))
}

// ---- wmatch ----

/// A checked mutable view of `len` f64 values at `ptr`.
fn f64s_mut<'a>(ptr: *mut f64, len: usize) -> Result<&'a mut [f64], i32> {
    if len == 0 {
        return Ok(&mut []);
    }
    check_range(ptr as usize, len.checked_mul(8).ok_or(ERR_BOUNDS)?, 8)?;
    // SAFETY: non-null, 8-aligned and inside linear memory (checked above); the TS side never
    // passes it overlapping another range of the same call.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// `cost (n×n f64) +=` the update of a weight-matching cost term (`wmatch::term_update`): tensors
/// `a`, `b` of p·q·s values, the group on `axis` (0: n = p, K = q; 1: n = q, K = p), `m` changed
/// indices, the other axis's index map (K) and, when `has_basis` is 1, the map the cost was made
/// with (K; `basis` may be 0 otherwise). An index ≥ K is ERR_ARG.
#[no_mangle]
pub unsafe extern "C" fn wmatch_term_update(
    a: *const f32, b: *const f32, p: u32, q: u32, s: u32, axis: u32,
    changed: *const u32, m: u32, map: *const u32, basis: *const u32, has_basis: u32, cost: *mut f64,
) -> i32 {
    status((|| {
        if axis > 1 {
            return Err(ERR_ARG);
        }
        let v = crate::wmatch::TermView { p: p as usize, q: q as usize, s: s as usize, axis: axis as usize };
        let len = v.p.checked_mul(v.q).and_then(|x| x.checked_mul(v.s)).ok_or(ERR_SHAPE)?;
        let n = v.units();
        let k = v.others();
        let (a, b) = (f32s(a, len)?, f32s(b, len)?);
        let changed = u32s(changed, m as usize)?;
        let map = u32s(map, k)?;
        let basis = if flag(has_basis)? { Some(u32s(basis, k)?) } else { None };
        let cost = f64s_mut(cost, n.checked_mul(n).ok_or(ERR_SHAPE)?)?;
        if !crate::wmatch::indices_ok(&v, changed, map, basis) {
            return Err(ERR_ARG);
        }
        crate::wmatch::term_update(&v, a, b, changed, map, basis, cost);
        Ok(())
    })())
}

/// `out = Σ` of `k` f64 vectors of `len` values (their pointers in `ptrs`), left to right.
#[no_mangle]
pub unsafe extern "C" fn wmatch_sum(ptrs: *const u32, k: u32, len: u32, out: *mut f64) -> i32 {
    status((|| {
        let len = len as usize;
        let ptrs = u32s(ptrs, k as usize)?;
        let mut terms: Vec<&[f64]> = Vec::with_capacity(ptrs.len());
        for &ptr in ptrs {
            terms.push(f64s(ptr as usize as *const f64, len)?);
        }
        crate::wmatch::sum(&terms, f64s_mut(out, len)?);
        Ok(())
    })())
}

/// `acc = acc + Σ_o a[o]·b[offs0[x] + offs1[y] + offs2[z] + offs3[w]]` over a `[d0, d1, d2, d3]`
/// tensor (`wmatch::gather_dot`); `a` and `b` hold `len` = d0·d1·d2·d3 values, `offs` the four
/// offset lists one after another (d0 + d1 + d2 + d3). An offset sum that can reach `len` is ERR_ARG.
#[no_mangle]
pub unsafe extern "C" fn wmatch_dot(
    a: *const f32, b: *const f32, d0: u32, d1: u32, d2: u32, d3: u32, offs: *const u32, acc: *mut f64,
) -> i32 {
    status((|| {
        let d = [d0 as usize, d1 as usize, d2 as usize, d3 as usize];
        let len = d[0].checked_mul(d[1]).and_then(|x| x.checked_mul(d[2])).and_then(|x| x.checked_mul(d[3])).ok_or(ERR_SHAPE)?;
        let total = d[0].checked_add(d[1]).and_then(|x| x.checked_add(d[2])).and_then(|x| x.checked_add(d[3])).ok_or(ERR_SHAPE)?;
        let all = u32s(offs, total)?;
        let (o0, rest) = all.split_at(d[0]);
        let (o1, rest) = rest.split_at(d[1]);
        let (o2, o3) = rest.split_at(d[2]);
        if len > 0 {
            let reach: usize = [o0, o1, o2, o3].iter().map(|o| o.iter().map(|&x| x as usize).max().unwrap_or(0)).sum();
            if reach >= len {
                return Err(ERR_ARG);
            }
        }
        let (a, b) = (f32s(a, len)?, f32s(b, len)?);
        let acc = f64_out(acc)?;
        *acc = crate::wmatch::gather_dot(*acc, a, b, [o0, o1, o2, o3]);
        Ok(())
    })())
}
