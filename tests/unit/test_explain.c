/*
 * test_explain.c: quarry_searcher_explain, through the public API only.
 *
 * A toy index of four short documents (language "none", no titles) gives figures that can be
 * checked by hand: tf, df, idf and score of terms and phrases, dl, avgdl and N; which clauses
 * are listed (only those adding to the score: not excluded ones, not optional ones the
 * document lacks, not the clauses of a group that fails as a whole) and their paths.
 *
 * On the sample news corpus (QUARRY_SAMPLE_DIR), every hit of a set of queries (terms,
 * phrases, nested booleans, exclusions, default_and, other k1 and b) is explained, and:
 * - the sum of the clauses' scores, and the explanation's score, equal the hit's score within
 *   1e-9 relative;
 * - every clause's score is the BM25 formula of its own tf, idf, dl, avgdl, k1 and b, every
 *   idf is Lucene's of its df (a phrase's: the sum of its terms'), N and avgdl are the index's.
 * Errors: a docid past the end, a syntax error, bad options and NULL handles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry/quarry.h"
#include "testutil.h"

#ifndef QUARRY_SAMPLE_DIR
#error "QUARRY_SAMPLE_DIR must be defined (path of data/sample-news, as a string)"
#endif

/* The toy corpus: docid = index in this table. */
static const char *const toy_text[] = {
    "alpha beta alpha gamma",                  /* 0: dl 4 */
    "beta gamma delta",                        /* 1: dl 3 */
    "alpha beta gamma alpha beta epsilon",     /* 2: dl 6 */
    "delta epsilon zeta eta theta iota kappa", /* 3: dl 7 */
};
#define NTOY       4
#define TOY_TOKENS 20.0

/* State shared by the tests: the two indexes, each with a searcher. */
typedef struct fixture {
    char *tmp;           /* temporary folder holding both indexes */
    quarry_index *toy;   /* the toy index */
    quarry_searcher *ts; /* searcher on it */
    quarry_index *news;  /* the sample news index */
    quarry_searcher *ns; /* searcher on it */
} fixture;

/* ----- helpers ------------------------------------------------------------------------------ */

static void open_both(quarry_index **ix, quarry_searcher **s, const char *dir)
{
    assert_int_equal(quarry_index_open(ix, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(s, *ix), QUARRY_OK);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-explain-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    assert_non_null(fx->tmp);

    char *dir = testutil_join(fx->tmp, "toy.idx");
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.language = "none";
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_OK);
    for (int i = 0; i < NTOY; i++) {
        char id[16];
        snprintf(id, sizeof id, "toy%d", i);
        quarry_document d = {id, strlen(id), NULL, 0, toy_text[i], strlen(toy_text[i])};
        assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    }
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    open_both(&fx->toy, &fx->ts, dir);
    free(dir);

    dir = testutil_join(fx->tmp, "news.idx");
    w = NULL;
    o.language = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_OK);
    assert_int_equal(quarry_writer_add_path(w, QUARRY_SAMPLE_DIR), QUARRY_OK);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    open_both(&fx->news, &fx->ns, dir);
    free(dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    quarry_searcher_free(fx->ts);
    quarry_index_close(fx->toy);
    quarry_searcher_free(fx->ns);
    quarry_index_close(fx->news);
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx);
    return 0;
}

/* Explains q for doc with the given options (NULL: defaults), asserting success. */
static quarry_explanation *explain(quarry_searcher *s, const char *q, uint32_t doc,
                                   const quarry_search_options *o)
{
    quarry_explanation *x = NULL;
    int rc = quarry_searcher_explain(&x, s, q, strlen(q), o, doc);
    if (rc != QUARRY_OK)
        print_error("explain %s for %u: %s\n", q, doc, quarry_searcher_errmsg(s));
    assert_int_equal(rc, QUARRY_OK);
    assert_non_null(x);
    return x;
}

static quarry_explain_clause clause(const quarry_explanation *x, size_t i)
{
    quarry_explain_clause c;
    assert_int_equal(quarry_explanation_get(&c, x, i), QUARRY_OK);
    return c;
}

static quarry_explain_doc doc_of(const quarry_explanation *x)
{
    quarry_explain_doc d;
    assert_int_equal(quarry_explanation_get_doc(&d, x), QUARRY_OK);
    return d;
}

/* Lucene's idf and BM25 term score, written out independently of the library. */
static double idf(double n, double df)
{
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

static double bm25(double w, double tf, double dl, double avgdl, double k1, double b)
{
    return w * tf / (tf + k1 * (1.0 - b + b * dl / avgdl));
}

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("got %.17g, expected %.17g (relative tolerance %g)\n", got, want, rel);
        fail();
    }
}

