//! Softmax cross-entropy against a naive f64 implementation.

use modeconn_core::abi;
use modeconn_core::loss::*;

fn naive(classes: usize, z: &[f32], labels: &[u32]) -> (Vec<f64>, Vec<u32>, f64, Vec<f64>) {
    let n = labels.len();
    let (mut losses, mut correct, mut grad) = (vec![], vec![], vec![0f64; n * classes]);
    for i in 0..n {
        let row: Vec<f64> = z[i * classes..(i + 1) * classes].iter().map(|&v| v as f64).collect();
        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
        let l = labels[i] as usize;
        losses.push(m + s.ln() - row[l]);
        let mut best = 0;
        for j in 1..classes {
            if row[j] > row[best] {
                best = j;
            }
        }
        correct.push((best == l) as u32);
        for j in 0..classes {
            grad[i * classes + j] = ((row[j] - m).exp() / s - (j == l) as u32 as f64) / n as f64;
        }
    }
    let mean = losses.iter().sum::<f64>() / n as f64;
    (losses, correct, mean, grad)
}

fn logits(n: usize, classes: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n * classes)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 8.0 - 4.0
        })
        .collect()
}

#[test]
fn matches_naive() {
    for &(n, k) in &[(1usize, 1usize), (1, 10), (7, 3), (17, 10), (64, 17)] {
        let z = logits(n, k, (n * 31 + k) as u64);
        let labels: Vec<u32> = (0..n).map(|i| ((i * 7 + 3) % k) as u32).collect();
        let (mut losses, mut correct, mut grad) = (vec![f32::NAN; n], vec![9u32; n], vec![f32::NAN; n * k]);
        let mean = softmax_xent(k, &z, &labels, &mut losses, &mut correct, Some(&mut grad));
        let (wl, wc, wm, wg) = naive(k, &z, &labels);
        for i in 0..n {
            assert!((losses[i] as f64 - wl[i]).abs() <= 1e-5 * (1.0 + wl[i].abs()), "loss {i}");
        }
        assert_eq!(correct, wc);
        assert!((mean as f64 - wm).abs() <= 1e-5 * (1.0 + wm.abs()));
        for j in 0..n * k {
            assert!((grad[j] as f64 - wg[j]).abs() <= 1e-6, "grad {j}");
        }
    }
}

#[test]
fn extreme_logits_are_stable() {
    let z = [1000.0f32, -1000.0, 999.0];
    let (mut l, mut c) = ([0f32; 1], [0u32; 1]);
    let mean = softmax_xent(3, &z, &[2], &mut l, &mut c, None);
    let want = 1.0 + (1.0f64 + (-1.0f64).exp()).ln();
    assert!((mean as f64 - want).abs() < 1e-5, "{mean} vs {want}");
    assert_eq!(c, [0]);
}

#[test]
fn ties_go_to_first_index_and_nan_wins() {
    assert_eq!(argmax_first(&[1.0, 3.0, 3.0, 2.0]), 1);
    assert_eq!(argmax_first(&[1.0, f32::NAN, 3.0, f32::NAN]), 1);
    assert_eq!(argmax_first(&[f32::NAN, 5.0]), 0);
    let z = [2.0f32, 2.0, 1.0, 0.0, f32::NAN, 0.5];
    let (mut l, mut c, mut g) = ([0f32; 2], [9u32; 2], [0f32; 6]);
    let mean = softmax_xent(3, &z, &[1, 1], &mut l, &mut c, Some(&mut g));
    assert_eq!(c, [0, 1]);
    assert!(l[0].is_finite() && l[1].is_nan() && mean.is_nan());
    assert!(g[3..].iter().all(|v| v.is_nan()));
}

#[test]
fn abi_rejects_bad_labels_and_skips_null_grad() {
    let z = logits(3, 4, 1);
    let (mut l, mut c, mut m) = ([7f32; 3], [7u32; 3], [7f32; 1]);
    let st = unsafe {
        abi::softmax_xent(z.as_ptr(), [0u32, 4, 1].as_ptr(), l.as_mut_ptr(), c.as_mut_ptr(), m.as_mut_ptr(), std::ptr::null_mut(), 3, 4)
    };
    assert_eq!(st, abi::ERR_ARG);
    assert_eq!(l, [7.0; 3], "nothing written on a bad label");
    let st = unsafe {
        abi::softmax_xent(z.as_ptr(), [0u32, 3, 1].as_ptr(), l.as_mut_ptr(), c.as_mut_ptr(), m.as_mut_ptr(), std::ptr::null_mut(), 3, 4)
    };
    assert_eq!(st, abi::OK);
    assert!(m[0].is_finite());
    let st = unsafe {
        abi::softmax_xent(z.as_ptr(), [0u32].as_ptr(), l.as_mut_ptr(), c.as_mut_ptr(), m.as_mut_ptr(), std::ptr::null_mut(), 0, 4)
    };
    assert_eq!(st, abi::ERR_SHAPE);
}
