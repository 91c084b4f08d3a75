//! Convolution and pooling entries: x `[n, c_in, h, w]`, weight `[c_out, c_in, kh, kw]`, y
//! `[n, c_out, oh, ow]`; geometry (kernel, stride, padding) is validated by the kernel module's
//! `sizes()` before any pointer is read.

use super::{run, view, view_opt, ERR_ALLOC, ERR_ARG, ERR_SHAPE};
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
/// The entry contract (abi module doc) for x, weight, bias and y; `y` overlaps none of the inputs.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_forward(
    x: *const f32,
    weight: *const f32,
    bias: *const f32,
    y: *mut f32,
    n: u32,
    c_in: u32,
    h: u32,
    w: u32,
    c_out: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
) -> i32 {
    run(|| {
        let g = conv_geom(n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        // SAFETY: `view` checks each range; the caller keeps `y` apart from the inputs.
        let (x, weight, bias, y) = unsafe { (view(x, s.x)?, view(weight, s.weight)?, view_opt(bias, g.c_out)?, view(y, s.y)?) };
        let mut tmp = scratch(s.scratch_forward)?;
        crate::conv::conv2d_forward(&g, &s, x, weight, bias, y, &mut tmp);
        Ok(())
    })
}

/// Gradients of `conv2d_forward` from dy `[n, c_out, oh, ow]`, overwritten: dx `[n, c_in, h, w]`
/// (null = skip, e.g. the first layer), dweight `[c_out, c_in, kh, kw]`, dbias `[c_out]` (null =
/// skip).
///
/// # Safety
/// The entry contract (abi module doc); the outputs overlap neither each other nor the inputs.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_backward(
    x: *const f32,
    weight: *const f32,
    dy: *const f32,
    dx: *mut f32,
    dweight: *mut f32,
    dbias: *mut f32,
    n: u32,
    c_in: u32,
    h: u32,
    w: u32,
    c_out: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
) -> i32 {
    run(|| {
        let g = conv_geom(n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        // SAFETY: `view` checks each range; the caller keeps the outputs apart from everything else.
        let (x, weight, dy) = unsafe { (view(x, s.x)?, view(weight, s.weight)?, view(dy, s.y)?) };
        // SAFETY: as above.
        let (dx, dweight, dbias) = unsafe { (view_opt(dx, s.x)?, view(dweight, s.weight)?, view_opt(dbias, g.c_out)?) };
        let mut tmp = scratch(s.scratch_backward)?;
        crate::conv::conv2d_backward(&g, &s, x, weight, dy, dx, dweight, dbias, &mut tmp);
        Ok(())
    })
}

/// y `[n, c, oh, ow]` = max over each window of x `[n, c, h, w]` (padding = −∞); argmax
/// `[n, c, oh, ow]` gets the index of the maximum within its `h·w` plane.
///
/// # Safety
/// The entry contract (abi module doc); `y` and `argmax` overlap neither each other nor `x`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn maxpool2d_forward(
    x: *const f32,
    y: *mut f32,
    argmax: *mut u32,
    n: u32,
    c: u32,
    h: u32,
    w: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
) -> i32 {
    run(|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        // SAFETY: `view` checks each range; the caller keeps the outputs apart.
        let (x, y, argmax) = unsafe { (view(x, s.x)?, view(y, s.y)?, view(argmax, s.y)?) };
        crate::pool::maxpool2d_forward(&g, &s, x, y, argmax);
        Ok(())
    })
}

/// dx `[n, c, h, w]` (overwritten) = dy `[n, c, oh, ow]` routed to the argmax of
/// `maxpool2d_forward`. An argmax outside its plane is `ERR_ARG`.
///
/// # Safety
/// The entry contract (abi module doc); `dx` overlaps neither `dy` nor `argmax`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn maxpool2d_backward(
    dy: *const f32,
    argmax: *const u32,
    dx: *mut f32,
    n: u32,
    c: u32,
    h: u32,
    w: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
) -> i32 {
    run(|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        // SAFETY: `view` checks each range; the caller keeps `dx` apart from the inputs.
        let (dy, argmax, dx) = unsafe { (view(dy, s.y)?, view(argmax, s.y)?, view(dx, s.x)?) };
        crate::pool::maxpool2d_backward(&g, &s, dy, argmax, dx).map_err(|_| ERR_ARG)
    })
}

/// y `[n, c, oh, ow]` = window sums of x `[n, c, h, w]` / (kh·kw) (count_include_pad).
///
/// # Safety
/// The entry contract (abi module doc); `y` does not overlap `x`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn avgpool2d_forward(
    x: *const f32,
    y: *mut f32,
    n: u32,
    c: u32,
    h: u32,
    w: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
) -> i32 {
    run(|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        // SAFETY: `view` checks each range; the caller keeps `y` apart from `x`.
        let (x, y) = unsafe { (view(x, s.x)?, view(y, s.y)?) };
        crate::pool::avgpool2d_forward(&g, &s, x, y);
        Ok(())
    })
}

/// dx `[n, c, h, w]` (overwritten) = gradient of `avgpool2d_forward` from dy `[n, c, oh, ow]`.
///
/// # Safety
/// The entry contract (abi module doc); `dx` does not overlap `dy`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn avgpool2d_backward(
    dy: *const f32,
    dx: *mut f32,
    n: u32,
    c: u32,
    h: u32,
    w: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
) -> i32 {
    run(|| {
        let g = pool_geom(n, c, h, w, kh, kw, sh, sw, ph, pw);
        let s = g.sizes().map_err(geom_status)?;
        // SAFETY: `view` checks each range; the caller keeps `dx` apart from `dy`.
        let (dy, dx) = unsafe { (view(dy, s.y)?, view(dx, s.x)?) };
        crate::pool::avgpool2d_backward(&g, &s, dy, dx);
        Ok(())
    })
}
