/*
 * test_codec.c: the integer and string codecs every index file is made of: vbyte_put /
 * vbyte_get / vbyte_len (common/vbyte.h), the buf_put_* encoders (common/buf.h) and the
 * bounds-checked reader_* decoders (common/reader.h).
 *
 * One round-trip routine, roundtrip(), is applied to every codec in the `codecs` table, on
 * edge values (0, 127, 128, 2^14 - 1, 2^14, 2^32 - 1, 2^32, 2^63, UINT64_MAX and every power of
 * two and its neighbours) and on random values from a seeded PRNG (deterministic). It checks
 * the encoded length, decodes everything back from a heap block of exactly the encoded size
 * (so a sanitizer build catches any read past the end), and checks that every strict prefix of
 * every encoding fails with QUARRY_ECORRUPT and leaves the reader unchanged.
 *
 * Then the decoding failures the format specifies (docs/FORMAT.md, "Conventions"): truncated
 * varints of every length, an 11-byte varint, overflow at the 10th byte, reader_vbyte32 on a
 * value above UINT32_MAX, reader_str and reader_bytes with a length past the end; and the
 * sticky error of buf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/reader.h"
#include "common/vbyte.h"
#include "quarry/error.h"

/* ===== helpers ============================================================================ */

/* xorshift64*: a small deterministic PRNG, so failures reproduce. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed ? seed : 0x9E3779B97F4A7C15u;
}

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

/* A random value whose bit length is uniform in 0..64, so every encoded length is common. */
static uint64_t rng_value(void)
{
    unsigned bits = (unsigned)(rng_next() % 65);
    return bits == 0 ? 0 : rng_next() >> (64 - bits);
}

/* A heap copy of exactly n bytes (at least 1 allocated, never read when n == 0). */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* Asserts that a decode call failed with ECORRUPT and left the reader exactly as it was. */
#define assert_failed_unchanged(call, r, before)                                                   \
    do {                                                                                           \
        assert_int_equal((call), QUARRY_ECORRUPT);                                                 \
        assert_ptr_equal((r)->pos, (before).pos);                                                  \
        assert_ptr_equal((r)->end, (before).end);                                                  \
    } while (0)

/* ===== the codecs under test ============================================================== */

/* One codec: how to append a value to a buf and read it back through a reader. */
typedef struct codec {
    const char *name;                   /* for messages */
    uint64_t max;                       /* largest value it encodes */
    void (*put)(buf *b, uint64_t v);    /* appends v */
    int (*get)(reader *r, uint64_t *v); /* reads one value: QUARRY_OK or QUARRY_ECORRUPT */
    size_t (*len)(uint64_t v);          /* bytes put writes for v */
} codec;

/* vbyte.h used directly, without buf or reader. */
static void put_raw_vbyte(buf *b, uint64_t v)
{
    uint8_t tmp[VBYTE_MAX_BYTES + 4];
    memset(tmp, 0xAA, sizeof tmp);
    size_t n = vbyte_put(tmp, v);
    assert_true(n >= 1 && n <= VBYTE_MAX_BYTES);
    assert_int_equal(tmp[n], 0xAA); /* nothing written past the returned length */
    buf_append(b, tmp, n);
}

static int get_raw_vbyte(reader *r, uint64_t *v)
{
    return vbyte_get(&r->pos, r->end, v) ? QUARRY_ECORRUPT : QUARRY_OK;
}

static void put_vbyte(buf *b, uint64_t v)
{
    buf_put_vbyte(b, v);
}

static int get_vbyte(reader *r, uint64_t *v)
{
    return reader_vbyte(r, v);
}

static int get_vbyte32(reader *r, uint64_t *v)
{
    uint32_t x = 0xDEADBEEF;
    int rc = reader_vbyte32(r, &x);
    *v = x;
    return rc;
}

static void put_u8(buf *b, uint64_t v)
{
    buf_put_u8(b, (uint8_t)v);
}

static int get_u8(reader *r, uint64_t *v)
{
    uint8_t x = 0;
    int rc = reader_u8(r, &x);
    *v = x;
    return rc;
}

