/*
 * test_tokenizer.c: the word rules of common/tokenizer.h (folding, apostrophes, separators,
 * digits, long words, invalid UTF-8), token offsets and positions, the callback protocol, and
 * utf8_valid. Every input is passed in a heap block of exactly its length, so that a sanitizer
 * build catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/tokenizer.h"

#define MAX_TOKS 64
#define ACUTE    "\xcc\x81" /* U+0301 COMBINING ACUTE ACCENT */

/* The tokens of one run, copied out of the callback. */
typedef struct toks {
    char terms[1024];       /* the terms joined by single spaces */
    size_t n;               /* tokens received */
    uint32_t pos[MAX_TOKS]; /* positions of the first MAX_TOKS tokens */
    size_t start[MAX_TOKS]; /* their start offsets */
    size_t end[MAX_TOKS];   /* their end offsets */
    int stop_after;         /* if > 0, the callback returns 7 at this token */
} toks;

static int collect(void *ctx, const tok_token *t)
{
    toks *k = ctx;
    assert_true(t->len >= 1 && t->len <= TOKENIZER_MAX_TERM);
    size_t used = strlen(k->terms);
    assert_true(used + t->len + 2 < sizeof k->terms);
    if (used)
        k->terms[used++] = ' ';
    memcpy(k->terms + used, t->term, t->len);
    k->terms[used + t->len] = '\0';
    if (k->n < MAX_TOKS) {
        k->pos[k->n] = t->pos;
        k->start[k->n] = t->start;
        k->end[k->n] = t->end;
    }
    k->n++;
    return k->stop_after > 0 && (int)k->n == k->stop_after ? 7 : 0;
}

/* Tokenizes text[0..len) from an exact-size heap copy. */
static int run_len(toks *k, const char *text, size_t len, uint32_t first_pos, uint32_t *next_pos)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    int rc = tokenizer_run(copy, len, first_pos, collect, k, next_pos);
    free(copy);
    return rc;
}

/* The terms of text (NUL-terminated), joined by spaces. */
static const char *terms(toks *k, const char *text)
{
    memset(k, 0, sizeof *k);
    assert_int_equal(run_len(k, text, strlen(text), 0, NULL), 0);
    return k->terms;
}

static void test_folding(void **state)
{
    (void)state;
    toks k;
    assert_string_equal(terms(&k, "Rodríguez RODRÍGUEZ Rodriguez rodri" ACUTE "guez"),
                        "rodriguez rodriguez rodriguez rodriguez");
    assert_string_equal(terms(&k, "Straße STRASSE"), "strasse strasse");
    assert_string_equal(terms(&k, "ΣΊΣΥΦΟΣ σίσυφος"), "σισυφοσ σισυφοσ");
    assert_string_equal(terms(&k, "ﬁne Ｆｕｌｌ Ǆemal"), "fine full dzemal");
    assert_string_equal(terms(&k, "Ελληνικά Русский ÇAĞLAR"), "ελληνικα русскии caglar");
    /* Folded code points that are not letters or digits are left out. */
    assert_string_equal(terms(&k, "½ ⑴ x² Ŀ"), "12 1 x2 l");
}

/* Every precomposed letter of U+00C0..U+024F folds like its decomposed (NFD) form. */
static void test_folding_nfd(void **state)
{
    (void)state;
    for (int32_t cp = 0xC0; cp <= 0x24F; cp++) {
        uint8_t pre[8];
        utf8proc_ssize_t n = utf8proc_encode_char(cp, pre);
        pre[n] = 0;
        if (utf8proc_category(cp) < UTF8PROC_CATEGORY_LU ||
            utf8proc_category(cp) > UTF8PROC_CATEGORY_LO)
            continue;
        uint8_t *nfd = utf8proc_NFD(pre);
        assert_non_null(nfd);
        toks a, b;
        char want[64];
        strcpy(want, terms(&a, (const char *)pre));
        assert_string_equal(terms(&b, (const char *)nfd), want);
        free(nfd);
    }
}

