/*
 * test_stemmer.c: common/stemmer.h: English stems, "none", language names and ISO codes
 * (checked against libstemmer itself), unknown languages, stemmer_list, and the cache, whose
 * answers must match an uncached libstemmer across several cache refills.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stemmer.h"
#include "quarry/error.h"

/* Asserts that s stems word to want. */
static void expect_stem(stemmer *s, const char *word, const char *want)
{
    const char *out;
    size_t n;
    assert_int_equal(stemmer_stem(s, word, strlen(word), &out, &n), QUARRY_OK);
    assert_true(n > 0);
    char got[256];
    assert_true(n < sizeof got);
    memcpy(got, out, n);
    got[n] = '\0';
    assert_string_equal(got, want);
}

static void test_english(void **state)
{
    (void)state;
    stemmer *s;
    assert_int_equal(stemmer_create(&s, "english"), QUARRY_OK);
    assert_string_equal(stemmer_language(s), "english");
    for (int pass = 0; pass < 2; pass++) { /* the second pass answers from the cache */
        expect_stem(s, "reopening", "reopen");
        expect_stem(s, "embassies", "embassi");
        expect_stem(s, "running", "run");
        expect_stem(s, "caresses", "caress");
        expect_stem(s, "generously", "generous");
        expect_stem(s, "a", "a");
        expect_stem(s, "rodriguez", "rodriguez");
    }
    stemmer_free(s);

    assert_int_equal(stemmer_create(&s, NULL), QUARRY_OK); /* NULL means English */
    assert_string_equal(stemmer_language(s), "english");
    expect_stem(s, "running", "run");
    stemmer_free(s);
}

static void test_other_languages(void **state)
{
    (void)state;
    stemmer *s;
    assert_int_equal(stemmer_create(&s, "german"), QUARRY_OK);
    expect_stem(s, "häuser", "haus");
    stemmer_free(s);
    assert_int_equal(stemmer_create(&s, "fr"), QUARRY_OK);
    assert_string_equal(stemmer_language(s), "french");
    expect_stem(s, "continuellement", "continuel");
    stemmer_free(s);
    assert_int_equal(stemmer_create(&s, "ru"), QUARRY_OK);
    assert_string_equal(stemmer_language(s), "russian");
    expect_stem(s, "книги", "книг");
    stemmer_free(s);
}

static void test_none(void **state)
{
    (void)state;
    stemmer *s;
    assert_int_equal(stemmer_create(&s, "none"), QUARRY_OK);
    assert_string_equal(stemmer_language(s), "none");
    const char *word = "running";
    const char *out;
    size_t n;
    assert_int_equal(stemmer_stem(s, word, 7, &out, &n), QUARRY_OK);
    assert_ptr_equal(out, word);
    assert_int_equal(n, 7);
    stemmer_free(s);
    stemmer_free(NULL);
}

static void test_unknown(void **state)
{
    (void)state;
    static const char *const names[] = {
        "klingon",  "",
        "lovins",   "kraaij_pohlmann",
        "e",        "englishx",
        " english", "a-language-name-far-longer-than-any-that-libstemmer-knows"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        stemmer *s = (stemmer *)&s; /* must be reset to NULL */
        assert_int_equal(stemmer_create(&s, names[i]), QUARRY_ENOTFOUND);
        assert_null(s);
    }
}

/* Words in several scripts, to tell stemming algorithms apart. */
static const char *const probe_words[] = {
    "running",        "generations", "nationalities", "maisons",  "continuellement",  "häuser",
    "gesellschaften", "cantando",    "libertades",    "книгами",  "читающий",         "λόγους",
    "ανθρώπων",       "kitapların",  "evlerden",      "taloissa", "kirjoittamisesta", "házakban",
    "vakantiehuizen", "bibliotecas", "biblioteche",   "pensiamo", "kommunikation",    "bøgerne",
    "hundarna",       "كتابات",      "लड़कियों",        "குழந்தைகள்", "spitalele",        "namuose",
    "rumah-rumah",    "leabhair",    "etxeetan",      "cases",    "gradovima",        "գրքերը",
    "ספרים",          "काठमाडौंमा",   "tiedostoja"};

/* Every ISO code libstemmer accepts names the algorithm libstemmer gives for that code. */
static void test_iso_codes(void **state)
{
    (void)state;
    static const char *const codes[] = {
        "ar",  "ara", "arm", "baq", "ca",  "cat", "da",  "dan", "de", "deu", "dut", "el",  "ell",
        "en",  "eng", "es",  "esl", "eu",  "eus", "fi",  "fin", "fr", "fra", "fre", "ga",  "ger",
        "gle", "gre", "hi",  "hin", "hu",  "hun", "hy",  "hye", "id", "ind", "it",  "ita", "lit",
        "lt",  "ne",  "nep", "nl",  "nld", "no",  "nor", "por", "pt", "ro",  "ron", "ru",  "rum",
        "rus", "spa", "sr",  "srp", "sv",  "swe", "ta",  "tam", "tr", "tur", "yi",  "yid"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        struct sb_stemmer *by_code = sb_stemmer_new(codes[i], "UTF_8");
        assert_non_null(by_code);
        stemmer *s;
        assert_int_equal(stemmer_create(&s, codes[i]), QUARRY_OK);
        const char *name = stemmer_language(s);
        assert_string_not_equal(name, codes[i]);
        struct sb_stemmer *by_name = sb_stemmer_new(name, "UTF_8");
        assert_non_null(by_name);
        for (size_t w = 0; w < sizeof probe_words / sizeof probe_words[0]; w++) {
            const sb_symbol *word = (const sb_symbol *)probe_words[w];
            int len = (int)strlen(probe_words[w]);
            char a[256];
            const sb_symbol *st = sb_stemmer_stem(by_code, word, len);
            int an = sb_stemmer_length(by_code);
            memcpy(a, st, (size_t)an);
            st = sb_stemmer_stem(by_name, word, len);
            assert_int_equal(sb_stemmer_length(by_name), an);
            assert_memory_equal(st, a, (size_t)an);
        }
        sb_stemmer_delete(by_name);
        sb_stemmer_delete(by_code);
        stemmer_free(s);
    }
    /* Names are matched without regard to ASCII case. */
    stemmer *s;
    assert_int_equal(stemmer_create(&s, "English"), QUARRY_OK);
    assert_string_equal(stemmer_language(s), "english");
    stemmer_free(s);
    assert_int_equal(stemmer_create(&s, "EN"), QUARRY_OK);
    assert_string_equal(stemmer_language(s), "english");
    stemmer_free(s);
}

