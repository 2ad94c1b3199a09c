/*
 * test_merge.c: segment merging (indexer/segmerge.c). The strongest statement of correctness
 * is equality: merging the segments of two indexes, built from the two halves of a corpus,
 * must give exactly the dictionary, postings and positions files that indexing the whole
 * corpus in one segment gives, and the same documents; merging with deletion bitmaps must
 * give those of an index of the live documents alone. Store blocks whose texts are all live
 * must be copied whole. The merged segment, named by a manifest, must then open and pass deep
 * verification. Corrupt input must fail cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>

#include "common/buf.h"
#include "common/manifest.h"
#include "common/segment.h"
#include "indexer/internal.h"
#include "quarry/quarry.h"
#include "testutil.h"

#define NDOCS 700
#define HALF  350

static char root[256];

/* Indexes documents [from, to) of the corpus, skipping those that `skip` marks, into dir. */
static void build(const char *dir, uint32_t from, uint32_t to, const uint8_t *skip)
{
    quarry_writer *w = NULL;
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.threads = 1; /* one segment */
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_OK);
    static char text[16384];
    for (uint32_t i = from; i < to; i++) {
        if (skip && (skip[i / 8] >> (i % 8) & 1))
            continue;
        char id[32], title[64];
        snprintf(id, sizeof id, "doc-%04u", i);
        snprintf(title, sizeof title, "Title %u %s", i, i % 3 ? "oil" : "embassy reopening");
        testutil_doc_text(text, sizeof text, i);
        quarry_document d = {id, strlen(id), title, strlen(title), text, strlen(text)};
        assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    }
    if (quarry_writer_commit(w) != QUARRY_OK)
        fail_msg("commit: %s", quarry_writer_errmsg(w));
    quarry_writer_free(w);
}

/* Opens the single segment of the index in dir. */
static void open_only_segment(segment *s, manifest *m, const char *dir)
{
    char err[512];
    if (manifest_read(m, dir, err, sizeof err) || m->nsegments != 1)
        fail_msg("%s: %s", dir, err);
    if (segment_open(s, dir, &m->segments[0], err, sizeof err))
        fail_msg("%s", err);
}

/* The name of the only segment of the index in dir. */
static void only_name(char *dst, size_t cap, const char *dir)
{
    manifest m;
    char err[512];
    if (manifest_read(&m, dir, err, sizeof err) || m.nsegments != 1)
        fail_msg("%s: %s", dir, err);
    snprintf(dst, cap, "%s", m.segments[0].name);
    manifest_free(&m);
}

/* The documents of two opened segments are the same: ids, titles, texts and lengths. */
static void assert_same_documents(const segment *x, const segment *y)
{
    assert_int_equal(x->ndocs, y->ndocs);
    assert_int_equal(x->tokens, y->tokens);
    struct libdeflate_decompressor *z = libdeflate_alloc_decompressor();
    assert_non_null(z);
    buf sx = BUF_INIT, sy = BUF_INIT, tx = BUF_INIT, ty = BUF_INIT;
    char err[512] = "";
    for (uint32_t d = 0; d < x->ndocs; d++) {
        doc_meta a, b;
        const char *ta, *tb;
        if (segment_doc_meta(x, z, d, &sx, &a, err, sizeof err) ||
            segment_doc_meta(y, z, d, &sy, &b, err, sizeof err) ||
            segment_doc_text(x, z, &a, &tx, &ta, err, sizeof err) ||
            segment_doc_text(y, z, &b, &ty, &tb, err, sizeof err))
            fail_msg("document %u: %s", d, err);
        if (a.id_len != b.id_len || memcmp(a.id, b.id, a.id_len) != 0 ||
            a.title_len != b.title_len || memcmp(a.title, b.title, a.title_len) != 0 ||
            a.text_len != b.text_len || memcmp(ta, tb, a.text_len) != 0 ||
            segment_doc_length(x, d) != segment_doc_length(y, d))
            fail_msg("document %u differs", d);
    }
    libdeflate_free_decompressor(z);
    buf_free(&sx);
    buf_free(&sy);
    buf_free(&tx);
    buf_free(&ty);
}

/* Segment ms of the index in a equals the only segment of b: the term dictionary, postings and
 * positions byte for byte, the documents as read (store blocks copied whole by a merge end
 * where their segment's did, so the .docs and .store bytes may differ). */
