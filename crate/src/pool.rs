//! 2-D max and average pooling, PyTorch semantics (floor mode).
//!
//! x `[n, c, h, w]` → y `[n, c, oh, ow]`, oh = (h + 2·ph − kh)/sh + 1, padding ≤ half the kernel.
//! Max pooling treats padding as −∞ and records the argmax as an index into its `h·w` plane; average
//! pooling counts padding as zeros and divides by kh·kw (count_include_pad = true).

use crate::conv::{out_len, product, GeomError};

/// Pooling geometry: batch, channels, input size, window, stride and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2d {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
}

/// Element counts of a pooling's buffers, computed with checked arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSizes {
    pub oh: usize,
    pub ow: usize,
    /// `n·c·h·w`
    pub x: usize,
    /// `n·c·oh·ow` (also the argmax length)
    pub y: usize,
}

/// An argmax entry outside its `h·w` plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadIndex;

impl Pool2d {
    /// Validates the geometry (padding at most half the window, as PyTorch requires, so every
    /// window sees at least one input element) and returns the buffer lengths. `n` may be 0.
    pub fn sizes(&self) -> Result<PoolSizes, GeomError> {
        if self.c == 0 {
            return Err(GeomError::Arg);
        }
        let oh = out_len(self.h, self.kh, self.sh, self.ph)?;
        let ow = out_len(self.w, self.kw, self.sw, self.pw)?;
        if self.ph > self.kh / 2 || self.pw > self.kw / 2 {
            return Err(GeomError::Arg);
        }
        Ok(PoolSizes { oh, ow, x: product(&[self.n, self.c, self.h, self.w])?, y: product(&[self.n, self.c, oh, ow])? })
    }

    /// Input index range [lo, hi) covered by window `o` along an axis.
    #[inline]
    fn window(o: usize, k: usize, stride: usize, pad: usize, size: usize) -> (usize, usize) {
        let start = o * stride;
        let lo = start.saturating_sub(pad);
        let hi = (start + k).saturating_sub(pad).min(size);
        (lo, hi)
    }
}

/// y = max over each window; `argmax` gets the plane index of the first maximum (NaN wins).
pub fn maxpool2d_forward(g: &Pool2d, s: &PoolSizes, x: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    let plane = g.h * g.w;
    let oplane = s.oh * s.ow;
    for pi in 0..g.n * g.c {
        let src = &x[pi * plane..(pi + 1) * plane];
        let dst = &mut y[pi * oplane..(pi + 1) * oplane];
        let idx = &mut argmax[pi * oplane..(pi + 1) * oplane];
        for oy in 0..s.oh {
            let (ylo, yhi) = Pool2d::window(oy, g.kh, g.sh, g.ph, g.h);
            for ox in 0..s.ow {
                let (xlo, xhi) = Pool2d::window(ox, g.kw, g.sw, g.pw, g.w);
                let mut best = f32::NEG_INFINITY;
                let mut at = ylo * g.w + xlo;
                for iy in ylo..yhi {
                    for ix in xlo..xhi {
                        let v = src[iy * g.w + ix];
                        if v > best || (v.is_nan() && !best.is_nan()) {
                            best = v;
                            at = iy * g.w + ix;
                        }
                    }
                }
                dst[oy * s.ow + ox] = best;
                idx[oy * s.ow + ox] = at as u32;
            }
        }
    }
}

/// dx (overwritten) = dy scattered to the recorded argmax positions.
pub fn maxpool2d_backward(g: &Pool2d, s: &PoolSizes, dy: &[f32], argmax: &[u32], dx: &mut [f32]) -> Result<(), BadIndex> {
    let plane = g.h * g.w;
    let oplane = s.oh * s.ow;
    dx.iter_mut().for_each(|v| *v = 0.0);
    for pi in 0..g.n * g.c {
        let dst = &mut dx[pi * plane..(pi + 1) * plane];
        let src = &dy[pi * oplane..(pi + 1) * oplane];
        let idx = &argmax[pi * oplane..(pi + 1) * oplane];
        for (d, &i) in src.iter().zip(idx) {
            let i = i as usize;
            if i >= plane {
                return Err(BadIndex);
            }
            dst[i] += *d;
        }
    }
    Ok(())
}

/// y = (sum over each window, padding as zeros) / (kh·kw).
pub fn avgpool2d_forward(g: &Pool2d, s: &PoolSizes, x: &[f32], y: &mut [f32]) {
    let plane = g.h * g.w;
    let oplane = s.oh * s.ow;
    let scale = 1.0 / (g.kh * g.kw) as f32;
    for pi in 0..g.n * g.c {
        let src = &x[pi * plane..(pi + 1) * plane];
        let dst = &mut y[pi * oplane..(pi + 1) * oplane];
        for oy in 0..s.oh {
            let (ylo, yhi) = Pool2d::window(oy, g.kh, g.sh, g.ph, g.h);
            for ox in 0..s.ow {
                let (xlo, xhi) = Pool2d::window(ox, g.kw, g.sw, g.pw, g.w);
                let mut acc = 0.0f32;
                for iy in ylo..yhi {
                    acc += src[iy * g.w + xlo..iy * g.w + xhi].iter().sum::<f32>();
                }
                dst[oy * s.ow + ox] = acc * scale;
            }
        }
    }
}

/// dx (overwritten) = each dy / (kh·kw) spread over its window.
pub fn avgpool2d_backward(g: &Pool2d, s: &PoolSizes, dy: &[f32], dx: &mut [f32]) {
    let plane = g.h * g.w;
    let oplane = s.oh * s.ow;
    let scale = 1.0 / (g.kh * g.kw) as f32;
    dx.iter_mut().for_each(|v| *v = 0.0);
    for pi in 0..g.n * g.c {
        let src = &dy[pi * oplane..(pi + 1) * oplane];
        let dst = &mut dx[pi * plane..(pi + 1) * plane];
        for oy in 0..s.oh {
            let (ylo, yhi) = Pool2d::window(oy, g.kh, g.sh, g.ph, g.h);
            for ox in 0..s.ow {
                let (xlo, xhi) = Pool2d::window(ox, g.kw, g.sw, g.pw, g.w);
                let d = src[oy * s.ow + ox] * scale;
                for iy in ylo..yhi {
                    dst[iy * g.w + xlo..iy * g.w + xhi].iter_mut().for_each(|v| *v += d);
                }
            }
        }
    }
}

/// y = x at the recorded argmax of each window (the tangent of max pooling, whose argmax is fixed
/// almost everywhere): `y[o] = x[argmax[o]]` per `h·w` plane.
pub fn maxpool2d_gather(g: &Pool2d, s: &PoolSizes, x: &[f32], argmax: &[u32], y: &mut [f32]) -> Result<(), BadIndex> {
    let plane = g.h * g.w;
    let oplane = s.oh * s.ow;
    for pi in 0..g.n * g.c {
        let src = &x[pi * plane..(pi + 1) * plane];
        let dst = &mut y[pi * oplane..(pi + 1) * oplane];
        for (d, &i) in dst.iter_mut().zip(&argmax[pi * oplane..(pi + 1) * oplane]) {
            *d = *src.get(i as usize).ok_or(BadIndex)?;
        }
    }
    Ok(())
}
