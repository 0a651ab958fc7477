#!/usr/bin/env python3
"""Reference values for tests/test_optim.c, written independently of the C
code from TensorFlow 1.x's documented update rules (training_ops kernels):
two parameters, three steps with fixed gradients, weight decay 0.1 added to
the gradient (coupled L2). Run: python3 tests/ref/optim_ref.py"""
import math

W0 = [1.0, -2.0]
GRADS = [[0.5, 0.25], [-0.25, 1.0], [0.125, -0.5]]
WD = 0.1
LR = 0.1


def run(step):
    w = list(W0)
    state = {}
    for t, g in enumerate(GRADS, start=1):
        g = [gi + WD * wi for gi, wi in zip(g, w)]
        w = step(w, g, state, t)
    return w


def gd(w, g, s, t):
    return [wi - LR * gi for wi, gi in zip(w, g)]


def momentum(w, g, s, t, mu=0.9, nesterov=False):
    a = s.get("a", [0.0, 0.0])
    a = [mu * ai + gi for ai, gi in zip(a, g)]
    s["a"] = a
    if nesterov:
        return [wi - LR * (gi + mu * ai) for wi, gi, ai in zip(w, g, a)]
    return [wi - LR * ai for wi, ai in zip(w, a)]


def adagrad(w, g, s, t, a0=0.1):
    a = s.get("a", [a0, a0])
    a = [ai + gi * gi for ai, gi in zip(a, g)]
    s["a"] = a
    return [wi - LR * gi / math.sqrt(ai) for wi, gi, ai in zip(w, g, a)]


def adadelta(w, g, s, t, rho=0.95, eps=1e-8):
    a = s.get("a", [0.0, 0.0])
    b = s.get("b", [0.0, 0.0])
    out = []
    for i in range(2):
        a[i] = rho * a[i] + (1 - rho) * g[i] ** 2
        u = math.sqrt(b[i] + eps) / math.sqrt(a[i] + eps) * g[i]
        b[i] = rho * b[i] + (1 - rho) * u * u
        out.append(w[i] - LR * u)
    s["a"], s["b"] = a, b
    return out


def rmsprop(w, g, s, t, rho=0.9, mu=0.0, eps=1e-10):
    a = s.get("a", [1.0, 1.0])
    b = s.get("b", [0.0, 0.0])
    out = []
    for i in range(2):
        a[i] = rho * a[i] + (1 - rho) * g[i] ** 2
        b[i] = mu * b[i] + LR * g[i] / math.sqrt(a[i] + eps)
        out.append(w[i] - b[i])
    s["a"], s["b"] = a, b
    return out


def adam(w, g, s, t, b1=0.9, b2=0.999, eps=1e-8):
    m = s.get("m", [0.0, 0.0])
    v = s.get("v", [0.0, 0.0])
    lr_t = LR * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    out = []
    for i in range(2):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
        out.append(w[i] - lr_t * m[i] / (math.sqrt(v[i]) + eps))
    s["m"], s["v"] = m, v
    return out


def group_rmsprop(w, g, s, t, alpha=0.99, eps=1e-4):
    """Arora, Cohen, Hu & Luo's GroupRMSprop (their opt.py): one scalar
    running mean of the whole gradient's squared norm, bias-corrected."""
    sq = s.get("sq", 0.0) * alpha + (1 - alpha) * sum(gi * gi for gi in g)
    s["sq"] = sq
    rate = LR / (math.sqrt(sq / (1 - alpha ** t)) + eps)
    return [wi - rate * gi for wi, gi in zip(w, g)]


for name, fn in [("gd", gd), ("momentum", momentum),
                 ("nesterov", lambda w, g, s, t: momentum(w, g, s, t, nesterov=True)),
                 ("adagrad", adagrad), ("adadelta", adadelta),
                 ("rmsprop", rmsprop), ("adam", adam),
                 ("group_rmsprop", group_rmsprop)]:
    w = run(fn)
    print('\t{"%s", {%.17g, %.17g}},' % (name, w[0], w[1]))
