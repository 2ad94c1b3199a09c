/*
 * test_jsonl.c: indexer/jsonl.h, the JSON Lines record parser:
 * - valid records: every escape, surrogate pairs, raw Unicode, integer ids (negative, -0,
 *   longer than 64 bits), absent and null members, unknown members of every type and nesting,
 *   whitespace everywhere, duplicate keys (the last one wins), escaped keys;
 * - where the strings live: in the line without escapes, in scratch with them; scratch reuse;
 * - a table of invalid lines, each QUARRY_EINPUT with its 1-based column (in characters) and
 *   a word of its message; record-level errors (not an object, wrong member types) at
 *   column 0, and syntax errors taking precedence over them;
 * - the nesting limit, every ill-formed UTF-8 class, and large lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "indexer/jsonl.h"
#include "quarry/error.h"

/* Parses the NUL-terminated line s with a fresh scratch; fails the test unless QUARRY_OK. */
static jsonl_record parse_ok(const char *s, buf *scratch)
{
    jsonl_record r;
    char err[256] = "";
    size_t col = 0;
    int rc = jsonl_parse(&r, s, strlen(s), scratch, err, sizeof err, &col);
    if (rc != QUARRY_OK) {
        print_error("line %s: rc %d at column %zu: %s\n", s, rc, col, err);
        fail();
    }
    return r;
}

/* Asserts that (p, n) is the NUL-terminated string want. */
static void assert_field(const char *p, size_t n, const char *want)
{
    if (n != strlen(want) || memcmp(p, want, n) != 0) {
        print_error("got '%.*s' (%zu bytes), want '%s'\n", (int)n, p, n, want);
        fail();
    }
}

/* A valid line and the three members it gives. */
typedef struct valid_case {
    const char *line;  /* input */
    const char *id;    /* expected id */
    const char *title; /* expected title */
    const char *text;  /* expected text */
} valid_case;

