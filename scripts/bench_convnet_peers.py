#!/usr/bin/env python3
"""Figure 5 (right)'s training step written the natural way in PyTorch on
CPU: the TensorFlow tutorial's convnet (conv 5x5x32 SAME, ReLU, maxpool 2,
conv 5x5x64, ReLU, maxpool 2, dense 512, ReLU, dropout 0.5, dense 10),
softmax cross-entropy + 5e-4 * L2 of the dense layers (on the end-to-end
products when overparameterized), momentum 0.9; batch 64 of synthetic
pixels. Prints milliseconds per step, one line per case:
  torch PRECISION DENSE THREADS ms_per_step
usage: bench_convnet_peers.py STEPS THREADS"""
import sys
import time

import torch
import torch.nn.functional as F

steps = int(sys.argv[1])
threads = int(sys.argv[2])
torch.set_num_threads(threads)
B = 64


def trunc(*shape, dtype):
    w = torch.empty(*shape, dtype=dtype)
    torch.nn.init.trunc_normal_(w, std=0.1, a=-0.2, b=0.2)
    return w.requires_grad_()


def case(dtype, overparam):
    g = torch.Generator().manual_seed(1)
    x = ((torch.randint(0, 256, (B, 1, 28, 28), generator=g).to(dtype)) - 127.5) / 255
    y = torch.randint(0, 10, (B,), generator=g)
    c1w, c2w = trunc(32, 1, 5, 5, dtype=dtype), trunc(64, 32, 5, 5, dtype=dtype)
    c1b = torch.zeros(32, dtype=dtype, requires_grad=True)
    c2b = torch.full((64,), 0.1, dtype=dtype, requires_grad=True)
    w1a, w2a = trunc(3136, 512, dtype=dtype), trunc(512, 10, dtype=dtype)
    b1 = torch.full((512,), 0.1, dtype=dtype, requires_grad=True)
    b2 = torch.full((10,), 0.1, dtype=dtype, requires_grad=True)
    params = [c1w, c1b, c2w, c2b, w1a, b1, w2a, b2]
    if overparam:
        w1b, w2b = trunc(512, 512, dtype=dtype), trunc(10, 10, dtype=dtype)
        params += [w1b, w2b]
    opt = torch.optim.SGD(params, lr=1e-4, momentum=0.9)

    def step():
        h = F.max_pool2d(F.relu(F.conv2d(x, c1w, c1b, padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, c2w, c2b, padding=2)), 2)
        h = h.permute(0, 2, 3, 1).reshape(B, 3136)  # (h, w, c) order
        if overparam:
            h = F.relu((h @ w1a) @ w1b + b1)
            h = F.dropout(h, 0.5, training=True)
            logits = (h @ w2a) @ w2b + b2
            e1, e2 = w1a @ w1b, w2a @ w2b
        else:
            h = F.dropout(F.relu(h @ w1a + b1), 0.5, training=True)
            logits = h @ w2a + b2
            e1, e2 = w1a, w2a
        l2 = (e1.square().sum() + b1.square().sum() + e2.square().sum() + b2.square().sum()) / 2
        loss = F.cross_entropy(logits, y) + 5e-4 * l2
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    per = (time.perf_counter() - t0) / steps
    name = "float32" if dtype == torch.float32 else "float64"
    print("torch %s %s %d %.2f" % (name, "product" if overparam else "single", threads, per * 1e3),
          flush=True)


for dtype in (torch.float32, torch.float64):
    for overparam in (False, True):
        case(dtype, overparam)
