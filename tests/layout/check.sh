#!/bin/sh
# The layering of src/ (docs/design.md, "Layers"): every private include is
# written with its folder ("base/alloc.h"), points to the same folder or to
# a lower floor, and no private header shares a name with a public one, so
# that an #include means one file wherever it is written.
# Prints the folder graph (arrows with the number of includes); --dot
# prints it as Graphviz instead. Exit 1 on any violation.
# Usage: sh tests/layout/check.sh [--dot]      (from the top of the tree)
set -eu
# Floors, lowest first; folders on one floor never include each other.
floors="base:0 data:1 transform:1 kernels:1 models:2 nn:3 experiments:4"
for f in src/*/*.c src/*/*.h; do
  grep -H '^#include "' "$f" || true
done | awk -v floors="$floors" -v dot="${1:-}" -v public="$(ls include/fmnist)" '
BEGIN {
  n = split(floors, fl, " ")
  for (i = 1; i <= n; i++) { split(fl[i], kv, ":"); floor_of[kv[1]] = kv[2]; order[i] = kv[1] }
  split(public, pub, "\n")
  for (i in pub) is_public[pub[i]] = 1
  bad = 0
}
{
  file = $0; sub(/:.*/, "", file)
  split(file, parts, "/"); from = parts[2]
  inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
  if (!(from in floor_of)) { print "layout: " file " is in no known floor (" from ")"; bad = 1; next }
  if (inc ~ /^fmnist\//) next  # public headers: allowed everywhere
  if (split(inc, ip, "/") != 2) { print "layout: " file ": include \"" inc "\" is not written with its folder"; bad = 1; next }
  to = ip[1]
  if (!(to in floor_of)) { print "layout: " file ": include \"" inc "\" is in no known floor"; bad = 1; next }
  if (to != from && floor_of[to] >= floor_of[from]) {
    print "layout: " file " (" from ", floor " floor_of[from] ") includes \"" inc "\" (" to ", floor " floor_of[to] "): not down"
    bad = 1
  }
  if (to != from) arrows[from " -> " to]++
}
END {
  cmd = "ls src/*/*.h"
  while ((cmd | getline h) > 0) {
    b = h; sub(/.*\//, "", b)
    if (b in is_public) { print "layout: " h " has the name of the public header fmnist/" b; bad = 1 }
  }
  close(cmd)
  if (dot == "--dot") {
    # top floor first; invisible edges keep the floors in order
    print "digraph src {\n  node [shape=box];"
    for (a in arrows) { split(a, e, " -> "); printf "  %s -> %s [label=%d];\n", e[1], e[2], arrows[a] }
    prev = ""
    for (f = 4; f >= 0; f--) {
      printf "  { rank=same;"
      first = ""
      for (i = 1; i <= n; i++) if (floor_of[order[i]] == f) { printf " %s;", order[i]; if (first == "") first = order[i] }
      print " }"
      if (prev != "") printf "  %s -> %s [style=invis];\n", prev, first
      prev = first
    }
    print "}"
  } else {
    for (i = n; i >= 1; i--) {
      line = sprintf("%-12s (floor %d) ->", order[i], floor_of[order[i]])
      for (j = 1; j <= n; j++) { a = order[i] " -> " order[j]; if (a in arrows) line = line sprintf(" %s (%d)", order[j], arrows[a]) }
      print line
    }
  }
  exit bad
}'