static void assert_same_segment(const char *a, const manifest_segment *ms, const char *b)
{
    char other[64];
    only_name(other, sizeof other, b);
    for (int f = SEG_DICT; f <= SEG_POS; f++) {
        char x[128], y[128];
        snprintf(x, sizeof x, "%s%s", ms->name, manifest_suffixes[f]);
        snprintf(y, sizeof y, "%s%s", other, manifest_suffixes[f]);
        char *px = testutil_join(a, x), *py = testutil_join(b, y);
        size_t nx, ny;
        uint8_t *dx = testutil_read_all(px, &nx), *dy = testutil_read_all(py, &ny);
        if (nx != ny || memcmp(dx, dy, nx) != 0)
            fail_msg("%s differs from %s (%zu and %zu bytes)", px, py, nx, ny);
        free(dx);
        free(dy);
        free(px);
        free(py);
    }
    segment sx, sy;
    manifest m;
    char err[512] = "";
    if (segment_open(&sx, a, ms, err, sizeof err))
        fail_msg("%s", err);
    open_only_segment(&sy, &m, b);
    assert_same_documents(&sx, &sy);
    segment_close(&sx);
    segment_close(&sy);
    manifest_free(&m);
}

/* How many of the store blocks of the only segment of `from` holding at least `min_raw` bytes
 * appear, compressed bytes and all, in segment ms of the index in dir (copied whole). */
static size_t blocks_copied(const char *from, const char *dir, const manifest_segment *ms,
                            uint32_t min_raw, size_t *eligible)
{
    segment in, out;
    manifest m;
    char err[512] = "";
    open_only_segment(&in, &m, from);
    if (segment_open(&out, dir, ms, err, sizeof err))
        fail_msg("%s", err);
    size_t found = 0;
    *eligible = 0;
    for (uint32_t b = 0; b < in.nblocks; b++) {
        const uint8_t *z;
        uint32_t clen, rawlen;
        assert_int_equal(segment_store_block(&in, b, &z, &clen, &rawlen, err, sizeof err), 0);
        if (rawlen < min_raw)
            continue;
        (*eligible)++;
        for (uint32_t c = 0; c < out.nblocks; c++) {
            const uint8_t *zc;
            uint32_t cl, rl;
            assert_int_equal(segment_store_block(&out, c, &zc, &cl, &rl, err, sizeof err), 0);
            if (cl == clen && rl == rawlen && memcmp(zc, z, clen) == 0) {
                found++;
                break;
            }
        }
    }
    segment_close(&in);
    segment_close(&out);
    manifest_free(&m);
    return found;
}

/* Merges the single segments of the indexes in `parts` (with deletion bitmaps `del`, which
 * may be NULL) into dir/<name>; returns the manifest entry. */
static int merge_into(const char *dir, const char *name, const char *const *parts,
                      uint8_t *const *del, size_t n, manifest_segment *out, char *err, size_t cap)
{
    segment segs[4];
    manifest mans[4];
    merge_input in[4];
    for (size_t i = 0; i < n; i++) {
        open_only_segment(&segs[i], &mans[i], parts[i]);
        in[i].seg = &segs[i];
        in[i].deleted = del ? del[i] : NULL;
    }
    int rc = segmerge_run(dir, name, in, n, out, err, cap);
    for (size_t i = 0; i < n; i++) {
        segment_close(&segs[i]);
        manifest_free(&mans[i]);
    }
    return rc;
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/quarry_test_merge_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testutil_rm_rf(root);
    return 0;
}

/* Two halves merged = the whole corpus indexed at once, file for file. */
static void test_merge_equals_build(void **state)
{
    (void)state;
    char *a = testutil_join(root, "a"), *b = testutil_join(root, "b");
    char *whole = testutil_join(root, "whole"), *out = testutil_join(root, "out");
    build(a, 0, HALF, NULL);
    build(b, HALF, NDOCS, NULL);
    build(whole, 0, NDOCS, NULL);
    assert_int_equal(mkdir(out, 0755), 0);
    const char *parts[2] = {a, b};
    manifest_segment ms;
    char err[512] = "";
    if (merge_into(out, "seg_2_1", parts, NULL, 2, &ms, err, sizeof err))
        fail_msg("merge: %s", err);
    assert_int_equal(ms.docs, NDOCS);
    assert_same_segment(out, &ms, whole);
    /* Without deletions every store block of a normal length goes over as it was. */
    size_t eligible, copied = blocks_copied(a, out, &ms, FORMAT_STORE_BLOCK / 2, &eligible);
    assert_true(eligible > 2);
    assert_int_equal(copied, eligible);

    /* Named by a manifest, the merged segment is an index that passes deep verification. */
    manifest m = {2, "english", 1, &ms};
    assert_int_equal(manifest_write(&m, out, err, sizeof err), QUARRY_OK);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, out), QUARRY_OK);
    quarry_verify_report rep;
    if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
        fail_msg("verify: %s", rep.message);
    assert_int_equal(rep.docs, NDOCS);
    quarry_index_close(ix);
    free(a);
    free(b);
    free(whole);
    free(out);
}