static size_t len_u8(uint64_t v)
{
    (void)v;
    return 1;
}

static void put_u32(buf *b, uint64_t v)
{
    buf_put_u32(b, (uint32_t)v);
}

static int get_u32(reader *r, uint64_t *v)
{
    uint32_t x = 0;
    int rc = reader_u32(r, &x);
    *v = x;
    return rc;
}

static size_t len_u32(uint64_t v)
{
    (void)v;
    return 4;
}

static void put_u64(buf *b, uint64_t v)
{
    buf_put_u64(b, v);
}

static int get_u64(reader *r, uint64_t *v)
{
    return reader_u64(r, v);
}

static size_t len_u64(uint64_t v)
{
    (void)v;
    return 8;
}

/*
 * str: the value's significant bytes (0..8 of them, little-endian) as a buf_put_str string,
 * so that the round trip covers string lengths 0..8 and checks the payload bytes.
 */
static size_t str_payload(uint64_t v, uint8_t out[8])
{
    size_t n = 0;
    while (v) {
        out[n++] = (uint8_t)v;
        v >>= 8;
    }
    return n;
}

static void put_str(buf *b, uint64_t v)
{
    uint8_t p[8];
    buf_put_str(b, p, str_payload(v, p));
}

static int get_str(reader *r, uint64_t *v)
{
    const uint8_t *p = NULL;
    size_t n = 99;
    int rc = reader_str(r, &p, &n);
    if (rc)
        return rc;
    assert_true(n <= 8);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    assert_true(n == 0 || p[n - 1] != 0); /* minimal, as put_str wrote it */
    *v = x;
    return QUARRY_OK;
}

static size_t len_str(uint64_t v)
{
    uint8_t p[8];
    return 1 + str_payload(v, p);
}

static const codec codecs[] = {
    {"vbyte_put/vbyte_get", UINT64_MAX, put_raw_vbyte, get_raw_vbyte, vbyte_len},
    {"buf_put_vbyte/reader_vbyte", UINT64_MAX, put_vbyte, get_vbyte, vbyte_len},
    {"buf_put_vbyte/reader_vbyte32", UINT32_MAX, put_vbyte, get_vbyte32, vbyte_len},
    {"buf_put_u8/reader_u8", UINT8_MAX, put_u8, get_u8, len_u8},
    {"buf_put_u32/reader_u32", UINT32_MAX, put_u32, get_u32, len_u32},
    {"buf_put_u64/reader_u64", UINT64_MAX, put_u64, get_u64, len_u64},
    {"buf_put_str/reader_str", UINT64_MAX, put_str, get_str, len_str},
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* ===== the round-trip routine ============================================================= */

/*
 * Encodes vals[0..n) one after another with c, checks the total length, then decodes them all
 * from an exact-size heap copy and checks values and reader positions; a read at the end must
 * fail without moving. Then every strict prefix of each single encoding must fail unchanged.
 */
static void roundtrip(const codec *c, const uint64_t *vals, size_t n)
{
    buf b = BUF_INIT;
    size_t want = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(vals[i] <= c->max);
        c->put(&b, vals[i]);
        want += c->len(vals[i]);
    }
    assert_int_equal(b.rc, QUARRY_OK);
    assert_int_equal(b.len, want);

    uint8_t *data = exact_copy(b.data, b.len);
    reader r = reader_make(data, b.len);
    assert_int_equal(reader_left(&r), b.len);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *before = r.pos;
        uint64_t got = ~vals[i];
        if (c->get(&r, &got) != QUARRY_OK)
            fail_msg("%s: value %zu (%llu) does not decode", c->name, i,
                     (unsigned long long)vals[i]);
        if (got != vals[i])
            fail_msg("%s: value %zu: wrote %llu, read %llu", c->name, i,
                     (unsigned long long)vals[i], (unsigned long long)got);
        assert_int_equal((size_t)(r.pos - before), c->len(vals[i]));
    }
    assert_int_equal(reader_left(&r), 0);
    reader at_end = r;
    uint64_t dummy;
    assert_failed_unchanged(c->get(&r, &dummy), &r, at_end);
    free(data);

    /* Every strict prefix of one encoding is a truncated value. */
    for (size_t i = 0; i < n; i++) {
        buf one = BUF_INIT;
        c->put(&one, vals[i]);
        assert_int_equal(one.rc, QUARRY_OK);
        for (size_t cut = 0; cut < one.len; cut++) {
            uint8_t *part = exact_copy(one.data, cut);
            reader pr = reader_make(part, cut), keep = pr;
            if (c->get(&pr, &dummy) != QUARRY_ECORRUPT)
                fail_msg("%s: %llu cut to %zu of %zu bytes decodes", c->name,
                         (unsigned long long)vals[i], cut, one.len);
            assert_ptr_equal(pr.pos, keep.pos);
            assert_ptr_equal(pr.end, keep.end);
            free(part);
        }
        buf_free(&one);
    }
    buf_free(&b);
}

