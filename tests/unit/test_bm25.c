/*
 * test_bm25.c: BM25 scoring (searcher/bm25.c) checked against values computed by hand, first
 * through bm25_idf / bm25_score, then end to end: the same corpus is indexed with the public
 * writer (language "none", so no stemming) in a mkdtemp folder and searched with
 * quarry_searcher_search, whose scores must equal the hand values to 1e-6.
 *
 * The corpus (empty titles, so a document's length is its number of words):
 *
 *   d0 "apple banana apple banana"             dl = 4
 *   d1 "banana cherry"                         dl = 2
 *   d2 "cherry apple apple banana date apple"  dl = 6
 *
 *   N = 3, avgdl = (4 + 2 + 6) / 3 = 4
 *   n(apple) = 2, n(banana) = 3, n(cherry) = 2, n(date) = 1
 *
 * idf = ln(1 + (N - n + 0.5) / (n + 0.5)):
 *   idf(apple)  = ln(1 + 1.5 / 2.5) = ln(1.6)       = 0.470003629245736
 *   idf(banana) = ln(1 + 0.5 / 3.5) = ln(8 / 7)     = 0.133531392624523
 *   idf(date)   = ln(1 + 2.5 / 1.5) = ln(8 / 3)     = 0.980829253011726
 *
 * score = idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)); with k1 = 1.2, b = 0.75 the
 * normalisation k1 * (0.25 + 0.75 * dl / 4) is 1.2 for dl = 4, 0.75 for dl = 2, 1.65 for dl = 6:
 *   apple  in d0: tf 2: 0.470003629245736 * 2 / (2 + 1.2)  = 0.293752268278585
 *   apple  in d2: tf 3: 0.470003629245736 * 3 / (3 + 1.65) = 0.303228147900475
 *   date   in d2: tf 1: 0.980829253011726 * 1 / (1 + 1.65) = 0.370124246419519
 *   banana in d0: tf 2: 0.133531392624523 * 2 / (2 + 1.2)  = 0.083457120390327
 *   banana in d1: tf 1: 0.133531392624523 * 1 / (1 + 0.75) = 0.076303652928299
 *   banana in d2: tf 1: 0.133531392624523 * 1 / (1 + 1.65) = 0.050389204763971
 *
 * A phrase is one pseudo-term: tf = its occurrences, idf = the sum of its terms' idfs.
 *   "apple banana": idf = 0.470003629245736 + 0.133531392624523 = 0.603535021870258
 *     d0 (positions 0-1 and 2-3, tf 2): 0.603535021870258 * 2 / 3.2  = 0.377209388668911
 *     d2 (positions 2-3, tf 1):         0.603535021870258 * 1 / 2.65 = 0.227749064856701
 *   "banana apple": d0 only (1-2), tf 1: 0.603535021870258 / 2.2     = 0.274334100850117
 *   "apple apple": idf = 2 * 0.470003629245736 = 0.940007258491472; d2 only (1-2), tf 1:
 *                                      0.940007258491472 / 2.65      = 0.354719720185461
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry/error.h"
#include "quarry/search.h"
#include "quarry/writer.h"
#include "testutil.h"
#include "searcher/internal.h"

#define EPS 1e-6

#define IDF_APPLE  0.470003629245736
#define IDF_BANANA 0.133531392624523
#define IDF_DATE   0.980829253011726

#define APPLE_D0  0.293752268278585
#define APPLE_D2  0.303228147900475
#define DATE_D2   0.370124246419519
#define BANANA_D0 0.083457120390327
#define BANANA_D1 0.076303652928299
#define BANANA_D2 0.050389204763971

static void assert_near(double got, double want, const char *what)
{
    if (!(fabs(got - want) < EPS))
        fail_msg("%s: got %.15f, want %.15f", what, got, want);
}

/* ===== the formula ======================================================================== */

