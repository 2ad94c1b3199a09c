/*
 * test_threads.c: many threads searching one shared index, through the public API only.
 *
 * The setup generates a corpus with a fixed pseudo-random sequence (splitmix64): NDOCS
 * documents of 8..120 words drawn from a vocabulary of VOCAB made-up words with a Zipf
 * distribution, so that some terms are in most documents and many in a few; it indexes them
 * (English stemming, as by default) and opens the index once. It then generates NQUERIES
 * queries: 1..4 clauses, each a word (frequent or rare), a 2..3 word phrase copied from a
 * document (so phrases do match), or a parenthesized OR of two words; clauses are sometimes
 * required (+) or excluded (-); some queries use default_and, other k1 and b, k = 0 or 50, or
 * snippets; a few have an unbalanced quote (a syntax error, whose message must be the same in
 * every thread).
 *
 * The reference answers come from one searcher in this thread. Then NTHREADS threads, each
 * with its own searcher on the same quarry_index, run every query, each thread in its own
 * order, and compare each answer with the reference: return code and message, total, hit
 * count, docids, ids, titles, scores bit for bit, snippets and their spans. Threads record
 * mismatches (CMocka's asserts are for the main thread), the main thread checks none occurred.
 * Run under ThreadSanitizer this also shows the read path has no data race.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry/quarry.h"
#include "testutil.h"

#define NDOCS    3000 /* documents in the corpus */
#define VOCAB    4000 /* distinct made-up words */
#define NQUERIES 1000 /* queries */
#define NTHREADS 8    /* threads searching at once */
#define QCAP     256  /* bytes of a query's text */

/* splitmix64: a small, good, deterministic generator. */
static uint64_t next_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(next_rand(state) % n);
}

/* What one search gave, kept for comparison. */
typedef struct answer {
    int rc;             /* return code */
    char msg[128];      /* searcher message on failure */
    uint64_t total;     /* matching documents */
    size_t n;           /* hits */
    uint32_t *docid;    /* their docids */
    double *score;      /* their scores */
    char **snippet;     /* their snippets (NUL-terminated copies), NULL entries if none */
    size_t *nspans;     /* spans per hit */
    quarry_span **span; /* the spans (copies) */
} answer;

/* One generated query and its options. */
typedef struct query {
    char text[QCAP];            /* the query */
    quarry_search_options opts; /* its options */
} query;

/* State shared by the tests. */
typedef struct fixture {
    char *dir;                     /* the index folder (in a temporary folder) */
    char *tmp;                     /* the temporary folder */
    quarry_index *ix;              /* the index, opened once and shared */
    char *words[VOCAB];            /* the vocabulary, most frequent first */
    double cdf[VOCAB];             /* Zipf cumulative distribution over it */
    uint32_t *doc_words;           /* every document's words (indexes in words), concatenated */
    uint32_t doc_start[NDOCS + 1]; /* document d's words are doc_words[doc_start[d]..[d + 1]) */
    query q[NQUERIES];             /* the queries */
    answer ref[NQUERIES];          /* their reference answers */
} fixture;

/* A made-up word for rank r: three consonant-vowel syllables, distinct for distinct r. */
static char *make_word(uint32_t r)
{
    static const char cons[] = "bdfgklmnprstvz", vow[] = "aeiou";
    char w[8];
    for (int i = 0; i < 3; i++) {
        uint32_t syl = r % 70;
        r /= 70;
        w[2 * i] = cons[syl / 5];
        w[2 * i + 1] = vow[syl % 5];
    }
    w[6] = '\0';
    char *copy = strdup(w);
    assert_non_null(copy);
    return copy;
}