/* The edge values not above max, into out (room for 256); returns how many. */
static size_t edge_values(uint64_t max, uint64_t *out)
{
    static const uint64_t named[] = {0,
                                     1,
                                     127,
                                     128,
                                     255,
                                     256,
                                     (1u << 14) - 1,
                                     1u << 14,
                                     UINT32_MAX,
                                     (uint64_t)UINT32_MAX + 1,
                                     (uint64_t)1 << 63,
                                     ((uint64_t)1 << 63) - 1,
                                     UINT64_MAX - 1,
                                     UINT64_MAX};
    size_t n = 0;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (named[i] <= max)
            out[n++] = named[i];
    for (unsigned k = 0; k < 64; k++) {
        uint64_t p = (uint64_t)1 << k;
        uint64_t around[3] = {p - 1, p, p + 1};
        for (int j = 0; j < 3; j++)
            if (around[j] <= max)
                out[n++] = around[j];
    }
    assert_true(n <= 256);
    return n;
}

static void test_roundtrip_edges(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        uint64_t vals[256];
        size_t n = edge_values(codecs[i].max, vals);
        assert_true(n >= 20);
        roundtrip(&codecs[i], vals, n);
        /* The same values in reverse order, so every value is also decoded mid-stream. */
        for (size_t j = 0; j < n / 2; j++) {
            uint64_t t = vals[j];
            vals[j] = vals[n - 1 - j];
            vals[n - 1 - j] = t;
        }
        roundtrip(&codecs[i], vals, n);
    }
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    enum { N = 5000 };
    uint64_t *vals = malloc(N * sizeof *vals);
    assert_non_null(vals);
    for (size_t i = 0; i < NCODECS; i++) {
        rng_seed(0x5EED0000u + i);
        for (size_t j = 0; j < N; j++) {
            uint64_t v = rng_value();
            vals[j] = codecs[i].max == UINT64_MAX ? v : v % ((uint64_t)codecs[i].max + 1);
        }
        roundtrip(&codecs[i], vals, N);
    }
    free(vals);
}

/* ===== vbyte specifics ==================================================================== */

/* The exact bytes of some values (docs/FORMAT.md: low 7-bit group first, high bit = more). */
static void test_vbyte_bytes(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        size_t n;
        uint8_t bytes[10];
    } cases[] = {
        {0, 1, {0x00}},
        {1, 1, {0x01}},
        {127, 1, {0x7F}},
        {128, 2, {0x80, 0x01}},
        {300, 2, {0xAC, 0x02}},
        {(1u << 14) - 1, 2, {0xFF, 0x7F}},
        {1u << 14, 3, {0x80, 0x80, 0x01}},
        {UINT32_MAX, 5, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}},
        {(uint64_t)UINT32_MAX + 1, 5, {0x80, 0x80, 0x80, 0x80, 0x10}},
        {(uint64_t)1 << 63, 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
        {UINT64_MAX, 10, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[VBYTE_MAX_BYTES];
        assert_int_equal(vbyte_put(out, cases[i].v), cases[i].n);
        assert_int_equal(vbyte_len(cases[i].v), cases[i].n);
        assert_memory_equal(out, cases[i].bytes, cases[i].n);
    }
    /* Length by bit count: a value of k significant bits takes max(1, ceil(k / 7)) bytes. */
    for (unsigned k = 1; k <= 64; k++) {
        uint64_t top = k == 64 ? UINT64_MAX : ((uint64_t)1 << k) - 1;
        assert_int_equal(vbyte_len(top), (k + 6) / 7);
        assert_int_equal(vbyte_len((uint64_t)1 << (k - 1)), (k + 6) / 7);
    }
}

