/*
 * eval.c: query evaluation, document at a time. The query tree becomes a tree of scorers, each
 * positioned on a matching document and able to advance to the first match >= a target:
 *   term    one posting cursor;
 *   phrase  a conjunction of cursors (leapfrogging next_geq), then a check of positions;
 *   boolean required clauses leapfrog, optional ones are merged, excluded ones are probed.
 * Every match is scored with bm25.c and offered to a bounded min-heap holding the top k.
 * Scorers see postings only through cursor.c's interface.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

typedef enum skind { S_TERM, S_PHRASE, S_BOOL } skind;

typedef struct scorer {
    skind kind;                      /* which of the unions below is used */
    uint32_t doc;                    /* current match, CURSOR_END when exhausted */
    double idf;                      /* TERM: idf; PHRASE: sum of its terms' idfs */
    cursor *curs;                    /* TERM: 1 cursor; PHRASE: one per term */
    size_t ncurs;                    /* cursors in curs */
    const uint32_t *offsets;         /* PHRASE: position of each term relative to the first */
    uint32_t pfreq;                  /* PHRASE: occurrences of the phrase in doc */
    struct scorer **must;            /* BOOL: required clauses */
    struct scorer **should;          /* BOOL: optional clauses */
    struct scorer **mustnot;         /* BOOL: excluded clauses */
    size_t nmust, nshould, nmustnot; /* BOOL: clause counts */
} scorer;

typedef struct evalctx {
    const quarry_index *ix; /* index searched */
    const bm25 *p;          /* scoring parameters */
    char *err;              /* message buffer */
    size_t cap;             /* its size */
    int rc;                 /* sticky error */
} evalctx;

static void scorer_free(scorer *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncurs; i++)
        cursor_free(&s->curs[i]);
    alloc_free(s->curs);
    for (size_t i = 0; i < s->nmust; i++)
        scorer_free(s->must[i]);
    for (size_t i = 0; i < s->nshould; i++)
        scorer_free(s->should[i]);
    for (size_t i = 0; i < s->nmustnot; i++)
        scorer_free(s->mustnot[i]);
    alloc_free(s->must);
    alloc_free(s->should);
    alloc_free(s->mustnot);
    alloc_free(s);
}

/* The first cursor error in the tree, or QUARRY_OK. */
static int scorer_rc(const scorer *s)
{
    for (size_t i = 0; i < s->ncurs; i++)
        if (s->curs[i].rc)
            return s->curs[i].rc;
    int rc = QUARRY_OK;
    for (size_t i = 0; !rc && i < s->nmust; i++)
        rc = scorer_rc(s->must[i]);
    for (size_t i = 0; !rc && i < s->nshould; i++)
        rc = scorer_rc(s->should[i]);
    for (size_t i = 0; !rc && i < s->nmustnot; i++)
        rc = scorer_rc(s->mustnot[i]);
    return rc;
}

static void advance(scorer *s, uint32_t target);

/* Builds the scorer of a term or phrase node; starts it on its first match. */
static scorer *build_leaf(evalctx *e, const qnode *n)
{
    scorer *s = alloc_array(1, sizeof *s);
    if (!s || !(s->curs = alloc_array(n->nterms, sizeof *s->curs))) {
        alloc_free(s);
        e->rc = errmsg_set(e->err, e->cap, QUARRY_ENOMEM, "out of memory");
        return NULL;
    }
    s->kind = n->kind == Q_TERM ? S_TERM : S_PHRASE;
    s->offsets = n->offsets;
    s->ncurs = n->nterms;
    int missing = 0;
    for (size_t i = 0; i < n->nterms; i++) {
        term_info ti;
        int found = index_lookup(e->ix, n->terms[i], n->lens[i], &ti, e->err, e->cap);
        if (found < 0) {
            e->rc = found;
            scorer_free(s);
            return NULL;
        }
        if (!found) {
            memset(&ti, 0, sizeof ti);
            missing = 1;
        }
        cursor_init(&s->curs[i], e->ix, &ti);
        if (found)
            s->idf += bm25_idf(e->p, ti.df);
    }
    if (missing) {
        s->doc = CURSOR_END;
        return s;
    }
    s->doc = 0;
    advance(s, 0);
    return s;
}

