/*
 * eval.c: the query algorithms. They see the query only as scorers (scorer.c: advance, score,
 * bound) and keep the best k documents in a bounded min-heap, whose weakest score is the
 * threshold a document must beat. Three strategies, chosen by the shape of the root:
 *   exhaustive   every match is scored (counting, and k = 0): a disjunction of long term
 *                lists term at a time (a single term straight into the heap), anything else
 *                document at a time through the scorer tree;
 *   MaxScore     a disjunction of optional clauses, in windows of documents over which each
 *                clause has one block-max bound: sorted by those bounds, the weakest clauses
 *                that together cannot beat the threshold are "non-essential"; candidates come
 *                only from the others, and the non-essential ones are probed, best first, only
 *                while the candidate's score plus their bounds can still beat the threshold
 *                (Turtle and Flood's MaxScore with block-max bounds, as in PISA and Lucene 9);
 *   conjunction  required clauses leapfrog from the cheapest; windows of documents whose
 *                block-max bounds cannot beat the threshold are skipped without decoding
 *                (Lucene's block-max conjunction); optional clauses only add to the score.
 * All strategies visit documents in increasing docid order, so a document scoring exactly the
 * threshold never displaces a heap entry (ties rank the lower docid first). A document's score
 * is always summed in the tree's own clause order, so pruned and exhaustive evaluation give
 * bit-identical scores.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/bitpack.h"
#include "quarry/error.h"

/* The best k hits so far: a min-heap on rank, weakest at h[0]. */
typedef struct topk {
    hit *h;   /* k slots */
    size_t n; /* hits held */
    size_t k; /* capacity, >= 1 */
} topk;

