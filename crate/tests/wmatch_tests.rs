//! wmatch: term updates, sums and gathered dot products against naive loops, at odd shapes.

use modeconn_core::{rng, wmatch};

fn normals(n: usize, seed: u32) -> Vec<f32> {
    let mut s = rng::seed(seed, 11);
    let mut v = vec![0f32; n];
    rng::fill_normal(&mut s, &mut v);
    v
}

/// A seeded permutation of 0..k (Fisher–Yates on the crate's generator).
fn perm(k: usize, seed: u32) -> Vec<u32> {
    let r = normals(k, seed);
    let mut idx: Vec<u32> = (0..k as u32).collect();
    idx.sort_by(|&x, &y| r[x as usize].partial_cmp(&r[y as usize]).unwrap());
    idx
}

/// C[i, j] = Σ_c Σ_s A_c[i, s]·B_{map[c]}[j, s], in f64.
fn naive_term(v: &wmatch::TermView, a: &[f32], b: &[f32], map: &[u32]) -> Vec<f64> {
    let n = v.units();
    let at = |c: usize, i: usize, t: usize| if v.axis == 0 { (i * v.q + c) * v.s + t } else { (c * v.q + i) * v.s + t };
    let mut out = vec![0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            let mut sum = 0f64;
            for c in 0..v.others() {
                for t in 0..v.s {
                    sum += a[at(c, i, t)] as f64 * b[at(map[c] as usize, j, t)] as f64;
                }
            }
            out[i * n + j] = sum;
        }
    }
    out
}

fn close(x: &[f64], y: &[f64], tol: f64) {
    let scale = y.iter().fold(1f64, |m, v| m.max(v.abs()));
    for (i, (a, b)) in x.iter().zip(y.iter()).enumerate() {
        assert!((a - b).abs() <= tol * scale, "at {}: {} vs {}", i, a, b);
    }
}

#[test]
fn term_from_scratch_and_updated_match_naive() {
    for &(p, q, s) in &[(1usize, 1usize, 1usize), (3, 5, 1), (17, 4, 3), (7, 33, 2), (64, 48, 1), (5, 9, 9)] {
        for axis in 0..2 {
            let v = wmatch::TermView { p, q, s, axis };
            let a = normals(p * q * s, 1);
            let b = normals(p * q * s, 2);
            let k = v.others();
            let n = v.units();
            let all: Vec<u32> = (0..k as u32).collect();
            let m1 = perm(k, 3);
            let mut cost = vec![0f64; n * n];
            wmatch::term_update(&v, &a, &b, &all, &m1, None, &mut cost);
            close(&cost, &naive_term(&v, &a, &b, &m1), 1e-5);
            // Change a few entries of the map (swap two pairs) and update.
            let mut m2 = m1.clone();
            if k >= 2 {
                m2.swap(0, k - 1);
            }
            if k >= 4 {
                m2.swap(1, 2);
            }
            let changed: Vec<u32> = (0..k as u32).filter(|&c| m1[c as usize] != m2[c as usize]).collect();
            assert!(wmatch::indices_ok(&v, &changed, &m2, Some(&m1)));
            wmatch::term_update(&v, &a, &b, &changed, &m2, Some(&m1), &mut cost);
            close(&cost, &naive_term(&v, &a, &b, &m2), 1e-5);
        }
    }
}

#[test]
fn indices_are_checked() {
    let v = wmatch::TermView { p: 3, q: 4, s: 1, axis: 0 };
    let map = [0u32, 1, 2, 3];
    assert!(wmatch::indices_ok(&v, &[3], &map, None));
    assert!(!wmatch::indices_ok(&v, &[4], &map, None));
    assert!(!wmatch::indices_ok(&v, &[0], &[4, 1, 2, 3], None));
    assert!(!wmatch::indices_ok(&v, &[1], &map, Some(&[0, 9, 2, 3])));
}

#[test]
fn sum_is_left_to_right() {
    let x = [1e16f64, 1.0, -3.0];
    let y = [-1e16f64, 2.0, 0.5];
    let z = [1.0f64, 1e-20, 0.25];
    let mut out = [9f64; 3];
    wmatch::sum(&[&x, &y, &z], &mut out);
    for i in 0..3 {
        assert_eq!(out[i], (x[i] + y[i]) + z[i]);
    }
    wmatch::sum(&[], &mut out);
    assert_eq!(out, [0.0; 3]);
}

#[test]
fn gather_dot_is_the_sequential_f64_sum() {
    let dims = [2usize, 3, 5, 7];
    let len: usize = dims.iter().product();
    let a = normals(len, 4);
    let b = normals(len, 5);
    let mut strides = [1usize; 4];
    for d in (0..3).rev() {
        strides[d] = strides[d + 1] * dims[d + 1];
    }
    let maps: Vec<Vec<u32>> = (0..4).map(|d| perm(dims[d], 10 + d as u32)).collect();
    let offs: Vec<Vec<u32>> = (0..4).map(|d| maps[d].iter().map(|&m| m * strides[d] as u32).collect()).collect();
    let got = wmatch::gather_dot(0.5, &a, &b, [&offs[0], &offs[1], &offs[2], &offs[3]]);
    let mut want = 0.5f64;
    let mut o = 0;
    for x in 0..dims[0] {
        for y in 0..dims[1] {
            for z in 0..dims[2] {
                for w in 0..dims[3] {
                    let g = offs[0][x] + offs[1][y] + offs[2][z] + offs[3][w];
                    want += a[o] as f64 * b[g as usize] as f64;
                    o += 1;
                }
            }
        }
    }
    assert_eq!(got, want);
}
