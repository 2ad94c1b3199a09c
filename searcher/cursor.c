/*
 * cursor.c: posting cursors over the .post and .pos streams of one term (format.h). The only
 * way query code reads postings: docid / next / next_geq / freq / positions. Positions are
 * decoded lazily: passing a document only adds its tf to a count of positions to skip, and
 * the skip happens when some later document's positions are asked for.
 *
 * Every decoded value is checked: docids must stay below the segment's document count and
 * the stream must hold exactly df postings; a violation ends the cursor with
 * rc = QUARRY_ECORRUPT.
 */
#include "internal.h"

#include <string.h>

#include "common/alloc.h"
#include "common/vbyte.h"

void cursor_init(cursor *c, const term_info *ti, uint32_t ndocs)
{
    memset(c, 0, sizeof *c);
    c->p = ti->post;
    /* An empty stream may be NULL (an absent term's zeroed ti), and NULL + 0 is undefined. */
    c->end = ti->post_len ? ti->post + ti->post_len : ti->post;
    c->pp = ti->pos;
    c->pend = ti->pos_len ? ti->pos + ti->pos_len : ti->pos;
    c->ndocs = ndocs;
    c->left = ti->df;
    c->doc = 0; /* base of the first gap: docid = 0 + gap */
    c->freq = 0;
    if (c->left == 0) {
        c->doc = CURSOR_END;
        return;
    }
    /* Decode the first posting; its gap is relative to "previous = -1", i.e. base 0. */
    uint64_t gap, tf;
    if (vbyte_get(&c->p, c->end, &gap) || vbyte_get(&c->p, c->end, &tf) || gap >= ndocs ||
        tf >= UINT32_MAX) {
        c->rc = QUARRY_ECORRUPT;
        c->doc = CURSOR_END;
        return;
    }
    c->left--;
    c->doc = (uint32_t)gap;
    c->freq = (uint32_t)tf + 1;
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
    if (!c->pos_loaded)
        c->skip_pos += c->freq;
    c->pos_loaded = 0;
    if (c->left == 0) {
        if (c->p != c->end)
            c->rc = QUARRY_ECORRUPT; /* bytes beyond the df-th posting */
        c->doc = CURSOR_END;
        return;
    }
    uint64_t gap, tf;
    if (vbyte_get(&c->p, c->end, &gap) || vbyte_get(&c->p, c->end, &tf) ||
        gap >= (uint64_t)c->ndocs - c->doc - 1 || tf >= UINT32_MAX) {
        c->rc = QUARRY_ECORRUPT;
        c->doc = CURSOR_END;
        return;
    }
    c->left--;
    c->doc += 1 + (uint32_t)gap;
    c->freq = (uint32_t)tf + 1;
}

void cursor_next_geq(cursor *c, uint32_t target)
{
    while (c->doc < target)
        cursor_next(c);
}

uint32_t cursor_positions(cursor *c, const uint32_t **out)
{
    if (c->doc == CURSOR_END)
        return 0;
    if (!c->pos_loaded) {
        /* Skip the positions of the documents passed since the last load. */
        while (c->skip_pos) {
            if (c->pp >= c->pend)
                goto bad;
            if (*c->pp++ < 0x80)
                c->skip_pos--;
        }
        if (c->freq > c->poscap) {
            uint32_t cap = c->freq < 16 ? 16 : c->freq;
            uint32_t *n = alloc_resize(c->positions, cap, sizeof *n);
            if (!n) {
                c->rc = QUARRY_ENOMEM;
                c->doc = CURSOR_END;
                return 0;
            }
            c->positions = n;
            c->poscap = cap;
        }
        uint64_t next = 0;
        for (uint32_t i = 0; i < c->freq; i++) {
            uint64_t gap;
            /* next <= 2^32 here; the position next + gap must fit in 32 bits */
            if (vbyte_get(&c->pp, c->pend, &gap) || gap >= ((uint64_t)1 << 32) - next)
                goto bad;
            c->positions[i] = (uint32_t)(next + gap);
            next = next + gap + 1;
        }
        c->npositions = c->freq;
        c->pos_loaded = 1;
    }
    *out = c->positions;
    return c->npositions;
bad:
    c->rc = QUARRY_ECORRUPT;
    c->doc = CURSOR_END;
    return 0;
}
