/*
 * tokenizer: splits UTF-8 text into folded words, shared by documents and queries.
 *
 * Rules (docs/FORMAT.md, "Analysis", lists them as stored terms):
 *   - A word is a maximal run of letters (Unicode categories L*) and digits (N*); combining
 *     marks (M*) inside a run belong to it, but a mark cannot start one. Everything else
 *     separates words, so hyphenated words become consecutive words ("re-establish" -> "re",
 *     "establish").
 *   - An apostrophe (U+0027 or U+2019) between two letters joins them: a final "'s" (one that
 *     no letter, digit or mark follows) is dropped ("Venezuela's" -> "venezuela") and other
 *     apostrophes are removed ("don't" -> "dont", "O'Neill" -> "oneill"). Next to a digit, or
 *     at either end of a word, an apostrophe is a separator ("1990's" -> "1990", "s").
 *   - Acronyms: single ASCII letters each followed by a dot make one word ("U.S." -> "us",
 *     "e.g." -> "eg"), as in Lucene's classic tokenizer and Xapian; a dot followed by anything
 *     but a lone letter separates ("J. Smith", "end.Next", "A.Bc").
 *   - Folding: Unicode case folding, compatibility decomposition (NFKD) and removal of
 *     combining marks, via utf8proc: "Rodríguez", "RODRÍGUEZ" and "rodriguez" are one term,
 *     "Straße" is "strasse". Code points of a folding that are not letters or digits are left
 *     out too ("½" folds to "1⁄2" and gives "12"), so a term holds only letters and digits; its
 *     ASCII bytes are [0-9a-z]. Folding a term again gives the same term. A run whose folding
 *     is empty (rare: U+FF9E alone) gives no word and takes no position.
 *   - A word longer than TOKENIZER_MAX_TERM bytes after folding is cut to that length (at a
 *     character boundary); the rest of the run is dropped.
 *   - Invalid UTF-8 never stops the tokenizer: each invalid byte (a stray continuation byte,
 *     an overlong form, a surrogate, a value above U+10FFFF, a sequence cut short) is treated
 *     as U+FFFD, which is a separator. The tokenizer never reads outside text[0..len).
 *   - Positions count words: the first word gets `first_pos`, the next first_pos + 1, ...
 *
 * ASCII letters and digits take a table-driven fast path; only non-ASCII code points go
 * through utf8proc.
 * A tokenizer holds no state between calls; the stemming stage lives in analyzer.h.
 */
#ifndef QUARRY_COMMON_TOKENIZER_H
#define QUARRY_COMMON_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

/* Longest term, in bytes of folded UTF-8. */
#define TOKENIZER_MAX_TERM 64

/* One word. `term` is valid only during the callback. */
typedef struct tok_token {
    const char *term; /* folded (and, after the analyzer, stemmed) word; not NUL-terminated */
    size_t len;       /* bytes in term, 1..TOKENIZER_MAX_TERM */
    uint32_t pos;     /* position: index of the word in the text, plus first_pos */
    size_t start;     /* byte offset of the word's first byte in the input */
    size_t end;       /* byte offset one past its last byte in the input; [start, end) is the
                         whole original word, with a dropped "'s" or an over-long tail */
} tok_token;

/* Receives each word in order. A non-zero return stops tokenizing and is passed back. */
typedef int (*tok_emit_fn)(void *ctx, const tok_token *t);

/*
 * Tokenizes text[0..len) (text may be NULL if len is 0). Positions start at first_pos;
 * *next_pos (may be NULL) receives the position after the last word passed to emit, also when
 * emit stopped the run. Returns 0, or the first non-zero value returned by emit. Never fails
 * on its own. Thread-safe (no state).
 */
int tokenizer_run(const char *text, size_t len, uint32_t first_pos, tok_emit_fn emit, void *ctx,
                  uint32_t *next_pos);

/*
 * Upper bounds, from one pass over the bytes, of what tokenizer_run finds in text[0..len):
 * *words receives a bound of the number of words, *folded of the bytes of their folded forms
 * (each word is at most TOKENIZER_MAX_TERM). For memory budgets: a word starts at an ASCII
 * letter or digit that follows no other, or at a non-ASCII character; an ASCII letter or digit
 * folds to one byte, a non-ASCII byte to at most FOLD_GROWTH bytes.
 */
void tokenizer_bound(const char *text, size_t len, size_t *words, size_t *folded);

/* Bytes of folded UTF-8 that one byte of non-ASCII input may become at most (U+FDFA, 3
 * bytes, folds to 18 code points, of which letters take 2 bytes each). */
#define FOLD_GROWTH 24

/* Returns 1 if text[0..len) is valid UTF-8 (no overlongs, surrogates or values > U+10FFFF). */
int utf8_valid(const char *text, size_t len);

#endif
