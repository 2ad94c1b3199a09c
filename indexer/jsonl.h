/*
 * indexer/jsonl.h: a strict, allocation-light parser for one line of JSON Lines input.
 *
 * quarry's JSONL records are flat objects of which only three members matter: "id", "title"
 * and "text". jsonl_parse validates the whole line as one JSON value (RFC 8259: objects,
 * arrays, strings with every escape, numbers with the exact grammar, true/false/null, the four
 * whitespace bytes) without building a tree, and hands back those three members as
 * (pointer, length) pairs. A string without escapes is returned in place, pointing into the
 * line; one with escapes is decoded into a caller-owned scratch buffer. Used by intake.c
 * (quarry_writer_add_jsonl) in place of a DOM parser, which cost more than tokenizing,
 * stemming and inverting together.
 *
 * What it accepts, precisely:
 *   - The line must hold exactly one JSON value, optionally surrounded by whitespace, and that
 *     value must be an object. A UTF-8 byte order mark is not whitespace (an error).
 *   - Every string (keys and unknown members too) must be valid UTF-8 (no overlong forms, no
 *     surrogates, nothing above U+10FFFF), must not hold unescaped bytes below 0x20, and its
 *     \u escapes must pair surrogates correctly (a lone surrogate is an error). "\u0000" is
 *     rejected, as jansson (the parser this one replaced) did: decoded strings never hold NUL.
 *   - Containers nest at most JSONL_MAX_DEPTH deep (the top-level object is depth 1).
 *   - Numbers follow the RFC grammar (no leading zeros, "+", "1.", ".5", "1e", hex, NaN), but
 *     their values are not computed, so any magnitude is accepted.
 *   - Keys are compared after decoding ("\u0069d" is "id"). When a key repeats, the LAST
 *     occurrence wins, for the three members as for jansson's objects; earlier occurrences must
 *     still be valid JSON, of any type.
 *   - "id" may be a string or an integer (a number without fraction or exponent), whose decimal
 *     text becomes the id: 42 -> "42", -7 -> "-7", -0 -> "0", and integers of any length are
 *     kept digit for digit. "title" and "text" must be strings. Any of the three may be absent
 *     or null, which gives the empty string. Unknown members may have any type.
 *
 * Known differences from jansson's json_loadb(line, len, 0, ...), the former parser: integers
 * beyond 64 bits and reals beyond a double's range are accepted (jansson rejected them as
 * "too big"); the nesting limit is JSONL_MAX_DEPTH instead of 2048; a top-level string,
 * number or literal is "not a JSON object" rather than a syntax error; a NUL byte right after
 * a number or literal is an error (jansson skipped it); messages and columns are worded
 * differently. Otherwise accept/reject decisions and decoded strings are the same (checked
 * against jansson on about a million random and mutated lines and on 252,244 Wikipedia ones).
 *
 * Thread rules: no shared state; concurrent calls are fine with distinct scratch buffers.
 */
#ifndef QUARRY_INDEXER_JSONL_H
#define QUARRY_INDEXER_JSONL_H

#include <stddef.h>

#include "common/buf.h"

/* Deepest nesting of objects and arrays accepted; the top-level object counts as 1. */
#define JSONL_MAX_DEPTH 64

/*
 * The three members of one record. Pointers are never NULL: an absent or null member is the
 * empty string (length 0). Strings are not NUL-terminated; they are valid UTF-8 without NUL.
 */
typedef struct jsonl_record {
    const char *id;    /* "id": the decoded string, or an integer's decimal text */
    size_t id_len;     /* its length in bytes; 0 if absent, null or "" */
    const char *title; /* "title", decoded */
    size_t title_len;  /* its length in bytes */
    const char *text;  /* "text", decoded */
    size_t text_len;   /* its length in bytes */
} jsonl_record;

/*
 * Parses line[0..len) (without its line terminator; trailing whitespace is fine) as one JSONL
 * record and fills *out.
 *
 *   out      receives the record (on QUARRY_OK only; untouched otherwise).
 *   line     the bytes of the line; need not be NUL-terminated. Must not be NULL.
 *   len      their number. A blank line is an error here ("expected a value"): callers that
 *            skip blank lines do so before calling.
 *   scratch  where strings with escapes are decoded. Its contents are replaced on every call
 *            (its capacity is kept, so one scratch per input stream allocates only while lines
 *            grow); it is emptied at the start of each call, and a scratch left in the ENOMEM
 *            state by an earlier call is freed first. It grows by at most len bytes per call.
 *   err,cap  on QUARRY_EINPUT, receive a NUL-terminated message (cut to cap bytes). err may be
 *            NULL when cap is 0.
 *   err_col  (may be NULL) on QUARRY_EINPUT, receives the 1-based column of the offending
 *            character, counted in characters (UTF-8 sequences), or 0 when the complaint is
 *            about the record rather than a place in it: "not a JSON object" and
 *            "\"id\", \"title\" and \"text\" must be strings".
 *
 * Returns QUARRY_OK; QUARRY_EINPUT if the line is not valid JSON (message like "expected ',' or
 * '}', found 'x'" and a column >= 1), not an object, or has a member of the wrong type (column
 * 0); QUARRY_ENOMEM if scratch cannot grow. A syntax error anywhere on the line takes
 * precedence over a wrong member type.
 *
 * Lifetime: the pointers in *out point into `line` or into scratch->data, so they stay valid
 * until the next call with the same scratch, until scratch is freed, or until the line's
 * bytes change or go away, whichever comes first.
 *
 * Example:
 *
 *     buf scratch = BUF_INIT;
 *     jsonl_record r;
 *     char msg[128];
 *     size_t col;
 *     while (next_line(&line, &len)) {
 *         int rc = jsonl_parse(&r, line, len, &scratch, msg, sizeof msg, &col);
 *         if (rc == QUARRY_OK)
 *             use(r.id, r.id_len, r.title, r.title_len, r.text, r.text_len);
 *         else if (rc == QUARRY_EINPUT)
 *             report(col, msg);
 *         else
 *             break;
 *     }
 *     buf_free(&scratch);
 */
int jsonl_parse(jsonl_record *out, const char *line, size_t len, buf *scratch, char *err,
                size_t cap, size_t *err_col);

#endif