static void test_formula(void **state)
{
    (void)state;
    bm25 p;
    bm25_init(&p, 1.2, 0.75, 3, 4);
    assert_near(bm25_idf(&p, 2), IDF_APPLE, "idf(apple)");
    assert_near(bm25_idf(&p, 3), IDF_BANANA, "idf(banana)");
    assert_near(bm25_idf(&p, 1), IDF_DATE, "idf(date)");
    assert_near(bm25_score(&p, IDF_APPLE, 2, 4), APPLE_D0, "apple d0");
    assert_near(bm25_score(&p, IDF_APPLE, 3, 6), APPLE_D2, "apple d2");
    assert_near(bm25_score(&p, IDF_DATE, 1, 6), DATE_D2, "date d2");
    assert_near(bm25_score(&p, IDF_BANANA, 1, 2), BANANA_D1, "banana d1");

    /* Parameters. k1 = 2, b = 0.5: norm = 2 * (0.5 + 0.5 * dl / 4) = 2 (dl 4), 2.5 (dl 6):
     *   apple d0: 0.470003629245736 * 2 / 4   = 0.235001814622868
     *   apple d2: 0.470003629245736 * 3 / 5.5 = 0.256365615952219 */
    bm25 q;
    bm25_init(&q, 2.0, 0.5, 3, 4);
    assert_near(bm25_score(&q, IDF_APPLE, 2, 4), 0.235001814622868, "k1 2 b .5 d0");
    assert_near(bm25_score(&q, IDF_APPLE, 3, 6), 0.256365615952219, "k1 2 b .5 d2");
    /* b = 0: no length normalisation, norm = k1 = 1.2: apple d2 = 0.47... * 3 / 4.2. */
    bm25 b0;
    bm25_init(&b0, 1.2, 0.0, 3, 4);
    assert_near(bm25_score(&b0, IDF_APPLE, 3, 6), 0.335716878032668, "b 0");
    assert_near(bm25_score(&b0, IDF_APPLE, 3, 600), 0.335716878032668, "b 0, any dl");
    /* k1 = 0: tf saturates at once, the score is the idf. */
    bm25 k0;
    bm25_init(&k0, 0.0, 0.75, 3, 4);
    assert_near(bm25_score(&k0, IDF_APPLE, 3, 6), IDF_APPLE, "k1 0");
    assert_near(bm25_score(&k0, IDF_APPLE, 1, 1), IDF_APPLE, "k1 0, tf 1");
    /* An empty collection (avgdl 0): norm = k1 * (1 - b) = 0.3, 2 / 2.3 = 0.869565217391304. */
    bm25 e;
    bm25_init(&e, 1.2, 0.75, 0, 0);
    assert_near(bm25_score(&e, 1.0, 2, 0), 0.869565217391304, "avgdl 0");

    /* Shape: idf falls as df grows and stays positive; the score grows with tf, towards idf,
     * and falls with dl. */
    bm25 big;
    bm25_init(&big, 1.2, 0.75, 1000, 100);
    double last = INFINITY;
    for (double df = 1; df <= 1000; df++) {
        double i = bm25_idf(&big, df);
        assert_true(i > 0 && i < last);
        last = i;
    }
    last = 0;
    for (double tf = 1; tf <= 100; tf++) {
        double s = bm25_score(&big, 1.0, tf, 100);
        assert_true(s > last && s < 1.0);
        last = s;
    }
    assert_true(bm25_score(&big, 1.0, 3, 50) > bm25_score(&big, 1.0, 3, 200));
}

/* ===== the real index ===================================================================== */

/* The index built once for the end-to-end tests. */
typedef struct fixture {
    char dir[64];       /* mkdtemp folder holding the index */
    quarry_index *ix;   /* opened index */
    quarry_searcher *s; /* a searcher on it */
} fixture;

static const char *const corpus[3] = {
    "apple banana apple banana",
    "banana cherry",
    "cherry apple apple banana date apple",
};

static int setup_index(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/quarry_test_bm25_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.language = "none";
    quarry_writer *w = NULL;
    int rc = quarry_writer_open(&w, f->dir, &o);
    for (int i = 0; rc == QUARRY_OK && i < 3; i++) {
        char id[4];
        snprintf(id, sizeof id, "d%d", i);
        quarry_document d = {id, strlen(id), NULL, 0, corpus[i], strlen(corpus[i])};
        rc = quarry_writer_add(w, &d);
    }
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    if (rc != QUARRY_OK)
        fprintf(stderr, "building the index: %s\n", quarry_writer_errmsg(w));
    quarry_writer_free(w);
    if (rc == QUARRY_OK)
        rc = quarry_index_open(&f->ix, f->dir);
    if (rc == QUARRY_OK)
        rc = quarry_searcher_create(&f->s, f->ix);
    return rc == QUARRY_OK ? 0 : -1;
}

static int teardown_index(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    quarry_searcher_free(f->s);
    quarry_index_close(f->ix);
    testutil_rm_rf(f->dir);
    int rc = access(f->dir, F_OK) == 0 ? -1 : 0;
    free(f);
    return rc;
}

