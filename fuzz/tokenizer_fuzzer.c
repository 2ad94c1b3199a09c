/*
 * tokenizer_fuzzer.c: fuzzes the tokenizer and the analyzer (common/tokenizer.h,
 * common/analyzer.h) with arbitrary bytes as text, checking the promises of tokenizer.h on
 * every token:
 *   - 1 <= len <= TOKENIZER_MAX_TERM, and the term is valid UTF-8 (utf8_valid);
 *   - it holds only letters and digits, folded: its ASCII bytes are in [0-9a-z];
 *   - 0 <= start < end <= input length, and tokens do not overlap and come in text order;
 *   - positions are first_pos, first_pos + 1, ... and *next_pos is the one after the last;
 *   - a non-zero return from the callback stops tokenizing and is returned;
 *   - folding is idempotent: tokenizing a term gives back exactly that term.
 * The analyzer (stemming in English, plus one more language picked by the first byte) must
 * emit one token per tokenizer token, with the same position and byte range, and a stem of
 * 1..TOKENIZER_MAX_TERM bytes of valid UTF-8. utf8_valid is compared with a slow reference.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "common/analyzer.h"
#include "common/tokenizer.h"
#include "quarry/error.h"

#define MAX_TOKENS 4096 /* tokens remembered for comparison with the analyzer */
#define STOP_CODE  77   /* what the callback returns to stop a run early */

/* One token as the tokenizer reported it. */
typedef struct seen {
    uint32_t pos;      /* position */
    size_t start, end; /* byte range in the input */
} seen;

/* State of one checked run. */
typedef struct run {
    size_t len;         /* input length */
    uint32_t first_pos; /* first position expected */
    size_t count;       /* tokens so far */
    size_t last_end;    /* end of the previous token */
    size_t stop_after;  /* return STOP_CODE from the callback at this token (0: never) */
    seen *tokens;       /* tokenizer: where to record tokens (may be NULL); analyzer: expected */
    size_t ntokens;     /* entries of tokens recorded (tokenizer) or available (analyzer) */
} run;

static seen recorded[MAX_TOKENS]; /* the tokenizer's tokens for the current input */

/* The invariants every token satisfies, whichever stage produced it. */
static void check_token(const run *r, const tok_token *t)
{
    FUZZ_CHECK(t->term != NULL);
    FUZZ_CHECK(t->len >= 1 && t->len <= TOKENIZER_MAX_TERM);
    FUZZ_CHECK(utf8_valid(t->term, t->len));
    FUZZ_CHECK(t->start < t->end && t->end <= r->len);
    FUZZ_CHECK(r->count == 0 || t->start >= r->last_end);
    FUZZ_CHECK(t->pos == r->first_pos + (uint32_t)r->count);
}

/* Callback of the tokenizer runs. */
static int on_token(void *ctx, const tok_token *t)
{
    run *r = ctx;
    check_token(r, t);
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->term[i];
        FUZZ_CHECK(c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
    }
    if (r->tokens && r->ntokens < MAX_TOKENS)
        r->tokens[r->ntokens++] = (seen){t->pos, t->start, t->end};
    r->count++;
    r->last_end = t->end;
    return r->count == r->stop_after ? STOP_CODE : 0;
}

/* Callback of the analyzer runs: the tokenizer's token stream, stemmed. */
static int on_stem(void *ctx, const tok_token *t)
{
    run *r = ctx;
    check_token(r, t);
    if (r->count < r->ntokens) {
        const seen *s = &r->tokens[r->count];
        FUZZ_CHECK(t->pos == s->pos && t->start == s->start && t->end == s->end);
    }
    r->count++;
    r->last_end = t->end;
    return 0;
}

/* State of the idempotence check: exactly one token, equal to the expected term. */
typedef struct refold {
    const char *term; /* expected term */
    size_t len;       /* its length */
    size_t count;     /* tokens seen */
} refold;

static int on_refold(void *ctx, const tok_token *t)
{
    refold *f = ctx;
    FUZZ_CHECK(f->count == 0);
    FUZZ_CHECK(t->len == f->len && memcmp(t->term, f->term, t->len) == 0);
    f->count++;
    return 0;
}

