/*
 * test_query.c: the query parser (searcher/internal.h, query_parse) with an English analyzer
 * (common/analyzer.h), so words are folded and stemmed exactly as documents are.
 *
 * Each parse is checked through dump(), a compact rendering of the tree in Lucene's own
 * notation: clauses separated by spaces, "+" for MUST, "-" for MUST_NOT, nothing for SHOULD,
 * "(...)" for a nested boolean and "\"...\"" for a phrase. The root is always a boolean and is
 * rendered without parentheses. So `a AND b` must give "+a +b".
 *
 * Covered: words (stemmed), default OR versus default_and, phrases (stemmed; one word becomes a
 * term, an empty one is dropped), +/-, AND / OR / NOT mixed as Lucene's classic QueryParser
 * does (add_clause), parentheses and nesting, hyphenated words becoming phrases, words that
 * analyze to nothing being dropped; errors (QUARRY_EQUERY, message with the column, *out NULL):
 * unbalanced quote, '(' and ')', an operator without right or left operand, nesting deeper than
 * 64, more than 1024 clauses or phrase words, more than 64 KiB; and time-bounded pathological
 * queries: 10,000 words, and a phrase of one word repeated 1000 times, both parsed and run
 * against a small index built with the public writer (in a mkdtemp folder, removed after).
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
#include <time.h>
#include <unistd.h>

#include "common/analyzer.h"
#include "quarry/error.h"
#include "quarry/search.h"
#include "quarry/writer.h"
#include "testutil.h"
#include "searcher/internal.h"

/* ===== helpers ============================================================================ */

/* Appends the rendering of n (not the root) to out. */
static void dump_node(const qnode *n, char *out, size_t cap);

static void append(char *out, size_t cap, const char *s, size_t len)
{
    size_t used = strlen(out);
    assert_true(used + len < cap);
    memcpy(out + used, s, len);
    out[used + len] = '\0';
}

static void dump_kids(const qnode *b, char *out, size_t cap)
{
    assert_int_equal(b->kind, Q_BOOL);
    assert_int_equal(b->nterms, 0);
    for (size_t i = 0; i < b->nkids; i++) {
        if (i)
            append(out, cap, " ", 1);
        const qnode *k = b->kids[i];
        if (k->occur == Q_MUST)
            append(out, cap, "+", 1);
        else if (k->occur == Q_MUST_NOT)
            append(out, cap, "-", 1);
        else
            assert_int_equal(k->occur, Q_SHOULD);
        dump_node(k, out, cap);
    }
}

static void dump_node(const qnode *n, char *out, size_t cap)
{
    switch (n->kind) {
    case Q_BOOL:
        append(out, cap, "(", 1);
        dump_kids(n, out, cap);
        append(out, cap, ")", 1);
        return;
    case Q_TERM:
        assert_int_equal(n->nterms, 1);
        assert_int_equal(n->nkids, 0);
        assert_int_equal(strlen(n->terms[0]), n->lens[0]);
        append(out, cap, n->terms[0], n->lens[0]);
        return;
    case Q_PHRASE:
        assert_true(n->nterms >= 2);
        assert_int_equal(n->nkids, 0);
        append(out, cap, "\"", 1);
        for (size_t i = 0; i < n->nterms; i++) {
            if (i)
                append(out, cap, " ", 1);
            assert_int_equal(strlen(n->terms[i]), n->lens[i]);
            append(out, cap, n->terms[i], n->lens[i]);
            if (n->offsets[i] != i) { /* only shown when not consecutive */
                char at[24];
                snprintf(at, sizeof at, "@%u", n->offsets[i]);
                append(out, cap, at, strlen(at));
            }
        }
        append(out, cap, "\"", 1);
        return;
    }
    fail_msg("bad node kind %d", (int)n->kind);
}

/* The analyzer shared by the tests (created in the group setup). */
static analyzer *an;

static int group_setup(void **state)
{
    (void)state;
    return analyzer_create(&an, "english") == QUARRY_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    analyzer_free(an);
    return 0;
}

