/*
 * stemmer: Snowball stemming (libstemmer) with a cache of recent stems.
 *
 * Snowball runs at a few million words per second while most words of a text repeat, so each
 * stemmer keeps a bounded hash table from word to stem; a hit costs one hash lookup. When it
 * holds 65536 words (or 4 MB of stems) it is emptied and refills, which keeps the frequent
 * words in it at no bookkeeping cost. A stemmer is stateful (libstemmer's environment and the
 * cache): one per thread.
 */
#ifndef QUARRY_COMMON_STEMMER_H
#define QUARRY_COMMON_STEMMER_H

#include <stddef.h>

typedef struct stemmer stemmer;

/*
 * Creates a stemmer for `language`: a name from sb_stemmer_list() ("english", "french",
 * "porter") or one of the ISO 639-1/639-2 codes libstemmer 2.2 accepts ("en", "eng", "fr"),
 * matched without regard to ASCII case; "none" gives a stemmer that returns words unchanged;
 * NULL means "english". Returns QUARRY_OK, QUARRY_ENOTFOUND for an unknown language,
 * QUARRY_ENOMEM. On failure *out is NULL.
 */
int stemmer_create(stemmer **out, const char *language);

/* Frees the stemmer. NULL is a no-op. */
void stemmer_free(stemmer *s);

/*
 * Stems the folded word w[0..len). *out receives the stem, borrowed from the stemmer (or w
 * itself) and valid until its next call; *out_len its length (never 0 for len > 0: should
 * libstemmer return an empty stem, the word is its own stem). A stem can be longer than its
 * word (Turkish adds letters). Words longer than INT_MAX bytes, libstemmer's limit, are
 * returned unchanged. Returns QUARRY_OK or QUARRY_ENOMEM.
 */
int stemmer_stem(stemmer *s, const char *w, size_t len, const char **out, size_t *out_len);

/* The canonical name of the stemmer's language ("english" for "en", "none"). Static string. */
const char *stemmer_language(const stemmer *s);

/* Writes the names of the languages libstemmer knows, separated by ", ", into dst (cap bytes,
 * NUL-terminated, cut if too long). */
void stemmer_list(char *dst, size_t cap);

#endif
