/*
 * test_e2e.c: end-to-end tests of the whole library on the sample news corpus
 * (QUARRY_SAMPLE_DIR, five articles), through the public API only (quarry/quarry.h); the
 * internal analyzer is used solely to compute, independently of the index, which analyzed terms
 * each article holds.
 *
 * The group setup indexes the corpus once into a temporary folder (mkdtemp) and reads the five
 * files back. The tests then check:
 * - phrases match on stems and folded accents: "Delcy Rodriguez" finds all five articles (two
 *   spell it Rodríguez), "embassy reopening" exactly two, "reopening embassy" only 002;
 * - boolean operators (+maduro -oil, --and / default_and, explicit OR) return exactly the
 *   articles a scan of the files' own terms predicts;
 * - k cuts the hits but not the total; hits are sorted by score, then docid; ids, titles and
 *   snippets are the files' bytes; every span marks a word that folds to a query term, and
 *   every such word inside a snippet is marked;
 * - quarry_index_get_info agrees with the writer's stats, the folder and the corpus;
 * - a second build gives byte-identical files and identical results; re-indexing into the same
 *   folder replaces the index (generation 2, old seg_1_0.* files gone) while an index opened
 *   before keeps answering;
 * - a JSON Lines file (string and number ids, unknown members, missing title) round-trips;
 * - quarry-search --json prints the same ids and bit-identical scores as the library.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/analyzer.h"
#include "quarry/quarry.h"
#include "testutil.h"

#ifndef QUARRY_SAMPLE_DIR
#error "QUARRY_SAMPLE_DIR must be defined (path of data/sample-news, as a string)"
#endif
#ifndef QUARRY_BUILD_DIR
#error "QUARRY_BUILD_DIR must be defined (the build folder, as a string)"
#endif

#define NSAMPLE   5
#define MAX_TERMS 4096

/* The sample articles, in name order (= indexing order = docid). */
static const char *const sample_ids[NSAMPLE] = {
    "000_8f4d31560d95e004.txt", "001_786c4e5d2393abf5.txt", "002_9643f1b6fcffd125.txt",
    "003_343be6f40bc08b8a.txt", "004_c8eb1222b36bc6e1.txt"};

/* One sample article as read from disk, split as the writer splits files. */
typedef struct sample {
    char *data;       /* whole file */
    size_t size;      /* bytes */
    size_t title;     /* offset of the title */
    size_t title_len; /* bytes of title */
    size_t text;      /* offset of the text (the rest after the title line) */
    char **terms;     /* distinct analyzed terms of title and text */
    uint32_t *tf;     /* occurrences of each term */
    size_t nterms;    /* entries in terms */
    uint64_t tokens;  /* document length in tokens */
} sample;

/* State shared by the tests: the corpus and the index built from it. */
typedef struct fixture {
    char *tmp;              /* temporary folder holding every index of the tests */
    char *ixdir;            /* the main index */
    quarry_index *ix;       /* opened main index */
    quarry_searcher *s;     /* searcher on it */
    quarry_writer_stats st; /* stats of the writer that built it */
    analyzer *an;           /* english analyzer, for computing expectations */
    sample docs[NSAMPLE];   /* the corpus */
} fixture;

/* ----- helpers ------------------------------------------------------------------------------ */

/* A new temporary folder (malloc'd path). */
static char *make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-e2e-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *copy = strdup(d);
    assert_non_null(copy);
    return copy;
}

/* Reads a whole file (malloc'd, NUL-terminated); NULL if it cannot be read. */
static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    assert_non_null(b);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
            assert_non_null(b);
        }
    }
    fclose(f);
    b[n] = '\0';
    *size = n;
    return b;
}

static void write_all(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Splits a file as quarry_writer_add_path documents it: the title is the first non-empty line
 * (after a byte order mark; trailing blanks cut), the text everything after that line. */
static void split_doc(sample *d)
{
    size_t i = 0, n = d->size;
    const char *b = d->data;
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < n && (b[i] == '\n' || b[i] == '\r' || b[i] == ' ' || b[i] == '\t'))
        i++;
    d->title = i;
    while (i < n && b[i] != '\n')
        i++;
    size_t end = i;
    while (end > d->title && (b[end - 1] == '\r' || b[end - 1] == ' ' || b[end - 1] == '\t'))
        end--;
    d->title_len = end - d->title;
    d->text = i < n ? i + 1 : n;
}

/* analyzer callback: collects distinct terms into a sample and counts tokens. */
static int collect_term(void *ctx, const tok_token *t)
{
    sample *d = ctx;
    d->tokens++;
    for (size_t i = 0; i < d->nterms; i++)
        if (strlen(d->terms[i]) == t->len && !memcmp(d->terms[i], t->term, t->len)) {
            d->tf[i]++;
            return 0;
        }
    assert_true(d->nterms < MAX_TERMS);
    d->tf[d->nterms] = 1;
    d->terms[d->nterms] = malloc(t->len + 1);
    assert_non_null(d->terms[d->nterms]);
    memcpy(d->terms[d->nterms], t->term, t->len);
    d->terms[d->nterms++][t->len] = '\0';
    return 0;
}

/* Occurrences of an analyzed term in a sample article (0 if absent). */
static uint32_t term_freq(const sample *d, const char *term)
{
    for (size_t i = 0; i < d->nterms; i++)
        if (!strcmp(d->terms[i], term))
            return d->tf[i];
    return 0;
}

static int has_term(const sample *d, const char *term)
{
    return term_freq(d, term) > 0;
}

/* analyzer callback: copies the single analyzed term of a word. */
typedef struct one_term {
    char term[128]; /* the term (NUL-terminated) */
    int count;      /* tokens seen */
} one_term;