/* Parses q and returns its rendering (static buffer). */
static const char *parse_dump(const char *q, int default_and)
{
    static char out[8192];
    char err[ERRMSG_CAP] = "";
    qnode *root = NULL;
    int rc = query_parse(&root, an, q, strlen(q), default_and, err, sizeof err);
    if (rc != QUARRY_OK)
        fail_msg("query [%s]: rc %d: %s", q, rc, err);
    assert_non_null(root);
    assert_int_equal(root->kind, Q_BOOL);
    out[0] = '\0';
    dump_kids(root, out, sizeof out);
    query_free(root);
    return out;
}

#define assert_parse(q, want)     assert_string_equal(parse_dump((q), 0), (want))
#define assert_parse_and(q, want) assert_string_equal(parse_dump((q), 1), (want))

/* Parses q[0..len) expecting QUARRY_EQUERY with every string of `needles` in the message. */
static void expect_error_len(const char *q, size_t len, int default_and, const char *needle1,
                             const char *needle2)
{
    char err[ERRMSG_CAP] = "";
    qnode sentinel;
    qnode *root = &sentinel; /* must be reset to NULL */
    int rc = query_parse(&root, an, q, len, default_and, err, sizeof err);
    if (rc != QUARRY_EQUERY)
        fail_msg("query [%.60s]: rc %d, expected QUARRY_EQUERY (%s)", q, rc, err);
    assert_null(root);
    if (needle1 && !strstr(err, needle1))
        fail_msg("query [%.60s]: message \"%s\" lacks \"%s\"", q, err, needle1);
    if (needle2 && !strstr(err, needle2))
        fail_msg("query [%.60s]: message \"%s\" lacks \"%s\"", q, err, needle2);
}

