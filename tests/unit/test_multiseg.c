/*
 * test_multiseg.c: indexes that a writer splits into many segments (quarry/writer.h, "Memory"
 * and "Threads"), through the public API.
 *
 * - Budget: a synthetic corpus indexed with a memory budget small enough to make many segments
 *   answers a set of queries (words, phrases, AND, OR, NOT, counting and not) exactly as the
 *   same corpus in one segment: the same documents at the same docids, in the same order, with
 *   bit-identical scores and the same totals (BM25 statistics are summed over segments), and
 *   it passes the deep verification.
 * - Threads: the corpus indexed on 1 and on 3 threads (each with the memory one thread had)
 *   gives the same answers and the same docids; two runs on 3 threads give the same segments
 *   (documents and tokens); with half as much memory, where batches split more, the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/manifest.h"
#include "quarry/quarry.h"
#include "testutil.h"

#define NDOCS 1200

static char root[256];

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
    "title NOT oil",
    "extra17 extra5",
    "zzzz",
};

/* Adds documents from..to-1: the synthetic texts of testutil_doc_text plus words of their own,
 * so that the vocabulary grows with the corpus as real text's does; documents 250..299 of each
 * 300 have many more, so that a batch sized after the documents before them fills its memory
 * share early and must be split. */
static void add_docs(quarry_writer *w, uint32_t from, uint32_t to)
{
    static char text[40000];
    for (uint32_t i = from; i < to; i++) {
        char id[32], title[64];
        snprintf(id, sizeof id, "doc-%04u", i);
        snprintf(title, sizeof title, "Title %u %s", i, i % 3 ? "oil" : "embassy reopening");
        testutil_doc_text(text, sizeof text / 2, i);
        size_t n = strlen(text);
        for (uint32_t k = 0; k < (i % 300 >= 250 ? 300u : 8u); k++)
            n += (size_t)snprintf(text + n, sizeof text - n, " own%ux%u extra%u", i, k,
                                  (i * 7 + k) % 41);
        quarry_document d = {id, strlen(id), title, strlen(title), text, n};
        assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    }
}

/* Builds dir from the whole corpus with that budget and thread count; returns the number of
 * segments of the index. */
static uint32_t build(const char *dir, size_t budget, unsigned threads)
{
    testutil_rm_rf(dir);
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.memory_budget = budget;
    o.threads = threads;
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_OK);
    add_docs(w, 0, NDOCS);
    if (quarry_writer_commit(w) != QUARRY_OK)
        fail_msg("commit: %s", quarry_writer_errmsg(w));
    quarry_writer_stats st;
    assert_int_equal(quarry_writer_get_stats(&st, w), QUARRY_OK);
    assert_int_equal(st.docs, NDOCS);
    assert_int_equal(st.index_docs, NDOCS);
    quarry_writer_free(w);

    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_OK);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    assert_int_equal(info.docs, NDOCS);
    assert_int_equal(info.segments, st.index_segments);
    quarry_verify_report rep;
    if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
        fail_msg("verify %s: %s", dir, rep.message);
    quarry_index_close(ix);
    return info.segments;
}

/* A budget that makes the corpus take between 6 and NDOCS / 8 segments on one thread: the
 * first of 8 MiB, then two thirds of the one before, that makes at least 6 (the buffers' fixed
 * costs decide where that is). Computed once. */
static size_t small_budget(void)
{
    static size_t found;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/probe", root);
    size_t budget = (size_t)8 << 20;
    for (int i = 0; !found && i < 12; i++, budget = budget / 3 * 2) {
        uint32_t n = build(dir, budget, 1);
        if (n >= 6) {
            print_message("budget %zu bytes: %u segments\n", budget, n);
            assert_true(n <= NDOCS / 8);
            found = budget;
        }
    }
    if (!found)
        fail_msg("no budget down to %zu bytes makes 6 segments", budget);
    testutil_rm_rf(dir);
    return found;
}

/* Runs every query on both indexes, top 20 and counting every match, and requires the same
 * hits: ids, docids, bit-identical scores, order, totals. */
