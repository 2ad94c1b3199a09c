/*
 * test_eval.c: unit tests of the TREC evaluation library (bench/trec_eval.c).
 *
 * Two kinds of checks, all to 1e-4:
 * - The fixture in QUARRY_TEST_DATA_DIR/eval/ (random graded qrels and a run with many score
 *   ties, copied from the peers' eval fixture; see its SOURCE) is evaluated, and every value
 *   printed by the real trec_eval (expected-q.txt, expected-c.txt) is compared, per query and
 *   as means, with and without "complete" (-c).
 * - Tiny qrels and runs written to temporary files (mkstemp) whose values are computed by hand
 *   in the comments: score ties (docid decreasing), the rank column ignored, duplicate docids,
 *   graded gains and the ideal ranking cut at 10, cutoffs 10 and 100, a query without
 *   relevant documents, queries missing on either side, and malformed or unreadable files.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, close */
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
#include <unistd.h>

#include "../../bench/trec_eval.h"

#ifndef QUARRY_TEST_DATA_DIR
#error "QUARRY_TEST_DATA_DIR must be defined (path of tests/data, as a string)"
#endif

#define FIXTURE_QRELS QUARRY_TEST_DATA_DIR "/eval/qrels.txt"
#define FIXTURE_RUN   QUARRY_TEST_DATA_DIR "/eval/run.txt"
#define FIXTURE_EXP_Q QUARRY_TEST_DATA_DIR "/eval/expected-q.txt"
#define FIXTURE_EXP_C QUARRY_TEST_DATA_DIR "/eval/expected-c.txt"

#define EPS 1e-4

