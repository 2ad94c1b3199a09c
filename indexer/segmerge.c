/*
 * segmerge.c: merges segments into one (internal.h, segmerge_run). The live documents of the
 * inputs, in input order, become the documents of the new segment; deleted ones are dropped,
 * which is how deletions stop counting in BM25's statistics.
 *
 * Everything streams. Documents are copied one by one from the inputs' tables and stores into
 * a docwriter: a store block whose texts are all live goes over compressed, as it is; other
 * blocks are inflated once each and their live texts compressed again. Terms come from a
 * k-way merge of the inputs' dictionaries, which are already sorted; a term's postings are
 * read from each input holding it, in input order, through a cursor, renumbered, and fed to the
 * termwriter posting by posting. Memory is therefore one docid map (4 bytes per input document),
 * the new document table, and one posting block per input and for the output, never a whole segment
 * or a whole posting list.
 *
 * merge_plan is the merge policy, after Lucene's log-structured policies: segments of about
 * the same size (a tier: within 0.75 of a power of ten of the largest) are merged ten at a
 * time, so an index of N documents keeps about 10 segments per power of ten of N and every
 * document is rewritten about once per tier it climbs: O(N log N) merge work in all. Only
 * adjacent segments merge, so documents keep their input order.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/cursor.h"
#include "common/format.h"
#include "quarry/error.h"

#define GONE UINT32_MAX /* new docid of a dropped document */

/* Is document d of input in deleted? */
static int dropped(const merge_input *in, uint32_t d)
{
    return in->deleted && (in->deleted[d / 8] >> (d % 8) & 1);
}

/* Store blocks of at least this many raw bytes are copied whole when all their texts are
 * live; shorter ones (a segment's last block, or one that a copy closed early) are re-packed
 * with their neighbours, so that short blocks do not accumulate over merges. */
#define COPY_MIN_RAW (FORMAT_STORE_BLOCK / 2)

/* May store block b of input `in`, whose first text is document d's (*m), be copied whole?
 * Only if it is long enough and no document with text in it is deleted. */
static int whole_block(const merge_input *in, uint32_t d, const doc_meta *m, uint32_t rawlen,
                       buf *scratch, char *err, size_t cap, int *ok)
{
    *ok = 0;
    if (rawlen < COPY_MIN_RAW || m->offset != 0)
        return QUARRY_OK;
    if (in->deleted) /* the block's documents follow d (texts are laid end to end) */
        for (uint32_t e = d + 1; e < in->seg->ndocs; e++) {
            doc_meta x;
            int rc = segment_doc_meta(in->seg, NULL, e, scratch, &x, err, cap);
            if (rc)
                return rc;
            if (x.block != m->block)
                break;
            if (x.text_len > 0 && dropped(in, e))
                return QUARRY_OK;
        }
    *ok = 1;
    return QUARRY_OK;
}

/* Copies the live documents of in[0..n) to dw, in order. A store block whose texts are all
 * live is copied compressed, as it is (whole_block); the texts of other blocks are inflated
 * (each block once, not once per document) and compressed again with their neighbours'. */
