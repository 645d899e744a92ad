#!/bin/sh
# ThreadSanitizer run of tests/tsan/concurrent.c, built by `make tsan`
# against the library compiled with -fsanitize=thread. Any TSan report
# fails the run (exit 66).
# Usage: sh tests/tsan.sh BINARY       (from the top of the tree)
set -eu
bin=$1
# halt_on_error: the first report fails the run; a suppression file is used
# only if it exists (tests/tsan/suppressions.txt, each entry justified).
opts="halt_on_error=1 second_deadlock_stack=1 history_size=4"
[ -f tests/tsan/suppressions.txt ] && opts="$opts suppressions=tests/tsan/suppressions.txt"
echo "== $bin (TSAN_OPTIONS=$opts)"
TSAN_OPTIONS="$opts ${TSAN_OPTIONS:-}" "$bin"
