//! Max and average pooling against direct loops over padded windows, plus the ABI.

mod common {
    pub mod xorshift;
}

use common::xorshift::Rng;
use modeconn_core::abi;
use modeconn_core::conv::GeomError;
use modeconn_core::pool::{avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward, BadIndex, Pool2d};

#[allow(clippy::too_many_arguments)]
fn geom(n: usize, c: usize, h: usize, w: usize, kh: usize, kw: usize, sh: usize, sw: usize, ph: usize, pw: usize) -> Pool2d {
    Pool2d { n, c, h, w, kh, kw, sh, sw, ph, pw }
}

/// Every (window tap → input index or None for padding) of output (plane, oy, ox).
fn taps(g: &Pool2d, oy: usize, ox: usize) -> Vec<Option<usize>> {
    let mut v = Vec::new();
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            let iy = (oy * g.sh + ky) as isize - g.ph as isize;
            let ix = (ox * g.sw + kx) as isize - g.pw as isize;
            let inside = iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w;
            v.push(if inside { Some(iy as usize * g.w + ix as usize) } else { None });
        }
    }
    v
}

fn check(g: Pool2d, seed: u64) {
    let s = g.sizes().unwrap();
    let mut r = Rng(seed);
    let (x, dy) = (r.vec(s.x), r.vec(s.y));
    let (plane, oplane) = (g.h * g.w, s.oh * s.ow);
    let (mut nmax, mut narg, mut navg) = (vec![0f32; s.y], vec![0u32; s.y], vec![0f32; s.y]);
    let (mut ndxm, mut ndxa) = (vec![0f32; s.x], vec![0f32; s.x]);
    let area = (g.kh * g.kw) as f32;
    for p in 0..g.n * g.c {
        for oy in 0..s.oh {
            for ox in 0..s.ow {
                let o = p * oplane + oy * s.ow + ox;
                let (mut best, mut at, mut sum) = (f32::NEG_INFINITY, usize::MAX, 0f32);
                for t in taps(&g, oy, ox).into_iter().flatten() {
                    let v = x[p * plane + t];
                    sum += v;
                    if at == usize::MAX || v > best {
                        best = v;
                        at = t;
                    }
                }
                nmax[o] = best;
                narg[o] = at as u32;
                navg[o] = sum / area;
                ndxm[p * plane + at] += dy[o];
                for t in taps(&g, oy, ox).into_iter().flatten() {
                    ndxa[p * plane + t] += dy[o] / area;
                }
            }
        }
    }
    let (mut y, mut arg) = (vec![f32::NAN; s.y], vec![u32::MAX; s.y]);
    maxpool2d_forward(&g, &s, &x, &mut y, &mut arg);
    assert_eq!(y, nmax);
    assert_eq!(arg, narg);
    let mut dx = vec![f32::NAN; s.x];
    maxpool2d_backward(&g, &s, &dy, &arg, &mut dx).unwrap();
    close("max dx", &dx, &ndxm);
    avgpool2d_forward(&g, &s, &x, &mut y);
    close("avg y", &y, &navg);
    let mut dx = vec![f32::NAN; s.x];
    avgpool2d_backward(&g, &s, &dy, &mut dx);
    close("avg dx", &dx, &ndxa);
}

fn close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= 1e-5 + 1e-5 * y.abs(), "{what}[{i}]: {x} vs {y}");
    }
}

#[test]
fn odd_shapes() {
    check(geom(2, 3, 7, 5, 2, 2, 2, 2, 0, 0), 1);
    check(geom(1, 2, 9, 9, 3, 3, 2, 2, 1, 1), 2);
    check(geom(3, 1, 5, 8, 3, 3, 1, 1, 1, 1), 3);
    check(geom(1, 5, 1, 1, 1, 1, 1, 1, 0, 0), 4);
    check(geom(2, 2, 6, 7, 3, 2, 3, 1, 1, 1), 5);
    check(geom(1, 17, 13, 11, 5, 5, 2, 3, 2, 2), 6);
    check(geom(1, 1, 2, 2, 3, 3, 1, 1, 1, 1), 7);
}