/* Appends scorer c to one of b's clause arrays (grown at powers of two). */
static int push(scorer ***arr, size_t *n, scorer *c)
{
    if ((*n & (*n - 1)) == 0) {
        scorer **a = alloc_resize(*arr, *n ? *n * 2 : 1, sizeof *a);
        if (!a)
            return QUARRY_ENOMEM;
        *arr = a;
    }
    (*arr)[(*n)++] = c;
    return QUARRY_OK;
}

static scorer *build(evalctx *e, const qnode *n)
{
    if (n->kind != Q_BOOL)
        return build_leaf(e, n);
    scorer *s = alloc_array(1, sizeof *s);
    if (!s) {
        e->rc = errmsg_set(e->err, e->cap, QUARRY_ENOMEM, "out of memory");
        return NULL;
    }
    s->kind = S_BOOL;
    for (size_t i = 0; i < n->nkids && !e->rc; i++) {
        scorer *c = build(e, n->kids[i]);
        if (!c)
            break;
        int rc = n->kids[i]->occur == Q_MUST     ? push(&s->must, &s->nmust, c)
                 : n->kids[i]->occur == Q_SHOULD ? push(&s->should, &s->nshould, c)
                                                 : push(&s->mustnot, &s->nmustnot, c);
        if (rc) {
            scorer_free(c);
            e->rc = errmsg_set(e->err, e->cap, rc, "out of memory");
        }
    }
    if (e->rc) {
        scorer_free(s);
        return NULL;
    }
    s->doc = 0;
    advance(s, 0);
    return s;
}

/* Is `want` among the sorted positions a[0..n)? */
static int has_position(const uint32_t *a, uint32_t n, uint32_t want)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < want)
            lo = mid + 1;
        else if (a[mid] > want)
            hi = mid;
        else
            return 1;
    }
    return 0;
}

/* Occurrences of the phrase in the document all of s's cursors are on. */
static uint32_t phrase_freq(scorer *s)
{
    const uint32_t *first;
    uint32_t nfirst = cursor_positions(&s->curs[0], &first), count = 0;
    for (uint32_t k = 0; k < nfirst; k++) {
        uint32_t start = first[k];
        size_t i = 1;
        for (; i < s->ncurs; i++) {
            const uint32_t *pos;
            uint32_t npos = cursor_positions(&s->curs[i], &pos);
            if (start > UINT32_MAX - s->offsets[i] ||
                !has_position(pos, npos, start + s->offsets[i]))
                break;
        }
        if (i == s->ncurs)
            count++;
    }
    return count;
}

/* Leapfrogs cursors (or scorers) to the first document >= target where all agree. */
static uint32_t conj_cursors(cursor *c, size_t n, uint32_t target)
{
    uint32_t cand = target;
    for (size_t i = 0; i < n;) {
        cursor_next_geq(&c[i], cand);
        uint32_t d = cursor_docid(&c[i]);
        if (d == CURSOR_END)
            return CURSOR_END;
        if (d > cand) {
            cand = d;
            i = (i == 0) ? 1 : 0;
            continue;
        }
        i++;
    }
    return cand;
}

static uint32_t conj_scorers(scorer **c, size_t n, uint32_t target)
{
    uint32_t cand = target;
    for (size_t i = 0; i < n;) {
        if (c[i]->doc < cand)
            advance(c[i], cand);
        uint32_t d = c[i]->doc;
        if (d == CURSOR_END)
            return CURSOR_END;
        if (d > cand) {
            cand = d;
            i = (i == 0) ? 1 : 0;
            continue;
        }
        i++;
    }
    return cand;
}

/* Is document d excluded by one of s's prohibited clauses? */
static int excluded(scorer *s, uint32_t d)
{
    for (size_t i = 0; i < s->nmustnot; i++) {
        if (s->mustnot[i]->doc < d)
            advance(s->mustnot[i], d);
        if (s->mustnot[i]->doc == d)
            return 1;
    }
    return 0;
}

