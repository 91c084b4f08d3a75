//! dropout: mask semantics, keep rate, backward through the mask.

use modeconn_core::{dropout, rng};

const LENS: [usize; 5] = [1, 3, 17, 255, 513];

fn data(n: usize, seed: u32) -> Vec<f32> {
    let mut s = rng::seed(seed, 99);
    let mut v = vec![0f32; n];
    rng::fill_normal(&mut s, &mut v);
    v
}

#[test]
fn forward_matches_a_naive_loop_and_backward_uses_the_mask() {
    for &n in &LENS {
        for &p in &[0.0f32, 0.1, 0.5, 0.9] {
            let x = data(n, n as u32);
            let (mut y, mut mask) = (vec![0f32; n], vec![0f32; n]);
            let mut s = rng::seed(7, n as u32);
            let mut s_ref = s;
            dropout::forward(p, &mut s, &x, &mut y, &mut mask);
            let scale = 1.0f32 / (1.0 - p);
            for i in 0..n {
                let keep = rng::uniform(&mut s_ref) >= p;
                let m = if keep { scale } else { 0.0 };
                assert_eq!(mask[i], m);
                assert_eq!(y[i], x[i] * m);
            }
            assert_eq!(s, s_ref, "state advanced by one word per element");
            let dy = data(n, 1000 + n as u32);
            let mut dx = vec![0f32; n];
            dropout::backward(&dy, &mask, &mut dx);
            for i in 0..n {
                assert_eq!(dx[i], dy[i] * mask[i]);
            }
        }
    }
}

#[test]
fn keep_rate_is_one_minus_p_and_mean_is_preserved() {
    let n = 100_000;
    let x = vec![1f32; n];
    for &p in &[0.2f32, 0.5, 0.8] {
        let (mut y, mut mask) = (vec![0f32; n], vec![0f32; n]);
        dropout::forward(p, &mut rng::seed(1, 2), &x, &mut y, &mut mask);
        let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / n as f64;
        assert!((kept - (1.0 - p as f64)).abs() < 0.01, "p={p} kept={kept}");
        let mean = y.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.03, "p={p} mean={mean}");
    }
}

#[test]
fn p_zero_is_the_identity() {
    let x = data(17, 4);
    let (mut y, mut mask) = (vec![0f32; 17], vec![0f32; 17]);
    dropout::forward(0.0, &mut rng::seed(0, 0), &x, &mut y, &mut mask);
    assert_eq!(x, y);
    assert!(mask.iter().all(|&m| m == 1.0));
}
