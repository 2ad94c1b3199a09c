/*
 * query_fuzzer.c: fuzzes the query parser (searcher/query.c, query_parse) and the search path
 * behind it, with arbitrary bytes as query text.
 *
 * Parsing, with default_and off and on, must either succeed with a well-formed tree or fail
 * with QUARRY_EQUERY (or QUARRY_ENOMEM), a NULL tree and a message:
 *   - the root is a Q_BOOL; a Q_BOOL has 0..QUERY_MAX_CLAUSES non-NULL kids and no terms, and
 *     nesting stays within QUERY_MAX_DEPTH;
 *   - a Q_TERM has one term, a Q_PHRASE 2..QUERY_MAX_CLAUSES; each term is 1..TOKENIZER_MAX_TERM
 *     bytes with a matching NUL-terminated copy; phrase offsets start at 0 and increase.
 * Then the same text is searched with the public API over a small index built once per process
 * (lazily, in a scratch folder, with quarry_writer from the fixed documents below). The search
 * must fail exactly when parsing failed, and its results must be consistent: at most k hits,
 * total >= hits and <= documents, distinct docids, finite non-negative scores best first, and
 * snippets and spans inside the document text.
 */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/analyzer.h"
#include "quarry/quarry.h"
#include "searcher/internal.h"

