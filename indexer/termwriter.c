/*
 * termwriter.c: the one encoder of a segment's .dict, .post and .pos files (format.h,
 * docs/FORMAT.md), fed term by term in byte order and, within a term, document by document,
 * one or a run of postings per call. The inverter (invert.c) feeds it the postings it built in
 * RAM, a run of 128 at a time; it is meant for a segment merger too, which would feed it what
 * it reads through cursors.
 *
 * Positions come as gaps (position - previous - 1, previous = -1 at each document's start),
 * the encoding of the .pos file: the inverter keeps them so in RAM, a merger derives them from
 * a cursor's positions in one subtraction each, and they need no order check, only that the
 * positions they add up to stay below 2^32.
 *
 * Memory is bounded by one block: the postings of the block being filled (at most 128) and the
 * position gaps not yet packed (at most 128), plus the encoded bytes of the current term. A full
 * block is encoded as soon as its 128th posting arrives, and 128 position gaps become a patched
 * block as soon as they are there, because neither encoding depends on what follows: the
 * postings left over when the term ends are its tail, and the gaps left over when a block (or
 * the tail) ends are the vbytes that close its position chunk. The skip table comes first in a
 * term's .post area but is known only at the end, so skip entries and encoded blocks are kept
 * apart and written one after the other when the term ends, with the blocks' offsets shifted
 * past the table. A run of postings is checked a block's worth at a time (documents, tfs,
 * positions) before that part of it is added, in loops over arrays rather than per posting,
 * which keeps the inverter's commit about as fast as when it encoded whole lists in place.
 * Misuse (terms or documents out of order, a tf of 0 or above the document's length, positions
 * past 2^32 - 1, calls out of sequence) is a sticky QUARRY_ERROR with a message, never
 * undefined behaviour: a merger's input comes from files.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/bitpack.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/format.h"
#include "common/pfor.h"
#include "quarry/error.h"

#define MAX_TERM 255 /* longest term: shared + suffix length <= 255 (docs/FORMAT.md) */

enum { DICT, POST, POS }; /* index of each file in termwriter.fw */

struct termwriter {
    filew fw[3];                       /* .dict, .post, .pos being written */
    int nopen;                         /* files of fw opened (and not committed) */
    const uint32_t *lengths;           /* document lengths, by document (borrowed) */
    uint32_t ndocs;                    /* documents in the segment */
    buf entry;                         /* the dictionary entry being built */
    buf dict_blocks;                   /* u64 offset of each dictionary block's first entry */
    uint8_t term[MAX_TERM];            /* the current (or last) term */
    size_t term_len;                   /* its bytes */
    uint32_t shared;                   /* bytes it shares with the previous term of its block */
    uint64_t nterms;                   /* terms begun */
    int in_term;                       /* 1 between termwriter_begin and termwriter_end */
    int finished;                      /* 1 once termwriter_finish ran */
    uint32_t df;                       /* postings of the current term so far */
    uint64_t cf;                       /* their frequencies summed */
    uint32_t max_tf;                   /* largest tf of the blocks ended (the tail: at the end) */
    uint32_t min_dl;                   /* shortest document length in them */
    uint32_t next_doc;                 /* smallest document the next posting may have */
    uint32_t base;                     /* last doc of the last full block, UINT32_MAX if none */
    buf skips;                         /* skip entries; block_off counts from the first block */
    buf blocks;                        /* full blocks, then the tail: the area after the skips */
    buf pos;                           /* the term's .pos area */
    uint32_t chunk_off;                /* offset in pos of the current block's position chunk */
    uint32_t n;                        /* postings in the block being filled */
    uint32_t bmax_tf;                  /* their largest tf */
    uint32_t bmin_dl;                  /* the shortest length of their documents */
    uint32_t docs[BITPACK_BLOCK];      /* their documents */
    uint32_t freqs[BITPACK_BLOCK];     /* their frequencies */
    uint32_t ngaps;                    /* position gaps waiting in gaps */
    uint32_t gaps[BITPACK_BLOCK];      /* position gaps not yet packed */
    uint32_t tmp[BITPACK_BLOCK];       /* a block of values to pack */
    uint8_t packed[BITPACK_MAX_BYTES]; /* their packed bytes */
    int rc;                            /* sticky error */
    char err[ERRMSG_CAP];              /* its message */
};

