/*
 * searcher.c: quarry_searcher and quarry_results, the public search API (quarry/search.h).
 * A searcher owns what is per thread: the query analyzer (stateful stemmer), the scratch
 * buffer for inflating document text, and the last error message. A search parses the query,
 * evaluates it (eval.c), then builds each hit's snippet from the document store.
 */
#include "internal.h"

#include <libdeflate.h>
#include <math.h>
#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

typedef struct result_hit {
    hit h;         /* docid and score */
    doc_meta meta; /* place of the text; id and title point into `strings` */
    char *strings; /* copy of the id and the title */
    char *snippet; /* copy of the passage, NULL if none */
    snippet sn;    /* its place and spans */
} result_hit;

struct quarry_results {
    result_hit *hits; /* best first */
    size_t n;         /* hits */
    uint64_t total;   /* matching documents (a lower bound unless total_exact) */
    int total_exact;  /* total counts every match */
};

int quarry_searcher_create(quarry_searcher **out, quarry_index *ix)
{
    *out = NULL;
    if (!ix || ix->rc)
        return QUARRY_ERROR;
    quarry_searcher *s = alloc_array(1, sizeof *s);
    if (!s)
        return QUARRY_ENOMEM;
    s->ix = ix;
    if (!(s->z = libdeflate_alloc_decompressor())) {
        alloc_free(s);
        return QUARRY_ENOMEM;
    }
    int rc = analyzer_create(&s->an, ix->man.language);
    if (rc) {
        libdeflate_free_decompressor(s->z);
        alloc_free(s);
        return rc == QUARRY_ENOTFOUND ? QUARRY_ECORRUPT : rc;
    }
    *out = s;
    return QUARRY_OK;
}

void quarry_searcher_free(quarry_searcher *s)
{
    if (!s)
        return;
    analyzer_free(s->an);
    libdeflate_free_decompressor(s->z);
    accum_free(&s->acc);
    buf_free(&s->text);
    buf_free(&s->meta);
    alloc_free(s);
}

const char *quarry_searcher_errmsg(const quarry_searcher *s)
{
    return s ? s->err : "no searcher";
}

void quarry_results_free(quarry_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        alloc_free(r->hits[i].snippet);
        alloc_free(r->hits[i].strings);
        snippet_free(&r->hits[i].sn);
    }
    alloc_free(r->hits);
    alloc_free(r);
}

int searcher_setup(quarry_search_options *o, bm25 *p, quarry_searcher *s,
                   const quarry_search_options *opts)
{
    static const quarry_search_options defaults = QUARRY_SEARCH_OPTIONS_INIT;
    s->err[0] = '\0';
    *o = opts ? *opts : defaults;
    if (!(o->k1 >= 0 && isfinite(o->k1)) || !(o->b >= 0 && o->b <= 1) || o->k > (1u << 24))
        return errmsg_set(s->err, sizeof s->err, QUARRY_ERROR,
                          "bad search options (k1 >= 0, 0 <= b <= 1, k <= 16777216)");
    /* Deleted documents count until a merge drops them, as in Lucene (docs/FORMAT.md). */
    const quarry_index *ix = s->ix;
    bm25_init(p, o->k1, o->b, (double)ix->ndocs, ix->ndocs ? (double)ix->tokens / ix->ndocs : 0.0);
    return QUARRY_OK;
}

int quarry_searcher_search(quarry_results **out, quarry_searcher *s, const char *q, size_t len,
                           const quarry_search_options *opts)
{
    *out = NULL;
    if (!s)
        return QUARRY_ERROR;
    quarry_search_options opt;
    bm25 p;
    int rc = searcher_setup(&opt, &p, s, opts);
    if (rc)
        return rc;
    const quarry_search_options *o = &opt;
    const quarry_index *ix = s->ix;
    qnode *root = NULL;
    quarry_results *r = NULL;
    hit *hits = NULL;
    rc = query_parse(&root, s->an, q, len, o->default_and, s->err, sizeof s->err);
    if (rc)
        goto done;
    r = alloc_array(1, sizeof *r);
    hits = alloc_array(o->k ? o->k : 1, sizeof *hits);
    if (!r || !hits) {
        rc = errmsg_set(s->err, sizeof s->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    size_t n;
    rc = eval_top_k(ix, root, &p, o->k, o->count, &s->acc, hits, &n, &r->total, &r->total_exact,
                    s->err, sizeof s->err);
    if (rc)
        goto done;
    if (n && !(r->hits = alloc_array(n, sizeof *r->hits))) {
        rc = errmsg_set(s->err, sizeof s->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        result_hit *h = &r->hits[i];
        r->n++;
        h->h = hits[i];
        uint32_t g = index_segment_of(ix, hits[i].doc);
        const segment *seg = &ix->segs[g];
        rc = segment_doc_meta(seg, o->titles ? s->z : NULL, hits[i].doc - ix->base[g], &s->meta,
                              &h->meta, s->err, sizeof s->err);
        if (rc)
            break;
        if (!(h->strings = alloc_bytes(h->meta.id_len + h->meta.title_len + 1))) {
            rc = errmsg_set(s->err, sizeof s->err, QUARRY_ENOMEM, "out of memory");
            break;
        }
        memcpy(h->strings, h->meta.id, h->meta.id_len);
        memcpy(h->strings + h->meta.id_len, h->meta.title, h->meta.title_len);
        h->meta.id = h->strings;
        h->meta.title = h->strings + h->meta.id_len;
        if (o->snippet_bytes == 0)
            continue;
        const char *text;
        rc = segment_doc_text(seg, s->z, &h->meta, &s->text, &text, s->err, sizeof s->err);
        if (!rc)
            rc = snippet_make(&h->sn, s->an, text, h->meta.text_len, root, o->snippet_bytes);
        if (!rc && !(h->snippet = alloc_strndup(text + h->sn.start, h->sn.len)))
            rc = QUARRY_ENOMEM;
        if (rc == QUARRY_ENOMEM)
            errmsg_set(s->err, sizeof s->err, rc, "out of memory");
        if (rc)
            break;
    }
done:
    alloc_free(hits);
    query_free(root);
    if (rc) {
        quarry_results_free(r);
        return rc;
    }
    *out = r;
    return QUARRY_OK;
}

size_t quarry_results_size(const quarry_results *r)
{
    return r ? r->n : 0;
}

uint64_t quarry_results_total(const quarry_results *r)
{
    return r ? r->total : 0;
}

int quarry_results_total_is_exact(const quarry_results *r)
{
    return r ? r->total_exact : 0;
}

int quarry_results_get(quarry_hit *out, const quarry_results *r, size_t i)
{
    if (!r || i >= r->n)
        return QUARRY_ERROR;
    const result_hit *h = &r->hits[i];
    out->docid = h->h.doc;
    out->score = h->h.score;
    out->id = h->meta.id;
    out->id_len = h->meta.id_len;
    out->title = h->meta.title;
    out->title_len = h->meta.title_len;
    out->snippet = h->snippet;
    out->snippet_len = h->snippet ? h->sn.len : 0;
    out->snippet_offset = h->sn.start;
    out->text_len = h->meta.text_len;
    out->spans = h->sn.spans;
    out->nspans = h->sn.nspans;
    return QUARRY_OK;
}