/* Decodes bytes[0..n) with vbyte_get (exact-size copy); the pointer must not move on failure. */
static int raw_decode(const uint8_t *bytes, size_t n, uint64_t *out, size_t *used)
{
    uint8_t *c = exact_copy(bytes, n);
    const uint8_t *p = c;
    int rc = vbyte_get(&p, c + n, out);
    *used = (size_t)(p - c);
    free(c);
    return rc;
}

static void test_vbyte_truncated(void **state)
{
    (void)state;
    /* Continuation bytes only, of every length 0..10: the value runs past the end. */
    uint8_t cont[VBYTE_MAX_BYTES];
    memset(cont, 0x80, sizeof cont);
    for (size_t n = 0; n <= VBYTE_MAX_BYTES; n++) {
        uint64_t v = 42;
        size_t used = 99;
        assert_int_equal(raw_decode(cont, n, &v, &used), -1);
        assert_int_equal(used, 0);

        reader r = reader_make(cont, n), keep = r;
        uint32_t v32;
        assert_failed_unchanged(reader_vbyte(&r, &v), &r, keep);
        assert_failed_unchanged(reader_vbyte32(&r, &v32), &r, keep);
    }
    /* A valid value followed by a truncated one: the first decodes, the second fails in place. */
    uint8_t two[] = {0xAC, 0x02, 0xFF, 0xFF, 0xFF};
    reader r = reader_make(two, sizeof two);
    uint64_t v;
    assert_int_equal(reader_vbyte(&r, &v), QUARRY_OK);
    assert_int_equal(v, 300);
    reader keep = r;
    assert_failed_unchanged(reader_vbyte(&r, &v), &r, keep);
    assert_int_equal(reader_left(&r), 3);
}

