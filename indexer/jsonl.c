/*
 * jsonl.c: the JSON Lines record parser (see jsonl.h), used by intake.c for
 * quarry_writer_add_jsonl. It replaces a DOM parser with one forward pass over the line: a
 * small state machine walks the structure (nesting tracked as one bit per level in a 64-bit
 * word, so there is no recursion and no allocation), and strings, which are nearly all of a
 * Wikipedia-style record, are scanned eight bytes at a time until a quote, a backslash, a
 * control byte or a non-ASCII byte turns up; non-ASCII sequences are checked against the
 * Unicode Standard's table 3-7 on the spot. Only the "id", "title" and "text" members at the
 * top level are kept: in place when they have no escapes, else decoded into the caller's
 * scratch buffer in a second pass that copies the runs between backslashes with memcpy.
 * Depends on common/buf.h and the error codes only.
 */
#include "jsonl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "quarry/error.h"

#define ONES  0x0101010101010101u /* 0x01 in every byte */
#define HIGHS 0x8080808080808080u /* 0x80 in every byte */

/*
 * HAVE_CTZ: whether __builtin_ctzll can find the first flagged byte of a word loaded with
 * memcpy (GCC or clang, little-endian). Elsewhere the string scanner finds it with a table.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HAVE_CTZ 1
#else
#define HAVE_CTZ 0
#endif

/* Which of the kept members a top-level key names. */
enum { F_ID, F_TITLE, F_TEXT, F_COUNT, F_NONE = F_COUNT };

/* What a kept member's last occurrence held. */
enum {
    K_EMPTY,   /* absent or null: the empty string */
    K_LINE,    /* bytes of the line, at off */
    K_SCRATCH, /* decoded bytes in the scratch buffer, at off */
    K_BAD      /* a value of the wrong type */
};

/* A kept member: where its value is. */
typedef struct member {
    int kind;   /* K_* */
    size_t off; /* offset in the line or in scratch->data */
    size_t len; /* length in bytes */
} member;

/* Parser state for one call. */
typedef struct parser {
    const uint8_t *start; /* the line */
    const uint8_t *p;     /* next byte to read */
    const uint8_t *end;   /* one past the line's last byte */
    buf *scratch;         /* decoded strings */
    char *err;            /* message buffer (may be NULL if cap is 0) */
    size_t cap;           /* its size */
    size_t err_at;        /* byte offset of the error in the line, or SIZE_MAX for a record error */
} parser;

/*
 * plain[b] is 1 for the bytes a string may hold as they are, without a closer look: printable
 * ASCII and DEL, except the quote and the backslash.
 */
static const uint8_t plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Records a syntax error at `at` with a printf-formatted message; returns QUARRY_EINPUT. */
static int fail(parser *ps, const uint8_t *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(parser *ps, const uint8_t *at, const char *fmt, ...)
{
    ps->err_at = (size_t)(at - ps->start);
    if (ps->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->cap, fmt, ap);
        va_end(ap);
    }
    return QUARRY_EINPUT;
}

/* Records an error about the record as a whole (column 0); returns QUARRY_EINPUT. */
static int reject(parser *ps, const char *msg)
{
    ps->err_at = SIZE_MAX;
    if (ps->cap)
        snprintf(ps->err, ps->cap, "%s", msg);
    return QUARRY_EINPUT;
}

/* Describes the byte at `at` for a message ("'x'", "end of line", "byte 0xC3"), in tmp. */
static const char *found(const parser *ps, const uint8_t *at, char tmp[16])
{
    if (at >= ps->end)
        return "end of line";
    if (*at > 0x20 && *at < 0x7F)
        snprintf(tmp, 16, "'%c'", *at);
    else
        snprintf(tmp, 16, "byte 0x%02X", *at);
    return tmp;
}

