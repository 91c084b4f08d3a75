"""scipy.optimize.linear_sum_assignment timed on the matrices of bench/lsa.bench.mjs.

Usage: /usr/bin/python3 bench/lsa-scipy.py bench/.lsa-cache [--out bench/lsa-scipy.json]
(Debian: apt-get install -y python3-scipy). `npm run bench lsa` writes the matrices (raw
little-endian f64, n x n, row-major) and their manifest.json into that folder, and runs this
script itself when /usr/bin/python3 has scipy; otherwise run it by hand and commit the JSON. The
bench uses a timing only when the file's SHA-1 matches and the total cost equals its WASM solver's.
"""
import datetime
import hashlib
import json
import os
import platform
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

SLOW_S = 5.0


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def measure(cost, maximize):
    """Median seconds; the first (checked) solve is the warm-up, or the only timing when slow."""
    t0 = time.perf_counter()
    rows, cols = linear_sum_assignment(cost, maximize=maximize)
    first = time.perf_counter() - t0
    n = cost.shape[0]
    assert len(rows) == n and np.array_equal(rows, np.arange(n)) and len(set(cols.tolist())) == n
    total = 0.0
    for i in range(n):  # row order, as the other solvers sum it
        total += float(cost[i, cols[i]])
    if first > SLOW_S:
        return first, 1, total
    # Fast cells get about 0.2 s of repetitions, as in the JS bench.
    reps = 3 if first > 1 else 5 if first > 0.05 else max(9, min(101, int(0.2 / max(first, 1e-4)) | 1))
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        linear_sum_assignment(cost, maximize=maximize)
        samples.append(time.perf_counter() - t0)
    return float(np.median(samples)), reps, total


def main():
    args = sys.argv[1:]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lsa-scipy.json')
    if '--out' in args:
        k = args.index('--out')
        out = args[k + 1]
        del args[k:k + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    folder = args[0]
    with open(os.path.join(folder, 'manifest.json')) as f:
        manifest = json.load(f)
    load = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M')
    results = []
    for m in manifest:
        n = m['n']
        with open(os.path.join(folder, m['file']), 'rb') as f:
            raw = f.read()
        cost = np.frombuffer(raw, dtype='<f8').reshape(n, n)
        seconds, reps, total = measure(cost, m['maximize'])
        results.append({
            'file': m['file'], 'sha1': hashlib.sha1(raw).hexdigest(), 'n': n, 'kind': m['kind'],
            'maximize': m['maximize'], 'ms': round(seconds * 1e3, 4), 'reps': reps, 'cost': total,
        })
        print(f"{m['file']}: {seconds * 1e3:.3f} ms ({reps} reps)", file=sys.stderr)
    data = {
        'measured': started, 'load': load, 'cpu': cpu_model(), 'cores': os.cpu_count(),
        'python': platform.python_version(), 'scipy': scipy.__version__, 'numpy': np.__version__,
        'results': results,
    }
    with open(out, 'w') as f:
        json.dump(data, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