static int copy_documents(docwriter *dw, const merge_input *in, size_t n, char *err, size_t cap)
{
    struct libdeflate_decompressor *z = libdeflate_alloc_decompressor();
    buf titles = BUF_INIT, text = BUF_INIT, meta = BUF_INIT, ahead = BUF_INIT;
    int rc = z ? QUARRY_OK : errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        const segment *s = in[i].seg;
        reader tr = reader_make(NULL, 0);
        uint32_t text_block = UINT32_MAX; /* store block held inflated in `text` */
        uint32_t copied = UINT32_MAX;     /* store block last copied whole */
        uint32_t copied_raw = 0;          /* its raw length, 0 once a text was added after it */
        for (uint32_t d = 0; d < s->ndocs && !rc; d++) {
            if (d % FORMAT_META_BLOCK == 0) {
                rc = segment_meta_block(s, z, d / FORMAT_META_BLOCK, &titles, err, cap);
                if (rc)
                    break;
                tr = reader_make(titles.data, titles.len);
            }
            const uint8_t *title;
            size_t title_len;
            if (reader_str(&tr, &title, &title_len)) {
                rc = segment_corrupt(s, SEG_DOCS, "title block", err, cap);
                break;
            }
            if (dropped(&in[i], d))
                continue;
            doc_meta m;
            rc = segment_doc_meta(s, NULL, d, &meta, &m, err, cap);
            if (rc)
                break;
            if (m.text_len > 0 && m.block != copied && m.block != text_block) {
                const uint8_t *zb = NULL;
                uint32_t clen = 0, rawlen = 0;
                int ok = 0;
                rc = segment_store_block(s, m.block, &zb, &clen, &rawlen, err, cap);
                if (!rc)
                    rc = whole_block(&in[i], d, &m, rawlen, &ahead, err, cap, &ok);
                if (rc)
                    break;
                if (ok) {
                    if ((rc = docwriter_copy_block(dw, zb, clen, rawlen))) {
                        errmsg_set(err, cap, rc, "%s", docwriter_errmsg(dw));
                        break;
                    }
                    copied = m.block;
                    copied_raw = rawlen;
                }
            }
            if (m.block == copied) {
                /* Texts are laid end to end: one after a later block's is out of order. */
                if (copied_raw == 0 || (uint64_t)m.offset + m.text_len > copied_raw) {
                    rc = segment_corrupt(s, SEG_DOCS, "text location", err, cap);
                    break;
                }
                rc = docwriter_add_stored(dw, m.id, m.id_len, (const char *)title, title_len,
                                          m.offset, m.text_len, segment_doc_length(s, d));
                if (rc)
                    errmsg_set(err, cap, rc, "%s", docwriter_errmsg(dw));
                continue;
            }
            const char *t = "";
            if (m.text_len > 0 && m.block == text_block) {
                /* segment_doc_text left the whole block in `text`; it checked the block's
                 * record, and this text must fit in it like any other. */
                if ((uint64_t)m.offset + m.text_len > text.len) {
                    rc = segment_corrupt(s, SEG_STORE, "block record", err, cap);
                    break;
                }
                t = (const char *)text.data + m.offset;
            } else if (m.text_len > 0) {
                rc = segment_doc_text(s, z, &m, &text, &t, err, cap);
                if (rc)
                    break;
                text_block = m.block;
            }
            if (m.text_len > 0)
                copied_raw = 0;
            rc = docwriter_add(dw, m.id, m.id_len, (const char *)title, title_len, t, m.text_len,
                               segment_doc_length(s, d));
            if (rc)
                errmsg_set(err, cap, rc, "%s", docwriter_errmsg(dw));
        }
    }
    libdeflate_free_decompressor(z);
    buf_free(&titles);
    buf_free(&text);
    buf_free(&meta);
    buf_free(&ahead);
    return rc;
}

/* One input's place in the k-way merge of dictionaries. */
typedef struct source {
    dict_iter it;     /* walk of its dictionary */
    const uint8_t *t; /* its current term (in it), NULL when exhausted */
    size_t len;       /* bytes */
    term_info ti;     /* the current term's postings */
} source;

static int advance(source *src, const segment *s, char *err, size_t cap)
{
    int rc = segment_term_next(s, &src->it, &src->t, &src->len, &src->ti, err, cap);
    if (rc == 0)
        src->t = NULL;
    return rc < 0 ? rc : QUARRY_OK;
}

static int compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

/* Feeds the live postings of one input's list of the current term to tw. */
static int copy_postings(termwriter *tw, const merge_input *in, const term_info *ti,
                         const uint32_t *map, int *begun, const uint8_t *term, size_t len,
                         buf *gaps, char *err, size_t cap)
{
    cursor c;
    int rc = QUARRY_OK;
    cursor_init(&c, in->seg, ti);
    for (; cursor_docid(&c) != CURSOR_END; cursor_next(&c)) {
        uint32_t d = map[cursor_docid(&c)];
        if (d == GONE)
            continue;
        const uint32_t *pos;
        uint32_t tf = cursor_positions(&c, &pos);
        if (tf == 0)
            break; /* c.rc says why */
        if (!*begun) {
            if ((rc = termwriter_begin(tw, term, len)))
                break;
            *begun = 1;
        }
        gaps->len = 0; /* positions -> gaps, as the termwriter takes them */
        if (buf_reserve(gaps, (size_t)tf * sizeof(uint32_t))) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
            cursor_free(&c);
            return rc;
        }
        uint32_t *g = (uint32_t *)(void *)gaps->data;
        for (uint32_t k = 0; k < tf; k++)
            g[k] = k ? pos[k] - pos[k - 1] - 1 : pos[0];
        if ((rc = termwriter_postings(tw, &d, &tf, g, 1)))
            break;
    }
    if (!rc && c.rc)
        rc = c.rc == QUARRY_ECORRUPT ? segment_corrupt(in->seg, SEG_POST, "posting list", err, cap)
                                     : errmsg_set(err, cap, c.rc, "out of memory");
    else if (rc)
        errmsg_set(err, cap, rc, "%s", termwriter_errmsg(tw));
    cursor_free(&c);
    return rc;
}