static const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/*
 * Nonzero if one of the eight bytes in w is a quote, a backslash, below 0x20 or above 0x7F;
 * then the lowest byte (in memory order on a little-endian machine) with 0x80 set in the
 * result is the first such byte. Why it is exact: below the first special byte, every byte is
 * in 0x20..0x7F and not 0x22 or 0x5C, so none of the three subtractions borrows or sets bit 7
 * there; at the first special byte, bit 7 comes from w itself (>= 0x80) or from a subtraction
 * that wraps (< 0x20, or equal to the quote or the backslash). Bytes above may be flagged
 * wrongly (borrows), which is harmless.
 */
static inline uint64_t special(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return ((q - ONES) | (b - ONES) | (w - ONES * 0x20) | w) & HIGHS;
}

/*
 * Length of the well-formed UTF-8 sequence starting with the non-ASCII byte at p (table 3-7 of
 * the Unicode Standard: no overlong forms, surrogates or values above U+10FFFF), or 0.
 */
static size_t utf8_seq(const uint8_t *p, const uint8_t *end)
{
    size_t avail = (size_t)(end - p);
    uint8_t c = p[0], lo = 0x80, hi = 0xBF;
    if (c < 0xC2) /* a continuation byte, or an overlong two-byte form */
        return 0;
    if (c < 0xE0)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (c == 0xE0)
            lo = 0xA0; /* overlong below */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates above */
        return avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c > 0xF4)
        return 0;
    if (c == 0xF0)
        lo = 0x90; /* overlong below */
    else if (c == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (avail < 4 || p[1] < lo || p[1] > hi)
        return 0;
    return (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
}

/* Reads four hex digits at p (bounded by end) into *v. Returns 1, or 0 if they are not. */
static int hex4(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    if (end - p < 4)
        return 0;
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        if (c >= '0' && c <= '9')
            x = x * 16 + (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            x = x * 16 + (uint32_t)((c | 0x20) - 'a' + 10);
        else
            return 0;
    }
    *v = x;
    return 1;
}

/*
 * Checks the escape whose backslash is at p, followed by at least one byte. Returns the byte
 * after it, or NULL after recording the error.
 */
static const uint8_t *check_escape(parser *ps, const uint8_t *p)
{
    const uint8_t *end = ps->end;
    char tmp[16];
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        return p + 2;
    case 'u':
        break;
    default:
        fail(ps, p, "invalid escape: '\\' followed by %s", found(ps, p + 1, tmp));
        return NULL;
    }
    uint32_t u, lo;
    if (!hex4(p + 2, end, &u)) {
        fail(ps, p, "invalid \\u escape: four hex digits expected");
        return NULL;
    }
    if (u == 0) {
        fail(ps, p, "\\u0000 is not allowed");
        return NULL;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        fail(ps, p, "lone surrogate \\u%04X", (unsigned)u);
        return NULL;
    }
    if (u < 0xD800 || u > 0xDBFF)
        return p + 6;
    if (end - p >= 8 && p[6] == '\\' && p[7] == 'u') {
        if (!hex4(p + 8, end, &lo)) {
            fail(ps, p + 6, "invalid \\u escape: four hex digits expected");
            return NULL;
        }
        if (lo >= 0xDC00 && lo <= 0xDFFF)
            return p + 12;
    }
    fail(ps, p, "lone surrogate \\u%04X", (unsigned)u);
    return NULL;
}

/*
 * Scans the string whose opening quote is at ps->p, checking everything jsonl.h promises.
 * On success ps->p is past the closing quote, [*body, *body_end) are its raw contents and
 * *esc tells whether they hold escapes. Returns QUARRY_OK or QUARRY_EINPUT.
 */
