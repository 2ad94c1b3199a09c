/*
 * cursor.c: posting cursors over one term's .post and .pos areas (format.h, docs/FORMAT.md),
 * the only way query code reads postings: docid / next / next_geq / freq / positions.
 *
 * Postings come in blocks of 128 (doc-id gaps and frequencies bit-packed, common/bitpack.h)
 * followed by a vbyte tail. A skip entry per full block gives its last docid and offsets, so
 * next_geq passes whole blocks without decoding them. Positions are decoded a block at a time,
 * and only when asked for.
 *
 * Nothing read from the file is trusted: every offset and width is checked before use, decoded
 * docids must strictly increase below the segment's document count and agree with the skip
 * entries, and a block's positions may not outnumber its documents' lengths. A violation ends
 * the cursor with rc = QUARRY_ECORRUPT.
 */
#include "cursor.h"

#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "bitpack.h"
#include "pfor.h"
#include "reader.h"

/* Ends the cursor on corrupt data. */
static void bad(cursor *c)
{
    c->rc = QUARRY_ECORRUPT;
    c->doc = CURSOR_END;
}

static uint32_t skip_last(const cursor *c, uint32_t b)
{
    return load_u32le(c->area + (size_t)b * FORMAT_SKIP_ENTRY);
}

/* The first block >= b whose last docid reaches target (nfull if none): a galloping search,
 * since a rare term leading a conjunction makes a frequent one jump thousands of blocks.
 * Skip entries are not checked to increase here; a block that turns out wrong when decoded
 * ends the cursor as corrupt. */
