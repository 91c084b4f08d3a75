//! The lane scans (run here on the scalar twin of `SimdF64`, the same code simd128 runs) against
//! plain left-to-right scans, on short rows full of ties, infinities and odd tails.

use super::entry;
use super::scans;
use crate::simd::Scalar;

/// A small xorshift so the test owns its data.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick(&mut self, from: &[f64]) -> f64 {
        from[self.below(from.len())]
    }
    fn row(&mut self, len: usize, from: &[f64]) -> Vec<f64> {
        (0..len).map(|_| self.pick(from)).collect()
    }
}

/// Few distinct values, so ties are common; +∞ is a forbidden entry.
const ENTRIES: [f64; 7] = [-3.0, -1.0, 0.0, 1.0, 2.0, 2.5, f64::INFINITY];
const DUALS: [f64; 4] = [-1.0, 0.0, 0.5, 2.0];

fn plain_valid<const NEG: bool>(row: &[f64]) -> bool {
    row.iter().all(|&x| {
        let y = entry::<NEG>(x);
        !(y.is_nan() || y == f64::NEG_INFINITY)
    })
}

fn plain_column_minima<const NEG: bool>(row: &[f64], i: u64, best: &mut [f64], arg: &mut [u64]) {
    for j in 0..row.len() {
        let x = entry::<NEG>(row[j]);
        if x < best[j] {
            best[j] = x;
            arg[j] = i;
        }
    }
}

fn plain_two_smallest<const NEG: bool>(row: &[f64], v: &[f64]) -> (f64, usize, f64, usize) {
    let (mut u1, mut j1, mut u2, mut j2) = (f64::INFINITY, usize::MAX, f64::INFINITY, usize::MAX);
    for j in 0..row.len() {
        let h = entry::<NEG>(row[j]) - v[j];
        if h < u1 {
            (u2, j2, u1, j1) = (u1, j1, h, j);
        } else if h < u2 {
            (u2, j2) = (h, j);
        }
    }
    (u1, j1, u2, j2)
}

fn plain_relax<const NEG: bool>(row: &[f64], v: &[f64], live: &mut [f64], path: &mut [u64], base: f64, i: u64) -> (f64, usize) {
    let (mut lowest, mut index) = (f64::INFINITY, usize::MAX);
    for j in 0..row.len() {
        let r = base + entry::<NEG>(row[j]) - v[j];
        if r < live[j] {
            live[j] = r;
            path[j] = i;
        }
        if live[j] < lowest {
            lowest = live[j];
            index = j;
        }
    }
    (lowest, index)
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn check_all<const NEG: bool>(rng: &mut Rng) {
    for len in 0..14 {
        for _ in 0..60 {
            let row = rng.row(len, &ENTRIES);
            let v = rng.row(len, &DUALS);

            let mut bad = row.clone();
            if len > 0 && rng.below(2) == 0 {
                let at = rng.below(len);
                bad[at] = [f64::NAN, f64::NEG_INFINITY, f64::INFINITY][rng.below(3)];
            }
            assert_eq!(scans::valid::<Scalar, NEG>(&bad), plain_valid::<NEG>(&bad), "valid {:?}", bad);

            let best0 = rng.row(len, &ENTRIES);
            let arg0: Vec<u64> = (0..len).map(|_| rng.below(5) as u64).collect();
            let (mut best_l, mut arg_l) = (best0.clone(), arg0.clone());
            let (mut best_p, mut arg_p) = (best0, arg0);
            let ok = scans::column_minima::<Scalar, NEG>(&bad, 9, &mut best_l, &mut arg_l);
            plain_column_minima::<NEG>(&bad, 9, &mut best_p, &mut arg_p);
            assert_eq!(ok, plain_valid::<NEG>(&bad));
            assert_eq!((bits(&best_l), &arg_l), (bits(&best_p), &arg_p), "column minima {:?}", bad);

            let (a1, i1, a2, i2) = scans::two_smallest::<Scalar, NEG>(&row, &v);
            let (b1, k1, b2, k2) = plain_two_smallest::<NEG>(&row, &v);
            assert_eq!((a1.to_bits(), i1, a2.to_bits(), i2), (b1.to_bits(), k1, b2.to_bits(), k2), "two smallest {:?} {:?}", row, v);

            // The lanes may meet −0 and +0 in a different order than the plain scan; they compare
            // equal, and every use of this value is a comparison or a sum with nonzero terms.
            let low = scans::smallest::<Scalar, NEG>(&row, &v);
            let plain_low = (0..len).map(|j| entry::<NEG>(row[j]) - v[j]).fold(f64::INFINITY, |m, h| if h < m { h } else { m });
            assert!(low == plain_low, "smallest {:?} {:?}: {} vs {}", row, v, low, plain_low);

            // Settled columns carry live = +∞ and v = −∞.
            let mut vs = v.clone();
            let live0: Vec<f64> = (0..len).map(|_| rng.pick(&[0.0, 1.0, 3.0, f64::INFINITY])).collect();
            let mut live_l = live0.clone();
            for j in 0..len {
                if rng.below(4) == 0 {
                    vs[j] = f64::NEG_INFINITY;
                    live_l[j] = f64::INFINITY;
                }
            }
            let mut live_p = live_l.clone();
            let path0: Vec<u64> = (0..len).map(|_| rng.below(7) as u64).collect();
            let (mut path_l, mut path_p) = (path0.clone(), path0);
            let base = rng.pick(&[-1.0, 0.0, 0.5]);
            let got = scans::relax::<Scalar, NEG>(&row, &vs, &mut live_l, &mut path_l, base, 11);
            let want = plain_relax::<NEG>(&row, &vs, &mut live_p, &mut path_p, base, 11);
            assert_eq!((got.0.to_bits(), got.1), (want.0.to_bits(), want.1), "relax {:?} {:?}", row, vs);
            assert_eq!((bits(&live_l), &path_l), (bits(&live_p), &path_p));
        }
    }
}

#[test]
fn lane_scans_match_plain_scans_when_minimising() {
    check_all::<false>(&mut Rng(0x9e37_79b9_7f4a_7c15));
}

#[test]
fn lane_scans_match_plain_scans_when_maximising() {
    check_all::<true>(&mut Rng(0x2545_f491_4f6c_dd1d));
}
