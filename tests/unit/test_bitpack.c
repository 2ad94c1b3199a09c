/*
 * test_bitpack.c: the block codec of common/bitpack.h, against a reference written straight from
 * the header's byte layout (one bit at a time, no shared code with bitpack.c), so a test fails
 * if the kernels and the documented on-disk format ever disagree.
 *
 * For every width 0..32 and every value pattern (random, all zero, all max, alternating, a run of
 * equal values, the top bit spread over every position), roundtrip() packs with the default
 * kernel (SSE2 on x86-64) and the scalar kernel, requires both to match the reference byte for
 * byte, and unpacks with both (plain and frequency decoders) from a heap block of exactly the
 * packed size at an odd address, so a sanitizer build catches any read past the block and any
 * alignment assumption. Then the doc-id coder: delta round trips with base values at the
 * UINT32_MAX boundaries, gaps of every width, the 2^32 - 128 gap at several positions, decoding
 * of arbitrary (corrupt) gaps with wrap-around, and the defensive contract for widths above 32.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/bitpack.h"

#define N BITPACK_BLOCK

/* ===== helpers ============================================================================ */

/* xorshift64*: a small deterministic PRNG (state passed in), so failures reproduce. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Du;
}

static uint32_t rng_u32(uint64_t *s)
{
    return (uint32_t)(rng_next(s) >> 32);
}

/* Largest value of the given width. */
static uint32_t max_of(unsigned width)
{
    return (uint32_t)((UINT64_C(1) << width) - 1u);
}

/* The layout of bitpack.h, bit by bit: bit t of v[i] is bit b % 8 of byte 16 * (b / 32) + 4 * j
 * + (b % 32) / 8, where r = i / 4, j = i % 4 and b = r * width + t. */
static size_t ref_byte(size_t i, unsigned width, unsigned t, unsigned *bit)
{
    size_t r = i / 4, j = i % 4, b = r * width + t;
    *bit = (unsigned)(b % 8);
    return 16 * (b / 32) + 4 * j + (b % 32) / 8;
}

static void ref_pack(uint8_t *dst, const uint32_t *v, unsigned width)
{
    memset(dst, 0, bitpack_bytes(width));
    for (size_t i = 0; i < N; i++)
        for (unsigned t = 0; t < width; t++) {
            unsigned bit;
            size_t byte = ref_byte(i, width, t, &bit);
            if (v[i] >> t & 1u)
                dst[byte] |= (uint8_t)(1u << bit);
        }
}

static void ref_unpack(uint32_t *v, const uint8_t *src, unsigned width)
{
    for (size_t i = 0; i < N; i++) {
        v[i] = 0;
        for (unsigned t = 0; t < width; t++) {
            unsigned bit;
            size_t byte = ref_byte(i, width, t, &bit);
            v[i] |= (uint32_t)(src[byte] >> bit & 1u) << t;
        }
    }
}

/* A heap copy of the n packed bytes at an odd address, with nothing readable after it; NULL when
 * n == 0, so a decoder that reads anything at width 0 crashes. Free with free_block. */
static uint8_t *exact_block(const uint8_t *p, size_t n)
{
    if (n == 0)
        return NULL;
    uint8_t *raw = malloc(n + 1);
    assert_non_null(raw);
    memcpy(raw + 1, p, n);
    return raw + 1;
}

static void free_block(uint8_t *p)
{
    if (p)
        free(p - 1);
}

/*
 * The round trip applied to every block: both kernels pack exactly the reference bytes and
 * nothing past them, and both unpack them back (plain and +1 for frequencies).
 */
static void roundtrip(const uint32_t *v, unsigned width)
{
    size_t nbytes = bitpack_bytes(width);
    uint8_t ref[BITPACK_MAX_BYTES], simd[BITPACK_MAX_BYTES + 16], sca[BITPACK_MAX_BYTES + 16];
    uint32_t out[N];

    assert_true(bitpack_width(v, N) <= width);
    ref_pack(ref, v, width);
    memset(simd, 0xA5, sizeof simd);
    memset(sca, 0xA5, sizeof sca);
    bitpack_pack(simd, v, width);
    bitpack_pack_scalar(sca, v, width);
    assert_memory_equal(simd, ref, nbytes);
    assert_memory_equal(sca, ref, nbytes);
    for (size_t i = nbytes; i < sizeof simd; i++) { /* nothing written past the block */
        assert_int_equal(simd[i], 0xA5);
        assert_int_equal(sca[i], 0xA5);
    }

    uint8_t *blk = exact_block(ref, nbytes);
    ref_unpack(out, ref, width);
    assert_memory_equal(out, v, sizeof out);
    memset(out, 0xA5, sizeof out);
    bitpack_unpack(out, blk, width);
    assert_memory_equal(out, v, sizeof out);
    memset(out, 0xA5, sizeof out);
    bitpack_unpack_scalar(out, blk, width);
    assert_memory_equal(out, v, sizeof out);

    uint32_t plus1[N], out2[N];
    for (size_t i = 0; i < N; i++)
        plus1[i] = v[i] + 1u;
    bitpack_unpack_freq(out, blk, width);
    bitpack_unpack_freq_scalar(out2, blk, width);
    assert_memory_equal(out, plus1, sizeof out);
    assert_memory_equal(out2, plus1, sizeof out);
    free_block(blk);
}