static const char *const kinds[3] = {FORMAT_KIND_DICT, FORMAT_KIND_POSTINGS, FORMAT_KIND_POSITIONS};
static const char *const suffixes[3] = {FORMAT_SUFFIX_DICT, FORMAT_SUFFIX_POSTINGS,
                                        FORMAT_SUFFIX_POSITIONS};

/* Records the failure `rc` with a printf-formatted message (tw->rc must still be QUARRY_OK:
 * the first failure is the one kept) and returns rc. */
static int fail(termwriter *tw, int rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(termwriter *tw, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tw->err, sizeof tw->err, fmt, ap);
    va_end(ap);
    tw->rc = rc;
    return rc;
}

static void put_u32_at(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int termwriter_open(termwriter **out, const char *dir, const char *seg, const uint32_t *lengths,
                    uint32_t ndocs, char *err, size_t cap)
{
    *out = NULL;
    termwriter *tw = alloc_array(1, sizeof *tw);
    if (!tw)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    tw->lengths = lengths;
    tw->ndocs = ndocs;
    int rc = QUARRY_OK;
    for (; tw->nopen < 3; tw->nopen++) {
        char name[96];
        snprintf(name, sizeof name, "%s%s", seg, suffixes[tw->nopen]);
        char *path = path_join(dir, name);
        if (!path) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        rc = filew_open(&tw->fw[tw->nopen], path);
        alloc_free(path);
        if (rc) {
            errmsg_set(err, cap, rc, "%s", tw->fw[tw->nopen].err);
            tw->nopen++; /* filew_open leaves a file to abort */
            goto done;
        }
        filew_header(&tw->fw[tw->nopen], kinds[tw->nopen]);
    }
done:
    if (rc)
        termwriter_free(tw);
    else
        *out = tw;
    return rc;
}

int termwriter_begin(termwriter *tw, const uint8_t *term, size_t len)
{
    if (tw->rc)
        return tw->rc;
    if (tw->finished || tw->in_term)
        return fail(tw, QUARRY_ERROR, "termwriter_begin %s",
                    tw->finished ? "after termwriter_finish" : "inside a term not ended");
    if (len > MAX_TERM)
        return fail(tw, QUARRY_ERROR, "term of %zu bytes (at most %d)", len, MAX_TERM);
    if (tw->nterms == UINT32_MAX)
        return fail(tw, QUARRY_ERROR, "too many distinct terms in one segment");
    size_t n = len < tw->term_len ? len : tw->term_len, s = 0;
    while (s < n && tw->term[s] == term[s])
        s++;
    if (tw->nterms && !(s < n ? term[s] > tw->term[s] : len > tw->term_len))
        return fail(tw, QUARRY_ERROR, "term \"%.*s\" does not come after \"%.*s\" in byte order",
                    (int)len, (const char *)term, (int)tw->term_len, (const char *)tw->term);
    tw->shared = tw->nterms % FORMAT_DICT_BLOCK == 0 ? 0 : (uint32_t)s;
    if (len)
        memcpy(tw->term, term, len);
    tw->term_len = len;
    tw->nterms++;
    tw->in_term = 1;
    tw->df = 0;
    tw->next_doc = 0;
    tw->cf = 0;
    tw->max_tf = 0;
    tw->min_dl = UINT32_MAX;
    tw->base = UINT32_MAX;
    tw->skips.len = 0;
    tw->blocks.len = 0;
    tw->pos.len = 0;
    tw->chunk_off = 0;
    tw->n = 0;
    tw->bmax_tf = 0;
    tw->bmin_dl = UINT32_MAX;
    tw->ngaps = 0;
    return QUARRY_OK;
}

/* Ends the current position chunk: its last gaps (fewer than 128) as vbytes. */
static void end_chunk(termwriter *tw)
{
    for (uint32_t i = 0; i < tw->ngaps; i++)
        buf_put_vbyte(&tw->pos, tw->gaps[i]);
    tw->ngaps = 0;
}

/* Folds the impacts of the block being filled (full or tail) into the term's; starts anew. */
static void end_impacts(termwriter *tw)
{
    if (tw->bmax_tf > tw->max_tf)
        tw->max_tf = tw->bmax_tf;
    if (tw->bmin_dl < tw->min_dl)
        tw->min_dl = tw->bmin_dl;
    tw->bmax_tf = 0;
    tw->bmin_dl = UINT32_MAX;
}

/* Encodes the 128 postings of tw->docs/freqs as a full block with its skip entry. */
static void put_block(termwriter *tw)
{
    end_chunk(tw);
    /* Impacts as u16, saturated: 65535 reads as "65535 or more" for max_tf (bound it by
     * tf -> infinity) and a smaller min_dl only raises the bound: both stay safe. */
    uint32_t bmax = tw->bmax_tf, bmin = tw->bmin_dl;
    uint32_t t16 = bmax < 65535 ? bmax : 65535, d16 = bmin < 65535 ? bmin : 65535;
    uint8_t sk[FORMAT_SKIP_ENTRY];
    put_u32_at(sk, tw->docs[BITPACK_BLOCK - 1]);
    put_u32_at(sk + 4, (uint32_t)tw->blocks.len); /* shifted past the skips by termwriter_end */
    put_u32_at(sk + 8, tw->chunk_off);
    sk[12] = (uint8_t)t16;
    sk[13] = (uint8_t)(t16 >> 8);
    sk[14] = (uint8_t)d16;
    sk[15] = (uint8_t)(d16 >> 8);
    buf_append(&tw->skips, sk, sizeof sk);
    bitpack_delta_encode(tw->tmp, tw->docs, tw->base);
    unsigned dw = bitpack_width(tw->tmp, BITPACK_BLOCK);
    bitpack_pack(tw->packed, tw->tmp, dw);
    buf_put_u8(&tw->blocks, (uint8_t)dw);
    buf_append(&tw->blocks, tw->packed, bitpack_bytes(dw));
    bitpack_freq_encode(tw->tmp, tw->freqs);
    pfor_put(&tw->blocks, tw->tmp);
    end_impacts(tw);
    tw->base = tw->docs[BITPACK_BLOCK - 1];
    tw->chunk_off = (uint32_t)tw->pos.len;
    tw->n = 0;
}

/* Fails the posting (doc, tf) that termwriter_postings refused, whose document must come at
 * or after `next`, with the rule it breaks (or returns the sticky rc). Out of line: the
 * accepted path stays short. */
static int refuse(termwriter *tw, uint32_t doc, uint32_t tf, uint32_t next)
{
    if (tw->rc)
        return tw->rc;
    if (!tw->in_term)
        return fail(tw, QUARRY_ERROR, "termwriter_postings outside a term");
    if (doc >= tw->ndocs)
        return fail(tw, QUARRY_ERROR, "term \"%.*s\": document %u of a segment of %u",
                    (int)tw->term_len, (const char *)tw->term, doc, tw->ndocs);
    if (doc < next)
        return fail(tw, QUARRY_ERROR, "term \"%.*s\": document %u does not come after %u",
                    (int)tw->term_len, (const char *)tw->term, doc, next - 1);
    return fail(tw, QUARRY_ERROR, "term \"%.*s\": tf %u in document %u of length %u",
                (int)tw->term_len, (const char *)tw->term, tf, doc, tw->lengths[doc]);
}

/* Appends gaps g[0..n) to the term's position chunk, packing each 128 (straight from g when
 * no gap waits in tw->gaps). */
static void put_gaps(termwriter *tw, const uint32_t *g, uint64_t n)
{
    while (n > 0) {
        if (tw->ngaps == 0 && n >= BITPACK_BLOCK) {
            pfor_put(&tw->pos, g);
            g += BITPACK_BLOCK;
            n -= BITPACK_BLOCK;
            continue;
        }
        uint32_t room = BITPACK_BLOCK - tw->ngaps, take = n < room ? (uint32_t)n : room;
        memcpy(tw->gaps + tw->ngaps, g, take * sizeof *g);
        tw->ngaps += take;
        g += take;
        n -= take;
        if (tw->ngaps == BITPACK_BLOCK) {
            pfor_put(&tw->pos, tw->gaps);
            tw->ngaps = 0;
        }
    }
}

/* The index of the first of m documents (tfs and gaps as for termwriter_postings) whose last
 * position passes 2^32 - 1, or m if none does. */
static uint32_t past_positions(const uint32_t *tfs, const uint32_t *gaps, uint32_t m)
{
    for (uint32_t i = 0; i < m; i++) {
        uint64_t last = (uint64_t)tfs[i] - 1;
        for (uint32_t j = 0; j < tfs[i]; j++)
            last += gaps[j];
        if (last > UINT32_MAX)
            return i;
        gaps += tfs[i];
    }
    return m;
}

int termwriter_postings(termwriter *tw, const uint32_t *docs, const uint32_t *tfs,
                        const uint32_t *gaps, uint32_t n)
{
    if (tw->rc || !tw->in_term)
        return refuse(tw, 0, 1, 0); /* the sticky rc, or "outside a term" */
    const uint32_t *lengths = tw->lengths;
    while (n > 0) {
        /* The postings that fill the block, checked (and their impacts taken) before any is
         * added, in one pass over docs and tfs. */
        uint32_t m = BITPACK_BLOCK - tw->n < n ? BITPACK_BLOCK - tw->n : n;
        uint32_t ndocs = tw->ndocs, next = tw->next_doc, bmax = tw->bmax_tf, bmin = tw->bmin_dl;
        uint64_t npos = 0;
        for (uint32_t i = 0; i < m; i++) {
            uint32_t doc = docs[i], tf = tfs[i];
            /* tf - 1 >= length: tf == 0 (wrapping around) or tf above the length. */
            if (doc >= ndocs || doc < next || tf - 1 >= lengths[doc])
                return refuse(tw, doc, tf, next);
            uint32_t dl = lengths[doc];
            bmax = tf > bmax ? tf : bmax;
            bmin = dl < bmin ? dl : bmin;
            npos += tf;
            next = doc + 1;
        }
        /* No position reaches 2^32 when the gaps and the tfs of the whole part add up to at
         * most 2^32; otherwise look for the document whose positions do. */
        uint64_t sum = npos;
        for (uint64_t j = 0; j < npos; j++)
            sum += gaps[j];
        if (sum > (uint64_t)UINT32_MAX + 1) {
            uint32_t bad = past_positions(tfs, gaps, m);
            if (bad < m)
                return fail(tw, QUARRY_ERROR,
                            "term \"%.*s\": positions of document %u pass 2^32 - 1",
                            (int)tw->term_len, (const char *)tw->term, docs[bad]);
        }
        put_gaps(tw, gaps, npos);
        memcpy(tw->docs + tw->n, docs, m * sizeof *docs);
        memcpy(tw->freqs + tw->n, tfs, m * sizeof *tfs);
        tw->n += m;
        tw->df += m;
        tw->cf += npos;
        tw->next_doc = next;
        tw->bmax_tf = bmax;
        tw->bmin_dl = bmin;
        if (tw->n == BITPACK_BLOCK)
            put_block(tw);
        docs += m;
        tfs += m;
        gaps += npos;
        n -= m;
    }
    return QUARRY_OK;
}

int termwriter_end(termwriter *tw)
{
    if (tw->rc)
        return tw->rc;
    if (!tw->in_term)
        return fail(tw, QUARRY_ERROR, "termwriter_end without termwriter_begin");
    if (tw->df == 0)
        return fail(tw, QUARRY_ERROR, "term \"%.*s\" has no postings", (int)tw->term_len,
                    (const char *)tw->term);
    tw->in_term = 0;
    /* The tail: its position chunk, then per posting gap * 2 + (tf == 1) and tf - 2 only when
     * tf > 1: most tail postings (rare terms) occur once, and then cost one vbyte, not two. */
    uint32_t tail_pos_off = tw->chunk_off;
    end_chunk(tw);
    end_impacts(tw);
    size_t tail_off = tw->blocks.len;
    uint32_t next = tw->base + 1; /* 0 when there is no full block */
    for (uint32_t i = 0; i < tw->n; i++) {
        uint64_t gap = tw->docs[i] - next;
        buf_put_vbyte(&tw->blocks, gap * 2 + (tw->freqs[i] == 1));
        if (tw->freqs[i] > 1)
            buf_put_vbyte(&tw->blocks, tw->freqs[i] - 2);
        next = tw->docs[i] + 1;
    }
    /* The skip table, with block offsets moved past itself, and the tail's offsets. */
    size_t nfull = tw->skips.len / FORMAT_SKIP_ENTRY;
    size_t skip_bytes = nfull ? tw->skips.len + 8 : 0;
    if (tw->skips.rc || tw->blocks.rc || tw->pos.rc)
        return fail(tw, QUARRY_ENOMEM, "out of memory encoding postings");
    if (tw->blocks.len > UINT32_MAX - skip_bytes || tw->pos.len > UINT32_MAX)
        return fail(tw, QUARRY_ENOMEM, "term \"%.*s\": postings over the 4 GiB of a term's area",
                    (int)tw->term_len, (const char *)tw->term);
    if (nfull) {
        for (size_t b = 0; b < nfull; b++) {
            uint8_t *sk = tw->skips.data + b * FORMAT_SKIP_ENTRY + 4;
            put_u32_at(sk, get_u32_at(sk) + (uint32_t)skip_bytes);
        }
        buf_put_u32(&tw->skips, tail_pos_off);
        buf_put_u32(&tw->skips, (uint32_t)(skip_bytes + tail_off));
    }
    /* The dictionary entry, front-coded against the previous term of its block. */
    int first = (tw->nterms - 1) % FORMAT_DICT_BLOCK == 0;
    buf *e = &tw->entry;
    e->len = 0;
    if (first)
        buf_put_u64(&tw->dict_blocks, tw->fw[DICT].size);
    buf_put_vbyte(e, tw->shared);
    buf_put_str(e, tw->term + tw->shared, tw->term_len - tw->shared);
    if (first) {
        buf_put_vbyte(e, tw->fw[POST].size);
        buf_put_vbyte(e, tw->fw[POS].size);
    }
    buf_put_vbyte(e, tw->df);
    buf_put_vbyte(e, tw->cf - tw->df);
    buf_put_vbyte(e, skip_bytes + tw->blocks.len);
    buf_put_vbyte(e, tw->pos.len);
    if (tw->df >= BITPACK_BLOCK) { /* short lists are bounded by reading them */
        buf_put_vbyte(e, tw->max_tf);
        buf_put_vbyte(e, tw->min_dl);
    }
    if (e->rc || tw->skips.rc || tw->dict_blocks.rc)
        return fail(tw, QUARRY_ENOMEM, "out of memory");
    filew_write(&tw->fw[DICT], e->data, e->len);
    filew_write(&tw->fw[POST], tw->skips.data, tw->skips.len);
    filew_write(&tw->fw[POST], tw->blocks.data, tw->blocks.len);
    filew_write(&tw->fw[POS], tw->pos.data, tw->pos.len);
    for (int i = 0; i < 3; i++)
        if (tw->fw[i].rc)
            return fail(tw, tw->fw[i].rc, "%s", tw->fw[i].err);
    return QUARRY_OK;
}

int termwriter_finish(termwriter *tw, manifest_file files[3])
{
    if (!tw->rc && (tw->finished || tw->in_term))
        fail(tw, QUARRY_ERROR, "termwriter_finish %s",
             tw->finished ? "called twice" : "inside a term not ended");
    if (tw->rc)
        goto done;
    tw->finished = 1;
    uint64_t table = tw->fw[DICT].size;
    uint8_t h[8];
    put_u32_at(h, (uint32_t)tw->nterms);
    put_u32_at(h + 4, (uint32_t)(tw->dict_blocks.len / 8));
    filew_write(&tw->fw[DICT], h, 8);
    filew_write(&tw->fw[DICT], tw->dict_blocks.data, tw->dict_blocks.len);
    for (int i = 0; i < 3 && !tw->rc; i++) {
        filew_footer(&tw->fw[i], i == DICT ? table : 0);
        memcpy(files[i].suffix, suffixes[i], strlen(suffixes[i]) + 1);
        if (filew_commit(&tw->fw[i], &files[i].size, &files[i].crc))
            fail(tw, tw->fw[i].rc, "%s", tw->fw[i].err);
    }
done:
    /* Removes the temporaries not committed; a no-op on the committed files. */
    for (int i = 0; i < tw->nopen; i++)
        filew_abort(&tw->fw[i]);
    return tw->rc;
}

const char *termwriter_errmsg(const termwriter *tw)
{
    return tw->err;
}

void termwriter_free(termwriter *tw)
{
    if (!tw)
        return;
    for (int i = 0; i < tw->nopen; i++)
        filew_abort(&tw->fw[i]);
    buf_free(&tw->entry);
    buf_free(&tw->dict_blocks);
    buf_free(&tw->skips);
    buf_free(&tw->blocks);
    buf_free(&tw->pos);
    alloc_free(tw);
}
