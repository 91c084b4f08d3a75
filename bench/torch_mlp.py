#!/usr/bin/env python3
"""PyTorch CPU column of bench/train.bench.mjs: MLP 784-512-512-10 on Fashion-MNIST, `--threads` threads (1).

Trains `--epochs` epochs (batch 128, SGD lr 0.05 momentum 0.9, shuffled each epoch), timing each
epoch separately, and evaluates the 10,000 test images `--eval-reps` times (batches of 1000,
no_grad, per-sample cross-entropy and argmax), timing each pass. Prints one JSON line:
{"torch": version, "train_s": [...], "eval_s": [...], "accuracy": test accuracy after epoch 1}.
Run by hand: python3 bench/torch_mlp.py --dir /usr/share/datasets/fashion-mnist
"""
import argparse
import gzip
import json
import struct
import time

import torch
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load(directory, split):
    prefix = 'train' if split == 'train' else 't10k'
    x = read_idx(f'{directory}/{prefix}-images-idx3-ubyte.gz').reshape(-1, 784).float().div_(255.0)
    y = read_idx(f'{directory}/{prefix}-labels-idx1-ubyte.gz').long()
    return x, y


def evaluate(model, x, y, batch):
    correct = 0
    loss_sum = 0.0
    with torch.no_grad():
        for start in range(0, x.shape[0], batch):
            logits = model(x[start:start + batch])
            labels = y[start:start + batch]
            loss_sum += F.cross_entropy(logits, labels, reduction='none').double().sum().item()
            correct += (logits.argmax(1) == labels).sum().item()
    return loss_sum / x.shape[0], correct / x.shape[0]


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if 'CPU capability usage:' in line:
            return line.split(':', 1)[1].strip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--eval-reps', type=int, default=5)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--eval-batch', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--train-samples', type=int, default=0, help='train on the first n images (0: all)')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr, ytr = load(args.dir, 'train')
    xte, yte = load(args.dir, 'test')
    if args.train_samples:
        xtr, ytr = xtr[:args.train_samples], ytr[:args.train_samples]
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(args.seed)
    n = xtr.shape[0]
    train_s, eval_s = [], []
    accuracy = None
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(n, generator=g)
        model.train()
        for start in range(0, n, args.batch):
            idx = order[start:start + args.batch]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        train_s.append(time.perf_counter() - t0)
        if epoch == 0:
            model.eval()
            accuracy = evaluate(model, xte, yte, args.eval_batch)[1]
    model.eval()
    evaluate(model, xte, yte, args.eval_batch)  # warm-up
    for _ in range(args.eval_reps):
        t0 = time.perf_counter()
        evaluate(model, xte, yte, args.eval_batch)
        eval_s.append(time.perf_counter() - t0)
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'capability': cpu_capability(),
        'train_s': train_s,
        'eval_s': eval_s,
        'accuracy': accuracy,
    }))


if __name__ == '__main__':
    main()
