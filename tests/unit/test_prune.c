/*
 * test_prune.c: exactness of dynamic pruning (searcher/eval.c, searcher/scorer.c).
 *
 * A generated corpus of a few thousand documents (Zipf-distributed words, so that some lists
 * span dozens of 128-posting blocks with varied impacts and others have a handful of
 * postings; word pairs that recur, so that phrases match) is indexed once. Thousands of
 * generated queries (1-6 clauses; frequent and rare words; phrases; OR, AND, +required,
 * -excluded, nested groups) then run twice each, pruned and with exact counting, which scores
 * every match. The hits must be identical: same documents, in the same order, with
 * bit-identical scores; the pruned total must be a lower bound of the counted one, and equal
 * to it when it claims to be exact.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/quarry.h"
#include "testutil.h"

#define NDOCS   3000
#define NWORDS  1500
#define NQUERY  2500
#define MAX_LEN 400

/* A small deterministic generator (xorshift64*), so that a failure names a reproducible case. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Word i of the vocabulary: letters that English stemming leaves alone ("q" + base-20
 * digits over consonants and a few vowels). */
static void word(char *dst, unsigned i)
{
    static const char digits[] = "bcdfghjklmnpqrtvwxzu";
    size_t n = 0;
    dst[n++] = 'q';
    do {
        dst[n++] = digits[i % 20];
        i /= 20;
    } while (i);
    dst[n++] = 'o';
    dst[n] = '\0';
}

/* A Zipf-distributed word index (s = 1) from a table of cumulative weights. */
static unsigned zipf(uint64_t *s, const double *cum)
{
    double u = (double)(rnd(s) >> 11) / 9007199254740992.0 * cum[NWORDS - 1];
    unsigned lo = 0, hi = NWORDS - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct fixture {
    char *tmp;          /* temporary folder */
    quarry_index *ix;   /* the generated index */
    quarry_searcher *s; /* a searcher on it */
    double cum[NWORDS]; /* Zipf cumulative weights */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    char tmpl[] = "/tmp/quarry-prune-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    for (unsigned i = 0; i < NWORDS; i++)
        fx->cum[i] = (i ? fx->cum[i - 1] : 0) + 1.0 / (i + 1);
    char *dir = testutil_join(fx->tmp, "ix");
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_OK);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    char *text = malloc(MAX_LEN * 16);
    assert_non_null(text);
    for (unsigned d = 0; d < NDOCS; d++) {
        /* Lengths from 3 to MAX_LEN words, mostly short: impacts vary from block to block. */
        unsigned len = 3 + (unsigned)(rnd(&seed) % (rnd(&seed) % 4 == 0 ? MAX_LEN - 3 : 60));
        size_t n = 0;
        unsigned prev = zipf(&seed, fx->cum);
        for (unsigned k = 0; k < len; k++) {
            /* One word in three continues a fixed pair (prev, prev + 1): phrases recur. */
            unsigned wi = rnd(&seed) % 3 == 0 ? (prev + 1) % NWORDS : zipf(&seed, fx->cum);
            char wd[16];
            word(wd, wi);
            n += (size_t)sprintf(text + n, "%s%s", k ? " " : "", wd);
            prev = wi;
        }
        char id[32];
        int idn = snprintf(id, sizeof id, "doc%u", d);
        quarry_document doc = {id, (size_t)idn, NULL, 0, text, n};
        assert_int_equal(quarry_writer_add(w, &doc), QUARRY_OK);
    }
    free(text);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    assert_int_equal(quarry_index_open(&fx->ix, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&fx->s, fx->ix), QUARRY_OK);
    free(dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    quarry_searcher_free(fx->s);
    quarry_index_close(fx->ix);
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx);
    return 0;
}

/* A word for a query: frequent (head of the Zipf curve) or anything. */
static unsigned pick(uint64_t *s, const fixture *fx)
{
    switch (rnd(s) % 4) {
    case 0:
        return (unsigned)(rnd(s) % 8); /* among the most frequent */
    case 1:
        return (unsigned)(rnd(s) % 100);
    default:
        return zipf(s, fx->cum);
    }
}

/* Appends one clause (a word, a phrase, or a group) to q. */
static size_t clause(char *q, size_t n, uint64_t *s, const fixture *fx, int depth)
{
    char wd[16];
    unsigned kind = (unsigned)(rnd(s) % 10);
    if (kind < 6) {
        word(wd, pick(s, fx));
        return n + (size_t)sprintf(q + n, "%s", wd);
    }
    if (kind < 9 || depth > 0) { /* a phrase of 2-3 consecutive pair words */
        unsigned w0 = pick(s, fx), len = 2 + (unsigned)(rnd(s) % 2);
        n += (size_t)sprintf(q + n, "\"");
        for (unsigned k = 0; k < len; k++) {
            word(wd, (w0 + k) % NWORDS);
            n += (size_t)sprintf(q + n, "%s%s", k ? " " : "", wd);
        }
        return n + (size_t)sprintf(q + n, "\"");
    }
    n += (size_t)sprintf(q + n, "(");
    unsigned kids = 2 + (unsigned)(rnd(s) % 2);
    for (unsigned k = 0; k < kids; k++) {
        if (k)
            n += (size_t)sprintf(q + n, " ");
        n = clause(q, n, s, fx, depth + 1);
    }
    return n + (size_t)sprintf(q + n, ")");
}