static int scan_string(parser *ps, const uint8_t **body, const uint8_t **body_end, int *esc)
{
    const uint8_t *open = ps->p, *p = open + 1, *end = ps->end;
    int escaped = 0;
    for (;;) {
        while (end - p >= 8) { /* the hot loop: plain ASCII, eight bytes at a time */
            uint64_t w;
            memcpy(&w, p, 8);
            uint64_t m = special(w);
            if (m) {
#if HAVE_CTZ
                p += (size_t)__builtin_ctzll(m) >> 3; /* at the special byte */
#endif
                break;
            }
            p += 8;
        }
        while (p < end && plain[*p])
            p++;
        if (p == end)
            return fail(ps, open, "unterminated string");
        uint8_t c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (end - p < 2)
                return fail(ps, open, "unterminated string");
            if (!(p = check_escape(ps, p)))
                return QUARRY_EINPUT;
            escaped = 1;
        } else if (c < 0x20) {
            return fail(ps, p, "control character U+%04X in a string (must be escaped)", c);
        } else {
            size_t n = utf8_seq(p, end);
            if (!n)
                return fail(ps, p, "invalid UTF-8 in a string (byte 0x%02X)", c);
            p += n;
        }
    }
    *body = open + 1;
    *body_end = p;
    *esc = escaped;
    ps->p = p + 1;
    return QUARRY_OK;
}

/* Writes code point cp (valid, not a surrogate) as UTF-8 at o; returns the byte after. */
static uint8_t *put_utf8(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xC0 | cp >> 6);
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xE0 | cp >> 12);
        *o++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (uint8_t)(0xF0 | cp >> 18);
        *o++ = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return o;
}

/*
 * Decodes the contents [s, e) of a string that scan_string accepted into o, which must have
 * room for e - s bytes (no escape decodes to more bytes than it takes). Returns the byte after
 * the last one written.
 */
static uint8_t *unescape(uint8_t *o, const uint8_t *s, const uint8_t *e)
{
    while (s < e) {
        const uint8_t *bs = memchr(s, '\\', (size_t)(e - s));
        if (!bs)
            bs = e;
        memcpy(o, s, (size_t)(bs - s));
        o += bs - s;
        if (bs == e)
            break;
        s = bs + 2;
        switch (bs[1]) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            /* The scan validated every escape, so hex4 succeeds here; the initial values only
             * keep the compiler from seeing a path where they are unset. */
            uint32_t cp = 0, lo = 0xDC00;
            hex4(bs + 2, e, &cp);
            s = bs + 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* checked: a low surrogate follows */
                hex4(bs + 8, e, &lo);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s = bs + 12;
            }
            o = put_utf8(o, cp);
            break;
        }
        default: /* '"', '\\', '/' */
            *o++ = bs[1];
            break;
        }
    }
    return o;
}

/* Which kept member the decoded key k[0..n) names, or F_NONE. */
static int field_of(const uint8_t *k, size_t n)
{
    if (n == 2 && memcmp(k, "id", 2) == 0)
        return F_ID;
    if (n == 5 && memcmp(k, "title", 5) == 0)
        return F_TITLE;
    if (n == 4 && memcmp(k, "text", 4) == 0)
        return F_TEXT;
    return F_NONE;
}

/*
 * Scans the number at ps->p (RFC 8259 grammar); *is_int tells whether it has neither fraction
 * nor exponent. Returns QUARRY_OK or QUARRY_EINPUT.
 */
static int scan_number(parser *ps, int *is_int)
{
    const uint8_t *num = ps->p, *p = num, *end = ps->end;
    char tmp[16];
    *is_int = 1;
    if (*p == '-')
        p++;
    if (p == end || *p < '0' || *p > '9')
        return fail(ps, p, "expected a digit after '-', found %s", found(ps, p, tmp));
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9')
            return fail(ps, num, "leading zero in a number");
    } else {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || *p < '0' || *p > '9')
            return fail(ps, p, "expected a digit after '.', found %s", found(ps, p, tmp));
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        *is_int = 0;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || *p < '0' || *p > '9')
            return fail(ps, p, "expected a digit in the exponent, found %s", found(ps, p, tmp));
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        *is_int = 0;
    }
    ps->p = p;
    return QUARRY_OK;
}

