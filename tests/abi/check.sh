#!/bin/sh
# ABI guard: abidiff the built shared library against the stored baseline.
# abidiff's exit code is a bit mask: 4 = the ABI changed (compatible, e.g.
# a function was added), 8 = an incompatible change (a function removed or
# its signature changed). Only 8, or a tool error, fails the check.
set -u
lib=$1
baseline=$2
if [ ! -f "$baseline" ]; then
  echo "abi-check: no baseline $baseline (a new MAJOR?): run 'make abi-baseline'"
  exit 1
fi
abidw --no-corpus-path --headers-dir include --out-file "${lib}.abi" "$lib" || exit 1
abidiff --no-added-syms "$baseline" "${lib}.abi"
rc=$?
if [ $((rc & 8)) -ne 0 ]; then
  echo "abi-check: FAILED: incompatible ABI change without a MAJOR version bump"
  exit 1
fi
if [ $((rc & 3)) -ne 0 ]; then
  echo "abi-check: abidiff failed (exit $rc)"
  exit 1
fi
[ $((rc & 4)) -ne 0 ] && echo "abi-check: compatible ABI change (added symbols or types)"
echo "abi-check: OK"
