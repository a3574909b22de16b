"""Vectorized NumPy reference for benches/simulate.rs: linearized SGD x_{k+1} = (I - gamma H_B) x_k,
all R trials advanced together as an (R, d) array, renormalized every step (log-norm accumulated,
as the Rust code does to stay finite).

Sampling: with replacement (rng.integers), the cheapest vectorized draw; without replacement
uses argpartition of an (R, N) uniform array (Gumbel-top-k style), which is exact but O(R N) per
step. Prints trial-steps per second, median of several rounds.

    python3 benches/simulate_numpy.py
"""
import time

import numpy as np


def run_dense(H, gamma, B, R, K, rng, without):
    N, d, _ = H.shape
    X = rng.standard_normal((R, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    lognorm = np.zeros(R)
    for _ in range(K):
        idx = (np.argpartition(rng.random((R, N)), B, axis=1)[:, :B] if without
               else rng.integers(0, N, size=(R, B)))
        HB = H[idx].mean(axis=1)                      # (R, d, d)
        X = X - gamma * np.einsum("rij,rj->ri", HB, X)
        n = np.linalg.norm(X, axis=1)
        lognorm += np.log(n)
        X /= n[:, None]
    return lognorm


def run_rank_one(G, gamma, B, R, K, rng, without):
    N, d = G.shape
    X = rng.standard_normal((R, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    lognorm = np.zeros(R)
    for _ in range(K):
        idx = (np.argpartition(rng.random((R, N)), B, axis=1)[:, :B] if without
               else rng.integers(0, N, size=(R, B)))
        Gb = G[idx]                                    # (R, B, d)
        dots = np.einsum("rbj,rj->rb", Gb, X)
        X = X - (gamma / B) * np.einsum("rbj,rb->rj", Gb, dots)
        n = np.linalg.norm(X, axis=1)
        lognorm += np.log(n)
        X /= n[:, None]
    return lognorm


def bench(name, fn, data, gamma, B, R, K, without, rounds=5):
    rng = np.random.default_rng(7)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn(data, gamma, B, R, K, rng, without)
        times.append(time.perf_counter() - t)
    med = float(np.median(times))
    print(f"{name:45s} {'without' if without else 'with'}_replacement  "
          f"median {med * 1e3:9.2f} ms  {R * K / med:12.4g} trial-steps/s")


def main():
    rng = np.random.default_rng(1)
    g = rng.uniform(-1, 1, size=(100, 10, 3))
    H = np.einsum("nik,njk->nij", g, g)
    G = rng.uniform(-1, 1, size=(10_000, 1000)) / 18.0
    for without in (False, True):
        bench("dense d=10 N=100 B=10 (R=1000, K=100)", run_dense, H, 0.1, 10, 1000, 100, without)
        bench("rank-one d=1000 N=10000 B=32 (R=64, K=50)", run_rank_one, G, 0.5, 32, 64, 50,
              without)


if __name__ == "__main__":
    main()
