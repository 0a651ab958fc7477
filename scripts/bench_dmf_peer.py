#!/usr/bin/env python3
"""The deep matrix completion step of Arora, Cohen, Hu & Luo's code, written
the natural way in PyTorch (their main.py: the end-to-end product, the mean
squared error over the observed entries, backward, an optimizer step), for
scripts/bench-dmf-peers.sh. float64 like overparam; GD (torch.optim.SGD), so
the optimizer's own cost is the least. Prints: torch N DEPTH M THREADS
US_PER_STEP (the fastest of 5 chunks of STEPS steps, after a warm-up).
usage: bench_dmf_peer.py STEPS THREADS"""
import sys
import time

import torch

steps, threads = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
n, m, depth = 100, 2000, 3
torch.manual_seed(1)
dt = torch.float64
idx = torch.randperm(n * n)[:m]
us, vs = idx // n, idx % n
y = torch.randn(m, dtype=dt)
scale = 1e-3 ** (1.0 / depth) / n ** 0.5
Ws = [torch.nn.Parameter(torch.randn(n, n, dtype=dt) * scale) for _ in range(depth)]
opt = torch.optim.SGD(Ws, lr=1e-3)


def step():
    e = Ws[0]
    for W in Ws[1:]:
        e = W @ e
    loss = (e[us, vs] - y).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(max(50, steps // 10)):
    step()
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    for _ in range(steps):
        step()
    best = min(best, (time.perf_counter() - t) / steps)
print("# torch %s: %d threads (torch.get_num_threads)" % (torch.__version__, torch.get_num_threads()))
print("torch %d %d %d %d %.2f" % (n, depth, m, threads, best * 1e6))