static void test_vbyte_too_long(void **state)
{
    (void)state;
    uint64_t v;
    size_t used;
    /* 11 bytes: ten continuation bytes then a terminator. Zero-valued groups do not overflow,
     * but the 10th byte may only be 0 or 1, so 0x80 there is rejected. */
    uint8_t eleven[11];
    memset(eleven, 0x80, 10);
    eleven[10] = 0x00;
    assert_int_equal(raw_decode(eleven, sizeof eleven, &v, &used), -1);
    assert_int_equal(used, 0);
    memset(eleven, 0xFF, 10);
    eleven[10] = 0x01;
    assert_int_equal(raw_decode(eleven, sizeof eleven, &v, &used), -1);

    /* Overflow at the 10th byte: bit 64 and above. */
    uint8_t ten[10];
    memset(ten, 0xFF, 9);
    for (unsigned last = 2; last < 0x80; last++) {
        ten[9] = (uint8_t)last;
        assert_int_equal(raw_decode(ten, sizeof ten, &v, &used), -1);
        reader r = reader_make(ten, sizeof ten), keep = r;
        assert_failed_unchanged(reader_vbyte(&r, &v), &r, keep);
    }
    memset(ten, 0x80, 9);
    ten[9] = 0x02; /* 2 << 63: only the lowest bit of the 10th byte fits */
    assert_int_equal(raw_decode(ten, sizeof ten, &v, &used), -1);

    /* The largest 10-byte values are accepted. */
    memset(ten, 0xFF, 9);
    ten[9] = 0x01;
    assert_int_equal(raw_decode(ten, sizeof ten, &v, &used), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(used, 10);
    ten[9] = 0x00; /* a zero top group: 63 bits, not canonical but within 10 bytes */
    assert_int_equal(raw_decode(ten, sizeof ten, &v, &used), 0);
    assert_int_equal(v, UINT64_MAX >> 1);
    assert_int_equal(used, 10);

    /* A decoder stops at the terminator and never looks beyond it. */
    uint8_t more[] = {0x81, 0x01, 0xFF};
    assert_int_equal(raw_decode(more, sizeof more, &v, &used), 0);
    assert_int_equal(v, 129);
    assert_int_equal(used, 2);
}

static void test_vbyte32_range(void **state)
{
    (void)state;
    uint64_t ok[] = {0, 1, 127, 128, UINT32_MAX - 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t b[VBYTE_MAX_BYTES];
        size_t n = vbyte_put(b, ok[i]);
        reader r = reader_make(b, n);
        uint32_t v = 0;
        assert_int_equal(reader_vbyte32(&r, &v), QUARRY_OK);
        assert_int_equal(v, ok[i]);
        assert_int_equal(reader_left(&r), 0);
    }
    uint64_t bad[] = {(uint64_t)UINT32_MAX + 1, (uint64_t)1 << 35, (uint64_t)1 << 63, UINT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[VBYTE_MAX_BYTES + 1];
        size_t n = vbyte_put(b, bad[i]);
        b[n++] = 0x05; /* a following value that must not be consumed */
        reader r = reader_make(b, n), keep = r;
        uint32_t v = 7;
        assert_failed_unchanged(reader_vbyte32(&r, &v), &r, keep);
        /* The 64-bit reader takes it. */
        uint64_t w;
        assert_int_equal(reader_vbyte(&r, &w), QUARRY_OK);
        assert_int_equal(w, bad[i]);
    }
}

/* ===== strings and fixed widths =========================================================== */

static void test_str_roundtrip(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 127, 128, 300, 16383, 16384, 70000};
    buf b = BUF_INIT;
    uint8_t *src = malloc(70000);
    assert_non_null(src);
    rng_seed(77);
    for (size_t i = 0; i < 70000; i++)
        src[i] = (uint8_t)rng_next();
    size_t want = 0;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        buf_put_str(&b, src, lens[i]);
        want += vbyte_len(lens[i]) + lens[i];
    }
    assert_int_equal(b.rc, QUARRY_OK);
    assert_int_equal(b.len, want);
    uint8_t *data = exact_copy(b.data, b.len);
    reader r = reader_make(data, b.len);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        const uint8_t *p = NULL;
        size_t n = 0;
        assert_int_equal(reader_str(&r, &p, &n), QUARRY_OK);
        assert_int_equal(n, lens[i]);
        assert_true(p >= data && p + n <= data + b.len); /* borrowed from the input */
        assert_memory_equal(p, src, n);
    }
    assert_int_equal(reader_left(&r), 0);
    free(data);
    free(src);
    buf_free(&b);
}

static void test_str_past_end(void **state)
{
    (void)state;
    const uint8_t *p = NULL;
    size_t n = 12345;

    /* Length 5, 4 bytes present. */
    uint8_t short_str[] = {5, 'a', 'b', 'c', 'd'};
    reader r = reader_make(short_str, sizeof short_str), keep = r;
    assert_failed_unchanged(reader_str(&r, &p, &n), &r, keep);
    assert_null(p);
    assert_int_equal(n, 12345);
    /* With one more byte it reads. */
    uint8_t full[] = {5, 'a', 'b', 'c', 'd', 'e'};
    r = reader_make(full, sizeof full);
    assert_int_equal(reader_str(&r, &p, &n), QUARRY_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(p, "abcde", 5);

    /* Huge lengths that would wrap a pointer or size computation. */
    uint64_t huge[] = {(uint64_t)1 << 32, (uint64_t)1 << 62, UINT64_MAX, SIZE_MAX};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        uint8_t b[VBYTE_MAX_BYTES + 4];
        size_t len = vbyte_put(b, huge[i]);
        memcpy(b + len, "xyz", 3);
        r = reader_make(b, len + 3);
        keep = r;
        assert_failed_unchanged(reader_str(&r, &p, &n), &r, keep);
    }
    /* A length that is itself a bad varint. */
    uint8_t bad_len[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0};
    r = reader_make(bad_len, sizeof bad_len);
    keep = r;
    assert_failed_unchanged(reader_str(&r, &p, &n), &r, keep);

    /* reader_bytes: n past the end fails in place, exactly the rest succeeds. */
    uint8_t four[] = {1, 2, 3, 4};
    r = reader_make(four, sizeof four);
    keep = r;
    assert_failed_unchanged(reader_bytes(&r, &p, 5), &r, keep);
    assert_failed_unchanged(reader_bytes(&r, &p, SIZE_MAX), &r, keep);
    assert_int_equal(reader_bytes(&r, &p, 4), QUARRY_OK);
    assert_ptr_equal(p, four);
    assert_int_equal(reader_left(&r), 0);
    assert_int_equal(reader_bytes(&r, &p, 0), QUARRY_OK);
}