/* Moves s to its first match >= target (no-op if already there). */
static void advance(scorer *s, uint32_t target)
{
    uint32_t cand = target;
    switch (s->kind) {
    case S_TERM:
        cursor_next_geq(&s->curs[0], target);
        s->doc = cursor_docid(&s->curs[0]);
        return;
    case S_PHRASE:
        for (;;) {
            cand = conj_cursors(s->curs, s->ncurs, cand);
            if (cand == CURSOR_END || (s->pfreq = phrase_freq(s)) > 0)
                break;
            cand++;
        }
        s->doc = cand;
        return;
    case S_BOOL:
        for (;;) {
            if (s->nmust) {
                cand = conj_scorers(s->must, s->nmust, cand);
            } else if (s->nshould) {
                uint32_t min = CURSOR_END;
                for (size_t i = 0; i < s->nshould; i++) {
                    if (s->should[i]->doc < cand)
                        advance(s->should[i], cand);
                    if (s->should[i]->doc < min)
                        min = s->should[i]->doc;
                }
                cand = min;
            } else {
                cand = CURSOR_END;
            }
            if (cand == CURSOR_END || !excluded(s, cand))
                break;
            cand++;
        }
        s->doc = cand;
        return;
    }
}

static double score(const evalctx *e, scorer *s, uint32_t dl)
{
    switch (s->kind) {
    case S_TERM:
        return bm25_score(e->p, s->idf, cursor_freq(&s->curs[0]), dl);
    case S_PHRASE:
        return bm25_score(e->p, s->idf, s->pfreq, dl);
    case S_BOOL: {
        double sum = 0;
        for (size_t i = 0; i < s->nmust; i++)
            sum += score(e, s->must[i], dl);
        for (size_t i = 0; i < s->nshould; i++) {
            if (s->should[i]->doc < s->doc)
                advance(s->should[i], s->doc);
            if (s->should[i]->doc == s->doc)
                sum += score(e, s->should[i], dl);
        }
        return sum;
    }
    }
    return 0;
}

/* True if a ranks below b: lower score, or equal score and higher docid. */
static int worse(const hit *a, const hit *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

static void sift_down(hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&h[l], &h[m]))
            m = l;
        if (r < n && worse(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        hit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(hit *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!worse(&h[i], &h[parent]))
            return;
        hit t = h[i];
        h[i] = h[parent];
        h[parent] = t;
        i = parent;
    }
}

static int cmp_rank(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

int eval_top_k(const quarry_index *ix, const qnode *root, const bm25 *p, size_t k, hit *out,
               size_t *nout, uint64_t *total, char *err, size_t cap)
{
    evalctx e = {ix, p, err, cap, QUARRY_OK};
    *nout = 0;
    *total = 0;
    scorer *s = build(&e, root);
    if (!s)
        return e.rc;
    size_t n = 0;
    uint64_t count = 0;
    while (s->doc != CURSOR_END) {
        uint32_t d = s->doc;
        count++;
        if (k) {
            hit h = {d, score(&e, s, index_doc_length(ix, d))};
            if (n < k) {
                out[n++] = h;
                sift_up(out, n - 1);
            } else if (worse(&out[0], &h)) {
                out[0] = h;
                sift_down(out, n, 0);
            }
        }
        if (d == CURSOR_END - 1)
            break;
        advance(s, d + 1);
    }
    int rc = scorer_rc(s);
    scorer_free(s);
    if (rc) {
        char name[512];
        index_file_name(ix, SEG_POST, name, sizeof name);
        return rc == QUARRY_ECORRUPT
                   ? errmsg_set(err, cap, rc, "%s (or its .pos file): corrupt posting list", name)
                   : errmsg_set(err, cap, rc, "out of memory");
    }
    qsort(out, n, sizeof *out, cmp_rank);
    *nout = n;
    *total = count;
    return QUARRY_OK;
}
