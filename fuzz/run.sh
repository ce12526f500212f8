#!/usr/bin/env bash
# Runs one fuzz target, single job, with the limits the project's runs use:
#   fuzz/run.sh TARGET [SECONDS=600] [more libFuzzer flags...]
# Builds the target first (cargo-fuzz with RUSTC_BOOTSTRAP=1, so the stable toolchain
# works); FBSCOPE_FUZZ_NO_BUILD=1 runs the binary already built instead (useful while src/
# is mid-edit). Crash inputs land in fuzz/artifacts/TARGET/, new coverage in
# fuzz/corpus/TARGET/ (run fuzz/seed.sh first).
set -euo pipefail

fuzz=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))

# Seeds are cut to 64 KiB by seed.sh; an EVTX file needs its 4 KiB header and whole 64 KiB
# chunks to reach the record parser, so two chunks fit.
case $target in
    evtx) max_len=$((4096 + 2 * 65536)) ;;
    *) max_len=65536 ;;
esac

if [ -z "${FBSCOPE_FUZZ_NO_BUILD:-}" ]; then
    RUSTC_BOOTSTRAP=1 cargo fuzz build "$target"
fi
# One worker process (-fork=1: never more than one job). Fork mode is used so that a run lasts
# its full time: on the shared build VM a process is now and then stalled for more than 10 s,
# which plain mode reports as a timeout and stops on. In fork mode a timeout is saved to
# artifacts/ and the run goes on; replay each one alone (see README) to tell a stall from a
# hang. Crashes and out-of-memory still end the run. FBSCOPE_FUZZ_FORK=0 runs plain mode.
if [ "${FBSCOPE_FUZZ_FORK:-1}" = 1 ]; then
    mode=(-fork=1 -ignore_timeouts=1 -ignore_ooms=0 -ignore_crashes=0)
else
    mode=()
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p "corpus/$target" "artifacts/$target"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0} exec \
    "target/$triple/release/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$max_len" \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" "${mode[@]}" "$@" "corpus/$target"
