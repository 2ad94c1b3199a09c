/*
 * codec_fuzzer.c: fuzzes the integer codecs every index file is made of: common/vbyte.h, the
 * encoders of common/buf.h and the bounds-checked reader of common/reader.h.
 *
 * 1. Decode: the input is read as a stream of vbytes. vbyte_get must agree with a slow
 *    reference decoder written from the specification (docs/FORMAT.md: 7-bit groups, low group
 *    first, at most 10 bytes, no overflow) on success, value and length, and must leave the
 *    pointer alone on failure. Each decoded value must re-encode (vbyte_put) to vbyte_len(v)
 *    bytes, to the input bytes themselves when those were canonical, decode back to itself,
 *    and fail to decode when cut short.
 * 2. Encode: the input is read as a program of (kind, value) items, written with buf_put_u8,
 *    _u32, _u64, _vbyte and _str, and read back with the matching reader_* calls, which must
 *    return every item and end exactly at the end of the buffer.
 * 3. Read: the input's first byte says how many of the following bytes are a program of
 *    reader_* operations, and the rest is the data they read, copied to a heap block of its
 *    exact size (a read one byte past it is an AddressSanitizer report). Every result is
 *    checked against the same operation done by hand on a tracked offset; a failed read must
 *    leave the reader unchanged.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/reader.h"
#include "common/vbyte.h"
#include "quarry/error.h"

/* Reference decoder. Returns 1 with *v and *used set, or 0 if s[0..n) holds no valid vbyte. */
static int ref_vbyte(const uint8_t *s, size_t n, uint64_t *v, size_t *used)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n && i < VBYTE_MAX_BYTES; i++) {
        if (i == VBYTE_MAX_BYTES - 1 && s[i] > 1)
            return 0; /* the 10th byte carries bit 63 only, and nothing may follow it */
        x |= (uint64_t)(s[i] & 0x7f) << (7 * i);
        if (!(s[i] & 0x80)) {
            *v = x;
            *used = i + 1;
            return 1;
        }
    }
    return 0;
}

/* Reads n <= 8 bytes little-endian, for the reference results. */
static uint64_t ref_le(const uint8_t *s, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)s[i] << (8 * i);
    return x;
}

/* Part 1: vbyte_get against the reference, and the round trip through vbyte_put. */
static void decode_stream(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *q = p;
        uint64_t v = 0, rv = 0;
        size_t used = 0;
        int ok = vbyte_get(&q, end, &v) == 0;
        int rok = ref_vbyte(p, (size_t)(end - p), &rv, &used);
        FUZZ_CHECK(ok == rok);
        if (!ok) {
            FUZZ_CHECK(q == p);
            p++;
            continue;
        }
        FUZZ_CHECK(v == rv && (size_t)(q - p) == used);

        uint8_t enc[VBYTE_MAX_BYTES];
        size_t n = vbyte_put(enc, v);
        FUZZ_CHECK(n >= 1 && n <= VBYTE_MAX_BYTES && n == vbyte_len(v) && n <= used);
        /* The input was canonical exactly when it is as short as the encoding. */
        FUZZ_CHECK(n == used ? memcmp(enc, p, n) == 0 : p[used - 1] == 0);
        const uint8_t *e = enc;
        uint64_t back = ~v;
        FUZZ_CHECK(vbyte_get(&e, enc + n, &back) == 0 && back == v && e == enc + n);
        e = enc;
        FUZZ_CHECK(vbyte_get(&e, enc + n - 1, &back) != 0 && e == enc);

        /* The reader's 32-bit variant accepts the same bytes iff the value fits. */
        reader r = reader_make(p, (size_t)(end - p));
        uint32_t v32 = 0;
        int rc = reader_vbyte32(&r, &v32);
        FUZZ_CHECK(v <= UINT32_MAX ? rc == QUARRY_OK && v32 == v && r.pos == q
                                   : rc == QUARRY_ECORRUPT && r.pos == p);
        p = q;
    }
}

/* One item of part 2. */
typedef struct item {
    uint8_t kind;       /* 0 u8, 1 u32, 2 u64, 3 vbyte, 4 str */
    uint64_t v;         /* the value (str: its length) */
    const uint8_t *str; /* str: its bytes (in the input) */
} item;

#define MAX_ITEMS 512

