//! 2-D convolution (cross-correlation, PyTorch semantics) by im2col + GEMM.
//!
//! x `[n, c_in, h, w]`, weight `[c_out, c_in, kh, kw]`, bias `[c_out]` → y `[n, c_out, oh, ow]`,
//! oh = (h + 2·ph − kh)/sh + 1, zero padding. Per image: y(c_out, P) = W(c_out, K)·cols(K, P) with
//! K = c_in·kh·kw and P = oh·ow. A 1x1, stride-1, unpadded conv uses the image itself as `cols`.

use crate::gemm::{gemm, Bias, Gemm};

/// Convolution geometry: batch, channels, input size, kernel, stride and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    pub n: usize,
    pub c_in: usize,
    pub h: usize,
    pub w: usize,
    pub c_out: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
}

/// Element counts of every buffer of a convolution, all computed with checked arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvSizes {
    pub oh: usize,
    pub ow: usize,
    /// `n·c_in·h·w`
    pub x: usize,
    /// `c_out·c_in·kh·kw`
    pub weight: usize,
    /// `n·c_out·oh·ow`
    pub y: usize,
    /// `c_in·kh·kw` (rows of cols)
    pub k: usize,
    /// `oh·ow` (columns of cols)
    pub p: usize,
    /// Scratch the forward pass needs (0 on the 1x1 fast path or for an empty batch).
    pub scratch_forward: usize,
    /// Scratch the backward pass needs (0 on the 1x1 fast path or for an empty batch).
    pub scratch_backward: usize,
}

/// Why a geometry was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeomError {
    /// A zero kernel size or stride, or a zero channel/spatial dimension.
    Arg,
    /// The kernel does not fit the padded input, or a size overflows usize.
    Shape,
}

/// Output length of one spatial axis: (size + 2·pad − k)/stride + 1, or an error.
pub(crate) fn out_len(size: usize, k: usize, stride: usize, pad: usize) -> Result<usize, GeomError> {
    if k == 0 || stride == 0 || size == 0 {
        return Err(GeomError::Arg);
    }
    let padded = pad.checked_mul(2).and_then(|p2| p2.checked_add(size)).ok_or(GeomError::Shape)?;
    if padded < k {
        return Err(GeomError::Shape);
    }
    Ok((padded - k) / stride + 1)
}

/// Product of `dims` or `Shape` on overflow.
pub(crate) fn product(dims: &[usize]) -> Result<usize, GeomError> {
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or(GeomError::Shape)
}

impl Conv2d {
    /// True when cols(K, P) is the image itself: 1x1 kernel, stride 1, no padding.
    pub fn is_pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.sh == 1 && self.sw == 1 && self.ph == 0 && self.pw == 0
    }

    /// Validates the geometry and returns every buffer length. `n` may be 0.
    pub fn sizes(&self) -> Result<ConvSizes, GeomError> {
        if self.c_in == 0 || self.c_out == 0 {
            return Err(GeomError::Arg);
        }
        let oh = out_len(self.h, self.kh, self.sh, self.ph)?;
        let ow = out_len(self.w, self.kw, self.sw, self.pw)?;
        let k = product(&[self.c_in, self.kh, self.kw])?;
        let p = product(&[oh, ow])?;
        let cols = product(&[k, p])?;
        let (scratch_forward, scratch_backward) =
            if self.is_pointwise() || self.n == 0 { (0, 0) } else { (cols, cols.checked_mul(2).ok_or(GeomError::Shape)?) };
        Ok(ConvSizes {
            oh,
            ow,
            x: product(&[self.n, self.c_in, self.h, self.w])?,
            weight: product(&[self.c_out, k])?,
            y: product(&[self.n, self.c_out, p])?,
            k,
            p,
            scratch_forward,
            scratch_backward,
        })
    }
}

/// Index range [lo, hi) of output positions o whose input position o·stride + tap − pad lies in
/// [0, size).
#[inline]
#[allow(clippy::manual_div_ceil)] // usize::div_ceil is newer than rustc 1.63
fn valid_range(size: usize, tap: usize, stride: usize, pad: usize, out: usize) -> (usize, usize) {
    let lo = if tap >= pad { 0 } else { (pad - tap + stride - 1) / stride };
    let hi = if size + pad <= tap { 0 } else { (size + pad - tap + stride - 1) / stride };
    let lo = lo.min(out);
    (lo, hi.min(out).max(lo))
}

