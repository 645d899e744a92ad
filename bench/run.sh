#!/bin/sh
# Runs benchmark programs and collects their RESULT lines.
#
#   sh bench/run.sh [NAME...]     (make bench [BENCH=NAME] builds, then calls this)
#
# NAME is a program of bench/ (forest_fit, knn_predict, logreg_fit,
# nn_dense_epoch, cnn_final_epoch, cnn_final_infer, ...);
# none: every one. Environment:
#   BENCHOUT    directory of the built programs (default bench; the Makefile
#               passes its own BENCHOUT)
#   BENCH_ARGS  flags added to every program (e.g. "--threads 2 --runs 5")
# Each program prints its table and one "RESULT bench=..." line; the RESULT
# lines are repeated at the end. Timings depend on what else runs on the
# machine: run on an otherwise idle machine.
set -u
out=${BENCHOUT:-bench}
if [ $# -eq 0 ] || [ -z "$*" ]; then
  names=""
  for f in bench/*.c; do
    n=$(basename "$f" .c)
    names="$names $n"
  done
else
  names="$*"
fi
results=$(mktemp)
status=0
for n in $names; do
  if [ ! -x "$out/$n" ]; then
    echo "bench/run.sh: $out/$n is not built (make bench BENCH=$n)" >&2
    status=1
    continue
  fi
  echo "== $n $(date '+%Y-%m-%d %H:%M:%S') load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  # shellcheck disable=SC2086
  if "$out/$n" ${BENCH_ARGS:-} > "$results.out"; then
    cat "$results.out"
    grep '^RESULT ' "$results.out" >> "$results" || true
  else
    cat "$results.out"
    echo "bench/run.sh: $n failed" >&2
    status=1
  fi
done
echo
echo "== results"
cat "$results"
rm -f "$results" "$results.out"
exit $status