/* Part 2: buf_put_* then reader_* round trip. */
static void encode_items(const uint8_t *data, size_t size)
{
    static item items[MAX_ITEMS];
    size_t n = 0, i = 0;
    buf b = BUF_INIT;
    while (i < size && n < MAX_ITEMS) {
        uint8_t op = data[i++];
        item *it = &items[n++];
        it->kind = op % 5;
        /* The value: up to 8 following bytes, shifted so that small values are common. */
        size_t take = size - i < 8 ? size - i : 8;
        uint64_t v = ref_le(data + i, take);
        i += take;
        v >>= (op >> 3) * 2; /* 0..62 */
        switch (it->kind) {
        case 0:
            it->v = (uint8_t)v;
            buf_put_u8(&b, (uint8_t)v);
            break;
        case 1:
            it->v = (uint32_t)v;
            buf_put_u32(&b, (uint32_t)v);
            break;
        case 2:
            it->v = v;
            buf_put_u64(&b, v);
            break;
        case 3:
            it->v = v;
            buf_put_vbyte(&b, v);
            break;
        default: /* a string of the next (v % 64) input bytes, or fewer at the end */
            it->v = v % 64 < size - i ? v % 64 : size - i;
            it->str = data + i;
            i += (size_t)it->v;
            buf_put_str(&b, it->str, (size_t)it->v);
            break;
        }
    }
    FUZZ_CHECK(b.rc == QUARRY_OK);
    static const uint8_t none[1];
    reader r = reader_make(b.data ? b.data : none, b.len); /* NULL + 0 is undefined in C */
    for (size_t k = 0; k < n; k++) {
        const item *it = &items[k];
        uint8_t u8;
        uint32_t u32;
        uint64_t u64;
        const uint8_t *s;
        size_t len;
        switch (it->kind) {
        case 0:
            FUZZ_CHECK(reader_u8(&r, &u8) == QUARRY_OK && u8 == it->v);
            break;
        case 1:
            FUZZ_CHECK(reader_u32(&r, &u32) == QUARRY_OK && u32 == it->v);
            break;
        case 2:
            FUZZ_CHECK(reader_u64(&r, &u64) == QUARRY_OK && u64 == it->v);
            break;
        case 3:
            FUZZ_CHECK(reader_vbyte(&r, &u64) == QUARRY_OK && u64 == it->v);
            break;
        default:
            FUZZ_CHECK(reader_str(&r, &s, &len) == QUARRY_OK && len == it->v);
            FUZZ_CHECK(len == 0 || memcmp(s, it->str, len) == 0);
            break;
        }
    }
    FUZZ_CHECK(reader_left(&r) == 0);
    buf_free(&b);
}

/* Part 3: reader_* operations driven by the input over an exact-size copy of its tail. */
static void read_ops(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    size_t nops = data[0] < size - 1 ? data[0] : size - 1;
    const uint8_t *ops = data + 1;
    size_t len = size - 1 - nops;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, ops + nops, len);
    reader r = reader_make(copy, len);
    size_t off = 0; /* where the reader must be */
    for (size_t k = 0; k < nops; k++) {
        const uint8_t *before = r.pos;
        size_t left = len - off;
        uint8_t op = ops[k];
        uint8_t u8 = 0;
        uint32_t u32 = 0;
        uint64_t u64 = 0, rv = 0;
        size_t used = 0, slen = 0;
        const uint8_t *s = NULL;
        int rc, ok;
        switch (op % 8) {
        case 0:
            rc = reader_u8(&r, &u8);
            ok = left >= 1;
            FUZZ_CHECK(!ok || u8 == copy[off]);
            used = 1;
            break;
        case 1:
            rc = reader_u32(&r, &u32);
            ok = left >= 4;
            FUZZ_CHECK(!ok || u32 == ref_le(copy + off, 4));
            used = 4;
            break;
        case 2:
            rc = reader_u64(&r, &u64);
            ok = left >= 8;
            FUZZ_CHECK(!ok || u64 == ref_le(copy + off, 8));
            used = 8;
            break;
        case 3:
            rc = reader_vbyte(&r, &u64);
            ok = ref_vbyte(copy + off, left, &rv, &used);
            FUZZ_CHECK(!ok || u64 == rv);
            break;
        case 4:
            rc = reader_vbyte32(&r, &u32);
            ok = ref_vbyte(copy + off, left, &rv, &used) && rv <= UINT32_MAX;
            FUZZ_CHECK(!ok || u32 == rv);
            break;
        case 5:
            used = op >> 3; /* 0..31 bytes */
            rc = reader_bytes(&r, &s, used);
            ok = left >= used;
            FUZZ_CHECK(!ok || s == copy + off);
            break;
        case 6:
            rc = reader_str(&r, &s, &slen);
            ok = ref_vbyte(copy + off, left, &rv, &used) && rv <= left - used;
            FUZZ_CHECK(!ok || (s == copy + off + used && slen == rv));
            used += (size_t)rv;
            break;
        default:
            FUZZ_CHECK(reader_left(&r) == left);
            continue;
        }
        FUZZ_CHECK(rc == (ok ? QUARRY_OK : QUARRY_ECORRUPT));
        if (ok)
            off += used;
        else
            FUZZ_CHECK(r.pos == before);
        FUZZ_CHECK(r.pos == copy + off && r.end == copy + len);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_stream(data, size);
    encode_items(data, size);
    read_ops(data, size);
    return 0;
}
