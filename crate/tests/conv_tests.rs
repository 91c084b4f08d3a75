//! conv2d forward/backward against direct 7-loop convolutions, at odd shapes, plus the ABI.

mod common {
    pub mod xorshift;
}

use common::xorshift::Rng;
use modeconn_core::abi;
use modeconn_core::conv::{conv2d_backward, conv2d_forward, Conv2d, GeomError};

#[allow(clippy::too_many_arguments)]
fn geom(
    n: usize,
    c_in: usize,
    h: usize,
    w: usize,
    c_out: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    ph: usize,
    pw: usize,
) -> Conv2d {
    Conv2d { n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw }
}

/// Input coordinate of output `o`, tap `k`, or None in the padding.
fn tap(o: usize, k: usize, stride: usize, pad: usize, size: usize) -> Option<usize> {
    let i = (o * stride + k) as isize - pad as isize;
    if i >= 0 && (i as usize) < size {
        Some(i as usize)
    } else {
        None
    }
}

fn naive_forward(g: &Conv2d, x: &[f32], wt: &[f32], b: Option<&[f32]>) -> Vec<f32> {
    let s = g.sizes().unwrap();
    let mut y = vec![0f32; s.y];
    for n in 0..g.n {
        for co in 0..g.c_out {
            for oy in 0..s.oh {
                for ox in 0..s.ow {
                    let mut acc = 0f64;
                    for ci in 0..g.c_in {
                        for ky in 0..g.kh {
                            for kx in 0..g.kw {
                                if let (Some(iy), Some(ix)) = (tap(oy, ky, g.sh, g.ph, g.h), tap(ox, kx, g.sw, g.pw, g.w)) {
                                    acc += x[((n * g.c_in + ci) * g.h + iy) * g.w + ix] as f64
                                        * wt[((co * g.c_in + ci) * g.kh + ky) * g.kw + kx] as f64;
                                }
                            }
                        }
                    }
                    y[((n * g.c_out + co) * s.oh + oy) * s.ow + ox] = acc as f32 + b.map_or(0.0, |b| b[co]);
                }
            }
        }
    }
    y
}

