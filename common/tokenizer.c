/*
 * tokenizer.c: splits UTF-8 text into folded words under the rules of tokenizer.h. The
 * analyzer (analyzer.c) runs it over every document the indexer takes in and over every query.
 *
 * This is the indexer's hot loop, so ASCII, the bulk of most text, never leaves one 256-entry
 * table that maps a letter or digit byte straight to its folded form. Only non-ASCII code
 * points reach utf8proc, for their general category and their folding. The UTF-8 decoder is
 * our own: it is strict (no overlongs, surrogates or values above U+10FFFF) and never reads
 * past the end of the input, and utf8_valid shares it.
 */
#include "tokenizer.h"

#include <string.h>
#include <utf8proc.h>

/*
 * ascii_fold[b]: for an ASCII letter or digit, its folded byte (always >= '0'); otherwise one
 * of the byte classes below. Bytes >= 0x80 all say "decode me".
 */
enum {
    B_SEP = 0,  /* ASCII separator: space, punctuation, control */
    B_APOS = 1, /* U+0027 apostrophe */
    B_HIGH = 2  /* part of a multi-byte sequence (or an invalid byte) */
};

static const uint8_t ascii_fold[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
};

/* What a code point is to the word rules. */
enum { C_SEP, C_LETTER, C_DIGIT, C_MARK, C_APOS };

/* Folding: case folding, compatibility decomposition, combining marks removed. */
#define FOLD_OPTIONS (UTF8PROC_CASEFOLD | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK)

/* Room for the folding of one code point: the longest (U+FDFA) is 18 code points. */
#define FOLD_MAX 32

/*
 * Decodes the multi-byte sequence at s[0..n) (n >= 1). Returns its length and sets *cp, or
 * returns 0 if s[0] does not start a valid sequence: a continuation byte, an overlong form, a
 * surrogate, a value above U+10FFFF, or a sequence cut by the end of input.
 */
