#!/bin/sh
# Looking inside the paper's Table 6 CNN (issue 6), Patina against PyTorch with the same random
# weights, input and thread count: every layer's activations of one image, Grad-CAM and
# Grad-CAM++ of conv3 for class 1, and the scan of a 2000×1500 surface in 150-pixel tiles every
# 75 pixels; median ms of the repeats, the speed ratio, peak RSS, and how far the answers differ.
# usage: bench/viz.sh [BUILD_DIR]   (env: THREADS=2 REPEATS=20 SCAN_REPEATS=3)
# bench-viz writes the checkpoint, inputs and its answers; bench/torch_viz.py (Debian's
# python3-torch) loads them and does the same work. About a minute on 2 cores, mostly the scans.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
threads=${THREADS:-2} repeats=${REPEATS:-20} scan_repeats=${SCAN_REPEATS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS="$threads"
scan="--tile 150 --stride 75 --batch 16"

# shellcheck disable=SC2086 # $scan is a list of options
/usr/bin/time -v "$build/bench/bench-viz" --out "$tmp" --threads "$threads" --repeats "$repeats" \
  --scan-repeats "$scan_repeats" $scan >"$tmp/patina.out" 2>"$tmp/patina.time"
# shellcheck disable=SC2086
/usr/bin/time -v /usr/bin/python3 bench/torch_viz.py --dir "$tmp" --threads "$threads" \
  --repeats "$repeats" --scan-repeats "$scan_repeats" $scan >"$tmp/torch.out" 2>"$tmp/torch.time"

val() { awk -v k="$1:" '$1 == k {print $2}' "$2"; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }
p=$tmp/patina.out t=$tmp/torch.out

echo "Table 6 CNN, 150x150x3, $threads threads, median of $repeats (scan: $scan_repeats)," \
  "$(sed -n 's/^peer: //p' "$t") ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
printf "%-36s %10s %10s %8s\n" "ms per image" "Patina" "PyTorch" "speed"
row() {
  awk -v name="$1" -v a="$(val "$2" "$p")" -v b="$(val "$2" "$t")" \
    'BEGIN { printf "%-36s %10.1f %10.1f %7.2fx\n", name, a, b, b / a }'
}
row "all layer activations" activations_ms
row "Grad-CAM conv3, class 1" gradcam_ms
row "Grad-CAM++ conv3, class 1" gradcampp_ms
row "scan 2000x1500 ($(val scan_tiles "$p") tiles)" scan_ms
awk -v a="$(rss "$tmp/patina.time")" -v b="$(rss "$tmp/torch.time")" \
  'BEGIN { printf "%-36s %10d %10d %7.2fx\n", "peak RSS MiB (whole run)", a, b, a / b }'
echo "speed: PyTorch's time / Patina's (>1: Patina faster); RSS: Patina / PyTorch"
echo "agreement: activations max |diff| $(val activations_max_abs_diff "$t")" \
  "(values up to $(val activations_max_abs "$t")); Grad-CAM max diff / max" \
  "$(val gradcam_max_rel_diff "$t"), ++ $(val gradcampp_max_rel_diff "$t");" \
  "normalised upsampled maps $(val gradcam_up_max_abs_diff "$t"), ++" \
  "$(val gradcampp_up_max_abs_diff "$t"); scan tile probabilities" \
  "$(val scan_tile_probs_max_abs_diff "$t") (they spread over $(val scan_tile_probs_spread "$t")), per-pixel map" \
  "$(val scan_map_max_abs_diff "$t")"
