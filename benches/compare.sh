#!/usr/bin/env bash
# End to end, two builds side by side: `fbscope analyze FILE --out DIR --quiet --threads N`
# run alternately RUNS times each on the same page-cached file, with `wc -l` as the yardstick.
# Prints each run's wall time and peak RSS (GNU time), then the best of each.
#
#   benches/compare.sh OLD_BINARY NEW_BINARY FILE [RUNS] [THREADS] [NEW_FLAG...]
#
# NEW_FLAGs go to the new build only (e.g. --no-hash, to leave out the SHA-256 of every input
# that run.json records and the previous release did not compute).
#
# e.g. the previous release built in a worktree beside this one:
#   git worktree add ../prev <commit> && (cd ../prev && cargo build --release)
#   cargo build --release && benches/compare.sh ../prev/target/release/fbscope \
#       target/release/fbscope /tmp/big.log 5 2
set -euo pipefail
old=$1 new=$2 file=$3 runs=${4:-5} threads=${5:-2}
shift $(( $# < 5 ? $# : 5 ))
new_flags=("$@")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat "$file" > /dev/null
for i in $(seq 1 "$runs"); do
  for v in old new; do
    bin=$old flags=()
    [ "$v" = new ] && bin=$new flags=("${new_flags[@]}")
    rm -rf "$out/$v"
    /usr/bin/time -f "$v %e s %M KB" "$bin" analyze "$file" --out "$out/$v" --quiet \
      --threads "$threads" "${flags[@]}" > /dev/null 2>> "$out/$v.time"
  done
  /usr/bin/time -f "wc %e s" wc -l "$file" > /dev/null 2>> "$out/wc.time"
done
cat "$out/old.time" "$out/new.time" "$out/wc.time"
for v in old new wc; do
  best=$(awk '{print $2}' "$out/$v.time" | sort -n | head -1)
  peak=$(awk '$4 != "" {print $4}' "$out/$v.time" | sort -n | tail -1)
  echo "best $v: $best s${peak:+, peak RSS $peak KB}"
done
