#!/usr/bin/env python3
"""The training step of overparam written the natural way in NumPy and in
PyTorch: l4 loss on data of the Ethanol problem's shape (m = 2565, d = 128,
float64), gradient descent on every layer: depth 3 with hidden width 100
and 1, depth 1, and 32 depth-1 models as one (32, d) matrix (a grid of
learning rates stepped together, as overparam batches grid points).

Fairness: the thread count is pinned before either library loads (the
OMP/OPENBLAS/MKL variables; torch.set_num_threads) and what each library
then uses is printed; every case is warmed up, timed in 5 chunks and the
fastest chunk kept; and beside each step the sum of its operations timed
one by one is printed, so a step far slower than its parts (a sign of
thread trouble or of denormals, not of the library) shows.

Prints one line per case:
  peer depth width threads batch us_per_step_per_model us_ops_per_model
and '#' lines with each library's thread settings.
usage: bench_peers.py STEPS THREADS"""
import os
import sys

steps = int(sys.argv[1])
threads = int(sys.argv[2])
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)
import resource  # noqa: E402
import time  # noqa: E402

m, d, lr, chunks = 2565, 128, 1e-6, 5


def fastest(step, n):
    """Seconds per call of step: warm-up, then the fastest of `chunks`
    chunks of n // chunks calls."""
    per_chunk = max(n // chunks, 1)
    for _ in range(max(n // 10, 1)):
        step()
    best = float("inf")
    for _ in range(chunks):
        t0 = time.perf_counter()
        for _ in range(per_chunk):
            step()
        best = min(best, (time.perf_counter() - t0) / per_chunk)
    return best


def faults(step, n=50):
    """Page faults and system seconds per call of step (minor faults: fresh
    pages mapped in; what a step whose temporaries malloc returns to the
    system and maps back in pays each time, and its parts timed one by one
    do not)."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(n):
        step()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_minflt - before.ru_minflt) / n, (after.ru_stime - before.ru_stime) / n


def report(peer, depth, width, batch, step, step_s, ops_s):
    flt, sys_s = faults(step)
    print("%s %d %d %d %d %.2f %.2f %.0f %.2f" % (peer, depth, width, threads, batch, step_s / batch * 1e6,
                                                  ops_s / batch * 1e6, flt, sys_s / batch * 1e6), flush=True)


def numpy_cases():
    import numpy as np
    try:
        import threadpoolctl
        pools = threadpoolctl.threadpool_info()
        print("# numpy %s: %s" % (np.__version__, ", ".join(
            "%s %s threads" % (p.get("internal_api"), p.get("num_threads")) for p in pools)))
    except ImportError:
        print("# numpy %s: threadpoolctl missing; OPENBLAS_NUM_THREADS=%s OMP_NUM_THREADS=%s set before import"
              % (np.__version__, os.environ["OPENBLAS_NUM_THREADS"], os.environ["OMP_NUM_THREADS"]))
    rng = np.random.default_rng(1)
    X = rng.standard_normal((m, d))
    y = rng.standard_normal((m, 1))
    for depth, width, batch in ((3, 100, 1), (3, 1, 1), (1, 1, 1), (1, 1, 32)):
        if depth == 1:
            W = 0.1 * rng.standard_normal((batch, d))
            ops = [lambda: X @ W.T]
            yhat = ops[0]()
            r = yhat - y
            g = r ** 3 / m
            ops += [lambda: yhat - y, lambda: np.mean(r ** 4, axis=0), lambda: r ** 3 / m,
                    lambda: g.T @ X]

            def step(W=W):
                r = X @ W.T - y
                loss = np.mean(r ** 4, axis=0) / 4
                W -= lr * ((r ** 3 / m).T @ X)
                return loss
        else:
            Ws = [0.1 * rng.standard_normal((width, d)), 0.1 * rng.standard_normal((width, width)),
                  0.1 * rng.standard_normal((1, width))]
            h1 = X @ Ws[0].T
            h2 = h1 @ Ws[1].T
            r = h2 @ Ws[2].T - y
            g = r ** 3 / m
            g2h = g @ Ws[2]
            g1h = g2h @ Ws[1]
            ops = [lambda: X @ Ws[0].T, lambda: h1 @ Ws[1].T, lambda: h2 @ Ws[2].T,
                   lambda: np.mean(r ** 4), lambda: r ** 3 / m, lambda: g.T @ h2,
                   lambda: g @ Ws[2], lambda: g2h.T @ h1, lambda: g2h @ Ws[1],
                   lambda: g1h.T @ X]

            def step(Ws=Ws):
                h1 = X @ Ws[0].T
                h2 = h1 @ Ws[1].T
                r = h2 @ Ws[2].T - y
                loss = np.mean(r ** 4) / 4
                g = r ** 3 / m
                g3 = g.T @ h2
                g2h = g @ Ws[2]
                g2 = g2h.T @ h1
                g1 = (g2h @ Ws[1]).T @ X
                for W, G in zip(Ws, (g1, g2, g3)):
                    W -= lr * G
                return loss
        ops_s = sum(fastest(op, steps) for op in ops)
        report("numpy", depth, width, batch, step, fastest(step, steps), ops_s)


def torch_cases():
    import torch
    torch.set_num_threads(threads)
    print("# torch %s: %d threads (torch.get_num_threads), %d interop" %
          (torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads()))
    torch.manual_seed(1)
    X = torch.randn(m, d, dtype=torch.float64)
    y = torch.randn(m, 1, dtype=torch.float64)
    for depth, width, batch in ((3, 100, 1), (3, 1, 1), (1, 1, 1), (1, 1, 32)):
        if depth == 1:
            layers = [torch.nn.Linear(d, batch, bias=False)]
        else:
            layers = [torch.nn.Linear(d, width, bias=False), torch.nn.Linear(width, width, bias=False),
                      torch.nn.Linear(width, 1, bias=False)]
        model = torch.nn.Sequential(*layers).double()
        opt = torch.optim.SGD(model.parameters(), lr=lr)

        def forward():
            return ((model(X) - y) ** 4).mean(dim=0).sum() / 4

        def step():
            opt.zero_grad()
            forward().backward()
            opt.step()

        def backward():
            opt.zero_grad()
            loss = forward()
            t0 = time.perf_counter()
            loss.backward()
            return time.perf_counter() - t0

        # the parts: the forward pass with the loss, the backward pass alone
        # (timed inside, after its own forward), the update
        fwd = fastest(forward, steps)
        bwd = min(backward() for _ in range(max(steps // chunks, 1)))
        upd = fastest(opt.step, steps)
        report("torch", depth, width, batch, step, fastest(step, steps), fwd + bwd + upd)


try:
    numpy_cases()
except ImportError:
    print("numpy missing", file=sys.stderr)
try:
    torch_cases()
except ImportError:
    print("torch missing", file=sys.stderr)