/// Unfolds one image `[c_in, h, w]` into cols(K, P), zeros where the window hits the padding.
pub fn im2col(g: &Conv2d, oh: usize, ow: usize, img: &[f32], cols: &mut [f32]) {
    let p = oh * ow;
    let mut row = 0;
    for ci in 0..g.c_in {
        let plane = &img[ci * g.h * g.w..(ci + 1) * g.h * g.w];
        for ky in 0..g.kh {
            let (ylo, yhi) = valid_range(g.h, ky, g.sh, g.ph, oh);
            for kx in 0..g.kw {
                let (xlo, xhi) = valid_range(g.w, kx, g.sw, g.pw, ow);
                let dst = &mut cols[row * p..(row + 1) * p];
                for oy in 0..oh {
                    let out = &mut dst[oy * ow..(oy + 1) * ow];
                    if oy < ylo || oy >= yhi {
                        out.iter_mut().for_each(|v| *v = 0.0);
                        continue;
                    }
                    let src = &plane[(oy * g.sh + ky - g.ph) * g.w..][..g.w];
                    out[..xlo].iter_mut().for_each(|v| *v = 0.0);
                    out[xhi..].iter_mut().for_each(|v| *v = 0.0);
                    if xhi > xlo {
                        let ix0 = xlo * g.sw + kx - g.pw;
                        if g.sw == 1 {
                            out[xlo..xhi].copy_from_slice(&src[ix0..ix0 + (xhi - xlo)]);
                        } else {
                            for (j, v) in out[xlo..xhi].iter_mut().enumerate() {
                                *v = src[ix0 + j * g.sw];
                            }
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// Folds cols(K, P) back into one image `[c_in, h, w]`, adding overlapping taps; `img` is
/// overwritten.
pub fn col2im(g: &Conv2d, oh: usize, ow: usize, cols: &[f32], img: &mut [f32]) {
    img.iter_mut().for_each(|v| *v = 0.0);
    let p = oh * ow;
    let mut row = 0;
    for ci in 0..g.c_in {
        let plane = &mut img[ci * g.h * g.w..(ci + 1) * g.h * g.w];
        for ky in 0..g.kh {
            let (ylo, yhi) = valid_range(g.h, ky, g.sh, g.ph, oh);
            for kx in 0..g.kw {
                let (xlo, xhi) = valid_range(g.w, kx, g.sw, g.pw, ow);
                let src = &cols[row * p..(row + 1) * p];
                if xhi > xlo {
                    let ix0 = xlo * g.sw + kx - g.pw;
                    for oy in ylo..yhi {
                        let dst = &mut plane[(oy * g.sh + ky - g.ph) * g.w..][..g.w];
                        let s = &src[oy * ow + xlo..oy * ow + xhi];
                        for (j, v) in s.iter().enumerate() {
                            dst[ix0 + j * g.sw] += *v;
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// y = conv(x, weight) + bias. Lengths must match `g.sizes()`; `scratch` holds at least
/// `scratch_forward` values and is reused image to image.
pub fn conv2d_forward(g: &Conv2d, s: &ConvSizes, x: &[f32], weight: &[f32], bias: Option<&[f32]>, y: &mut [f32], scratch: &mut [f32]) {
    let img_len = g.c_in * g.h * g.w;
    let out_len = g.c_out * s.p;
    let p = Gemm { m: g.c_out, n: s.p, k: s.k, trans_a: false, trans_b: false, beta: 0.0, relu: false };
    for i in 0..g.n {
        let img = &x[i * img_len..(i + 1) * img_len];
        let out = &mut y[i * out_len..(i + 1) * out_len];
        let bias = match bias {
            Some(b) => Bias::PerRow(b),
            None => Bias::None,
        };
        if g.is_pointwise() {
            gemm(&p, weight, img, bias, out);
        } else {
            let cols = &mut scratch[..s.k * s.p];
            im2col(g, s.oh, s.ow, img, cols);
            gemm(&p, weight, cols, bias, out);
        }
    }
}

/// Gradients of a convolution, overwritten: dx (skipped when `None`), dweight, dbias (skipped when
/// `None`). `scratch` holds at least `scratch_backward` values.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward(
    g: &Conv2d,
    s: &ConvSizes,
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    mut dx: Option<&mut [f32]>,
    dweight: &mut [f32],
    dbias: Option<&mut [f32]>,
    scratch: &mut [f32],
) {
    let img_len = g.c_in * g.h * g.w;
    let out_len = g.c_out * s.p;
    if let Some(db) = dbias {
        for (co, v) in db.iter_mut().enumerate() {
            let mut acc = 0.0f32;
            for i in 0..g.n {
                acc += dy[i * out_len + co * s.p..][..s.p].iter().sum::<f32>();
            }
            *v = acc;
        }
    }
    dweight.iter_mut().for_each(|v| *v = 0.0);
    // dW(c_out, K) += dY(c_out, P)·cols(K, P)ᵀ
    let pw = Gemm { m: g.c_out, n: s.k, k: s.p, trans_a: false, trans_b: true, beta: 1.0, relu: false };
    // dcols(K, P) = Wᵀ·dY, W stored (c_out, K)
    let px = Gemm { m: s.k, n: s.p, k: g.c_out, trans_a: true, trans_b: false, beta: 0.0, relu: false };
    let kp = s.scratch_backward / 2;
    let (cols, rest) = scratch.split_at_mut(kp);
    let dcols = &mut rest[..kp];
    for i in 0..g.n {
        let img = &x[i * img_len..(i + 1) * img_len];
        let dyi = &dy[i * out_len..(i + 1) * out_len];
        if g.is_pointwise() {
            gemm(&pw, dyi, img, Bias::None, dweight);
            if let Some(dx) = dx.as_mut() {
                gemm(&px, weight, dyi, Bias::None, &mut dx[i * img_len..(i + 1) * img_len]);
            }
        } else {
            im2col(g, s.oh, s.ow, img, cols);
            gemm(&pw, dyi, cols, Bias::None, dweight);
            if let Some(dx) = dx.as_mut() {
                gemm(&px, weight, dyi, Bias::None, dcols);
                col2im(g, s.oh, s.ow, dcols, &mut dx[i * img_len..(i + 1) * img_len]);
            }
        }
    }
}