static int keep_term(void *ctx, const tok_token *t)
{
    one_term *o = ctx;
    if (o->count++ == 0 && t->len < sizeof o->term) {
        memcpy(o->term, t->term, t->len);
        o->term[t->len] = '\0';
    }
    return 0;
}

/* The analyzed term of one query word (exactly one token expected). */
static void analyze_word(analyzer *an, const char *word, char *out, size_t cap)
{
    one_term o = {"", 0};
    assert_int_equal(analyzer_run(an, word, strlen(word), 0, keep_term, &o, NULL), 0);
    assert_int_equal(o.count, 1);
    snprintf(out, cap, "%s", o.term);
}

/* Builds an index of `input` (a folder, or a JSONL file when jsonl) into dir. */
static void build_index(const char *dir, const char *input, int jsonl, quarry_writer_stats *st)
{
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    quarry_writer *w = NULL;
    int rc = quarry_writer_open(&w, dir, &o);
    if (rc == QUARRY_OK)
        rc = jsonl ? quarry_writer_add_jsonl(w, input) : quarry_writer_add_path(w, input);
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    if (rc != QUARRY_OK)
        print_error("indexing %s: %s\n", input, quarry_writer_errmsg(w));
    assert_int_equal(rc, QUARRY_OK);
    if (st)
        assert_int_equal(quarry_writer_get_stats(st, w), QUARRY_OK);
    quarry_writer_free(w);
}

/* Runs q and returns the results (asserting success). */
/* Runs q with exact counting unless `pruned`. */
static quarry_results *run_opts(quarry_searcher *s, const char *q, size_t k, int default_and,
                                size_t snippet_bytes, int pruned)
{
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k = k;
    o.count = !pruned;
    o.default_and = default_and;
    o.snippet_bytes = snippet_bytes;
    quarry_results *r = NULL;
    int rc = quarry_searcher_search(&r, s, q, strlen(q), &o);
    if (rc != QUARRY_OK)
        print_error("query %s: %s\n", q, quarry_searcher_errmsg(s));
    assert_int_equal(rc, QUARRY_OK);
    assert_non_null(r);
    if (!pruned)
        assert_int_equal(quarry_results_total_is_exact(r), 1);
    return r;
}

static quarry_results *run(quarry_searcher *s, const char *q, size_t k, int default_and,
                           size_t snippet_bytes)
{
    return run_opts(s, q, k, default_and, snippet_bytes, 0);
}

static quarry_hit get_hit(const quarry_results *r, size_t i)
{
    quarry_hit h;
    assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
    return h;
}

/* Index in sample_ids of a hit's id, failing if it is not a sample article. */
static int sample_of(const quarry_hit *h)
{
    for (int i = 0; i < NSAMPLE; i++)
        if (strlen(sample_ids[i]) == h->id_len && !memcmp(sample_ids[i], h->id, h->id_len))
            return i;
    print_error("unexpected id %.*s\n", (int)h->id_len, h->id);
    fail();
    return -1;
}

/* Bit set of the sample articles among all hits of r (which must hold every match). */
static unsigned hit_set(const quarry_results *r)
{
    unsigned set = 0;
    assert_int_equal(quarry_results_size(r), quarry_results_total(r));
    for (size_t i = 0; i < quarry_results_size(r); i++) {
        quarry_hit h = get_hit(r, i);
        int d = sample_of(&h);
        assert_int_equal(h.docid, (uint32_t)d); /* docids follow the indexing order */
        assert_false(set & (1u << d));          /* no document twice */
        set |= 1u << d;
    }
    return set;
}

/* Bit set of the sample articles holding every term of all[] and none of none[]. */
static unsigned expected_set(const fixture *fx, const char *const *all, size_t nall,
                             const char *const *none, size_t nnone)
{
    unsigned set = 0;
    for (int d = 0; d < NSAMPLE; d++) {
        int ok = 1;
        for (size_t i = 0; i < nall; i++)
            ok = ok && has_term(&fx->docs[d], all[i]);
        for (size_t i = 0; i < nnone; i++)
            ok = ok && !has_term(&fx->docs[d], none[i]);
        set |= ok ? 1u << d : 0;
    }
    return set;
}

/* Checks ranking order: score descending, then docid ascending; scores finite and > 0. */
static void check_sorted(const quarry_results *r)
{
    for (size_t i = 0; i < quarry_results_size(r); i++) {
        quarry_hit h = get_hit(r, i);
        assert_true(isfinite(h.score) && h.score > 0);
        if (i == 0)
            continue;
        quarry_hit p = get_hit(r, i - 1);
        assert_true(p.score > h.score || (p.score == h.score && p.docid < h.docid));
    }
}

/* Context of check_spans' re-analysis of a snippet. */
typedef struct span_check {
    const quarry_hit *h; /* hit whose snippet is analyzed */
    char terms[8][128];  /* analyzed query terms */
    size_t nterms;       /* entries in terms */
    size_t next;         /* next span expected */
} span_check;

static int is_query_term(const span_check *c, const char *t, size_t len)
{
    for (size_t i = 0; i < c->nterms; i++)
        if (strlen(c->terms[i]) == len && !memcmp(c->terms[i], t, len))
            return 1;
    return 0;
}

static int on_snippet_token(void *ctx, const tok_token *t)
{
    span_check *c = ctx;
    if (!is_query_term(c, t->term, t->len))
        return 0;
    /* Every word of the snippet that folds to a query term is the next span, exactly. */
    if (c->next >= c->h->nspans || c->h->spans[c->next].start != t->start ||
        c->h->spans[c->next].len != t->end - t->start) {
        print_error("word '%.*s' at %zu of the snippet of %.*s is not marked as span %zu\n",
                    (int)(t->end - t->start), c->h->snippet + t->start, t->start, (int)c->h->id_len,
                    c->h->id, c->next);
        fail();
    }
    c->next++;
    return 0;
}

