"""Plain NumPy reference: E[(I - gamma H_B)^2] over every B-subset, one itertools.combinations
loop with a d x d product per subset. Reads benches/data/n20_b10_d10.json (written by
`cargo bench --bench enumerate`) and checks the result against the Rust one to 1e-10.

    python3 benches/enumerate_numpy_loop.py [rounds]
"""
import itertools
import json
import pathlib
import sys
import time

import numpy as np

DATA = pathlib.Path(__file__).parent / "data"


def second_moment(h, b, gamma):
    n, d, _ = h.shape
    eye = np.eye(d)
    acc = np.zeros((d, d))
    count = 0
    for subset in itertools.combinations(range(n), b):
        m = eye - gamma * h[list(subset)].sum(axis=0) / b
        acc += m @ m
        count += 1
    return acc / count


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
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
    assert err <= 1e-10, f"NumPy loop differs from Rust by {err:e}"
    print(f"numpy loop: median {1e3 * float(np.median(times)):.1f} ms over {rounds} rounds "
          f"(min {1e3 * min(times):.1f}); max |numpy - rust| = {err:.1e}")


if __name__ == "__main__":
    main()
