/*
 * test_pfor.c: patched frame-of-reference blocks (common/pfor.h). Round trips over every base
 * width with outliers of every size, the all-zero and all-maximum blocks, a block of nothing
 * but exceptions; the chosen encoding is never larger than plain packing at the block's full
 * width (plus the two header bytes); and malformed blocks (width over 32, exceptions with a
 * 32-bit width, indexes out of order or out of range, empty or overflowing high parts,
 * truncation at every length) are QUARRY_ECORRUPT, never a read outside the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/bitpack.h"
#include "common/pfor.h"
#include "quarry/error.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* xorshift64*: deterministic test data. */
static uint32_t next_rand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1Du) >> 32);
}

/* Encodes v, decodes it from an exact-size copy and checks both the values and the size. */
static void round_trip(const uint32_t *v)
{
    buf b = BUF_INIT;
    pfor_put(&b, v);
    assert_int_equal(b.rc, 0);
    size_t plain = bitpack_bytes(bitpack_width(v, BITPACK_BLOCK)) + 2;
    assert_true(b.len <= plain);
    uint8_t *copy = malloc(b.len);
    assert_non_null(copy);
    memcpy(copy, b.data, b.len);
    reader r = reader_make(copy, b.len);
    uint32_t out[BITPACK_BLOCK];
    assert_int_equal(pfor_get(&r, out), QUARRY_OK);
    assert_int_equal(reader_left(&r), 0);
    assert_memory_equal(out, v, sizeof out);
    /* Every truncation fails cleanly. */
    for (size_t n = 0; n < b.len; n++) {
        reader t = reader_make(copy, n);
        assert_int_equal(pfor_get(&t, out), QUARRY_ECORRUPT);
    }
    free(copy);
    buf_free(&b);
}

static void test_widths_with_outliers(void **state)
{
    (void)state;
    uint32_t v[BITPACK_BLOCK];
    for (unsigned w = 0; w <= 32; w++) {
        for (unsigned outliers = 0; outliers <= 8; outliers += 4) {
            for (int i = 0; i < BITPACK_BLOCK; i++)
                v[i] = w == 0 ? 0 : w == 32 ? next_rand() : next_rand() & ((1u << w) - 1);
            for (unsigned k = 0; k < outliers; k++)
                v[next_rand() % BITPACK_BLOCK] = next_rand() | 0x80000000u;
            round_trip(v);
        }
    }
}

static void test_extremes(void **state)
{
    (void)state;
    uint32_t v[BITPACK_BLOCK];
    memset(v, 0, sizeof v);
    round_trip(v); /* width 0, no exceptions: two bytes */
    for (int i = 0; i < BITPACK_BLOCK; i++)
        v[i] = UINT32_MAX;
    round_trip(v);
    for (int i = 0; i < BITPACK_BLOCK; i++)
        v[i] = i % 2 ? 1u << 31 : 0; /* half the block far out */
    round_trip(v);
    memset(v, 0, sizeof v);
    v[0] = 1;
    v[127] = UINT32_MAX; /* exceptions at both ends */
    round_trip(v);
    /* One long gap among small ones costs a few bytes, not 127 wide values. */
    for (int i = 0; i < BITPACK_BLOCK; i++)
        v[i] = 3;
    v[64] = 100000;
    buf b = BUF_INIT;
    pfor_put(&b, v);
    assert_true(b.len <= bitpack_bytes(2) + 2 + 1 + 3);
    buf_free(&b);
}

/* Decodes hand-made bytes and expects QUARRY_ECORRUPT. */
static void expect_corrupt(const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, p, n);
    reader r = reader_make(copy, n);
    uint32_t out[BITPACK_BLOCK];
    assert_int_equal(pfor_get(&r, out), QUARRY_ECORRUPT);
    free(copy);
}

static void test_malformed(void **state)
{
    (void)state;
    static const uint8_t width33[] = {33, 0};
    expect_corrupt(width33, sizeof width33);
    uint8_t w32[2 + 16 * 32 + 2] = {32, 1};
    expect_corrupt(w32, sizeof w32); /* exceptions make no sense at width 32 */
    static const uint8_t order[] = {0, 2, 5, 1, 5, 1};
    expect_corrupt(order, sizeof order); /* indexes must increase */
    static const uint8_t range[] = {0, 1, 128, 1};
    expect_corrupt(range, sizeof range);
    static const uint8_t zero[] = {0, 1, 3, 0};
    expect_corrupt(zero, sizeof zero); /* an exception must add bits */
    uint8_t big[2 + 16 * 4 + 1 + 5] = {4, 1};
    big[2 + 64] = 7;
    memcpy(big + 2 + 64 + 1, "\xff\xff\xff\xff\x0f", 5); /* 2^32 - 1 << 4 overflows */
    expect_corrupt(big, sizeof big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_with_outliers),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