/* The value patterns every width is tried with; fills v with values below 2^width. */
enum { PAT_RANDOM, PAT_ZERO, PAT_MAX, PAT_ALTERNATE, PAT_RUN, PAT_ONE_MAX, PAT_COUNT };

static void fill(uint32_t *v, unsigned width, int pattern, uint64_t *rng, size_t k)
{
    uint32_t max = max_of(width);
    for (size_t i = 0; i < N; i++) {
        switch (pattern) {
        case PAT_RANDOM:
            v[i] = rng_u32(rng) & max;
            break;
        case PAT_ZERO:
            v[i] = 0;
            break;
        case PAT_MAX:
            v[i] = max;
            break;
        case PAT_ALTERNATE:
            v[i] = (i + k) % 2 ? max : 0;
            break;
        case PAT_RUN: /* a run of one value in the middle, random around it */
            v[i] = (i >= 17 && i < 17 + 64) ? (uint32_t)(0x5A5A5A5Au & max) : rng_u32(rng) & max;
            break;
        default: /* PAT_ONE_MAX: only position k is non-zero (the top values of its lane) */
            v[i] = i == k ? max : 0;
            break;
        }
    }
}

/* ===== tests ============================================================================== */

static void test_bytes_and_width(void **state)
{
    (void)state;
    for (unsigned w = 0; w <= 32; w++)
        assert_int_equal(bitpack_bytes(w), 16 * w);
    assert_int_equal(bitpack_width(NULL, 0), 0);
    uint32_t v[N] = {0};
    assert_int_equal(bitpack_width(v, N), 0);
    for (unsigned b = 0; b < 32; b++) {
        v[77] = UINT32_C(1) << b;
        assert_int_equal(bitpack_width(v, N), b + 1);
        v[77] = max_of(b + 1);
        assert_int_equal(bitpack_width(v, N), b + 1);
    }
    v[77] = 0;
    v[N - 1] = 5;
    assert_int_equal(bitpack_width(v, N), 3);
    assert_int_equal(bitpack_width(v, N - 1), 0); /* only the first n count */
}

/* The examples the header gives, as bytes: the on-disk format must not move. */
static void test_layout_golden(void **state)
{
    (void)state;
    uint32_t v[N] = {0};
    uint8_t out[BITPACK_MAX_BYTES];

    v[0] = 1; /* width 1: v[0] is bit 0 of byte 0; v[5] (row 1, lane 1) bit 1 of byte 4 */
    v[5] = 1;
    v[127] = 1; /* row 31, lane 3: bit 31 of lane 3's word, byte 15 bit 7 */
    bitpack_pack(out, v, 1);
    static const uint8_t w1[16] = {0x01, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};
    assert_memory_equal(out, w1, 16);

    memset(v, 0, sizeof v); /* width 3: v[40] = row 10 of lane 0 straddles bits 30..32 */
    v[40] = 7;
    v[4] = 5; /* row 1 of lane 0: bits 3..5 of byte 0 */
    bitpack_pack(out, v, 3);
    uint8_t w3[48] = {0};
    w3[0] = 5 << 3;
    w3[3] = 0xC0;
    w3[16] = 0x01;
    assert_memory_equal(out, w3, 48);

    for (size_t i = 0; i < N; i++) /* width 32: plain little-endian words, lanes interleaved */
        v[i] = (uint32_t)i * 0x01010101u;
    bitpack_pack(out, v, 32);
    for (size_t i = 0; i < N; i++) {
        size_t at = 16 * (i / 4) + 4 * (i % 4);
        assert_int_equal(out[at], (uint8_t)i);
        assert_int_equal(out[at + 3], (uint8_t)i);
    }
}

static void test_roundtrip_every_width(void **state)
{
    (void)state;
    uint64_t rng = 0x9E3779B97F4A7C15u;
    uint32_t v[N];
    for (unsigned w = 0; w <= 32; w++)
        for (int pat = 0; pat < PAT_COUNT; pat++) {
            size_t reps = pat == PAT_RANDOM ? 20 : pat == PAT_ONE_MAX ? N : 2;
            for (size_t k = 0; k < reps; k++) {
                fill(v, w, pat, &rng, k);
                roundtrip(v, w);
            }
        }
}

