#!/bin/sh
# threads.sh: indexing throughput with one and with two threads, side by side, and what the
# machine itself gives two independent jobs.
#
#     bench/threads.sh CORPUS.jsonl [ROUNDS] [MEMORY] [OUT_DIR]
#
# Each round runs, one after the other (so that each compares with its neighbours on a shared,
# noisy machine):
#   j1    quarry-index -j 1 --memory MEMORY on the whole corpus
#   j2    quarry-index -j 2 --memory MEMORY on the whole corpus
#   pair  two quarry-index -j 1 --memory MEMORY/2 processes at once, one on each half of the
#         corpus (split at the line nearest the middle byte): the speed-up two cores give two
#         jobs that share nothing, the ceiling for -j 2 on this machine
# and prints wall seconds, CPU seconds (user + system), peak RSS, segments written and merges,
# then the medians and the ratios j1 / j2 and j1 / pair (the pair's time is its slower half's).
# ROUNDS defaults to 3, MEMORY to 256M (a number of MiB followed by M).
# Needs a Release build in $QUARRY_BENCH_BUILD (default build-bench; `make bench-build`).
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 CORPUS.jsonl [ROUNDS] [MEMORY] [OUT_DIR]" >&2
    exit 2
fi
corpus=$1
rounds=${2:-3}
memory=${3:-256M}
out=${4:-build-bench/threads-out}
bb=${QUARRY_BENCH_BUILD:-build-bench}
qi=$bb/quarry-index
[ -x "$qi" ] || { echo "$0: $qi missing: run make bench-build" >&2; exit 2; }
case $memory in
*M) half="$(( ${memory%M} / 2 ))M" ;;
*) echo "$0: MEMORY must be a number of MiB followed by M" >&2; exit 2 ;;
esac
rm -rf "$out"
mkdir -p "$out"

# The halves: the first line that ends past the middle byte closes the first half.
size=$(wc -c <"$corpus")
awk -v mid=$((size / 2)) -v a="$out/half1.jsonl" -v b="$out/half2.jsonl" \
    '{ n += length($0) + 1; if (done) print > b; else print > a; if (n >= mid) done = 1 }' \
    "$corpus"

# run NAME INPUT MEM THREADS: one quarry-index run into $out/NAME.idx; its figures go to
# $out/NAME.time ("wall user sys rss_kb") and its summary to $out/NAME.log.
run() {
    rm -rf "$out/$1.idx"
    /usr/bin/time -f "%e %U %S %M" -o "$out/$1.time" \
        "$qi" -j "$4" --memory "$3" --jsonl "$2" "$out/$1.idx" >"$out/$1.log" 2>&1 || {
        echo "$0: $1 failed:" >&2
        cat "$out/$1.log" >&2
        exit 1
    }
    rm -rf "$out/$1.idx"
}

# figures NAME: "wall cpu rss_mb segments merges" of a finished run.
figures() {
    read -r wall user sys rss <"$out/$1.time"
    segs=$(sed -n 's/.*; \([0-9]*\) segments\{0,1\} written.*/\1/p' "$out/$1.log")
    merges=$(sed -n 's/^merged \([0-9]*\) segments.*/\1/p' "$out/$1.log" | awk '{ n += $1 } END { print n + 0 }')
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    echo "$wall $cpu $((rss / 1024)) ${segs:-?} ${merges:-0}"
}

printf '%-6s %-5s %8s %8s %8s %9s %7s\n' round run wall_s cpu_s rss_mb segments merged
for r in $(seq 1 "$rounds"); do
    run "j1.$r" "$corpus" "$memory" 1
    run "j2.$r" "$corpus" "$memory" 2
    run "pa.$r" "$out/half1.jsonl" "$half" 1 &
    run "pb.$r" "$out/half2.jsonl" "$half" 1
    wait
    for k in j1 j2; do
        set -- $(figures "$k.$r")
        printf '%-6s %-5s %8s %8s %8s %9s %7s\n' "$r" "$k" "$1" "$2" "$3" "$4" "$5"
        echo "$1" >>"$out/$k.walls"
    done
    set -- $(figures "pa.$r")
    a=$1
    set -- $(figures "pb.$r")
    b=$1
    pair=$(awk -v a="$a" -v b="$b" 'BEGIN { print (a > b) ? a : b }')
    printf '%-6s %-5s %8s   (halves %s and %s)\n' "$r" pair "$pair" "$a" "$b"
    echo "$pair" >>"$out/pair.walls"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m1=$(median "$out/j1.walls")
m2=$(median "$out/j2.walls")
mp=$(median "$out/pair.walls")
echo
echo "median wall: j1 $m1 s, j2 $m2 s, pair $mp s"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "j1 / j2   = $(ratio "$m1" "$m2")  (two threads' speed-up)"
echo "j1 / pair = $(ratio "$m1" "$mp")  (two independent jobs' speed-up: the machine's ceiling)"