/* Fails the test unless |got - want| <= EPS, printing both values. */
#define assert_near(got, want)                                                                     \
    do {                                                                                           \
        double got_ = (got), want_ = (want);                                                       \
        if (!(fabs(got_ - want_) <= EPS)) {                                                        \
            print_error("%s = %.6f, expected %.6f\n", #got, got_, want_);                          \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* Writes `text` to a new temporary file whose path goes to path[size]. */
static void write_temp(char *path, size_t size, const char *text)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    int n = snprintf(path, size, "%s/quarry-test-eval-XXXXXX", dir);
    assert_true(n > 0 && (size_t)n < size);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* Loads qrels and run from the given texts (via temporary files, removed again). */
static void load_texts(const char *qrels_text, const char *run_text, trec_qrels **q, trec_run **r)
{
    char qp[4096], rp[4096], err[256];
    write_temp(qp, sizeof qp, qrels_text);
    write_temp(rp, sizeof rp, run_text);
    int rc1 = trec_qrels_load(q, qp, err, sizeof err);
    if (rc1 != 0)
        print_error("qrels: %s\n", err);
    int rc2 = trec_run_load(r, rp, err, sizeof err);
    if (rc2 != 0)
        print_error("run: %s\n", err);
    remove(qp);
    remove(rp);
    assert_int_equal(rc1, 0);
    assert_int_equal(rc2, 0);
}

/* Loads `text` as a qrels (is_run == 0) or run file; returns the code and the message. */
static int load_one(int is_run, const char *text, char *err, size_t errlen)
{
    char path[4096];
    write_temp(path, sizeof path, text);
    int rc;
    if (is_run) {
        trec_run *r = (trec_run *)&rc; /* poison: the loader must set NULL on failure */
        rc = trec_run_load(&r, path, err, errlen);
        if (rc != 0)
            assert_null(r);
        trec_run_free(r);
    } else {
        trec_qrels *q = (trec_qrels *)&rc;
        rc = trec_qrels_load(&q, path, err, errlen);
        if (rc != 0)
            assert_null(q);
        trec_qrels_free(q);
    }
    remove(path);
    return rc;
}

/* The result of query `qid` in s, or NULL. */
static const trec_query_result *find_query(const trec_summary *s, const char *qid)
{
    for (size_t i = 0; i < s->num_q; i++) {
        const trec_query_result *r = trec_summary_query(s, i);
        if (strcmp(r->qid, qid) == 0)
            return r;
    }
    return NULL;
}

/*
 * Compares every line `measure qid value` of a trec_eval output file with s. Returns the
 * number of lines checked. map_cut_1000 is compared with map (no fixture query retrieves
 * more than 1000 documents); map_cut_100 is not computed by the library and skipped.
 */
static int check_against_trec_eval(const trec_summary *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    char measure[64], qid[64];
    double want;
    int checked = 0;
    while (fscanf(f, "%63s %63s %lf", measure, qid, &want) == 3) {
        if (strcmp(measure, "map_cut_100") == 0)
            continue;
        if (strcmp(measure, "num_q") == 0) {
            assert_string_equal(qid, "all");
            assert_int_equal(s->num_q, (size_t)want);
            checked++;
            continue;
        }
        trec_query_result all = {"all",         s->ndcg_cut_10, s->map,     s->p_10,
                                 s->recall_100, s->num_ret,     s->num_rel, s->num_rel_ret};
        const trec_query_result *r = strcmp(qid, "all") == 0 ? &all : find_query(s, qid);
        if (r == NULL)
            print_error("query %s not evaluated\n", qid);
        assert_non_null(r);
        double got;
        if (strcmp(measure, "ndcg_cut_10") == 0)
            got = r->ndcg_cut_10;
        else if (strcmp(measure, "map_cut_1000") == 0)
            got = r->map;
        else if (strcmp(measure, "P_10") == 0)
            got = r->p_10;
        else if (strcmp(measure, "recall_100") == 0)
            got = r->recall_100;
        else if (strcmp(measure, "num_ret") == 0)
            got = (double)r->num_ret;
        else if (strcmp(measure, "num_rel") == 0)
            got = (double)r->num_rel;
        else if (strcmp(measure, "num_rel_ret") == 0)
            got = (double)r->num_rel_ret;
        else {
            print_error("unexpected measure %s\n", measure);
            fail();
            got = 0.0;
        }
        if (!(fabs(got - want) <= EPS))
            print_error("%s %s: got %.6f, trec_eval %.4f\n", measure, qid, got, want);
        assert_near(got, want);
        checked++;
    }
    assert_true(feof(f));
    fclose(f);
    return checked;
}

/* ------------------------------------------------------------------------------------------ */
/* Fixture with stored trec_eval output                                                       */

static void test_fixture_per_query(void **state)
{
    (void)state;
    char err[256];
    trec_qrels *q = NULL;
    trec_run *r = NULL;
    assert_int_equal(trec_qrels_load(&q, FIXTURE_QRELS, err, sizeof err), 0);
    assert_int_equal(trec_run_load(&r, FIXTURE_RUN, err, sizeof err), 0);
    assert_int_equal(trec_qrels_num_queries(q), 10);
    assert_int_equal(trec_run_num_queries(r), 11);
    assert_int_equal(trec_run_num_duplicates(r), 0);

    trec_summary s;
    assert_int_equal(trec_evaluate(&s, q, r, 0), 0);
    /* t4, t9 (no results) skipped; t7, t8, t99 (no qrels) ignored */
    assert_int_equal(s.num_q, 8);
    for (size_t i = 0; i < s.num_q; i++)
        assert_true(s.queries[i].num_ret <= 1000); /* so map == map_cut_1000 */
    /* 8 queries x 7 measures + 7 "all" lines + num_q (map_cut_100 skipped) */
    assert_int_equal(check_against_trec_eval(&s, FIXTURE_EXP_Q), 8 * 7 + 7 + 1);

    /* A few values spelled out (from expected-q.txt), and the qid order (strcmp). */
    assert_near(s.ndcg_cut_10, 0.1243);
    assert_near(s.map, 0.0895);
    assert_near(s.p_10, 0.1000);
    assert_near(s.recall_100, 0.4562);
    assert_string_equal(trec_summary_query(&s, 0)->qid, "t1");
    assert_string_equal(trec_summary_query(&s, 1)->qid, "t10");
    assert_near(trec_summary_query(&s, 1)->ndcg_cut_10, 0.1277);
    assert_string_equal(trec_summary_query(&s, 7)->qid, "t6");
    assert_null(trec_summary_query(&s, 8));

    /* The summary owns its qids: it outlives the qrels and the run. */
    trec_qrels_free(q);
    trec_run_free(r);
    assert_string_equal(find_query(&s, "t5")->qid, "t5");
    assert_near(find_query(&s, "t5")->map, 0.1102);
    trec_summary_free(&s);
    assert_int_equal(s.num_q, 0);
    assert_null(s.queries);
}

static void test_fixture_complete(void **state)
{
    (void)state;
    char err[256];
    trec_qrels *q = NULL;
    trec_run *r = NULL;
    assert_int_equal(trec_qrels_load(&q, FIXTURE_QRELS, err, sizeof err), 0);
    assert_int_equal(trec_run_load(&r, FIXTURE_RUN, err, sizeof err), 0);
    trec_summary s;
    assert_int_equal(trec_evaluate(&s, q, r, 1), 0);
    assert_int_equal(s.num_q, 10); /* every qrels query, t4 and t9 with zeros */
    assert_int_equal(check_against_trec_eval(&s, FIXTURE_EXP_C), 7 + 1);
    const trec_query_result *t4 = find_query(&s, "t4");
    assert_non_null(t4);
    assert_int_equal(t4->num_ret, 0);
    assert_int_equal(t4->num_rel, 21);
    assert_near(t4->ndcg_cut_10, 0.0);
    assert_near(t4->map, 0.0);
    trec_summary_free(&s);
    trec_qrels_free(q);
    trec_run_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* Hand-computed cases                                                                        */

/*
 * Query A: judgements d1=2, d2=1, d3=0, d4=-1, d5=3 (relevant: d1, d2, d5; num_rel 3).
 * Run A (rank column deliberately wrong): d2 2.0, d3 2.0, d1 1.5, d9 0.5, d4 0.5, and a second
 * d1 line with score 9.0 that must be dropped (the first line is kept).
 * trec_eval order: ties by docid decreasing, so d3, d2, d1, d9 (unjudged), d4.
 *   relevant at ranks 2 and 3: AP = (1/2 + 2/3) / 3 = 7/18 = 0.388889
 *     (with ties broken increasingly it would be d2, d3: (1 + 2/3) / 3 = 0.5556)
 *   P@10 = 2/10; recall@100 = 2/3
 *   DCG@10 = 1/log2(3) + 2/log2(4) = 1.630930; ideal 3, 2, 1: 3 + 2/log2(3) + 1/2 = 4.761860
 *   nDCG@10 = 0.342499
 * Query B: judged, nothing relevant (0 and -1): counted, all measures 0 (as trec_eval).
 * Query C: in the run only: ignored. Query D: in the qrels only: skipped unless complete.
 */
static const char *const QRELS_ABD = "A 0 d1 2\n"
                                     "A 0 d2 1\n"
                                     "A 0 d3 0\n"
                                     "A 0 d4 -1\n"
                                     "A 0 d5 3\n"
                                     "B 0 x1 0\n"
                                     "B 0 x2 -1\n"
                                     "D 0 z1 1\n"
                                     "D 0 z2 2\n";
static const char *const RUN_ABC = "A Q0 d2 5 2.0 t\n"
                                   "A Q0 d3 4 2.0 t\n"
                                   "A Q0 d1 3 1.5 t\n"
                                   "A Q0 d9 2 0.5 t\n"
                                   "A Q0 d4 1 0.5 t\n"
                                   "A Q0 d1 0 9.0 t\n"
                                   "C Q0 d1 1 3.0 t\n"
                                   "B Q0 x1 1 1.0 t\n"
                                   "B Q0 zz 2 0.5 t\n";

static void test_ties_duplicates_graded(void **state)
{
    (void)state;
    trec_qrels *q = NULL;
    trec_run *r = NULL;
    load_texts(QRELS_ABD, RUN_ABC, &q, &r);
    assert_int_equal(trec_qrels_num_queries(q), 3);
    assert_int_equal(trec_run_num_queries(r), 3);
    assert_int_equal(trec_run_num_duplicates(r), 1);

    trec_summary s;
    assert_int_equal(trec_evaluate(&s, q, r, 0), 0);
    assert_int_equal(s.num_q, 2); /* A and B */
    const trec_query_result *a = trec_summary_query(&s, 0);
    assert_string_equal(a->qid, "A");
    assert_int_equal(a->num_ret, 5);
    assert_int_equal(a->num_rel, 3);
    assert_int_equal(a->num_rel_ret, 2);
    assert_near(a->map, 7.0 / 18.0);
    assert_near(a->p_10, 0.2);
    assert_near(a->recall_100, 2.0 / 3.0);
    assert_near(a->ndcg_cut_10, 0.342499);

    const trec_query_result *b = trec_summary_query(&s, 1);
    assert_string_equal(b->qid, "B");
    assert_int_equal(b->num_ret, 2);
    assert_int_equal(b->num_rel, 0);
    assert_near(b->map, 0.0);
    assert_near(b->p_10, 0.0);
    assert_near(b->recall_100, 0.0);
    assert_near(b->ndcg_cut_10, 0.0);

    assert_near(s.map, (7.0 / 18.0) / 2.0);
    assert_near(s.ndcg_cut_10, 0.342499 / 2.0);
    assert_near(s.p_10, 0.1);
    assert_near(s.recall_100, 1.0 / 3.0);
    assert_int_equal(s.num_ret, 7);
    assert_int_equal(s.num_rel, 3);
    assert_int_equal(s.num_rel_ret, 2);
    trec_summary_free(&s);

    /* complete: D (num_rel 2, nothing retrieved) is counted with zeros. */
    assert_int_equal(trec_evaluate(&s, q, r, 1), 0);
    assert_int_equal(s.num_q, 3);
    const trec_query_result *d = trec_summary_query(&s, 2);
    assert_string_equal(d->qid, "D");
    assert_int_equal(d->num_ret, 0);
    assert_int_equal(d->num_rel, 2);
    assert_near(d->ndcg_cut_10, 0.0);
    assert_near(s.map, (7.0 / 18.0) / 3.0);
    assert_near(s.ndcg_cut_10, 0.342499 / 3.0);
    assert_near(s.recall_100, (2.0 / 3.0) / 3.0);
    assert_int_equal(s.num_rel, 5);
    trec_summary_free(&s);
    trec_qrels_free(q);
    trec_run_free(r);
}

/*
 * Query E: 4 relevant documents (e0, e1, e2, e3, rel 1); the run has 150 documents r000..r149
 * with decreasing scores, where r004 = e0 (rank 5), r049 = e1 (rank 50), r119 = e2 (rank 120);
 * e3 is never retrieved.
 *   P@10 = 1/10; recall@100 = 2/4; AP = (1/5 + 2/50 + 3/120) / 4 = 0.06625
 *   nDCG@10 = (1/log2(6)) / (1 + 1/log2(3) + 1/2 + 1/log2(5)) = 0.151020
 * Query F: 12 judged documents, f12 = 3 and f01..f11 = 1; the run retrieves only f12.
 *   The ideal ranking is cut at 10: 3 + sum_{i=2..10} 1/log2(i + 1) = 6.543570;
 *   nDCG@10 = 3 / 6.543570 = 0.458466; AP = 1/12; recall@100 = 1/12.
 */
static void test_cutoffs(void **state)
{
    (void)state;
    char qrels_text[1024], run_text[8192];
    size_t qn = 0, rn = 0;
    qn += (size_t)snprintf(qrels_text + qn, sizeof qrels_text - qn,
                           "E 0 r004 1\nE 0 r049 1\nE 0 r119 1\nE 0 e3 1\nF 0 f12 3\n");
    for (int i = 1; i <= 11; i++)
        qn += (size_t)snprintf(qrels_text + qn, sizeof qrels_text - qn, "F 0 f%02d 1\n", i);
    assert_true(qn < sizeof qrels_text);
    for (int i = 0; i < 150; i++)
        rn += (size_t)snprintf(run_text + rn, sizeof run_text - rn, "E Q0 r%03d %d %d.5 t\n", i,
                               i + 1, 1000 - i);
    rn += (size_t)snprintf(run_text + rn, sizeof run_text - rn, "F Q0 f12 1 1e-3 t\n");
    assert_true(rn < sizeof run_text);

    trec_qrels *q = NULL;
    trec_run *r = NULL;
    load_texts(qrels_text, run_text, &q, &r);
    trec_summary s;
    assert_int_equal(trec_evaluate(&s, q, r, 0), 0);
    assert_int_equal(s.num_q, 2);
    const trec_query_result *e = find_query(&s, "E");
    assert_non_null(e);
    assert_int_equal(e->num_ret, 150);
    assert_int_equal(e->num_rel_ret, 3);
    assert_near(e->p_10, 0.1);
    assert_near(e->recall_100, 0.5);
    assert_near(e->map, 0.06625);
    assert_near(e->ndcg_cut_10, 0.151020);
    const trec_query_result *f = find_query(&s, "F");
    assert_non_null(f);
    assert_int_equal(f->num_rel, 12);
    assert_near(f->ndcg_cut_10, 0.458466);
    assert_near(f->map, 1.0 / 12.0);
    assert_near(f->recall_100, 1.0 / 12.0);
    assert_near(f->p_10, 0.1);
    trec_summary_free(&s);
    trec_qrels_free(q);
    trec_run_free(r);
}

/* Blank lines, '#' comments, CRLF, tabs and an unterminated last line are accepted. */
static void test_lenient_syntax(void **state)
{
    (void)state;
    trec_qrels *q = NULL;
    trec_run *r = NULL;
    load_texts("# comment\r\n\r\nA\t0\td1\t1\r\n   \nA 0 d2 1\nA 0 d2 1\nA 0 d3 +2",
               "\n# qid Q0 docid rank score tag\nA Q0 d1 1 1 t\r\nA  Q0  d2  2  -1e300  t", &q, &r);
    assert_int_equal(trec_qrels_num_queries(q), 1);
    trec_summary s;
    assert_int_equal(trec_evaluate(&s, q, r, 0), 0);
    assert_int_equal(s.num_q, 1);
    /* 3 relevant (d2's repeated identical judgement counts once); d1, d2 at ranks 1, 2 */
    assert_int_equal(s.queries[0].num_rel, 3);
    assert_near(s.map, 2.0 / 3.0);
    assert_near(s.recall_100, 2.0 / 3.0);
    trec_summary_free(&s);
    trec_qrels_free(q);
    trec_run_free(r);
}

/* An empty run: nothing evaluated by default; with complete, every qrels query as zero. */
static void test_empty_run(void **state)
{
    (void)state;
    trec_qrels *q = NULL;
    trec_run *r = NULL;
    load_texts("A 0 d1 1\nB 0 d1 1\n", "", &q, &r);
    assert_int_equal(trec_run_num_queries(r), 0);
    trec_summary s;
    assert_int_equal(trec_evaluate(&s, q, r, 0), 0);
    assert_int_equal(s.num_q, 0);
    assert_near(s.map, 0.0);
    assert_null(trec_summary_query(&s, 0));
    trec_summary_free(&s);
    assert_int_equal(trec_evaluate(&s, q, r, 1), 0);
    assert_int_equal(s.num_q, 2);
    assert_int_equal(s.num_rel, 2);
    assert_near(s.ndcg_cut_10, 0.0);
    trec_summary_free(&s);
    trec_qrels_free(q);
    trec_run_free(r);
}

/* Returns 1 when `needle` occurs in `hay`. */
static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static void test_malformed(void **state)
{
    (void)state;
    char err[256];

    err[0] = '\0';
    assert_int_equal(load_one(0, "A 0 d1 1\nA 0 d2 1\nA 0 d3\n", err, sizeof err),
                     TREC_EVAL_EFORMAT);
    assert_true(contains(err, ":3:"));
    assert_true(contains(err, "expected 4 fields"));

    assert_int_equal(load_one(0, "A 0 d1 1 extra\n", err, sizeof err), TREC_EVAL_EFORMAT);
    assert_true(contains(err, ":1:"));

    assert_int_equal(load_one(0, "A 0 d1 1\n\nA 0 d2 x\n", err, sizeof err), TREC_EVAL_EFORMAT);
    assert_true(contains(err, ":3:"));
    assert_true(contains(err, "not an integer"));

    assert_int_equal(load_one(0, "A 0 d1 1.5\n", err, sizeof err), TREC_EVAL_EFORMAT);

    /* conflicting judgements of one document (the later line is reported) */
    assert_int_equal(load_one(0, "A 0 d1 1\nB 0 d1 0\nA 0 d1 2\n", err, sizeof err),
                     TREC_EVAL_EFORMAT);
    assert_true(contains(err, ":3:"));
    assert_true(contains(err, "line 1"));

    assert_int_equal(load_one(1, "A Q0 d1 1 1.0 t\nA Q0 d2 2 0.5\n", err, sizeof err),
                     TREC_EVAL_EFORMAT);
    assert_true(contains(err, ":2:"));
    assert_true(contains(err, "expected 6 fields"));

    assert_int_equal(load_one(1, "A Q0 d1 1 high t\n", err, sizeof err), TREC_EVAL_EFORMAT);
    assert_true(contains(err, ":1:"));
    assert_true(contains(err, "not a number"));

    assert_int_equal(load_one(1, "A Q0 d1 1 nan t\n", err, sizeof err), TREC_EVAL_EFORMAT);
    assert_int_equal(load_one(1, "A Q0 d1 1 1.0x t\n", err, sizeof err), TREC_EVAL_EFORMAT);

    /* a small buffer is truncated but NUL-terminated; a NULL buffer is allowed */
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(load_one(1, "A Q0 d1\n", small, sizeof small), TREC_EVAL_EFORMAT);
    assert_true(memchr(small, '\0', sizeof small) != NULL);
    assert_int_equal(load_one(1, "A Q0 d1\n", NULL, 0), TREC_EVAL_EFORMAT);
}

static void test_unreadable_and_null(void **state)
{
    (void)state;
    char err[256];
    trec_qrels *q = NULL;
    trec_run *r = NULL;
    assert_int_equal(trec_qrels_load(&q, "/nonexistent/quarry/qrels.txt", err, sizeof err),
                     TREC_EVAL_EIO);
    assert_null(q);
    assert_true(contains(err, "/nonexistent/quarry/qrels.txt"));
    assert_int_equal(trec_run_load(&r, "/nonexistent/quarry/run.txt", err, sizeof err),
                     TREC_EVAL_EIO);
    assert_null(r);
    assert_true(contains(err, "run.txt"));

    assert_int_equal(trec_qrels_load(NULL, "x", err, sizeof err), TREC_EVAL_EINVAL);
    assert_int_equal(trec_run_load(&r, NULL, err, sizeof err), TREC_EVAL_EINVAL);
    assert_null(r);

    trec_summary s;
    assert_int_equal(trec_evaluate(&s, NULL, NULL, 0), TREC_EVAL_EINVAL);
    assert_int_equal(s.num_q, 0);
    assert_int_equal(trec_evaluate(NULL, NULL, NULL, 0), TREC_EVAL_EINVAL);

    /* frees accept NULL */
    trec_qrels_free(NULL);
    trec_run_free(NULL);
    trec_summary_free(NULL);
    assert_null(trec_summary_query(NULL, 0));
    assert_int_equal(trec_qrels_num_queries(NULL), 0);
    assert_int_equal(trec_run_num_queries(NULL), 0);
    assert_int_equal(trec_run_num_duplicates(NULL), 0);
    assert_non_null(trec_eval_strerror(TREC_EVAL_EFORMAT));
    assert_non_null(trec_eval_strerror(12345));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_per_query),
        cmocka_unit_test(test_fixture_complete),
        cmocka_unit_test(test_ties_duplicates_graded),
        cmocka_unit_test(test_cutoffs),
        cmocka_unit_test(test_lenient_syntax),
        cmocka_unit_test(test_empty_run),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_unreadable_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