static void test_apostrophes(void **state)
{
    (void)state;
    toks k;
    assert_string_equal(terms(&k, "don't O'Neill rock'n'roll"), "dont oneill rocknroll");
    assert_string_equal(terms(&k, "don’t O’Neill"), "dont oneill");
    assert_string_equal(terms(&k, "Venezuela's Venezuela’s it's O'Neill's"),
                        "venezuela venezuela it oneill");
    assert_string_equal(terms(&k, "students' 'tis ‘quoted’ can''t"), "students tis quoted can t");
    /* Only between two letters: digits on either side separate. */
    assert_string_equal(terms(&k, "1990's 5'9 a'1"), "1990 s 5 9 a 1");
    /* "'s" is only dropped at the end of the word. */
    assert_string_equal(terms(&k, "x's2 it'sy Bob'S."), "xs2 itsy bob");
    /* The dropped "'s" still belongs to the word's span. */
    assert_string_equal(terms(&k, "Venezuela’s."), "venezuela");
    assert_int_equal(k.start[0], 0);
    assert_int_equal(k.end[0], strlen("Venezuela’s"));
}

static void test_separators(void **state)
{
    (void)state;
    toks k;
    assert_string_equal(terms(&k, "re-establish state-of-the-art"),
                        "re establish state of the art");
    for (uint32_t i = 0; i < 6; i++)
        assert_int_equal(k.pos[i], i);
    assert_string_equal(terms(&k, "a\tb\nc_d/e.ff,g;h\"i(j)k€l—m…n\xc2\xa0o\xe2\x80\x8bp"),
                        "a b c d e ff g h i j k l m n o p");
}

static void test_acronyms(void **state)
{
    (void)state;
    toks k;
    /* Single letters each followed by a dot join; anything else keeps the dot a separator. */
    assert_string_equal(terms(&k, "U.S. e.g. i.e. U.S.A. U.S"), "us eg ie usa us");
    assert_int_equal(k.start[0], 0);
    assert_int_equal(k.end[0], 3); /* the final dot is not part of the word */
    assert_int_equal(k.pos[3], 3);
    assert_string_equal(terms(&k, "J. Smith end.Next A.Bc ab.c 1.2 a.1 é.a"),
                        "j smith end next a bc ab c 1 2 a 1 e a");
}

static void test_digits(void **state)
{
    (void)state;
    toks k;
    assert_string_equal(terms(&k, "covid19 2026 3.14 A4 MP3s"), "covid19 2026 3 14 a4 mp3s");
    assert_string_equal(terms(&k, "٢٠٢٦ Ⅻ"), "٢٠٢٦ xii");
}

static void test_marks(void **state)
{
    (void)state;
    toks k;
    /* A mark continues a word but cannot start one. */
    assert_string_equal(terms(&k, ACUTE "abc e" ACUTE ACUTE "x"), "abc ex");
    assert_int_equal(k.start[0], 2);
    /* A word whose folding is empty (U+FF9E, a sound mark) takes no position. */
    assert_string_equal(terms(&k, "a \xef\xbe\x9e b"), "a b");
    assert_int_equal(k.pos[1], 1);
}

/* Invalid sequences of every kind separate words, in the middle and at the end. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\x80",             /* lone continuation byte */
        "\xbf\xbf",         /* two of them */
        "\xc0\xaf",         /* overlong "/" */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong 3-byte */
        "\xf0\x80\x80\xaf", /* overlong 4-byte */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xed\xbf\xbf",     /* surrogate U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* no such lead byte */
        "\xff",
        "\xfe",
        "\xc3",         /* truncated 2-byte */
        "\xe2\x82",     /* truncated 3-byte */
        "\xf0\x9f\x98", /* truncated 4-byte */
        "\xc3\xc3",     /* lead followed by lead */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[32];
        size_t n = strlen(bad[i]);
        toks k;

        memset(&k, 0, sizeof k);
        memcpy(text, "ab", 2);
        memcpy(text + 2, bad[i], n);
        memcpy(text + 2 + n, "cd", 2);
        assert_int_equal(run_len(&k, text, n + 4, 0, NULL), 0);
        assert_string_equal(k.terms, "ab cd");
        assert_int_equal(k.end[0], 2);
        assert_int_equal(k.start[1], 2 + n);
        assert_false(utf8_valid(text, n + 4));

        memset(&k, 0, sizeof k); /* at the very end of the input */
        assert_int_equal(run_len(&k, text, n + 2, 0, NULL), 0);
        assert_string_equal(k.terms, "ab");
        assert_int_equal(k.end[0], 2);
        assert_false(utf8_valid(text, n + 2));

        memset(&k, 0, sizeof k); /* alone */
        assert_int_equal(run_len(&k, bad[i], n, 0, NULL), 0);
        assert_int_equal(k.n, 0);
    }
}