/* Merging drops deleted documents (and the terms only they held): the result equals an index
 * of the live documents alone. */
static void test_merge_drops_deleted(void **state)
{
    (void)state;
    char *a = testutil_join(root, "da"), *b = testutil_join(root, "db");
    char *live = testutil_join(root, "live"), *out = testutil_join(root, "dout");
    build(a, 0, HALF, NULL);
    build(b, HALF, NDOCS, NULL);
    uint8_t skip[(NDOCS + 7) / 8] = {0};
    for (uint32_t i = 0; i < NDOCS; i++)
        /* Some "unique" terms vanish; the last 200 documents keep whole store blocks. */
        if (((i % 7 == 3 || i % 50 == 7) && i < 500) || (i >= 100 && i < 260))
            skip[i / 8] |= (uint8_t)(1u << (i % 8));
    build(live, 0, NDOCS, skip);
    /* The bitmaps of the two halves, numbered within each. */
    uint8_t da[(HALF + 7) / 8] = {0}, db[(NDOCS - HALF + 7) / 8] = {0};
    for (uint32_t i = 0; i < NDOCS; i++)
        if (skip[i / 8] >> (i % 8) & 1) {
            if (i < HALF)
                da[i / 8] |= (uint8_t)(1u << (i % 8));
            else
                db[(i - HALF) / 8] |= (uint8_t)(1u << ((i - HALF) % 8));
        }
    assert_int_equal(mkdir(out, 0755), 0);
    const char *parts[2] = {a, b};
    uint8_t *dels[2] = {da, db};
    manifest_segment ms;
    char err[512] = "";
    if (merge_into(out, "seg_3_1", parts, dels, 2, &ms, err, sizeof err))
        fail_msg("merge: %s", err);
    assert_same_segment(out, &ms, live);
    /* Blocks with a deleted text are re-packed, the others copied. */
    size_t eligible, copied = blocks_copied(b, out, &ms, FORMAT_STORE_BLOCK / 2, &eligible);
    assert_true(copied > 0 && copied < eligible);

    /* Every document deleted: an empty segment, still a valid index. */
    memset(da, 0xff, sizeof da);
    memset(db, 0xff, sizeof db);
    da[sizeof da - 1] = (uint8_t)((1u << (HALF % 8 ? HALF % 8 : 8)) - 1);
    if (merge_into(out, "seg_4_1", parts, dels, 2, &ms, err, sizeof err))
        fail_msg("merge: %s", err);
    assert_int_equal(ms.docs, 0);
    manifest m = {4, "english", 1, &ms};
    assert_int_equal(manifest_write(&m, out, err, sizeof err), QUARRY_OK);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, out), QUARRY_OK);
    quarry_verify_report rep;
    if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
        fail_msg("verify: %s", rep.message);
    quarry_index_close(ix);
    free(a);
    free(b);
    free(live);
    free(out);
}

