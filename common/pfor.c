/*
 * pfor.c: patched frame-of-reference blocks (pfor.h) on top of bitpack. The writer picks the
 * width by exact cost over every candidate up to the longest value's, from a histogram of bit
 * lengths; the reader unpacks with bitpack's SIMD kernel and then patches the exceptions.
 */
#include "pfor.h"

#include "bitpack.h"
#include "quarry/error.h"

/* Bits of v without its leading zeros (0 for 0). */
static inline unsigned bitlen(uint32_t v)
{
#if defined(__GNUC__)
    return v ? 32u - (unsigned)__builtin_clz(v) : 0u;
#else
    unsigned n = 0;
    while (v) {
        n++;
        v >>= 1;
    }
    return n;
#endif
}

void pfor_put(buf *b, const uint32_t *v)
{
    unsigned hist[33] = {0};
    uint32_t all = 0;
    for (int i = 0; i < BITPACK_BLOCK; i++) {
        hist[bitlen(v[i])]++;
        all |= v[i];
    }
    /* cost(w) = packed bytes + for each value longer than w: 1 index byte + its high part as
     * a vbyte of ceil((len - w) / 7) bytes. Widths above the longest value's cost more than it
     * (packed bytes only grow), so the search stops there; ties keep the narrower width.
     * A block has 128 values, so the exception count always fits its byte. */
    unsigned top = bitlen(all), best = top;
    size_t best_cost = (size_t)-1;
    for (unsigned w = 0; w <= top; w++) {
        size_t cost = bitpack_bytes(w);
        for (unsigned len = w + 1; len <= top; len++)
            cost += hist[len] * (1 + (len - w + 6) / 7);
        if (cost < best_cost) {
            best_cost = cost;
            best = w;
        }
    }
    uint8_t packed[BITPACK_MAX_BYTES];
    uint8_t nexc = 0;
    for (int i = 0; i < BITPACK_BLOCK; i++)
        nexc += best < 32 && (v[i] >> best) != 0;
    bitpack_pack(packed, v, best);
    buf_put_u8(b, (uint8_t)best);
    buf_put_u8(b, nexc);
    buf_append(b, packed, bitpack_bytes(best));
    for (int i = 0; nexc && i < BITPACK_BLOCK; i++) {
        if (best < 32 && (v[i] >> best) != 0) {
            buf_put_u8(b, (uint8_t)i);
            buf_put_vbyte(b, v[i] >> best);
        }
    }
}

int pfor_get(reader *r, uint32_t *v)
{
    uint8_t w, n;
    const uint8_t *src;
    if (reader_u8(r, &w) || reader_u8(r, &n) || w > BITPACK_MAX_WIDTH || (w == 32 && n) ||
        reader_bytes(r, &src, bitpack_bytes(w)))
        return QUARRY_ECORRUPT;
    bitpack_unpack(v, src, w);
    int prev = -1;
    for (unsigned k = 0; k < n; k++) {
        uint8_t idx;
        uint32_t high;
        if (reader_u8(r, &idx) || idx >= BITPACK_BLOCK || (int)idx <= prev ||
            reader_vbyte32(r, &high) || high == 0 || high > (UINT32_MAX >> w))
            return QUARRY_ECORRUPT;
        v[idx] |= high << w;
        prev = idx;
    }
    return QUARRY_OK;
}