/* Checks a hit against its article: id, title and snippet are the file's bytes, spans are in
 * order inside the snippet, each marks one word whose analyzed form is one of `words`' (after
 * analysis), and every such word in the snippet is marked. */
static void check_hit(fixture *fx, const quarry_hit *h, const char *const *words, size_t nwords,
                      int snippets)
{
    const sample *d = &fx->docs[sample_of(h)];
    assert_int_equal(h->title_len, d->title_len);
    assert_memory_equal(h->title, d->data + d->title, d->title_len);
    assert_int_equal(h->text_len, d->size - d->text);
    if (!snippets) {
        assert_null(h->snippet);
        assert_int_equal(h->nspans, 0);
        return;
    }
    assert_non_null(h->snippet);
    assert_true(h->snippet_len > 0);
    assert_true(h->snippet_offset + h->snippet_len <= h->text_len);
    assert_memory_equal(h->snippet, d->data + d->text + h->snippet_offset, h->snippet_len);
    /* Cut on word boundaries: no blank at either end. */
    assert_false(strchr(" \n\r\t", h->snippet[0]));
    assert_false(strchr(" \n\r\t", h->snippet[h->snippet_len - 1]));
    span_check c;
    memset(&c, 0, sizeof c);
    c.h = h;
    assert_true(nwords <= 8);
    for (size_t i = 0; i < nwords; i++)
        analyze_word(fx->an, words[i], c.terms[c.nterms++], sizeof c.terms[0]);
    for (size_t i = 0; i < h->nspans; i++) {
        const quarry_span *sp = &h->spans[i];
        assert_true(sp->len > 0 && sp->start + sp->len <= h->snippet_len);
        if (i > 0)
            assert_true(sp->start >= h->spans[i - 1].start + h->spans[i - 1].len);
        /* The marked bytes are one word analyzing to a query term. */
        one_term o = {"", 0};
        assert_int_equal(
            analyzer_run(fx->an, h->snippet + sp->start, sp->len, 0, keep_term, &o, NULL), 0);
        assert_int_equal(o.count, 1);
        assert_true(is_query_term(&c, o.term, strlen(o.term)));
    }
    assert_int_equal(
        analyzer_run(fx->an, h->snippet, h->snippet_len, 0, on_snippet_token, &c, NULL), 0);
    assert_int_equal(c.next, h->nspans);
}

/* Checks every hit of r with check_hit. */
static void check_hits(fixture *fx, const quarry_results *r, const char *const *words,
                       size_t nwords, int snippets)
{
    for (size_t i = 0; i < quarry_results_size(r); i++) {
        quarry_hit h = get_hit(r, i);
        check_hit(fx, &h, words, nwords, snippets);
    }
}

/* Two results are identical: hits, scores (bit for bit), snippets and spans. */
static void assert_same_results(const quarry_results *a, const quarry_results *b)
{
    assert_int_equal(quarry_results_size(a), quarry_results_size(b));
    assert_int_equal(quarry_results_total(a), quarry_results_total(b));
    for (size_t i = 0; i < quarry_results_size(a); i++) {
        quarry_hit x = get_hit(a, i), y = get_hit(b, i);
        assert_int_equal(x.docid, y.docid);
        assert_true(x.score == y.score);
        assert_int_equal(x.id_len, y.id_len);
        assert_memory_equal(x.id, y.id, x.id_len);
        assert_int_equal(x.title_len, y.title_len);
        assert_memory_equal(x.title, y.title, x.title_len);
        assert_int_equal(x.snippet_len, y.snippet_len);
        assert_int_equal(x.snippet_offset, y.snippet_offset);
        if (x.snippet_len)
            assert_memory_equal(x.snippet, y.snippet, x.snippet_len);
        assert_int_equal(x.nspans, y.nspans);
        for (size_t j = 0; j < x.nspans; j++) {
            assert_int_equal(x.spans[j].start, y.spans[j].start);
            assert_int_equal(x.spans[j].len, y.spans[j].len);
        }
    }
}

/* Queries compared between indexes and with the CLI. */
static const char *const compare_queries[] = {"\"Delcy Rodriguez\"",
                                              "embassy reopening",
                                              "+maduro -oil",
                                              "\"reopening embassy\"",
                                              "(embassy OR oil) AND trump",
                                              "venezuela",
                                              "diplomatic NOT \"Delcy Rodriguez\"",
                                              "zzzunknownword"};
#define NCOMPARE (sizeof compare_queries / sizeof compare_queries[0])

/* ----- fixture -------------------------------------------------------------------------------- */

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(analyzer_create(&fx->an, "english"), 0);
    for (int i = 0; i < NSAMPLE; i++) {
        sample *d = &fx->docs[i];
        char *p = testutil_join(QUARRY_SAMPLE_DIR, sample_ids[i]);
        d->data = read_all(p, &d->size);
        free(p);
        assert_non_null(d->data);
        split_doc(d);
        d->terms = calloc(MAX_TERMS, sizeof *d->terms);
        d->tf = calloc(MAX_TERMS, sizeof *d->tf);
        assert_non_null(d->terms);
        assert_non_null(d->tf);
        uint32_t ntitle = 0;
        assert_int_equal(
            analyzer_run(fx->an, d->data + d->title, d->title_len, 0, collect_term, d, &ntitle), 0);
        assert_int_equal(analyzer_run(fx->an, d->data + d->text, d->size - d->text, ntitle + 1,
                                      collect_term, d, NULL),
                         0);
    }
    fx->tmp = make_tmpdir();
    fx->ixdir = testutil_join(fx->tmp, "news.idx");
    build_index(fx->ixdir, QUARRY_SAMPLE_DIR, 0, &fx->st);
    int rc = quarry_index_open(&fx->ix, fx->ixdir);
    if (rc)
        print_error("%s\n", quarry_index_errmsg(fx->ix));
    assert_int_equal(rc, QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&fx->s, fx->ix), QUARRY_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    quarry_searcher_free(fx->s);
    quarry_index_close(fx->ix);
    analyzer_free(fx->an);
    for (int i = 0; i < NSAMPLE; i++) {
        for (size_t j = 0; j < fx->docs[i].nterms; j++)
            free(fx->docs[i].terms[j]);
        free(fx->docs[i].terms);
        free(fx->docs[i].tf);
        free(fx->docs[i].data);
    }
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx->ixdir);
    free(fx);
    return 0;
}

