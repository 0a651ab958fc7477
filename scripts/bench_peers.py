#!/usr/bin/env python3
"""The training step of overparam written the natural way in NumPy and in
PyTorch: l4 loss on data of the Ethanol problem's shape (m = 2565, d = 128,
float64), gradient descent on every layer of a depth-3 linear network with
hidden width 100 or 1. Prints microseconds per step, one line per case:
  peer depth width threads us_per_step
usage: bench_peers.py STEPS THREADS"""
import sys
import time

steps = int(sys.argv[1])
threads = int(sys.argv[2])
m, d = 2565, 128


def report(peer, width, seconds):
    print("%s 3 %d %d %.2f" % (peer, width, threads, seconds / steps * 1e6), flush=True)


def numpy_case(width):
    import numpy as np
    rng = np.random.default_rng(1)
    X = rng.standard_normal((m, d))
    y = rng.standard_normal((m, 1))
    Ws = [0.1 * rng.standard_normal((width, d)), 0.1 * rng.standard_normal((width, width)),
          0.1 * rng.standard_normal((1, width))]
    lr = 1e-6

    def step():
        # forward through every layer, keep activations
        h1 = X @ Ws[0].T
        h2 = h1 @ Ws[1].T
        out = h2 @ Ws[2].T
        r = out - y
        loss = np.mean(r ** 4) / 4
        g = r ** 3 / m  # dL/dout
        g3 = g.T @ h2
        g2h = g @ Ws[2]
        g2 = g2h.T @ h1
        g1h = g2h @ Ws[1]
        g1 = g1h.T @ X
        for W, G in zip(Ws, (g1, g2, g3)):
            W -= lr * G
        return loss

    for _ in range(max(steps // 10, 1)):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    report("numpy", width, time.perf_counter() - t0)


def torch_case(width):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    X = torch.randn(m, d, dtype=torch.float64)
    y = torch.randn(m, 1, dtype=torch.float64)
    model = torch.nn.Sequential(torch.nn.Linear(d, width, bias=False),
                                torch.nn.Linear(width, width, bias=False),
                                torch.nn.Linear(width, 1, bias=False)).double()
    opt = torch.optim.SGD(model.parameters(), lr=1e-6)

    def step():
        opt.zero_grad()
        loss = ((model(X) - y) ** 4).mean() / 4
        loss.backward()
        opt.step()

    for _ in range(max(steps // 10, 1)):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    report("torch", width, time.perf_counter() - t0)


for width in (100, 1):
    try:
        numpy_case(width)
    except ImportError:
        print("numpy missing", file=sys.stderr)
    try:
        torch_case(width)
    except ImportError:
        print("torch missing", file=sys.stderr)