static size_t decode(const uint8_t *s, size_t n, int32_t *cp)
{
    uint8_t c = s[0];
    if (c >= 0xC2 && c <= 0xDF) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = (int32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        /* E0 needs A0.. (else overlong), ED needs ..9F (else a surrogate) */
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
            return 0;
        *cp = (int32_t)(c & 0x0F) << 12 | (int32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        /* F0 needs 90.. (else overlong), F4 needs ..8F (else above U+10FFFF) */
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        *cp = (int32_t)(c & 0x07) << 18 | (int32_t)(s[1] & 0x3F) << 12 |
              (int32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* The word-rule class of a decoded code point (never C_APOS: the caller checks U+2019). */
static int cp_class(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return C_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return C_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return C_MARK;
    default:
        return C_SEP;
    }
}

/* Whether the code point is a letter or a digit. */
static int is_alnum(int32_t cp)
{
    if (cp < 0x80)
        return ascii_fold[cp] >= '0';
    int cls = cp_class(cp);
    return cls == C_LETTER || cls == C_DIGIT;
}

/*
 * The class of the code point at p[i]: C_SEP past the end and for an invalid byte. *cp and
 * *n receive the code point and its length in bytes (1 for an invalid byte).
 */
static int class_at(const uint8_t *p, size_t len, size_t i, int32_t *cp, size_t *n)
{
    *n = 1;
    if (i >= len)
        return C_SEP;
    uint8_t b = ascii_fold[p[i]];
    if (b != B_HIGH) {
        *cp = p[i];
        if (b >= 'a')
            return C_LETTER;
        if (b >= '0')
            return C_DIGIT;
        return b == B_APOS ? C_APOS : C_SEP;
    }
    size_t k = decode(p + i, len - i, cp);
    if (k == 0)
        return C_SEP; /* invalid: U+FFFD, a separator */
    *n = k;
    return *cp == 0x2019 ? C_APOS : cp_class(*cp);
}

/*
 * Appends the folding of the non-ASCII code point cp to term[0..*n). Folded code points that
 * are not letters or digits ("½" gives "1⁄2", "⑴" gives "(1)") are left out, so that a term
 * only ever holds letters and digits. If the folding does not fit, *limit drops to *n, which
 * ends the term there: it is cut at a character boundary and nothing later is added.
 */
static void append_folded(char *term, size_t *n, size_t *limit, int32_t cp)
{
    utf8proc_int32_t cps[FOLD_MAX];
    utf8proc_ssize_t k = utf8proc_decompose_char(cp, cps, FOLD_MAX, FOLD_OPTIONS, NULL);
    if (k <= 0 || k > FOLD_MAX) /* a stripped mark; k > FOLD_MAX does not occur (see above) */
        return;
    utf8proc_uint8_t out[FOLD_MAX * 4];
    size_t m = 0;
    for (utf8proc_ssize_t j = 0; j < k; j++) {
        if (is_alnum(cps[j]))
            m += (size_t)utf8proc_encode_char(cps[j], out + m);
    }
    if (m > *limit - *n) {
        *limit = *n;
        return;
    }
    memcpy(term + *n, out, m);
    *n += m;
}

/*
 * Scans the word that starts at p[i] (a letter or digit) into term. Returns the offset one past
 * its last byte, which includes a dropped final "'s" and the part of an over-long run that
 * did not fit, so that [start, end) always covers the whole original word. *term_len receives
 * the folded length, 0 if nothing in the run folded to a letter or digit.
 */
static size_t scan_word(const uint8_t *p, size_t len, size_t i, char *term, size_t *term_len)
{
    size_t n = 0, limit = TOKENIZER_MAX_TERM;
    int after_letter = 0; /* the last letter or digit of the word is a letter */
    size_t part = 0;      /* characters since the word start or the last acronym dot */
    while (i < len) {
        uint8_t b = ascii_fold[p[i]];
        if (b >= '0') { /* ASCII letter or digit: the fast path */
            if (n < limit)
                term[n++] = (char)b;
            after_letter = b >= 'a';
            part++;
            i++;
            continue;
        }
        if (b == B_SEP) {
            /* Acronyms: single ASCII letters each followed by a dot join into one word
             * ("U.S." -> "us", "e.g." -> "eg"); the dot must be followed by another single
             * letter, so "J. Smith" and "end.Next" stay apart. */
            if (p[i] == '.' && part == 1 && after_letter && i + 1 < len &&
                ascii_fold[p[i + 1]] >= 'a' && (i + 2 == len || ascii_fold[p[i + 2]] < '0')) {
                part = 0;
                i++;
                continue;
            }
            break;
        }
        int32_t cp, next;
        size_t k, next_len;
        int cls = class_at(p, len, i, &cp, &k);
        if (cls == C_APOS) {
            /* Joins only between two letters; "'s" is dropped when it ends the word. */
            size_t j = i + k;
            if (!after_letter || class_at(p, len, j, &next, &next_len) != C_LETTER)
                break;
            if ((p[j] | 0x20) == 's') {
                int after_s = class_at(p, len, j + 1, &next, &next_len);
                if (after_s != C_LETTER && after_s != C_DIGIT && after_s != C_MARK) {
                    i = j + 1;
                    break;
                }
            }
            i = j;
            continue;
        }
        if (cls == C_SEP)
            break;
        append_folded(term, &n, &limit, cp);
        part += 2; /* acronym parts are single ASCII letters */
        if (cls != C_MARK)
            after_letter = cls == C_LETTER;
        i += k;
    }
    *term_len = n;
    return i;
}

int tokenizer_run(const char *text, size_t len, uint32_t first_pos, tok_emit_fn emit, void *ctx,
                  uint32_t *next_pos)
{
    const uint8_t *p = (const uint8_t *)text;
    char term[TOKENIZER_MAX_TERM];
    uint32_t pos = first_pos;
    int rc = 0;
    size_t i = 0;
    while (i < len && rc == 0) {
        uint8_t b = ascii_fold[p[i]];
        if (b == B_SEP || b == B_APOS) {
            i++;
            continue;
        }
        if (b == B_HIGH) { /* a word starts only at a letter or digit, not at a mark */
            int32_t cp;
            size_t k;
            int cls = class_at(p, len, i, &cp, &k);
            if (cls != C_LETTER && cls != C_DIGIT) {
                i += k;
                continue;
            }
        }
        size_t start = i, n;
        i = scan_word(p, len, i, term, &n);
        if (n == 0) /* e.g. only halfwidth sound marks (U+FF9E), which fold to nothing */
            continue;
        tok_token t = {term, n, pos++, start, i};
        rc = emit(ctx, &t);
    }
    if (next_pos)
        *next_pos = pos;
    return rc;
}

void tokenizer_bound(const char *text, size_t len, size_t *words, size_t *folded)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t w = 0, f = 0;
    int in_run = 0; /* the previous byte is an ASCII letter or digit */
    for (size_t i = 0; i < len; i++) {
        uint8_t b = ascii_fold[p[i]];
        if (b >= '0') {
            w += !in_run;
            f++;
            in_run = 1;
        } else {
            if (b == B_HIGH) {
                w += p[i] >= 0xC0; /* a lead byte: a character that may start a word */
                f += FOLD_GROWTH;
            }
            in_run = 0;
        }
    }
    *words = w;
    *folded = f;
}

int utf8_valid(const char *text, size_t len)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) { /* eight ASCII bytes at once */
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080u) == 0) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t k = decode(p + i, len - i, &cp);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}
