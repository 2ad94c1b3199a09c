#!/bin/sh
# make_index_seed.sh: builds a tiny real index with quarry-index and packs it in the container
# format of index_fuzzer.c, as seeds for fuzz/corpus/index/. Run it again (and commit the
# result) when the on-disk format changes:
#
#     fuzz/make_index_seed.sh build/quarry-index fuzz/corpus/index
#
# It writes three seeds from the same index, one per container mode:
#   seed-raw     flags 0: the files as quarry-index wrote them
#   seed-fixcrc  flags 2: the same, with the target recomputing the MANIFEST's CRC
#   seed-synth   flags 1: no MANIFEST bytes; the target synthesizes one from the other files
# The documents hold the words of index_fuzzer.c's queries.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 QUARRY_INDEX OUT_DIR" >&2
    exit 2
fi
qi=$1
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/docs"
printf 'Alpha\nThe quick brown fox jumps over the lazy dog.\n' >"$tmp/docs/a.txt"
printf 'Beta\nA lazy dog sleeps; the fox runs away, quick quick.\n' >"$tmp/docs/b.txt"
printf 'Gamma\nCaf\303\251 in Z\303\274rich: a dog, a fox and a cat.\n' >"$tmp/docs/c.txt"
"$qi" -q -j 1 "$tmp/idx" "$tmp/docs"

# u32le N: N as 4 little-endian bytes.
u32le() {
    n=$1
    for _ in 1 2 3 4; do
        printf "\\$(printf '%03o' $((n % 256)))"
        n=$((n / 256))
    done
}

size() {
    echo $(($(wc -c <"$1")))
}

segfiles="seg_1_0.dict seg_1_0.post seg_1_0.pos seg_1_0.docs seg_1_0.store"
for f in MANIFEST $segfiles; do
    [ -f "$tmp/idx/$f" ] || {
        echo "$0: $tmp/idx/$f missing: has the index layout changed?" >&2
        exit 1
    }
done

# container FLAGS WITH_MANIFEST: the container on standard output.
container() {
    printf "\\$(printf '%03o' "$1")"
    if [ "$2" = yes ]; then u32le "$(size "$tmp/idx/MANIFEST")"; else u32le 0; fi
    for f in seg_1_0.dict seg_1_0.post seg_1_0.pos seg_1_0.docs; do
        u32le "$(size "$tmp/idx/$f")"
    done
    if [ "$2" = yes ]; then cat "$tmp/idx/MANIFEST"; fi
    for f in $segfiles; do
        cat "$tmp/idx/$f"
    done
}

mkdir -p "$out"
container 0 yes >"$out/seed-raw"
container 2 yes >"$out/seed-fixcrc"
container 1 no >"$out/seed-synth"
