/*
 * test_segments.c: searching an index of several segments with deletion bitmaps.
 *
 * Three indexes built from consecutive slices of a synthetic corpus are put together, file by
 * file, as the segments of one commit; searching it must give exactly what the index of the
 * whole corpus in one segment gives: the same documents in the same order with bit-identical
 * scores (the statistics are summed over segments) and the same totals. Then a deletion
 * bitmap is added to one segment: deleted documents disappear from hits and totals while every
 * other score stays the same (deleted documents still count in N, df and avgdl until merged),
 * verification passes, and a damaged deletion file is refused on open.
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

#include "common/fileio.h"
#include "common/format.h"
#include "common/manifest.h"
#include "common/segment.h"
#include "quarry/quarry.h"
#include "testutil.h"

#define NDOCS 600
static const uint32_t cuts[4] = {0, 200, 450, NDOCS}; /* the three slices */

static char root[256], whole[300], multi[300];

static const char *const queries[] = {
    "embassy",
    "the",
    "oil sanctions",
    "\"embassy reopening\"",
    "+caracas +oil",
    "crude -tanker",
    "unique57 OR unique7",
    "\"the the\"",
    "word3 word50 envoy",
    "delcy AND (rodriguez OR venezuela)",
    "zzzz",
};

static void build(const char *dir, uint32_t from, uint32_t to)
{
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, NULL), QUARRY_OK);
    static char text[16384];
    for (uint32_t i = from; i < to; i++) {
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

static void copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *data = testutil_read_all(from, &n);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(data);
}

/* Writes <multi>/seg_5_<s>.<gen>.del marking the documents i (numbered within segment s) for
 * which deleted(i) holds, and records it in *ms. */
static void write_deletions(manifest_segment *ms, uint64_t gen, int (*deleted)(uint32_t))
{
    size_t nbytes = (ms->docs + 7) / 8;
    uint8_t *bits = calloc(nbytes + 1, 1);
    assert_non_null(bits);
    uint32_t count = 0;
    for (uint32_t d = 0; d < ms->docs; d++)
        if (deleted(d)) {
            bits[d / 8] |= (uint8_t)(1u << (d % 8));
            count++;
        }
    snprintf(ms->del.suffix, sizeof ms->del.suffix, ".%llu%s", (unsigned long long)gen,
             FORMAT_SUFFIX_DELETIONS);
    char name[128];
    snprintf(name, sizeof name, "%s%s", ms->name, ms->del.suffix);
    char *path = testutil_join(multi, name);
    filew f;
    assert_int_equal(filew_open(&f, path), QUARRY_OK);
    filew_header(&f, FORMAT_KIND_DELETIONS);
    uint8_t head[8];
    testutil_set_u32(head, ms->docs);
    testutil_set_u32(head + 4, count);
    filew_write(&f, head, 8);
    filew_write(&f, bits, nbytes);
    filew_footer(&f, 0);
    assert_int_equal(filew_commit(&f, &ms->del.size, &ms->del.crc), QUARRY_OK);
    ms->deleted = count;
    free(path);
    free(bits);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/quarry_test_segments_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root))
        return -1;
    snprintf(whole, sizeof whole, "%s/whole", root);
    snprintf(multi, sizeof multi, "%s/multi", root);
    build(whole, 0, NDOCS);
    /* Three slices, then their files gathered as the segments of generation 5 of `multi`. */
    manifest_segment segs[3];
    if (mkdir(multi, 0755) != 0)
        return -1;
    for (int s = 0; s < 3; s++) {
        char part[300], err[512];
        snprintf(part, sizeof part, "%s/part%d", root, s);
        build(part, cuts[s], cuts[s + 1]);
        manifest m;
        assert_int_equal(manifest_read(&m, part, err, sizeof err), QUARRY_OK);
        segs[s] = m.segments[0];
        manifest_free(&m);
        snprintf(segs[s].name, sizeof segs[s].name, "seg_5_%d", s + 1);
        for (int f = 0; f < FORMAT_SEGMENT_FILES; f++) {
            char from[1536], to[1536];
            snprintf(from, sizeof from, "%s/seg_1_0%s", part, manifest_suffixes[f]);
            snprintf(to, sizeof to, "%s/%s%s", multi, segs[s].name, manifest_suffixes[f]);
            copy_file(from, to);
        }
    }
    manifest m = {5, "english", 3, segs};
    char err[512];
    assert_int_equal(manifest_write(&m, multi, err, sizeof err), QUARRY_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testutil_rm_rf(root);
    return 0;
}

/* All hits of q (k = NDOCS, counted exactly) in ix. */
static quarry_results *all_hits(quarry_searcher *s, const char *q, size_t k, int count)
{
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k = k;
    o.count = count;
    o.snippet_bytes = 0;
    quarry_results *r = NULL;
    if (quarry_searcher_search(&r, s, q, strlen(q), &o) != QUARRY_OK)
        fail_msg("%s: %s", q, quarry_searcher_errmsg(s));
    return r;
}

