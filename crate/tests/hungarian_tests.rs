//! hungarian: optimality against brute force over every assignment (n ≤ 8), rectangular shapes,
//! ties, forbidden entries, maximisation, infeasibility and invalid costs.

use modeconn_core::hungarian::{solve, LsaError, UNASSIGNED};

/// A small xorshift so the test owns its data.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Best cost over every injective map of the smaller side into the larger (None if all forbidden).
fn brute(cost: &[f64], rows: usize, cols: usize, maximize: bool) -> Option<f64> {
    #[allow(clippy::too_many_arguments)]
    fn rec(cost: &[f64], rows: usize, cols: usize, r: usize, used: &mut Vec<bool>, acc: f64, best: &mut Option<f64>, max: bool, tr: bool) {
        let (nr, nc) = if tr { (cols, rows) } else { (rows, cols) };
        if r == nr {
            if acc.is_finite() {
                let better = match *best {
                    None => true,
                    Some(b) => {
                        if max {
                            acc > b
                        } else {
                            acc < b
                        }
                    }
                };
                if better {
                    *best = Some(acc);
                }
            }
            return;
        }
        for c in 0..nc {
            if !used[c] {
                used[c] = true;
                let x = if tr { cost[c * cols + r] } else { cost[r * cols + c] };
                rec(cost, rows, cols, r + 1, used, acc + x, best, max, tr);
                used[c] = false;
            }
        }
    }
    let tr = rows > cols;
    let mut best = None;
    let mut used = vec![false; if tr { rows } else { cols }];
    rec(cost, rows, cols, 0, &mut used, 0.0, &mut best, maximize, tr);
    best
}

fn check(cost: &[f64], rows: usize, cols: usize, maximize: bool) {
    let expected = brute(cost, rows, cols, maximize);
    match (solve(cost, rows, cols, maximize), expected) {
        (Ok(a), Some(best)) => {
            assert!((a.cost - best).abs() <= 1e-9 * (1.0 + best.abs()), "{}x{} max={}: {} vs brute {}", rows, cols, maximize, a.cost, best);
            let mut seen = vec![false; cols];
            let mut count = 0;
            let mut sum = 0.0;
            for (i, &j) in a.col_for_row.iter().enumerate() {
                if j == UNASSIGNED {
                    continue;
                }
                assert!(!seen[j as usize], "column {} used twice", j);
                seen[j as usize] = true;
                count += 1;
                sum += cost[i * cols + j as usize];
            }
            assert_eq!(count, rows.min(cols));
            assert_eq!(sum, a.cost);
        }
        (Err(LsaError::Infeasible), None) => {}
        (got, want) => panic!("{}x{}: solver {:?}, brute {:?}", rows, cols, got, want),
    }
}

#[test]
fn random_square_and_rectangular_match_brute_force() {
    let mut rng = Lcg(0x9e3779b97f4a7c15);
    for rows in 1..=7 {
        for cols in 1..=7 {
            for trial in 0..6 {
                let cost: Vec<f64> = (0..rows * cols).map(|_| rng.next() * 10.0 - 3.0).collect();
                check(&cost, rows, cols, trial % 2 == 1);
            }
        }
    }
    for &maximize in &[false, true] {
        let cost: Vec<f64> = (0..64).map(|_| rng.next()).collect();
        check(&cost, 8, 8, maximize);
    }
}

#[test]
fn ties_match_brute_force() {
    let mut rng = Lcg(7);
    for n in 1..=8 {
        for &(rows, cols) in &[(n, n), (n, (n + 2).min(8)), ((n + 3).min(8), n)] {
            // Few distinct values: many equal-cost optima.
            let cost: Vec<f64> = (0..rows * cols).map(|_| (rng.next() * 3.0).floor()).collect();
            check(&cost, rows, cols, false);
            check(&cost, rows, cols, true);
            check(&vec![1.5; rows * cols], rows, cols, false);
        }
    }
}

#[test]
fn forbidden_entries_match_brute_force() {
    let mut rng = Lcg(99);
    for n in 1..=7 {
        for &(rows, cols) in &[(n, n), (n, n + 1), (n + 1, n)] {
            for _ in 0..8 {
                let raw: Vec<f64> = (0..rows * cols).map(|_| rng.next()).collect();
                let min: Vec<f64> = raw.iter().map(|&x| if x < 0.35 { f64::INFINITY } else { x }).collect();
                check(&min, rows, cols, false);
                let max: Vec<f64> = raw.iter().map(|&x| if x < 0.35 { f64::NEG_INFINITY } else { x }).collect();
                check(&max, rows, cols, true);
            }
        }
    }
}

#[test]
fn infeasible_and_invalid_costs_are_errors() {
    let inf = f64::INFINITY;
    // Both rows can only take column 0.
    assert_eq!(solve(&[1.0, inf, 2.0, inf], 2, 2, false), Err(LsaError::Infeasible));
    assert_eq!(solve(&[inf; 6], 2, 3, false), Err(LsaError::Infeasible));
    assert_eq!(solve(&[1.0, f64::NAN], 1, 2, false), Err(LsaError::InvalidCost));
    assert_eq!(solve(&[1.0, -inf], 1, 2, false), Err(LsaError::InvalidCost));
    assert_eq!(solve(&[1.0, inf], 1, 2, true), Err(LsaError::InvalidCost));
    assert_eq!(solve(&[1.0; 5], 2, 3, false), Err(LsaError::Shape));
    let empty = solve(&[], 0, 4, false).unwrap();
    assert_eq!((empty.col_for_row.len(), empty.cost), (0, 0.0));
    let none = solve(&[], 3, 0, true).unwrap();
    assert_eq!(none.col_for_row, vec![UNASSIGNED; 3]);
}

#[test]
fn larger_problems_are_optimal_for_every_single_swap() {
    let mut rng = Lcg(3);
    for &(rows, cols) in &[(40, 40), (33, 57), (60, 17), (255, 255)] {
        let cost: Vec<f64> = (0..rows * cols).map(|_| rng.next()).collect();
        let a = solve(&cost, rows, cols, false).unwrap();
        let r: Vec<usize> = (0..rows).filter(|&i| a.col_for_row[i] != UNASSIGNED).collect();
        for x in 0..r.len() {
            for y in x + 1..r.len() {
                let (i, k) = (r[x], r[y]);
                let (ci, ck) = (a.col_for_row[i] as usize, a.col_for_row[k] as usize);
                let delta = cost[i * cols + ck] + cost[k * cols + ci] - cost[i * cols + ci] - cost[k * cols + ck];
                assert!(delta >= -1e-12, "swapping rows {} and {} improves by {}", i, k, -delta);
            }
        }
    }
}

#[test]
fn square_starts_many_trials_match_brute_force() {
    // The column and augmenting row reductions only run on square problems: stress them.
    let mut rng = Lcg(0xabcdef);
    for trial in 0..600 {
        let n = 2 + trial % 7;
        let levels = [0.0, 2.0, 5.0][trial % 3];
        let cost: Vec<f64> = (0..n * n)
            .map(|_| {
                let u = rng.next();
                if trial % 5 == 4 && rng.next() < 0.25 {
                    f64::INFINITY
                } else if levels > 0.0 {
                    (u * levels).floor() - 1.0
                } else {
                    u * 8.0 - 4.0
                }
            })
            .collect();
        check(&cost, n, n, false);
    }
}
