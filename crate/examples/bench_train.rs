//! Native timing of the plan executor for the training benchmark (bench/train.bench.mjs).
//! `bench_train <words> <batch> <eval_batch> <train_n> <test_n> <reps>`: `words` is the plan
//! (comma-separated u32, from the TS `compileArch`). Runs `reps` training epochs over `train_n`
//! random samples (shuffled order, SGD lr 0.05 momentum 0.9; one `load_batch` + `train_step` per
//! batch, as `plan_train_step` does) and `reps` evaluations of `test_n` samples, and prints one
//! JSON line with the median seconds of each and the seconds spent per part of a training step
//! (forward, loss, backward, optimiser) summed over the last epoch.
//! (RUSTFLAGS="-C target-cpu=native" recommended.) The data are random: timing does not depend on
//! the values for dense networks.

use modeconn_core::optim::{sgd_step, Sgd};
use modeconn_core::plan::Outputs;
use modeconn_core::plan::{Mode, Plan};
use modeconn_core::rng;
use std::time::Instant;

fn fail(msg: &str) -> ! {
    eprintln!("bench_train: {msg}");
    std::process::exit(2)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// xorshift-style generator for data, init and shuffling (not the crate's stream: only timing matters).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn unit(&mut self) -> f32 {
        self.next() as f32 / 4294967296.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 6 {
        fail("usage: bench_train <words,...> <batch> <eval_batch> <train_n> <test_n> <reps>");
    }
    let words: Vec<u32> = args[0].split(',').map(|w| w.trim().parse().unwrap_or_else(|_| fail("bad plan word"))).collect();
    let num = |s: &String| -> usize { s.parse().unwrap_or_else(|_| fail(&format!("not a number: {s}"))) };
    let (batch, eval_batch, train_n, test_n, reps) = (num(&args[1]), num(&args[2]), num(&args[3]), num(&args[4]), num(&args[5]).max(1));

    let mut plan = Plan::parse(&words, batch).unwrap_or_else(|e| fail(&format!("plan: {e:?}")));
    let mut eval_plan = Plan::parse(&words, eval_batch).unwrap_or_else(|e| fail(&format!("plan: {e:?}")));
    let (row, classes, total, p) = (plan.input_size(), plan.classes, plan.total_len, plan.param_len);
    let mut g = Lcg(0x5eed);
    let train_x: Vec<f32> = (0..train_n * row).map(|_| g.unit()).collect();
    let train_y: Vec<u32> = (0..train_n).map(|_| g.next() % classes as u32).collect();
    let test_x: Vec<f32> = (0..test_n * row).map(|_| g.unit()).collect();
    let test_y: Vec<u32> = (0..test_n).map(|_| g.next() % classes as u32).collect();
    // Small uniform weights, like PyTorch's default scale for fan-in 512..784.
    let mut params: Vec<f32> = (0..total).map(|_| (g.unit() - 0.5) * 0.07).collect();
    let mut grads = vec![0f32; total];
    let mut momentum = vec![0f32; p];
    let sgd = Sgd { lr: 0.05, momentum: 0.9, dampening: 0.0, weight_decay: 0.0, nesterov: false };
    let mut state = rng::seed(1, 0);
    let mut losses = vec![0f32; batch.max(eval_batch)];
    let mut correct = vec![0u32; batch.max(eval_batch)];
    let mut order: Vec<u32> = (0..train_n as u32).collect();

    let mut train_s = Vec::new();
    let mut parts = [0f64; 5]; // gather, forward, loss, backward, optimiser (last epoch)
    let mut step = 0u32;
    for _ in 0..reps {
        for i in (1..train_n).rev() {
            let j = g.next() as usize % (i + 1);
            order.swap(i, j);
        }
        parts = [0.0; 5];
        let t0 = Instant::now();
        for idx in order.chunks(batch) {
            step += 1;
            let t = Instant::now();
            let n = plan.load_batch(&train_x, &train_y, idx).unwrap_or_else(|e| fail(&format!("load: {e:?}")));
            let t1 = Instant::now();
            plan.forward(&mut params, n, Mode::Train, &mut state).unwrap_or_else(|e| fail(&format!("forward: {e:?}")));
            let t2 = Instant::now();
            plan.loss(n, Outputs { losses: &mut losses[..n], correct: &mut correct[..n] }, true);
            let t3 = Instant::now();
            plan.backward(&params, &mut grads, n).unwrap_or_else(|e| fail(&format!("backward: {e:?}")));
            let t4 = Instant::now();
            sgd_step(&sgd, &mut params[..p], &grads[..p], &mut momentum, step == 1);
            let t5 = Instant::now();
            for (k, (a, b)) in [(t, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)].iter().enumerate() {
                parts[k] += b.duration_since(*a).as_secs_f64();
            }
        }
        train_s.push(t0.elapsed().as_secs_f64());
    }

    let identity: Vec<u32> = (0..test_n as u32).collect();
    let mut eval_s = Vec::new();
    let mut checksum = 0f64;
    for _ in 0..reps.max(3) {
        let t0 = Instant::now();
        for idx in identity.chunks(eval_batch) {
            let n = eval_plan.load_batch(&test_x, &test_y, idx).unwrap_or_else(|e| fail(&format!("load: {e:?}")));
            eval_plan.forward(&mut params, n, Mode::Eval, &mut state).unwrap_or_else(|e| fail(&format!("forward: {e:?}")));
            checksum += eval_plan.loss(n, Outputs { losses: &mut losses[..n], correct: &mut correct[..n] }, false) as f64;
        }
        eval_s.push(t0.elapsed().as_secs_f64());
    }
    println!(
        "{{\"train_s\":{:.6},\"eval_s\":{:.6},\"reps\":{reps},\"parts_s\":{{\"gather\":{:.6},\"forward\":{:.6},\"loss\":{:.6},\"backward\":{:.6},\"optimizer\":{:.6}}},\"checksum\":{checksum:.6}}}",
        median(train_s), median(eval_s), parts[0], parts[1], parts[2], parts[3], parts[4]
    );
}