/* A word rank drawn from the Zipf distribution. */
static uint32_t zipf(const fixture *fx, uint64_t *st)
{
    double u = (double)(next_rand(st) >> 11) / 9007199254740992.0;
    uint32_t lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (fx->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Appends printf output to q (truncation is harmless: QCAP leaves room for 4 clauses). */
static void append(char *q, const char *fmt, ...)
{
    size_t n = strlen(q);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q + n, QCAP - n, fmt, ap);
    va_end(ap);
}

/* Generates query i. */
static void make_query(fixture *fx, uint64_t *st, size_t i)
{
    query *q = &fx->q[i];
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.snippet_bytes = i % 10 == 0 ? 160 : 0;
    o.k = i % 10 == 3 ? 0 : i % 10 == 7 ? 50 : 10;
    o.default_and = i % 6 == 1;
    if (i % 9 == 4) {
        o.k1 = 0.7;
        o.b = 0.3;
    }
    q->opts = o;
    q->text[0] = '\0';
    uint32_t nclauses = 1 + below(st, 4);
    for (uint32_t c = 0; c < nclauses; c++) {
        uint32_t m = below(st, 100);
        append(q->text, c ? " %s" : "%s", m < 20 ? "+" : m < 32 ? "-" : "");
        uint32_t kind = below(st, 100);
        if (kind < 20) { /* a phrase copied from a document */
            uint32_t d = below(st, NDOCS), len = fx->doc_start[d + 1] - fx->doc_start[d];
            uint32_t n = 2 + below(st, 2), at = below(st, len - n + 1);
            for (uint32_t k = 0; k < n; k++)
                append(q->text, "%s%s%s", k ? " " : "\"",
                       fx->words[fx->doc_words[fx->doc_start[d] + at + k]], k + 1 == n ? "\"" : "");
        } else if (kind < 30) { /* a group */
            append(q->text, "(%s OR %s)", fx->words[zipf(fx, st)], fx->words[below(st, VOCAB)]);
        } else { /* a word: frequent, or any */
            append(q->text, "%s", fx->words[kind < 70 ? zipf(fx, st) : below(st, VOCAB)]);
        }
    }
    if (i % 97 == 50)
        append(q->text, " \"unclosed");
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-threads-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    assert_non_null(fx->tmp);
    fx->dir = testutil_join(fx->tmp, "gen.idx");

    double sum = 0;
    for (uint32_t r = 0; r < VOCAB; r++) {
        fx->words[r] = make_word(r);
        sum += 1.0 / (r + 1);
        fx->cdf[r] = sum;
    }
    for (uint32_t r = 0; r < VOCAB; r++)
        fx->cdf[r] /= sum;

    uint64_t st = 20240601;
    fx->doc_words = malloc(NDOCS * 120 * sizeof *fx->doc_words);
    assert_non_null(fx->doc_words);
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, fx->dir, &o), QUARRY_OK);
    char *text = malloc(120 * 8);
    assert_non_null(text);
    uint32_t nw = 0;
    for (uint32_t d = 0; d < NDOCS; d++) {
        fx->doc_start[d] = nw;
        uint32_t len = 8 + below(&st, 113);
        size_t tl = 0;
        for (uint32_t k = 0; k < len; k++) {
            uint32_t r = zipf(fx, &st);
            fx->doc_words[nw++] = r;
            tl += (size_t)sprintf(text + tl, "%s%s", k ? " " : "", fx->words[r]);
        }
        char id[16], title[32];
        snprintf(id, sizeof id, "d%u", d);
        snprintf(title, sizeof title, "Document %u", d);
        quarry_document doc = {id, strlen(id), title, strlen(title), text, tl};
        assert_int_equal(quarry_writer_add(w, &doc), QUARRY_OK);
    }
    fx->doc_start[NDOCS] = nw;
    free(text);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    assert_int_equal(quarry_index_open(&fx->ix, fx->dir), QUARRY_OK);
    for (size_t i = 0; i < NQUERIES; i++)
        make_query(fx, &st, i);
    *state = fx;
    return 0;
}

