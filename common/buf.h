/*
 * buf: a growable byte buffer with a sticky error, the building block of every encoder.
 *
 * Appends never fail loudly: on allocation failure the buffer records QUARRY_ENOMEM in `rc`
 * and ignores every later append, so a builder checks `rc` once when it is done
 * (the sticky-rc idiom).
 */
#ifndef QUARRY_COMMON_BUF_H
#define QUARRY_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "vbyte.h"

typedef struct buf {
    uint8_t *data; /* bytes; NULL until the first append */
    size_t len;    /* bytes in use */
    size_t cap;    /* bytes allocated */
    int rc;        /* QUARRY_OK, or the first error (then appends are ignored) */
} buf;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Makes room for `extra` more bytes. Returns rc (QUARRY_OK or QUARRY_ENOMEM). */
int buf_reserve(buf *b, size_t extra);

/* Appends n bytes (n may be 0). */
void buf_append(buf *b, const void *p, size_t n);

/* Appends one byte. */
void buf_put_u8(buf *b, uint8_t v);

/* Appends v little-endian in 4 / 8 bytes. */
void buf_put_u32(buf *b, uint32_t v);
void buf_put_u64(buf *b, uint64_t v);

/* Appends v as a variable-byte integer (common/vbyte.h). Inline: the indexer's hot path. */
static inline void buf_put_vbyte(buf *b, uint64_t v)
{
    if ((b->rc || b->cap - b->len < VBYTE_MAX_BYTES) && buf_reserve(b, VBYTE_MAX_BYTES))
        return;
    b->len += vbyte_put(b->data + b->len, v);
}

/* Appends a vbyte length followed by the n bytes. */
void buf_put_str(buf *b, const void *p, size_t n);

/* Frees the memory; the buffer is BUF_INIT again. */
void buf_free(buf *b);

#endif
