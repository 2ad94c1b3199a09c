/*
 * jsonl_fuzzer.c: fuzzes the JSON Lines record parser (indexer/jsonl.h) with arbitrary bytes
 * as a line, checking the promises of jsonl.h:
 *   - the result is QUARRY_OK or QUARRY_EINPUT (QUARRY_ENOMEM only if allocation failed);
 *   - on QUARRY_OK the three members are non-NULL, valid UTF-8 without NUL, and each one of
 *     length > 0 lies wholly inside the line or inside the scratch buffer's used bytes, which
 *     grew by at most the line's length;
 *   - on QUARRY_EINPUT the message is non-empty and the column is 0 (a record-level error) or
 *     between 1 and the line's length in characters + 1;
 *   - parsing is deterministic: a second call with the same (reused) scratch gives the same
 *     result and the same member bytes;
 *   - a line that is a valid JSON value of any type (QUARRY_OK, or an error at column 0),
 *     nested less than JSONL_MAX_DEPTH - 1 deep, is accepted as an unknown member's value:
 *     {"id":"x","u":LINE} parses, with id "x".
 * The input is copied to a buffer of its exact size, so ASan catches reads past its end.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/tokenizer.h"
#include "indexer/jsonl.h"
#include "quarry/error.h"

/* 1 if p[0..n) is inside [lo, lo + cap). */
static int inside(const char *p, size_t n, const void *lo, size_t cap)
{
    const char *b = lo;
    return lo && p >= b && n <= cap && (size_t)(p - b) <= cap - n;
}

/* The promises of a successful parse for one member. */
static void check_member(const char *p, size_t n, const char *line, size_t len, const buf *s)
{
    FUZZ_CHECK(p != NULL);
    FUZZ_CHECK(utf8_valid(p, n));
    FUZZ_CHECK(n == 0 || memchr(p, 0, n) == NULL);
    FUZZ_CHECK(n == 0 || inside(p, n, line, len) || inside(p, n, s->data, s->len));
}

/* Length of line[0..len) in UTF-8 characters (counting lead and invalid bytes). */
static size_t chars(const char *line, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        c += ((unsigned char)line[i] & 0xC0) != 0x80;
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    if (size)
        memcpy(line, data, size);
    buf scratch = BUF_INIT;
    jsonl_record r, again;
    char err[128];
    size_t col = 12345;
    int rc = jsonl_parse(&r, line, size, &scratch, err, sizeof err, &col);
    FUZZ_CHECK(rc == QUARRY_OK || rc == QUARRY_EINPUT || rc == QUARRY_ENOMEM);
    if (rc == QUARRY_OK) {
        FUZZ_CHECK(scratch.len <= size);
        check_member(r.id, r.id_len, line, size, &scratch);
        check_member(r.title, r.title_len, line, size, &scratch);
        check_member(r.text, r.text_len, line, size, &scratch);
        /* Copies, because the second call overwrites the scratch buffer. */
        size_t total = r.id_len + r.title_len + r.text_len;
        char *copy = malloc(total ? total : 1);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, r.id, r.id_len);
        memcpy(copy + r.id_len, r.title, r.title_len);
        memcpy(copy + r.id_len + r.title_len, r.text, r.text_len);
        FUZZ_CHECK(jsonl_parse(&again, line, size, &scratch, NULL, 0, NULL) == QUARRY_OK);
        FUZZ_CHECK(again.id_len == r.id_len && again.title_len == r.title_len &&
                   again.text_len == r.text_len);
        FUZZ_CHECK(memcmp(copy, again.id, r.id_len) == 0);
        FUZZ_CHECK(memcmp(copy + r.id_len, again.title, r.title_len) == 0);
        FUZZ_CHECK(memcmp(copy + r.id_len + r.title_len, again.text, r.text_len) == 0);
        free(copy);
    } else if (rc == QUARRY_EINPUT) {
        FUZZ_CHECK(err[0] != '\0' && memchr(err, 0, sizeof err) != NULL);
        FUZZ_CHECK(col <= chars(line, size) + 1);
        size_t col2 = 0;
        FUZZ_CHECK(jsonl_parse(&again, line, size, &scratch, err, sizeof err, &col2) == rc);
        FUZZ_CHECK(col2 == col);
    }

    /* A valid value of any type is a valid unknown member. */
    size_t opens = 0;
    for (size_t i = 0; i < size; i++)
        opens += data[i] == '[' || data[i] == '{';
    if ((rc == QUARRY_OK || (rc == QUARRY_EINPUT && col == 0)) && opens < JSONL_MAX_DEPTH - 1) {
        static const char head[] = "{\"id\":\"x\",\"u\":";
        size_t n = sizeof head - 1 + size + 1;
        char *wrapped = malloc(n);
        FUZZ_CHECK(wrapped != NULL);
        memcpy(wrapped, head, sizeof head - 1);
        memcpy(wrapped + sizeof head - 1, data, size);
        wrapped[n - 1] = '}';
        int wrc = jsonl_parse(&r, wrapped, n, &scratch, err, sizeof err, &col);
        FUZZ_CHECK(wrc == QUARRY_OK || wrc == QUARRY_ENOMEM);
        if (wrc == QUARRY_OK)
            FUZZ_CHECK(r.id_len == 1 && r.id[0] == 'x');
        free(wrapped);
    }
    buf_free(&scratch);
    free(line);
    return 0;
}
