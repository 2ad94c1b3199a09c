/*
 * test_strmap.c: common/strmap.h: upsert and get against a sorted reference, growth over a
 * million keys, clear and reuse, binary keys (NUL bytes, the empty key), keys larger than an
 * arena chunk, and the hash (alignment independence, spread over the low bits).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"
#include "quarry/error.h"

static void test_basic(void **state)
{
    (void)state;
    strmap *m;
    uint32_t *slot, v = 0;
    int inserted = -1;
    assert_int_equal(strmap_create(&m), QUARRY_OK);
    assert_int_equal(strmap_size(m), 0);
    assert_int_equal(strmap_get(m, "apple", 5, &v), 0);

    assert_int_equal(strmap_upsert(m, "apple", 5, 10, &slot, &inserted), QUARRY_OK);
    assert_int_equal(inserted, 1);
    assert_int_equal(*slot, 10);
    assert_int_equal(strmap_upsert(m, "apple", 5, 99, &slot, &inserted), QUARRY_OK);
    assert_int_equal(inserted, 0);
    assert_int_equal(*slot, 10); /* an existing key keeps its value */
    *slot = 11;                  /* which the caller may change through the slot */
    assert_int_equal(strmap_get(m, "apple", 5, &v), 1);
    assert_int_equal(v, 11);

    assert_int_equal(strmap_upsert(m, "apples", 6, 12, NULL, NULL), QUARRY_OK);
    assert_int_equal(strmap_get(m, "apples", 6, &v), 1);
    assert_int_equal(v, 12);
    assert_int_equal(strmap_get(m, "appl", 4, &v), 0);
    assert_int_equal(strmap_size(m), 2);
    strmap_free(m);
    strmap_free(NULL);
}

static void test_binary_keys(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        size_t len;
    } keys[] = {
        {"", 0},         {"\0", 1},       {"\0\0", 2},       {"a", 1},
        {"a\0", 2},      {"a\0b", 3},     {"a\0c", 3},       {"\0a", 2},
        {"\xff\xfe", 2}, {"abcdefgh", 8}, {"abcdefgh\0", 9}, {"abcdefg", 7},
    };
    size_t n = sizeof keys / sizeof keys[0];
    strmap *m;
    assert_int_equal(strmap_create(&m), QUARRY_OK);
    for (size_t i = 0; i < n; i++) {
        int inserted;
        assert_int_equal(strmap_upsert(m, keys[i].key, keys[i].len, (uint32_t)i, NULL, &inserted),
                         QUARRY_OK);
        assert_int_equal(inserted, 1);
    }
    assert_int_equal(strmap_size(m), n);
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        assert_int_equal(strmap_get(m, keys[i].key, keys[i].len, &v), 1);
        assert_int_equal(v, i);
    }
    strmap_free(m);
}

/* Random keys with many duplicates: lengths 0..24 over a 4-letter alphabet with NUL. */
enum { RKEYS = 100000, RKEY_MAX = 24 };

typedef struct rkey {
    char b[RKEY_MAX]; /* key bytes */
    size_t len;       /* key length */
    uint32_t index;   /* position in generation order */
} rkey;

static int rkey_cmp(const void *x, const void *y)
{
    const rkey *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->b, b->b, n);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    rkey *keys = malloc(RKEYS * sizeof *keys);
    assert_non_null(keys);
    srand(777);
    for (uint32_t i = 0; i < RKEYS; i++) {
        keys[i].len = (size_t)(rand() % 4 == 0 ? rand() % 4 : rand() % (RKEY_MAX + 1));
        for (size_t j = 0; j < keys[i].len; j++)
            keys[i].b[j] = "\0abc"[rand() % 4];
        keys[i].index = i;
    }
    strmap *m;
    assert_int_equal(strmap_create(&m), QUARRY_OK);
    for (uint32_t i = 0; i < RKEYS; i++) /* value: the first index of the key */
        assert_int_equal(strmap_upsert(m, keys[i].b, keys[i].len, i, NULL, NULL), QUARRY_OK);

    /* Reference: sort by (key, index); each group's first index is the expected value. */
    qsort(keys, RKEYS, sizeof *keys, rkey_cmp);
    size_t distinct = 0;
    uint32_t first = 0;
    for (size_t i = 0; i < RKEYS; i++) {
        int new_group = i == 0 || keys[i].len != keys[i - 1].len ||
                        memcmp(keys[i].b, keys[i - 1].b, keys[i].len) != 0;
        if (new_group) {
            distinct++;
            first = keys[i].index;
        }
        uint32_t v;
        assert_int_equal(strmap_get(m, keys[i].b, keys[i].len, &v), 1);
        assert_int_equal(v, first);
    }
    assert_int_equal(strmap_size(m), distinct);
    assert_true(distinct > RKEYS / 2); /* the test does exercise both paths */
    assert_true(distinct < RKEYS);

    /* Keys over another alphabet are absent. */
    for (int i = 0; i < 10000; i++) {
        char k[RKEY_MAX];
        size_t len = 1 + (size_t)(rand() % RKEY_MAX);
        for (size_t j = 0; j < len; j++)
            k[j] = "xyz"[rand() % 3];
        uint32_t v;
        assert_int_equal(strmap_get(m, k, len, &v), 0);
    }
    strmap_free(m);
    free(keys);
}