/* A corrupt posting list in an input fails the merge with a message naming the file. */
static void test_merge_corrupt_input(void **state)
{
    (void)state;
    char *a = testutil_join(root, "ca"), *out = testutil_join(root, "cout");
    build(a, 0, HALF, NULL);
    assert_int_equal(mkdir(out, 0755), 0);
    /* Damage the middle of the .post body; the footer CRC is recomputed so that the segment
     * still opens (open checks the framing, not every byte). */
    char seg[64], postname[96];
    only_name(seg, sizeof seg, a);
    snprintf(postname, sizeof postname, "%s.post", seg);
    char *post = testutil_join(a, postname);
    size_t n;
    uint8_t *data = testutil_read_all(post, &n);
    for (size_t k = n / 3; k < n / 3 + 64 && k < n - 16; k++)
        data[k] ^= 0x5a;
    uint32_t crc = testutil_fix_crc(data, n);
    FILE *f = fopen(post, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    /* The manifest records the CRC: rewrite it. */
    manifest m;
    char err[512] = "";
    assert_int_equal(manifest_read(&m, a, err, sizeof err), QUARRY_OK);
    m.segments[0].files[SEG_POST].crc = crc;
    assert_int_equal(manifest_write(&m, a, err, sizeof err), QUARRY_OK);
    manifest_free(&m);
    const char *parts[1] = {a};
    manifest_segment ms;
    int rc = merge_into(out, "seg_5_1", parts, NULL, 1, &ms, err, sizeof err);
    assert_int_equal(rc, QUARRY_ECORRUPT);
    assert_non_null(strstr(err, postname));
    free(data);
    free(post);
    free(a);
    free(out);
}

/* Adds documents [from, to) in one append commit (deleting those `del` marks first). */
static void append(const char *dir, uint32_t from, uint32_t to, const uint8_t *del, int optimize,
                   quarry_writer_stats *st)
{
    quarry_writer *w = NULL;
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.threads = 1;
    o.mode = QUARRY_WRITER_APPEND;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_OK);
    static char text[16384];
    for (uint32_t i = 0; del && i < NDOCS; i++)
        if (del[i / 8] >> (i % 8) & 1) {
            char id[32];
            snprintf(id, sizeof id, "doc-%04u", i);
            assert_int_equal(quarry_writer_delete(w, id, strlen(id)), QUARRY_OK);
        }
    for (uint32_t i = from; i < to; i++) {
        char id[32], title[64];
        snprintf(id, sizeof id, "doc-%04u", i);
        snprintf(title, sizeof title, "Title %u %s", i, i % 3 ? "oil" : "embassy reopening");
        testutil_doc_text(text, sizeof text, i);
        quarry_document d = {id, strlen(id), title, strlen(title), text, strlen(text)};
        assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    }
    if (optimize)
        assert_int_equal(quarry_writer_optimize(w), QUARRY_OK);
    if (quarry_writer_commit(w) != QUARRY_OK)
        fail_msg("commit: %s", quarry_writer_errmsg(w));
    assert_int_equal(quarry_writer_get_stats(st, w), QUARRY_OK);
    quarry_writer_free(w);
}

/* Through the writer: many small append commits keep few segments (the policy merges them as
 * they come), the index answers as one built at once, and --optimize after deletions gives,
 * file for file, the index of the live documents. */
static void test_commits_merge(void **state)
{
    (void)state;
    char *grown = testutil_join(root, "grown"), *whole = testutil_join(root, "gwhole");
    char *live = testutil_join(root, "glive");
    build(whole, 0, NDOCS, NULL);
    quarry_writer_stats st;
    build(grown, 0, 100, NULL);
    uint64_t most = 0, merges = 0;
    for (uint32_t from = 100; from < NDOCS; from += 10) { /* 50 commits of 10 documents */
        append(grown, from, from + 10, NULL, 0, &st);
        if (st.index_segments > most)
            most = st.index_segments;
        merges += st.merges;
    }
    assert_true(merges > 0);
    if (most > 11)
        fail_msg("%llu segments", (unsigned long long)most);
    /* Same answers, bit for bit, as the index built at once (merges keep document order). */
    quarry_index *a = NULL, *b = NULL;
    assert_int_equal(quarry_index_open(&a, whole), QUARRY_OK);
    assert_int_equal(quarry_index_open(&b, grown), QUARRY_OK);
    quarry_searcher *sa = NULL, *sb = NULL;
    assert_int_equal(quarry_searcher_create(&sa, a), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&sb, b), QUARRY_OK);
    static const char *const qs[] = {"embassy", "the oil", "\"embassy reopening\"",
                                     "+caracas +crude", "unique57"};
    for (size_t q = 0; q < sizeof qs / sizeof qs[0]; q++) {
        quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
        o.k = 50;
        o.count = 1;
        o.snippet_bytes = 0;
        quarry_results *ra = NULL, *rb = NULL;
        assert_int_equal(quarry_searcher_search(&ra, sa, qs[q], strlen(qs[q]), &o), QUARRY_OK);
        assert_int_equal(quarry_searcher_search(&rb, sb, qs[q], strlen(qs[q]), &o), QUARRY_OK);
        assert_int_equal(quarry_results_size(ra), quarry_results_size(rb));
        assert_int_equal(quarry_results_total(ra), quarry_results_total(rb));
        for (size_t i = 0; i < quarry_results_size(ra); i++) {
            quarry_hit x, y;
            quarry_results_get(&x, ra, i);
            quarry_results_get(&y, rb, i);
            if (x.docid != y.docid || x.score != y.score)
                fail_msg("%s, hit %zu: %u %.17g vs %u %.17g", qs[q], i, x.docid, x.score, y.docid,
                         y.score);
        }
        quarry_results_free(ra);
        quarry_results_free(rb);
    }
    quarry_searcher_free(sa);
    quarry_searcher_free(sb);
    quarry_index_close(a);
    quarry_index_close(b);

    /* Delete some, then optimize: one segment, equal to a fresh index of the live ones. */
    uint8_t del[(NDOCS + 7) / 8] = {0};
    for (uint32_t i = 0; i < NDOCS; i++)
        if (i % 9 == 4 || i % 50 == 7)
            del[i / 8] |= (uint8_t)(1u << (i % 8));
    append(grown, 0, 0, del, 0, &st);
    assert_true(st.deleted > 0);
    append(grown, 0, 0, NULL, 1, &st);
    assert_int_equal(st.index_segments, 1);
    build(live, 0, NDOCS, del);
    manifest gm;
    char err[512] = "";
    if (manifest_read(&gm, grown, err, sizeof err) || gm.nsegments != 1)
        fail_msg("%s: %s", grown, err);
    assert_same_segment(grown, &gm.segments[0], live);
    manifest_free(&gm);
    /* Optimizing an optimized index changes nothing. */
    append(grown, 0, 0, NULL, 1, &st);
    assert_int_equal(st.merges, 0);
    free(grown);
    free(whole);
    free(live);
}