/* Matches the literal `word` (true, false, null) at ps->p. Returns QUARRY_OK or QUARRY_EINPUT. */
static int scan_literal(parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, ps->p, "invalid literal (expected '%s')", word);
    ps->p += n;
    return QUARRY_OK;
}

/* Scans a string value and, for a kept member f, records where it is (decoding if needed). */
static int string_value(parser *ps, member *m, int f)
{
    const uint8_t *s, *e;
    int esc, rc = scan_string(ps, &s, &e, &esc);
    if (rc || f == F_NONE)
        return rc;
    size_t n = (size_t)(e - s);
    if (!esc) {
        m[f] = (member){K_LINE, (size_t)(s - ps->start), n};
        return QUARRY_OK;
    }
    buf *b = ps->scratch;
    if (buf_reserve(b, n))
        return QUARRY_ENOMEM;
    uint8_t *o = unescape(b->data + b->len, s, e);
    m[f] = (member){K_SCRATCH, b->len, (size_t)(o - (b->data + b->len))};
    b->len += m[f].len;
    return QUARRY_OK;
}

/* Scans an object key (after whitespace) and its colon; *f receives the member it names. */
static int key(parser *ps, int top, int *f)
{
    char tmp[16];
    const uint8_t *s, *e, *p = skip_ws(ps->p, ps->end);
    int esc, rc;
    if (p == ps->end || *p != '"')
        return fail(ps, p, "expected a string key, found %s", found(ps, p, tmp));
    ps->p = p;
    if ((rc = scan_string(ps, &s, &e, &esc)))
        return rc;
    *f = F_NONE;
    if (top && !esc) {
        *f = field_of(s, (size_t)(e - s));
    } else if (top && e - s <= 30) { /* "title" is at most 5 escapes of 6 bytes */
        uint8_t k[30];
        *f = field_of(k, (size_t)(unescape(k, s, e) - k));
    }
    p = skip_ws(ps->p, ps->end);
    if (p == ps->end || *p != ':')
        return fail(ps, p, "expected ':' after the key, found %s", found(ps, p, tmp));
    ps->p = p + 1;
    return QUARRY_OK;
}

/*
 * Walks the one value of the line, recording the kept members of the top-level object in m,
 * then checks that only whitespace follows. Returns QUARRY_OK, QUARRY_EINPUT or QUARRY_ENOMEM.
 */
