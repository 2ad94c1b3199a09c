/*
 * index.c: quarry_index, an opened commit of an index folder (quarry/search.h). Reads the
 * MANIFEST and opens every segment it names (common/segment.c checks each file before anything
 * is trusted), numbers the documents of all segments consecutively in manifest order, and sums
 * the collection statistics that BM25 needs across them. The opened index is never written
 * again, which is what makes it shareable across threads.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/format.h"

#define OPEN_ATTEMPTS 8 /* MANIFEST generations tried by one open */

static void close_segments(quarry_index *ix)
{
    for (uint32_t i = 0; ix->segs && i < ix->man.nsegments; i++)
        segment_close(&ix->segs[i]);
    alloc_free(ix->segs);
    alloc_free(ix->base);
    ix->segs = NULL;
    ix->base = NULL;
    ix->nsegs = 0;
    ix->ndocs = 0;
    ix->tokens = 0;
    ix->ndeleted = 0;
    manifest_free(&ix->man);
}

/* Reads the MANIFEST and opens the segments of the commit it names. */
static int open_commit(quarry_index *ix)
{
    int rc = manifest_read(&ix->man, ix->dir, ix->err, sizeof ix->err);
    if (rc)
        return rc;
    uint32_t n = ix->man.nsegments;
    ix->segs = alloc_array(n ? n : 1, sizeof *ix->segs);
    ix->base = alloc_array((size_t)n + 1, sizeof *ix->base);
    if (!ix->segs || !ix->base)
        return errmsg_set(ix->err, sizeof ix->err, QUARRY_ENOMEM, "out of memory");
    uint64_t docs = 0;
    for (uint32_t i = 0; i < n; i++) {
        rc = segment_open(&ix->segs[i], ix->dir, &ix->man.segments[i], ix->err, sizeof ix->err);
        if (rc)
            return rc;
        ix->nsegs = i + 1;
        ix->base[i] = (uint32_t)docs; /* manifest_read bounded the sum by FORMAT_MAX_DOCS */
        docs += ix->segs[i].ndocs;
        ix->tokens += ix->segs[i].tokens;
        ix->ndeleted += ix->segs[i].ndeleted;
    }
    ix->base[n] = (uint32_t)docs;
    ix->ndocs = (uint32_t)docs;
    return QUARRY_OK;
}

/* Does the folder's MANIFEST now name another generation than the one read? */
static int newer_commit(const quarry_index *ix, uint64_t generation)
{
    manifest now;
    char err[ERRMSG_CAP];
    if (manifest_read(&now, ix->dir, err, sizeof err))
        return 0;
    int newer = now.generation != generation;
    manifest_free(&now);
    return newer;
}

int quarry_index_open(quarry_index **out, const char *dir)
{
    *out = NULL;
    quarry_index *ix = alloc_array(1, sizeof *ix);
    if (!ix)
        return QUARRY_ENOMEM;
    *out = ix;
    int rc;
    if (!(ix->dir = alloc_strndup(dir, strlen(dir)))) {
        rc = errmsg_set(ix->err, sizeof ix->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    /* A commit may replace the MANIFEST and delete the files it named between our reading
     * the one and mapping the others: when opening fails and the MANIFEST has meanwhile
     * moved to another generation, open that one instead (a few times at most). */
    for (int attempt = 0;; attempt++) {
        rc = open_commit(ix);
        uint64_t gen = ix->man.generation;
        if (rc == QUARRY_OK || attempt == OPEN_ATTEMPTS - 1)
            break;
        close_segments(ix);
        if (!newer_commit(ix, gen))
            break;
    }
done:
    ix->rc = rc;
    return rc;
}

int quarry_index_get_info(quarry_index_info *out, const quarry_index *ix)
{
    if (!ix || ix->rc)
        return QUARRY_ERROR;
    memset(out, 0, sizeof *out);
    out->format_version = FORMAT_VERSION;
    out->generation = ix->man.generation;
    out->docs = ix->ndocs - ix->ndeleted;
    out->deleted = ix->ndeleted;
    out->segments = ix->nsegs;
    out->tokens = ix->tokens;
    for (uint32_t i = 0; i < ix->nsegs; i++) {
        const segment *s = &ix->segs[i];
        if (s->nterms > out->terms)
            out->terms = s->nterms;
        for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
            out->index_bytes += s->files[f].size;
        out->index_bytes += s->del.size;
    }
    out->language = ix->man.language;
    return QUARRY_OK;
}

const char *quarry_index_errmsg(const quarry_index *ix)
{
    return ix ? ix->err : "no index";
}

void quarry_index_close(quarry_index *ix)
{
    if (!ix)
        return;
    close_segments(ix);
    alloc_free(ix->dir);
    alloc_free(ix);
}

uint32_t index_segment_of(const quarry_index *ix, uint32_t doc)
{
    uint32_t lo = 0, hi = ix->nsegs; /* the last segment whose base is <= doc */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->base[mid] <= doc)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int index_df(const quarry_index *ix, const char *term, size_t len, uint64_t *df, char *err,
             size_t cap)
{
    *df = 0;
    for (uint32_t i = 0; i < ix->nsegs; i++) {
        term_info ti;
        int found = segment_lookup(&ix->segs[i], term, len, &ti, err, cap);
        if (found < 0)
            return found;
        if (found)
            *df += ti.df;
    }
    return QUARRY_OK;
}

/* Looks up the terms of the leaves of n, depth-first, from leaf *leaf and term *term on. */
static int lookup_leaves(term_table *t, const quarry_index *ix, const qnode *n, const bm25 *p,
                         size_t *leaf, size_t *term, char *err, size_t cap)
{
    if (n->kind == Q_BOOL) {
        for (size_t i = 0; i < n->nkids; i++) {
            int rc = lookup_leaves(t, ix, n->kids[i], p, leaf, term, err, cap);
            if (rc)
                return rc;
        }
        return QUARRY_OK;
    }
    double w = 0;
    for (size_t i = 0; i < n->nterms; i++, (*term)++) {
        uint64_t df = 0;
        for (uint32_t g = 0; g < ix->nsegs; g++) {
            term_info *ti = &t->ti[g * t->nterms + *term];
            int found = segment_lookup(&ix->segs[g], n->terms[i], n->lens[i], ti, err, cap);
            if (found < 0)
                return found;
            if (found) {
                df += ti->df;
                t->any[g] = 1;
            } else {
                memset(ti, 0, sizeof *ti);
            }
        }
        if (df)
            w += bm25_idf(p, (double)df);
    }
    t->idf[(*leaf)++] = w;
    return QUARRY_OK;
}

int index_terms(term_table *t, const quarry_index *ix, const qnode *root, const bm25 *p, char *err,
                size_t cap)
{
    memset(t, 0, sizeof *t);
    query_count(root, &t->nleaves, &t->nterms);
    t->idf = alloc_array(t->nleaves ? t->nleaves : 1, sizeof *t->idf);
    t->ti = alloc_array((size_t)ix->nsegs * t->nterms + 1, sizeof *t->ti);
    t->any = alloc_array((size_t)ix->nsegs + 1, 1);
    if (!t->idf || !t->ti || !t->any)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    size_t leaf = 0, term = 0;
    return lookup_leaves(t, ix, root, p, &leaf, &term, err, cap);
}

void term_table_free(term_table *t)
{
    alloc_free(t->idf);
    alloc_free(t->ti);
    alloc_free(t->any);
    memset(t, 0, sizeof *t);
}
