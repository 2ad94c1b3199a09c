#!/bin/sh
# run.sh BUILD_DIR SOURCE_DIR: command-line tests of quarry-index and quarry-search.
#
# Builds an index of data/sample-news with quarry-index -q, runs quarry-search for a set of
# queries and diffs each output (timings "(x.xx ms)" removed) against tests/cli/expected/NAME.out;
# then checks exit statuses and messages of the failure cases documented at the top of
# indexer/main.c and searcher/main.c. Prints one line per failed check and exits 1 if any failed.
#
# QUARRY_CLI_UPDATE=1 rewrites the expected files from the current output instead of diffing
# (review the result with git diff before committing it).
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
    exit 2
fi
BUILD=$1
SRC=$2
INDEX=$BUILD/quarry-index
SEARCH=$BUILD/quarry-search
SAMPLE=$SRC/data/sample-news
EXPECTED=$SRC/tests/cli/expected
for exe in "$INDEX" "$SEARCH"; do
    if [ ! -x "$exe" ]; then
        echo "$exe is not built" >&2
        exit 1
    fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/quarry-cli-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run NAME CMD...: runs CMD with stdout in $T/NAME.out, stderr in $T/NAME.err, status in $status.
run() {
    name=$1
    shift
    "$@" >"$T/$name.out" 2>"$T/$name.err"
    status=$?
}

# expect_status NAME WANT: checks the status of the last run.
expect_status() {
    checks=$((checks + 1))
    if [ "$status" -ne "$2" ]; then
        fail "$1: exit status $status, expected $2 (stderr: $(head -c 300 "$T/$1.err"))"
    fi
}

# expect_in NAME FILE TEXT: FILE (out or err) of the last run contains TEXT (fixed string).
expect_in() {
    checks=$((checks + 1))
    if ! grep -F -q -e "$3" "$T/$1.$2"; then
        fail "$1: std$2 does not contain '$3': $(head -c 300 "$T/$1.$2")"
    fi
}

# expect_nonempty NAME FILE: FILE (out or err) of the last run is not empty.
expect_nonempty() {
    checks=$((checks + 1))
    if [ ! -s "$T/$1.$2" ]; then
        fail "$1: std$2 is empty"
    fi
}

# expect_empty NAME FILE: FILE (out or err) of the last run is empty.
expect_empty() {
    checks=$((checks + 1))
    if [ -s "$T/$1.$2" ]; then
        fail "$1: std$2 is not empty: $(head -c 300 "$T/$1.$2")"
    fi
}

# golden NAME ARGS...: quarry-search ARGS must exit 0, print nothing on stderr and print
# expected/NAME.out on stdout (after removing timings).
golden() {
    name=$1
    shift
    run "$name" "$SEARCH" "$@"
    expect_status "$name" 0
    expect_empty "$name" err
    compare_expected "$name"
}

# compare_expected NAME: stdout of the last run must be expected/NAME.out (after removing
# timings).
compare_expected() {
    name=$1
    sed -e 's/ ([0-9][0-9.]* ms)$//' "$T/$name.out" >"$T/$name.got"
    checks=$((checks + 1))
    if [ -n "${QUARRY_CLI_UPDATE:-}" ]; then
        mkdir -p "$EXPECTED"
        cp "$T/$name.got" "$EXPECTED/$name.out"
    elif ! diff -u "$EXPECTED/$name.out" "$T/$name.got" >"$T/$name.diff" 2>&1; then
        fail "$name: output differs from expected/$name.out:"
        cat "$T/$name.diff" >&2
    fi
}

# ----- the sample index -------------------------------------------------------------------------

IX=$T/news.idx
run index "$INDEX" -q "$IX" "$SAMPLE"
expect_status index 0
expect_empty index out
expect_empty index err

# ----- golden outputs ---------------------------------------------------------------------------