static void answer_free(answer *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->snippet[i]);
        free(a->span[i]);
    }
    free(a->docid);
    free(a->score);
    free(a->snippet);
    free(a->nspans);
    free(a->span);
    memset(a, 0, sizeof *a);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (size_t i = 0; i < NQUERIES; i++)
        answer_free(&fx->ref[i]);
    for (uint32_t r = 0; r < VOCAB; r++)
        free(fx->words[r]);
    free(fx->doc_words);
    quarry_index_close(fx->ix);
    testutil_rm_rf(fx->tmp);
    free(fx->dir);
    free(fx->tmp);
    free(fx);
    return 0;
}

/* Runs query q with s and keeps the answer. Returns 0, or -1 if the results are malformed
 * (an id that is not "d<docid>", a title that is not "Document <docid>"), with a message. */
static int ask(answer *a, quarry_searcher *s, const query *q, char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    quarry_results *r = NULL;
    a->rc = quarry_searcher_search(&r, s, q->text, strlen(q->text), &q->opts);
    if (a->rc != QUARRY_OK) {
        snprintf(a->msg, sizeof a->msg, "%s", quarry_searcher_errmsg(s));
        return 0;
    }
    a->total = quarry_results_total(r);
    a->n = quarry_results_size(r);
    size_t n = a->n ? a->n : 1;
    a->docid = calloc(n, sizeof *a->docid);
    a->score = calloc(n, sizeof *a->score);
    a->snippet = calloc(n, sizeof *a->snippet);
    a->nspans = calloc(n, sizeof *a->nspans);
    a->span = calloc(n, sizeof *a->span);
    int bad = !a->docid || !a->score || !a->snippet || !a->nspans || !a->span;
    for (size_t i = 0; !bad && i < a->n; i++) {
        quarry_hit h;
        char want[32];
        quarry_results_get(&h, r, i);
        a->docid[i] = h.docid;
        a->score[i] = h.score;
        int n1 = snprintf(want, sizeof want, "d%u", h.docid);
        if ((size_t)n1 != h.id_len || memcmp(want, h.id, h.id_len) != 0) {
            snprintf(why, cap, "%s: hit %zu, docid %u has id %.*s", q->text, i, h.docid,
                     (int)h.id_len, h.id);
            bad = 1;
        }
        int n2 = snprintf(want, sizeof want, "Document %u", h.docid);
        if (!bad && ((size_t)n2 != h.title_len || memcmp(want, h.title, h.title_len) != 0)) {
            snprintf(why, cap, "%s: hit %zu, docid %u has title %.*s", q->text, i, h.docid,
                     (int)h.title_len, h.title);
            bad = 1;
        }
        if (h.snippet) {
            a->snippet[i] = strndup(h.snippet, h.snippet_len);
            a->nspans[i] = h.nspans;
            a->span[i] = malloc((h.nspans ? h.nspans : 1) * sizeof *h.spans);
            bad |= !a->snippet[i] || !a->span[i];
            if (a->span[i])
                memcpy(a->span[i], h.spans, h.nspans * sizeof *h.spans);
        }
    }
    quarry_results_free(r);
    return bad ? -1 : 0;
}

/* Compares answer b with the reference a. Returns 0 if equal, else -1 with a message. */
static int same(const answer *a, const answer *b, const query *q, char *why, size_t cap)
{
    if (a->rc != b->rc || strcmp(a->msg, b->msg) != 0 || a->total != b->total || a->n != b->n) {
        snprintf(why, cap, "%s: rc %d/%d, '%s'/'%s', total %llu/%llu, hits %zu/%zu", q->text, a->rc,
                 b->rc, a->msg, b->msg, (unsigned long long)a->total, (unsigned long long)b->total,
                 a->n, b->n);
        return -1;
    }
    for (size_t i = 0; i < a->n; i++) {
        int snip = (a->snippet[i] == NULL) == (b->snippet[i] == NULL) &&
                   (!a->snippet[i] ||
                    (!strcmp(a->snippet[i], b->snippet[i]) && a->nspans[i] == b->nspans[i] &&
                     !memcmp(a->span[i], b->span[i], a->nspans[i] * sizeof *a->span[i])));
        if (a->docid[i] != b->docid[i] || memcmp(&a->score[i], &b->score[i], sizeof(double)) ||
            !snip) {
            snprintf(why, cap, "%s: hit %zu: docid %u/%u, score %.17g/%.17g, snippet %s", q->text,
                     i, a->docid[i], b->docid[i], a->score[i], b->score[i],
                     snip ? "same" : "differs");
            return -1;
        }
    }
    return 0;
}