static void test_growth(void **state)
{
    (void)state;
    enum { N = 1000000 };
    strmap *m;
    assert_int_equal(strmap_create(&m), QUARRY_OK);
    size_t mem0 = strmap_memory(m);
    for (uint32_t i = 0; i < N; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "k%u", i);
        uint32_t *slot;
        int inserted;
        assert_int_equal(strmap_upsert(m, k, (size_t)n, i * 3, &slot, &inserted), QUARRY_OK);
        assert_int_equal(inserted, 1);
        assert_int_equal(*slot, i * 3);
    }
    assert_int_equal(strmap_size(m), N);
    assert_true(strmap_memory(m) > mem0 + N * 8);
    for (uint32_t i = 0; i < N; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "k%u", i);
        uint32_t v;
        assert_int_equal(strmap_get(m, k, (size_t)n, &v), 1);
        assert_int_equal(v, i * 3);
    }
    strmap_free(m);
}

static void test_clear(void **state)
{
    (void)state;
    strmap *m;
    assert_int_equal(strmap_create(&m), QUARRY_OK);
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < 50000; i++) {
            char k[16];
            int n = snprintf(k, sizeof k, "%u-%u", round, i);
            assert_int_equal(strmap_upsert(m, k, (size_t)n, i + round, NULL, NULL), QUARRY_OK);
        }
        assert_int_equal(strmap_size(m), 50000);
        size_t full = strmap_memory(m);
        strmap_clear(m);
        assert_int_equal(strmap_size(m), 0);
        assert_true(strmap_memory(m) <= full);
        assert_true(strmap_memory(m) >= 50000 * 2 * 8); /* the table is kept */
        uint32_t v;
        assert_int_equal(strmap_get(m, "0-1", 3, &v), 0);
        char k[16];
        int n = snprintf(k, sizeof k, "%u-%u", round, 49999u);
        assert_int_equal(strmap_get(m, k, (size_t)n, &v), 0);
    }
    strmap_clear(m); /* clearing an empty map */
    assert_int_equal(strmap_size(m), 0);
    strmap_free(m);

    assert_int_equal(strmap_create(&m), QUARRY_OK);
    strmap_clear(m); /* a map that never held a key */
    assert_int_equal(strmap_upsert(m, "x", 1, 1, NULL, NULL), QUARRY_OK);
    strmap_free(m);
}

/* Keys larger than an arena chunk, mixed with small ones. */
static void test_big_keys(void **state)
{
    (void)state;
    static const size_t sizes[] = {20000, 100000, 3, 65536, 16385, 70000, 5};
    size_t nsizes = sizeof sizes / sizeof sizes[0];
    strmap *m;
    assert_int_equal(strmap_create(&m), QUARRY_OK);
    char *keys[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < nsizes; i++) {
        keys[i] = malloc(sizes[i]);
        assert_non_null(keys[i]);
        for (size_t j = 0; j < sizes[i]; j++)
            keys[i][j] = (char)('a' + (i + j * 7) % 26);
        assert_int_equal(strmap_upsert(m, keys[i], sizes[i], (uint32_t)i, NULL, NULL), QUARRY_OK);
        char small[16];
        int n = snprintf(small, sizeof small, "s%zu", i);
        assert_int_equal(strmap_upsert(m, small, (size_t)n, 1000 + (uint32_t)i, NULL, NULL),
                         QUARRY_OK);
    }
    for (size_t i = 0; i < nsizes; i++) {
        uint32_t v;
        assert_int_equal(strmap_get(m, keys[i], sizes[i], &v), 1);
        assert_int_equal(v, i);
        char small[16];
        int n = snprintf(small, sizeof small, "s%zu", i);
        assert_int_equal(strmap_get(m, small, (size_t)n, &v), 1);
        assert_int_equal(v, 1000 + i);
        keys[i][sizes[i] / 2] ^= 1; /* the same length, one bit off */
        assert_int_equal(strmap_get(m, keys[i], sizes[i], &v), 0);
        free(keys[i]);
    }
    strmap_free(m);
}

static void test_hash(void **state)
{
    (void)state;
    /* The hash reads bytes, not aligned words: any address gives the same value. */
    const char *text = "the quick brown fox jumps over the lazy dog";
    char buf[64 + 8];
    for (size_t len = 0; len <= strlen(text); len++) {
        uint64_t h = strmap_hash(text, len);
        for (size_t off = 1; off < 8; off++) {
            memcpy(buf + off, text, len);
            assert_true(strmap_hash(buf + off, len) == h);
        }
    }
    assert_true(strmap_hash("", 0) != strmap_hash("\0", 1));
    assert_true(strmap_hash("a", 1) != strmap_hash("a\0", 2));

    /* Sequential keys spread evenly over the low 16 bits, which pick the slot. */
    enum { KEYS = 1 << 20, BUCKETS = 1 << 16 };
    uint32_t *count = calloc(BUCKETS, sizeof *count);
    assert_non_null(count);
    for (uint32_t i = 0; i < KEYS; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "w%u", i);
        count[strmap_hash(k, (size_t)n) & (BUCKETS - 1)]++;
    }
    uint32_t max = 0;
    for (uint32_t i = 0; i < BUCKETS; i++)
        max = count[i] > max ? count[i] : max;
    assert_true(max < 48); /* 16 expected; a Poisson maximum over 65536 buckets is about 36 */
    free(count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_binary_keys),
        cmocka_unit_test(test_random_vs_reference),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_big_keys),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
