#!/usr/bin/env bash
# Real-scale benchmark (issue: over-parameterized minima): sgd-stability against the SciPy
# span-reduction reference (benches/span_reduction_scipy.py), side by side in one window.
#
#   benches/real_scale.sh [DATA_DIR]        # default: target/bench-data
#
# Data (generated, deterministic): a two-layer tanh network's per-sample output gradients
# (examples/two_layer_gradients.rs): N = 256, P = 1040 (float64, d_in = 64, m = 16) and
# N = 1000, P = 100,000 (float32, 400 MB, d_in = 99, m = 1000). Prints wall time and peak
# memory (max RSS) of every run; the Rust runs are whole processes (load included), the SciPy
# lines give load, reduction and per-B times.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-target/bench-data}
mkdir -p "$DATA"
cargo build --release --quiet --bin sgd-stability --example two_layer_gradients
BIN=target/release/sgd-stability
GEN=target/release/examples/two_layer_gradients
[ -f "$DATA/g256.npy" ] || $GEN 256 64 16 7 f64 "$DATA/g256.npy"
[ -f "$DATA/g1000.npy" ] || $GEN 1000 99 1000 7 f32 "$DATA/g1000.npy"
T() { /usr/bin/time -f "  %e s, max RSS %M KB" "$@"; }
echo "== window: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== N = 256, P = 1040: analyze (every criterion, gamma*_exact, rho) per B, 5 runs each"
for b in 1 8 32 256; do
  for i in 1 2 3 4 5; do
    T $BIN analyze "$DATA/g256.npy" --gamma 0.05 --batch-size $b --format json >/dev/null
  done 2>&1 | sed "s/^/B = $b/"
done
echo "== SciPy reference, N = 256"
T python3 benches/span_reduction_scipy.py "$DATA/g256.npy" 0.05 1 8 32 256
echo "== N = 1000, P = 100000 (float32): analyze, B = 1 and B = 32"
for b in 1 32; do T $BIN analyze "$DATA/g1000.npy" --gamma 0.003 --batch-size $b --format json >/dev/null; done
echo "== N = 1000, P = 100000: sweep over B = 1, 2, 4, ..., 512, 1000 (both samplings)"
T $BIN sweep "$DATA/g1000.npy" --gamma 0.003 --format json >/dev/null
echo "== SciPy reference, N = 1000: B = 1, 32 (analyze), then the rest of the sweep's rows"
T python3 benches/span_reduction_scipy.py "$DATA/g1000.npy" 0.003 1 32 2 4 8 16 64 128 256 512 1000 \
  w1 w2 w4 w8 w16 w32 w64 w128 w256 w512 w1000
echo "== window end: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
