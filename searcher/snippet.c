/*
 * snippet.c: picks the passage of a document to show with a hit and marks the matched words.
 * The stored text is re-analyzed with the searcher's analyzer (the same one the index used),
 * so a word matches exactly when its analyzed form is one of the query's terms: "Rodríguez"
 * is marked for the query rodriguez, "reopening" for reopen. Excluded clauses mark nothing.
 */
#include "internal.h"

#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

typedef struct match {
    size_t start, end; /* byte range of the word in the text */
    size_t term;       /* index of the query term it matched */
} match;

typedef struct terms {
    const char **t;    /* query terms (borrowed from the query tree) */
    const size_t *len; /* not used: lengths are kept in tl */
    size_t *tl;        /* their lengths */
    size_t n, cap;     /* entries used / allocated */
} terms;

typedef struct scan {
    terms *qt;     /* query terms */
    match *m;      /* matches found */
    size_t n, cap; /* entries used / allocated */
} scan;

static int add_term(terms *qt, const char *t, size_t len)
{
    for (size_t i = 0; i < qt->n; i++)
        if (qt->tl[i] == len && !memcmp(qt->t[i], t, len))
            return QUARRY_OK;
    if (qt->n == qt->cap) {
        size_t cap = qt->cap ? qt->cap * 2 : 8;
        const char **nt = alloc_resize(qt->t, cap, sizeof *nt);
        if (nt)
            qt->t = nt;
        size_t *nl = alloc_resize(qt->tl, cap, sizeof *nl);
        if (nl)
            qt->tl = nl;
        if (!nt || !nl)
            return QUARRY_ENOMEM;
        qt->cap = cap;
    }
    qt->t[qt->n] = t;
    qt->tl[qt->n++] = len;
    return QUARRY_OK;
}

static int collect_terms(terms *qt, const qnode *n)
{
    if (n->occur == Q_MUST_NOT)
        return QUARRY_OK;
    int rc = QUARRY_OK;
    for (size_t i = 0; !rc && i < n->nterms; i++)
        rc = add_term(qt, n->terms[i], n->lens[i]);
    for (size_t i = 0; !rc && i < n->nkids; i++)
        rc = collect_terms(qt, n->kids[i]);
    return rc;
}

static int on_token(void *ctx, const tok_token *t)
{
    scan *s = ctx;
    for (size_t i = 0; i < s->qt->n; i++) {
        if (s->qt->tl[i] != t->len || memcmp(s->qt->t[i], t->term, t->len))
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            match *m = alloc_resize(s->m, cap, sizeof *m);
            if (!m)
                return QUARRY_ENOMEM;
            s->m = m;
            s->cap = cap;
        }
        s->m[s->n].start = t->start;
        s->m[s->n].end = t->end;
        s->m[s->n++].term = i;
        break;
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

void snippet_free(snippet *s)
{
    alloc_free(s->spans);
    s->spans = NULL;
    s->nspans = 0;
}

int snippet_make(snippet *out, analyzer *an, const char *text, size_t len, const qnode *query,
                 size_t target)
{
    memset(out, 0, sizeof *out);
    terms qt = {NULL, NULL, NULL, 0, 0};
    scan sc = {&qt, NULL, 0, 0};
    unsigned char *seen = NULL;
    int rc = collect_terms(&qt, query);
    if (!rc && qt.n)
        rc = analyzer_run(an, text, len, 0, on_token, &sc, NULL);
    if (!rc && !(seen = alloc_array(qt.n ? qt.n : 1, 1)))
        rc = QUARRY_ENOMEM;
    if (rc)
        goto done;

    /* Best window: starting at some match, the most distinct terms, then the most matches,
     * among the matches that end within `target` bytes. */
    size_t best = 0, best_distinct = 0, best_count = 0, best_last = 0;
    for (size_t i = 0; i < sc.n; i++) {
        memset(seen, 0, qt.n);
        size_t distinct = 0, j = i;
        for (; j < sc.n && sc.m[j].end - sc.m[i].start <= target; j++) {
            if (!seen[sc.m[j].term]) {
                seen[sc.m[j].term] = 1;
                distinct++;
            }
        }
        size_t count = j - i;
        if (distinct > best_distinct || (distinct == best_distinct && count > best_count)) {
            best = i;
            best_distinct = distinct;
            best_count = count;
            best_last = j ? j - 1 : 0;
        }
    }

    size_t start = 0, end;
    if (sc.n && best_count) {
        size_t first = sc.m[best].start, last = sc.m[best_last].end;
        size_t lead = (target - (last - first)) / 3; /* some context before the first match */
        if (last - first < target && first > lead) {
            start = first - lead;
            while (start < first && !is_space(text[start - 1]))
                start++; /* begin on a word */
        } else if (last - first >= target) {
            start = first;
        }
        if (start > first || start == 0)
            start = start > first ? first : start;
    }
    end = start + target < len ? start + target : len;
    if (end < len) {
        size_t e = end;
        while (e > start && !is_space(text[e]))
            e--; /* end on a word boundary */
        if (e > start)
            end = e;
    }
    while (end > start && is_space(text[end - 1]))
        end--;
    while (start < end && is_space(text[start]))
        start++;

    size_t nspans = 0;
    for (size_t i = 0; i < sc.n; i++)
        nspans += sc.m[i].start >= start && sc.m[i].end <= end;
    if (nspans && !(out->spans = alloc_array(nspans, sizeof *out->spans))) {
        rc = QUARRY_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < sc.n; i++) {
        if (sc.m[i].start >= start && sc.m[i].end <= end) {
            out->spans[out->nspans].start = sc.m[i].start - start;
            out->spans[out->nspans++].len = sc.m[i].end - sc.m[i].start;
        }
    }
    out->start = start;
    out->len = end - start;
done:
    alloc_free(seen);
    alloc_free(sc.m);
    alloc_free(qt.t);
    alloc_free(qt.tl);
    return rc;
}
