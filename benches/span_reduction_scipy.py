"""NumPy/SciPy reference for the real-scale benchmark (benches/real_scale.sh): every criterion
and the exact critical learning rate gamma*_exact of an over-parameterized minimum, computed in
the span of the per-sample gradients, as a careful SciPy user would write it.

Input: an N x P .npy of per-sample output gradients g_i (H_i = g_i g_i^T), float32 or float64.
Route (the same mathematics as sgd-stability, independently written):
  K = G G^T (N x N), K = V diag(mu) V^T; keep mu > 1e-10 max(mu); reduced gradients
  Gt = V_r diag(sqrt(mu_r)) (N x r), H~ = diag(lam), lam = mu_r / N.
  GD: 2/lam_max. Theorem 3.5: 2/sum(lam). Theorem 3.3: A = H~^2 + c Sigma~,
  Sigma~ = Gt^T diag(|g~_i|^2) Gt / N - H~^2, gamma*_3.3 = 2/lambda_max(Lam^-1/2 A Lam^-1/2).
  Exact (Mulayoff & Michaeli): gamma* = 2/lambda_max(C^-1/2 D C^-1/2) on Sym(r), with
  C(X) = (Lam X + X Lam)/2 and D(X) = (1-c) Lam X Lam + c/N sum_i (g~_i^T X g~_i) g~_i g~_i^T,
  by scipy.sparse.linalg.eigsh on a LinearOperator (ARPACK), X symmetrized.
  rho(L_gamma): 1 exactly when gamma < gamma* and r < P (the null space); otherwise eigsh on
  L(X) = (I - gamma Lam) X (I - gamma Lam) + gamma^2 c (mean (g~^T X g~) g~ g~^T - Lam X Lam).

    python3 benches/span_reduction_scipy.py G.npy GAMMA B [B ...]    # one line per B
    (B = "32": without replacement; "w32": with replacement)
Prints, per B: the critical learning rates, rho, and the wall time (load excluded; printed
separately).
"""
import sys
import time

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, eigsh


def batch_factor(n, b, with_replacement=False):
    if with_replacement:
        return 1.0 / b
    return 0.0 if b == n else (n - b) / (b * (n - 1))


def reduce(G):
    n = G.shape[0]
    K = G @ G.T
    mu, V = scipy.linalg.eigh(K)
    keep = mu > 1e-10 * mu.max()
    mu, V = mu[keep], V[:, keep]
    Gt = V * np.sqrt(mu)
    return Gt, mu / n


def top(op_matvec, r, tol=1e-11):
    def mv(x):
        X = x.reshape(r, r)
        X = 0.5 * (X + X.T)
        return op_matvec(X).ravel()
    op = LinearOperator((r * r, r * r), matvec=mv, dtype=np.float64)
    v0 = np.eye(r).ravel()
    return eigsh(op, k=1, which="LA", v0=v0, tol=tol, maxiter=20000)[0][0]


def criteria(Gt, lam, p, gamma, token):
    n, r = Gt.shape
    w = token.startswith("w")
    b = int(token.lstrip("w"))
    c = batch_factor(n, b, w)
    out = {"sampling": "with" if w else "without", "B": b, "c": c, "r": r}
    out["gamma_gd"] = 2.0 / lam.max()
    out["gamma_thm35"] = 2.0 / lam.sum()
    norms = np.einsum("ij,ij->i", Gt, Gt)
    sigma = (Gt.T * norms) @ Gt / n - np.diag(lam ** 2)
    A = np.diag(lam ** 2) + c * sigma
    s = 1.0 / np.sqrt(lam)
    out["gamma_thm33"] = 2.0 / scipy.linalg.eigh(s[:, None] * A * s[None, :], eigvals_only=True)[-1]
    if c == 0.0:
        gstar = 2.0 / lam.max()
    else:
        S = 1.0 / np.sqrt(0.5 * (lam[:, None] + lam[None, :]))

        def dmv(X):
            Y = S * X
            w = np.einsum("ij,ij->i", Gt @ Y, Gt)
            Z = (1.0 - c) * lam[:, None] * Y * lam[None, :] + c / n * (Gt.T * w) @ Gt
            return S * Z

        gstar = 2.0 / top(dmv, r)
    out["gamma_exact"] = gstar
    if gamma < gstar and r < p:
        out["rho"] = 1.0
    elif c == 0.0:
        out["rho"] = float(np.max((1.0 - gamma * lam) ** 2))
    else:
        m = 1.0 - gamma * lam

        def lmv(X):
            w = np.einsum("ij,ij->i", Gt @ X, Gt)
            return (m[:, None] * X * m[None, :]
                    + gamma ** 2 * c * ((Gt.T * w) @ Gt / n - lam[:, None] * X * lam[None, :]))

        out["rho"] = top(lmv, r)
    return out


def main():
    path, gamma = sys.argv[1], float(sys.argv[2])
    bs = sys.argv[3:] or ["1"]  # "32": without replacement, "w32": with replacement
    t0 = time.perf_counter()
    G = np.load(path).astype(np.float64)
    t1 = time.perf_counter()
    Gt, lam = reduce(G)
    p = G.shape[1]
    del G
    t2 = time.perf_counter()
    print(f"load {t1 - t0:.3f} s, reduce (Gram + eigh) {t2 - t1:.3f} s, N = {Gt.shape[0]}, P = {p}, r = {Gt.shape[1]}")
    for b in bs:
        t = time.perf_counter()
        o = criteria(Gt, lam, p, gamma, b)
        o["seconds"] = time.perf_counter() - t
        print(" ".join(f"{k}={v:.12g}" if isinstance(v, float) else f"{k}={v}" for k, v in o.items()))
    print(f"total {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