static int deleted_in_middle(uint32_t d)
{
    return d % 5 == 1 || d == 0 || d == 249;
}

/* Is global document i of the corpus deleted by deleted_in_middle (in segment 2)? */
static int corpus_deleted(uint32_t i)
{
    return i >= cuts[1] && i < cuts[2] && deleted_in_middle(i - cuts[1]);
}

/* Compares the answers of `multi` (with or without its deletions) with those of `whole`. */
static void compare(int with_deletions)
{
    quarry_index *a = NULL, *b = NULL;
    quarry_searcher *sa = NULL, *sb = NULL;
    if (quarry_index_open(&a, whole) || quarry_index_open(&b, multi))
        fail_msg("open: %s / %s", quarry_index_errmsg(a), quarry_index_errmsg(b));
    assert_int_equal(quarry_searcher_create(&sa, a), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&sb, b), QUARRY_OK);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        for (int pass = 0; pass < 3; pass++) {
            size_t k = pass == 0 ? NDOCS : pass == 1 ? 10 : 1;
            int count = pass == 0;
            quarry_results *ra = all_hits(sa, queries[q], k + (with_deletions ? NDOCS : 0), count);
            quarry_results *rb = all_hits(sb, queries[q], k, count);
            /* The whole index's hits, less the deleted ones, in order. */
            size_t j = 0;
            for (size_t i = 0; i < quarry_results_size(ra) && j < quarry_results_size(rb); i++) {
                quarry_hit ha, hb;
                quarry_results_get(&ha, ra, i);
                if (with_deletions && corpus_deleted(ha.docid))
                    continue;
                quarry_results_get(&hb, rb, j++);
                if (ha.id_len != hb.id_len || memcmp(ha.id, hb.id, ha.id_len) != 0 ||
                    ha.score != hb.score || ha.docid != hb.docid)
                    fail_msg("%s, k %zu, hit %zu: %.*s %.17g vs %.*s %.17g", queries[q], k, j,
                             (int)ha.id_len, ha.id, ha.score, (int)hb.id_len, hb.id, hb.score);
            }
            if (pass == 0) { /* every match, counted */
                assert_int_equal(j, quarry_results_size(rb));
                assert_true(quarry_results_total_is_exact(rb));
                uint64_t deleted_matches = 0;
                for (size_t i = 0; i < quarry_results_size(ra); i++) {
                    quarry_hit ha;
                    quarry_results_get(&ha, ra, i);
                    deleted_matches += with_deletions && corpus_deleted(ha.docid);
                }
                assert_int_equal(quarry_results_total(rb),
                                 quarry_results_total(ra) - deleted_matches);
            }
            quarry_results_free(ra);
            quarry_results_free(rb);
        }
    quarry_searcher_free(sa);
    quarry_searcher_free(sb);
    quarry_index_close(a);
    quarry_index_close(b);
}

/* Three segments answer exactly as one. */
static void test_segments_equal_one(void **state)
{
    (void)state;
    compare(0);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, multi), QUARRY_OK);
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, ix), QUARRY_OK);
    assert_int_equal(in.segments, 3);
    assert_int_equal(in.docs, NDOCS);
    assert_int_equal(in.deleted, 0);
    quarry_verify_report rep;
    if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
        fail_msg("verify: %s", rep.message);
    assert_int_equal(rep.docs, NDOCS);
    quarry_index_close(ix);
}