static const valid_case valid[] = {
    /* plain records, absent and null members */
    {"{\"id\":\"a\",\"title\":\"T\",\"text\":\"x y\"}", "a", "T", "x y"},
    {"{\"id\":\"a\"}", "a", "", ""},
    {"{}", "", "", ""},
    {"{\"id\":null,\"title\":null,\"text\":null}", "", "", ""},
    {"{\"text\":\"\",\"title\":\"\",\"id\":\"\"}", "", "", ""},
    {"{\"id\":\"\x7f\"}", "\x7f", "", ""}, /* DEL needs no escape */
    /* every escape */
    {"{\"id\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t", "", ""},
    {"{\"text\":\"\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF\\u0001\\u007f\\u0080\\u07FF\\u0800\"}", "",
     "", "A\xC3\xA9\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBF\x01\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80"},
    {"{\"text\":\"a\\\"b\\\"c\"}", "", "", "a\"b\"c"},
    {"{\"text\":\"\\\\\"}", "", "", "\\"},
    {"{\"text\":\"\\n\"}", "", "", "\n"},
    /* surrogate pairs: U+1F600, U+10000, U+10FFFF */
    {"{\"title\":\"\\ud83d\\ude00\",\"text\":\"\\uD800\\uDC00|\\uDBFF\\uDFFF\"}", "",
     "\xF0\x9F\x98\x80", "\xF0\x90\x80\x80|\xF4\x8F\xBF\xBF"},
    /* raw UTF-8 of every length, and mixed with escapes */
    {"{\"id\":\"\xC3\xA9\",\"title\":\"\xE2\x82\xAC\xED\x9F\xBF\xEE\x80\x80\","
     "\"text\":\"\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\\n\xC2\x80\"}",
     "\xC3\xA9", "\xE2\x82\xAC\xED\x9F\xBF\xEE\x80\x80",
     "\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\n\xC2\x80"},
    /* integer ids: their decimal text */
    {"{\"id\":42}", "42", "", ""},
    {"{\"id\":0}", "0", "", ""},
    {"{\"id\":-7}", "-7", "", ""},
    {"{\"id\":-0}", "0", "", ""},
    {"{\"id\":9223372036854775807}", "9223372036854775807", "", ""},
    {"{\"id\":-9223372036854775808}", "-9223372036854775808", "", ""},
    {"{\"id\":123456789012345678901234567890}", "123456789012345678901234567890", "", ""},
    /* unknown members of every type, nested, and numbers of every form */
    {"{\"a\":[1,-2.5e+3,true,false,null,\"s\",{\"b\":{\"c\":[]}}],\"id\":\"x\",\"o\":{},"
     "\"e\":[],\"n\":[0,-0,0.0,1e5,1E-5,1.5e+10,-123.456,1e400,99999999999999999999999]}",
     "x", "", ""},
    {"{\"tags\":[\"x\",{\"y\":null}],\"id\":1,\"text\":\"t\",\"score\":1.5,\"t\":true,"
     "\"f\":false,\"z\":null}",
     "1", "", "t"},
    /* nested members with the kept names are unknown members */
    {"{\"meta\":{\"id\":5,\"title\":[],\"text\":{}},\"id\":\"top\"}", "top", "", ""},
    {"{\"x\":[{\"id\":\"no\"}],\"id\":\"yes\"}", "yes", "", ""},
    /* whitespace everywhere (the four JSON whitespace bytes) */
    {" \t\r\n{ \"id\" : \"x\" ,\n\"text\"\t:\r\"y\" , \"a\" : [ 1 , { } , [ ] ] } \t\r\n", "x", "",
     "y"},
    /* duplicate keys: the last occurrence wins, whatever came before */
    {"{\"id\":\"a\",\"id\":\"b\"}", "b", "", ""},
    {"{\"title\":5,\"title\":\"x\"}", "", "x", ""},
    {"{\"text\":[1,{}],\"text\":\"ok\"}", "", "", "ok"},
    {"{\"text\":\"a\\nb\",\"text\":\"c\"}", "", "", "c"},
    {"{\"text\":\"c\",\"text\":\"a\\nb\"}", "", "", "a\nb"},
    {"{\"id\":\"a\",\"id\":null}", "", "", ""},
    {"{\"id\":\"a\\\"\",\"title\":\"t\\\"\",\"id\":\"b\\\"\"}", "b\"", "t\"", ""},
    /* keys are compared decoded; other spellings are unknown members */
    {"{\"\\u0069d\":\"k\",\"t\\u0069tle\":\"T\",\"\\u0074\\u0065\\u0078\\u0074\":\"X\"}", "k", "T",
     "X"},
    {"{\"ID\":\"no\",\"id \":\"no\",\"Title\":\"no\",\"texts\":\"no\",\"\":\"no\",\"id\":\"y\"}",
     "y", "", ""},
    {"{\"\\u0069\\u0064\\u0069\\u0064\\u0069\\u0064\":\"no\",\"id\":\"z\"}", "z", "", ""},
};

static void test_valid(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        const valid_case *c = &valid[i];
        jsonl_record r = parse_ok(c->line, &scratch);
        assert_field(r.id, r.id_len, c->id);
        assert_field(r.title, r.title_len, c->title);
        assert_field(r.text, r.text_len, c->text);
    }
    buf_free(&scratch);
}