/* The documents of the index searched: short words and letters, so that fuzzed queries hit. */
static const struct {
    const char *id, *title, *text;
} docs[] = {
    {"d1", "The quick fox", "The quick brown fox jumps over the lazy dog. A b c d e f g."},
    {"d2", "Foxes", "Foxes and dogs: a fox is not a dog, but the dog chases the fox. 1 2 3"},
    {"d3", "Café", "Rodríguez opened a café in Zürich; the CAFÉ is open. a a a b b x y z"},
    {"d4", "", "state-of-the-art search: don't stop; it's Venezuela's best. q w e r t y"},
    {"d5", "Numbers", "1 2 3 4 5 6 7 8 9 0 10 100 2024 a1 b2 c3 one two three"},
    {"d6", "Empty text", ""},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static analyzer *an;          /* for query_parse */
static quarry_index *ix;      /* the index, opened once */
static quarry_searcher *srch; /* its searcher */

static void free_state(void)
{
    quarry_searcher_free(srch);
    quarry_index_close(ix);
    analyzer_free(an);
}

/* Builds and opens the index on the first call. Aborts if that fails. */
static void setup(void)
{
    if (an)
        return;
    FUZZ_CHECK(analyzer_create(&an, "english") == QUARRY_OK);
    atexit(free_state);
    const char *dir = fuzz_tempdir();
    FUZZ_CHECK(dir != NULL);
    quarry_writer *w = NULL;
    FUZZ_CHECK(quarry_writer_open(&w, dir, NULL) == QUARRY_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        quarry_document d = {docs[i].id,    strlen(docs[i].id),
                             docs[i].title, strlen(docs[i].title),
                             docs[i].text,  strlen(docs[i].text)};
        FUZZ_CHECK(quarry_writer_add(w, &d) == QUARRY_OK);
    }
    FUZZ_CHECK(quarry_writer_commit(w) == QUARRY_OK);
    quarry_writer_free(w);
    FUZZ_CHECK(quarry_index_open(&ix, dir) == QUARRY_OK);
    FUZZ_CHECK(quarry_searcher_create(&srch, ix) == QUARRY_OK);
}

/* Checks the shape of a parsed tree; `depth` counts the Q_BOOLs above n (parentheses). */
static void check_node(const qnode *n, int depth)
{
    FUZZ_CHECK(n != NULL);
    FUZZ_CHECK(n->occur == Q_SHOULD || n->occur == Q_MUST || n->occur == Q_MUST_NOT);
    if (n->kind == Q_BOOL) {
        FUZZ_CHECK(depth <= QUERY_MAX_DEPTH);
        FUZZ_CHECK(n->nterms == 0);
        FUZZ_CHECK(n->nkids <= QUERY_MAX_CLAUSES);
        FUZZ_CHECK(n->nkids == 0 || n->kids != NULL);
        for (size_t i = 0; i < n->nkids; i++)
            check_node(n->kids[i], depth + 1);
        return;
    }
    FUZZ_CHECK(n->kind == Q_TERM || n->kind == Q_PHRASE);
    FUZZ_CHECK(n->nkids == 0);
    FUZZ_CHECK(n->kind == Q_TERM ? n->nterms == 1 : n->nterms >= 2);
    FUZZ_CHECK(n->nterms <= QUERY_MAX_CLAUSES);
    FUZZ_CHECK(n->offsets[0] == 0);
    for (size_t i = 0; i < n->nterms; i++) {
        FUZZ_CHECK(n->lens[i] >= 1 && n->lens[i] <= TOKENIZER_MAX_TERM);
        FUZZ_CHECK(strlen(n->terms[i]) == n->lens[i]);
        FUZZ_CHECK(i == 0 || n->offsets[i] > n->offsets[i - 1]);
    }
}

/* Parses with default_and `da` and checks the outcome; returns query_parse's code. */
static int check_parse(const char *q, size_t len, int da)
{
    static qnode sentinel;
    qnode *root = &sentinel; /* query_parse must overwrite it */
    char err[ERRMSG_CAP];
    err[0] = '\0';
    int rc = query_parse(&root, an, q, len, da, err, sizeof err);
    if (rc == QUARRY_OK) {
        FUZZ_CHECK(root != NULL && root->kind == Q_BOOL);
        check_node(root, 0);
    } else {
        FUZZ_CHECK(rc == QUARRY_EQUERY || rc == QUARRY_ENOMEM);
        FUZZ_CHECK(root == NULL);
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
    }
    query_free(root);
    return rc;
}

/* Searches with default_and `da` and checks the results against the parse outcome. */
static void check_search(const char *q, size_t len, int da, size_t snippet_bytes, int parse_rc)
{
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.k = 3;
    o.default_and = da;
    o.snippet_bytes = snippet_bytes;
    static char sentinel;
    quarry_results *r = (quarry_results *)(void *)&sentinel; /* must be overwritten */
    int rc = quarry_searcher_search(&r, srch, q, len, &o);
    if (parse_rc != QUARRY_ENOMEM && rc != QUARRY_ENOMEM)
        FUZZ_CHECK(rc == parse_rc);
    if (rc != QUARRY_OK) {
        FUZZ_CHECK(r == NULL);
        FUZZ_CHECK(quarry_searcher_errmsg(srch)[0] != '\0');
        return;
    }
    size_t n = quarry_results_size(r);
    uint64_t total = quarry_results_total(r);
    FUZZ_CHECK(n <= o.k && n <= total && total <= NDOCS);
    FUZZ_CHECK(n == (total < o.k ? total : o.k));
    quarry_hit prev = {0};
    for (size_t i = 0; i < n; i++) {
        quarry_hit h;
        FUZZ_CHECK(quarry_results_get(&h, r, i) == QUARRY_OK);
        FUZZ_CHECK(h.docid < NDOCS);
        FUZZ_CHECK(isfinite(h.score) && h.score >= 0);
        FUZZ_CHECK(i == 0 || h.score < prev.score ||
                   (h.score == prev.score && h.docid > prev.docid));
        const char *id = docs[h.docid].id;
        FUZZ_CHECK(h.id_len == strlen(id) && memcmp(h.id, id, h.id_len) == 0);
        FUZZ_CHECK(h.title_len == strlen(docs[h.docid].title));
        FUZZ_CHECK(h.text_len == strlen(docs[h.docid].text));
        if (snippet_bytes == 0) {
            FUZZ_CHECK(h.snippet == NULL && h.nspans == 0);
        } else {
            const char *text = docs[h.docid].text;
            FUZZ_CHECK(h.snippet != NULL);
            FUZZ_CHECK(h.snippet_offset <= h.text_len &&
                       h.snippet_len <= h.text_len - h.snippet_offset);
            FUZZ_CHECK(memcmp(h.snippet, text + h.snippet_offset, h.snippet_len) == 0);
            size_t last = 0;
            for (size_t j = 0; j < h.nspans; j++) {
                const quarry_span *s = &h.spans[j];
                FUZZ_CHECK(s->len > 0 && s->start >= last && s->start <= h.snippet_len &&
                           s->len <= h.snippet_len - s->start);
                last = s->start + s->len;
            }
        }
        prev = h;
    }
    quarry_hit none;
    FUZZ_CHECK(quarry_results_get(&none, r, n) == QUARRY_ERROR);
    quarry_results_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const char *q = (const char *)data;
    for (int da = 0; da <= 1; da++) {
        int rc = check_parse(q, size, da);
        /* Snippet lengths vary with the input to reach the window edge cases. */
        size_t snippet_bytes = da ? 240 : size % 41;
        check_search(q, size, da, snippet_bytes, rc);
    }
    return 0;
}
