/*
 * segbuild.c: the in-memory buffer of one indexing thread, an inverter (invert.c) and a
 * docwriter (docwriter.c) filling one segment, and its flush as a segment of the commit being
 * prepared: files written as .tmp, fsynced and renamed, named in no MANIFEST yet. writer.c
 * drives one directly when it indexes on the calling thread; each worker of workers.c owns one.
 *
 * The buffer keeps within the memory limit its caller gives with each document: before adding
 * a document it adds up what the inverter and the docwriter hold (inverter_memory,
 * docwriter_memory) and what adding that document and then writing the segment may allocate
 * on top (inverter_reserve, docwriter_reserve), and flushes first if the sum passes the limit.
 * Checking before the document, with the document's own growth counted, is what makes the
 * limit a bound rather than a trigger that fires once it has been passed. A document that alone
 * needs more than the limit still goes in, into an empty buffer.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/tokenizer.h"
#include "quarry/error.h"

struct segbuilder {
    char *dir;            /* index folder */
    analyzer *an;         /* this thread's analysis (stemmers are not thread-safe) */
    segname_fn name;      /* gives the name of each new segment */
    void *name_ctx;       /* passed to name */
    inverter *inv;        /* postings of the segment being filled; NULL between segments */
    docwriter *dw;        /* its document table and store; NULL between segments */
    char seg[64];         /* its name */
    uint32_t ndocs;       /* its documents */
    uint64_t raw;         /* bytes of id, title and text of its documents */
    size_t base;          /* its load (segbuilder_load) once its first document was added */
    segment_cost cost;    /* of the largest segment flushed since segbuilder_cost */
    char err[ERRMSG_CAP]; /* message of the last failure */
};

int seglist_push(seglist *l, const manifest_segment *ms)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        manifest_segment *v = alloc_resize(l->v, cap, sizeof *v);
        if (!v)
            return QUARRY_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *ms;
    return QUARRY_OK;
}

int seglist_append(seglist *l, const seglist *from)
{
    for (size_t i = 0; i < from->n; i++)
        if (seglist_push(l, &from->v[i]))
            return QUARRY_ENOMEM;
    l->terms += from->terms;
    l->postings += from->postings;
    return QUARRY_OK;
}

void seglist_free(seglist *l)
{
    alloc_free(l->v);
    memset(l, 0, sizeof *l);
}

int segbuilder_create(segbuilder **out, const char *dir, const char *language, segname_fn name,
                      void *name_ctx)
{
    *out = NULL;
    segbuilder *b = alloc_array(1, sizeof *b);
    if (!b)
        return QUARRY_ENOMEM;
    b->name = name;
    b->name_ctx = name_ctx;
    b->dir = alloc_strndup(dir, strlen(dir));
    int rc = b->dir ? analyzer_create(&b->an, language) : QUARRY_ENOMEM;
    if (rc) {
        segbuilder_free(b);
        return rc;
    }
    *out = b;
    return QUARRY_OK;
}

/* Drops the segment being filled: its temporary store file is removed. */
static void drop(segbuilder *b)
{
    docwriter_free(b->dw);
    inverter_free(b->inv);
    b->dw = NULL;
    b->inv = NULL;
    b->ndocs = 0;
    b->raw = 0;
}

void segbuilder_free(segbuilder *b)
{
    if (!b)
        return;
    drop(b);
    analyzer_free(b->an);
    alloc_free(b->dir);
    alloc_free(b);
}

/* Bounds what `doc` may add to the inverter from its size alone: n / 2 + 1 words (a word is at
 * least one byte and words are separated) folding to at most FOLD_GROWTH bytes per byte. */
static void size_bound(const quarry_document *doc, doc_bound *d)
{
    size_t n = doc->title_len + doc->text_len;
    d->tokens = n / 2 + 2;
    d->new_words = d->tokens;
    d->folded = n * FOLD_GROWTH < d->tokens * TOKENIZER_MAX_TERM ? n * FOLD_GROWTH
                                                                 : d->tokens * TOKENIZER_MAX_TERM;
}

/* Bounds it from one pass over its bytes (tokenizer_bound): tighter for long documents. */
static void scan_bound(const quarry_document *doc, doc_bound *d)
{
    size_t w1, f1, w2, f2;
    tokenizer_bound(doc->title, doc->title_len, &w1, &f1);
    tokenizer_bound(doc->text, doc->text_len, &w2, &f2);
    d->tokens = w1 + w2 + 1;
    d->new_words = d->tokens;
    d->folded = f1 + f2;
    if (d->folded > d->tokens * TOKENIZER_MAX_TERM)
        d->folded = d->tokens * TOKENIZER_MAX_TERM;
}