golden phrase-accents "$IX" '"Delcy Rodriguez"'
golden words "$IX" 'embassy reopening'
golden phrase "$IX" '"embassy reopening"'
golden phrase-stems "$IX" '"reopening embassy"'
golden k2 -k 2 "$IX" 'embassy reopening'
golden k2-count -k 2 --count "$IX" 'embassy reopening'
golden k0 -k 0 "$IX" maduro
golden and --and "$IX" 'embassy reopening oil'
golden boolean "$IX" '+(embassy OR diplomats) -reuters'
golden boolean-phrase "$IX" '"Delcy Rodriguez" AND (guaido OR flag) NOT treasury'
golden title-only "$IX" newslooks
golden no-snippets --no-snippets "$IX" venezuela
golden color-never --color never "$IX" 'trump oil'
golden color-always --color always -k 1 "$IX" '"Delcy Rodriguez"'
golden json --json "$IX" '+maduro -oil'
golden json-words --json -k 3 "$IX" 'embassy reopening'
golden json-no-snippets --json --no-snippets --and "$IX" 'maduro trump'
golden no-results "$IX" zzzunknownword
golden explain --explain -k 3 "$IX" '"embassy reopening" OR (maduro AND +oil) -treasury'
golden explain-json --explain --json --no-snippets -k 2 "$IX" '"Delcy Rodriguez" flag'

# A query that matches nothing still succeeds and says so.
run none "$SEARCH" "$IX" 'nothing-matches-this AND zzzz'
expect_status none 0
expect_in none out "no results"
run none-json "$SEARCH" --json "$IX" zzzz
expect_status none-json 0
expect_empty none-json out

# --info describes the index.
run info "$SEARCH" --info "$IX"
expect_status info 0
expect_in info out "generation 1, 5 documents"
expect_in info out "language english"

# ----- quarry-search --queries -----------------------------------------------------------------

# A query file: qids or none (the line number is the qid), blank lines, a syntax error (line
# 4: reported, the others still run, exit 1), a third field (ignored), a CRLF line end.
Q=$T/queries.tsv
{
    printf 'q1\tembassy reopening\n'
    printf '"Delcy Rodriguez"\n'
    printf '\n'
    printf 'q4\t"unbalanced\n'
    printf 'q5\tmaduro -oil\tignored tags\n'
    printf '   \n'
    printf 'q7\tzzzz\n'
    printf 'q8\t+(embassy OR diplomats) -reuters\r\n'
} >"$Q"
run queries "$SEARCH" -k 3 "$IX" --queries "$Q"
expect_status queries 1
compare_expected queries
expect_in queries err "$Q:4: unbalanced quote"
expect_in queries err "6 queries (1 failed)"
expect_in queries err "queries/s"
# Any number of threads prints the same, in the file's order.
for j in 2 3 8; do
    run "queries-j$j" "$SEARCH" -k 3 -j "$j" "$IX" --queries "$Q"
    expect_status "queries-j$j" 1
    checks=$((checks + 1))
    if ! cmp -s "$T/queries.out" "$T/queries-j$j.out"; then
        fail "queries-j$j: output differs from -j 1"
    fi
    expect_in "queries-j$j" err "$Q:4: unbalanced quote"
done
run queries-json "$SEARCH" --json -k 2 -j 2 "$IX" --queries "$Q"
expect_status queries-json 1
compare_expected queries-json
# Every query fine: exit 0; standard input as '-'.
grep -v unbalanced "$Q" >"$T/good.tsv"
run queries-ok "$SEARCH" -k 3 -j 2 "$IX" --queries - <"$T/good.tsv"
expect_status queries-ok 0
expect_in queries-ok err "5 queries (0 failed)"
checks=$((checks + 1))
if ! grep -v '^q4' "$T/queries.out" | cmp -s - "$T/queries-ok.out"; then
    fail "queries-ok: output differs from the run with the bad query"
fi
# More queries than are answered between two writes (1024): the order still holds.
awk 'BEGIN { for (i = 1; i <= 2600; i++) printf "n%d\t%s\n", i, (i % 3 ? "maduro oil" : "+flag " i) }' \
    >"$T/many.tsv"
run many1 "$SEARCH" -k 2 "$IX" --queries "$T/many.tsv"
expect_status many1 0
expect_in many1 err "2600 queries (0 failed)"
run many4 "$SEARCH" -k 2 -j 4 "$IX" --queries "$T/many.tsv"
expect_status many4 0
checks=$((checks + 1))
if ! cmp -s "$T/many1.out" "$T/many4.out"; then
    fail "many4: output differs from -j 1"
