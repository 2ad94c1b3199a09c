/*
 * test_golden.c: an index written by format version 3 (tests/data/golden-v3/, built once from
 * data/sample-news with quarry-index) must keep opening and answering exactly as recorded in
 * tests/data/golden-v3.expected, so that any change to the on-disk format, the analysis or
 * the scoring shows up here and is made deliberately (with a new version and a new golden
 * index). QUARRY_GOLDEN_UPDATE=1 rewrites the expected file from the current answers instead.
 * The index of the previous version (tests/data/golden-v2/) must be refused with
 * QUARRY_EVERSION and a message that says to rebuild it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/quarry.h"

#define GOLDEN_DIR QUARRY_TEST_DATA_DIR "/golden-v3"
#define EXPECTED   QUARRY_TEST_DATA_DIR "/golden-v3.expected"
#define OLD_DIR    QUARRY_TEST_DATA_DIR "/golden-v2"

/* The queries recorded: words, phrases, boolean operators, accents, stems. */
static const char *const queries[] = {
    "\"Delcy Rodriguez\"",
    "embassy reopening",
    "\"embassy reopening\"",
    "\"reopening embassy\"",
    "+maduro -oil",
    "Rodríguez",
    "diplomats OR embassies",
    "(oil OR sanctions) AND caracas",
    "NOT maduro",
    "venezuela's \"interim president\"",
    "U.S. delegation",
    "zzzz",
};
#define NQUERIES (sizeof queries / sizeof queries[0])

/* Formats the answer to query q as one line: query, total, then "id score" per hit. */
static void answer(quarry_searcher *s, const char *q, char *line, size_t cap)
{
    quarry_results *r = NULL;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.snippet_bytes = 0;
    o.count = 1; /* exact totals */
    assert_int_equal(quarry_searcher_search(&r, s, q, strlen(q), &o), QUARRY_OK);
    size_t n =
        (size_t)snprintf(line, cap, "%s\t%llu", q, (unsigned long long)quarry_results_total(r));
    for (size_t i = 0; i < quarry_results_size(r) && n < cap; i++) {
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
        n += (size_t)snprintf(line + n, cap - n, "\t%.*s %.9f", (int)h.id_len, h.id, h.score);
    }
    quarry_results_free(r);
}

static void test_golden(void **state)
{
    (void)state;
    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    int rc = quarry_index_open(&ix, GOLDEN_DIR);
    if (rc != QUARRY_OK)
        fail_msg("cannot open the golden index: %s", quarry_index_errmsg(ix));
    quarry_index_info in;
    assert_int_equal(quarry_index_get_info(&in, ix), QUARRY_OK);
    assert_int_equal(in.format_version, 3);
    assert_int_equal(in.docs, 5);
    assert_string_equal(in.language, "english");
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);

    const char *update = getenv("QUARRY_GOLDEN_UPDATE");
    FILE *f = fopen(EXPECTED, update && *update == '1' ? "w" : "r");
    assert_non_null(f);
    char got[4096], want[4096];
    for (size_t i = 0; i < NQUERIES; i++) {
        answer(s, queries[i], got, sizeof got);
        if (update && *update == '1') {
            fprintf(f, "%s\n", got);
            continue;
        }
        assert_non_null(fgets(want, sizeof want, f));
        want[strcspn(want, "\n")] = '\0';
        /* Same hits in the same order with the same scores (printed to 9 decimals, so a
         * change in the last bits of the arithmetic does not count, a change of formula
         * does). */
        assert_string_equal(got, want);
    }
    fclose(f);
    quarry_searcher_free(s);
    quarry_index_close(ix);
}

static void test_old_version(void **state)
{
    (void)state;
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, OLD_DIR), QUARRY_EVERSION);
    assert_non_null(strstr(quarry_index_errmsg(ix), "version 2"));
    assert_non_null(strstr(quarry_index_errmsg(ix), "rebuild"));
    quarry_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden),
                                       cmocka_unit_test(test_old_version)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