/* The load with a document bounded by d, of `bytes` bytes. */
static size_t load(const segbuilder *b, const doc_bound *d, size_t bytes)
{
    return inverter_memory(b->inv) + inverter_reserve(b->inv, d) + docwriter_memory(b->dw) +
           docwriter_reserve(b->dw, bytes);
}

size_t segbuilder_load(const segbuilder *b, const quarry_document *doc)
{
    if (!b->inv)
        return 0;
    doc_bound d = {0, 0, 0};
    if (doc)
        size_bound(doc, &d);
    return load(b, &d, doc ? doc->id_len + doc->title_len + doc->text_len : 0);
}

/* Must the buffer be flushed before `doc` goes in? Each bound, cheapest first, settles it when
 * the document fits by it: the size alone (most documents, most of the time), one pass over
 * its bytes, then the exact count (a long document of known words fits where its size alone
 * would not). */
static int full(const segbuilder *b, const quarry_document *doc, size_t limit)
{
    size_t bytes = doc->id_len + doc->title_len + doc->text_len;
    doc_bound d;
    size_bound(doc, &d);
    if (load(b, &d, bytes) <= limit)
        return 0;
    scan_bound(doc, &d);
    if (load(b, &d, bytes) <= limit)
        return 0;
    inverter_count(b->inv, doc->title, doc->title_len, doc->text, doc->text_len, &d);
    return load(b, &d, bytes) > limit;
}

void segbuilder_cost(segbuilder *b, segment_cost *out)
{
    *out = b->cost;
    memset(&b->cost, 0, sizeof b->cost);
}

int segbuilder_flush(segbuilder *b, seglist *out)
{
    if (!b->inv)
        return QUARRY_OK;
    if (b->raw > b->cost.raw) {
        size_t load = segbuilder_load(b, NULL);
        b->cost.raw = b->raw;
        b->cost.fixed = b->base;
        b->cost.ratio = load > b->base ? (double)(load - b->base) / (double)b->raw : 0;
    }
    manifest_segment ms;
    memset(&ms, 0, sizeof ms);
    snprintf(ms.name, sizeof ms.name, "%s", b->seg);
    ms.docs = b->ndocs;
    int rc = docwriter_finish(b->dw, &ms.files[SEG_DOCS], &ms.tokens);
    if (rc)
        errmsg_set(b->err, sizeof b->err, rc, "%s", docwriter_errmsg(b->dw));
    else
        rc = inverter_write(b->inv, b->dir, b->seg, docwriter_lengths(b->dw), ms.docs,
                            &ms.files[SEG_DICT], b->err, sizeof b->err);
    if (!rc && seglist_push(out, &ms))
        rc = errmsg_set(b->err, sizeof b->err, QUARRY_ENOMEM, "out of memory");
    if (!rc) {
        out->terms += inverter_terms(b->inv);
        out->postings += inverter_postings(b->inv);
    }
    /* On failure the files already renamed stay until the commit's failure path or the next
     * commit removes them: they carry this commit's generation and no MANIFEST names them. */
    drop(b);
    /* The next segment allocates in another order: without this the C allocator would keep
     * this one's freed blocks, a footprint the budget does not count. */
    alloc_release();
    return rc;
}

int segbuilder_add(segbuilder *b, const quarry_document *doc, size_t limit, seglist *out,
                   uint32_t *length)
{
    int rc;
    if (b->inv && full(b, doc, limit) && (rc = segbuilder_flush(b, out)))
        return rc;
    if (!b->inv) {
        if ((rc = b->name(b->name_ctx, b->seg, sizeof b->seg)))
            return errmsg_set(b->err, sizeof b->err, rc, "too many segments in one commit");
        if (inverter_create(&b->inv))
            return errmsg_set(b->err, sizeof b->err, QUARRY_ENOMEM, "out of memory");
        if ((rc = docwriter_create(&b->dw, b->dir, b->seg, b->err, sizeof b->err))) {
            drop(b);
            return rc;
        }
    }
    rc = inverter_add(b->inv, b->an, b->ndocs, doc->title, doc->title_len, doc->text, doc->text_len,
                      length);
    if (rc)
        return errmsg_set(b->err, sizeof b->err, rc, "out of memory while indexing");
    rc = docwriter_add(b->dw, doc->id, doc->id_len, doc->title, doc->title_len, doc->text,
                       doc->text_len, *length);
    if (rc)
        return errmsg_set(b->err, sizeof b->err, rc, "%s", docwriter_errmsg(b->dw));
    b->ndocs++;
    b->raw += doc->id_len + doc->title_len + doc->text_len;
    if (b->ndocs == 1)
        b->base = segbuilder_load(b, NULL);
    return QUARRY_OK;
}

const char *segbuilder_errmsg(const segbuilder *b)
{
    return b->err;
}
