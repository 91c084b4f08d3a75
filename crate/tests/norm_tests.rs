//! BatchNorm kernels against naive per-channel loops in f64.

use modeconn_core::abi;
use modeconn_core::norm::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn vec(&mut self, len: usize, scale: f32, offset: f32) -> Vec<f32> {
        (0..len).map(|_| self.next() * scale + offset).collect()
    }
}

fn at(sh: BnShape, i: usize, ch: usize, j: usize) -> usize {
    (i * sh.c + ch) * sh.s + j
}

/// Naive (mean, biased var) per channel.
fn naive_stats(sh: BnShape, x: &[f32]) -> Vec<(f64, f64)> {
    (0..sh.c)
        .map(|ch| {
            let mut vals = vec![];
            for i in 0..sh.n {
                for j in 0..sh.s {
                    vals.push(x[at(sh, i, ch, j)] as f64);
                }
            }
            let m = vals.iter().sum::<f64>() / vals.len() as f64;
            let v = vals.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / vals.len() as f64;
            (m, v)
        })
        .collect()
}

fn close(a: f32, b: f64, tol: f64) -> bool {
    ((a as f64) - b).abs() <= tol * (1.0 + b.abs())
}

fn assert_all_close(got: &[f32], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(close(g, w, tol), "{what}[{i}]: got {g}, want {w}");
    }
}

const SHAPES: [(usize, usize, usize); 7] = [(4, 3, 1), (5, 7, 17), (1, 3, 17), (1, 5, 1), (9, 1, 3), (2, 13, 4), (33, 5, 1)];

struct Train {
    y: Vec<f32>,
    mean: Vec<f32>,
    invstd: Vec<f32>,
    rm: Vec<f32>,
    rv: Vec<f32>,
}

#[allow(clippy::too_many_arguments)]
fn run_train(sh: BnShape, eps: f32, up: RunningUpdate, x: &[f32], g: &[f32], b: &[f32], rm: &[f32], rv: &[f32]) -> Train {
    let mut t =
        Train { y: vec![f32::NAN; sh.len()], mean: vec![f32::NAN; sh.c], invstd: vec![f32::NAN; sh.c], rm: rm.to_vec(), rv: rv.to_vec() };
    batchnorm_forward_train(sh, eps, up, x, Some(g), Some(b), &mut t.y, &mut t.mean, &mut t.invstd, &mut t.rm, &mut t.rv);
    t
}

#[test]
fn forward_train_matches_naive() {
    let mut r = Rng(1);
    for &(n, c, s) in &SHAPES {
        let sh = BnShape { n, c, s };
        let eps = 1e-5;
        let x = r.vec(sh.len(), 2.0, 0.5);
        let g = r.vec(c, 1.0, 1.0);
        let b = r.vec(c, 1.0, 0.0);
        let rm0 = r.vec(c, 1.0, 0.0);
        let rv0 = r.vec(c, 0.5, 1.0);
        let t = run_train(sh, eps, RunningUpdate::Momentum(0.1), &x, &g, &b, &rm0, &rv0);
        let st = naive_stats(sh, &x);
        let m = (n * s) as f64;
        let mut want_y = vec![0f64; sh.len()];
        for i in 0..n {
            for ch in 0..c {
                for j in 0..s {
                    let (mu, v) = st[ch];
                    let k = at(sh, i, ch, j);
                    want_y[k] = (x[k] as f64 - mu) / (v + eps as f64).sqrt() * g[ch] as f64 + b[ch] as f64;
                }
            }
        }
        assert_all_close(&t.y, &want_y, 1e-5, "y");
        let want_mean: Vec<f64> = st.iter().map(|p| p.0).collect();
        let want_inv: Vec<f64> = st.iter().map(|p| 1.0 / (p.1 + eps as f64).sqrt()).collect();
        assert_all_close(&t.mean, &want_mean, 1e-6, "save_mean");
        assert_all_close(&t.invstd, &want_inv, 1e-6, "save_invstd");
        let unb = |v: f64| if m > 1.0 { v * m / (m - 1.0) } else { v };
        let want_rm: Vec<f64> = (0..c).map(|ch| 0.9 * rm0[ch] as f64 + 0.1 * st[ch].0).collect();
        let want_rv: Vec<f64> = (0..c).map(|ch| 0.9 * rv0[ch] as f64 + 0.1 * unb(st[ch].1)).collect();
        assert_all_close(&t.rm, &want_rm, 1e-6, "running_mean");
        assert_all_close(&t.rv, &want_rv, 1e-6, "running_var");
    }
}