/* Merges the dictionaries and postings of in[0..n) into tw. */
static int merge_terms(termwriter *tw, const merge_input *in, size_t n, uint32_t **maps, char *err,
                       size_t cap)
{
    source *src = alloc_array(n ? n : 1, sizeof *src);
    if (!src)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    int rc = QUARRY_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = advance(&src[i], in[i].seg, err, cap);
    uint8_t term[256];
    buf gaps = BUF_INIT;
    while (!rc) {
        size_t lo = n; /* the input with the smallest current term */
        for (size_t i = 0; i < n; i++)
            if (src[i].t && (lo == n || compare(src[i].t, src[i].len, src[lo].t, src[lo].len) < 0))
                lo = i;
        if (lo == n)
            break;
        size_t len = src[lo].len;
        memcpy(term, src[lo].t, len);
        int begun = 0; /* a term whose documents were all deleted is dropped */
        for (size_t i = lo; i < n && !rc; i++) {
            if (!src[i].t || compare(src[i].t, src[i].len, term, len) != 0)
                continue;
            rc = copy_postings(tw, &in[i], &src[i].ti, maps[i], &begun, term, len, &gaps, err, cap);
            if (!rc)
                rc = advance(&src[i], in[i].seg, err, cap);
        }
        if (!rc && begun && (rc = termwriter_end(tw)))
            errmsg_set(err, cap, rc, "%s", termwriter_errmsg(tw));
    }
    alloc_free(src);
    buf_free(&gaps);
    return rc;
}

int segmerge_run(const char *dir, const char *name, const merge_input *in, size_t n,
                 manifest_segment *out, char *err, size_t cap)
{
    docwriter *dw = NULL;
    termwriter *tw = NULL;
    uint32_t **maps = alloc_array(n ? n : 1, sizeof *maps);
    int rc = QUARRY_OK;
    memset(out, 0, sizeof *out);
    if (!maps)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    uint64_t live = 0;
    for (size_t i = 0; i < n; i++) {
        const segment *s = in[i].seg;
        if (!(maps[i] = alloc_array(s->ndocs ? s->ndocs : 1, sizeof *maps[i]))) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        for (uint32_t d = 0; d < s->ndocs; d++)
            maps[i][d] = dropped(&in[i], d) ? GONE : (uint32_t)live++;
        if (live > FORMAT_MAX_DOCS) {
            rc = errmsg_set(err, cap, QUARRY_EINPUT, "too many documents for one segment");
            goto done;
        }
    }
    rc = docwriter_create(&dw, dir, name, err, cap);
    if (!rc)
        rc = copy_documents(dw, in, n, err, cap);
    if (!rc)
        rc = termwriter_open(&tw, dir, name, docwriter_lengths(dw), (uint32_t)live, err, cap);
    if (!rc)
        rc = merge_terms(tw, in, n, maps, err, cap);
    if (!rc && (rc = termwriter_finish(tw, &out->files[SEG_DICT])))
        errmsg_set(err, cap, rc, "%s", termwriter_errmsg(tw));
    if (!rc && (rc = docwriter_finish(dw, &out->files[SEG_DOCS], &out->tokens)))
        errmsg_set(err, cap, rc, "%s", docwriter_errmsg(dw));
    if (!rc) {
        snprintf(out->name, sizeof out->name, "%s", name);
        out->docs = (uint32_t)live;
    }
done:
    termwriter_free(tw);
    docwriter_free(dw);
    for (size_t i = 0; i < n; i++)
        alloc_free(maps[i]);
    alloc_free(maps);
    return rc;
}

/* Level of a segment of `docs` live documents: log10 of its size, sizes below
 * MERGE_FLOOR_DOCS counting as that floor, so that tiny segments all share the lowest level. */
static double level_of(uint64_t docs)
{
    double d = (double)(docs > MERGE_FLOOR_DOCS ? docs : MERGE_FLOOR_DOCS);
    return log10(d);
}

size_t merge_plan(const uint64_t *live, const uint64_t *deleted, size_t n, merge_run *runs,
                  size_t cap)
{
    size_t nruns = 0, start = 0;
    /* From the oldest segment on: the segments down to 0.75 of a level below the largest
     * remaining one form a tier; every MERGE_FACTOR adjacent segments of a tier merge into one
     * (of the next tier). Runs are adjacent so that documents keep their order. */
    while (start < n && nruns < cap) {
        double max = 0;
        for (size_t i = start; i < n; i++)
            if (level_of(live[i]) > max)
                max = level_of(live[i]);
        double floor = max - 0.75;
        if (max <= log10((double)MERGE_FLOOR_DOCS))
            floor = -1;
        size_t upto = start; /* one past the last segment of the tier */
        for (size_t i = start; i < n; i++)
            if (level_of(live[i]) >= floor)
                upto = i + 1;
        size_t i = start;
        for (; i + MERGE_FACTOR <= upto && nruns < cap; i += MERGE_FACTOR)
            runs[nruns++] = (merge_run){i, MERGE_FACTOR};
        /* Segments left out of a merge but mostly deleted are rewritten alone, to reclaim the
         * space and make the statistics exact again. */
        for (; i < upto && nruns < cap; i++)
            if (deleted[i] * 100 > (live[i] + deleted[i]) * MERGE_DELETED_PCT)
                runs[nruns++] = (merge_run){i, 1};
        start = upto;
    }
    return nruns;
}