/* True if a ranks below b: lower score, or equal score and higher docid. */
static int worse(const hit *a, const hit *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

/* Score a new document must beat to enter; -1 (below every score) while the heap has room. */
static double threshold(const topk *t)
{
    return t->n < t->k ? -1.0 : t->h[0].score;
}

static void offer(topk *t, uint32_t doc, double score)
{
    hit h = {doc, score};
    size_t i;
    if (t->n < t->k) {
        i = t->n++;
        while (i > 0) { /* sift up */
            size_t parent = (i - 1) / 2;
            if (!worse(&h, &t->h[parent]))
                break;
            t->h[i] = t->h[parent];
            i = parent;
        }
        t->h[i] = h;
        return;
    }
    if (!worse(&t->h[0], &h))
        return;
    for (i = 0;;) { /* sift down from the root */
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const hit *best = &h;
        if (l < t->n && worse(&t->h[l], best))
            m = l, best = &t->h[l];
        if (r < t->n && worse(&t->h[r], best))
            m = r;
        if (m == i)
            break;
        t->h[i] = t->h[m];
        i = m;
    }
    t->h[i] = h;
}

static int cmp_rank(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

/* Scores every match of the root in segment seg (docids from base). Returns the number of
 * matches. */
static uint64_t run_exhaustive(const segment *seg, uint32_t base, scorer *s, topk *t)
{
    uint64_t count = 0;
    while (s->doc != CURSOR_END) {
        uint32_t d = s->doc;
        if (!segment_deleted(seg, d)) {
            count++;
            if (t->k)
                offer(t, base + d, scorer_score(s, segment_doc_length(seg, d)));
        }
        if (d == CURSOR_END - 1)
            break;
        scorer_advance(s, d + 1, 0.0);
    }
    return count;
}

/* Level a bound must reach for its documents to be visited: the threshold lowered by a
 * relative 1e-12, far more than the rounding of any sum of up to QUERY_MAX_CLAUSES scores
 * taken in another order (about 1e-13), so pruning never drops a document the exhaustive
 * evaluation would keep. Negative while the heap has room: nothing is pruned then. */
static double prune_level(const topk *t)
{
    double th = threshold(t);
    return th < 0 ? th : th * (1.0 - 1e-12);
}

/* Should exhaustive evaluation go term at a time? Only for a disjunction of terms (no phrase,
 * group, required or excluded clause) whose lists hold at least one posting per 8 documents:
 * term at a time ends with a pass over every document, which short lists do not repay. */
static int term_at_a_time(const scorer *root, uint32_t ndocs)
{
    if (root->kind != S_BOOL || root->nmust || root->nmustnot || !root->nshould)
        return 0;
    uint64_t postings = 0;
    for (size_t i = 0; i < root->nshould; i++) {
        if (root->should[i]->kind != S_TERM)
            return 0;
        postings += root->should[i]->curs[0].df;
    }
    return postings >= ndocs / 8;
}

/* Exhaustive evaluation of a disjunction of terms, term at a time: each list is read block by
 * block and its scores added into acc (one double per document, zeroed), then the documents
 * are offered in order. The sum of each document's scores is taken in clause order, as
 * scorer_score would, so scores are bit-identical to the other strategies'. Returns the
 * number of matches. */
static uint64_t run_terms_exhaustive(const segment *seg, uint32_t base, scorer *root, topk *t,
                                     double *acc, const uint32_t *lens)
{
    /* acc is all zero on entry, and is left so: the final scan clears what it reads. A single
     * term needs no accumulator: its scores go straight to the heap, and the score of a
     * one-clause sum (0 + s) is s. */
    uint64_t count = 0;
    uint32_t dl[BITPACK_BLOCK];
    double sc[BITPACK_BLOCK];
    int direct = root->nshould == 1;
    double th = t->k ? -1.0 : HUGE_VAL; /* offer what beats th: the weakest hit once full */
    for (size_t i = 0; i < root->nshould; i++) {
        scorer *s = root->should[i];
        cursor *c = &s->curs[0];
        const bm25 *p = s->p;
        const uint32_t *docs, *freqs;
        uint32_t n;
        while ((n = cursor_block(c, &docs, &freqs)) > 0) {
            for (uint32_t k = 0; k < n; k++)
                dl[k] = lens[docs[k]];
            for (uint32_t k = 0; k < n; k++) /* vectorizable */
                sc[k] = bm25_score(p, s->idf, freqs[k], dl[k]);
            if (direct && seg->deleted) {
                for (uint32_t k = 0; k < n; k++)
                    if (!segment_deleted(seg, docs[k])) {
                        count++;
                        if (sc[k] > th) {
                            offer(t, base + docs[k], sc[k]);
                            th = threshold(t);
                        }
                    }
            } else if (direct) {
                count += n;
                for (uint32_t k = 0; k < n; k++)
                    if (sc[k] > th) {
                        offer(t, base + docs[k], sc[k]);
                        th = threshold(t);
                    }
            } else {
                for (uint32_t k = 0; k < n; k++)
                    acc[docs[k]] += sc[k];
            }
            cursor_next_block(c);
        }
    }
    if (direct)
        return count;
    for (uint32_t d = 0; d < seg->ndocs; d++)
        if (acc[d] > 0) { /* every score is positive: a match */
            if (!segment_deleted(seg, d)) {
                count++;
                if (acc[d] > th) {
                    offer(t, base + d, acc[d]);
                    th = threshold(t);
                }
            }
            acc[d] = 0;
        }
    return count;
}

/* Per-query scratch of the pruning strategies, slices of one allocation sized by the
 * number of clauses n of the root. */
typedef struct scratch {
    size_t *ord;    /* n clause indexes in the strategy's order */
    double *key;    /* n sort keys */
    double *sc;     /* n: score of each clause in the current document */
    double *below;  /* n + 1: MaxScore: sums of max_score of ord[0..i); conjunction: floors */
    double *bb;     /* n: MaxScore: sums of block bounds of ord[0..i] */
    uint32_t *seen; /* n: the clause matches the current document if seen[j] == stamp */
    uint32_t stamp; /* candidate number (no clearing of `seen` per candidate) */
    scorer **lead;  /* n: conjunction: required clauses in `ord` order */
} scratch;

/* Sorts the permutation idx[0..n) by key[idx] ascending, keeping the current order of equal
 * keys (insertion sort: queries are short, and MaxScore re-sorts an almost sorted order once
 * per window, which costs one pass). */
static void sort_by_key(size_t *idx, size_t n, const double *key)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && key[idx[j - 1]] > key[idx[j]]; j--) {
            size_t x = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = x;
        }
}