static void assert_text(const char *p, size_t n, const char *want)
{
    if (n != strlen(want) || memcmp(p, want, n) != 0) {
        print_error("got '%.*s', expected '%s'\n", (int)n, p, want);
        fail();
    }
}

/* Checks the internal consistency of one explanation: each clause's idf from its terms' df,
 * its score from the BM25 formula, the total from the clauses. */
static void check_consistent(const quarry_explanation *x)
{
    quarry_explain_doc d = doc_of(x);
    double sum = 0;
    for (size_t i = 0; i < quarry_explanation_size(x); i++) {
        quarry_explain_clause c = clause(x, i);
        assert_true(c.tf > 0);
        assert_true(c.nterms >= 1);
        assert_int_equal(c.nterms > 1, c.phrase != 0);
        double w = 0;
        for (size_t j = 0; j < c.nterms; j++) {
            assert_true(c.terms[j].df >= 1 && c.terms[j].df <= d.docs);
            assert_true(c.terms[j].tf >= c.tf);
            assert_close(c.terms[j].idf, idf((double)d.docs, c.terms[j].df), 1e-12);
            w += c.terms[j].idf;
        }
        if (!c.phrase) {
            assert_int_equal(c.df, c.terms[0].df);
            assert_int_equal(c.tf, c.terms[0].tf);
        }
        assert_close(c.idf, w, 1e-12);
        assert_close(c.score, bm25(c.idf, c.tf, d.dl, d.avgdl, d.k1, d.b), 1e-12);
        sum += c.score;
    }
    assert_close(sum, d.score, 1e-12);
}

/* ----- the toy index: figures by hand ------------------------------------------------------- */

static void test_term_figures(void **state)
{
    fixture *fx = *state;
    quarry_explanation *x = explain(fx->ts, "alpha", 2, NULL);
    quarry_explain_doc d = doc_of(x);
    assert_int_equal(d.docid, 2);
    assert_true(d.matches);
    assert_int_equal(d.dl, 6);
    assert_int_equal(d.docs, NTOY);
    assert_true(d.avgdl == TOY_TOKENS / NTOY);
    assert_true(d.k1 == 1.2 && d.b == 0.75);
    assert_int_equal(quarry_explanation_size(x), 1);
    quarry_explain_clause c = clause(x, 0);
    assert_text(c.text, c.text_len, "alpha");
    assert_text(c.path, c.path_len, "1");
    assert_false(c.phrase);
    assert_false(c.required);
    assert_int_equal(c.tf, 2);
    assert_int_equal(c.df, 2);
    assert_int_equal(c.nterms, 1);
    assert_text(c.terms[0].term, c.terms[0].term_len, "alpha");
    double w = idf(4, 2), want = bm25(w, 2, 6, 5, 1.2, 0.75);
    assert_close(c.idf, w, 1e-15);
    assert_close(c.score, want, 1e-15);
    assert_close(d.score, want, 1e-15);
    quarry_explanation_free(x);

    /* Other k1 and b are used, and the same options give the hit's score. */
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k1 = 2.0;
    o.b = 0.3;
    x = explain(fx->ts, "alpha", 0, &o);
    d = doc_of(x);
    assert_true(d.k1 == 2.0 && d.b == 0.3);
    assert_close(d.score, bm25(w, 2, 4, 5, 2.0, 0.3), 1e-15);
    quarry_results *r = NULL;
    assert_int_equal(quarry_searcher_search(&r, fx->ts, "alpha", 5, &o), QUARRY_OK);
    quarry_hit h;
    assert_int_equal(quarry_results_get(&h, r, 0), QUARRY_OK);
    assert_int_equal(h.docid, 0);
    assert_close(h.score, d.score, 1e-9);
    quarry_results_free(r);
    quarry_explanation_free(x);
}