static void expect_error(const char *q, const char *needle1, const char *needle2)
{
    expect_error_len(q, strlen(q), 0, needle1, needle2);
    expect_error_len(q, strlen(q), 1, needle1, needle2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A malloc'd string of `count` copies of `word` separated by `sep`, optionally quoted. */
static char *repeat(const char *word, const char *sep, size_t count, int quoted, size_t *len)
{
    size_t wl = strlen(word), sl = strlen(sep);
    size_t cap = count * (wl + sl) + 3;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = 0;
    if (quoted)
        s[n++] = '"';
    for (size_t i = 0; i < count; i++) {
        if (i) {
            memcpy(s + n, sep, sl);
            n += sl;
        }
        memcpy(s + n, word, wl);
        n += wl;
    }
    if (quoted)
        s[n++] = '"';
    s[n] = '\0';
    *len = n;
    return s;
}

/* ===== words and phrases ================================================================== */

static void test_words(void **state)
{
    (void)state;
    assert_parse("cat", "cat");
    /* Folded and stemmed as documents are. */
    assert_parse("Cats RUNNING Rodríguez", "cat run rodriguez");
    assert_parse("  cat\t\ndog  ", "cat dog");
    /* Default OR: every word optional; default AND: every word required. */
    assert_parse("cat dog fish", "cat dog fish");
    assert_parse_and("cat dog fish", "+cat +dog +fish");
    /* Lower-case operators are words. */
    assert_parse("cat and dog or not fish", "cat and dog or not fish");
    /* The empty query, and blanks only: a boolean without clauses. */
    assert_parse("", "");
    assert_parse("   ", "");
}

static void test_phrases(void **state)
{
    (void)state;
    assert_parse("\"running dogs\"", "\"run dog\"");
    assert_parse("cat \"new york\" dog", "cat \"new york\" dog");
    assert_parse_and("\"new york\" fish", "+\"new york\" +fish");
    /* A phrase of one word is a term. */
    assert_parse("\"cats\"", "cat");
    assert_parse("\"  cats , \"", "cat");
    /* An empty phrase, or one without words, is dropped. */
    assert_parse("\"\"", "");
    assert_parse("cat \"\" dog", "cat dog");
    assert_parse("cat \" ,;. \" dog", "cat dog");
    /* Quotes delimit words: no space needed. */
    assert_parse("cat\"new york\"dog", "cat \"new york\" dog");
    /* Operators inside a phrase are plain words. */
    assert_parse("\"cat AND dog\"", "\"cat and dog\"");

    /* The node itself: kind, lengths, offsets. */
    char err[ERRMSG_CAP];
    qnode *root = NULL;
    const char *q = "\"Running dogs' owners\"";
    assert_int_equal(query_parse(&root, an, q, strlen(q), 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, 1);
    const qnode *p = root->kids[0];
    assert_int_equal(p->kind, Q_PHRASE);
    assert_int_equal(p->nterms, 3);
    assert_string_equal(p->terms[0], "run");
    assert_string_equal(p->terms[1], "dog");
    assert_string_equal(p->terms[2], "owner");
    assert_int_equal(p->lens[2], 5);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(p->offsets[i], i);
    query_free(root);
}

static void test_modifiers(void **state)
{
    (void)state;
    assert_parse("+cat -dog fish", "+cat -dog fish");
    assert_parse_and("+cat -dog fish", "+cat -dog +fish");
    assert_parse("+\"new york\" -\"big apple\"", "+\"new york\" -\"big appl\"");
    assert_parse("-(cat dog) +(fish)", "-(cat dog) +(fish)");
    /* A lone sign, or one before a space or ')', is a word that analyzes to nothing. */
    assert_parse("cat - dog + fish", "cat dog fish");
    assert_parse("cat -", "cat");
    assert_parse("(cat +)", "(cat)");
    /* A sign inside a word is a separator, not an operator. */
    assert_parse("cat+dog", "\"cat dog\"");
}

static void test_boolean(void **state)
{
    (void)state;
    /* The checks the classic QueryParser's addClause makes, one by one. */
    assert_parse("cat AND dog", "+cat +dog");
    assert_parse_and("cat AND dog", "+cat +dog");
    assert_parse("cat OR dog", "cat dog");
    assert_parse_and("cat OR dog", "cat dog");
    assert_parse("cat AND NOT dog", "+cat -dog");
    assert_parse_and("cat AND NOT dog", "+cat -dog");
    assert_parse("NOT cat", "-cat");
    assert_parse("cat NOT dog", "cat -dog");
    assert_parse_and("cat NOT dog", "+cat -dog");
    assert_parse("cat OR NOT dog", "cat -dog");
    /* An AND makes the previous clause required, unless it is prohibited. */
    assert_parse("cat OR dog AND fish", "cat +dog +fish");
    assert_parse("cat AND dog OR fish", "+cat +dog fish");
    assert_parse("-cat AND dog", "-cat +dog");
    assert_parse("cat AND -dog", "+cat -dog");
    assert_parse("cat AND +dog", "+cat +dog");
    /* With AND as default, an OR makes the previous clause optional, unless prohibited. */
    assert_parse_and("cat AND dog OR fish", "+cat dog fish");
    assert_parse_and("cat dog OR fish bird", "+cat dog fish +bird");
    assert_parse_and("-cat OR dog", "-cat dog");
    /* A chain. */
    assert_parse("cat AND dog AND fish", "+cat +dog +fish");
    assert_parse_and("cat OR dog OR fish", "cat dog fish");
    /* Operators before a dropped word still apply to their left. */
    assert_parse("cat AND ,", "+cat");
}

static void test_grouping(void **state)
{
    (void)state;
    assert_parse("(cat dog) AND fish", "+(cat dog) +fish");
    assert_parse("cat (dog (fish bird))", "cat (dog (fish bird))");
    assert_parse("((cat))", "((cat))");
    assert_parse_and("(cat dog) fish", "+(+cat +dog) +fish");
    assert_parse("(cat OR dog) AND (fish OR NOT bird)", "+(cat dog) +(fish -bird)");
    assert_parse("+(cat -dog) -(\"new york\" fish)", "+(cat -dog) -(\"new york\" fish)");
    /* Groups whose words all vanish are dropped. */
    assert_parse("()", "");
    assert_parse("cat ( ) dog", "cat dog");
    assert_parse("cat (- , (.)) dog", "cat dog");
    /* Parentheses delimit words. */
    assert_parse("cat(dog)fish", "cat (dog) fish");
}

static void test_analysis(void **state)
{
    (void)state;
    /* A word the tokenizer splits becomes a phrase of its parts. */
    assert_parse("state-of-the-art", "\"state of the art\"");
    assert_parse("cat e-mail", "cat \"e mail\"");
    assert_parse("-state-of-the-art", "-\"state of the art\"");
    assert_parse_and("x-ray cat", "+\"x ray\" +cat");
    assert_parse("U.S.A.", "usa"); /* an acronym is one word */
    assert_parse("A.1", "\"a 1\"");
    /* Possessive and apostrophe rules. */
    assert_parse("dog's don't", "dog dont");
    /* Words that analyze to nothing are dropped wherever they are. */
    assert_parse("...", "");
    assert_parse("cat , dog !", "cat dog");
    assert_parse("+... -;; cat", "cat");
    assert_parse_and("cat & dog", "+cat +dog");
}

/* ===== errors ============================================================================= */

static void test_errors(void **state)
{
    (void)state;
    /* Unbalanced quotes: the column of the opening quote. */
    expect_error("cat \"dog fish", "quote", "column 5");
    expect_error("\"cat", "quote", "column 1");
    expect_error("\"a\" \"b\" \"c", "quote", "column 9");
    /* Unbalanced parentheses. */
    expect_error("cat (dog fish", "'(' at column 5", NULL);
    expect_error("((cat)", "'(' at column 1", NULL);
    expect_error("(", "'(' at column 1", NULL);
    expect_error("cat dog) fish", "')' at column 8", NULL);
    expect_error(")", "')' at column 1", NULL);
    expect_error("(cat))", "')' at column 6", NULL);
    /* Operators without an operand. */
    expect_error("cat AND", "AND at column 5", "right operand");
    expect_error("cat OR", "OR at column 5", "right operand");
    expect_error("NOT", "NOT at column 1", "right operand");
    expect_error("cat AND NOT", "NOT at column 9", "right operand");
    expect_error("AND cat", "AND at column 1", "left operand");
    expect_error("OR cat", "OR at column 1", "left operand");
    expect_error("cat (AND dog)", "AND at column 6", "left operand");
    expect_error("cat AND OR dog", "'OR' at column 9", NULL);
    expect_error("cat AND )", "')' at column 9", NULL);
    expect_error("(cat NOT)", "')' at column 9", NULL);
    expect_error("cat NOT AND dog", "'AND' at column 9", NULL);
}

static void test_depth(void **state)
{
    (void)state;
    /* 64 levels of parentheses are allowed, 65 are not. */
    for (int levels = 63; levels <= 66; levels++) {
        char q[256];
        size_t n = 0;
        for (int i = 0; i < levels; i++)
            q[n++] = '(';
        memcpy(q + n, "cat", 3);
        n += 3;
        for (int i = 0; i < levels; i++)
            q[n++] = ')';
        q[n] = '\0';
        if (levels <= QUERY_MAX_DEPTH) {
            char err[ERRMSG_CAP];
            qnode *root = NULL;
            assert_int_equal(query_parse(&root, an, q, n, 0, err, sizeof err), QUARRY_OK);
            const qnode *b = root;
            for (int i = 0; i < levels; i++) { /* a chain of single-clause groups */
                assert_int_equal(b->nkids, 1);
                b = b->kids[0];
                assert_int_equal(b->kind, Q_BOOL);
            }
            assert_int_equal(b->nkids, 1);
            assert_string_equal(b->kids[0]->terms[0], "cat");
            query_free(root);
        } else {
            expect_error_len(q, n, 0, "too deeply", "column 65");
        }
    }
    /* Depth counts nesting, not the number of groups. */
    char *many;
    size_t len;
    many = repeat("(cat)", " ", 1000, 0, &len);
    char err[ERRMSG_CAP];
    qnode *root = NULL;
    assert_int_equal(query_parse(&root, an, many, len, 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, 1000);
    query_free(root);
    free(many);
}

static void test_clause_limit(void **state)
{
    (void)state;
    char err[ERRMSG_CAP];
    qnode *root = NULL;
    size_t len;
    /* 1024 clauses in one group are allowed (Lucene's default maxClauseCount). */
    char *q = repeat("cat", " ", QUERY_MAX_CLAUSES, 0, &len);
    assert_int_equal(query_parse(&root, an, q, len, 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, QUERY_MAX_CLAUSES);
    query_free(root);
    free(q);
    /* 1025 are not; the message names the column of the 1025th ("cat " is 4 bytes). */
    q = repeat("cat", " ", QUERY_MAX_CLAUSES + 1, 0, &len);
    expect_error_len(q, len, 0, "too many clauses", "column 4097");
    expect_error_len(q, len, 1, "too many clauses", "column 4097");
    free(q);
    /* The limit is per group: 2 x 1000 in two groups is fine, 1025 inside a group is not. */
    char *half = repeat("cat", " ", 1000, 0, &len);
    size_t qlen = 2 * len + 6;
    q = malloc(qlen + 1);
    assert_non_null(q);
    snprintf(q, qlen + 1, "(%s) (%s)", half, half);
    assert_int_equal(query_parse(&root, an, q, strlen(q), 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, 2);
    assert_int_equal(root->kids[0]->nkids, 1000);
    query_free(root);
    free(q);
    free(half);
    char *over = repeat("dog", " ", QUERY_MAX_CLAUSES + 1, 0, &len);
    q = malloc(len + 8);
    assert_non_null(q);
    snprintf(q, len + 8, "cat (%s)", over);
    expect_error_len(q, strlen(q), 0, "too many clauses", "column 4102");
    free(q);
    free(over);

    /* Phrases: 1024 words allowed, 1025 not (column of the opening quote). */
    q = repeat("cat", " ", QUERY_MAX_CLAUSES, 1, &len);
    assert_int_equal(query_parse(&root, an, q, len, 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->kids[0]->nterms, QUERY_MAX_CLAUSES);
    query_free(root);
    free(q);
    q = repeat("cat", " ", QUERY_MAX_CLAUSES + 1, 1, &len);
    expect_error_len(q, len, 0, "too many words", "column 1");
    free(q);
}

static void test_length_limit(void **state)
{
    (void)state;
    /* Exactly 64 KiB parses; one byte more is refused before anything else. */
    char *q = malloc(QUERY_MAX_BYTES + 2);
    assert_non_null(q);
    memset(q, ' ', QUERY_MAX_BYTES + 1);
    memcpy(q + QUERY_MAX_BYTES - 3, "cat", 3);
    char err[ERRMSG_CAP];
    qnode *root = NULL;
    assert_int_equal(query_parse(&root, an, q, QUERY_MAX_BYTES, 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, 1);
    query_free(root);
    expect_error_len(q, QUERY_MAX_BYTES + 1, 0, "too long", "65537");
    free(q);
}

/* ===== pathological queries =============================================================== */

static void test_pathological_parse(void **state)
{
    (void)state;
    char err[ERRMSG_CAP];
    qnode *root = NULL;
    size_t len;

    /* 10,000 words in one group: refused cleanly at the 1025th, quickly. */
    double t0 = now();
    char *q = repeat("cat", " ", 10000, 0, &len);
    expect_error_len(q, len, 0, "too many clauses", NULL);
    expect_error_len(q, len, 1, "too many clauses", NULL);
    free(q);

    /* 10,000 words in 1000 groups of 10: parsed. */
    char *ten = repeat("cat", " ", 10, 0, &len);
    char group[64];
    snprintf(group, sizeof group, "(%s)", ten);
    free(ten);
    q = repeat(group, " OR ", 1000, 0, &len);
    assert_true(len < QUERY_MAX_BYTES);
    assert_int_equal(query_parse(&root, an, q, len, 1, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, 1000);
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(root->kids[i]->occur, Q_SHOULD);
        assert_int_equal(root->kids[i]->nkids, 10);
        assert_int_equal(root->kids[i]->kids[9]->occur, Q_MUST); /* default_and inside */
    }
    query_free(root);
    free(q);

    /* A phrase of one word repeated 1000 times. */
    q = repeat("cats", " ", 1000, 1, &len);
    assert_int_equal(query_parse(&root, an, q, len, 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(root->nkids, 1);
    const qnode *p = root->kids[0];
    assert_int_equal(p->kind, Q_PHRASE);
    assert_int_equal(p->nterms, 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        assert_string_equal(p->terms[i], "cat");
        assert_int_equal(p->offsets[i], i);
    }
    query_free(root);
    free(q);
    double secs = now() - t0;
    if (secs > 5.0)
        fail_msg("pathological parses took %.2f s", secs);
}

/*
 * The same pathological queries against a real index: d0 is "cat" x 2000, d1 "cat" x 999,
 * d2 "dog cat". The 1000-fold phrase occurs 2000 - 1000 + 1 = 1001 times in d0 only.
 */
static void test_pathological_search(void **state)
{
    (void)state;
    char dir[] = "/tmp/quarry_test_query_XXXXXX";
    assert_non_null(mkdtemp(dir));
    quarry_writer_options wo = QUARRY_WRITER_OPTIONS_INIT;
    wo.language = "english";
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &wo), QUARRY_OK);
    size_t len0, len1;
    char *t0 = repeat("cats", " ", 2000, 0, &len0), *t1 = repeat("cat", " ", 999, 0, &len1);
    quarry_document docs[3] = {{"d0", 2, NULL, 0, t0, len0},
                               {"d1", 2, NULL, 0, t1, len1},
                               {"d2", 2, NULL, 0, "dog cat", 7}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(quarry_writer_add(w, &docs[i]), QUARRY_OK);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    free(t0);
    free(t1);

    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    quarry_results *r = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.snippet_bytes = 0;

    double start = now();
    size_t len;
    char *q = repeat("cat", " ", 1000, 1, &len);
    assert_int_equal(quarry_searcher_search(&r, s, q, len, &o), QUARRY_OK);
    free(q);
    assert_int_equal(quarry_results_total(r), 1);
    assert_int_equal(quarry_results_size(r), 1);
    quarry_hit h;
    assert_int_equal(quarry_results_get(&h, r, 0), QUARRY_OK);
    assert_int_equal(h.docid, 0);
    /* N = 3, df(cat) = 3: idf = ln(1 + 0.5 / 3.5); phrase idf = 1000 idf; tf = 1001,
     * dl = 2000, avgdl = (2000 + 999 + 2) / 3. */
    double idf = 1000 * log(1 + 0.5 / 3.5), avgdl = 3001.0 / 3;
    double want = idf * 1001 / (1001 + 1.2 * (0.25 + 0.75 * 2000 / avgdl));
    assert_true(fabs(h.score - want) < 1e-6 * want);
    quarry_results_free(r);

    /* 10,000 words in one group: a clean QUARRY_EQUERY with the message in the searcher. */
    q = repeat("cat", " ", 10000, 0, &len);
    char sentinel;
    r = (quarry_results *)(void *)&sentinel; /* must be reset to NULL */
    assert_int_equal(quarry_searcher_search(&r, s, q, len, &o), QUARRY_EQUERY);
    assert_null(r);
    assert_non_null(strstr(quarry_searcher_errmsg(s), "too many clauses"));
    free(q);
    /* 10,000 words in 1000 groups: runs, every document matches. */
    q = repeat("(cat dog cat dog cat dog cat dog cat dog)", " ", 1000, 0, &len);
    assert_int_equal(quarry_searcher_search(&r, s, q, len, &o), QUARRY_OK);
    assert_int_equal(quarry_results_total(r), 3);
    quarry_results_free(r);
    free(q);
    double secs = now() - start;
    if (secs > 10.0)
        fail_msg("pathological searches took %.2f s", secs);

    quarry_searcher_free(s);
    quarry_index_close(ix);
    testutil_rm_rf(dir);
    assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_modifiers),
        cmocka_unit_test(test_boolean),
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_analysis),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_clause_limit),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_pathological_parse),
        cmocka_unit_test(test_pathological_search),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
