"""NumPy/SciPy reference for benches/mean_square.rs: the exact critical learning rate
gamma* = 2 / lambda_max(C^+ D) of Mulayoff & Michaeli (COLT 2024), formed densely on the
d^2-dimensional Kronecker space:

    C = (H (x) I + I (x) H) / 2,    D = (1 - c) H (x) H + c * mean_i H_i (x) H_i,

then scipy.linalg.eigvals(D, C) (QZ, the general generalized eigenproblem). As a stronger
reference we also time scipy.linalg.eigh(D, C, eigvals_only=True) (C and D are symmetric and
C is positive definite when H is), which exploits the structure.

The instances are defined by integer formulas so that Rust builds the same numbers
(benches/mean_square.rs, fn grad / fn dense_factor):

    rank-one:  g_i[j] = (((i * 7919 + j * 104729) % 1000) / 1000 - 0.5) / sqrt(d), H_i = g_i g_i^T
    dense:     H_i = G_i G_i^T / 3, G_i[j, k] = grad(i * 3 + k, j)

Sampling without replacement, B = 4: c = (N - B) / (B (N - 1)).
Prints gamma* and the median time over `rounds`.

    python3 benches/mean_square_scipy.py [rounds]     # default 3
    python3 benches/mean_square_scipy.py 3 fast       # skips the rank-one QZ (about 5 min a run)
    python3 benches/mean_square_scipy.py 1 d200       # d = 200: prints the memory it would need
"""
import os
import sys
import time

import numpy as np
import scipy.linalg


def grad(i, d):
    j = np.arange(d)
    return (((i * 7919 + j * 104729) % 1000) / 1000.0 - 0.5) / np.sqrt(d)


def rank_one(n, d):
    return np.stack([grad(i, d) for i in range(n)])        # (N, d)


def dense(n, d):
    hs = []
    for i in range(n):
        g = np.stack([grad(i * 3 + k, d) for k in range(3)], axis=1)  # (d, 3)
        hs.append(g @ g.T / 3.0)
    return np.stack(hs)                                     # (N, d, d)


def batch_factor(n, b):
    return (n - b) / (b * (n - 1))


def gamma_star_from_gradients(G, c, solver):
    n, d = G.shape
    H = G.T @ G / n
    eye = np.eye(d)
    C = 0.5 * (np.kron(H, eye) + np.kron(eye, H))
    # mean_i (g g^T) (x) (g g^T) = mean_i kron(g, g) kron(g, g)^T
    V = np.einsum("ni,nj->nij", G, G).reshape(n, d * d)
    D = (1.0 - c) * np.kron(H, H) + c * (V.T @ V) / n
    return 2.0 / top(D, C, solver)


def gamma_star_from_hessians(Hs, c, solver):
    n, d, _ = Hs.shape
    H = Hs.mean(axis=0)
    eye = np.eye(d)
    C = 0.5 * (np.kron(H, eye) + np.kron(eye, H))
    D = (1.0 - c) * np.kron(H, H)
    for Hi in Hs:
        D += (c / n) * np.kron(Hi, Hi)
    return 2.0 / top(D, C, solver)


def top(D, C, solver):
    if solver == "eig":
        w = scipy.linalg.eigvals(D, C)
        w = w[np.isfinite(w)]
        return np.max(w.real)
    return scipy.linalg.eigh(D, C, eigvals_only=True)[-1]


def bench(name, fn, data, c, solver, rounds):
    times, g = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        g = fn(data, c, solver)
        times.append(time.perf_counter() - t)
    print(f"{name:28s} {solver:5s} gamma* = {g:.15g}   median {np.median(times):.3f} s "
          f"(rounds: {', '.join(f'{x:.3f}' for x in times)})", flush=True)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if len(sys.argv) > 2 and sys.argv[2] == "d200":
        n, d = 1000, 200
        need = 4 * (d * d) ** 2 * 8 / 1e9
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
        print(f"d = 200: the Kronecker matrices are {d*d} x {d*d} ({(d*d)**2*8/1e9:.1f} GB each); "
              f"C, D and the solver's copies need about {need:.0f} GB, this machine has "
              f"{have:.0f} GB", flush=True)
        if need > have and "--force" not in sys.argv:
            print("not attempted (pass --force to try anyway)")
            return
        bench("rank_one_d200_n1000", gamma_star_from_gradients, rank_one(n, d),
              batch_factor(n, 4), "eigh", 1)
        return
    fast = len(sys.argv) > 2 and sys.argv[2] == "fast"
    G = rank_one(1000, 50)
    Hs = dense(200, 30)
    for solver in ("eig", "eigh"):
        if not (fast and solver == "eig"):
            bench("rank_one_d50_n1000_b4", gamma_star_from_gradients, G, batch_factor(1000, 4),
                  solver, rounds)
        bench("dense_d30_n200_b4", gamma_star_from_hessians, Hs, batch_factor(200, 4),
              solver, rounds)


if __name__ == "__main__":
    main()
