#!/bin/sh
# Training throughput with on-the-fly augmentation on and off (issue 4: within 10 %), through
# patina_train with its prefetching loader thread: the paper's CNN on the demo data set
# generated into a temporary folder. Modes are interleaved and each figure is a median, but on
# a loaded machine (see the load average printed) the spread is wide: compare the ratio, and
# the augmentation-alone rate against the training rate.
# usage: bench/prefetch.sh [BUILD_DIR]   (env: THREADS=2 SIZE=150 BATCH=32 EPOCHS=3 REPEATS=3)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" \
  "(OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})"
"$build/bench/bench-prefetch" --threads "${THREADS:-2}" --size "${SIZE:-150}" \
  --batch "${BATCH:-32}" --epochs "${EPOCHS:-3}" --repeats "${REPEATS:-3}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