/* Strings without escapes point into the line; with escapes, into scratch. */
static void test_where_strings_live(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    const char *line =
        "{\"id\":\"plain\",\"title\":\"a\\tb\",\"text\":\"\\u00e9t\\u00e9\",\"x\":1}";
    jsonl_record r = parse_ok(line, &scratch);
    assert_ptr_equal(r.id, line + 7);
    assert_true(r.title >= (const char *)scratch.data &&
                r.title + r.title_len <= (const char *)scratch.data + scratch.len);
    assert_true(r.text >= (const char *)scratch.data &&
                r.text + r.text_len <= (const char *)scratch.data + scratch.len);
    assert_field(r.title, r.title_len, "a\tb");
    assert_field(r.text, r.text_len, "\xC3\xA9t\xC3\xA9");
    assert_true(scratch.len <= strlen(line));

    /* An integer id is the number's text in the line; -0 its "0". */
    const char *num = "{\"id\":-0}";
    r = parse_ok(num, &scratch);
    assert_ptr_equal(r.id, num + 7);
    assert_int_equal(r.id_len, 1);

    /* A line without escapes leaves scratch empty; the next call empties it again. */
    r = parse_ok("{\"id\":\"a\",\"text\":\"b\"}", &scratch);
    assert_int_equal(scratch.len, 0);

    /* Absent members are the empty string, never NULL. */
    r = parse_ok("{\"z\":0}", &scratch);
    assert_non_null(r.id);
    assert_non_null(r.title);
    assert_non_null(r.text);

    /* A scratch buffer left in the ENOMEM state is reset and reused. */
    scratch.rc = QUARRY_ENOMEM;
    r = parse_ok("{\"id\":\"\\u0041\"}", &scratch);
    assert_field(r.id, r.id_len, "A");
    assert_int_equal(scratch.rc, QUARRY_OK);

    /* A line need not be NUL-terminated: only len bytes are read. */
    char raw[] = "{\"id\":\"q\"}GARBAGE";
    assert_int_equal(jsonl_parse(&r, raw, 10, &scratch, NULL, 0, NULL), QUARRY_OK);
    assert_field(r.id, r.id_len, "q");
    buf_free(&scratch);
}

/* An invalid line, its column (1-based, in characters) and a word of its message. */
typedef struct invalid_case {
    const char *line; /* input (NUL-terminated; see len) */
    size_t len;       /* its length, or 0 for strlen(line) */
    size_t col;       /* expected column; 0 for a record-level error */
    const char *word; /* expected in the message */
} invalid_case;

