/*
 * scorer.c: the query tree as a tree of scorers, the layer between posting cursors and the
 * query algorithms of eval.c. Each scorer is positioned on a matching document and can
 *   advance   move to its first match >= a target, optionally skipping documents whose score
 *             in this scorer cannot exceed a floor (dynamic pruning: whole blocks of a term
 *             through their impacts, phrase candidates before their positions are read);
 *   score     give the BM25 score of the current document;
 *   bound     give, without moving, an upper bound of its score over a window of documents
 *             starting at a target, from the cursors' skip impacts (block-max).
 * Kinds: a term (one cursor); a phrase (a conjunction of cursors, leapfrogging from the rarest,
 * then a check of positions anchored on the term with the fewest occurrences); a boolean
 * (required clauses leapfrog, optional ones are merged, excluded ones are probed).
 *
 * Bounds are inflated by BOUND_SLACK so that pruning never drops a document because of the
 * rounding of a sum taken in another order: every comparison "bound <= threshold" that
 * prunes is then safe for sums of up to QUERY_MAX_CLAUSES terms.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

#define BOUND_SLACK  (1.0 + 1e-9)
#define TF_UNBOUNDED 65535u /* a saturated impact: tf may be anything */

double scorer_impact_bound(const bm25 *p, double idf, uint32_t max_tf, uint32_t min_dl)
{
    if (max_tf == 0)
        return 0.0;
    if (max_tf >= TF_UNBOUNDED) /* the limit of the score as tf grows */
        return idf * BOUND_SLACK;
    return bm25_score(p, idf, max_tf, min_dl) * BOUND_SLACK;
}

void scorer_free(scorer *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncurs; i++)
        cursor_free(&s->curs[i]);
    alloc_free(s->curs);
    alloc_free(s->order);
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

int scorer_rc(const scorer *s)
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

typedef struct buildctx {
    const segment *seg;  /* segment searched */
    const bm25 *p;       /* scoring parameters */
    const double *idf;   /* weights of the leaves, depth-first */
    const term_info *ti; /* the segment's postings of the leaves' terms, depth-first */
    size_t leaf;         /* leaves built so far */
    size_t term;         /* leaf terms built so far */
    char *err;           /* message buffer */
    size_t cap;          /* its size */
    int rc;              /* sticky error */
} buildctx;

static void seek(scorer *s, uint32_t target, double floor);

