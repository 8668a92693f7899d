#!/bin/sh
# The paper's Table 6 CNN, Patina against its PyTorch peer in the same run: training and
# inference images/second, peak RSS, and OpenBLAS sgemm GFLOP/s on the same threads.
# usage: bench/cnn.sh [BUILD_DIR]   (env: THREADS=2 SIZE=150 BATCH=32 STEPS=20)
# Needs Debian's python3-torch for the peer. OPENBLAS_CORETYPE is left as the environment
# sets it; the output says which it was.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
threads=${THREADS:-2} size=${SIZE:-150} batch=${BATCH:-32} steps=${STEPS:-20}
peer=${PEER:-../shared/peers/torch_cnn.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS="$threads"

/usr/bin/time -v "$build/bench/bench-cnn" --threads "$threads" --size "$size" --batch "$batch" \
  --steps "$steps" --infer-batch 64 >"$tmp/patina.out" 2>"$tmp/patina.time"
/usr/bin/time -v /usr/bin/python3 "$peer" --threads "$threads" --size "$size" --batch "$batch" \
  --steps "$steps" --infer-batch 64 >"$tmp/torch.out" 2>"$tmp/torch.time"

val() { awk -v k="$1:" '$1 == k {print $2}' "$2"; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

p_train=$(val train_img_per_s "$tmp/patina.out") p_infer=$(val infer_img_per_s "$tmp/patina.out")
t_train=$(val train_img_per_s "$tmp/torch.out") t_infer=$(val infer_img_per_s "$tmp/torch.out")
sgemm=$(val sgemm_gflops "$tmp/patina.out")
p_rss=$(rss "$tmp/patina.time") t_rss=$(rss "$tmp/torch.time")

echo "Table 6 CNN, ${size}x${size}x3, batch $batch, $threads threads, $steps steps" \
  "(OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
awk -v pt="$p_train" -v pi="$p_infer" -v tt="$t_train" -v ti="$t_infer" -v sg="$sgemm" \
    -v pr="$p_rss" -v tr="$t_rss" -v peer="$(val peer "$tmp/torch.out")" 'BEGIN {
  printf "%-28s %12s %12s %8s\n", "", "Patina", peer, "ratio"
  printf "%-28s %12.1f %12.1f %7.2fx\n", "training images/s", pt, tt, pt / tt
  printf "%-28s %12.1f %12.1f %7.2fx\n", "inference images/s", pi, ti, pi / ti
  printf "%-28s %12d %12d %7.2fx\n", "peak RSS MiB (whole run)", pr, tr, pr / tr
  printf "sgemm %.1f GFLOP/s on %d threads; training step %.1f GFLOP/s = %.0f %% of it " \
         "(1.42 GFLOP/image), inference %.1f GFLOP/s = %.0f %% (0.47 GFLOP/image)\n",
         sg, '"$threads"', pt * 1.42, 100 * pt * 1.42 / sg, pi * 0.47, 100 * pi * 0.47 / sg
}'
