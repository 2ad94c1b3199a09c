/*
 * explain.c: quarry_searcher_explain, one document's score taken apart (quarry/search.h). The
 * query is parsed as a search parses it (query.c, with searcher.c's options and BM25
 * parameters); then the tree is walked once for the one document: each term or phrase opens
 * its terms' cursors (cursor.c) and seeks them to the document, phrases are counted by
 * phrase.c and scored by bm25.c, and each group applies the matching rules of eval.c (required
 * clauses all match, else one optional clause; no excluded clause matches) and sums its
 * clauses' scores in the order eval.c does (required ones, then optional ones), so that the
 * total is the hit's score. Clauses that do not add to the score are dropped on the way up.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

/* Bytes of a clause path: up to QUERY_MAX_DEPTH nested groups below the root, each step at
 * most "1024." */
#define PATH_CAP ((QUERY_MAX_DEPTH + 2) * 6)

/* One listed clause: the public view and the memory it points into. */
typedef struct xclause {
    quarry_explain_clause c;    /* what quarry_explanation_get returns */
    quarry_explain_term *terms; /* c.terms (alloc'd) */
    char *strings;              /* text, path and the terms' bytes (alloc'd) */
} xclause;

struct quarry_explanation {
    quarry_explain_doc doc; /* document and collection figures */
    xclause *clauses;       /* contributing clauses in query order */
    size_t n, cap;          /* entries used / allocated */
};

/* State of one walk over the query tree. */
typedef struct walk {
    quarry_explanation *x;  /* explanation being filled */
    const quarry_index *ix; /* index read (for document frequencies) */
    const segment *seg;     /* segment of the document */
    const bm25 *p;          /* scoring parameters */
    uint32_t doc;           /* document explained, numbered within seg */
    char path[PATH_CAP];    /* path of the node being visited */
    size_t path_len;        /* bytes in path */
    char *err;              /* message buffer (the searcher's) */
    size_t cap;             /* its size */
    int rc;                 /* sticky error: once set, the walk unwinds */
} walk;

static void xclause_free(xclause *c)
{
    alloc_free(c->terms);
    alloc_free(c->strings);
}

/* Drops the clauses listed after the first `mark`. */
static void truncate_to(quarry_explanation *x, size_t mark)
{
    while (x->n > mark)
        xclause_free(&x->clauses[--x->n]);
}

void quarry_explanation_free(quarry_explanation *x)
{
    if (!x)
        return;
    truncate_to(x, 0);
    alloc_free(x->clauses);
    alloc_free(x);
}

/* Lists leaf n, which matches with frequency tf and the given score; terms[] are its terms
 * with df, tf and idf filled (this function points them at their copied bytes). Takes
 * ownership of terms. */
static void add_clause(walk *w, const qnode *n, quarry_explain_term *terms, uint32_t tf, double idf,
                       double score)
{
    quarry_explanation *x = w->x;
    int phrase = n->kind == Q_PHRASE;
    size_t terms_len = 0;
    for (size_t i = 0; i < n->nterms; i++)
        terms_len += n->lens[i];
    size_t text_len = phrase ? terms_len + 2 + n->nterms - 1 : terms_len; /* quotes, spaces */
    char *s = alloc_bytes(text_len + w->path_len + terms_len);
    if (x->n == x->cap && s) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        xclause *a = alloc_resize(x->clauses, cap, sizeof *a);
        if (a) {
            x->clauses = a;
            x->cap = cap;
        }
    }
    if (!s || x->n == x->cap) {
        alloc_free(s);
        alloc_free(terms);
        w->rc = errmsg_set(w->err, w->cap, QUARRY_ENOMEM, "out of memory");
        return;
    }
    /* Layout of s: text, then path, then the terms one after another. */
    char *t = s;
    if (phrase)
        *t++ = '"';
    for (size_t i = 0; i < n->nterms; i++) {
        if (i)
            *t++ = ' ';
        memcpy(t, n->terms[i], n->lens[i]);
        t += n->lens[i];
    }
    if (phrase)
        *t++ = '"';
    memcpy(t, w->path, w->path_len);
    char *term = t + w->path_len;
    for (size_t i = 0; i < n->nterms; i++) {
        memcpy(term, n->terms[i], n->lens[i]);
        terms[i].term = term;
        terms[i].term_len = n->lens[i];
        term += n->lens[i];
    }
    xclause *c = &x->clauses[x->n++];
    c->terms = terms;
    c->strings = s;
    c->c = (quarry_explain_clause){.text = s,
                                   .text_len = text_len,
                                   .path = t,
                                   .path_len = w->path_len,
                                   .phrase = phrase,
                                   .required = n->occur == Q_MUST,
                                   .tf = tf,
                                   .df = phrase ? 0 : terms[0].df,
                                   .idf = idf,
                                   .score = score,
                                   .terms = terms,
                                   .nterms = n->nterms};
}

