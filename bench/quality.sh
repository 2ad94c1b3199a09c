#!/usr/bin/env bash
# bench/quality.sh: quarry's ranking quality on every judged collection under a folder, in one
# table. Run by `make quality CORPORA=...` (which builds first).
#
# usage: bench/quality.sh CORPORA [OUTDIR]
#
# For every folder CORPORA/<name>/ holding docs.jsonl, queries.tsv and qrels.txt (others, such
# as a corpus without judgements, are skipped): builds the index, runs every query (top K, MODE,
# the peers' query semantics, so the figures compare with the peers' harness), and scores the
# run with quarry-eval -c: every qrels query counts, a query without hits scoring 0, as the
# harness's eval.py -c does. Prints nDCG@10, MAP, P@10 and Recall@100 per collection and writes
# the table to OUTDIR/quality.tsv; OUTDIR/<name>/ keeps the index, the run, the logs, the JSON
# figures and quarry-eval's output.
#
# Environment: QUARRY_BENCH_BUILD  build folder with bench/quarry-bench and bench/quarry-eval
#                                  (default: <repo>/build-bench)
#              K (default 1000), MODE (or | and; default or)
# OUTDIR defaults to $QUARRY_BENCH_BUILD/quality.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BUILD="${QUARRY_BENCH_BUILD:-$REPO/build-bench}"
BENCH="$BUILD/bench/quarry-bench"
EVAL="$BUILD/bench/quarry-eval"
K="${K:-1000}"
MODE="${MODE:-or}"

[[ $# -ge 1 && $# -le 2 ]] || { sed -n '5,6p' "$0" | sed 's/^# //' >&2; exit 2; }
CORPORA=$1
OUT=${2:-$BUILD/quality}
[[ -d $CORPORA ]] || { echo "quality.sh: no folder $CORPORA" >&2; exit 2; }
[[ -x $BENCH && -x $EVAL ]] || { echo "quality.sh: build first (make quality builds $BENCH)" >&2; exit 2; }
[[ $MODE == or || $MODE == and ]] || { echo "quality.sh: MODE must be or or and" >&2; exit 2; }
mkdir -p "$OUT"

# The value of measure $1 for "all" in quarry-eval output file $2.
measure() { awk -F'\t' -v m="$1" '$1 == m && $2 == "all" {print $3}' "$2"; }

TABLE="$OUT/quality.tsv"
printf 'collection\tdocs\tqueries\tnDCG@10\tMAP\tP@10\tR@100\n' >"$TABLE"
found=0
for dir in "$CORPORA"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [[ -f $dir/docs.jsonl && -f $dir/queries.tsv && -f $dir/qrels.txt ]] || continue
    found=1
    o="$OUT/$name"
    mkdir -p "$o"
    echo "== $name" >&2
    rm -rf "$o/index"
    "$BENCH" index "$dir/docs.jsonl" "$o/index" --json "$o/index.json" >"$o/index.log" 2>&1 ||
        { echo "   index failed (see $o/index.log)" >&2; continue; }
    run="$o/quarry.$MODE.run"
    "$BENCH" search "$o/index" "$dir/queries.tsv" -k "$K" --mode "$MODE" --peer-semantics \
        --warmup 0 --run "$run" --json "$o/search.json" >"$o/search.log" 2>&1 ||
        { echo "   search failed (see $o/search.log)" >&2; continue; }
    "$EVAL" -c "$dir/qrels.txt" "$run" >"$o/eval.txt" 2>"$o/eval.log" ||
        { echo "   quarry-eval failed (see $o/eval.log)" >&2; continue; }
    docs=$(sed -nE 's/^ *"docs": ([0-9]+),?$/\1/p' "$o/index.json" | head -n 1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$docs" "$(measure num_q "$o/eval.txt")" \
        "$(measure ndcg_cut_10 "$o/eval.txt")" "$(measure map "$o/eval.txt")" \
        "$(measure P_10 "$o/eval.txt")" "$(measure recall_100 "$o/eval.txt")" >>"$TABLE"
done
[[ $found -eq 1 ]] || { echo "quality.sh: no folder under $CORPORA has docs.jsonl, queries.tsv and qrels.txt" >&2; exit 1; }
echo >&2
echo "quarry $("$BENCH" --version | cut -d' ' -f2), top $K, mode $MODE, peer query semantics, quarry-eval -c (every qrels query counts)"
column -t -s $'\t' "$TABLE"
echo "(table in $TABLE)" >&2
