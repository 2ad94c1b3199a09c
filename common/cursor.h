/*
 * cursor: forward iterators over one term's postings in one segment, the only view of postings
 * that query code and segment merging have: docid / next / next_geq / freq / positions, plus
 * block-at-a-time access and skip-entry impacts for dynamic pruning. A cursor is per thread;
 * the segment it reads is shared.
 */
#ifndef QUARRY_COMMON_CURSOR_H
#define QUARRY_COMMON_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "segment.h"

#define CURSOR_END UINT32_MAX /* docid of an exhausted cursor */

/*
 * A forward iterator over one term's postings (format.h: blocks of 128 with skip entries, then
 * a vbyte tail). One block is decoded at a time into docs/freqs; next_geq skips whole blocks
 * through the skip entries without decoding them; positions are decoded per block, only when
 * asked. A malformed posting list ends the cursor and sets rc to QUARRY_ECORRUPT (checked by
 * the caller once the query is done).
 */
typedef struct cursor {
    const segment *seg;      /* for document lengths (bounds on positions) */
    const uint8_t *area;     /* the term's .post area */
    size_t area_len;         /* its bytes */
    const uint8_t *pos_area; /* the term's .pos area */
    size_t pos_len;          /* its bytes */
    uint32_t ndocs;          /* documents in the segment (docids must stay below) */
    uint32_t df;             /* postings */
    uint32_t nfull;          /* full blocks (df / 128); block nfull is the tail */
    uint32_t max_tf;         /* largest tf of the list (for df < 128: of the tail, read at init) */
    uint32_t min_dl;         /* smallest length of a document of the list (likewise) */
    uint32_t sblock;         /* block cursor_shallow last looked at (>= block) */
    size_t tail_off;         /* offset of the tail postings in area */
    uint32_t tail_pos_off;   /* offset of the tail's position chunk in pos_area */
    uint32_t block;          /* block loaded in docs/freqs */
    uint32_t n;              /* postings in it */
    uint32_t i;              /* index of the current posting in it */
    uint32_t doc;            /* current docid, CURSOR_END when exhausted */
    int freqs_ready;         /* freqs holds the loaded block's frequencies */
    const uint8_t *fsrc;     /* else: where they are encoded (a patched block) */
    size_t flen;             /* and its bytes */
    int pos_loaded;          /* position gaps of the loaded block are in `positions` */
    uint64_t pos_done[2];    /* documents of the block whose gaps were made positions */
    uint32_t *positions;     /* the block's positions, document after document */
    size_t poscap;           /* entries allocated */
    int rc;                  /* QUARRY_OK, QUARRY_ECORRUPT or QUARRY_ENOMEM */
    /* The arrays last: cursor_init clears the fields above only (the arrays are written
     * before they are read), as a query opens a cursor per term and segment. */
    uint32_t posstart[129]; /* index in positions of each document's first position */
    uint32_t docs[128];     /* docids of the loaded block */
    uint32_t freqs[128];    /* their frequencies */
} cursor;

/* Positions the cursor on the first posting of `ti` (or END if it is empty). */
void cursor_init(cursor *c, const segment *seg, const term_info *ti);

/* Frees the positions buffer. */
void cursor_free(cursor *c);

/* Moves to the next document. */
void cursor_next(cursor *c);

/* cursor_next_geq's path out of the loaded block (skip entries, then decoding). */
void cursor_seek(cursor *c, uint32_t target);

/* Moves to the first document >= target (stays if already there). Inline: inside the loaded
 * block it is a short scan. */
static inline void cursor_next_geq(cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (c->docs[c->n - 1] >= target) { /* c->doc < target: not exhausted, so n >= 1 */
        uint32_t i = c->i + 1;
        while (c->docs[i] < target)
            i++;
        c->i = i;
        c->doc = c->docs[i];
        return;
    }
    cursor_seek(c, target);
}

/*
 * Block-at-a-time access, for evaluation that scores every posting: the postings of the
 * loaded block from the current one on (*docs and *freqs, valid until the cursor moves), and
 * their number (0 when exhausted). cursor_next_block moves to the first posting of the next
 * block (or to the end).
 */
/* Decodes the loaded block's frequencies (a full block's are decoded only when first needed);
 * on corrupt bytes the cursor ends with rc = QUARRY_ECORRUPT. */
void cursor_load_freqs(cursor *c);

static inline uint32_t cursor_block(cursor *c, const uint32_t **docs, const uint32_t **freqs)
{
    if (c->doc != CURSOR_END && !c->freqs_ready)
        cursor_load_freqs(c);
    if (c->doc == CURSOR_END)
        return 0;
    *docs = c->docs + c->i;
    *freqs = c->freqs + c->i;
    return c->n - c->i;
}
void cursor_next_block(cursor *c);

/* Current docid, or CURSOR_END. */
static inline uint32_t cursor_docid(const cursor *c)
{
    return c->doc;
}

/* Occurrences of the term in the current document (decodes the block's frequencies on first
 * use; a corrupt block ends the cursor, and the value returned is then 1). */
static inline uint32_t cursor_freq(cursor *c)
{
    if (!c->freqs_ready)
        cursor_load_freqs(c);
    return c->freqs[c->i];
}

/*
 * Impacts of the block that holds `target` (the first block whose last docid reaches it), read
 * from the skip entries without decoding or moving the cursor: *max_tf and *min_dl (saturated
 * at 65535 as stored; 65535 reads as tf unbounded) hold for every posting in [*from, *upto],
 * *from <= target <= *upto, *upto the block's last docid (CURSOR_END - 1 for the tail, whose
 * impacts are the whole list's). target must not be below the current docid. For an exhausted
 * cursor the range is [0, CURSOR_END - 1] and the impacts are those of the list.
 */
void cursor_shallow(cursor *c, uint32_t target, uint32_t *from, uint32_t *upto, uint32_t *max_tf,
                    uint32_t *min_dl);

/*
 * Positions of the term in the current document, increasing. *out is valid until the cursor
 * moves. Returns the number of positions, 0 on failure (then c->rc is set).
 */
uint32_t cursor_positions(cursor *c, const uint32_t **out);

#endif