#[test]
fn single_value_per_channel_has_zero_variance() {
    let sh = BnShape { n: 1, c: 3, s: 1 };
    let x = [3.0, -1.0, 7.5];
    let (g, b) = ([2.0, 0.5, 1.0], [0.25, -1.0, 4.0]);
    let t = run_train(sh, 1e-5, RunningUpdate::Momentum(1.0), &x, &g, &b, &[9.0; 3], &[9.0; 3]);
    assert_eq!(t.y, b.to_vec(), "y = beta when x equals its mean");
    assert_eq!(t.mean, x.to_vec());
    assert_eq!(t.rm, x.to_vec());
    assert_eq!(t.rv, vec![0.0; 3]);
    for &v in &t.invstd {
        assert!(close(v, 1.0 / (1e-5f64).sqrt(), 1e-6));
    }
}

#[test]
fn large_offset_is_stable() {
    // f32 one-pass E[x²] − E[x]² would lose the variance entirely here.
    let sh = BnShape { n: 64, c: 2, s: 3 };
    let mut r = Rng(7);
    let x = r.vec(sh.len(), 1e-2, 1.0e4);
    let t = run_train(sh, 0.0, RunningUpdate::Frozen, &x, &[1.0; 2], &[0.0; 2], &[], &[]);
    let st = naive_stats(sh, &x);
    for (ch, &(_, var)) in st.iter().enumerate() {
        assert!(close(t.invstd[ch], 1.0 / var.sqrt(), 1e-5), "invstd {} vs {}", t.invstd[ch], 1.0 / var.sqrt());
    }
}

#[test]
fn exact_average_equals_one_shot_weighted_average() {
    let mut r = Rng(3);
    for &(c, s) in &[(3usize, 1usize), (5, 17)] {
        let batches = [5usize, 3, 8, 1, 2];
        let eps = 1e-5;
        let g = vec![1.0; c];
        let b = vec![0.0; c];
        let mut rm = r.vec(c, 5.0, 0.0); // stale values: seen = 0 must overwrite them
        let mut rv = vec![f32::NAN; c];
        let mut seen = 0u64;
        let (mut wm, mut wv) = (vec![0f64; c], vec![0f64; c]);
        for &n in &batches {
            let sh = BnShape { n, c, s };
            let x = r.vec(sh.len(), 3.0, 1.0);
            let t = run_train(sh, eps, RunningUpdate::ExactAverage { seen }, &x, &g, &b, &rm, &rv);
            rm = t.rm;
            rv = t.rv;
            let m = (n * s) as f64;
            for (ch, (mu, v)) in naive_stats(sh, &x).into_iter().enumerate() {
                wm[ch] += n as f64 * mu;
                wv[ch] += n as f64 * if m > 1.0 { v * m / (m - 1.0) } else { v };
            }
            seen += n as u64;
        }
        let total = seen as f64;
        let want_m: Vec<f64> = wm.iter().map(|v| v / total).collect();
        let want_v: Vec<f64> = wv.iter().map(|v| v / total).collect();
        assert_all_close(&rm, &want_m, 1e-5, "exact running_mean");
        assert_all_close(&rv, &want_v, 1e-5, "exact running_var");
    }
}

#[test]
fn forward_eval_matches_naive() {
    let mut r = Rng(5);
    for &(n, c, s) in &SHAPES {
        let sh = BnShape { n, c, s };
        let x = r.vec(sh.len(), 2.0, 0.0);
        let (g, b, rm) = (r.vec(c, 1.0, 0.0), r.vec(c, 1.0, 0.0), r.vec(c, 1.0, 0.0));
        let rv = r.vec(c, 0.5, 1.0);
        let mut y = vec![f32::NAN; sh.len()];
        batchnorm_forward_eval(sh, 1e-3, &x, Some(&g), Some(&b), &rm, &rv, &mut y);
        let mut want = vec![0f64; sh.len()];
        for i in 0..n {
            for ch in 0..c {
                for j in 0..s {
                    let k = at(sh, i, ch, j);
                    want[k] = (x[k] as f64 - rm[ch] as f64) / (rv[ch] as f64 + 1e-3).sqrt() * g[ch] as f64 + b[ch] as f64;
                }
            }
        }
        assert_all_close(&y, &want, 1e-5, "eval y");
    }
}