/* MaxScore over the root's optional clauses (the root has no required clause), in windows
 * of documents: a window ends where the first of the clauses' current blocks ends, so each
 * clause has one block-max bound over it; sorted by those bounds, the weakest clauses that
 * together cannot beat the threshold are non-essential in the window. Candidates come from the
 * essential clauses; the others are probed, strongest first, only while the candidate's score
 * plus their bounds can still beat the threshold. A window without an essential clause is
 * skipped whole. Returns the number of matches seen. */
static uint64_t run_maxscore(const segment *seg, uint32_t base, scorer *root, topk *t, scratch *w)
{
    size_t n = root->nshould;
    scorer **cl = root->should;
    double total_max = 0;
    for (size_t i = 0; i < n; i++)
        total_max += cl[i]->max_score;
    uint64_t count = 0;
    uint32_t wmin = 0;
    for (size_t i = 0; i < n; i++)
        w->ord[i] = i;
    for (;;) {
        double th = prune_level(t);
        /* The window: from the first document any clause is on to the first block end. */
        uint32_t first = CURSOR_END, wmax = CURSOR_END - 1;
        for (size_t i = 0; i < n; i++)
            if (cl[i]->doc < first)
                first = cl[i]->doc;
        if (first == CURSOR_END)
            break;
        if (first > wmin)
            wmin = first;
        for (size_t i = 0; i < n; i++) {
            uint32_t upto;
            w->key[i] = scorer_bound(cl[i], wmin, &upto);
            if (w->key[i] > 0 && upto < wmax)
                wmax = upto;
        }
        for (size_t i = 0; i < n; i++)
            if (cl[i]->doc > wmax)
                w->key[i] = 0; /* no match of it in the window */
        sort_by_key(w->ord, n, w->key);
        size_t ness = 0;
        double acc = 0;
        for (; ness < n; ness++) {
            if (acc + w->key[w->ord[ness]] > th)
                break;
            acc += w->key[w->ord[ness]];
            w->bb[ness] = acc; /* bounds of ord[0..ness] */
        }
        for (size_t i = ness; i < n; i++) { /* essential clauses start in the window */
            scorer *c = cl[w->ord[i]];
            scorer_advance(c, wmin, th - (total_max - c->max_score));
        }
        for (;;) { /* candidates of the window */
            uint32_t d = CURSOR_END;
            for (size_t i = ness; i < n; i++)
                if (cl[w->ord[i]]->doc < d)
                    d = cl[w->ord[i]]->doc;
            if (d > wmax)
                break;
            if ((!root->nmustnot || !scorer_excluded(root, d)) && !segment_deleted(seg, d)) {
                uint32_t dl = segment_doc_length(seg, d);
                double sum = 0;
                int alive = 1;
                count++;
                if (++w->stamp == 0) { /* wrapped: clear once in 2^32 candidates */
                    memset(w->seen, 0, n * sizeof *w->seen);
                    w->stamp = 1;
                }
                for (size_t i = ness; i < n; i++) {
                    size_t j = w->ord[i];
                    if (cl[j]->doc == d) {
                        w->sc[j] = scorer_score(cl[j], dl);
                        w->seen[j] = w->stamp;
                        sum += w->sc[j];
                    }
                }
                for (size_t i = ness; i-- > 0;) { /* non-essential clauses, strongest first */
                    if (sum + w->bb[i] <= th) {
                        alive = 0;
                        break;
                    }
                    size_t j = w->ord[i];
                    scorer_advance(cl[j], d, 0.0);
                    if (cl[j]->doc == d) {
                        w->sc[j] = scorer_score(cl[j], dl);
                        w->seen[j] = w->stamp;
                        sum += w->sc[j];
                    }
                }
                if (alive) {
                    double score = 0;
                    for (size_t j = 0; j < n; j++)
                        if (w->seen[j] == w->stamp)
                            score += w->sc[j];
                    offer(t, base + d, score);
                    th = prune_level(t);
                }
            }
            if (d == CURSOR_END - 1)
                break;
            /* A clause may pass documents where its score cannot lift the others' maxima
             * above the threshold (global maxima: the skip may leave the window). */
            for (size_t i = ness; i < n; i++) {
                scorer *c = cl[w->ord[i]];
                if (c->doc == d)
                    scorer_advance(c, d + 1, th - (total_max - c->max_score));
            }
        }
        if (wmax >= CURSOR_END - 1)
            break;
        wmin = wmax + 1;
    }
    return count;
}