static void test_fixed_little_endian(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_put_u8(&b, 0xAB);
    buf_put_u32(&b, 0x01020304u);
    buf_put_u64(&b, 0x1122334455667788u);
    static const uint8_t want[] = {0xAB, 0x04, 0x03, 0x02, 0x01, 0x88, 0x77,
                                   0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    assert_int_equal(b.rc, QUARRY_OK);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    assert_int_equal(load_u32le(want + 1), 0x01020304u);
    assert_int_equal(load_u64le(want + 5), 0x1122334455667788u);

    /* Short fixed-width reads fail in place at every length. */
    for (size_t n = 0; n < 8; n++) {
        reader r = reader_make(want + 5, n), keep = r;
        uint64_t v64;
        uint32_t v32;
        assert_failed_unchanged(reader_u64(&r, &v64), &r, keep);
        if (n < 4)
            assert_failed_unchanged(reader_u32(&r, &v32), &r, keep);
        if (n == 0) {
            uint8_t v8;
            assert_failed_unchanged(reader_u8(&r, &v8), &r, keep);
        }
    }
    buf_free(&b);
}

/* ===== buf ================================================================================ */

static void test_buf_sticky(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_append(&b, "", 0); /* n == 0 allocates nothing */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    buf_put_str(&b, "abc", 3);
    assert_int_equal(b.rc, QUARRY_OK);
    assert_int_equal(b.len, 4);
    assert_true(b.cap >= b.len);

    /* Growth keeps the content. */
    for (int i = 0; i < 10000; i++)
        buf_put_u8(&b, (uint8_t)i);
    assert_int_equal(b.len, 10004);
    assert_memory_equal(b.data,
                        "\x03"
                        "abc",
                        4);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.data[4 + i], (uint8_t)i);

    /* An impossible reservation sets ENOMEM; every later append is ignored. */
    size_t len = b.len;
    assert_int_equal(buf_reserve(&b, SIZE_MAX), QUARRY_ENOMEM);
    assert_int_equal(b.rc, QUARRY_ENOMEM);
    buf_put_u8(&b, 1);
    buf_put_u32(&b, 2);
    buf_put_u64(&b, 3);
    buf_put_vbyte(&b, 4);
    buf_put_str(&b, "x", 1);
    buf_append(&b, "y", 1);
    assert_int_equal(b.len, len);
    assert_int_equal(buf_reserve(&b, 1), QUARRY_ENOMEM);

    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.rc, QUARRY_OK);
    buf_put_u8(&b, 9); /* usable again after free */
    assert_int_equal(b.len, 1);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_edges),     cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_vbyte_bytes),         cmocka_unit_test(test_vbyte_truncated),
        cmocka_unit_test(test_vbyte_too_long),      cmocka_unit_test(test_vbyte32_range),
        cmocka_unit_test(test_str_roundtrip),       cmocka_unit_test(test_str_past_end),
        cmocka_unit_test(test_fixed_little_endian), cmocka_unit_test(test_buf_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