fi
checks=$((checks + 1))
if [ "$(wc -l <"$T/many4.out")" -ne $((1734 * 2 + 866)) ] ||
    ! cut -f1 "$T/many4.out" | sed 's/^n//' | sort -n -c 2>/dev/null; then
    fail "many4: hits missing or out of order"
fi
run queries-missing "$SEARCH" "$IX" --queries "$T/no-such.tsv"
expect_status queries-missing 1
expect_in queries-missing err "no-such.tsv"
run queries-j0 "$SEARCH" -j 0 "$IX" --queries "$Q"
expect_status queries-j0 2
run queries-j-big "$SEARCH" -j 257 "$IX" --queries "$Q"
expect_status queries-j-big 2
run queries-j-alone "$SEARCH" -j 2 "$IX" maduro
expect_status queries-j-alone 2
run queries-and-query "$SEARCH" "$IX" maduro --queries "$Q"
expect_status queries-and-query 2
run queries-explain "$SEARCH" --explain "$IX" --queries "$Q"
expect_status queries-explain 2

# ----- quarry-search failures -------------------------------------------------------------------

run quote "$SEARCH" "$IX" '"Delcy Rodriguez'
expect_status quote 1
expect_in quote err "quote"
expect_empty quote out
run paren "$SEARCH" "$IX" '(embassy OR oil'
expect_status paren 1
expect_in paren err "parenthesis"
run paren2 "$SEARCH" "$IX" 'embassy)'
expect_status paren2 1
expect_in paren2 err "parenthesis"
run operand "$SEARCH" "$IX" 'embassy AND'
expect_status operand 1
expect_nonempty operand err

run missing "$SEARCH" "$T/no-such.idx" maduro
expect_status missing 1
expect_in missing err "no-such.idx"
expect_empty missing out