/* Block-max conjunction over the root's required clauses; optional ones add to the score.
 * Returns the number of matches seen. */
static uint64_t run_conjunction(const segment *seg, uint32_t base, scorer *root, topk *t,
                                scratch *w)
{
    size_t nm = root->nmust, ns = root->nshould;
    double max_must = 0, max_should = 0;
    for (size_t i = 0; i < nm; i++) {
        w->key[i] = (double)root->must[i]->cost;
        max_must += root->must[i]->max_score;
    }
    for (size_t i = 0; i < ns; i++)
        max_should += root->should[i]->max_score;
    for (size_t i = 0; i < nm; i++)
        w->ord[i] = i;
    sort_by_key(w->ord, nm, w->key);
    for (size_t i = 0; i < nm; i++)
        w->lead[i] = root->must[w->ord[i]];
    double total_max = max_must + max_should;
    uint64_t count = 0;
    uint32_t target = 0, upto = 0;
    double ub = 0;
    int window = 0; /* ub bounds every document of [window start, upto] */
    for (;;) {
        double th = prune_level(t);
        if (th >= 0) {
            if (!window || target > upto) {
                ub = 0;
                upto = CURSOR_END - 1;
                for (size_t i = 0; i < nm + ns; i++) {
                    scorer *c = i < nm ? root->must[i] : root->should[i - nm];
                    uint32_t u;
                    ub += scorer_bound(c, target, &u);
                    if (u < upto)
                        upto = u;
                }
                window = 1;
            }
            if (ub <= th) { /* nothing in [target, upto] can beat the threshold */
                if (upto >= CURSOR_END - 1)
                    break;
                target = upto + 1;
                window = 0;
                continue;
            }
            for (size_t i = 0; i < nm; i++)
                w->below[i] = th - (total_max - w->lead[i]->max_score);
        }
        uint32_t d = scorer_conjunction(w->lead, nm, target, th >= 0 ? w->below : NULL);
        if (d == CURSOR_END)
            break;
        if (th >= 0 && d > upto) { /* past the window: bound the next one first */
            target = d;
            window = 0;
            continue;
        }
        if (!scorer_excluded(root, d) && !segment_deleted(seg, d)) {
            uint32_t dl = segment_doc_length(seg, d);
            double sum = 0;
            count++;
            for (size_t i = 0; i < nm; i++)
                sum += scorer_score(root->must[i], dl);
            if (ns && sum + max_should > th)
                for (size_t i = 0; i < ns; i++) {
                    scorer *c = root->should[i];
                    scorer_advance(c, d, 0.0);
                    if (c->doc == d)
                        sum += scorer_score(c, dl);
                }
            if (ns == 0 || sum + max_should > th)
                offer(t, base + d, sum);
        }
        if (d == CURSOR_END - 1)
            break;
        target = d + 1;
    }
    return count;
}

void accum_free(accum *a)
{
    alloc_free(a->v);
    alloc_free(a->lens);
    a->v = NULL;
    a->lens = NULL;
    a->n = 0;
}

/* Evaluates root over segment i of ix into the heap t, adding the matches seen to *total.
 * tt: the query's terms in every segment; exhaustive: score every match; *pruned is set when a
 * pruning strategy ran (which may skip matches once the heap is full). */