/* ----- tests ---------------------------------------------------------------------------------- */

/* "Delcy Rodriguez" matches all five articles, also the two that only write Rodríguez. */
static void test_phrase_folds_accents(void **state)
{
    fixture *fx = *state;
    for (int d = 2; d <= 4; d += 2) { /* the premise: 002 and 004 spell it with an accent */
        assert_non_null(strstr(fx->docs[d].data, "Delcy Rodr\xC3\xADguez"));
        assert_null(strstr(fx->docs[d].data, "Delcy Rodriguez"));
    }
    static const char *const words[] = {"Delcy", "Rodriguez"};
    for (int snip = 0; snip <= 1; snip++) {
        quarry_results *r = run(fx->s, "\"Delcy Rodriguez\"", 10, 0, snip ? 240 : 0);
        assert_int_equal(quarry_results_total(r), 5);
        assert_int_equal(hit_set(r), 0x1f);
        check_sorted(r);
        check_hits(fx, r, words, 2, snip);
        quarry_results_free(r);
    }
    /* Same thing typed with the accent and in capitals. */
    quarry_results *r = run(fx->s, "\"DELCY RODR\xC3\x8DGUEZ\"", 10, 0, 240);
    assert_int_equal(hit_set(r), 0x1f);
    quarry_results_free(r);
}

/* Phrases need consecutive positions; the same words unquoted match any article with either. */
static void test_phrase_vs_words(void **state)
{
    fixture *fx = *state;
    static const char *const words[] = {"embassy", "reopening"};
    quarry_results *r = run(fx->s, "\"embassy reopening\"", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 2);
    assert_int_equal(hit_set(r), (1u << 0) | (1u << 2)); /* 000 and 002 */
    check_sorted(r);
    check_hits(fx, r, words, 2, 1);
    quarry_results_free(r);

    r = run(fx->s, "embassy reopening", 10, 0, 240);
    assert_true(quarry_results_total(r) > 2);
    char t1[128], t2[128];
    analyze_word(fx->an, "embassy", t1, sizeof t1);
    analyze_word(fx->an, "reopening", t2, sizeof t2);
    const char *one[] = {t1}, *two[] = {t2};
    assert_int_equal(hit_set(r),
                     expected_set(fx, one, 1, NULL, 0) | expected_set(fx, two, 1, NULL, 0));
    check_sorted(r);
    check_hits(fx, r, words, 2, 1);
    quarry_results_free(r);
}

/* "reopening embassy" matches 002's "reopening embassies": phrases match on stems. */
static void test_phrase_on_stems(void **state)
{
    fixture *fx = *state;
    assert_non_null(strstr(fx->docs[2].data, "reopening embassies"));
    static const char *const words[] = {"reopening", "embassy"};
    quarry_results *r = run(fx->s, "\"reopening embassy\"", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 1);
    assert_int_equal(hit_set(r), 1u << 2);
    check_hits(fx, r, words, 2, 1);
    quarry_results_free(r);
}

/* Returns 1 if text holds `word` as a whole word, ignoring ASCII case. */
static int has_word_nocase(const char *text, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++) {
        size_t j = 0;
        while (j < w && (text[i + j] | 0x20) == word[j])
            j++;
        if (j < w)
            continue;
        int left = i == 0 || !((text[i - 1] | 0x20) >= 'a' && (text[i - 1] | 0x20) <= 'z');
        int right = i + w == n || !((text[i + w] | 0x20) >= 'a' && (text[i + w] | 0x20) <= 'z');
        if (left && right)
            return 1;
    }
    return 0;
}

/* +maduro -oil: every hit holds maduro and no word analyzing to oil; nothing is missing. */
static void test_required_and_excluded(void **state)
{
    fixture *fx = *state;
    static const char *const words[] = {"maduro"};
    quarry_results *r = run(fx->s, "+maduro -oil", 10, 0, 240);
    assert_true(quarry_results_size(r) >= 1);
    for (size_t i = 0; i < quarry_results_size(r); i++) {
        quarry_hit h = get_hit(r, i);
        const sample *d = &fx->docs[sample_of(&h)];
        assert_false(has_word_nocase(d->data, d->size, "oil"));
        assert_false(has_term(d, "oil"));
        assert_true(has_term(d, "maduro"));
    }
    const char *all[] = {"maduro"}, *none[] = {"oil"};
    assert_int_equal(hit_set(r), expected_set(fx, all, 1, none, 1));
    check_sorted(r);
    check_hits(fx, r, words, 1, 1); /* the excluded word is never marked */
    quarry_results_free(r);

    /* NOT and -( ) say the same. */
    quarry_results *a = run(fx->s, "maduro NOT oil", 10, 0, 240);
    quarry_results *b = run(fx->s, "+maduro -(oil)", 10, 0, 240);
    quarry_results *c = run(fx->s, "+maduro -oil", 10, 0, 240);
    assert_same_results(a, c);
    assert_same_results(b, c);
    quarry_results_free(a);
    quarry_results_free(b);
    quarry_results_free(c);
}