static const invalid_case invalid[] = {
    /* empty and blank lines (callers skip them before parsing) */
    {"", 0, 1, "expected a value"},
    {"   ", 0, 4, "end of line"},
    /* structure */
    {"{\"id\":\"a\",}", 0, 11, "string key"},   /* trailing comma in an object */
    {"{\"a\":[1,]}", 0, 9, "expected a value"}, /* trailing comma in an array */
    {"{,}", 0, 2, "string key"},                /* leading comma */
    {"{'id':'a'}", 0, 2, "string key"},         /* single quotes */
    {"{\"id\":'a'}", 0, 7, "expected a value"}, /* single-quoted value */
    {"{id:\"a\"}", 0, 2, "string key"},         /* bare key */
    {"{\"id\" \"a\"}", 0, 7, "':'"},            /* missing colon */
    {"{\"id\":}", 0, 7, "expected a value"},    /* missing value */
    {"{\"a\":1 \"b\":2}", 0, 8, "expected ',' or '}'"},
    {"{\"a\":[1 2]}", 0, 9, "expected ',' or ']'"},
    {"{\"a\":[1,2}", 0, 10, "expected ',' or ']'"},
    {"{\"a\":[}", 0, 7, "expected a value"},
    {"{\"a\":{\"b\"}}", 0, 10, "':'"},
    {"{\"a\":1,\"b\"}", 0, 11, "':'"},
    {"{\"a\":\"x\"]", 0, 9, "expected ',' or '}'"},
    {"{\"id\":\"a\"", 0, 10, "end of line"},        /* unclosed object */
    {"[1,2", 0, 5, "end of line"},                  /* unclosed array */
    {"{\"id\":\"a\"} x", 0, 12, "after the value"}, /* trailing garbage */
    {"{\"id\":\"a\"}{}", 0, 11, "after the value"},
    {"{\"id\":\"a\"},", 0, 11, "after the value"},
    {"{\"id\":\"a\"}\xC2\xA0", 0, 11, "after the value"},     /* no-break space */
    {"{\"id\":\"a\"}\0", 11, 11, "after the value"},          /* NUL byte */
    {"\xEF\xBB\xBF{\"id\":\"a\"}", 0, 1, "expected a value"}, /* byte order mark */
    {"{\f\"id\":\"a\"}", 0, 2, "string key"},                 /* form feed is no whitespace */
    {"{\v\"id\":\"a\"}", 0, 2, "string key"},                 /* nor vertical tab */
    /* literals */
    {"{\"a\":tru}", 0, 6, "true"},
    {"{\"a\":True}", 0, 6, "expected a value"},
    {"{\"a\":nul}", 0, 6, "null"},
    {"{\"a\":fals}", 0, 6, "false"},
    {"{\"a\":nulll}", 0, 10, "expected ',' or '}'"},
    {"{\"a\":NaN}", 0, 6, "expected a value"},
    {"{\"a\":Infinity}", 0, 6, "expected a value"},
    {"{\"a\":undefined}", 0, 6, "expected a value"},
    /* numbers */
    {"{\"n\":01}", 0, 6, "leading zero"},
    {"{\"n\":-01}", 0, 6, "leading zero"},
    {"{\"n\":00}", 0, 6, "leading zero"},
    {"{\"n\":1.}", 0, 8, "after '.'"},
    {"{\"n\":1.e5}", 0, 8, "after '.'"},
    {"{\"n\":-}", 0, 7, "after '-'"},
    {"{\"n\":--1}", 0, 7, "after '-'"},
    {"{\"n\":-a}", 0, 7, "after '-'"},
    {"{\"n\":.5}", 0, 6, "expected a value"},
    {"{\"n\":+1}", 0, 6, "expected a value"},
    {"{\"n\":1e}", 0, 8, "exponent"},
    {"{\"n\":1e+}", 0, 9, "exponent"},
    {"{\"n\":1E-x}", 0, 9, "exponent"},
    {"{\"n\":0x10}", 0, 7, "expected ',' or '}'"},
    {"{\"n\":1.5.2}", 0, 9, "expected ',' or '}'"},
    {"{\"n\":1", 0, 7, "end of line"},
    {"{\"n\":1\0}", 8, 7, "expected ',' or '}'"}, /* NUL after a number (jansson skipped it) */
    {"{\"n\":null\0}", 11, 10, "expected ',' or '}'"},
    {"{\"n\":-", 0, 7, "after '-'"},
    /* strings: termination, control characters */
    {"{\"id\":\"a", 0, 7, "unterminated"},
    {"{\"id\":\"a\\", 0, 7, "unterminated"},
    {"{\"id\":\"\\u00e9", 0, 7, "unterminated"},
    {"{\"id\":\"a\tb\"}", 0, 9, "control character"},
    {"{\"id\":\"a\nb\"}", 0, 9, "control character"},
    {"{\"x\":\"\x01\"}", 0, 7, "control character"},
    {"{\"x\":\"\x1f\"}", 0, 7, "control character"},
    {"{\"x\":\"a\0\"}", 10, 8, "control character"},
    {"{\"\t\":1}", 0, 3, "control character"}, /* in a key */
    /* escapes */
    {"{\"id\":\"\\x\"}", 0, 8, "invalid escape"},
    {"{\"id\":\"\\a\"}", 0, 8, "invalid escape"},
    {"{\"id\":\"\\U0041\"}", 0, 8, "invalid escape"},
    {"{\"id\":\"\\'\"}", 0, 8, "invalid escape"},
    {"{\"id\":\"\\\xC3\xA9\"}", 0, 8, "invalid escape"},
    {"{\"id\":\"\\u12\"}", 0, 8, "hex digits"},
    {"{\"id\":\"\\u12g4\"}", 0, 8, "hex digits"},
    {"{\"id\":\"\\u\"}", 0, 8, "hex digits"},
    {"{\"id\":\"\\u0000\"}", 0, 8, "\\u0000"},
    {"{\"zz\":\"a\\u0000b\"}", 0, 9, "\\u0000"}, /* in an unknown member too */
    /* lone surrogates */
    {"{\"id\":\"\\ud800\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"\\udc00\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"\\uDFFF\\uD800\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"\\ud800\\u0041\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"\\ud800\\ud800\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"\\ud83dx\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"\\ud83d\\n\"}", 0, 8, "lone surrogate"},
    {"{\"id\":\"x\\ud83d\"}", 0, 9, "lone surrogate"},
    {"{\"id\":\"\\ud83d\\ude0\"}", 0, 14, "hex digits"},
    /* ill-formed UTF-8 in strings (table 3-7), in values, unknown members and keys */
    {"{\"id\":\"a\xff\"}", 0, 9, "UTF-8"},
    {"{\"id\":\"\x80\"}", 0, 8, "UTF-8"},             /* lone continuation byte */
    {"{\"id\":\"\xC0\x80\"}", 0, 8, "UTF-8"},         /* overlong NUL */
    {"{\"id\":\"\xC1\xBF\"}", 0, 8, "UTF-8"},         /* overlong */
    {"{\"id\":\"\xC3\"}", 0, 8, "UTF-8"},             /* truncated before the quote */
    {"{\"id\":\"\xC3(\"}", 0, 8, "UTF-8"},            /* bad continuation */
    {"{\"id\":\"\xE0\x80\x80\"}", 0, 8, "UTF-8"},     /* overlong three-byte */
    {"{\"id\":\"\xE0\x9F\xBF\"}", 0, 8, "UTF-8"},     /* overlong three-byte */
    {"{\"id\":\"\xED\xA0\x80\"}", 0, 8, "UTF-8"},     /* encoded surrogate D800 */
    {"{\"id\":\"\xED\xBF\xBF\"}", 0, 8, "UTF-8"},     /* encoded surrogate DFFF */
    {"{\"id\":\"\xE2\x82\"}", 0, 8, "UTF-8"},         /* truncated three-byte */
    {"{\"id\":\"\xF0\x80\x80\x80\"}", 0, 8, "UTF-8"}, /* overlong four-byte */
    {"{\"id\":\"\xF0\x8F\xBF\xBF\"}", 0, 8, "UTF-8"}, /* overlong four-byte */
    {"{\"id\":\"\xF4\x90\x80\x80\"}", 0, 8, "UTF-8"}, /* above U+10FFFF */
    {"{\"id\":\"\xF5\x80\x80\x80\"}", 0, 8, "UTF-8"},
    {"{\"id\":\"\xF8\x88\x80\x80\x80\"}", 0, 8, "UTF-8"}, /* five-byte form */
    {"{\"id\":\"\xF0\x9F\x98\"}", 0, 8, "UTF-8"},         /* truncated four-byte */
    {"{\"id\":\"\xF0\x9F\x98", 0, 8, "UTF-8"},            /* ... at the end of the line */
    {"{\"x\":[\"ok\",\"\xFE\"]}", 0, 13, "UTF-8"},
    {"{\"\xC3\":1}", 0, 3, "UTF-8"},
    {"{\"id\":\"abcdefghijklmnopqrstuvwxyz\xFF\"}", 0, 34, "UTF-8"}, /* after a fast-path run */
    /* columns count characters, not bytes */
    {"{\"t\":\"\xC3\xA9\xC3\xA9\xC3\xA9\",x}", 0, 12, "string key"},
    {"{\"t\":\"\xF0\x9F\x98\x80\",\"u\":\"\\q\"}", 0, 15, "invalid escape"},
    /* record-level errors: column 0 */
    {"[1,2,3]", 0, 0, "not a JSON object"},
    {"[]", 0, 0, "not a JSON object"},
    {"\"str\"", 0, 0, "not a JSON object"},
    {"5", 0, 0, "not a JSON object"},
    {"-0.5e3", 0, 0, "not a JSON object"},
    {"null", 0, 0, "not a JSON object"},
    {"true", 0, 0, "not a JSON object"},
    {"{\"id\":1.5}", 0, 0, "must be strings"},
    {"{\"id\":1e2}", 0, 0, "must be strings"},
    {"{\"id\":-0.0}", 0, 0, "must be strings"},
    {"{\"id\":true}", 0, 0, "must be strings"},
    {"{\"id\":[]}", 0, 0, "must be strings"},
    {"{\"id\":{\"a\":1}}", 0, 0, "must be strings"},
    {"{\"title\":5}", 0, 0, "must be strings"},
    {"{\"title\":false}", 0, 0, "must be strings"},
    {"{\"text\":[\"a\"]}", 0, 0, "must be strings"},
    {"{\"text\":{}}", 0, 0, "must be strings"},
    {"{\"id\":\"a\",\"title\":\"x\",\"title\":5}", 0, 0, "must be strings"}, /* last wins */
    {"{\"id\":\"a\",\"text\":\"x\",\"text\":1}", 0, 0, "must be strings"},
    /* a syntax error anywhere outranks a wrong type or a non-object */
    {"{\"title\":5,\"x\":}", 0, 16, "expected a value"},
    {"[1,2,]", 0, 6, "expected a value"},
    {"\"a\" \"b\"", 0, 5, "after the value"},
};