/* Tokenizer callback that also re-tokenizes each term and expects it back unchanged. */
static int on_token_refold(void *ctx, const tok_token *t)
{
    int rc = on_token(ctx, t);
    char copy[TOKENIZER_MAX_TERM];
    memcpy(copy, t->term, t->len);
    refold f = {copy, t->len, 0};
    uint32_t next = 0;
    FUZZ_CHECK(tokenizer_run(copy, t->len, 0, on_refold, &f, &next) == 0);
    FUZZ_CHECK(f.count == 1 && next == 1);
    return rc;
}

/*
 * The well-formed byte sequences of the Unicode Standard (table 3-7), as a slow reference
 * for utf8_valid.
 */
static int ref_utf8_valid(const uint8_t *s, size_t n)
{
    static const struct {
        uint8_t lo0, hi0, lo1, hi1; /* first and second byte ranges; later bytes 80..BF */
        size_t len;                 /* sequence length */
    } seqs[] = {
        {0x00, 0x7F, 0, 0, 1},       {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3},
        {0xE1, 0xEC, 0x80, 0xBF, 3}, {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3},
        {0xF0, 0xF0, 0x90, 0xBF, 4}, {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
    };
    size_t i = 0;
    while (i < n) {
        size_t k = 0;
        for (size_t j = 0; j < sizeof seqs / sizeof seqs[0] && !k; j++) {
            if (s[i] < seqs[j].lo0 || s[i] > seqs[j].hi0)
                continue;
            if (n - i < seqs[j].len)
                return 0;
            if (seqs[j].len > 1 && (s[i + 1] < seqs[j].lo1 || s[i + 1] > seqs[j].hi1))
                return 0;
            for (size_t m = 2; m < seqs[j].len; m++) {
                if (s[i + m] < 0x80 || s[i + m] > 0xBF)
                    return 0;
            }
            k = seqs[j].len;
        }
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Analyzers, created on first use and kept (stemmer caches included) across inputs. */
#define NLANG 6
static const char *const languages[NLANG] = {"french",  "german",  "greek",
                                             "russian", "turkish", "none"};
static analyzer *english, *other[NLANG];

static void free_analyzers(void)
{
    analyzer_free(english);
    for (size_t i = 0; i < NLANG; i++)
        analyzer_free(other[i]);
}

/* The analyzer of `language`, created into *slot on first use; NULL if that fails. */
static analyzer *get_analyzer(analyzer **slot, const char *language)
{
    static int registered;
    if (!registered) {
        atexit(free_analyzers);
        registered = 1;
    }
    if (!*slot && analyzer_create(slot, language) != QUARRY_OK)
        *slot = NULL;
    return *slot;
}

/* Runs the analyzer over the input; total tokens, the first ntokens recorded, are expected. */
static void check_analyzer(analyzer *an, const char *text, size_t len, size_t ntokens, size_t total)
{
    if (!an)
        return;
    run r = {len, 0, 0, 0, 0, recorded, ntokens};
    uint32_t next = 0;
    int rc = analyzer_run(an, text, len, 0, on_stem, &r, &next);
    FUZZ_CHECK(rc == 0 || rc == QUARRY_ENOMEM);
    if (rc == 0)
        FUZZ_CHECK(r.count == total && next == (uint32_t)total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    /* 1. A full run from position 0, recording the tokens; each term is re-tokenized. */
    run r = {size, 0, 0, 0, 0, recorded, 0};
    uint32_t next = 12345;
    FUZZ_CHECK(tokenizer_run(text, size, 0, on_token_refold, &r, &next) == 0);
    FUZZ_CHECK(next == (uint32_t)r.count);

    /* 2. The same from another first position, stopped by the callback half way through. */
    if (r.count > 0) {
        size_t stop = r.count / 2 + 1;
        run s = {size, 1000, 0, 0, stop, NULL, 0};
        next = 0;
        FUZZ_CHECK(tokenizer_run(text, size, 1000, on_token, &s, &next) == STOP_CODE);
        FUZZ_CHECK(s.count == stop && next == 1000 + (uint32_t)stop);
    }

    /* 3. The analyzers: English always, another language chosen by the first byte. */
    check_analyzer(get_analyzer(&english, "english"), text, size, r.ntokens, r.count);
    if (size > 0) {
        size_t k = data[0] % NLANG;
        check_analyzer(get_analyzer(&other[k], languages[k]), text, size, r.ntokens, r.count);
    }

    /* 4. utf8_valid agrees with the reference validator. */
    FUZZ_CHECK(utf8_valid(text, size) == ref_utf8_valid(data, size));
    return 0;
}