/* Values may be packed at any width above their own; the max 2^32 - 1 spread at width 32. */
static void test_roundtrip_wider(void **state)
{
    (void)state;
    uint64_t rng = 42;
    uint32_t v[N];
    for (unsigned w = 0; w <= 32; w++)
        for (unsigned wide = w; wide <= 32; wide += 3) {
            fill(v, w, PAT_RANDOM, &rng, 0);
            roundtrip(v, wide);
        }
    for (size_t stride = 1; stride <= 64; stride *= 2) {
        for (size_t i = 0; i < N; i++)
            v[i] = i % stride == 0 ? UINT32_MAX : rng_u32(&rng);
        roundtrip(v, 32);
    }
}

/* Bits above the width are cut, not spilled into the neighbours. */
static void test_pack_cuts_high_bits(void **state)
{
    (void)state;
    uint64_t rng = 7;
    uint32_t v[N], dirty[N];
    uint8_t a[BITPACK_MAX_BYTES], b[BITPACK_MAX_BYTES], c[BITPACK_MAX_BYTES];
    for (unsigned w = 0; w < 32; w++) {
        fill(v, w, PAT_RANDOM, &rng, 0);
        for (size_t i = 0; i < N; i++)
            dirty[i] = v[i] | (rng_u32(&rng) & ~max_of(w));
        bitpack_pack(a, v, w);
        bitpack_pack(b, dirty, w);
        bitpack_pack_scalar(c, dirty, w);
        assert_memory_equal(a, b, bitpack_bytes(w));
        assert_memory_equal(a, c, bitpack_bytes(w));
    }
}

/* Encodes docs after base, packs at the gaps' width, and decodes with both kernels. */
static void delta_roundtrip(const uint32_t *docs, uint32_t base, unsigned expect_width)
{
    uint32_t gaps[N], out[N];
    uint8_t packed[BITPACK_MAX_BYTES], sca[BITPACK_MAX_BYTES];
    bitpack_delta_encode(gaps, docs, base);
    uint32_t prev = base;
    for (size_t i = 0; i < N; i++) { /* the gaps are the differences minus one */
        assert_int_equal(gaps[i], docs[i] - prev - 1u);
        prev = docs[i];
    }
    unsigned w = bitpack_width(gaps, N);
    assert_int_equal(w, expect_width);
    bitpack_pack(packed, gaps, w);
    bitpack_pack_scalar(sca, gaps, w);
    assert_memory_equal(packed, sca, bitpack_bytes(w));
    uint8_t *blk = exact_block(packed, bitpack_bytes(w));
    memset(out, 0xA5, sizeof out);
    bitpack_unpack_delta(out, blk, w, base);
    assert_memory_equal(out, docs, sizeof out);
    memset(out, 0xA5, sizeof out);
    bitpack_unpack_delta_scalar(out, blk, w, base);
    assert_memory_equal(out, docs, sizeof out);
    free_block(blk);
}

static void test_delta_boundaries(void **state)
{
    (void)state;
    uint32_t docs[N];

    for (size_t i = 0; i < N; i++) /* first block of a list (base -1), dense: width 0 */
        docs[i] = (uint32_t)i;
    delta_roundtrip(docs, UINT32_MAX, 0);

    for (size_t i = 0; i < N; i++) /* first block starting at 5: the first gap is the id */
        docs[i] = (uint32_t)i + 5;
    delta_roundtrip(docs, UINT32_MAX, 3);

    for (size_t i = 0; i < N; i++) /* dense block ending at UINT32_MAX - 1 (below CURSOR_END) */
        docs[i] = UINT32_MAX - 128 + (uint32_t)i;
    delta_roundtrip(docs, UINT32_MAX - 129, 0);
    delta_roundtrip(docs, UINT32_MAX - 130, 1);
    delta_roundtrip(docs, 0, 32); /* a first gap of 2^32 - 130 */

    for (size_t i = 0; i < N; i++) /* ending at UINT32_MAX itself, base 0 */
        docs[i] = UINT32_MAX - 127 + (uint32_t)i;
    delta_roundtrip(docs, 0, 32);

    for (size_t i = 0; i < N; i++) /* every gap 2^25 - 1 from base -1: the largest at width 25 */
        docs[i] = (uint32_t)((i + 1) << 25) - 1u;
    delta_roundtrip(docs, UINT32_MAX, 25);

    /* one huge gap (about 2^32 - 128) at several positions: ids 0..k-1, then the top ids */
    static const size_t at[] = {0, 1, 3, 4, 63, 64, 126, 127};
    for (size_t a = 0; a < sizeof at / sizeof at[0]; a++) {
        size_t k = at[a];
        for (size_t i = 0; i < N; i++)
            docs[i] = i < k ? (uint32_t)i : UINT32_MAX - (uint32_t)(N - 1 - i);
        delta_roundtrip(docs, UINT32_MAX, 32);
    }
}

