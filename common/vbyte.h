/*
 * vbyte: variable-byte integers, the compression of postings, positions and dictionary fields.
 *
 * Little-endian groups of 7 bits, low group first; the high bit of a byte is set when more
 * bytes follow. 0..127 take one byte; a uint64_t takes at most 10 bytes. Decoding is strict:
 * a value that runs past the end of input, is longer than 10 bytes or overflows 64 bits is
 * rejected (docs/FORMAT.md, "Variable-byte integers").
 */
#ifndef QUARRY_COMMON_VBYTE_H
#define QUARRY_COMMON_VBYTE_H

#include <stddef.h>
#include <stdint.h>

#define VBYTE_MAX_BYTES 10

/* Writes v at dst (which has room for VBYTE_MAX_BYTES) and returns the bytes written. */
static inline size_t vbyte_put(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

/*
 * Reads one value from *p (not past end) into *out and advances *p. Returns 0, or -1 if the
 * input is truncated, too long or overflows (then *p is unchanged).
 */
static inline int vbyte_get(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    const uint8_t *s = *p;
    if (s < end && *s < 0x80) { /* the common one-byte case */
        *out = *s;
        *p = s + 1;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned shift = 0; s < end; shift += 7) {
        uint8_t c = *s++;
        if (shift == 63 && c > 1)
            return -1;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) {
            *out = v;
            *p = s;
            return 0;
        }
        if (shift == 63)
            return -1;
    }
    return -1;
}

/* Bytes vbyte_put would write for v. */
static inline size_t vbyte_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

#endif