/* default_and makes every unmarked word required; OR still makes them optional. */
static void test_default_and(void **state)
{
    fixture *fx = *state;
    char e[128], re[128], oil[128];
    analyze_word(fx->an, "embassy", e, sizeof e);
    analyze_word(fx->an, "reopening", re, sizeof re);
    analyze_word(fx->an, "oil", oil, sizeof oil);
    const char *all3[] = {e, re, oil}, *only_e[] = {e}, *only_re[] = {re}, *only_oil[] = {oil};
    unsigned and3 = expected_set(fx, all3, 3, NULL, 0);
    unsigned or3 = expected_set(fx, only_e, 1, NULL, 0) | expected_set(fx, only_re, 1, NULL, 0) |
                   expected_set(fx, only_oil, 1, NULL, 0);
    assert_true(and3 != 0 && and3 != or3); /* the corpus tells the two apart */

    quarry_results *r = run(fx->s, "embassy reopening oil", 10, 1, 240);
    assert_int_equal(hit_set(r), and3);
    check_sorted(r);
    quarry_results_free(r);
    r = run(fx->s, "embassy reopening oil", 10, 0, 240);
    assert_int_equal(hit_set(r), or3);
    quarry_results_free(r);
    /* Explicit AND without default_and equals default_and. */
    quarry_results *a = run(fx->s, "embassy AND reopening AND oil", 10, 0, 240);
    quarry_results *b = run(fx->s, "embassy reopening oil", 10, 1, 240);
    assert_same_results(a, b);
    quarry_results_free(a);
    quarry_results_free(b);
    /* With default_and, "a OR b" is a disjunction. */
    r = run(fx->s, "embassy OR oil", 10, 1, 240);
    assert_int_equal(hit_set(r),
                     expected_set(fx, only_e, 1, NULL, 0) | expected_set(fx, only_oil, 1, NULL, 0));
    quarry_results_free(r);
}

/* k limits the hits, never the counted total; the top k are a prefix of the full ranking,
 * with or without pruning; a pruned total is a lower bound, exact when it says so. */
static void test_k_and_total(void **state)
{
    fixture *fx = *state;
    quarry_results *all = run(fx->s, "embassy reopening", 10, 0, 240);
    uint64_t total = quarry_results_total(all);
    assert_int_equal(quarry_results_size(all), total);
    for (size_t k = 0; k <= 2 * (total + 1); k++) {
        int pruned = (int)(k % 2);
        quarry_results *r = run_opts(fx->s, "embassy reopening", k / 2, 0, 240, pruned);
        if (quarry_results_total_is_exact(r))
            assert_int_equal(quarry_results_total(r), total);
        else
            assert_true(pruned && quarry_results_total(r) <= total);
        assert_int_equal(quarry_results_size(r), k / 2 < total ? k / 2 : total);
        for (size_t i = 0; i < quarry_results_size(r); i++) {
            quarry_hit x = get_hit(r, i), y = get_hit(all, i);
            assert_int_equal(x.docid, y.docid);
            assert_true(x.score == y.score);
        }
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, quarry_results_size(r)), QUARRY_ERROR);
        quarry_results_free(r);
    }
    quarry_results_free(all);
}

/* Ranking order holds for a mix of queries, including ties of equal scores. */
static void test_sorted(void **state)
{
    fixture *fx = *state;
    static const char *const queries[] = {"venezuela",
                                          "maduro trump oil embassy",
                                          "\"Delcy Rodriguez\" OR caracas",
                                          "the",
                                          "+caracas",
                                          "us",
                                          "(diplomatic OR relations) AND -reuters"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        quarry_results *r = run(fx->s, queries[i], 10, 0, 240);
        check_sorted(r);
        quarry_results_free(r);
    }
    /* b = 0, k1 = 0: every match of one term scores its idf alone, so all tie and the order is
     * the docid order. */
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k1 = 0;
    o.b = 0;
    quarry_results *r = NULL;
    assert_int_equal(quarry_searcher_search(&r, fx->s, "venezuela", 9, &o), QUARRY_OK);
    assert_int_equal(quarry_results_size(r), 5);
    for (size_t i = 0; i < 5; i++) {
        quarry_hit h = get_hit(r, i);
        assert_int_equal(h.docid, (uint32_t)i);
        assert_true(h.score == get_hit(r, 0).score);
    }
    quarry_results_free(r);
}

/* BM25 as search.h defines it, from term counts taken from the files themselves. */
static double expected_bm25(const fixture *fx, int d, const char *const *words, size_t nwords,
                            double k1, double b)
{
    double total = 0;
    for (int i = 0; i < NSAMPLE; i++)
        total += (double)fx->docs[i].tokens;
    double avgdl = total / NSAMPLE, dl = (double)fx->docs[d].tokens, score = 0;
    for (size_t w = 0; w < nwords; w++) {
        char t[128];
        analyze_word(fx->an, words[w], t, sizeof t);
        double tf = term_freq(&fx->docs[d], t), df = 0;
        for (int i = 0; i < NSAMPLE; i++)
            df += has_term(&fx->docs[i], t);
        if (tf == 0)
            continue;
        double idf = log(1 + (NSAMPLE - df + 0.5) / (df + 0.5));
        score += idf * tf / (tf + k1 * (1 - b + b * dl / avgdl));
    }
    return score;
}

/* Scores are Lucene's BM25 over the right term frequencies and document lengths, for the
 * default parameters and others. */
