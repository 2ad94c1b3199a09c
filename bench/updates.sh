#!/bin/sh
# updates.sh: the figures of an index that grows: full build, adding 1% more documents,
# query latency after many small commits against the optimized index, and merge speed.
#
#     bench/updates.sh CORPUS.jsonl QUERIES.tsv [OUT_DIR]
#
# Steps (each timed with /usr/bin/time for wall seconds and peak RSS):
#   1. build      the whole corpus, one quarry-index run (default threads and memory)
#   2. base       the first 99% of the corpus's lines
#   3. add1       base + the last 1% in one --add commit (on a copy of base)
#   4. commits    base + the last 1% in 100 --add commits of equal size (on another copy)
#   5. optimize   a copy of the 100-commit index merged to one segment (quarry-index --optimize)
#   6. search     quarry-bench search (or mode) on both, alternating, two rounds
# Needs a Release build in $QUARRY_BENCH_BUILD (default build-bench; `make bench-build`).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 CORPUS.jsonl QUERIES.tsv [OUT_DIR]" >&2
    exit 2
fi
corpus=$1
queries=$2
out=${3:-build-bench/updates-out}
bb=${QUARRY_BENCH_BUILD:-build-bench}
qi=$bb/quarry-index
qs=$bb/quarry-search
qb=$bb/bench/quarry-bench
for t in "$qi" "$qs" "$qb"; do
    [ -x "$t" ] || { echo "$0: $t missing: run make bench-build" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out"

# timed NAME CMD...: runs CMD, appends "NAME wall_s rss_kb" to $out/times.tsv.
timed() {
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" >"$out/$name.log" 2>&1 || {
        echo "$0: $name failed:" >&2
        cat "$out/$name.log" >&2
        exit 1
    }
    printf '%s\t%s\n' "$name" "$(cat "$out/$name.time")" >>"$out/times.tsv"
    echo "$name: $(cut -d' ' -f1 "$out/$name.time") s, peak RSS $(cut -d' ' -f2 "$out/$name.time") KB"
}

lines=$(wc -l <"$corpus")
tail_n=$((lines / 100))
head -n $((lines - tail_n)) "$corpus" >"$out/base.jsonl"
tail -n "$tail_n" "$corpus" >"$out/add.jsonl"
mkdir "$out/chunks"
split -n l/100 -d -a 3 "$out/add.jsonl" "$out/chunks/c"

timed build "$qi" -q "$out/full.idx" --jsonl "$corpus"
timed base "$qi" -q "$out/base.idx" --jsonl "$out/base.jsonl"
cp -r "$out/base.idx" "$out/add1.idx"
cp -r "$out/base.idx" "$out/many.idx"
timed add1 "$qi" -q --add "$out/add1.idx" --jsonl "$out/add.jsonl"
start=$(date +%s.%N)
for c in "$out"/chunks/c*; do
    "$qi" -q --add "$out/many.idx" --jsonl "$c"
done
end=$(date +%s.%N)
echo "100 commits: $(echo "$end - $start" | bc) s"
"$qs" --info "$out/many.idx" | tee "$out/many.info"

search() {
    "$qb" search "$1" "$queries" --peer-semantics --passes 3 --json "$out/$2.json" 2>&1 |
        grep -E '^  (class|all|term|union|intersection|phrase|mixed) ' | tee "$out/$2.table"
}
cp -r "$out/many.idx" "$out/opt.idx"
timed optimize "$qi" -q --optimize "$out/opt.idx"
"$qs" --info "$out/opt.idx" | tee "$out/optimized.info"
for round in 1 2; do # alternating, as the machine is shared
    echo "== after 100 commits, round $round"
    search "$out/many.idx" "many$round"
    echo "== optimized, round $round"
    search "$out/opt.idx" "opt$round"
done
bytes=$(du -sb "$out/many.idx" | cut -f1)
secs=$(cut -d' ' -f1 "$out/optimize.time")
echo "merge throughput: $(echo "scale=1; $bytes / 1000000 / $secs" | bc) MB of index per second"
full=$(cut -d' ' -f1 "$out/build.time")
add=$(cut -d' ' -f1 "$out/add1.time")
echo "adding 1%: $add s = $(echo "scale=2; 100 * $add / $full" | bc)% of the full build ($full s)"
