#!/bin/sh
# Runs every libFuzzer target in DIR for SECONDS each on a generated seed
# corpus; a crash stops the run with the reproducer left in DIR.
set -eu
dir=$1
seconds=$2
for target in "$dir"/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="$dir/corpus/$name"
  mkdir -p "$corpus"
  "$dir/seeds" "$name" "$corpus"
  echo "== $name (${seconds}s)"
  # -timeout: a valid KNN model file recomputes its principal basis when
  # loaded, an axis per training image up to 128: 0.1 s under ASan at -O1
  # for the seed's 10 images, a few seconds for the ~80 that fit in
  # -max_len; 20 s still catches a hang.
  "$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$dir/$name-" -print_final_stats=1 "$corpus" 2>"$dir/$name.log" ||
    { tail -n 40 "$dir/$name.log"; exit 1; }
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$dir/$name.log" | tail -n 2
  echo "   corpus: $(ls "$corpus" | wc -l) inputs"
done