static void test_phrase_figures(void **state)
{
    fixture *fx = *state;
    /* "alpha beta" occurs twice in doc 2 (positions 0 and 3), once in doc 0. */
    quarry_explanation *x = explain(fx->ts, "gamma \"alpha beta\"", 2, NULL);
    assert_int_equal(quarry_explanation_size(x), 2);
    quarry_explain_clause g = clause(x, 0), c = clause(x, 1);
    assert_text(g.text, g.text_len, "gamma");
    assert_int_equal(g.df, 3);
    assert_text(c.text, c.text_len, "\"alpha beta\"");
    assert_text(c.path, c.path_len, "2");
    assert_true(c.phrase);
    assert_int_equal(c.tf, 2);
    assert_int_equal(c.df, 0);
    assert_int_equal(c.nterms, 2);
    assert_text(c.terms[0].term, c.terms[0].term_len, "alpha");
    assert_text(c.terms[1].term, c.terms[1].term_len, "beta");
    assert_int_equal(c.terms[0].df, 2);
    assert_int_equal(c.terms[1].df, 3);
    assert_int_equal(c.terms[0].tf, 2);
    assert_int_equal(c.terms[1].tf, 2);
    double w = idf(4, 2) + idf(4, 3);
    assert_close(c.idf, w, 1e-15);
    assert_close(c.score, bm25(w, 2, 6, 5, 1.2, 0.75), 1e-15);
    assert_close(doc_of(x).score, g.score + c.score, 1e-15);
    quarry_explanation_free(x);

    /* Doc 1 has beta but not alpha: only gamma is listed. */
    x = explain(fx->ts, "gamma \"alpha beta\"", 1, NULL);
    assert_int_equal(quarry_explanation_size(x), 1);
    assert_text(clause(x, 0).text, clause(x, 0).text_len, "gamma");
    quarry_explanation_free(x);

    /* Both words but never next to each other in that order: the phrase is not listed. */
    x = explain(fx->ts, "\"gamma alpha\" OR \"beta alpha\"", 0, NULL);
    assert_int_equal(quarry_explanation_size(x), 1);
    assert_text(clause(x, 0).path, clause(x, 0).path_len, "2");
    assert_int_equal(clause(x, 0).tf, 1);
    quarry_explanation_free(x);
    x = explain(fx->ts, "\"alpha gamma\"", 1, NULL);
    assert_false(doc_of(x).matches);
    assert_int_equal(quarry_explanation_size(x), 0);
    quarry_explanation_free(x);
}

static void test_listed_clauses(void **state)
{
    fixture *fx = *state;
    /* Excluded clauses are never listed; a document they match does not match at all. */
    quarry_explanation *x = explain(fx->ts, "+alpha -delta gamma zeta", 0, NULL);
    quarry_explain_doc d = doc_of(x);
    assert_true(d.matches);
    assert_int_equal(quarry_explanation_size(x), 2);
    quarry_explain_clause a = clause(x, 0), g = clause(x, 1);
    assert_text(a.text, a.text_len, "alpha");
    assert_true(a.required);
    assert_text(g.text, g.text_len, "gamma");
    assert_false(g.required);
    assert_text(g.path, g.path_len, "3");
    quarry_explanation_free(x);
    x = explain(fx->ts, "alpha -epsilon", 2, NULL);
    assert_false(doc_of(x).matches);
    assert_int_equal(quarry_explanation_size(x), 0);
    assert_true(doc_of(x).score == 0);
    quarry_explanation_free(x);

    /* A group that fails as a whole lists nothing, even if some of its clauses match. */
    x = explain(fx->ts, "(alpha AND delta) beta", 0, NULL);
    assert_int_equal(quarry_explanation_size(x), 1);
    assert_text(clause(x, 0).text, clause(x, 0).text_len, "beta");
    assert_text(clause(x, 0).path, clause(x, 0).path_len, "2");
    quarry_explanation_free(x);

    /* Nested groups are flattened in query order, with their paths. */
    x = explain(fx->ts, "alpha (beta OR (gamma +epsilon -zeta)) kappa", 2, NULL);
    const char *paths[] = {"1", "2.1", "2.2.1", "2.2.2"};
    const char *texts[] = {"alpha", "beta", "gamma", "epsilon"};
    assert_int_equal(quarry_explanation_size(x), 4);
    for (size_t i = 0; i < 4; i++) {
        quarry_explain_clause c = clause(x, i);
        assert_text(c.path, c.path_len, paths[i]);
        assert_text(c.text, c.text_len, texts[i]);
        assert_int_equal(c.required, i == 3);
    }
    check_consistent(x);
    quarry_explanation_free(x);

    /* default_and: every word is required, and a missing one unmatches the document. */
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.default_and = 1;
    x = explain(fx->ts, "alpha gamma", 0, &o);
    assert_int_equal(quarry_explanation_size(x), 2);
    assert_true(clause(x, 0).required && clause(x, 1).required);
    quarry_explanation_free(x);
    x = explain(fx->ts, "alpha delta", 0, &o);
    assert_false(doc_of(x).matches);
    quarry_explanation_free(x);

    /* Terms the index lacks, and queries that analyze to nothing, match nothing. */
    x = explain(fx->ts, "omega", 0, NULL);
    assert_false(doc_of(x).matches);
    quarry_explanation_free(x);
    x = explain(fx->ts, "- ...", 0, NULL);
    assert_false(doc_of(x).matches);
    quarry_explanation_free(x);
}