static void same_answers(const char *a, const char *b)
{
    quarry_index *ix[2] = {NULL, NULL};
    quarry_searcher *s[2] = {NULL, NULL};
    const char *dirs[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(quarry_index_open(&ix[i], dirs[i]), QUARRY_OK);
        assert_int_equal(quarry_searcher_create(&s[i], ix[i]), QUARRY_OK);
    }
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        for (int count = 0; count < 2; count++) {
            quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
            o.k = count ? NDOCS : 20;
            o.count = count;
            o.snippet_bytes = 0;
            quarry_results *r[2];
            for (int i = 0; i < 2; i++)
                assert_int_equal(
                    quarry_searcher_search(&r[i], s[i], queries[q], strlen(queries[q]), &o),
                    QUARRY_OK);
            /* Without counting the total is a lower bound that depends on what pruning skipped,
             * so only exact totals are compared. */
            if (count && quarry_results_total(r[0]) != quarry_results_total(r[1]))
                fail_msg("query %s (count %d): %llu matches, %llu with more segments", queries[q],
                         count, (unsigned long long)quarry_results_total(r[0]),
                         (unsigned long long)quarry_results_total(r[1]));
            assert_int_equal(quarry_results_size(r[0]), quarry_results_size(r[1]));
            for (size_t h = 0; h < quarry_results_size(r[0]); h++) {
                quarry_hit x, y;
                assert_int_equal(quarry_results_get(&x, r[0], h), QUARRY_OK);
                assert_int_equal(quarry_results_get(&y, r[1], h), QUARRY_OK);
                if (x.id_len != y.id_len || memcmp(x.id, y.id, x.id_len) != 0 ||
                    x.docid != y.docid || memcmp(&x.score, &y.score, sizeof x.score) != 0)
                    fail_msg("query %s, hit %zu: %.*s (doc %u, %.17g) vs %.*s (doc %u, %.17g)",
                             queries[q], h, (int)x.id_len, x.id, x.docid, x.score, (int)y.id_len,
                             y.id, y.docid, y.score);
            }
            quarry_results_free(r[0]);
            quarry_results_free(r[1]);
        }
    }
    for (int i = 0; i < 2; i++) {
        quarry_searcher_free(s[i]);
        quarry_index_close(ix[i]);
    }
}

/* Every document's id at its docid: documents are numbered in the order they were added. */
static void docids_in_input_order(const char *dir)
{
    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k = NDOCS;
    o.snippet_bytes = 0;
    quarry_results *r;
    assert_int_equal(quarry_searcher_search(&r, s, "title", 5, &o), QUARRY_OK);
    assert_int_equal(quarry_results_size(r), NDOCS);
    for (size_t h = 0; h < NDOCS; h++) {
        quarry_hit x;
        assert_int_equal(quarry_results_get(&x, r, h), QUARRY_OK);
        char id[32];
        snprintf(id, sizeof id, "doc-%04u", x.docid);
        assert_true(x.id_len == strlen(id) && memcmp(x.id, id, x.id_len) == 0);
    }
    quarry_results_free(r);
    quarry_searcher_free(s);
    quarry_index_close(ix);
}

/* The documents and tokens of each segment of the index in dir. */
static void segment_shapes(const char *dir, uint32_t *n, uint64_t shape[][2], uint32_t cap)
{
    manifest m;
    char err[512];
    assert_int_equal(manifest_read(&m, dir, err, sizeof err), QUARRY_OK);
    assert_true(m.nsegments <= cap);
    *n = m.nsegments;
    for (uint32_t i = 0; i < m.nsegments; i++) {
        shape[i][0] = m.segments[i].docs;
        shape[i][1] = m.segments[i].tokens;
    }
    manifest_free(&m);
}

static void test_budget(void **state)
{
    (void)state;
    char whole[300], multi[300];
    snprintf(whole, sizeof whole, "%s/whole", root);
    snprintf(multi, sizeof multi, "%s/multi", root);
    assert_int_equal(build(whole, 0, 1), 1);
    build(multi, small_budget(), 1);
    same_answers(whole, multi);
    docids_in_input_order(multi);
}

static void test_threads(void **state)
{
    (void)state;
    char one[300], three[300], again[300], split[300];
    snprintf(one, sizeof one, "%s/one", root);
    snprintf(three, sizeof three, "%s/three", root);
    snprintf(again, sizeof again, "%s/again", root);
    snprintf(split, sizeof split, "%s/split", root);
    size_t budget = small_budget();
    build(one, budget, 1);
    /* Three threads share three times the budget: each batch gets what one thread had. */
    uint32_t n = build(three, 3 * budget, 3);
    print_message("3 threads: %u segments\n", n);
    assert_true(n >= 3);
    same_answers(one, three);
    docids_in_input_order(three);

    /* The same input, budget and thread count make the same segments. */
    assert_int_equal(build(again, 3 * budget, 3), n);
    static uint64_t a[NDOCS][2], b[NDOCS][2];
    uint32_t na, nb;
    segment_shapes(three, &na, a, NDOCS);
    segment_shapes(again, &nb, b, NDOCS);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof a[0]);

    /* With half of that, the batches are smaller, and more of them split. */
    n = build(split, 3 * budget / 2, 3);
    print_message("3 threads, half as much memory: %u segments\n", n);
    same_answers(one, split);
    docids_in_input_order(split);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/quarry_test_multiseg_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    testutil_rm_rf(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