/*
 * A term or phrase: seeks its cursors to the document. Returns 1 and sets *score if the
 * document contains it (and lists it), else 0.
 */
static int explain_leaf(walk *w, const qnode *n, double *score)
{
    cursor *c = alloc_array(n->nterms, sizeof *c);
    quarry_explain_term *terms = alloc_array(n->nterms, sizeof *terms);
    size_t opened = 0;
    int match = 0;
    if (!c || !terms) {
        w->rc = errmsg_set(w->err, w->cap, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    double idf = 0; /* summed in term order, as eval.c does */
    match = 1;
    for (size_t i = 0; i < n->nterms; i++) {
        term_info ti;
        uint64_t df = 0;
        int found = segment_lookup(w->seg, n->terms[i], n->lens[i], &ti, w->err, w->cap);
        if (found > 0 && (w->rc = index_df(w->ix, n->terms[i], n->lens[i], &df, w->err, w->cap)))
            found = w->rc;
        if (found < 0) {
            w->rc = found;
            match = 0;
            goto done;
        }
        if (!found) {
            match = 0;
            goto done;
        }
        cursor_init(&c[opened++], w->seg, &ti);
        cursor_next_geq(&c[i], w->doc);
        if (cursor_docid(&c[i]) != w->doc) {
            match = 0;
            break;
        }
        terms[i].df = (uint32_t)df;
        terms[i].tf = cursor_freq(&c[i]);
        terms[i].idf = bm25_idf(w->p, (double)df);
        idf += terms[i].idf;
    }
    uint32_t tf = 0;
    if (match)
        tf = n->kind == Q_TERM ? cursor_freq(&c[0]) : phrase_count(c, n->nterms, n->offsets);
    for (size_t i = 0; i < opened; i++)
        if (c[i].rc) {
            char name[512];
            segment_file_name(w->seg, SEG_POST, name, sizeof name);
            w->rc = c[i].rc == QUARRY_ECORRUPT
                        ? errmsg_set(w->err, w->cap, c[i].rc,
                                     "%s (or its .pos file): corrupt posting list", name)
                        : errmsg_set(w->err, w->cap, c[i].rc, "out of memory");
            match = 0;
            goto done;
        }
    if (match && tf > 0) {
        *score = bm25_score(w->p, idf, tf, segment_doc_length(w->seg, w->doc));
        add_clause(w, n, terms, tf, idf, *score);
        terms = NULL; /* owned by the clause now (or freed on failure) */
    } else {
        match = 0;
    }
done:
    for (size_t i = 0; i < opened; i++)
        cursor_free(&c[i]);
    alloc_free(c);
    alloc_free(terms);
    return match && !w->rc;
}

static int explain_node(walk *w, const qnode *n, double *score);

/* The outcome of one clause of a group. */
typedef struct kid {
    int match;    /* the clause matches the document */
    double score; /* and adds this much */
} kid;

/*
 * A group: visits every clause (so that their clauses are listed in query order), then
 * applies eval.c's rules. Returns 1 and sets *score if the group matches, else 0 (and drops
 * what its clauses listed).
 */
static int explain_bool(walk *w, const qnode *n, double *score)
{
    quarry_explanation *x = w->x;
    size_t mark = x->n, base = w->path_len;
    kid *k = alloc_array(n->nkids, sizeof *k);
    if (!k) {
        w->rc = errmsg_set(w->err, w->cap, QUARRY_ENOMEM, "out of memory");
        return 0;
    }
    size_t nmust = 0, nshould = 0;
    int all_must = 1, any_should = 0, excluded = 0;
    for (size_t i = 0; i < n->nkids && !w->rc; i++) {
        const qnode *c = n->kids[i];
        int len = snprintf(w->path + base, sizeof w->path - base, "%s%zu", base ? "." : "", i + 1);
        w->path_len = len > 0 && (size_t)len < sizeof w->path - base ? base + (size_t)len : base;
        k[i].match = explain_node(w, c, &k[i].score);
        if (c->occur == Q_MUST_NOT) {
            /* Listed only if it matches, and then the whole group is dropped below. */
            excluded |= k[i].match;
        } else if (c->occur == Q_MUST) {
            nmust++;
            all_must &= k[i].match;
        } else {
            nshould++;
            any_should |= k[i].match;
        }
    }
    w->path_len = base;
    int match = !w->rc && !excluded && (nmust ? all_must : nshould ? any_should : 0);
    double sum = 0;
    for (size_t i = 0; match && i < n->nkids; i++)
        if (n->kids[i]->occur == Q_MUST)
            sum += k[i].score;
    for (size_t i = 0; match && i < n->nkids; i++)
        if (n->kids[i]->occur == Q_SHOULD && k[i].match)
            sum += k[i].score;
    alloc_free(k);
    if (!match) {
        truncate_to(x, mark);
        return 0;
    }
    *score = sum;
    return 1;
}

/* Visits node n: returns 1 if it matches the document (*score set to its contribution). */
static int explain_node(walk *w, const qnode *n, double *score)
{
    *score = 0;
    return n->kind == Q_BOOL ? explain_bool(w, n, score) : explain_leaf(w, n, score);
}

int quarry_searcher_explain(quarry_explanation **out, quarry_searcher *s, const char *q, size_t len,
                            const quarry_search_options *opts, uint32_t docid)
{
    *out = NULL;
    if (!s)
        return QUARRY_ERROR;
    quarry_search_options o;
    bm25 p;
    int rc = searcher_setup(&o, &p, s, opts);
    if (rc)
        return rc;
    const quarry_index *ix = s->ix;
    if (docid >= ix->ndocs)
        return errmsg_set(s->err, sizeof s->err, QUARRY_ENOTFOUND,
                          "no document %lu: the index has %lu", (unsigned long)docid,
                          (unsigned long)ix->ndocs);
    uint32_t g = index_segment_of(ix, docid);
    const segment *seg = &ix->segs[g];
    uint32_t local = docid - ix->base[g];
    if (segment_deleted(seg, local))
        return errmsg_set(s->err, sizeof s->err, QUARRY_ENOTFOUND, "document %lu is deleted",
                          (unsigned long)docid);
    qnode *root = NULL;
    quarry_explanation *x = NULL;
    rc = query_parse(&root, s->an, q, len, o.default_and, s->err, sizeof s->err);
    if (rc)
        goto done;
    if (!(x = alloc_array(1, sizeof *x))) {
        rc = errmsg_set(s->err, sizeof s->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    x->doc = (quarry_explain_doc){.docid = docid,
                                  .dl = segment_doc_length(seg, local),
                                  .avgdl = p.avgdl,
                                  .docs = ix->ndocs,
                                  .k1 = p.k1,
                                  .b = p.b};
    walk w = {
        .x = x, .ix = ix, .seg = seg, .p = &p, .doc = local, .err = s->err, .cap = sizeof s->err};
    double score;
    x->doc.matches = explain_node(&w, root, &score);
    rc = w.rc;
    if (x->doc.matches)
        x->doc.score = score;
done:
    query_free(root);
    if (rc) {
        quarry_explanation_free(x);
        return rc;
    }
    *out = x;
    return QUARRY_OK;
}

size_t quarry_explanation_size(const quarry_explanation *x)
{
    return x ? x->n : 0;
}

int quarry_explanation_get(quarry_explain_clause *out, const quarry_explanation *x, size_t i)
{
    if (!x || i >= x->n)
        return QUARRY_ERROR;
    *out = x->clauses[i].c;
    return QUARRY_OK;
}

int quarry_explanation_get_doc(quarry_explain_doc *out, const quarry_explanation *x)
{
    if (!x)
        return QUARRY_ERROR;
    *out = x->doc;
    return QUARRY_OK;
}
