/*
 * test_analyzer.c: common/analyzer.h: stems replace terms while positions and offsets stay the
 * tokenizer's, languages and "none", the callback protocol, and stems longer than
 * TOKENIZER_MAX_TERM (Turkish can lengthen a word), which are cut at a character boundary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libstemmer.h>
#include <string.h>

#include "common/analyzer.h"
#include "common/tokenizer.h"
#include "quarry/error.h"

#define MAX_TOKS 32

/* The tokens of one run, copied out of the callback. */
typedef struct toks {
    char terms[1024];       /* the terms joined by single spaces */
    size_t n;               /* tokens received */
    uint32_t pos[MAX_TOKS]; /* positions of the first MAX_TOKS tokens */
    size_t start[MAX_TOKS]; /* their start offsets */
    size_t end[MAX_TOKS];   /* their end offsets */
    size_t len[MAX_TOKS];   /* their term lengths */
    int stop_after;         /* if > 0, the callback returns 5 at this token */
} toks;

static int collect(void *ctx, const tok_token *t)
{
    toks *k = ctx;
    assert_true(t->len >= 1 && t->len <= TOKENIZER_MAX_TERM);
    assert_true(utf8_valid(t->term, t->len));
    size_t used = strlen(k->terms);
    assert_true(used + t->len + 2 < sizeof k->terms);
    if (used)
        k->terms[used++] = ' ';
    memcpy(k->terms + used, t->term, t->len);
    k->terms[used + t->len] = '\0';
    assert_true(k->n < MAX_TOKS);
    k->pos[k->n] = t->pos;
    k->start[k->n] = t->start;
    k->end[k->n] = t->end;
    k->len[k->n] = t->len;
    k->n++;
    return k->stop_after > 0 && (int)k->n == k->stop_after ? 5 : 0;
}

/* Analyzes text with a, from position first_pos. */
static const char *analyze(analyzer *a, toks *k, const char *text, uint32_t first_pos,
                           uint32_t *next_pos)
{
    memset(k, 0, sizeof *k);
    assert_int_equal(analyzer_run(a, text, strlen(text), first_pos, collect, k, next_pos), 0);
    return k->terms;
}

static void test_possessives(void **state)
{
    (void)state;
    analyzer *a;
    toks k;
    assert_int_equal(analyzer_create(&a, "english"), QUARRY_OK);
    assert_string_equal(analyzer_language(a), "english");
    const char *text = "Venezuela's elections, Venezuela’s ELECTED presidents";
    assert_string_equal(analyze(a, &k, text, 0, NULL), "venezuela elect venezuela elect presid");
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(k.pos[i], i);
    /* Offsets cover the original words, "'s" included. */
    assert_int_equal(k.start[0], 0);
    assert_int_equal(k.end[0], strlen("Venezuela's"));
    assert_int_equal(k.start[2], strlen("Venezuela's elections, "));
    assert_int_equal(k.end[2], strlen("Venezuela's elections, Venezuela’s"));
    assert_int_equal(k.end[4], strlen(text));
    analyzer_free(a);
}

static void test_positions(void **state)
{
    (void)state;
    analyzer *a;
    toks k;
    uint32_t next = 0;
    assert_int_equal(analyzer_create(&a, NULL), QUARRY_OK);
    assert_string_equal(analyzer_language(a), "english");
    assert_string_equal(analyze(a, &k, "RUNNING runs, re-running", 40, &next), "run run re run");
    assert_int_equal(k.pos[0], 40);
    assert_int_equal(k.pos[3], 43);
    assert_int_equal(next, 44);
    assert_string_equal(analyze(a, &k, "", 7, &next), "");
    assert_int_equal(next, 7);
    analyzer_free(a);
}

static void test_none(void **state)
{
    (void)state;
    analyzer *a;
    toks k;
    assert_int_equal(analyzer_create(&a, "none"), QUARRY_OK);
    assert_string_equal(analyzer_language(a), "none");
    assert_string_equal(analyze(a, &k, "Running Rodríguez's embassies", 0, NULL),
                        "running rodriguez embassies");
    analyzer_free(a);
    analyzer_free(NULL);
}

static void test_languages(void **state)
{
    (void)state;
    analyzer *a = (analyzer *)&a; /* must be reset to NULL */
    assert_int_equal(analyzer_create(&a, "klingon"), QUARRY_ENOTFOUND);
    assert_null(a);
    toks k;
    assert_int_equal(analyzer_create(&a, "de"), QUARRY_OK);
    assert_string_equal(analyzer_language(a), "german");
    assert_string_equal(analyze(a, &k, "Die HÄUSER", 0, NULL), "die haus");
    analyzer_free(a);
}

static void test_emit_stops(void **state)
{
    (void)state;
    analyzer *a;
    toks k;
    uint32_t next = 0;
    assert_int_equal(analyzer_create(&a, "english"), QUARRY_OK);
    memset(&k, 0, sizeof k);
    k.stop_after = 2;
    assert_int_equal(analyzer_run(a, "one two three", 13, 0, collect, &k, &next), 5);
    assert_int_equal(k.n, 2);
    assert_int_equal(next, 2);
    analyzer_free(a);
}

/* Turkish stems "...uid" as "...uidi" and "...c" as "...ç": a 64-byte word gives a 65-byte
 * stem, which the analyzer cuts to at most TOKENIZER_MAX_TERM bytes, between characters. */
static void test_long_stem(void **state)
{
    (void)state;
    char word[TOKENIZER_MAX_TERM + 1];
    analyzer *a;
    toks k;
    struct sb_stemmer *ref = sb_stemmer_new("turkish", "UTF_8");
    assert_non_null(ref);
    assert_int_equal(analyzer_create(&a, "turkish"), QUARRY_OK);

    memset(word, 'b', TOKENIZER_MAX_TERM);
    memcpy(word + TOKENIZER_MAX_TERM - 4, "buid", 4);
    word[TOKENIZER_MAX_TERM] = '\0';
    sb_stemmer_stem(ref, (const sb_symbol *)word, TOKENIZER_MAX_TERM);
    assert_int_equal(sb_stemmer_length(ref), TOKENIZER_MAX_TERM + 1); /* the premise */
    analyze(a, &k, word, 0, NULL);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.len[0], TOKENIZER_MAX_TERM);
    assert_memory_equal(k.terms, word, TOKENIZER_MAX_TERM);

    memset(word, 'b', TOKENIZER_MAX_TERM);
    memcpy(word + TOKENIZER_MAX_TERM - 5, "eoryc", 5);
    const sb_symbol *st = sb_stemmer_stem(ref, (const sb_symbol *)word, TOKENIZER_MAX_TERM);
    assert_int_equal(sb_stemmer_length(ref), TOKENIZER_MAX_TERM + 1); /* ends with "ç" */
    assert_memory_equal(st + TOKENIZER_MAX_TERM - 1, "ç", 2);
    analyze(a, &k, word, 0, NULL);
    assert_int_equal(k.len[0], TOKENIZER_MAX_TERM - 1); /* "ç" did not fit whole */
    assert_memory_equal(k.terms, word, TOKENIZER_MAX_TERM - 1);

    sb_stemmer_delete(ref);
    analyzer_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_possessives), cmocka_unit_test(test_positions),
        cmocka_unit_test(test_none),        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_emit_stops),  cmocka_unit_test(test_long_stem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
