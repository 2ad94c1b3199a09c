/*
 * reader: the bounds-checked cursor through which every byte of an index file is decoded.
 *
 * A reader never reads outside [pos, end). Every read returns QUARRY_OK or QUARRY_ECORRUPT
 * (short input, over-long or overflowing varint) and leaves the reader unchanged on failure,
 * so decoders propagate the code and never assert on file contents.
 */
#ifndef QUARRY_COMMON_READER_H
#define QUARRY_COMMON_READER_H

#include <stddef.h>
#include <stdint.h>

#include "quarry/error.h"
#include "vbyte.h"

typedef struct reader {
    const uint8_t *pos; /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
} reader;

/* A reader over n bytes at p. */
static inline reader reader_make(const uint8_t *p, size_t n)
{
    reader r = {p, p + n};
    return r;
}

/* Bytes left. */
static inline size_t reader_left(const reader *r)
{
    return (size_t)(r->end - r->pos);
}

static inline int reader_u8(reader *r, uint8_t *out)
{
    if (r->pos >= r->end)
        return QUARRY_ECORRUPT;
    *out = *r->pos++;
    return QUARRY_OK;
}

static inline uint32_t load_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t load_u64le(const uint8_t *p)
{
    return (uint64_t)load_u32le(p) | (uint64_t)load_u32le(p + 4) << 32;
}

static inline int reader_u32(reader *r, uint32_t *out)
{
    if (reader_left(r) < 4)
        return QUARRY_ECORRUPT;
    *out = load_u32le(r->pos);
    r->pos += 4;
    return QUARRY_OK;
}

static inline int reader_u64(reader *r, uint64_t *out)
{
    if (reader_left(r) < 8)
        return QUARRY_ECORRUPT;
    *out = load_u64le(r->pos);
    r->pos += 8;
    return QUARRY_OK;
}

/* A variable-byte integer of up to 64 bits. */
static inline int reader_vbyte(reader *r, uint64_t *out)
{
    return vbyte_get(&r->pos, r->end, out) ? QUARRY_ECORRUPT : QUARRY_OK;
}

/* A variable-byte integer that must fit in 32 bits. */
static inline int reader_vbyte32(reader *r, uint32_t *out)
{
    const uint8_t *save = r->pos;
    uint64_t v;
    if (vbyte_get(&r->pos, r->end, &v) || v > UINT32_MAX) {
        r->pos = save;
        return QUARRY_ECORRUPT;
    }
    *out = (uint32_t)v;
    return QUARRY_OK;
}

/* Borrows the next n bytes (*out points into the input). */
static inline int reader_bytes(reader *r, const uint8_t **out, size_t n)
{
    if (reader_left(r) < n)
        return QUARRY_ECORRUPT;
    *out = r->pos;
    r->pos += n;
    return QUARRY_OK;
}

/* A vbyte length followed by that many bytes (as buf_put_str writes). */
static inline int reader_str(reader *r, const uint8_t **out, size_t *len)
{
    const uint8_t *save = r->pos;
    uint64_t n;
    if (reader_vbyte(r, &n) || n > reader_left(r)) {
        r->pos = save;
        return QUARRY_ECORRUPT;
    }
    *out = r->pos;
    *len = (size_t)n;
    r->pos += n;
    return QUARRY_OK;
}

#endif