static void test_delta_random(void **state)
{
    (void)state;
    uint64_t rng = 0xD1CE;
    uint32_t docs[N];
    for (unsigned w = 0; w <= 24; w++)
        for (int rep = 0; rep < 20; rep++) {
            /* gaps below 2^w, one of them the max; a base low or high in the id space */
            uint32_t base = rep % 3 == 0   ? UINT32_MAX
                            : rep % 3 == 1 ? rng_u32(&rng) >> 8
                                           : UINT32_MAX - 129u - (max_of(w) << 7) - rep;
            uint32_t prev = base;
            size_t big = (size_t)rng_u32(&rng) % N;
            for (size_t i = 0; i < N; i++) {
                uint32_t g = i == big ? max_of(w) : rng_u32(&rng) & max_of(w);
                docs[i] = prev + 1u + g;
                prev = docs[i];
            }
            delta_roundtrip(docs, base, w);
        }
}

/* Corrupt gaps decode deterministically (mod 2^32) and the same with both kernels. */
static void test_delta_decode_wraps(void **state)
{
    (void)state;
    uint64_t rng = 99;
    uint32_t gaps[N], want[N], out[N], out2[N];
    uint8_t packed[BITPACK_MAX_BYTES];
    for (unsigned w = 20; w <= 32; w++) {
        uint32_t base = rng_u32(&rng);
        uint32_t prev = base;
        for (size_t i = 0; i < N; i++) {
            gaps[i] = rng_u32(&rng) & max_of(w);
            want[i] = prev + 1u + gaps[i];
            prev = want[i];
        }
        bitpack_pack(packed, gaps, w);
        bitpack_unpack_delta(out, packed, w, base);
        bitpack_unpack_delta_scalar(out2, packed, w, base);
        assert_memory_equal(out, want, sizeof out);
        assert_memory_equal(out2, want, sizeof out);
    }
}

static void test_freq_encode(void **state)
{
    (void)state;
    uint32_t f[N], enc[N], out[N];
    uint8_t packed[BITPACK_MAX_BYTES];
    for (size_t i = 0; i < N; i++)
        f[i] = 1;
    bitpack_freq_encode(enc, f);
    assert_int_equal(bitpack_width(enc, N), 0); /* all ones take no bytes */
    bitpack_unpack_freq(out, NULL, 0);
    assert_memory_equal(out, f, sizeof out);
    f[9] = UINT32_MAX;
    bitpack_freq_encode(enc, f);
    assert_int_equal(enc[9], UINT32_MAX - 1);
    unsigned w = bitpack_width(enc, N);
    assert_int_equal(w, 32);
    bitpack_pack(packed, enc, w);
    bitpack_unpack_freq(out, packed, w);
    assert_memory_equal(out, f, sizeof out);
}

/* A width above 32 reads nothing (src is NULL) and decodes as width 0; packing writes nothing. */
static void test_bad_width(void **state)
{
    (void)state;
    uint32_t out[N], v[N] = {0};
    uint8_t dst[4] = {1, 2, 3, 4};
    for (unsigned w = 33; w < 300; w += 40) {
        bitpack_unpack(out, NULL, w);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(out[i], 0);
        bitpack_unpack_scalar(out, NULL, w);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(out[i], 0);
        bitpack_unpack_freq(out, NULL, w);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(out[i], 1);
        bitpack_unpack_delta(out, NULL, w, 1000);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(out[i], 1001 + i);
        bitpack_unpack_delta_scalar(out, NULL, w, UINT32_MAX);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(out[i], i);
        bitpack_pack(dst, v, w);
        bitpack_pack_scalar(dst, v, w);
        assert_int_equal(dst[0], 1);
        assert_int_equal(dst[3], 4);
    }
    assert_non_null(bitpack_kernel_name());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_and_width),       cmocka_unit_test(test_layout_golden),
        cmocka_unit_test(test_roundtrip_every_width), cmocka_unit_test(test_roundtrip_wider),
        cmocka_unit_test(test_pack_cuts_high_bits),   cmocka_unit_test(test_delta_boundaries),
        cmocka_unit_test(test_delta_random),          cmocka_unit_test(test_delta_decode_wraps),
        cmocka_unit_test(test_freq_encode),           cmocka_unit_test(test_bad_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
