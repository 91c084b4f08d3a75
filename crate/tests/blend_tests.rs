//! blend: vector ops against naive loops at odd lengths.

use modeconn_core::{blend, rng};

const LENS: [usize; 7] = [0, 1, 3, 4, 17, 255, 513];

fn normals(n: usize, seed: u32) -> Vec<f32> {
    let mut s = rng::seed(seed, 5);
    let mut v = vec![0f32; n];
    rng::fill_normal(&mut s, &mut v);
    v
}

/// The documented reduction order: lane i mod 4, then (l0 + l1) + (l2 + l3).
fn lane_sum(terms: impl Iterator<Item = f64>) -> f64 {
    let mut l = [0f64; 4];
    for (i, t) in terms.enumerate() {
        l[i % 4] += t;
    }
    (l[0] + l[1]) + (l[2] + l[3])
}

#[test]
fn elementwise_ops_match_naive_loops() {
    for &n in &LENS {
        let x = normals(n, 1);
        let mut y = normals(n, 2);
        let y0 = y.clone();
        blend::axpy(0.37, &x, &mut y);
        for i in 0..n {
            assert_eq!(y[i], y0[i] + 0.37 * x[i]);
        }
        let mut z = x.clone();
        blend::scale(-1.5, &mut z);
        for i in 0..n {
            assert_eq!(z[i], x[i] * -1.5);
        }
    }
}

#[test]
fn blend_sums_in_order() {
    for &n in &LENS {
        for k in 0..5usize {
            let thetas: Vec<Vec<f32>> = (0..k).map(|j| normals(n, 10 + j as u32)).collect();
            let coeffs: Vec<f32> = (0..k).map(|j| 0.3 - 0.2 * j as f32).collect();
            let refs: Vec<&[f32]> = thetas.iter().map(|t| t.as_slice()).collect();
            let mut out = vec![f32::NAN; n];
            blend::blend(&coeffs, &refs, &mut out);
            for i in 0..n {
                let mut want = 0f32;
                for j in 0..k {
                    want = if j == 0 { coeffs[0] * thetas[0][i] } else { want + coeffs[j] * thetas[j][i] };
                }
                assert_eq!(out[i], want, "n {n} k {k} i {i}");
            }
        }
    }
    // The linear path θ(t) = (1−t)θA + tθB hits the ends exactly.
    let (a, b) = (normals(17, 1), normals(17, 2));
    let mut out = vec![0f32; 17];
    blend::blend(&[1.0, 0.0], &[&a, &b], &mut out);
    assert_eq!(out, a);
    blend::blend(&[0.0, 1.0], &[&a, &b], &mut out);
    assert_eq!(out, b);
}

#[test]
fn reductions_match_naive_loops() {
    for &n in &LENS {
        let (x, y) = (normals(n, 3), normals(n, 4));
        let dot = blend::dot(&x, &y);
        assert_eq!(dot, lane_sum(x.iter().zip(&y).map(|(&a, &b)| a as f64 * b as f64)));
        let naive: f64 = x.iter().zip(&y).map(|(&a, &b)| a as f64 * b as f64).sum();
        assert!((dot - naive).abs() <= 1e-12 * (1.0 + naive.abs()));
        let nrm = blend::norm2(&x);
        assert_eq!(nrm, lane_sum(x.iter().map(|&a| a as f64 * a as f64)).sqrt());
        let d2 = blend::dist2(&x, &y);
        assert_eq!(d2, lane_sum(x.iter().zip(&y).map(|(&a, &b)| (a as f64 - b as f64).powi(2))));
        let ma = x.iter().fold(0f64, |m, &a| m.max(a.abs() as f64));
        assert_eq!(blend::maxabs(&x), ma);
    }
    assert!(blend::maxabs(&[1.0, f32::NAN, 2.0]).is_nan());
    assert_eq!(blend::maxabs(&[-3.0, 2.0]), 3.0);
    assert_eq!(blend::dot(&[], &[]), 0.0);
}