/* Applies runs to a simulated list of segment sizes; returns the documents rewritten. */
static uint64_t apply(uint64_t *live, uint64_t *dead, size_t *n, const merge_run *runs,
                      size_t nruns)
{
    uint64_t work = 0;
    for (size_t r = nruns; r-- > 0;) { /* from the last run: earlier indexes stay valid */
        uint64_t sum = 0;
        for (size_t i = runs[r].first; i < runs[r].first + runs[r].count; i++)
            sum += live[i];
        work += sum;
        live[runs[r].first] = sum;
        dead[runs[r].first] = 0;
        size_t gone = runs[r].count - 1;
        memmove(live + runs[r].first + 1, live + runs[r].first + 1 + gone,
                (*n - runs[r].first - 1 - gone) * sizeof *live);
        memmove(dead + runs[r].first + 1, dead + runs[r].first + 1 + gone,
                (*n - runs[r].first - 1 - gone) * sizeof *dead);
        *n -= gone;
    }
    return work;
}

/* The policy keeps the segment count logarithmic while commits add small segments, rewrites
 * each document a logarithmic number of times, merges only adjacent runs and reclaims mostly
 * deleted segments. */
static void test_policy(void **state)
{
    (void)state;
    static uint64_t live[4096], dead[4096];
    size_t n = 0, most = 0;
    uint64_t total = 0, work = 0;
    merge_run runs[64];
    for (int commit = 0; commit < 3000; commit++) {
        live[n] = 50 + (uint64_t)(commit % 7) * 10; /* a small commit */
        dead[n++] = 0;
        total += live[n - 1];
        size_t nr;
        while ((nr = merge_plan(live, dead, n, runs, 64)) > 0) {
            for (size_t r = 0; r < nr; r++) {
                assert_true(runs[r].count >= 1);
                assert_true(runs[r].first + runs[r].count <= n);
                if (r)
                    assert_true(runs[r].first >= runs[r - 1].first + runs[r - 1].count);
            }
            work += apply(live, dead, &n, runs, nr);
        }
        if (n > most)
            most = n;
    }
    /* 3,000 commits, ~240,000 documents: about 10 segments per power of ten. */
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += live[i];
    assert_int_equal(sum, total);
    if (most > 60)
        fail_msg("%zu segments at most", most);
    if (work > total * 8)
        fail_msg("%llu documents rewritten for %llu added", (unsigned long long)work,
                 (unsigned long long)total);

    /* A big segment next to a few small ones: nothing to do; the big one mostly deleted:
     * rewritten alone. */
    uint64_t l2[4] = {250000, 100, 100, 100}, d2[4] = {0, 0, 0, 0};
    assert_int_equal(merge_plan(l2, d2, 4, runs, 64), 0);
    l2[0] = 100000;
    d2[0] = 150000;
    assert_int_equal(merge_plan(l2, d2, 4, runs, 64), 1);
    assert_int_equal(runs[0].first, 0);
    assert_int_equal(runs[0].count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_equals_build),  cmocka_unit_test(test_merge_drops_deleted),
        cmocka_unit_test(test_merge_corrupt_input), cmocka_unit_test(test_policy),
        cmocka_unit_test(test_commits_merge),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
