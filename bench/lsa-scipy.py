"""Median seconds of scipy.optimize.linear_sum_assignment on n x n matrices, as one JSON line.

Usage: /usr/bin/python3 bench/lsa-scipy.py 128 256 512   (Debian: apt-get install -y python3-scipy)
Matrices: uniform [0, 1) costs, and weight-similarity W_A W_B^T of Gaussian rows (W_B a permuted,
noisy copy of W_A, 784 columns), maximised — the same two kinds as bench/lsa.bench.mjs.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def median_time(fn, reps):
    fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return float(np.median(samples))


def main():
    rng = np.random.default_rng(0)
    out = {}
    for n in map(int, sys.argv[1:]):
        uniform = rng.random((n, n))
        wa = rng.standard_normal((n, 784))
        wb = wa[rng.permutation(n)] + 0.5 * rng.standard_normal((n, 784))
        similarity = wa @ wb.T
        reps = 7 if n <= 512 else 3
        out[str(n)] = {
            'uniform': median_time(lambda: linear_sum_assignment(uniform), reps),
            'similarity': median_time(lambda: linear_sum_assignment(similarity, maximize=True), reps),
        }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