/* One expected hit. */
typedef struct want_hit {
    uint32_t docid; /* internal docid = index in corpus */
    double score;   /* hand value */
} want_hit;

/*
 * Runs q with opts and checks the total, then the hits in order (docid, external id, score).
 */
static void check_search(const fixture *f, const char *q, const quarry_search_options *o,
                         uint64_t total, const want_hit *want, size_t n)
{
    quarry_results *r = NULL;
    int rc = quarry_searcher_search(&r, f->s, q, strlen(q), o);
    if (rc != QUARRY_OK)
        fail_msg("[%s]: rc %d: %s", q, rc, quarry_searcher_errmsg(f->s));
    if (quarry_results_total(r) != total)
        fail_msg("[%s]: %llu matches, want %llu", q, (unsigned long long)quarry_results_total(r),
                 (unsigned long long)total);
    assert_int_equal(quarry_results_size(r), n);
    for (size_t i = 0; i < n; i++) {
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
        if (h.docid != want[i].docid)
            fail_msg("[%s]: hit %zu is doc %u, want %u", q, i, h.docid, want[i].docid);
        char id[4];
        snprintf(id, sizeof id, "d%u", want[i].docid);
        assert_int_equal(h.id_len, strlen(id));
        assert_memory_equal(h.id, id, h.id_len);
        char what[128];
        snprintf(what, sizeof what, "[%s] hit %zu (d%u)", q, i, h.docid);
        assert_near(h.score, want[i].score, what);
    }
    quarry_hit h;
    assert_int_equal(quarry_results_get(&h, r, n), QUARRY_ERROR);
    quarry_results_free(r);
}

static void test_index_stats(void **state)
{
    const fixture *f = *state;
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, f->ix), QUARRY_OK);
    assert_int_equal(info.docs, 3);
    assert_int_equal(info.tokens, 12); /* avgdl = 4 */
    assert_int_equal(info.terms, 4);
    assert_string_equal(info.language, "none");
}

static void test_term_query(void **state)
{
    const fixture *f = *state;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    const want_hit apple[] = {{2, APPLE_D2}, {0, APPLE_D0}};
    check_search(f, "apple", &o, 2, apple, 2);
    check_search(f, "APPLE", NULL, 2, apple, 2); /* NULL options: the same defaults */
    const want_hit date[] = {{2, DATE_D2}};
    check_search(f, "date", &o, 1, date, 1);
    const want_hit banana[] = {{0, BANANA_D0}, {1, BANANA_D1}, {2, BANANA_D2}};
    check_search(f, "banana", &o, 3, banana, 3);
    check_search(f, "fig", &o, 0, NULL, 0);
}

static void test_or_query(void **state)
{
    const fixture *f = *state;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    /* The scores of the matching terms add up: d2 = 0.303228147900475 + 0.370124246419519. */
    const want_hit or2[] = {{2, APPLE_D2 + DATE_D2}, {0, APPLE_D0}};
    assert_near(APPLE_D2 + DATE_D2, 0.673352394319994, "sum");
    check_search(f, "apple date", &o, 2, or2, 2);
    check_search(f, "apple OR date", &o, 2, or2, 2);
    check_search(f, "apple date fig", &o, 2, or2, 2); /* an absent term adds nothing */
    /* AND: only d2, with the same sum. */
    const want_hit and2[] = {{2, APPLE_D2 + DATE_D2}};
    check_search(f, "apple AND date", &o, 1, and2, 1);
    o.default_and = 1;
    check_search(f, "apple date", &o, 1, and2, 1);
    o.default_and = 0;
    /* Required plus optional: d1 (banana only) is out; both terms score where present. */
    const want_hit req[] = {{0, APPLE_D0 + BANANA_D0}, {2, APPLE_D2 + BANANA_D2}};
    check_search(f, "+apple banana", &o, 2, req, 2);
    /* Excluded clauses do not score. */
    const want_hit excl[] = {{1, BANANA_D1}};
    check_search(f, "banana -apple", &o, 1, excl, 1);
}