/* A deletion bitmap hides its documents and nothing else. */
static void test_deletions(void **state)
{
    (void)state;
    char err[512];
    manifest m;
    assert_int_equal(manifest_read(&m, multi, err, sizeof err), QUARRY_OK);
    write_deletions(&m.segments[1], 6, deleted_in_middle);
    uint32_t ndel = m.segments[1].deleted;
    m.generation = 6;
    assert_int_equal(manifest_write(&m, multi, err, sizeof err), QUARRY_OK);
    compare(1);

    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, multi), QUARRY_OK);
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, ix), QUARRY_OK);
    assert_int_equal(in.docs, NDOCS - ndel);
    assert_int_equal(in.deleted, ndel);
    quarry_verify_report rep;
    if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
        fail_msg("verify: %s", rep.message);
    assert_int_equal(rep.docs, NDOCS); /* deleted entries are checked too */
    /* A deleted document cannot be explained. */
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    quarry_explanation *x = NULL;
    assert_int_equal(quarry_searcher_explain(&x, s, "the", 3, NULL, cuts[1] + 1), QUARRY_ENOTFOUND);
    assert_non_null(strstr(quarry_searcher_errmsg(s), "deleted"));
    quarry_explanation_free(x);
    quarry_searcher_free(s);
    quarry_index_close(ix);

    /* Damaged deletion files are refused on open, naming the file. */
    char name[128];
    snprintf(name, sizeof name, "%s%s", m.segments[1].name, m.segments[1].del.suffix);
    char *path = testutil_join(multi, name);
    size_t n;
    uint8_t *good = testutil_read_all(path, &n);
    for (int c = 0; c < 4; c++) {
        uint8_t *bad = malloc(n);
        assert_non_null(bad);
        memcpy(bad, good, n);
        size_t len = n;
        if (c == 0)
            bad[FORMAT_HEADER_SIZE + 8] ^= 0x01; /* a bit of the bitmap: the count differs */
        if (c == 1)
            testutil_set_u32(bad + FORMAT_HEADER_SIZE + 4, ndel + 1); /* the count field */
        if (c == 2)
            testutil_set_u32(bad + FORMAT_HEADER_SIZE, NDOCS); /* ndocs */
        if (c == 3)
            bad[n - FORMAT_FOOTER_SIZE - 1] |= 0x80; /* past the last document (250 % 8 = 2) */
        /* The footer CRC is made right, and so is the manifest's record: only the rules of
         * the file itself can catch these. */
        uint32_t crc = testutil_fix_crc(bad, len);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(bad, 1, len, f), len);
        fclose(f);
        m.segments[1].del.crc = crc;
        assert_int_equal(manifest_write(&m, multi, err, sizeof err), QUARRY_OK);
        quarry_index *bx = NULL;
        int rc = quarry_index_open(&bx, multi);
        if (rc != QUARRY_ECORRUPT)
            fail_msg("case %d: open gave %d", c, rc);
        assert_non_null(strstr(quarry_index_errmsg(bx), ".del"));
        quarry_index_close(bx);
        free(bad);
    }
    /* A missing deletion file. */
    unlink(path);
    quarry_index *bx = NULL;
    assert_int_equal(quarry_index_open(&bx, multi), QUARRY_ECORRUPT);
    assert_non_null(strstr(quarry_index_errmsg(bx), "missing"));
    quarry_index_close(bx);
    free(good);
    free(path);
    manifest_free(&m);
}

/* Terms of a dictionary, in order, for membership tests. */
typedef struct vocab {
    char (*t)[256]; /* NUL-terminated terms */
    size_t n;
} vocab;

static int in_vocab(const vocab *v, const char *t)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->t[mid], t); /* byte order: terms hold no NUL */
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* segment_lookup finds every term of the dictionary walk with the same postings, and finds
 * exactly the neighbours (a byte less, more, changed) that are terms themselves: the lookup's
 * front-coded comparison against the plain walk. */
static void test_lookup(void **state)
{
    (void)state;
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, multi), QUARRY_OK);
    char err[512];
    for (uint32_t g = 0; g < 3; g++) {
        /* The segment's terms, walked. */
        const segment *seg = NULL;
        segment opened;
        manifest m;
        assert_int_equal(manifest_read(&m, multi, err, sizeof err), QUARRY_OK);
        assert_int_equal(segment_open(&opened, multi, &m.segments[g], err, sizeof err), QUARRY_OK);
        seg = &opened;
        vocab v = {calloc(seg->nterms + 1, 256), 0};
        assert_non_null(v.t);
        dict_iter it;
        memset(&it, 0, sizeof it);
        const uint8_t *t;
        size_t len;
        term_info ti;
        while (segment_term_next(seg, &it, &t, &len, &ti, err, sizeof err) == 1) {
            memcpy(v.t[v.n], t, len);
            v.t[v.n++][len] = '\0';
            term_info got;
            assert_int_equal(segment_lookup(seg, (const char *)t, len, &got, err, sizeof err), 1);
            assert_true(got.post == ti.post && got.pos == ti.pos && got.df == ti.df &&
                        got.cf == ti.cf && got.post_len == ti.post_len &&
                        got.pos_len == ti.pos_len && got.max_tf == ti.max_tf &&
                        got.min_dl == ti.min_dl);
        }
        assert_int_equal(v.n, seg->nterms);
        for (size_t i = 0; i < v.n; i++) {
            char x[260];
            size_t n = strlen(v.t[i]);
            for (int variant = 0; variant < 6; variant++) {
                memcpy(x, v.t[i], n + 1);
                if (variant == 0 && n > 1)
                    x[n - 1] = '\0';
                if (variant == 1)
                    strcat(x, "0");
                if (variant == 2)
                    strcat(x, "zz");
                if (variant == 3)
                    x[n - 1] = (char)(x[n - 1] + 1);
                if (variant == 4 && x[n - 1] > '0')
                    x[n - 1] = (char)(x[n - 1] - 1);
                if (variant == 5)
                    x[0] = (char)(x[0] + 1);
                term_info got;
                int found = segment_lookup(seg, x, strlen(x), &got, err, sizeof err);
                if (found != in_vocab(&v, x))
                    fail_msg("segment %u: lookup of '%s' gave %d", g, x, found);
            }
        }
        free(v.t);
        segment_close(&opened);
        manifest_free(&m);
    }
    quarry_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_equal_one),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_deletions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
