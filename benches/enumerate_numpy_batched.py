"""Batched NumPy reference, as a careful NumPy user would write it: the C(N,B) subsets as an index
array, the batch sums S_B by one gather-and-sum per block, M_B = I - gamma S_B / B stacked, and
one batched matmul (M_B @ M_B) per block, summed. Reads benches/data/n20_b10_d10.json and checks
the result against the Rust one to 1e-10.

    python3 benches/enumerate_numpy_batched.py [rounds]
"""
import itertools
import json
import pathlib
import sys
import time

import numpy as np

DATA = pathlib.Path(__file__).parent / "data"
BLOCK = 8192


def second_moment(h, b, gamma):
    n, d, _ = h.shape
    subsets = np.array(list(itertools.combinations(range(n), b)), dtype=np.intp)
    eye = np.eye(d)
    acc = np.zeros((d, d))
    for start in range(0, len(subsets), BLOCK):
        idx = subsets[start:start + BLOCK]
        m = eye - (gamma / b) * h[idx].sum(axis=1)  # (block, d, d)
        acc += np.matmul(m, m).sum(axis=0)
    return acc / len(subsets)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    inst = json.loads((DATA / "n20_b10_d10.json").read_text())
    h = np.array(inst["hessians"], dtype=np.float64)
    b, gamma = inst["batch_size"], inst["gamma"]
    want = np.array(json.loads((DATA / "n20_b10_d10.second_moment.json").read_text())["second_moment"])
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        got = second_moment(h, b, gamma)
        times.append(time.perf_counter() - t)
    err = np.abs(got - want).max()
    assert err <= 1e-10, f"batched NumPy differs from Rust by {err:e}"
    print(f"numpy batched: median {1e3 * float(np.median(times)):.1f} ms over {rounds} rounds "
          f"(min {1e3 * min(times):.1f}); max |numpy - rust| = {err:.1e}")


if __name__ == "__main__":
    main()