static void test_bm25_scores(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *q;
        const char *words[3];
        size_t n;
    } cases[] = {
        {"maduro", {"maduro"}, 1},
        {"embassy", {"embassy"}, 1},
        {"oil trump", {"oil", "trump"}, 2},
        {"Rodríguez delegation sanctions", {"rodriguez", "delegation", "sanctions"}, 3},
    };
    static const double params[][2] = {{1.2, 0.75}, {0.9, 0.4}, {2.0, 1.0}, {1.2, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (size_t p = 0; p < sizeof params / sizeof params[0]; p++) {
            quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
            o.k1 = params[p][0];
            o.b = params[p][1];
            quarry_results *r = NULL;
            assert_int_equal(quarry_searcher_search(&r, fx->s, cases[c].q, strlen(cases[c].q), &o),
                             QUARRY_OK);
            assert_true(quarry_results_size(r) > 0);
            for (size_t i = 0; i < quarry_results_size(r); i++) {
                quarry_hit h = get_hit(r, i);
                double want =
                    expected_bm25(fx, sample_of(&h), cases[c].words, cases[c].n, o.k1, o.b);
                if (!(fabs(h.score - want) <= 1e-12 * want)) {
                    print_error("%s (k1 %g, b %g): %.*s scores %.17g, expected %.17g\n", cases[c].q,
                                o.k1, o.b, (int)h.id_len, h.id, h.score, want);
                    fail();
                }
            }
            quarry_results_free(r);
        }
    }
}

/* Snippets of many queries: spans mark exactly the words that fold to the query's terms. */
static void test_snippet_spans(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *q;
        const char *words[4];
        size_t n;
    } cases[] = {
        {"maduro", {"maduro"}, 1},
        {"\"Delcy Rodriguez\" embassy", {"Delcy", "Rodriguez", "embassy"}, 3},
        {"diplomats -oil", {"diplomats"}, 1},
        {"Venezuela's", {"venezuela"}, 1},
        {"reestablishing OR re-establishing", {"reestablishing", "re", "establishing"}, 3},
        {"maduro -\"oil embassy\"", {"maduro"}, 1}, /* excluded words are never marked */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t bytes = 40; bytes <= 1000; bytes += 320) {
            quarry_results *r = run(fx->s, cases[i].q, 10, 0, bytes);
            assert_true(quarry_results_size(r) > 0);
            check_hits(fx, r, cases[i].words, cases[i].n, 1);
            for (size_t j = 0; j < quarry_results_size(r); j++) {
                quarry_hit h = get_hit(r, j);
                /* never longer than asked for */
                assert_true(h.snippet_len <= bytes);
            }
            quarry_results_free(r);
        }
    }
}

/* Sum of the sizes of the regular files in dir. */
static uint64_t folder_bytes(const char *dir, int *nfiles)
{
    uint64_t sum = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    *nfiles = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = testutil_join(dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        free(p);
        if (strcmp(e->d_name, "MANIFEST") != 0) /* index_bytes counts the segment's files */
            sum += (uint64_t)st.st_size;
        (*nfiles)++;
    }
    closedir(d);
    return sum;
}

/* quarry_index_get_info agrees with the writer, the folder and the corpus. */
static void test_info(void **state)
{
    fixture *fx = *state;
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, fx->ix), QUARRY_OK);
    assert_int_equal(in.format_version, 3);
    assert_int_equal(in.segments, 1);
    assert_int_equal(in.deleted, 0);
    assert_int_equal(in.generation, 1);
    assert_int_equal(in.docs, NSAMPLE);
    assert_string_equal(in.language, "english");
    uint64_t tokens = 0;
    for (int i = 0; i < NSAMPLE; i++)
        tokens += fx->docs[i].tokens;
    assert_int_equal(in.tokens, tokens);
    int nfiles;
    assert_int_equal(in.index_bytes, folder_bytes(fx->ixdir, &nfiles));
    assert_int_equal(nfiles, 6); /* MANIFEST and five segment files, no leftovers */
    assert_true(in.terms > 100);
    /* The writer's counters say the same. */
    assert_int_equal(fx->st.docs, in.docs);
    assert_int_equal(fx->st.skipped, 0);
    assert_int_equal(fx->st.terms, in.terms);
    assert_int_equal(fx->st.tokens, in.tokens);
    assert_int_equal(fx->st.index_bytes, in.index_bytes);
    assert_true(fx->st.store_bytes > 0 && fx->st.store_bytes < fx->st.index_bytes);
    uint64_t input = 0, postings = 0;
    for (int i = 0; i < NSAMPLE; i++) {
        input += fx->docs[i].size;
        postings += fx->docs[i].nterms;
    }
    assert_int_equal(fx->st.bytes_in, input);
    assert_int_equal(fx->st.postings, postings);
    /* The union of the articles' terms is the dictionary. */
    uint64_t distinct = 0;
    for (int i = 0; i < NSAMPLE; i++)
        for (size_t j = 0; j < fx->docs[i].nterms; j++) {
            int earlier = 0;
            for (int k = 0; k < i && !earlier; k++)
                earlier = has_term(&fx->docs[k], fx->docs[i].terms[j]);
            distinct += !earlier;
        }
    assert_int_equal(in.terms, distinct);
    /* Failed or NULL handles. */
    assert_int_equal(quarry_index_get_info(&in, NULL), QUARRY_ERROR);
}

/* Every file of two folders is byte-identical. */
static void assert_same_files(const char *a, const char *b)
{
    DIR *d = opendir(a);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *pa = testutil_join(a, e->d_name), *pb = testutil_join(b, e->d_name);
        size_t na, nb;
        char *da = read_all(pa, &na), *db = read_all(pb, &nb);
        if (!db)
            print_error("%s has no %s\n", b, e->d_name);
        assert_non_null(da);
        assert_non_null(db);
        assert_int_equal(na, nb);
        assert_memory_equal(da, db, na);
        free(da);
        free(db);
        free(pa);
        free(pb);
    }
    closedir(d);
}