static void test_invalid(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    int bad = 0;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        const invalid_case *c = &invalid[i];
        size_t len = c->len ? c->len : strlen(c->line);
        jsonl_record r = {"untouched", 9, NULL, 0, NULL, 0};
        char err[256] = "";
        size_t col = 999;
        int rc = jsonl_parse(&r, c->line, len, &scratch, err, sizeof err, &col);
        if (rc != QUARRY_EINPUT || col != c->col || !strstr(err, c->word) ||
            strcmp(r.id, "untouched") != 0) {
            print_error("case %zu (%.*s): rc %d, column %zu (want %zu), message '%s' (want '%s')\n",
                        i, (int)len, c->line, rc, col, c->col, err, c->word);
            bad++;
        }
    }
    buf_free(&scratch);
    assert_int_equal(bad, 0);
}

/* Messages are cut to the buffer; err may be NULL with cap 0, and err_col NULL. */
static void test_error_buffers(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    jsonl_record r;
    char small[8];
    assert_int_equal(jsonl_parse(&r, "{x", 2, &scratch, small, sizeof small, NULL), QUARRY_EINPUT);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(jsonl_parse(&r, "{x", 2, &scratch, NULL, 0, NULL), QUARRY_EINPUT);
    assert_int_equal(jsonl_parse(&r, "[]", 2, &scratch, NULL, 0, NULL), QUARRY_EINPUT);
    buf_free(&scratch);
}

