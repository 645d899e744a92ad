#!/bin/sh
# valgrind memcheck of the example programs on a small subset of the data:
# every program must end with zero errors and no definitely or indirectly
# lost block. Possibly lost and still reachable blocks are printed but do
# not fail the run (see the note at the end). Takes ~10 CPU minutes, most of
# it cnn_final.
#
# Usage: sh tests/valgrind.sh [EXDIR]   (from the top of the tree)
#   EXDIR: where `make examples EXOUT=...` put the programs (default examples)
# Environment: FMNIST_DATA (source of the subset; default the Debian
#   package's directory), LIMIT (images per set, default 300).
set -u
exdir=$(cd "${1:-examples}" && pwd)
limit=${LIMIT:-300}
src=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fmnist-valgrind-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- a small data directory: the first $limit images of each official set,
# written as gzip IDX files with the count in the header rewritten ----
be32() { # 4 big-endian bytes of $1 as printf octal escapes
  printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}
cat_any() { if [ -f "$1.gz" ]; then gzip -dc "$1.gz"; else cat "$1"; fi; }
subset() { # name magic-byte item-bytes header-bytes
  { printf "\\0\\0\\10\\$2$(be32 "$limit")"
    [ "$4" = 16 ] && printf '\0\0\0\34\0\0\0\34'
    cat_any "$src/$1" | tail -c +$(($4 + 1)) | head -c $((limit * $3)); } | gzip -1 >"$tmp/data/$1.gz"
}
mkdir -p "$tmp/data"
subset train-images-idx3-ubyte 3 784 16 && subset train-labels-idx1-ubyte 1 1 8 &&
  subset t10k-images-idx3-ubyte 3 784 16 && subset t10k-labels-idx1-ubyte 1 1 8 || {
  echo "valgrind.sh: cannot read the data set in $src" >&2
  exit 1
}
# A PGM made from the first test image, for predict (--image and operands).
{ printf 'P5\n28 28\n255\n'; gzip -dc "$tmp/data/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784; } >"$tmp/shirt.pgm"

vg="valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect
  --error-exitcode=1 --num-callers=40 --track-origins=yes"
common="--data $tmp/data --limit $limit --threads 1 --seed 7"
fail=0
ran=0
skipped=""

# run NAME PROGRAM ARGS...: one program under memcheck, in $tmp (CSV and
# PNG outputs land there), log in $tmp/NAME.log.
run() {
  name=$1
  prog=$2
  shift 2
  if [ ! -x "$exdir/$prog" ]; then
    skipped="$skipped $name"
    return
  fi
  ran=$((ran + 1))
  (cd "$tmp" && $vg --log-file="$tmp/$name.log" "$exdir/$prog" "$@" >"$tmp/$name.out" 2>&1)
  rc=$?
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/$name.log" | tail -n 1)
  leaks=$(grep -E 'definitely lost:|indirectly lost:|possibly lost:|still reachable:' "$tmp/$name.log" |
    sed 's/^==[0-9]*== *//; s/ in [0-9,]* blocks//' | tr -s ' ' | paste -sd ';' -)
  [ -n "$leaks" ] || leaks="no leaks are possible"
  printf '%-16s rc=%s errors=%s  %s\n' "$name" "$rc" "${errors:-?}" "$leaks"
  if [ "$rc" != 0 ] || [ "${errors:-1}" != 0 ]; then
    fail=1
    echo "---- $name: program output" && tail -n 20 "$tmp/$name.out"
    echo "---- $name: valgrind log" && grep -v '^==[0-9]*== *$' "$tmp/$name.log" | tail -n 80
  fi
}

# The classical families: their own example if it exists, else the
# compare_all row of the same model.
for fam in logreg knn forest; do
  case $fam in
  logreg) opts="--max-iter 20" row=logreg_1000 ;;
  knn) opts="--k 5" row=knn_5 ;;
  forest) opts="--n-trees 10" row=forest_80 ;;
  esac
  if [ -x "$exdir/$fam" ]; then
    run "$fam" "$fam" $common $opts --save "$tmp/$fam.fmm"
  else
    run "$fam" compare_all $common --models $row --cache "$tmp/cache-$fam"
    [ -f "$tmp/cache-$fam/$row.fmm" ] && cp "$tmp/cache-$fam/$row.fmm" "$tmp/$fam.fmm"
  fi
done
run nn_dense nn_dense $common --epochs 1 --save "$tmp/nn_dense.fmm"
run cnn_single cnn_single $common --epochs 1 --save "$tmp/cnn_single.fmm"
run cnn_final cnn_final $common --epochs 1 --batch 64 --save "$tmp/cnn_final.fmm"
# The thread pool at 2 threads once (the library's loops and OpenBLAS's).
run knn-threads2 compare_all --data "$tmp/data" --limit "$limit" --threads 2 --models knn_5
for model in logreg knn forest cnn_final; do
  [ -f "$tmp/$model.fmm" ] || continue
  run "predict-$model" predict --data "$tmp/data" --load "$tmp/$model.fmm" --index 3
done
[ -f "$tmp/cnn_single.fmm" ] &&
  run predict-image predict --load "$tmp/cnn_single.fmm" --image "$tmp/shirt.pgm" &&
  run predict-files predict --load "$tmp/cnn_single.fmm" "$tmp/shirt.pgm" "$tmp/shirt.pgm"

[ -z "$skipped" ] || echo "not built, skipped:$skipped"
echo "$ran programs under memcheck: $([ $fail = 0 ] && echo 'zero errors, zero definite/indirect leaks' || echo FAILED)"
# Note on OpenBLAS (0.3.21, pthread build, Debian 12): every program above ends
# with "All heap blocks were freed": OpenBLAS mmaps its GEMM buffers and its
# pool's thread stacks are not heap blocks, so memcheck has nothing to say
# about them. Another OpenBLAS build may show "still reachable" or "possibly
# lost" blocks allocated under blas_thread_init / blas_memory_alloc: those are
# the process-lifetime thread pool, not leaks of libfmnist, and do not fail
# the run (--errors-for-leak-kinds=definite,indirect).
exit $fail