static uint32_t find_block(const cursor *c, uint32_t b, uint32_t target)
{
    uint32_t step = 1, lo = b, hi = b;
    while (hi < c->nfull && skip_last(c, hi) < target) {
        lo = hi + 1;
        hi = c->nfull - hi > step ? hi + step : c->nfull;
        step *= 2;
    }
    /* Every block below lo ends before target; hi is nfull or reaches it. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (skip_last(c, mid) < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Bounds [*off, *end) of full block b and its doc-gap width, checked to lie inside the area
 * (a block ends where the next one, or the tail, begins). Returns 0 or -1. */
static int block_place(const cursor *c, uint32_t b, size_t *off, size_t *end, unsigned *dw)
{
    size_t skip_bytes = (size_t)c->nfull * FORMAT_SKIP_ENTRY + 8;
    size_t o = load_u32le(c->area + (size_t)b * FORMAT_SKIP_ENTRY + 4);
    size_t e = b + 1 < c->nfull ? load_u32le(c->area + (size_t)(b + 1) * FORMAT_SKIP_ENTRY + 4)
                                : c->tail_off;
    if (o < skip_bytes || o > e || e > c->area_len || e - o < 1)
        return -1;
    *dw = c->area[o];
    if (*dw > BITPACK_MAX_WIDTH || e - o - 1 < bitpack_bytes(*dw))
        return -1;
    *off = o;
    *end = e;
    return 0;
}

/* Decodes block b (b == nfull: the tail) into docs/freqs and makes its first posting current. */
static void load_block(cursor *c, uint32_t b)
{
    c->block = b;
    c->i = 0;
    c->pos_loaded = 0;
    uint32_t base = b ? skip_last(c, b - 1) : UINT32_MAX;
    if (b < c->nfull) {
        size_t off, end;
        unsigned dw;
        uint32_t last = skip_last(c, b);
        if (block_place(c, b, &off, &end, &dw) || last >= c->ndocs || (b > 0 && last <= base)) {
            bad(c);
            return;
        }
        const uint8_t *src = c->area + off + 1;
        bitpack_unpack_delta(c->docs, src, dw, base);
        if (c->docs[BITPACK_BLOCK - 1] != last) {
            bad(c);
            return;
        }
        /* Frequencies are decoded when first asked for (cursor_load_freqs): a conjunction
         * lands on many blocks only to look at their doc ids. */
        c->fsrc = src + bitpack_bytes(dw);
        c->flen = end - off - 1 - bitpack_bytes(dw);
        c->freqs_ready = 0;
        if (dw > 25) { /* only wide gaps can wrap around 2^32 and still end on `last` */
            uint32_t prev = base;
            for (int k = 0; k < BITPACK_BLOCK; k++) {
                if ((b > 0 || k > 0) && c->docs[k] <= prev) {
                    bad(c);
                    return;
                }
                prev = c->docs[k];
            }
        }
        c->n = BITPACK_BLOCK;
    } else {
        const uint8_t *p = c->area + c->tail_off, *end = c->area + c->area_len;
        uint32_t next = b ? base + 1 : 0, n = c->df - c->nfull * BITPACK_BLOCK;
        if (b && base >= c->ndocs) { /* next_geq skipped the block that would have checked it */
            bad(c);
            return;
        }
        for (uint32_t k = 0; k < n; k++) {
            uint64_t code, tf = 0;
            if (vbyte_get(&p, end, &code) || (!(code & 1) && vbyte_get(&p, end, &tf)) ||
                code / 2 >= (uint64_t)c->ndocs - next || tf >= UINT32_MAX - 1) {
                bad(c);
                return;
            }
            c->docs[k] = next + (uint32_t)(code / 2);
            c->freqs[k] = code & 1 ? 1 : (uint32_t)tf + 2;
            next = c->docs[k] + 1;
        }
        if (p != end) { /* bytes beyond the df-th posting */
            bad(c);
            return;
        }
        c->freqs_ready = 1;
        c->n = n;
    }
    if (c->n == 0) {
        c->doc = CURSOR_END;
        return;
    }
    c->doc = c->docs[0];
}

void cursor_load_freqs(cursor *c)
{
    reader r = reader_make(c->fsrc, c->flen);
    uint32_t wrapped = 0; /* tf - 1 = 2^32 - 1 would make tf 0 */
    c->freqs_ready = 1;
    if (pfor_get(&r, c->freqs) == 0 && reader_left(&r) == 0) {
        for (int k = 0; k < BITPACK_BLOCK; k++) {
            c->freqs[k]++;
            wrapped |= c->freqs[k] == 0;
        }
        if (!wrapped)
            return;
    }
    for (int k = 0; k < BITPACK_BLOCK; k++)
        c->freqs[k] = 1; /* defined values for the caller; the cursor is over */
    bad(c);
}

/* Impacts of the list for a short list (no skip data, no stored impacts): those of its
 * only block, which init has just decoded. */
static void tail_impacts(cursor *c)
{
    c->max_tf = 0;
    c->min_dl = UINT32_MAX;
    for (uint32_t k = 0; k < c->n; k++) {
        uint32_t dl = segment_doc_length(c->seg, c->docs[k]);
        if (c->freqs[k] > c->max_tf)
            c->max_tf = c->freqs[k];
        if (dl < c->min_dl)
            c->min_dl = dl;
    }
}

void cursor_init(cursor *c, const segment *seg, const term_info *ti)
{
    memset(c, 0, offsetof(cursor, posstart));
    c->seg = seg;
    c->area = ti->post;
    c->area_len = ti->post_len;
    c->pos_area = ti->pos;
    c->pos_len = ti->pos_len;
    c->ndocs = seg->ndocs;
    c->df = ti->df;
    c->nfull = ti->df / BITPACK_BLOCK;
    c->max_tf = ti->max_tf;
    c->min_dl = ti->min_dl;
    c->doc = CURSOR_END;
    if (c->df == 0)
        return;
    if (c->nfull) {
        if (c->area_len < (size_t)c->nfull * FORMAT_SKIP_ENTRY + 8) {
            bad(c);
            return;
        }
        c->tail_pos_off = load_u32le(c->area + (size_t)c->nfull * FORMAT_SKIP_ENTRY);
        c->tail_off = load_u32le(c->area + (size_t)c->nfull * FORMAT_SKIP_ENTRY + 4);
        if (c->tail_off > c->area_len) {
            bad(c);
            return;
        }
    }
    load_block(c, 0);
    if (c->nfull == 0 && c->rc == QUARRY_OK)
        tail_impacts(c);
}

void cursor_free(cursor *c)
{
    alloc_free(c->positions);
    c->positions = NULL;
    c->poscap = 0;
}

void cursor_next(cursor *c)
{
    if (c->doc == CURSOR_END)
        return;
    if (++c->i < c->n) {
        c->doc = c->docs[c->i];
    } else if (c->block < c->nfull) {
        load_block(c, c->block + 1);
    } else {
        c->doc = CURSOR_END;
    }
}

void cursor_next_block(cursor *c)
{
    if (c->doc == CURSOR_END)
        return;
    if (c->block < c->nfull)
        load_block(c, c->block + 1);
    else
        c->doc = CURSOR_END;
}

void cursor_seek(cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (c->block < c->nfull && skip_last(c, c->block) < target) {
        /* Skip whole blocks: the first later block whose last docid reaches target. */
        load_block(c, find_block(c, c->block + 1, target));
        if (c->doc >= target)
            return;
    }
    while (c->doc < target)
        cursor_next(c);
}

void cursor_shallow(cursor *c, uint32_t target, uint32_t *from, uint32_t *upto, uint32_t *max_tf,
                    uint32_t *min_dl)
{
    uint32_t b = c->sblock > c->block ? c->sblock : c->block;
    if (b < c->nfull && skip_last(c, b) < target)
        b = find_block(c, b + 1, target);
    c->sblock = b;
    if (b < c->nfull && c->doc != CURSOR_END) {
        const uint8_t *e = c->area + (size_t)b * FORMAT_SKIP_ENTRY;
        uint32_t last = load_u32le(e);
        *upto = last >= target ? last : target; /* a wrong entry must not move upto back */
        *from = b ? skip_last(c, b - 1) + 1 : 0;
        if (*from > target) /* likewise: [from, upto] must hold target */
            *from = target;
        *max_tf = (uint32_t)e[12] | (uint32_t)e[13] << 8;
        *min_dl = (uint32_t)e[14] | (uint32_t)e[15] << 8;
        return;
    }
    *from = c->nfull && c->doc != CURSOR_END ? skip_last(c, c->nfull - 1) + 1 : 0;
    if (*from > target)
        *from = target;
    *upto = CURSOR_END - 1;
    *max_tf = c->max_tf;
    *min_dl = c->min_dl;
}

/* Bounds of the position chunk of the loaded block. Returns 0 or -1. */
static int chunk_place(const cursor *c, size_t *start, size_t *end)
{
    uint32_t b = c->block;
    size_t s =
        b < c->nfull ? load_u32le(c->area + (size_t)b * FORMAT_SKIP_ENTRY + 8) : c->tail_pos_off;
    size_t e;
    if (b + 1 < c->nfull)
        e = load_u32le(c->area + (size_t)(b + 1) * FORMAT_SKIP_ENTRY + 8);
    else if (b + 1 == c->nfull && c->df % BITPACK_BLOCK)
        e = c->tail_pos_off;
    else
        e = c->pos_len;
    if (s > e || e > c->pos_len)
        return -1;
    *start = s;
    *end = e;
    return 0;
}

/* Decodes the position gaps of every document of the loaded block (cursor_positions turns a
 * document's gaps into positions when it is first asked for). Returns 0 or -1 (rc set). */
static int load_positions(cursor *c)
{
    size_t start, end;
    uint64_t total = 0;
    if (!c->freqs_ready)
        cursor_load_freqs(c);
    for (uint32_t k = 0; k < c->n; k++) {
        /* A document cannot hold more occurrences than words: this bounds the memory a
         * corrupt frequency could ask for. */
        if (c->freqs[k] > segment_doc_length(c->seg, c->docs[k]))
            goto corrupt;
        c->posstart[k] = (uint32_t)total;
        total += c->freqs[k];
    }
    if (total > UINT32_MAX || chunk_place(c, &start, &end))
        goto corrupt;
    c->posstart[c->n] = (uint32_t)total;
    if (total > c->poscap) {
        size_t cap = total < 256 ? 256 : (size_t)total;
        uint32_t *p = alloc_resize(c->positions, cap, sizeof *p);
        if (!p) {
            c->rc = QUARRY_ENOMEM;
            c->doc = CURSOR_END;
            return -1;
        }
        c->positions = p;
        c->poscap = cap;
    }
    reader r = reader_make(c->pos_area + start, end - start);
    size_t i = 0;
    for (; i + BITPACK_BLOCK <= total; i += BITPACK_BLOCK)
        if (pfor_get(&r, c->positions + i))
            goto corrupt;
    for (; i < total; i++)
        if (reader_vbyte32(&r, &c->positions[i]))
            goto corrupt;
    if (reader_left(&r) != 0)
        goto corrupt;
    c->pos_loaded = 1;
    c->pos_done[0] = c->pos_done[1] = 0;
    return 0;
corrupt:
    bad(c);
    return -1;
}

uint32_t cursor_positions(cursor *c, const uint32_t **out)
{
    if (c->doc == CURSOR_END)
        return 0;
    if (!c->pos_loaded && load_positions(c))
        return 0;
    uint32_t *p = c->positions + c->posstart[c->i], n = c->freqs[c->i];
    uint64_t bit = 1ull << (c->i % 64);
    if (!(c->pos_done[c->i / 64] & bit)) {
        /* Gaps to positions, for this document only: a phrase looks at few documents of a
         * block, and the sum is most of the cost of reading positions. */
        uint64_t next = 0;
        for (uint32_t j = 0; j < n; j++) {
            next += p[j];
            if (next > UINT32_MAX) {
                bad(c);
                return 0;
            }
            p[j] = (uint32_t)next++;
        }
        c->pos_done[c->i / 64] |= bit;
    }
    *out = p;
    return n;
}