/* Builds {"a":<depth - 1 brackets>0<closers>}: a line nested `depth` deep. */
static char *nested(size_t depth, char open, char close)
{
    size_t n = depth - 1;
    char *s = malloc(2 * n + 16);
    assert_non_null(s);
    size_t k = 0;
    k += (size_t)sprintf(s, "{\"a\":");
    for (size_t i = 0; i < n; i++)
        s[k++] = open;
    s[k++] = '0';
    for (size_t i = 0; i < n; i++)
        s[k++] = close;
    s[k++] = '}';
    s[k] = '\0';
    return s;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    jsonl_record r;
    char err[128];
    size_t col;
    char *s = nested(JSONL_MAX_DEPTH, '[', ']');
    assert_int_equal(jsonl_parse(&r, s, strlen(s), &scratch, err, sizeof err, &col), QUARRY_OK);
    free(s);
    s = nested(JSONL_MAX_DEPTH + 1, '[', ']');
    assert_int_equal(jsonl_parse(&r, s, strlen(s), &scratch, err, sizeof err, &col), QUARRY_EINPUT);
    assert_int_equal(col, 6 + JSONL_MAX_DEPTH - 1); /* at the first bracket too many */
    assert_non_null(strstr(err, "nesting"));
    free(s);

    /* Objects count the same; the limit holds deep inside mixed containers. */
    char line[1024];
    size_t k = (size_t)sprintf(line, "{\"id\":\"x\",\"a\":");
    for (int d = 1; d < JSONL_MAX_DEPTH; d++)
        k += (size_t)sprintf(line + k, d % 2 ? "{\"k\":" : "[");
    k += (size_t)sprintf(line + k, "1");
    for (int d = JSONL_MAX_DEPTH - 1; d >= 1; d--)
        k += (size_t)sprintf(line + k, d % 2 ? "}" : "]");
    sprintf(line + k, "}");
    r = parse_ok(line, &scratch);
    assert_field(r.id, r.id_len, "x");

    /* A very deep line fails fast, without recursion. */
    size_t big = 1000000;
    s = malloc(big + 1);
    assert_non_null(s);
    memset(s, '[', big);
    assert_int_equal(jsonl_parse(&r, s, big, &scratch, err, sizeof err, &col), QUARRY_EINPUT);
    assert_int_equal(col, JSONL_MAX_DEPTH + 1);
    memset(s, '{', big);
    assert_int_equal(jsonl_parse(&r, s, big, &scratch, err, sizeof err, &col), QUARRY_EINPUT);
    assert_int_equal(col, 2); /* "{{": a key is expected */
    free(s);
    buf_free(&scratch);
}