/* Sorts a phrase's cursor indexes by increasing df (insertion sort: phrases are short). */
static void sort_order(uint32_t *order, size_t n, const cursor *curs)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && curs[order[j - 1]].df > curs[order[j]].df; j--) {
            uint32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* Builds the scorer of a term or phrase node; starts it on its first match. */
static scorer *build_leaf(buildctx *e, const qnode *n)
{
    scorer *s = alloc_array(1, sizeof *s);
    /* The cursors are not cleared here: cursor_init sets every field read before a write. */
    if (!s || !(s->curs = alloc_bytes(n->nterms * sizeof *s->curs)) ||
        !(s->order = alloc_array(n->nterms, sizeof *s->order))) {
        if (s)
            alloc_free(s->curs);
        alloc_free(s);
        e->rc = errmsg_set(e->err, e->cap, QUARRY_ENOMEM, "out of memory");
        return NULL;
    }
    s->kind = n->kind == Q_TERM ? S_TERM : S_PHRASE;
    s->seg = e->seg;
    s->p = e->p;
    s->idf = e->idf[e->leaf++];
    s->offsets = n->offsets;
    s->ncurs = n->nterms;
    int missing = 0;
    uint32_t max_tf = UINT32_MAX, min_dl = 0;
    for (size_t i = 0; i < n->nterms; i++) {
        const term_info *ti = &e->ti[e->term++];
        if (ti->df == 0)
            missing = 1;
        cursor_init(&s->curs[i], e->seg, ti);
        s->order[i] = (uint32_t)i;
        /* A phrase occurs in a document at most as often as its rarest word there, and the
         * document is at least as long as the longest of the shortest documents. */
        if (s->curs[i].max_tf < max_tf)
            max_tf = s->curs[i].max_tf;
        if (s->curs[i].min_dl > min_dl)
            min_dl = s->curs[i].min_dl;
    }
    sort_order(s->order, s->ncurs, s->curs);
    if (missing) {
        s->doc = CURSOR_END;
        return s;
    }
    s->cost = s->curs[s->order[0]].df;
    s->max_score = scorer_impact_bound(e->p, s->idf, max_tf, min_dl);
    seek(s, 0, 0.0);
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

static scorer *build(buildctx *e, const qnode *n)
{
    if (n->kind != Q_BOOL)
        return build_leaf(e, n);
    scorer *s = alloc_array(1, sizeof *s);
    if (!s) {
        e->rc = errmsg_set(e->err, e->cap, QUARRY_ENOMEM, "out of memory");
        return NULL;
    }
    s->kind = S_BOOL;
    s->seg = e->seg;
    s->p = e->p;
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
    /* Cost: what the clause that drives the iteration may yield. */
    uint64_t should_cost = 0, must_cost = UINT64_MAX;
    for (size_t i = 0; i < s->nmust; i++) {
        s->max_score += s->must[i]->max_score;
        if (s->must[i]->cost < must_cost)
            must_cost = s->must[i]->cost;
    }
    for (size_t i = 0; i < s->nshould; i++) {
        s->max_score += s->should[i]->max_score;
        should_cost += s->should[i]->cost;
    }
    s->cost = s->nmust ? must_cost : should_cost;
    seek(s, 0, 0.0);
    return s;
}

int scorer_build(scorer **out, const segment *seg, const qnode *root, const bm25 *p,
                 const double *idf, const term_info *ti, char *err, size_t cap)
{
    buildctx e = {seg, p, idf, ti, 0, 0, err, cap, QUARRY_OK};
    *out = build(&e, root);
    return *out ? QUARRY_OK : e.rc;
}

/* Leapfrogs a phrase's cursors, rarest first, to the first document >= target where all
 * agree. */
static uint32_t conj_cursors(scorer *s, uint32_t target)
{
    uint32_t cand = target;
    for (size_t k = 0; k < s->ncurs && cand != CURSOR_END;) {
        cursor *c = &s->curs[s->order[k]];
        cursor_next_geq(c, cand);
        uint32_t d = cursor_docid(c);
        if (d > cand) {
            cand = d;
            k = (k == 0) ? 1 : 0;
            continue;
        }
        k++;
    }
    return cand;
}

/* Leapfrogs scorers to the first document >= target where all agree; floors[i] (or 0 for
 * none, when floors is NULL) is passed to each scorer's advance. */
uint32_t scorer_conjunction(scorer **c, size_t n, uint32_t target, const double *floors)
{
    uint32_t cand = target;
    for (size_t i = 0; i < n && cand != CURSOR_END;) {
        if (c[i]->doc < cand)
            scorer_advance(c[i], cand, floors ? floors[i] : 0.0);
        uint32_t d = c[i]->doc;
        if (d > cand) {
            cand = d;
            i = (i == 0) ? 1 : 0;
            continue;
        }
        i++;
    }
    return cand;
}

int scorer_excluded(scorer *s, uint32_t d)
{
    for (size_t i = 0; i < s->nmustnot; i++) {
        if (s->mustnot[i]->doc < d)
            scorer_advance(s->mustnot[i], d, 0.0);
        if (s->mustnot[i]->doc == d)
            return 1;
    }
    return 0;
}

/* A term's bound over the block holding tgt (>= its docid) and that block's last docid in
 * *upto. The bound is kept with the block's docid range, so it is computed once per block
 * whatever order the targets come in. */
static double term_bound(scorer *s, uint32_t tgt, uint32_t *upto)
{
    if (!s->bvalid || tgt < s->bfrom || tgt > s->bupto) {
        uint32_t t, l;
        cursor_shallow(&s->curs[0], tgt, &s->bfrom, &s->bupto, &t, &l);
        s->bbound = scorer_impact_bound(s->p, s->idf, t, l);
        s->bvalid = 1;
    }
    *upto = s->bupto;
    return s->bbound;
}

/* Impacts of a phrase over the window from target: the bound of its rarest-in-the-window word
 * and the longest shortest document, valid up to the first window end. */
static double phrase_bound(scorer *s, uint32_t target, uint32_t *upto)
{
    uint32_t end = CURSOR_END - 1, max_tf = UINT32_MAX, min_dl = 0;
    for (size_t i = 0; i < s->ncurs; i++) {
        cursor *c = &s->curs[i];
        uint32_t f, u, t, l;
        cursor_shallow(c, target > c->doc ? target : c->doc, &f, &u, &t, &l);
        if (u < end)
            end = u;
        if (t < max_tf)
            max_tf = t;
        if (l > min_dl)
            min_dl = l;
    }
    *upto = end;
    return scorer_impact_bound(s->p, s->idf, max_tf, min_dl);
}

double scorer_bound(scorer *s, uint32_t target, uint32_t *upto)
{
    *upto = CURSOR_END - 1;
    if (s->doc == CURSOR_END)
        return 0.0;
    switch (s->kind) {
    case S_TERM:
        return term_bound(s, target > s->curs[0].doc ? target : s->curs[0].doc, upto);
    case S_PHRASE:
        return phrase_bound(s, target, upto);
    case S_BOOL: {
        double sum = 0;
        for (size_t i = 0; i < s->nmust + s->nshould; i++) {
            scorer *c = i < s->nmust ? s->must[i] : s->should[i - s->nmust];
            uint32_t u;
            sum += scorer_bound(c, target, &u);
            if (u < *upto)
                *upto = u;
        }
        return sum;
    }
    }
    return 0.0;
}

void scorer_skip_weak(scorer *s, double floor)
{
    cursor *c = &s->curs[0];
    while (c->doc != CURSOR_END) {
        uint32_t upto;
        if (term_bound(s, c->doc, &upto) > floor)
            return;
        if (upto >= CURSOR_END - 1) {
            s->doc = CURSOR_END; /* nothing left can compete: the cursor is not read again */
            return;
        }
        cursor_next_geq(c, upto + 1);
    }
}

/* Moves a phrase scorer to its first match >= target whose score may exceed floor. */
static void advance_phrase(scorer *s, uint32_t target, double floor)
{
    uint32_t cand = target;
    for (;;) {
        cand = conj_cursors(s, cand);
        if (cand == CURSOR_END)
            break;
        if (floor > 0) {
            uint32_t upto;
            if (phrase_bound(s, cand, &upto) <= floor) { /* the whole window is weak */
                cand = upto >= CURSOR_END - 1 ? CURSOR_END : upto + 1;
                continue;
            }
            uint32_t min_tf = UINT32_MAX;
            for (size_t i = 0; i < s->ncurs; i++)
                if (cursor_freq(&s->curs[i]) < min_tf)
                    min_tf = cursor_freq(&s->curs[i]);
            if (scorer_impact_bound(s->p, s->idf, min_tf, segment_doc_length(s->seg, cand)) <=
                floor) {
                cand++; /* weak even if every occurrence formed the phrase: positions unread */
                continue;
            }
        }
        if ((s->pfreq = phrase_count(s->curs, s->ncurs, s->offsets)) > 0)
            break;
        cand++;
    }
    s->doc = cand;
}

/* Positions s on its first match >= target (whatever its current document). */
static void seek(scorer *s, uint32_t target, double floor)
{
    uint32_t cand = target;
    switch (s->kind) {
    case S_TERM:
        cursor_next_geq(&s->curs[0], target);
        s->doc = cursor_docid(&s->curs[0]);
        if (floor > 0)
            scorer_skip_weak(s, floor);
        return;
    case S_PHRASE:
        advance_phrase(s, target, floor);
        return;
    case S_BOOL:
        for (;;) {
            if (s->nmust) {
                cand = scorer_conjunction(s->must, s->nmust, cand, NULL);
            } else if (s->nshould) {
                uint32_t min = CURSOR_END;
                for (size_t i = 0; i < s->nshould; i++) {
                    if (s->should[i]->doc < cand)
                        scorer_advance(s->should[i], cand, 0.0);
                    if (s->should[i]->doc < min)
                        min = s->should[i]->doc;
                }
                cand = min;
            } else {
                cand = CURSOR_END;
            }
            if (cand == CURSOR_END || !scorer_excluded(s, cand))
                break;
            cand++;
        }
        s->doc = cand;
        return;
    }
}

void scorer_seek(scorer *s, uint32_t target, double floor)
{
    if (s->doc < target)
        seek(s, target, floor);
}

double scorer_score_tree(scorer *s, uint32_t dl)
{
    switch (s->kind) {
    case S_TERM:
        return bm25_score(s->p, s->idf, cursor_freq(&s->curs[0]), dl);
    case S_PHRASE:
        return bm25_score(s->p, s->idf, s->pfreq, dl);
    case S_BOOL: {
        double sum = 0;
        for (size_t i = 0; i < s->nmust; i++)
            sum += scorer_score(s->must[i], dl);
        for (size_t i = 0; i < s->nshould; i++) {
            if (s->should[i]->doc < s->doc)
                scorer_advance(s->should[i], s->doc, 0.0);
            if (s->should[i]->doc == s->doc)
                sum += scorer_score(s->should[i], dl);
        }
        return sum;
    }
    }
    return 0;
}