static int walk(parser *ps, member *m)
{
    enum { S_VALUE, S_AFTER, S_KEY } state = S_VALUE;
    uint64_t objects = 0; /* bit d - 1: the container at depth d is an object */
    unsigned depth = 0;   /* containers open */
    int f = F_NONE;       /* the kept member the next value belongs to */
    int rc = QUARRY_OK, is_int;
    char tmp[16];
    while (!rc) {
        if (state == S_KEY) {
            rc = key(ps, depth == 1, &f);
            state = S_VALUE;
            continue;
        }
        const uint8_t *p = skip_ws(ps->p, ps->end);
        ps->p = p;
        if (state == S_AFTER) {
            if (depth == 0) {
                if (p != ps->end)
                    return fail(ps, p, "unexpected %s after the value", found(ps, p, tmp));
                return QUARRY_OK;
            }
            int obj = (int)(objects >> (depth - 1) & 1);
            if (p < ps->end && *p == ',') {
                ps->p = p + 1;
                state = obj ? S_KEY : S_VALUE;
            } else if (p < ps->end && *p == (obj ? '}' : ']')) {
                ps->p = p + 1;
                depth--;
            } else {
                return fail(ps, p,
                            obj ? "expected ',' or '}', found %s" : "expected ',' or ']', found %s",
                            found(ps, p, tmp));
            }
            continue;
        }
        /* S_VALUE: a value starts at p. */
        if (p == ps->end)
            return fail(ps, p, "expected a value, found end of line");
        switch (*p) {
        case '"':
            rc = string_value(ps, m, f);
            break;
        case 'n':
            rc = scan_literal(ps, "null", 4);
            if (f != F_NONE)
                m[f] = (member){K_EMPTY, 0, 0};
            break;
        case 't':
        case 'f':
            rc = *p == 't' ? scan_literal(ps, "true", 4) : scan_literal(ps, "false", 5);
            if (f != F_NONE)
                m[f].kind = K_BAD;
            break;
        case '{':
        case '[':
            if (depth == JSONL_MAX_DEPTH)
                return fail(ps, p, "nesting deeper than %d", JSONL_MAX_DEPTH);
            if (f != F_NONE)
                m[f].kind = K_BAD;
            f = F_NONE;
            if (*p == '{')
                objects |= (uint64_t)1 << depth;
            else
                objects &= ~((uint64_t)1 << depth);
            depth++;
            ps->p = skip_ws(p + 1, ps->end);
            if (ps->p < ps->end && *ps->p == (*p == '{' ? '}' : ']')) { /* empty */
                ps->p++;
                depth--;
                state = S_AFTER;
            } else {
                state = *p == '{' ? S_KEY : S_VALUE;
            }
            continue;
        case '-':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9':
            rc = scan_number(ps, &is_int);
            if (f == F_ID && is_int) { /* the id is the integer's decimal text; -0 is 0 */
                size_t n = (size_t)(ps->p - p), off = (size_t)(p - ps->start);
                if (n == 2 && p[0] == '-' && p[1] == '0')
                    off++, n--;
                m[f] = (member){K_LINE, off, n};
            } else if (f != F_NONE) {
                m[f].kind = K_BAD;
            }
            break;
        default:
            return fail(ps, p, "expected a value, found %s", found(ps, p, tmp));
        }
        f = F_NONE;
        state = S_AFTER;
    }
    return rc;
}

/* Column (1-based, in UTF-8 characters) of byte offset `at` in line. */
static size_t column_of(const uint8_t *line, size_t at)
{
    size_t col = 1;
    for (size_t i = 0; i < at; i++)
        col += (line[i] & 0xC0) != 0x80;
    return col;
}

int jsonl_parse(jsonl_record *out, const char *line, size_t len, buf *scratch, char *err,
                size_t cap, size_t *err_col)
{
    if (scratch->rc)
        buf_free(scratch);
    scratch->len = 0;
    parser ps = {(const uint8_t *)line,
                 (const uint8_t *)line,
                 (const uint8_t *)line + len,
                 scratch,
                 err,
                 err ? cap : 0,
                 0};
    member m[F_COUNT] = {{K_EMPTY, 0, 0}, {K_EMPTY, 0, 0}, {K_EMPTY, 0, 0}};
    const uint8_t *first = skip_ws(ps.p, ps.end);
    int rc = walk(&ps, m);
    if (rc == QUARRY_OK && *first != '{')
        rc = reject(&ps, "not a JSON object");
    if (rc == QUARRY_OK &&
        (m[F_ID].kind == K_BAD || m[F_TITLE].kind == K_BAD || m[F_TEXT].kind == K_BAD))
        rc = reject(&ps, "\"id\", \"title\" and \"text\" must be strings");
    if (rc == QUARRY_EINPUT && err_col)
        *err_col = ps.err_at == SIZE_MAX ? 0 : column_of(ps.start, ps.err_at);
    if (rc)
        return rc;
    const char *at[F_COUNT];
    for (int f = 0; f < F_COUNT; f++) {
        if (m[f].kind == K_LINE)
            at[f] = line + m[f].off;
        else if (m[f].kind == K_SCRATCH)
            at[f] = (const char *)scratch->data + m[f].off;
        else
            at[f] = "";
    }
    out->id = at[F_ID];
    out->id_len = m[F_ID].len;
    out->title = at[F_TITLE];
    out->title_len = m[F_TITLE].len;
    out->text = at[F_TEXT];
    out->text_len = m[F_TEXT].len;
    return QUARRY_OK;
}
