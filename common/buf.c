/*
 * buf.c: growable byte buffer with a sticky error code (see buf.h). Used by the indexer's
 * in-memory postings and by every file writer.
 */
#include "buf.h"

#include <string.h>

#include "alloc.h"
#include "quarry/error.h"
#include "vbyte.h"

int buf_reserve(buf *b, size_t extra)
{
    if (b->rc)
        return b->rc;
    if (b->cap - b->len >= extra)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->rc = QUARRY_ENOMEM;
        return b->rc;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < extra)
        cap *= 2;
    uint8_t *d = alloc_resize(b->data, cap, 1);
    if (!d) {
        b->rc = QUARRY_ENOMEM;
        return b->rc;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void buf_append(buf *b, const void *p, size_t n)
{
    if (n == 0 || buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_put_u8(buf *b, uint8_t v)
{
    if (buf_reserve(b, 1))
        return;
    b->data[b->len++] = v;
}

void buf_put_u32(buf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_append(b, t, 4);
}

void buf_put_u64(buf *b, uint64_t v)
{
    buf_put_u32(b, (uint32_t)v);
    buf_put_u32(b, (uint32_t)(v >> 32));
}

void buf_put_str(buf *b, const void *p, size_t n)
{
    buf_put_vbyte(b, n);
    buf_append(b, p, n);
}

void buf_free(buf *b)
{
    alloc_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->rc = 0;
}