/* Building the same input twice gives the same files and the same answers. */
static void test_deterministic(void **state)
{
    fixture *fx = *state;
    char *dir = testutil_join(fx->tmp, "again.idx");
    build_index(dir, QUARRY_SAMPLE_DIR, 0, NULL);
    assert_same_files(fx->ixdir, dir);
    assert_same_files(dir, fx->ixdir);
    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    for (size_t i = 0; i < NCOMPARE; i++) {
        for (int and = 0; and <= 1; and++) {
            quarry_results *a = run(fx->s, compare_queries[i], 10, and, 240);
            quarry_results *b = run(s, compare_queries[i], 10, and, 240);
            assert_same_results(a, b);
            quarry_results_free(a);
            quarry_results_free(b);
        }
    }
    /* The same query twice on one searcher gives the same answer too (no state leaks). */
    quarry_results *a = run(s, "embassy reopening", 3, 0, 100);
    quarry_results *b = run(s, "embassy reopening", 3, 0, 100);
    assert_same_results(a, b);
    quarry_results_free(a);
    quarry_results_free(b);
    quarry_searcher_free(s);
    quarry_index_close(ix);
    testutil_rm_rf(dir);
    free(dir);
}

/* Re-indexing into a folder replaces its index; an index opened before keeps working. */
static void test_reindex_replaces(void **state)
{
    fixture *fx = *state;
    char *dir = testutil_join(fx->tmp, "re.idx");
    build_index(dir, QUARRY_SAMPLE_DIR, 0, NULL);
    quarry_index *old = NULL;
    quarry_searcher *olds = NULL;
    assert_int_equal(quarry_index_open(&old, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&olds, old), QUARRY_OK);
    quarry_results *before = run(olds, "embassy reopening", 10, 0, 240);

    /* Re-index from a single article. */
    char *one = testutil_join(QUARRY_SAMPLE_DIR, sample_ids[3]);
    build_index(dir, one, 0, NULL);
    free(one);
    char *p = testutil_join(dir, "seg_1_0.dict");
    assert_int_equal(access(p, F_OK), -1); /* the old generation's files are gone */
    free(p);
    p = testutil_join(dir, "seg_2_0.store");
    assert_int_equal(access(p, F_OK), 0);
    free(p);
    int nfiles;
    folder_bytes(dir, &nfiles);
    assert_int_equal(nfiles, 6);

    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_OK);
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, ix), QUARRY_OK);
    assert_int_equal(in.generation, 2);
    assert_int_equal(in.docs, 1);
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    quarry_results *r = run(s, "embassy reopening", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 1);
    quarry_hit h = get_hit(r, 0);
    assert_int_equal(h.id_len, strlen(sample_ids[3]) + strlen(QUARRY_SAMPLE_DIR) + 1);
    assert_memory_equal(h.id + h.id_len - strlen(sample_ids[3]), sample_ids[3],
                        strlen(sample_ids[3])); /* a file named directly: id = path as given */
    quarry_results_free(r);

    /* The index opened before still answers as before (its files stay mapped). */
    quarry_results *after = run(olds, "embassy reopening", 10, 0, 240);
    assert_same_results(before, after);
    quarry_results_free(before);
    quarry_results_free(after);
    quarry_searcher_free(olds);
    quarry_index_close(old);
    quarry_searcher_free(s);
    quarry_index_close(ix);
    testutil_rm_rf(dir);
    free(dir);
}

/* JSON Lines in: string and number ids, unknown members, a missing title, Unicode. */
static void test_jsonl_round_trip(void **state)
{
    fixture *fx = *state;
    static const char jsonl[] =
        "{\"id\":\"doc-1\",\"title\":\"First title\",\"text\":\"The quick brown fox jumps\","
        "\"lang\":\"en\"}\n"
        "\n"
        "{\"tags\":[\"x\",{\"y\":null}],\"id\":42,\"text\":\"Lazy dogs sleep; quick foxes "
        "run.\",\"score\":1.5}\r\n"
        "  {\"id\":\"u\\u00fc\",\"title\":\"Caf\\u00e9 "
        "\\\"cr\\u00e8me\\\"\",\"text\":\"Br\xC3\xBBl\xC3\xA9"
        "e at the CAF\xC3\x89.\\nSecond line\",\"title2\":7}  \n"
        "{\"id\":\"t\",\"title\":null,\"text\":null}";
    char *path = testutil_join(fx->tmp, "docs.jsonl"), *dir = testutil_join(fx->tmp, "jsonl.idx");
    write_all(path, jsonl, sizeof jsonl - 1);
    quarry_writer_stats st;
    build_index(dir, path, 1, &st);
    assert_int_equal(st.docs, 4);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.bytes_in, sizeof jsonl - 1);

    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    quarry_results *r = run(s, "quick", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 2);
    for (size_t i = 0; i < 2; i++) {
        quarry_hit h = get_hit(r, i);
        if (h.docid == 0) {
            assert_int_equal(h.id_len, 5);
            assert_memory_equal(h.id, "doc-1", 5);
            assert_int_equal(h.title_len, 11);
            assert_memory_equal(h.title, "First title", 11);
            assert_int_equal(h.snippet_len, 25);
            assert_memory_equal(h.snippet, "The quick brown fox jumps", 25);
            assert_int_equal(h.nspans, 1);
            assert_int_equal(h.spans[0].start, 4);
            assert_int_equal(h.spans[0].len, 5);
        } else {
            assert_int_equal(h.docid, 1);
            assert_int_equal(h.id_len, 2);
            assert_memory_equal(h.id, "42", 2);
            assert_int_equal(h.title_len, 0);
            assert_int_equal(h.text_len, 33);
        }
    }
    quarry_results_free(r);
    /* Stems: "fox" finds "foxes", also inside a phrase. */
    r = run(s, "fox", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 2);
    quarry_results_free(r);
    r = run(s, "\"quick fox\"", 10, 0, 240); /* only 42's "quick foxes" is consecutive */
    assert_int_equal(quarry_results_total(r), 1);
    assert_int_equal(get_hit(r, 0).docid, 1);
    quarry_results_free(r);
    /* Escapes decoded, accents folded, title searchable; the snippet is the text's bytes. */
    r = run(s, "cafe", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 1);
    quarry_hit h = get_hit(r, 0);
    assert_int_equal(h.id_len, 3);
    assert_memory_equal(h.id, "u\xC3\xBC", 3);
    assert_int_equal(h.title_len, strlen("Caf\xC3\xA9 \"cr\xC3\xA8me\""));
    assert_memory_equal(h.title, "Caf\xC3\xA9 \"cr\xC3\xA8me\"", h.title_len);
    static const char text[] = "Br\xC3\xBBl\xC3\xA9"
                               "e at the CAF\xC3\x89.\nSecond line";
    assert_int_equal(h.text_len, sizeof text - 1);
    assert_int_equal(h.snippet_len, sizeof text - 1);
    assert_memory_equal(h.snippet, text, sizeof text - 1);
    assert_int_equal(h.nspans, 1);
    assert_int_equal(h.spans[0].start, 16); /* "CAFÉ" */
    assert_int_equal(h.spans[0].len, 5);
    quarry_results_free(r);
    r = run(s, "\"cafe creme\"", 10, 0, 240); /* the title is searchable, as a phrase too */
    assert_int_equal(quarry_results_total(r), 1);
    quarry_results_free(r);
    /* Null title and text: the document exists, found by nothing but counted. */
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, ix), QUARRY_OK);
    assert_int_equal(in.docs, 4);
    quarry_searcher_free(s);
    quarry_index_close(ix);
    testutil_rm_rf(dir);
    free(dir);
    unlink(path);
    free(path);
}