fn naive_backward(g: &Conv2d, x: &[f32], wt: &[f32], dy: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let s = g.sizes().unwrap();
    let (mut dx, mut dw, mut db) = (vec![0f64; s.x], vec![0f64; s.weight], vec![0f64; g.c_out]);
    for n in 0..g.n {
        for co in 0..g.c_out {
            for oy in 0..s.oh {
                for ox in 0..s.ow {
                    let d = dy[((n * g.c_out + co) * s.oh + oy) * s.ow + ox] as f64;
                    db[co] += d;
                    for ci in 0..g.c_in {
                        for ky in 0..g.kh {
                            for kx in 0..g.kw {
                                if let (Some(iy), Some(ix)) = (tap(oy, ky, g.sh, g.ph, g.h), tap(ox, kx, g.sw, g.pw, g.w)) {
                                    let xi = ((n * g.c_in + ci) * g.h + iy) * g.w + ix;
                                    let wi = ((co * g.c_in + ci) * g.kh + ky) * g.kw + kx;
                                    dx[xi] += wt[wi] as f64 * d;
                                    dw[wi] += x[xi] as f64 * d;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let f = |v: Vec<f64>| v.into_iter().map(|a| a as f32).collect::<Vec<f32>>();
    (f(dx), f(dw), f(db))
}

fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= 1e-4 + 1e-4 * y.abs(), "{what}[{i}]: {x} vs {y}");
    }
}

fn check(g: Conv2d, seed: u64) {
    let s = g.sizes().unwrap();
    let mut r = Rng(seed);
    let (x, wt, b, dy) = (r.vec(s.x), r.vec(s.weight), r.vec(g.c_out), r.vec(s.y));
    let mut y = vec![f32::NAN; s.y];
    let mut scratch = vec![f32::NAN; s.scratch_forward];
    conv2d_forward(&g, &s, &x, &wt, Some(&b), &mut y, &mut scratch);
    assert_close("y", &y, &naive_forward(&g, &x, &wt, Some(&b)));
    conv2d_forward(&g, &s, &x, &wt, None, &mut y, &mut scratch);
    assert_close("y (no bias)", &y, &naive_forward(&g, &x, &wt, None));

    let (ndx, ndw, ndb) = naive_backward(&g, &x, &wt, &dy);
    let (mut dx, mut dw, mut db) = (vec![f32::NAN; s.x], vec![f32::NAN; s.weight], vec![f32::NAN; g.c_out]);
    let mut scratch = vec![f32::NAN; s.scratch_backward];
    conv2d_backward(&g, &s, &x, &wt, &dy, Some(&mut dx), &mut dw, Some(&mut db), &mut scratch);
    assert_close("dx", &dx, &ndx);
    assert_close("dw", &dw, &ndw);
    assert_close("db", &db, &ndb);
    // outputs are overwritten, not accumulated
    conv2d_backward(&g, &s, &x, &wt, &dy, None, &mut dw, None, &mut scratch);
    assert_close("dw (again)", &dw, &ndw);
}

#[test]
fn kernel_3x3_odd_shapes() {
    check(geom(2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1), 1);
    check(geom(1, 1, 9, 9, 1, 3, 3, 2, 2, 1, 1), 2);
    check(geom(3, 5, 8, 6, 3, 3, 3, 2, 1, 0, 1), 3);
    check(geom(1, 2, 3, 3, 5, 3, 3, 1, 1, 0, 0), 4);
    check(geom(2, 3, 1, 1, 2, 3, 3, 1, 1, 1, 1), 5);
    check(geom(1, 17, 13, 11, 9, 3, 3, 1, 1, 1, 1), 6);
}

#[test]
fn kernel_1x1_fast_path_and_not() {
    let g = geom(3, 5, 7, 3, 4, 1, 1, 1, 1, 0, 0);
    assert!(g.is_pointwise());
    assert_eq!(g.sizes().unwrap().scratch_forward, 0);
    check(g, 10);
    check(geom(2, 17, 5, 5, 9, 1, 1, 1, 1, 0, 0), 11);
    check(geom(2, 3, 7, 6, 4, 1, 1, 2, 2, 0, 0), 12);
    check(geom(1, 3, 4, 5, 2, 1, 1, 1, 1, 1, 1), 13);
}

#[test]
fn kernel_5x5_and_rectangular() {
    check(geom(2, 3, 9, 8, 4, 5, 5, 1, 1, 2, 2), 20);
    check(geom(1, 2, 6, 7, 3, 5, 5, 2, 3, 0, 1), 21);
    check(geom(2, 2, 5, 9, 3, 1, 3, 1, 2, 0, 1), 22);
    check(geom(1, 1, 2, 2, 1, 4, 4, 1, 1, 2, 2), 23); // padding larger than half the kernel
}

#[test]
fn empty_batch() {
    let g = geom(0, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1);
    let s = g.sizes().unwrap();
    let (mut dw, mut db) = (vec![f32::NAN; s.weight], vec![f32::NAN; 3]);
    conv2d_backward(&g, &s, &[], &vec![0.5; s.weight], &[], None, &mut dw, Some(&mut db), &mut []);
    assert!(dw.iter().chain(&db).all(|v| *v == 0.0));
}

#[test]
fn geometry_errors() {
    assert_eq!(geom(1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0).sizes(), Err(GeomError::Shape));
    assert_eq!(geom(1, 1, 4, 4, 1, 3, 3, 0, 1, 0, 0).sizes(), Err(GeomError::Arg));
    assert_eq!(geom(1, 1, 4, 4, 1, 0, 3, 1, 1, 0, 0).sizes(), Err(GeomError::Arg));
    assert_eq!(geom(1, 0, 4, 4, 1, 3, 3, 1, 1, 0, 0).sizes(), Err(GeomError::Arg));
    let huge = usize::MAX / 2;
    assert_eq!(geom(huge, 4, 4, 4, 1, 1, 1, 1, 1, 0, 0).sizes(), Err(GeomError::Shape));
    assert_eq!(geom(1, 1, 4, 4, 1, 1, 1, 1, 1, huge, 0).sizes(), Err(GeomError::Shape));
}

#[test]
fn abi_forward_backward_and_status() {
    let g = geom(2, 3, 5, 4, 2, 3, 3, 2, 1, 1, 0);
    let s = g.sizes().unwrap();
    let mut r = Rng(99);
    let (x, wt, b, dy) = (r.vec(s.x), r.vec(s.weight), r.vec(2), r.vec(s.y));
    let mut y = vec![0f32; s.y];
    let geo = |n: u32| [n, 3, 5, 4, 2, 3, 3, 2, 1, 1, 0];
    let call_f = |y: &mut [f32], bias: *const f32, a: [u32; 11]| unsafe {
        abi::conv2d_forward(
            x.as_ptr(),
            wt.as_ptr(),
            bias,
            y.as_mut_ptr(),
            a[0],
            a[1],
            a[2],
            a[3],
            a[4],
            a[5],
            a[6],
            a[7],
            a[8],
            a[9],
            a[10],
        )
    };
    assert_eq!(call_f(&mut y, b.as_ptr(), geo(2)), abi::OK);
    assert_close("abi y", &y, &naive_forward(&g, &x, &wt, Some(&b)));
    assert_eq!(call_f(&mut y, std::ptr::null(), geo(2)), abi::OK);
    assert_close("abi y (null bias)", &y, &naive_forward(&g, &x, &wt, None));
    let mut bad = geo(2);
    bad[7] = 0;
    assert_eq!(call_f(&mut y, b.as_ptr(), bad), abi::ERR_ARG);
    let mut bad = geo(2);
    bad[5] = 9;
    assert_eq!(call_f(&mut y, b.as_ptr(), bad), abi::ERR_SHAPE);
    let mut bad = geo(2);
    bad[0] = u32::MAX;
    bad[1] = u32::MAX;
    assert_ne!(call_f(&mut y, b.as_ptr(), bad), abi::OK);

    let (ndx, ndw, ndb) = naive_backward(&g, &x, &wt, &dy);
    let (mut dx, mut dw, mut db) = (vec![7f32; s.x], vec![7f32; s.weight], vec![7f32; 2]);
    let a = geo(2);
    let st = unsafe {
        abi::conv2d_backward(
            x.as_ptr(),
            wt.as_ptr(),
            dy.as_ptr(),
            dx.as_mut_ptr(),
            dw.as_mut_ptr(),
            db.as_mut_ptr(),
            a[0],
            a[1],
            a[2],
            a[3],
            a[4],
            a[5],
            a[6],
            a[7],
            a[8],
            a[9],
            a[10],
        )
    };
    assert_eq!(st, abi::OK);
    assert_close("abi dx", &dx, &ndx);
    assert_close("abi dw", &dw, &ndw);
    assert_close("abi db", &db, &ndb);
    let mut dw2 = vec![7f32; s.weight];
    let st = unsafe {
        abi::conv2d_backward(
            x.as_ptr(),
            wt.as_ptr(),
            dy.as_ptr(),
            std::ptr::null_mut(),
            dw2.as_mut_ptr(),
            std::ptr::null_mut(),
            a[0],
            a[1],
            a[2],
            a[3],
            a[4],
            a[5],
            a[6],
            a[7],
            a[8],
            a[9],
            a[10],
        )
    };
    assert_eq!(st, abi::OK);
    assert_close("abi dw (skip dx, db)", &dw2, &ndw);
    let st = unsafe {
        abi::conv2d_backward(
            x.as_ptr(),
            wt.as_ptr(),
            dy.as_ptr(),
            dx.as_mut_ptr(),
            std::ptr::null_mut(),
            db.as_mut_ptr(),
            a[0],
            a[1],
            a[2],
            a[3],
            a[4],
            a[5],
            a[6],
            a[7],
            a[8],
            a[9],
            a[10],
        )
    };
    assert_eq!(st, abi::ERR_BOUNDS, "dweight is required");
}
