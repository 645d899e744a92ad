#!/bin/sh
# ThreadSanitizer run of tests/tsan/concurrent.c: builds every src/*.c with
# -fsanitize=thread into BUILD (default build/tsan), links the test against
# those objects and runs it. Any TSan report fails the run (exit 66).
# Usage: sh tests/tsan.sh [BUILD]       (from the top of the tree)
# Environment: CC (default cc), JOBS (parallel compiles, default 2).
set -eu
build=${1:-build/tsan}
cc=${CC:-cc}
jobs=${JOBS:-2}
pkgs="openblas zlib libpng"
deps_cflags=$(pkg-config --cflags $pkgs)
deps_libs="$(pkg-config --libs $pkgs) -lm -lpthread"
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Wpedantic -Iinclude \
  -fsanitize=thread -fno-omit-frame-pointer"
mkdir -p "$build/lib"

# Library objects, rebuilt only when the source or a header is newer.
newest_header=$(ls -t include/*.h include/fmnist/*.h src/*.h | head -n 1)
for src in src/*.c; do
  obj="$build/lib/$(basename "$src" .c).o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
    echo "$src $obj"
  fi
done | xargs -r -n 2 -P "$jobs" sh -c \
  "echo \"  CC \$0\"; $cc $cflags -DFMNIST_BUILDING -fvisibility=hidden $deps_cflags -c \$0 -o \$1"

$cc $cflags -D_DEFAULT_SOURCE tests/tsan/concurrent.c "$build"/lib/*.o -o "$build/concurrent" $deps_libs

# halt_on_error: the first report fails the run; a suppression file is used
# only if it exists (tests/tsan/suppressions.txt, each entry justified).
opts="halt_on_error=1 second_deadlock_stack=1 history_size=4"
[ -f tests/tsan/suppressions.txt ] && opts="$opts suppressions=tests/tsan/suppressions.txt"
echo "== $build/concurrent (TSAN_OPTIONS=$opts)"
TSAN_OPTIONS="$opts ${TSAN_OPTIONS:-}" "$build/concurrent"