static void test_phrase_query(void **state)
{
    const fixture *f = *state;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    const want_hit ab[] = {{0, 0.377209388668911}, {2, 0.227749064856701}};
    check_search(f, "\"apple banana\"", &o, 2, ab, 2);
    const want_hit ba[] = {{0, 0.274334100850117}};
    check_search(f, "\"banana apple\"", &o, 1, ba, 1);
    const want_hit aa[] = {{2, 0.354719720185461}};
    check_search(f, "\"apple apple\"", &o, 1, aa, 1);
    check_search(f, "\"apple date\"", &o, 0, NULL, 0);
    check_search(f, "\"apple fig\"", &o, 0, NULL, 0);
    /* A phrase plus a term: d2 = 0.227749064856701 + 0.370124246419519. */
    const want_hit mix[] = {{2, 0.227749064856701 + DATE_D2}, {0, 0.377209388668911}};
    check_search(f, "\"apple banana\" date", &o, 2, mix, 2);
}

static void test_parameters(void **state)
{
    const fixture *f = *state;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    /* k1 = 2, b = 0.5 (values in test_formula). */
    o.k1 = 2.0;
    o.b = 0.5;
    const want_hit p1[] = {{2, 0.256365615952219}, {0, 0.235001814622868}};
    check_search(f, "apple", &o, 2, p1, 2);
    /* b = 0: d2 = 0.470003629245736 * 3 / 4.2; d0 unchanged (its dl is avgdl). */
    o.k1 = 1.2;
    o.b = 0.0;
    const want_hit p2[] = {{2, 0.335716878032668}, {0, APPLE_D0}};
    check_search(f, "apple", &o, 2, p2, 2);
    /* b = 1: d0 2 / (2 + 1.2) = 0.625 and d2 3 / (3 + 1.8) = 0.625, both 0.293752268278585. */
    o.b = 1.0;
    quarry_results *r = NULL;
    assert_int_equal(quarry_searcher_search(&r, f->s, "apple", 5, &o), QUARRY_OK);
    assert_int_equal(quarry_results_size(r), 2);
    for (size_t i = 0; i < 2; i++) {
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
        assert_near(h.score, APPLE_D0, "b 1");
    }
    quarry_results_free(r);
    /* k1 = 0: every match scores its idf. */
    o.k1 = 0.0;
    o.b = 0.75;
    const want_hit p3[] = {{0, IDF_APPLE}, {2, IDF_APPLE}};
    check_search(f, "apple", &o, 2, p3, 2);

    /* Out-of-range options are refused. */
    const double bad[][2] = {{-0.1, 0.75}, {1.2, -0.01},     {1.2, 1.01},
                             {NAN, 0.75},  {INFINITY, 0.75}, {1.2, NAN}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.k1 = bad[i][0];
        o.b = bad[i][1];
        r = NULL;
        assert_int_equal(quarry_searcher_search(&r, f->s, "apple", 5, &o), QUARRY_ERROR);
        assert_null(r);
        assert_true(strlen(quarry_searcher_errmsg(f->s)) > 0);
    }
}

static void test_ties(void **state)
{
    const fixture *f = *state;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    /* b = 0: banana scores by tf only: d0 (tf 2) 0.133531392624523 * 2 / 3.2, d1 and d2
     * (tf 1) 0.133531392624523 / 2.2 = 0.060696087556601 exactly equal: lower docid first. */
    o.b = 0.0;
    const want_hit t1[] = {{0, BANANA_D0}, {1, 0.060696087556601}, {2, 0.060696087556601}};
    check_search(f, "banana", &o, 3, t1, 3);
    /* Cut by k inside the tie: the lower docid is kept. */
    o.k = 2;
    check_search(f, "banana", &o, 3, t1, 2);
    /* k1 = 0: all three tie at idf(banana); order d0 d1 d2 whatever k. */
    o.k1 = 0.0;
    o.k = 10;
    const want_hit t2[] = {{0, IDF_BANANA}, {1, IDF_BANANA}, {2, IDF_BANANA}};
    check_search(f, "banana", &o, 3, t2, 3);
    for (size_t k = 1; k <= 3; k++) {
        o.k = k;
        check_search(f, "banana", &o, 3, t2, k);
    }
    /* k = 0 only counts. */
    o.k = 0;
    check_search(f, "banana", &o, 3, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest formula[] = {
        cmocka_unit_test(test_formula),
    };
    const struct CMUnitTest index[] = {
        cmocka_unit_test(test_index_stats), cmocka_unit_test(test_term_query),
        cmocka_unit_test(test_or_query),    cmocka_unit_test(test_phrase_query),
        cmocka_unit_test(test_parameters),  cmocka_unit_test(test_ties),
    };
    int failed = cmocka_run_group_tests_name("bm25 formula", formula, NULL, NULL);
    failed += cmocka_run_group_tests_name("bm25 on an index", index, setup_index, teardown_index);
    return failed;
}