#[test]
fn padding_is_minus_infinity_for_max_and_zero_for_avg() {
    let g = geom(1, 1, 2, 2, 3, 3, 2, 2, 1, 1);
    let s = g.sizes().unwrap();
    let x = [-4.0, -3.0, -2.0, -1.0];
    let (mut y, mut arg) = (vec![0f32; s.y], vec![0u32; s.y]);
    maxpool2d_forward(&g, &s, &x, &mut y, &mut arg);
    assert_eq!((y[0], arg[0]), (-1.0, 3));
    avgpool2d_forward(&g, &s, &x, &mut y);
    assert_eq!(y[0], -10.0 / 9.0);
}

#[test]
fn nan_propagates_through_max() {
    let g = geom(1, 1, 2, 2, 2, 2, 1, 1, 0, 0);
    let s = g.sizes().unwrap();
    let (mut y, mut arg) = (vec![0f32; 1], vec![0u32; 1]);
    maxpool2d_forward(&g, &s, &[1.0, f32::NAN, 5.0, f32::NAN], &mut y, &mut arg);
    assert!(y[0].is_nan());
    assert_eq!(arg[0], 1);
}

#[test]
fn geometry_errors() {
    assert_eq!(geom(1, 1, 4, 4, 3, 3, 1, 1, 2, 0).sizes(), Err(GeomError::Arg));
    assert_eq!(geom(1, 1, 4, 4, 2, 2, 0, 1, 0, 0).sizes(), Err(GeomError::Arg));
    assert_eq!(geom(1, 1, 2, 2, 3, 3, 1, 1, 0, 0).sizes(), Err(GeomError::Shape));
    assert_eq!(geom(usize::MAX / 2, 3, 4, 4, 2, 2, 2, 2, 0, 0).sizes(), Err(GeomError::Shape));
    let g = geom(1, 1, 2, 2, 2, 2, 2, 2, 0, 0);
    let s = g.sizes().unwrap();
    assert_eq!(maxpool2d_backward(&g, &s, &[1.0], &[4], &mut [0.0; 4]), Err(BadIndex));
}

#[test]
fn abi_status_and_results() {
    let g = geom(2, 3, 5, 6, 3, 2, 2, 2, 1, 0);
    let s = g.sizes().unwrap();
    let mut r = Rng(5);
    let (x, dy) = (r.vec(s.x), r.vec(s.y));
    let a = [2u32, 3, 5, 6, 3, 2, 2, 2, 1, 0];
    let (mut y, mut arg, mut dx) = (vec![0f32; s.y], vec![0u32; s.y], vec![0f32; s.x]);
    let (mut ey, mut earg, mut edx) = (vec![0f32; s.y], vec![0u32; s.y], vec![0f32; s.x]);
    unsafe {
        assert_eq!(
            abi::maxpool2d_forward(
                x.as_ptr(),
                y.as_mut_ptr(),
                arg.as_mut_ptr(),
                a[0],
                a[1],
                a[2],
                a[3],
                a[4],
                a[5],
                a[6],
                a[7],
                a[8],
                a[9]
            ),
            abi::OK
        );
        assert_eq!(
            abi::maxpool2d_backward(dy.as_ptr(), arg.as_ptr(), dx.as_mut_ptr(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]),
            abi::OK
        );
    }
    maxpool2d_forward(&g, &s, &x, &mut ey, &mut earg);
    maxpool2d_backward(&g, &s, &dy, &earg, &mut edx).unwrap();
    assert_eq!((&y, &arg, &dx), (&ey, &earg, &edx));
    unsafe {
        assert_eq!(abi::avgpool2d_forward(x.as_ptr(), y.as_mut_ptr(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]), abi::OK);
        assert_eq!(
            abi::avgpool2d_backward(dy.as_ptr(), dx.as_mut_ptr(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]),
            abi::OK
        );
    }
    avgpool2d_forward(&g, &s, &x, &mut ey);
    avgpool2d_backward(&g, &s, &dy, &mut edx);
    assert_eq!((&y, &dx), (&ey, &edx));
    arg[3] = 30;
    unsafe {
        assert_eq!(
            abi::maxpool2d_backward(dy.as_ptr(), arg.as_ptr(), dx.as_mut_ptr(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]),
            abi::ERR_ARG
        );
        assert_eq!(
            abi::avgpool2d_forward(x.as_ptr(), y.as_mut_ptr(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], 2, a[9]),
            abi::ERR_ARG
        );
        assert_eq!(
            abi::avgpool2d_forward(std::ptr::null(), y.as_mut_ptr(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]),
            abi::ERR_BOUNDS
        );
    }
}