/// Naive train backward via the textbook formulas in f64.
fn naive_backward(sh: BnShape, x: &[f32], dy: &[f32], g: &[f32], eps: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let st = naive_stats(sh, x);
    let m = sh.count() as f64;
    let mut dx = vec![0f64; sh.len()];
    let (mut dg, mut db) = (vec![0f64; sh.c], vec![0f64; sh.c]);
    for ch in 0..sh.c {
        let inv = 1.0 / (st[ch].1 + eps).sqrt();
        let idx: Vec<usize> = (0..sh.n).flat_map(|i| (0..sh.s).map(move |j| at(sh, i, ch, j))).collect();
        for &k in &idx {
            db[ch] += dy[k] as f64;
            dg[ch] += dy[k] as f64 * (x[k] as f64 - st[ch].0) * inv;
        }
        for &k in &idx {
            let xh = (x[k] as f64 - st[ch].0) * inv;
            dx[k] = g[ch] as f64 * inv / m * (m * dy[k] as f64 - db[ch] - xh * dg[ch]);
        }
    }
    (dx, dg, db)
}

#[test]
fn backward_matches_naive() {
    let mut r = Rng(11);
    for &(n, c, s) in &SHAPES {
        let sh = BnShape { n, c, s };
        let eps = 1e-5;
        let x = r.vec(sh.len(), 2.0, 0.3);
        let dy = r.vec(sh.len(), 1.0, 0.0);
        let (g, b) = (r.vec(c, 1.0, 1.0), r.vec(c, 1.0, 0.0));
        let t = run_train(sh, eps, RunningUpdate::Frozen, &x, &g, &b, &[], &[]);
        let (mut dx, mut dg, mut db) = (vec![f32::NAN; sh.len()], vec![f32::NAN; c], vec![f32::NAN; c]);
        batchnorm_backward(sh, &x, &dy, Some(&g), &t.mean, &t.invstd, &mut dx, Some(&mut dg), Some(&mut db));
        let (wdx, wdg, wdb) = naive_backward(sh, &x, &dy, &g, eps as f64);
        // With one value per channel, dx is ~0 up to cancellation scaled by invstd ≈ 316.
        let tol = if n * s == 1 { 1e-3 } else { 1e-4 };
        assert_all_close(&dx, &wdx, tol, "dx");
        assert_all_close(&dg, &wdg, 1e-4, "dgamma");
        assert_all_close(&db, &wdb, 1e-5, "dbeta");
    }
}

#[test]
fn backward_eval_matches_naive() {
    let mut r = Rng(13);
    for &(n, c, s) in &SHAPES {
        let sh = BnShape { n, c, s };
        let x = r.vec(sh.len(), 2.0, 0.3);
        let dy = r.vec(sh.len(), 1.0, 0.0);
        let (g, rm) = (r.vec(c, 1.0, 1.0), r.vec(c, 1.0, 0.0));
        let rv = r.vec(c, 0.5, 1.0);
        let (mut dx, mut dg, mut db) = (vec![f32::NAN; sh.len()], vec![f32::NAN; c], vec![f32::NAN; c]);
        batchnorm_backward_eval(sh, 1e-5, &x, &dy, Some(&g), &rm, &rv, &mut dx, Some(&mut dg), Some(&mut db));
        let mut wdx = vec![0f64; sh.len()];
        let (mut wdg, mut wdb) = (vec![0f64; c], vec![0f64; c]);
        for ch in 0..c {
            let inv = 1.0 / (rv[ch] as f64 + 1e-5).sqrt();
            for i in 0..n {
                for j in 0..s {
                    let k = at(sh, i, ch, j);
                    wdx[k] = dy[k] as f64 * g[ch] as f64 * inv;
                    wdg[ch] += dy[k] as f64 * (x[k] as f64 - rm[ch] as f64) * inv;
                    wdb[ch] += dy[k] as f64;
                }
            }
        }
        assert_all_close(&dx, &wdx, 1e-6, "eval dx");
        assert_all_close(&dg, &wdg, 1e-5, "eval dgamma");
        assert_all_close(&db, &wdb, 1e-5, "eval dbeta");
    }
}