cp -r "$IX" "$T/cut.idx"
post=$(ls "$T/cut.idx"/*.post)
head -c 100 "$post" >"$T/cut.post" && mv "$T/cut.post" "$post"
run truncated "$SEARCH" "$T/cut.idx" maduro
expect_status truncated 1
expect_in truncated err "corrupt"
expect_in truncated err ".post"
expect_empty truncated out

cp -r "$IX" "$T/badman.idx"
printf 'QUARRYMF garbage' >"$T/badman.idx/MANIFEST"
run badmanifest "$SEARCH" "$T/badman.idx" maduro
expect_status badmanifest 1
expect_in badmanifest err "corrupt"

run unknown "$SEARCH" --bogus "$IX" maduro
expect_status unknown 2
expect_in unknown err "--bogus"
run noquery "$SEARCH" "$IX"
expect_status noquery 2
expect_in noquery err "usage"
run twoqueries "$SEARCH" "$IX" maduro oil
expect_status twoqueries 2
run badk "$SEARCH" -k -3 "$IX" maduro
expect_status badk 2
run badk2 "$SEARCH" -k 1.5 "$IX" maduro
expect_status badk2 2
run badcolor "$SEARCH" --color sometimes "$IX" maduro
expect_status badcolor 2
run shelp "$SEARCH" --help
expect_status shelp 0
expect_in shelp out "usage"
run sversion "$SEARCH" --version
expect_status sversion 0
expect_in sversion out "quarry-search"

# ----- quarry-index -----------------------------------------------------------------------------

# Without -q: a summary on stdout.
run summary "$INDEX" "$T/summary.idx" "$SAMPLE"
expect_status summary 0
expect_in summary out "indexed 5 documents"
expect_empty summary err

# Invalid JSON Lines: each bad line is named file:line, the good ones are indexed, exit 3.
J=$T/docs.jsonl
{
    printf '{"id":"good-1","title":"First","text":"alpha bravo"}\n'
    printf '{"id":"broken", "text":\n'
    printf '\n'
    printf '{"id":7,"text":"charlie delta","extra":{"nested":[1,2]}}\n'
    printf '["not","an","object"]\n'
    printf '{"id":"good-1","text":"duplicate"}\n'
} >"$J"
run jsonl "$INDEX" -q "$T/jsonl.idx" --jsonl "$J"
expect_status jsonl 3
expect_in jsonl err "$J:2:"
expect_in jsonl err "$J:5:"
expect_in jsonl err "$J:6:"
expect_in jsonl err "duplicate"
run jsonl-search "$SEARCH" --json "$T/jsonl.idx" 'alpha OR charlie OR duplicate'
expect_status jsonl-search 0
expect_in jsonl-search out '"id":"good-1"'
expect_in jsonl-search out '"id":"7"'
checks=$((checks + 1))
if [ "$(wc -l <"$T/jsonl-search.out")" -ne 2 ]; then
    fail "jsonl-search: expected 2 hits, got $(cat "$T/jsonl-search.out")"
fi

# --strict: the first bad line stops the run, exit 1, and the previous index is untouched.
"$SEARCH" --json "$IX" '"Delcy Rodriguez" OR oil' >"$T/before.json" 2>&1
"$SEARCH" --info "$IX" >"$T/before.info" 2>&1
ls "$IX" >"$T/before.ls"
run strict "$INDEX" -q --strict "$IX" --jsonl "$J"
expect_status strict 1
expect_in strict err "$J:2:"
"$SEARCH" --json "$IX" '"Delcy Rodriguez" OR oil' >"$T/after.json" 2>&1
"$SEARCH" --info "$IX" >"$T/after.info" 2>&1
ls "$IX" >"$T/after.ls"
checks=$((checks + 1))
if ! cmp -s "$T/before.json" "$T/after.json" || ! cmp -s "$T/before.info" "$T/after.info" ||
    ! cmp -s "$T/before.ls" "$T/after.ls"; then
    fail "strict: the previous index changed"
fi

# A file that is not UTF-8 is skipped with a warning naming it, exit 3.
mkdir "$T/mixed"
printf 'Good title\nfoxtrot golf\n' >"$T/mixed/good.txt"
printf 'Bad title\nhotel \377\376 india\n' >"$T/mixed/bad.txt"
printf 'ignored\n' >"$T/mixed/ignored.csv"
run utf8 "$INDEX" -q "$T/mixed.idx" "$T/mixed"
expect_status utf8 3
expect_in utf8 err "bad.txt"
expect_in utf8 err "UTF-8"
run utf8-search "$SEARCH" --json "$T/mixed.idx" 'foxtrot OR hotel OR ignored'
expect_status utf8-search 0
expect_in utf8-search out '"id":"good.txt"'
checks=$((checks + 1))
if [ "$(wc -l <"$T/utf8-search.out")" -ne 1 ]; then
    fail "utf8-search: expected 1 hit, got $(cat "$T/utf8-search.out")"
fi

# Nothing to index: exit 1, "no documents", no index written.
mkdir "$T/empty"
run empty "$INDEX" -q "$T/empty.idx" "$T/empty"
expect_status empty 1
expect_in empty err "no documents"
checks=$((checks + 1))
if [ -e "$T/empty.idx/MANIFEST" ]; then
    fail "empty: an index was written"
fi
printf '{"bad json\n' >"$T/allbad.jsonl"
run allbad "$INDEX" -q "$T/allbad.idx" --jsonl "$T/allbad.jsonl"
expect_status allbad 1
expect_in allbad err "no documents"

# Usage errors: exit 2.
run iunknown "$INDEX" --bogus "$T/x.idx" "$SAMPLE"
expect_status iunknown 2
expect_in iunknown err "--bogus"
run inoinput "$INDEX" "$T/x.idx"
expect_status inoinput 2
expect_in inoinput err "usage"
run inolang "$INDEX" "$T/x.idx" "$SAMPLE" -l
expect_status inolang 2

# Errors: exit 1 with a message.
run ilang "$INDEX" -q -l klingon "$T/x.idx" "$SAMPLE"
expect_status ilang 1
expect_in ilang err "klingon"
expect_in ilang err "french"
run imissing "$INDEX" -q "$T/x.idx" "$T/no-such-folder"
expect_status imissing 1
expect_in imissing err "no-such-folder"

# A folder whose LOCK another process holds (flock(1) stands in for a running quarry-index and
# writes a pid the way a writer does): exit 1 naming the folder and the pid, index untouched.
if command -v flock >/dev/null 2>&1; then
    LX=$T/locked.idx
    "$INDEX" -q "$LX" "$SAMPLE"
    ls "$LX" >"$T/locked-before.ls"
    run locked flock "$LX/LOCK" sh -c 'echo 4321 >"$1"; exec "$2" -q "$3" "$4"' sh "$LX/LOCK" \
        "$INDEX" "$LX" "$T/mixed"
    expect_status locked 1
    expect_in locked err "$LX: locked by another writer (pid 4321)"
    rm -f "$LX/LOCK"
    ls "$LX" >"$T/locked-after.ls"
    checks=$((checks + 1))
    if ! cmp -s "$T/locked-before.ls" "$T/locked-after.ls"; then
        fail "locked: the folder changed"
    fi
fi
run ihelp "$INDEX" --help
expect_status ihelp 0
expect_in ihelp out "usage"

# Another language is recorded and used for queries.
run french "$INDEX" -q -l french "$T/fr.idx" --jsonl - <<'EOF'
{"id":"fr","text":"Les chanteuses chantaient"}
EOF
expect_status french 0
run french-search "$SEARCH" --no-snippets "$T/fr.idx" chanteuse
expect_status french-search 0
expect_in french-search out "1 of 1 matching document"
run french-info "$SEARCH" --info "$T/fr.idx"
expect_in french-info out "language french"

# Re-indexing replaces the index: generation 2, the old generation's files gone.
run reindex "$INDEX" -q "$T/summary.idx" "$SAMPLE/003_343be6f40bc08b8a.txt"
expect_status reindex 0
run reindex-info "$SEARCH" --info "$T/summary.idx"
expect_in reindex-info out "generation 2, 1 documents"
checks=$((checks + 1))
for f in "$T/summary.idx"/seg_1_*; do
    if [ -e "$f" ]; then
        fail "reindex: seg_1_* files left behind: $(ls "$T/summary.idx")"
        break
    fi
done

# ----- quarry-index --add, --delete, --memory, -j -----------------------------------------------

# --add: a document whose id is in the index replaces it, new ones are added; one commit.
UX=$T/upd.idx
"$INDEX" -q "$UX" "$SAMPLE"
U=$T/upd.jsonl
{
    printf '{"id":"000_8f4d31560d95e004.txt","title":"Zoo news","text":"A zebra and a giraffe."}\n'
    printf '{"id":"new-1","title":"New","text":"The zebra escaped; embassy staff watched."}\n'
} >"$U"
run add "$INDEX" "$UX" --add --jsonl "$U"
expect_status add 0
expect_in add out "indexed 2 documents"
expect_in add out "deleted 1 document (1 replaced by a new version)"
expect_in add out "index: 6 documents in 2 segments"
golden update-add --no-snippets "$UX" 'zebra OR giraffe OR "embassy reopening"'
run add-info "$SEARCH" --info "$UX"
expect_in add-info out "generation 2, 6 documents"

# --delete: by id, from the index as it was; an unknown id is a warning and exit 3.
run delete "$INDEX" -q "$UX" --delete 001_786c4e5d2393abf5.txt new-1 no-such-id
expect_status delete 3
expect_in delete err "no document with id 'no-such-id'"
expect_empty delete out
golden update-delete --no-snippets "$UX" 'zebra OR giraffe OR "embassy reopening"'
run delete-info "$SEARCH" --info "$UX"
expect_in delete-info out "generation 3, 4 documents"

# --delete-file (one id a line; CRLF and blank lines are fine) with --add in one commit: the
# deletions apply to the index before the additions, so a document added again stays.
printf '002_9643f1b6fcffd125.txt\r\n\nnew-2\n' >"$T/ids.txt"
printf '{"id":"new-2","title":"Again","text":"A zebra again."}\n' >"$T/again.jsonl"
run delete-file "$INDEX" -q "$UX" --add --jsonl "$T/again.jsonl" --delete-file "$T/ids.txt"
expect_status delete-file 3
expect_in delete-file err "no document with id 'new-2'"
golden update-delete-file --no-snippets "$UX" 'zebra OR giraffe OR "embassy reopening"'
run delete-file-check "$SEARCH" --check "$UX"
expect_status delete-file-check 0
expect_in delete-file-check out "OK"

# Usage: --delete with inputs but no --add, bad sizes and thread counts.
run delete-create "$INDEX" "$T/x.idx" "$SAMPLE" --delete a
expect_status delete-create 2
expect_in delete-create err "--add"
run delete-none "$INDEX" "$UX" --delete
expect_status delete-none 2
run memory-bad "$INDEX" --memory 12X "$T/x.idx" "$SAMPLE"
expect_status memory-bad 2
expect_in memory-bad err "--memory"
run memory-zero "$INDEX" --memory 0 "$T/x.idx" "$SAMPLE"
expect_status memory-zero 2
run threads-bad "$INDEX" -j 0 "$T/x.idx" "$SAMPLE"
expect_status threads-bad 2
expect_in threads-bad err "-j"

# --memory and -j change how the documents are cut into segments, never the answers.
run memory "$INDEX" --memory 1M -j 2 "$T/mem.idx" "$SAMPLE"
expect_status memory 0
expect_in memory out "index: 5 documents in 5 segments"
run memory-k "$INDEX" -q --memory 64MiB -j 1 "$T/mem64.idx" "$SAMPLE"
expect_status memory-k 0
for q in 'embassy reopening' '"Delcy Rodriguez"' '+maduro -oil'; do
    "$SEARCH" --json "$IX" "$q" >"$T/one.json" 2>&1
    "$SEARCH" --json "$T/mem.idx" "$q" >"$T/many.json" 2>&1
    "$SEARCH" --json "$T/mem64.idx" "$q" >"$T/mem64.json" 2>&1
    checks=$((checks + 1))
    if ! cmp -s "$T/one.json" "$T/many.json" || ! cmp -s "$T/one.json" "$T/mem64.json"; then
        fail "memory: '$q' answers differently with 5 segments: $(diff "$T/one.json" "$T/many.json")"
    fi
done

# ----- quarry-search --check ---------------------------------------------------------------------

# A sound index: a report on stdout, "OK", exit 0.
run check "$SEARCH" --check "$IX"
expect_status check 0
expect_empty check err
expect_in check out "documents    5"
expect_in check out "files        6"
expect_in check out "OK"

# One flipped bit anywhere is found (the checksums), and the file is named: exit 1.
# flip_bit FILE OFFSET: flips bit 0 of the byte at OFFSET, in place.
flip_bit() {
    byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
for ext in dict post pos docs store; do
    rm -rf "$T/flip.idx"
    cp -r "$IX" "$T/flip.idx"
    f=$(ls "$T/flip.idx"/*."$ext")
    flip_bit "$f" $(($(wc -c <"$f") / 2))
    run "check-$ext" "$SEARCH" --check "$T/flip.idx"
    expect_status "check-$ext" 1
    expect_in "check-$ext" out "FAILED"
    expect_in "check-$ext" err ".$ext"
    expect_in "check-$ext" err "corrupt"
done
checks=$((checks + 1))
if cmp -s "$f" "$IX/$(basename "$f")"; then
    fail "check: flip_bit did not change $f"
fi

# A truncated file fails at open; no index, or a query with --check, as usual.
run check-cut "$SEARCH" --check "$T/cut.idx"
expect_status check-cut 1
expect_in check-cut err ".post"
run check-missing "$SEARCH" --check "$T/no-such.idx"
expect_status check-missing 1
expect_in check-missing err "no-such.idx"
run check-query "$SEARCH" --check "$IX" maduro
expect_status check-query 2
expect_in check-query err "usage"

if [ "$failures" -ne 0 ]; then
    echo "$failures of $checks CLI checks failed" >&2
    exit 1
fi
echo "all $checks CLI checks passed"
exit 0