/* One searching thread. */
typedef struct runner {
    fixture *fx;       /* shared, read-only while threads run */
    unsigned seed;     /* order of the queries */
    size_t done;       /* queries answered */
    size_t mismatches; /* answers that differed from the reference */
    char why[512];     /* the first difference */
} runner;

static void *run_thread(void *arg)
{
    runner *t = arg;
    fixture *fx = t->fx;
    quarry_searcher *s = NULL;
    if (quarry_searcher_create(&s, fx->ix) != QUARRY_OK) {
        t->mismatches = NQUERIES;
        snprintf(t->why, sizeof t->why, "could not create a searcher");
        return NULL;
    }
    /* This thread's order: a Fisher-Yates shuffle of its own seed. */
    size_t order[NQUERIES];
    uint64_t st = t->seed;
    for (size_t i = 0; i < NQUERIES; i++)
        order[i] = i;
    for (size_t i = NQUERIES - 1; i > 0; i--) {
        size_t j = below(&st, (uint32_t)i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    for (size_t k = 0; k < NQUERIES; k++) {
        size_t i = order[k];
        answer a;
        char why[512];
        int bad = ask(&a, s, &fx->q[i], why, sizeof why) ||
                  same(&fx->ref[i], &a, &fx->q[i], why, sizeof why);
        if (bad && t->mismatches++ == 0)
            snprintf(t->why, sizeof t->why, "%s", why);
        answer_free(&a);
        t->done++;
    }
    quarry_searcher_free(s);
    return NULL;
}

/* The reference: every query once, in order, in this thread. Also checks the corpus gives
 * the variety the threads test is about. */
static void test_reference(void **state)
{
    fixture *fx = *state;
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, fx->ix), QUARRY_OK);
    size_t failed = 0, empty = 0, phrases_hit = 0, big = 0;
    for (size_t i = 0; i < NQUERIES; i++) {
        char why[512];
        if (ask(&fx->ref[i], s, &fx->q[i], why, sizeof why)) {
            print_error("%s\n", why);
            fail();
        }
        const answer *a = &fx->ref[i];
        failed += a->rc != QUARRY_OK;
        empty += a->rc == QUARRY_OK && a->total == 0;
        big += a->total > NDOCS / 2;
        phrases_hit += a->total > 0 && strchr(fx->q[i].text, '"') != NULL;
        if (a->rc != QUARRY_OK) {
            assert_int_equal(a->rc, QUARRY_EQUERY);
            assert_non_null(strstr(fx->q[i].text, "unclosed"));
        }
    }
    quarry_searcher_free(s);
    size_t unclosed = 0;
    for (size_t i = 0; i < NQUERIES; i++)
        unclosed += strstr(fx->q[i].text, "unclosed") != NULL;
    assert_true(unclosed > 0);
    assert_int_equal(failed, unclosed);
    assert_true(empty > 10 && empty < NQUERIES / 2);
    assert_true(big > 10);
    assert_true(phrases_hit > 50);
}

/* NTHREADS threads, each every query in its own order, on the one shared index. */
static void test_threads_agree(void **state)
{
    fixture *fx = *state;
    runner t[NTHREADS];
    pthread_t tid[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        t[i] = (runner){.fx = fx, .seed = 1000 + i};
        assert_int_equal(pthread_create(&tid[i], NULL, run_thread, &t[i]), 0);
    }
    for (unsigned i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        if (t[i].mismatches)
            print_error("thread %u: %zu mismatches, first: %s\n", i, t[i].mismatches, t[i].why);
        assert_int_equal(t[i].mismatches, 0);
        assert_int_equal(t[i].done, NQUERIES);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_threads_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