#[test]
fn abi_validates_arguments() {
    let x = [1.0f32; 12];
    let c1 = [1.0f32; 3];
    let (mut y, mut sm, mut si, mut rm, mut rv) = (vec![0f32; 12], vec![0f32; 3], vec![0f32; 3], vec![0f32; 3], vec![1f32; 3]);
    let call = |y: &mut [f32], sm: &mut [f32], si: &mut [f32], rm: &mut [f32], rv: &mut [f32], n, c, eps, mode, mo| unsafe {
        abi::batchnorm_forward_train(
            x.as_ptr(),
            c1.as_ptr(),
            c1.as_ptr(),
            y.as_mut_ptr(),
            sm.as_mut_ptr(),
            si.as_mut_ptr(),
            rm.as_mut_ptr(),
            rv.as_mut_ptr(),
            n,
            c,
            1,
            eps,
            mode,
            mo,
            0,
        )
    };
    assert_eq!(call(&mut y, &mut sm, &mut si, &mut rm, &mut rv, 4, 3, 1e-5, 0, 0.1), abi::OK);
    assert_eq!(call(&mut y, &mut sm, &mut si, &mut rm, &mut rv, 0, 3, 1e-5, 0, 0.1), abi::ERR_SHAPE);
    assert_eq!(call(&mut y, &mut sm, &mut si, &mut rm, &mut rv, 4, 3, -1.0, 0, 0.1), abi::ERR_ARG);
    assert_eq!(call(&mut y, &mut sm, &mut si, &mut rm, &mut rv, 4, 3, 1e-5, 3, 0.1), abi::ERR_ARG);
    assert_eq!(call(&mut y, &mut sm, &mut si, &mut rm, &mut rv, 4, 3, 1e-5, 0, 1.5), abi::ERR_ARG);
    assert_eq!(call(&mut y, &mut sm, &mut si, &mut rm, &mut rv, 4, 3, 1e-5, 0, f32::NAN), abi::ERR_ARG);
    // Mode 2 accepts null running pointers.
    let st = unsafe {
        abi::batchnorm_forward_train(
            x.as_ptr(),
            c1.as_ptr(),
            c1.as_ptr(),
            y.as_mut_ptr(),
            sm.as_mut_ptr(),
            si.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            4,
            3,
            1,
            1e-5,
            2,
            0.1,
            0,
        )
    };
    assert_eq!(st, abi::OK);
    let st = unsafe {
        abi::batchnorm_backward(
            x.as_ptr(),
            x.as_ptr(),
            c1.as_ptr(),
            sm.as_ptr(),
            si.as_ptr(),
            y.as_mut_ptr(),
            rm.as_mut_ptr(),
            2 as *mut f32,
            4,
            3,
            1,
        )
    };
    assert_eq!(st, abi::ERR_BOUNDS, "misaligned dbeta");
}

#[test]
fn absent_affine_parameters_mean_gamma_one_beta_zero() {
    let mut r = Rng(17);
    for &(n, c, s) in &[(4usize, 3usize, 1usize), (3, 5, 7)] {
        let sh = BnShape { n, c, s };
        let x = r.vec(sh.len(), 2.0, 0.5);
        let dy = r.vec(sh.len(), 1.0, 0.0);
        let (ones, zeros) = (vec![1f32; c], vec![0f32; c]);
        let rv = r.vec(c, 0.5, 1.0);
        let run = |affine: bool| {
            let (g, b) = if affine { (Some(&ones[..]), Some(&zeros[..])) } else { (None, None) };
            let (mut y, mut m, mut inv) = (vec![0f32; sh.len()], vec![0f32; c], vec![0f32; c]);
            batchnorm_forward_train(sh, 1e-5, RunningUpdate::Frozen, &x, g, b, &mut y, &mut m, &mut inv, &mut [], &mut []);
            let mut dx = vec![0f32; sh.len()];
            let mut dg = vec![0f32; c];
            batchnorm_backward(sh, &x, &dy, g, &m, &inv, &mut dx, if affine { Some(&mut dg) } else { None }, None);
            let mut ye = vec![0f32; sh.len()];
            batchnorm_forward_eval(sh, 1e-5, &x, g, b, &m, &rv, &mut ye);
            let mut dxe = vec![0f32; sh.len()];
            batchnorm_backward_eval(sh, 1e-5, &x, &dy, g, &m, &rv, &mut dxe, None, None);
            (y, dx, ye, dxe)
        };
        assert_eq!(run(true), run(false));
    }
}