/* A query of 1-6 clauses, each optional, required or (rarely) excluded. */
static void make_query(char *q, uint64_t *s, const fixture *fx, int *default_and)
{
    unsigned nc = 1 + (unsigned)(rnd(s) % 6), style = (unsigned)(rnd(s) % 4);
    size_t n = 0;
    *default_and = style == 1;
    for (unsigned c = 0; c < nc; c++) {
        if (c)
            n += (size_t)sprintf(q + n, " ");
        unsigned op = (unsigned)(rnd(s) % 8);
        if (style == 2 && op < 3)
            n += (size_t)sprintf(q + n, "+");
        else if (style >= 2 && op == 3 && nc > 1)
            n += (size_t)sprintf(q + n, "-");
        n = clause(q, n, s, fx, 0);
    }
}

static quarry_results *search(quarry_searcher *s, const char *q, size_t k, int default_and,
                              int count)
{
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k = k;
    o.default_and = default_and;
    o.count = count;
    o.snippet_bytes = 0;
    quarry_results *r = NULL;
    int rc = quarry_searcher_search(&r, s, q, strlen(q), &o);
    if (rc != QUARRY_OK)
        print_error("query [%s]: %s\n", q, quarry_searcher_errmsg(s));
    assert_int_equal(rc, QUARRY_OK);
    return r;
}

/* Runs q pruned and counted with k hits and compares. Returns the number of hits. */
static size_t check(quarry_searcher *s, const char *q, size_t k, int default_and)
{
    quarry_results *a = search(s, q, k, default_and, 0), *b = search(s, q, k, default_and, 1);
    size_t n = quarry_results_size(b);
    if (quarry_results_size(a) != n)
        print_error("query [%s] k=%zu: %zu hits pruned, %zu counted\n", q, k,
                    quarry_results_size(a), n);
    assert_int_equal(quarry_results_size(a), n);
    for (size_t i = 0; i < n; i++) {
        quarry_hit x, y;
        assert_int_equal(quarry_results_get(&x, a, i), QUARRY_OK);
        assert_int_equal(quarry_results_get(&y, b, i), QUARRY_OK);
        if (x.docid != y.docid || x.score != y.score)
            print_error("query [%s] k=%zu rank %zu: pruned doc %u %.17g, counted doc %u %.17g\n", q,
                        k, i + 1, x.docid, x.score, y.docid, y.score);
        assert_int_equal(x.docid, y.docid);
        assert_true(x.score == y.score);
    }
    assert_true(quarry_results_total_is_exact(b));
    assert_true(quarry_results_total(a) <= quarry_results_total(b));
    if (quarry_results_total_is_exact(a))
        assert_int_equal(quarry_results_total(a), quarry_results_total(b));
    quarry_results_free(a);
    quarry_results_free(b);
    return n;
}

/* The corpus has what the test needs: lists of many blocks and short ones. */
static void test_corpus_shape(void **state)
{
    fixture *fx = *state;
    char wd[16];
    word(wd, 0);
    quarry_results *r = search(fx->s, wd, 1, 0, 1);
    assert_true(quarry_results_total(r) > 20 * 128); /* the most frequent word */
    quarry_results_free(r);
    word(wd, NWORDS - 1);
    r = search(fx->s, wd, 1, 0, 1);
    assert_true(quarry_results_total(r) < 128); /* a rare one */
    quarry_results_free(r);
}

/* Single words, frequent to rare, at several k. */
static void test_single_terms(void **state)
{
    fixture *fx = *state;
    char wd[16];
    for (unsigned i = 0; i < NWORDS; i += 7) {
        word(wd, i);
        check(fx->s, wd, 10, 0);
        if (i < 100) {
            check(fx->s, wd, 1, 0);
            check(fx->s, wd, 100, 0);
        }
    }
}

/* Generated queries of every shape. */
static void test_generated_queries(void **state)
{
    fixture *fx = *state;
    uint64_t seed = 42;
    char q[4096];
    size_t nonempty = 0;
    for (int i = 0; i < NQUERY; i++) {
        int default_and;
        make_query(q, &seed, fx, &default_and);
        static const size_t ks[] = {1, 10, 10, 10, 50};
        nonempty += check(fx->s, q, ks[i % 5], default_and) > 0;
    }
    /* The generator must not have produced mostly empty results. */
    assert_true(nonempty > NQUERY / 2);
}

/* Phrases of the most frequent words, the hard case of phrase pruning. */
static void test_frequent_phrases(void **state)
{
    fixture *fx = *state;
    char q[256], a[16], b[16], c[16];
    for (unsigned i = 0; i < 8; i++)
        for (unsigned j = 0; j < 8; j++) {
            word(a, i);
            word(b, j);
            word(c, (j + 1) % NWORDS);
            snprintf(q, sizeof q, "\"%s %s\"", a, b);
            check(fx->s, q, 10, 0);
            snprintf(q, sizeof q, "\"%s %s %s\" %s", a, b, c, a);
            check(fx->s, q, 10, 0);
            snprintf(q, sizeof q, "+\"%s %s\" +%s", a, b, c);
            check(fx->s, q, 5, 0);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_shape),
        cmocka_unit_test(test_single_terms),
        cmocka_unit_test(test_generated_queries),
        cmocka_unit_test(test_frequent_phrases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