static void test_utf8_valid(void **state)
{
    (void)state;
    static const char *const good[] = {"",
                                       "plain ASCII text, longer than eight bytes",
                                       "é",
                                       "€",
                                       "\xf0\x9f\x98\x80",
                                       "\xed\x9f\xbf",
                                       "\xee\x80\x80",
                                       "\xf4\x8f\xbf\xbf",
                                       "\xe0\xa0\x80",
                                       "\xf0\x90\x80\x80",
                                       "mixed ASCII é € and more ASCII after it",
                                       "\xc2\x80\xdf\xbf"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(utf8_valid(good[i], strlen(good[i])));
    assert_true(utf8_valid("a\0b", 3));
    assert_false(utf8_valid("12345678\x80", 9));
    assert_false(utf8_valid("\xe2\x82\xac\xe2\x82", 5));
}

static void test_empty(void **state)
{
    (void)state;
    toks k;
    uint32_t next = 0;
    memset(&k, 0, sizeof k);
    assert_int_equal(tokenizer_run(NULL, 0, 5, collect, &k, &next), 0);
    assert_int_equal(k.n, 0);
    assert_int_equal(next, 5);
    assert_int_equal(run_len(&k, " \t-'’ ...\n", strlen(" \t-'’ ...\n"), 9, &next), 0);
    assert_int_equal(k.n, 0);
    assert_int_equal(next, 9);
}

/* Collects the single token of a long-word run. */
typedef struct one {
    char term[TOKENIZER_MAX_TERM]; /* the last term */
    size_t len, start, end;        /* its length and offsets */
    size_t n;                      /* tokens received */
} one;

static int keep_one(void *ctx, const tok_token *t)
{
    one *o = ctx;
    memcpy(o->term, t->term, t->len);
    o->len = t->len;
    o->start = t->start;
    o->end = t->end;
    o->n++;
    return 0;
}

/* Repeats the UTF-8 character c until len bytes, then appends tail. */
static char *repeat(const char *c, size_t len, const char *tail, size_t *out_len)
{
    size_t cl = strlen(c), tl = strlen(tail);
    char *s = malloc(len + tl);
    assert_non_null(s);
    for (size_t i = 0; i < len; i += cl)
        memcpy(s + i, c, cl);
    memcpy(s + len, tail, tl);
    *out_len = len + tl;
    return s;
}

static void test_long_word(void **state)
{
    (void)state;
    size_t n;
    one o;

    char *s = repeat("a", 1 << 20, "", &n); /* 1 MB, one word */
    memset(&o, 0, sizeof o);
    assert_int_equal(tokenizer_run(s, n, 0, keep_one, &o, NULL), 0);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.len, TOKENIZER_MAX_TERM);
    assert_int_equal(o.start, 0);
    assert_int_equal(o.end, n);
    free(s);

    s = repeat("Ж", 200, "", &n); /* two bytes a character: exactly 32 fit */
    memset(&o, 0, sizeof o);
    assert_int_equal(tokenizer_run(s, n, 0, keep_one, &o, NULL), 0);
    assert_int_equal(o.len, TOKENIZER_MAX_TERM);
    for (size_t i = 0; i < TOKENIZER_MAX_TERM; i += 2)
        assert_memory_equal(o.term + i, "ж", 2);
    free(s);

    /* Three bytes a character: 21 fit (63 bytes); the rest, ASCII included, is dropped. */
    s = repeat("中", 3 * 30, "abc", &n);
    memset(&o, 0, sizeof o);
    assert_int_equal(tokenizer_run(s, n, 0, keep_one, &o, NULL), 0);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.len, 63);
    assert_memory_equal(o.term, s, 63);
    assert_int_equal(o.end, n);
    free(s);
}

static void test_offsets(void **state)
{
    (void)state;
    const char *text = "  Hello, wörld! ÉTÉ-2026 naïve" ACUTE;
    toks k;
    assert_string_equal(terms(&k, text), "hello world ete 2026 naive");
    static const char *const orig[] = {"Hello", "wörld", "ÉTÉ", "2026", "naïve" ACUTE};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(k.end[i] - k.start[i], strlen(orig[i]));
        assert_memory_equal(text + k.start[i], orig[i], strlen(orig[i]));
    }
}

