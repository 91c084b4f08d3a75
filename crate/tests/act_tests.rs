//! ReLU forward/backward against naive loops, in place and through the ABI.

use modeconn_core::abi;
use modeconn_core::act::*;

fn data(len: usize) -> Vec<f32> {
    (0..len).map(|i| ((i * 37 % 23) as f32 - 11.0) * 0.25).collect()
}

#[test]
fn forward_and_backward_match_naive() {
    for &len in &[0usize, 1, 3, 17, 255, 513] {
        let x = data(len);
        let dy: Vec<f32> = (0..len).map(|i| i as f32 + 0.5).collect();
        let mut y = vec![f32::NAN; len];
        relu_forward(&x, &mut y);
        let want: Vec<f32> = x.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect();
        assert_eq!(y, want);
        let mut z = x.clone();
        relu_forward_inplace(&mut z);
        assert_eq!(z, want);
        let want_dx: Vec<f32> = x.iter().zip(&dy).map(|(&v, &g)| if v > 0.0 { g } else { 0.0 }).collect();
        for mask in [&x, &y] {
            let mut dx = vec![f32::NAN; len];
            relu_backward(&dy, mask, &mut dx);
            assert_eq!(dx, want_dx);
            let mut g = dy.clone();
            relu_backward_inplace(&mut g, mask);
            assert_eq!(g, want_dx);
        }
    }
}

#[test]
fn nan_propagates_forward_and_blocks_backward() {
    let x = [f32::NAN, -1.0, 2.0];
    let mut y = [0f32; 3];
    relu_forward(&x, &mut y);
    assert!(y[0].is_nan());
    assert_eq!(&y[1..], &[0.0, 2.0]);
    let mut dx = [9f32; 3];
    relu_backward(&[1.0, 1.0, 1.0], &x, &mut dx);
    assert_eq!(dx, [0.0, 0.0, 1.0]);
}

#[test]
fn abi_in_place_and_overlap() {
    let mut buf = data(9);
    let want: Vec<f32> = buf.iter().map(|&v| v.max(0.0)).collect();
    let p = buf.as_mut_ptr();
    assert_eq!(unsafe { abi::relu_forward(p, p, 9) }, abi::OK);
    assert_eq!(buf, want);
    let p = buf.as_mut_ptr();
    // SAFETY (test): offset by one element stays inside the 9-element buffer.
    assert_eq!(unsafe { abi::relu_forward(p, p.add(1), 8) }, abi::ERR_ARG);
    let mask = data(9);
    let mut g: Vec<f32> = (0..9).map(|i| i as f32).collect();
    let want_g: Vec<f32> = g.iter().zip(&mask).map(|(&v, &m)| if m > 0.0 { v } else { 0.0 }).collect();
    let gp = g.as_mut_ptr();
    assert_eq!(unsafe { abi::relu_backward(gp, mask.as_ptr(), gp, 9) }, abi::OK);
    assert_eq!(g, want_g);
    let gp = g.as_mut_ptr();
    assert_eq!(unsafe { abi::relu_backward(gp, gp, gp, 9) }, abi::ERR_ARG);
}