static int eval_segment(const quarry_index *ix, uint32_t i, const qnode *root, const bm25 *p,
                        const term_table *tt, int exhaustive, accum *acc, topk *t, uint64_t *total,
                        int *pruned, char *err, size_t cap)
{
    const segment *seg = &ix->segs[i];
    uint32_t base = ix->base[i];
    scorer *s = NULL;
    void *mem = NULL;
    int rc = scorer_build(&s, seg, root, p, tt->idf, tt->ti + (size_t)i * tt->nterms, err, cap);
    if (rc)
        return rc;
    size_t n = s->nmust > s->nshould ? s->nmust : s->nshould;
    if (exhaustive && seg->ndocs > 0 && term_at_a_time(s, seg->ndocs)) {
        if (acc->n != ix->ndocs) { /* scores and lengths of every document of the index */
            accum_free(acc);
            acc->v = alloc_array(ix->ndocs, sizeof *acc->v); /* zeroed */
            acc->lens = alloc_array(ix->ndocs, sizeof *acc->lens);
            if (!acc->v || !acc->lens) {
                accum_free(acc);
                rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
                goto done;
            }
            for (uint32_t g = 0; g < ix->nsegs; g++)
                for (uint32_t d = 0; d < ix->segs[g].ndocs; d++)
                    acc->lens[ix->base[g] + d] = segment_doc_length(&ix->segs[g], d);
            acc->n = ix->ndocs;
        }
        *total += run_terms_exhaustive(seg, base, s, t, acc->v + base, acc->lens + base);
    } else if (exhaustive || s->kind != S_BOOL || (s->nmust == 0 && s->nshould == 0)) {
        *total += run_exhaustive(seg, base, s, t);
    } else {
        /* Doubles first, then the narrower or equal types: every slice stays aligned. */
        size_t bytes = (4 * n + 1) * sizeof(double) +
                       n * (sizeof(size_t) + sizeof(scorer *) + sizeof(uint32_t));
        if (!(mem = alloc_array(1, bytes))) { /* zeroed: `seen` starts clear */
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        scratch w;
        w.key = mem;
        w.sc = w.key + n;
        w.bb = w.sc + n;
        w.below = w.bb + n;
        w.ord = (size_t *)(w.below + n + 1);
        w.lead = (scorer **)(w.ord + n);
        w.seen = (uint32_t *)(w.lead + n);
        w.stamp = 0;
        *pruned = 1;
        *total +=
            s->nmust ? run_conjunction(seg, base, s, t, &w) : run_maxscore(seg, base, s, t, &w);
    }
    rc = scorer_rc(s);
    if (rc) {
        char name[512];
        segment_file_name(seg, SEG_POST, name, sizeof name);
        rc = rc == QUARRY_ECORRUPT
                 ? errmsg_set(err, cap, rc, "%s (or its .pos file): corrupt posting list", name)
                 : errmsg_set(err, cap, rc, "out of memory");
    }
done:
    alloc_free(mem);
    scorer_free(s);
    return rc;
}

int eval_top_k(const quarry_index *ix, const qnode *root, const bm25 *p, size_t k, int count,
               accum *acc, hit *out, size_t *nout, uint64_t *total, int *total_exact, char *err,
               size_t cap)
{
    topk t = {out, 0, k};
    *nout = 0;
    *total = 0;
    *total_exact = 1;
    int exhaustive = count || k == 0, pruned = 0;
    term_table tt;
    /* Segments in docid order, one heap: the threshold reached in one prunes the next. A
     * segment holding none of the terms has no match. */
    int rc = index_terms(&tt, ix, root, p, err, cap);
    for (uint32_t i = 0; !rc && i < ix->nsegs; i++)
        if (tt.any[i])
            rc = eval_segment(ix, i, root, p, &tt, exhaustive, acc, &t, total, &pruned, err, cap);
    term_table_free(&tt);
    if (rc)
        return rc;
    /* Pruned: the count is exact only if the threshold never rose (nothing was skipped). */
    *total_exact = !pruned || t.n < t.k;
    qsort(out, t.n, sizeof *out, cmp_rank);
    *nout = t.n;
    return QUARRY_OK;
}
