#!/usr/bin/env bash
# Builds the seed corpora fuzz/corpus/<target>/ from
#   - fuzz/seeds/<target>/       small inputs written for this project (committed),
#   - samples/                   the project's sample logs and exports,
#   - ../shared/corpus/          third-party logs (set FBSCOPE_SHARED_CORPUS to move it).
# fuzz/corpus/ is gitignored: some shared files are GPL/AGPL, fine as local seeds, never
# committed. Re-running adds the seeds again (same names) and keeps what libFuzzer found.
#
# Input shapes (see fuzz/README.md): event targets whose parser takes options get one leading
# selector byte; w3c_chunked gets two leading cut bytes; w3c_directives is "directive\ndata".
set -euo pipefail
IFS=$'\n' # file names may hold blanks (some shared evtx samples do)

fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
shared=$(cd "${FBSCOPE_SHARED_CORPUS:-$root/../shared/corpus}" 2>/dev/null && pwd || true)
corpus=$fuzz/corpus

# Largest seed kept: the targets run with -max_len 65536 (evtx: two 64 KiB chunks + header).
MAX_SEED=65536
MAX_EVTX_SEED=$((4096 + 2 * 65536))

# put TARGET FILE [PREFIX_PRINTF [MAX_BYTES]]: copies the first MAX_BYTES of FILE into the
# target's corpus, after PREFIX (a printf format, e.g. '\x00').
put() {
    local target=$1 file=$2 prefix=${3:-} max=${4:-$MAX_SEED}
    [ -f "$file" ] || return 0
    local tag name
    tag=$(printf '%s' "$prefix" | tr -cd 'A-Za-z0-9')
    name=${file#"$root"/}
    name=${name#"$shared"/}
    name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')
    mkdir -p "$corpus/$target"
    { printf "$prefix"; head -c "$max" "$file"; } >"$corpus/$target/seed-${tag:+$tag-}$name"
}

# files DIR PATTERN...: the regular files below DIR matching any of the find -name patterns.
files() {
    local dir=$1
    shift
    [ -d "$dir" ] || return 0
    local expr=()
    for p in "$@"; do
        expr+=(${expr:+-o} -iname "$p")
    done
    find "$dir" -type f \( "${expr[@]}" \) | sort
}

own_seeds() {
    local target=$1 prefix=${2:-}
    for f in $(files "$fuzz/seeds/$target" '*'); do put "$target" "$f" "$prefix"; done
}

w3c_logs() {
    files "$root/samples" '*.log' | grep -v -i '/httperr/' || true
    files "$shared/iis" '*'
    files "$shared/exchange" '*'
}

httperr_logs() {
    files "$root/samples" '*.log' | grep -i '/httperr/' || true
    files "$shared/iis" '*error*'
}

# w3c_directives seeds: each distinct directive line with the first data line of its file.
directive_seeds() {
    local f n=0
    mkdir -p "$corpus/w3c_directives"
    for f in $(w3c_logs; httperr_logs); do
        local data
        data=$(grep -a -m1 -v '^#' "$f" || true)
        while IFS= read -r line; do
            n=$((n + 1))
            printf '%s\n%s' "$line" "$data" >"$corpus/w3c_directives/seed-$n"
        done < <(grep -a '^#' "$f" | sort -u)
    done
}

for f in $(w3c_logs); do
    put w3c_scan "$f"
    put w3c_chunked "$f" '\x00\x01'
    put w3c_chunked "$f" '\x40\x00'
done
for f in $(httperr_logs); do put httperr "$f"; done
directive_seeds

for f in $(files "$root/samples" '*'; files "$shared" '*'); do put sniff "$f"; done

own_seeds grammar
for f in $(files "$root/grammars" '*.toml'); do put grammar "$f"; done

# Event formats. The selector byte picks --event-tz/--date-order (fuzz/src/lib.rs,
# event_options): 0x00 none given, 0x06 +05:30 with day first, 0x0b America/New_York
# with month first.
for sel in '\x00' '\x06' '\x0b'; do
    own_seeds event_csv "$sel"
    for f in $(files "$root/samples" '*.csv'); do put event_csv "$f" "$sel"; done
    own_seeds event_txt "$sel"
    own_seeds event_pscsv "$sel"
    own_seeds clixml "$sel"
    own_seeds general_text "$sel"
    for f in $(files "$root/samples" 'ticket*.txt'); do put general_text "$f" "$sel"; done
done
for f in $(files "$root/samples" '*.xml'; files "$shared/eventlog-export" '*.xml'); do
    put event_xml "$f"
done
own_seeds transcript
for f in $(files "$root/samples" 'Test-*.txt'); do put transcript "$f"; done
for f in $(files "$shared/evtx" '*.evtx' '*.evt'); do put evtx "$f" '' "$MAX_EVTX_SEED"; done

for d in "$corpus"/*/; do
    printf '%-16s %4d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