/* Every code point round-trips through a \u escape (pairs above U+FFFF) and raw UTF-8. */
static void test_all_code_points(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    char line[64], want[8];
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp += cp < 0x3000 ? 1 : 97) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        size_t n;
        if (cp < 0x10000) {
            n = (size_t)snprintf(line, sizeof line, "{\"text\":\"\\u%04X\"}", (unsigned)cp);
        } else {
            uint32_t v = cp - 0x10000;
            n = (size_t)snprintf(line, sizeof line, "{\"text\":\"\\u%04x\\u%04x\"}",
                                 (unsigned)(0xD800 + (v >> 10)), (unsigned)(0xDC00 + (v & 0x3FF)));
        }
        size_t w = 0;
        if (cp < 0x80) {
            want[w++] = (char)cp;
        } else if (cp < 0x800) {
            want[w++] = (char)(0xC0 | cp >> 6);
            want[w++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            want[w++] = (char)(0xE0 | cp >> 12);
            want[w++] = (char)(0x80 | (cp >> 6 & 0x3F));
            want[w++] = (char)(0x80 | (cp & 0x3F));
        } else {
            want[w++] = (char)(0xF0 | cp >> 18);
            want[w++] = (char)(0x80 | (cp >> 12 & 0x3F));
            want[w++] = (char)(0x80 | (cp >> 6 & 0x3F));
            want[w++] = (char)(0x80 | (cp & 0x3F));
        }
        jsonl_record r;
        int rc = jsonl_parse(&r, line, n, &scratch, NULL, 0, NULL);
        if (rc != QUARRY_OK || r.text_len != w || memcmp(r.text, want, w) != 0) {
            print_error("U+%04X: rc %d\n", (unsigned)cp, rc);
            fail();
        }
        if (cp < 0x20 || cp == '"' || cp == '\\')
            continue;
        /* The same character raw. */
        n = (size_t)snprintf(line, sizeof line, "{\"text\":\"%.*s\"}", (int)w, want);
        rc = jsonl_parse(&r, line, n, &scratch, NULL, 0, NULL);
        if (rc != QUARRY_OK || r.text_len != w || memcmp(r.text, want, w) != 0) {
            print_error("raw U+%04X: rc %d\n", (unsigned)cp, rc);
            fail();
        }
    }
    buf_free(&scratch);
}