static void test_positions(void **state)
{
    (void)state;
    toks k;
    uint32_t next = 0;
    memset(&k, 0, sizeof k);
    assert_int_equal(run_len(&k, "one two three", 13, 100, &next), 0);
    assert_int_equal(k.pos[0], 100);
    assert_int_equal(k.pos[2], 102);
    assert_int_equal(next, 103);
    memset(&k, 0, sizeof k);
    assert_int_equal(run_len(&k, "one two", 7, 0, NULL), 0);
    assert_int_equal(k.n, 2);
}

static void test_emit_stops(void **state)
{
    (void)state;
    toks k;
    uint32_t next = 0;
    memset(&k, 0, sizeof k);
    k.stop_after = 2;
    assert_int_equal(run_len(&k, "one two three four", 18, 10, &next), 7);
    assert_int_equal(k.n, 2);
    assert_int_equal(next, 12); /* after the last word passed to emit */
}

/* Checks the invariants every run must keep, whatever the input. */
typedef struct checker {
    size_t len;        /* input length */
    size_t last_end;   /* end of the previous token */
    uint32_t next_pos; /* position the next token must have */
} checker;

static int check(void *ctx, const tok_token *t)
{
    checker *c = ctx;
    assert_true(t->len >= 1 && t->len <= TOKENIZER_MAX_TERM);
    assert_true(utf8_valid(t->term, t->len));
    for (size_t i = 0; i < t->len; i++) {
        unsigned char b = (unsigned char)t->term[i];
        assert_true(b >= 0x80 || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z'));
    }
    assert_true(t->start >= c->last_end);
    assert_true(t->start < t->end && t->end <= c->len);
    assert_int_equal(t->pos, c->next_pos);
    c->last_end = t->end;
    c->next_pos++;
    return 0;
}

/* Random mixtures of every kind of input fragment, valid and invalid. */
static void test_random(void **state)
{
    (void)state;
    static const char *const frag[] = {"a",
                                       "Z",
                                       "9",
                                       " ",
                                       "'",
                                       "’",
                                       "s",
                                       "S",
                                       "-",
                                       "é",
                                       "E" ACUTE,
                                       ACUTE,
                                       "ß",
                                       "中",
                                       "Ж",
                                       "ﬁ",
                                       "½",
                                       "\xef\xbe\x9e",
                                       "\x80",
                                       "\xc3",
                                       "\xe2\x82",
                                       "\xed\xa0\x80",
                                       "\xf4\x90",
                                       "\xff",
                                       "\xf0\x9f\x98\x80",
                                       "\n",
                                       ".",
                                       "٢",
                                       "ǅ",
                                       "\xc2\xa0"};
    size_t nfrag = sizeof frag / sizeof frag[0];
    srand(12345);
    for (int iter = 0; iter < 20000; iter++) {
        char text[512];
        size_t len = 0;
        int pieces = rand() % 80;
        for (int i = 0; i < pieces; i++) {
            const char *f = frag[rand() % nfrag];
            size_t fl = strlen(f);
            if (rand() % 4 == 0) /* sometimes a long run of one fragment */
                for (int r = rand() % 40; r > 0 && len + fl <= sizeof text; r--, len += fl)
                    memcpy(text + len, f, fl);
            if (len + fl <= sizeof text) {
                memcpy(text + len, f, fl);
                len += fl;
            }
        }
        char *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, text, len);
        checker c = {len, 0, 3};
        uint32_t next = 0;
        assert_int_equal(tokenizer_run(copy, len, 3, check, &c, &next), 0);
        assert_int_equal(next, c.next_pos);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folding),     cmocka_unit_test(test_folding_nfd),
        cmocka_unit_test(test_apostrophes), cmocka_unit_test(test_separators),
        cmocka_unit_test(test_acronyms),    cmocka_unit_test(test_digits),
        cmocka_unit_test(test_marks),       cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf8_valid),  cmocka_unit_test(test_empty),
        cmocka_unit_test(test_long_word),   cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_positions),   cmocka_unit_test(test_emit_stops),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