static void test_errors(void **state)
{
    fixture *fx = *state;
    quarry_explanation *x = (quarry_explanation *)state; /* must be reset to NULL */
    assert_int_equal(quarry_searcher_explain(&x, fx->ts, "alpha", 5, NULL, NTOY), QUARRY_ENOTFOUND);
    assert_null(x);
    assert_non_null(strstr(quarry_searcher_errmsg(fx->ts), "no document"));
    assert_int_equal(quarry_searcher_explain(&x, fx->ts, "\"alpha", 6, NULL, 0), QUARRY_EQUERY);
    assert_null(x);
    assert_non_null(strstr(quarry_searcher_errmsg(fx->ts), "quote"));
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.b = 2;
    assert_int_equal(quarry_searcher_explain(&x, fx->ts, "alpha", 5, &o, 0), QUARRY_ERROR);
    assert_null(x);
    assert_int_equal(quarry_searcher_explain(&x, NULL, "alpha", 5, NULL, 0), QUARRY_ERROR);
    assert_null(x);
    /* Accessors on NULL and out of range; free accepts NULL. */
    quarry_explain_clause c;
    quarry_explain_doc d;
    assert_int_equal(quarry_explanation_size(NULL), 0);
    assert_int_equal(quarry_explanation_get(&c, NULL, 0), QUARRY_ERROR);
    assert_int_equal(quarry_explanation_get_doc(&d, NULL), QUARRY_ERROR);
    x = explain(fx->ts, "alpha", 0, NULL);
    assert_int_equal(quarry_explanation_get(&c, x, 1), QUARRY_ERROR);
    quarry_explanation_free(x);
    quarry_explanation_free(NULL);
    /* The searcher still works after the failures. */
    x = explain(fx->ts, "alpha", 0, NULL);
    assert_true(doc_of(x).matches);
    quarry_explanation_free(x);
}

/* ----- the news corpus: every hit's explanation adds up to its score ------------------------ */

static void test_sum_equals_score(void **state)
{
    fixture *fx = *state;
    static const char *const queries[] = {
        "embassy reopening",
        "\"embassy reopening\"",
        "\"Delcy Rodriguez\" AND (guaido OR flag) NOT treasury",
        "+(embassy OR diplomats) -reuters",
        "maduro oil trump venezuela caracas",
        "\"embassy reopening\" OR (maduro AND +oil) -treasury",
        "state-of-the-art U.S. embassy",
        "a (b OR (maduro (oil OR \"the united states\"))) delegation",
        "maduro maduro \"maduro\"",
    };
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, fx->news), QUARRY_OK);
    size_t explained = 0;
    for (int mode = 0; mode < 3; mode++) {
        quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
        o.k = 100;
        o.snippet_bytes = 0;
        o.default_and = mode == 1;
        if (mode == 2) {
            o.k1 = 0.9;
            o.b = 0.4;
        }
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            quarry_results *r = NULL;
            assert_int_equal(quarry_searcher_search(&r, fx->ns, queries[q], strlen(queries[q]), &o),
                             QUARRY_OK);
            for (size_t i = 0; i < quarry_results_size(r); i++) {
                quarry_hit h;
                assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
                quarry_explanation *x = explain(fx->ns, queries[q], h.docid, &o);
                quarry_explain_doc d = doc_of(x);
                assert_true(d.matches);
                assert_int_equal(d.docs, in.docs);
                assert_close(d.avgdl, (double)in.tokens / (double)in.docs, 1e-15);
                assert_true(quarry_explanation_size(x) > 0);
                double sum = 0;
                for (size_t j = 0; j < quarry_explanation_size(x); j++)
                    sum += clause(x, j).score;
                assert_close(sum, h.score, 1e-9);
                assert_close(d.score, h.score, 1e-9);
                check_consistent(x);
                quarry_explanation_free(x);
                explained++;
            }
            /* Documents that are not hits do not match. */
            if (quarry_results_total(r) < in.docs)
                for (uint32_t doc = 0; doc < in.docs; doc++) {
                    int hit = 0;
                    for (size_t i = 0; i < quarry_results_size(r); i++) {
                        quarry_hit h;
                        quarry_results_get(&h, r, i);
                        hit |= h.docid == doc;
                    }
                    quarry_explanation *x = explain(fx->ns, queries[q], doc, &o);
                    assert_int_equal(doc_of(x).matches != 0, hit);
                    quarry_explanation_free(x);
                }
            quarry_results_free(r);
        }
    }
    assert_true(explained > 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_term_figures),     cmocka_unit_test(test_phrase_figures),
        cmocka_unit_test(test_listed_clauses),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sum_equals_score),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