/* Every two-byte string body that is not valid UTF-8 is rejected at its first byte. */
static void test_two_byte_bodies(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    char line[16];
    for (unsigned a = 0x80; a < 0x100; a++) {
        for (unsigned b = 0; b < 0x100; b++) {
            int ok = a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF;
            memcpy(line, "{\"t\":\"", 6);
            line[6] = (char)a;
            line[7] = (char)b;
            line[8] = '"';
            line[9] = '}';
            jsonl_record r;
            size_t col = 0;
            int rc = jsonl_parse(&r, line, 10, &scratch, NULL, 0, &col);
            if (ok ? rc != QUARRY_OK : rc != QUARRY_EINPUT || col != 7) {
                print_error("bytes %02X %02X: rc %d column %zu\n", a, b, rc, col);
                fail();
            }
        }
    }
    buf_free(&scratch);
}

/* A 16 MiB text, plain and then full of escapes, parses and decodes exactly. */
static void test_large_line(void **state)
{
    (void)state;
    size_t n = 16u << 20;
    char *line = malloc(n + 64);
    assert_non_null(line);
    size_t k = (size_t)sprintf(line, "{\"id\":\"big\",\"text\":\"");
    size_t body = k;
    for (size_t i = 0; i < n; i++)
        line[k++] = (char)('a' + i % 26);
    k += (size_t)sprintf(line + k, "\"}");
    buf scratch = BUF_INIT;
    jsonl_record r;
    assert_int_equal(jsonl_parse(&r, line, k, &scratch, NULL, 0, NULL), QUARRY_OK);
    assert_ptr_equal(r.text, line + body);
    assert_int_equal(r.text_len, n);

    /* Every fourth byte an escape: "ab\ncd\"..." decodes to n / 4 * 3 bytes. */
    for (size_t i = 0; i + 4 <= n; i += 4) {
        line[body + i] = 'x';
        line[body + i + 1] = 'y';
        line[body + i + 2] = '\\';
        line[body + i + 3] = i % 8 ? 'n' : '"';
    }
    assert_int_equal(jsonl_parse(&r, line, k, &scratch, NULL, 0, NULL), QUARRY_OK);
    assert_int_equal(r.text_len, n / 4 * 3);
    for (size_t i = 0, j = 0; i + 4 <= n; i += 4, j += 3) {
        if (r.text[j] != 'x' || r.text[j + 1] != 'y' || r.text[j + 2] != (i % 8 ? '\n' : '"')) {
            print_error("decoded text differs at %zu\n", j);
            fail();
        }
    }
    assert_true(scratch.len <= k);
    buf_free(&scratch);
    free(line);
}

/* Each string is read only inside [line, line + len): a quote just past the end is unseen. */
static void test_length_bound(void **state)
{
    (void)state;
    buf scratch = BUF_INIT;
    jsonl_record r;
    size_t col;
    const char *s = "{\"id\":\"abcdefghijklmnopqrstuvwxyz\"}";
    for (size_t len = 0; len < strlen(s); len++) {
        char *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
        assert_non_null(copy);
        memcpy(copy, s, len);
        assert_int_equal(jsonl_parse(&r, copy, len, &scratch, NULL, 0, &col), QUARRY_EINPUT);
        assert_true(col >= 1 && col <= len + 1);
        free(copy);
    }
    buf_free(&scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),           cmocka_unit_test(test_where_strings_live),
        cmocka_unit_test(test_invalid),         cmocka_unit_test(test_error_buffers),
        cmocka_unit_test(test_nesting_limit),   cmocka_unit_test(test_all_code_points),
        cmocka_unit_test(test_two_byte_bodies), cmocka_unit_test(test_large_line),
        cmocka_unit_test(test_length_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