/* Finds "key": in a JSON line and returns a pointer to the value, or NULL. */
static const char *json_member(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    return p ? p + strlen(pat) : NULL;
}

/* quarry-search --json prints the ids and (with %.17g, exactly) the scores of the library. */
static void test_cli_matches_library(void **state)
{
    fixture *fx = *state;
    const char *exe = QUARRY_BUILD_DIR "/quarry-search";
    if (access(exe, X_OK) != 0) {
        print_error("%s not built\n", exe);
        fail();
    }
    for (size_t i = 0; i < NCOMPARE; i++) {
        for (int and = 0; and <= 1; and++) {
            char cmd[8192];
            snprintf(cmd, sizeof cmd, "'%s' --json -k 10%s '%s' '%s'", exe, and? " --and" : "",
                     fx->ixdir, compare_queries[i]);
            FILE *p = popen(cmd, "r");
            assert_non_null(p);
            quarry_results *r = run(fx->s, compare_queries[i], 10, and, 240);
            char line[65536];
            size_t n = 0;
            while (fgets(line, sizeof line, p)) {
                assert_true(n < quarry_results_size(r));
                quarry_hit h = get_hit(r, n);
                const char *id = json_member(line, "id"), *score = json_member(line, "score");
                assert_non_null(id);
                assert_non_null(score);
                assert_true(id[0] == '"');
                assert_memory_equal(id + 1, h.id, h.id_len);
                assert_true(id[1 + h.id_len] == '"');
                char *end;
                double v = strtod(score, &end);
                assert_true(*end == ',');
                if (v != h.score) {
                    print_error("%s: hit %zu: CLI score %.17g, library %.17g\n", compare_queries[i],
                                n, v, h.score);
                    fail();
                }
                n++;
            }
            int status = pclose(p);
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            assert_int_equal(n, quarry_results_size(r));
            quarry_results_free(r);
        }
    }
}

/* Query syntax errors come back as QUARRY_EQUERY with a message; the searcher stays usable. */
static void test_query_errors(void **state)
{
    fixture *fx = *state;
    static const char *const bad[] = {
        "\"unclosed phrase", "(a b", "a b)", "AND a", "a AND", "(", ")", "a OR OR b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        quarry_results *r = (quarry_results *)(uintptr_t)1;
        int rc = quarry_searcher_search(&r, fx->s, bad[i], strlen(bad[i]), NULL);
        if (rc != QUARRY_EQUERY)
            print_error("query '%s': rc %d\n", bad[i], rc);
        assert_int_equal(rc, QUARRY_EQUERY);
        assert_null(r);
        assert_true(strlen(quarry_searcher_errmsg(fx->s)) > 0);
    }
    quarry_results *r = run(fx->s, "maduro", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 5);
    assert_string_equal(quarry_searcher_errmsg(fx->s), "");
    quarry_results_free(r);
    /* A query that analyzes to nothing matches nothing. */
    r = run(fx->s, "- ... ,", 10, 0, 240);
    assert_int_equal(quarry_results_total(r), 0);
    assert_int_equal(quarry_results_size(r), 0);
    quarry_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrase_folds_accents),
        cmocka_unit_test(test_phrase_vs_words),
        cmocka_unit_test(test_phrase_on_stems),
        cmocka_unit_test(test_required_and_excluded),
        cmocka_unit_test(test_default_and),
        cmocka_unit_test(test_k_and_total),
        cmocka_unit_test(test_sorted),
        cmocka_unit_test(test_bm25_scores),
        cmocka_unit_test(test_snippet_spans),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_reindex_replaces),
        cmocka_unit_test(test_jsonl_round_trip),
        cmocka_unit_test(test_cli_matches_library),
        cmocka_unit_test(test_query_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
