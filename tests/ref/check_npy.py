#!/usr/bin/env python3
"""Independent reader of overparam's .npy weight files (no NumPy): parses
the v1.0 header and the little-endian float64 data by hand, multiplies the
layers W_N ... W_1 of a run's final weights in plain Python and checks that
||W_e||_F equals the we_norm of the run CSV's last row to 1e-12 relative.
usage: check_npy.py RUN_WEIGHTS_DIR RUN_CSV"""
import ast
import glob
import math
import os
import struct
import sys


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x93NUMPY\x01\x00", path + ": bad magic"
    hlen = struct.unpack("<H", data[8:10])[0]
    assert (10 + hlen) % 64 == 0, path + ": data not 64-byte aligned"
    header = ast.literal_eval(data[10:10 + hlen].decode("latin1"))
    assert header["descr"] == "<f8" and header["fortran_order"] is False, header
    rows, cols = header["shape"]
    values = struct.unpack("<%dd" % (rows * cols), data[10 + hlen:])
    return [list(values[r * cols:(r + 1) * cols]) for r in range(rows)]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def main():
    wdir, csv = sys.argv[1], sys.argv[2]
    final = os.path.join(wdir, "final")
    if os.path.exists(os.path.join(final, "We.npy")):
        we = read_npy(os.path.join(final, "We.npy"))
    else:
        n = len(glob.glob(os.path.join(final, "W*.npy")))
        we = read_npy(os.path.join(final, "W1.npy"))
        for j in range(2, n + 1):
            we = matmul(read_npy(os.path.join(final, "W%d.npy" % j)), we)
    norm = math.sqrt(sum(x * x for row in we for x in row))
    with open(csv) as f:
        last = f.read().strip().splitlines()[-1].split(",")
    want = float(last[2])
    rel = abs(norm - want) / want
    print("check_npy: ||W_e|| from .npy %.17g, CSV %.17g, relative difference %.2e" % (norm, want, rel))
    sys.exit(0 if rel < 1e-12 else 1)


main()