/* Every algorithm in sb_stemmer_list() can be created by its own name. */
static void test_all_listed(void **state)
{
    (void)state;
    for (const char **l = sb_stemmer_list(); *l; l++) {
        stemmer *s;
        assert_int_equal(stemmer_create(&s, *l), QUARRY_OK);
        assert_string_equal(stemmer_language(s), *l);
        for (size_t w = 0; w < sizeof probe_words / sizeof probe_words[0]; w++) {
            const char *out;
            size_t n;
            assert_int_equal(stemmer_stem(s, probe_words[w], strlen(probe_words[w]), &out, &n),
                             QUARRY_OK);
            assert_true(n > 0);
        }
        stemmer_free(s);
    }
}

static void test_list(void **state)
{
    (void)state;
    char all[1024];
    stemmer_list(all, sizeof all);
    assert_non_null(strstr(all, "english"));
    assert_non_null(strstr(all, ", french, "));
    assert_int_not_equal(all[strlen(all) - 1], ' ');

    char small[8];
    memset(small, 'x', sizeof small);
    stemmer_list(small, sizeof small);
    assert_int_equal(strlen(small), 7);
    assert_memory_equal(small, all, 7);

    char one = 'x';
    stemmer_list(&one, 1);
    assert_int_equal(one, '\0');
    stemmer_list(&one, 0); /* cap 0 writes nothing */
    assert_int_equal(one, '\0');
}

/* A pseudo-random English-looking word for index i (deterministic). */
static size_t make_word(char *w, uint32_t i)
{
    static const char *const suffixes[] = {"",     "s",       "es",   "ing",     "ed", "ies",  "ly",
                                           "ness", "ational", "izer", "fulness", "y",  "ement"};
    uint32_t x = i * 2654435761u ^ 0x5bd1e995u;
    size_t n = 0;
    int letters = 1 + (int)(x % 9);
    for (int k = 0; k < letters; k++) {
        x = x * 1103515245u + 12345u;
        w[n++] = (char)('a' + (x >> 16) % 26);
    }
    n += (size_t)snprintf(w + n, 64 - n, "%u%s", i / 7, suffixes[(x >> 8) % 13]);
    return n;
}

/* 200k distinct words, several times the cache's capacity, twice over in different orders:
 * every answer must equal a fresh libstemmer's. */
static void test_cache(void **state)
{
    (void)state;
    enum { WORDS = 200000 };
    stemmer *s;
    assert_int_equal(stemmer_create(&s, "english"), QUARRY_OK);
    struct sb_stemmer *ref = sb_stemmer_new("english", "UTF_8");
    assert_non_null(ref);
    for (int pass = 0; pass < 3; pass++) {
        for (uint32_t k = 0; k < WORDS; k++) {
            /* pass 0 in order, pass 1 backwards, pass 2 hopping around a small set */
            uint32_t i = pass == 0 ? k : pass == 1 ? WORDS - 1 - k : (k * 7919u) % 5000u;
            char w[64];
            size_t n = make_word(w, i);
            const char *out;
            size_t len;
            assert_int_equal(stemmer_stem(s, w, n, &out, &len), QUARRY_OK);
            const sb_symbol *want = sb_stemmer_stem(ref, (const sb_symbol *)w, (int)n);
            assert_int_equal(len, (size_t)sb_stemmer_length(ref));
            assert_memory_equal(out, want, len);
        }
    }
    sb_stemmer_delete(ref);
    stemmer_free(s);
}

/* Long words (beyond what the tokenizer produces) go through the cache as well. */
static void test_long_words(void **state)
{
    (void)state;
    stemmer *s;
    assert_int_equal(stemmer_create(&s, "english"), QUARRY_OK);
    struct sb_stemmer *ref = sb_stemmer_new("english", "UTF_8");
    assert_non_null(ref);
    size_t n = 100000;
    char *w = malloc(n);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++)
        w[i] = "generational"[i % 12];
    const sb_symbol *want = sb_stemmer_stem(ref, (const sb_symbol *)w, (int)n);
    size_t want_len = (size_t)sb_stemmer_length(ref);
    assert_true(want_len < n);
    for (int pass = 0; pass < 2; pass++) {
        const char *out;
        size_t len;
        assert_int_equal(stemmer_stem(s, w, n, &out, &len), QUARRY_OK);
        assert_int_equal(len, want_len);
        assert_memory_equal(out, want, len);
    }
    free(w);
    sb_stemmer_delete(ref);
    stemmer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),    cmocka_unit_test(test_other_languages),
        cmocka_unit_test(test_none),       cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_iso_codes),  cmocka_unit_test(test_all_listed),
        cmocka_unit_test(test_list),       cmocka_unit_test(test_cache),
        cmocka_unit_test(test_long_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
