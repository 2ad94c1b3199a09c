/*
 * analyzer: the text analysis pipeline, tokenizer then stemmer, used identically for
 * documents (indexer) and queries (searcher), so both always agree on terms.
 *
 * Stateful (owns a stemmer with its cache): one analyzer per thread.
 */
#ifndef QUARRY_COMMON_ANALYZER_H
#define QUARRY_COMMON_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

typedef struct analyzer analyzer;

/* Creates an analyzer stemming in `language` (see stemmer_create). Same return codes. */
int analyzer_create(analyzer **out, const char *language);

/* Frees it. NULL is a no-op. */
void analyzer_free(analyzer *a);

/*
 * Tokenizes and stems text[0..len), calling emit for each term (tok_token.term is the stem;
 * start/end are offsets of the original word). Positions as in tokenizer_run.
 * Returns 0, QUARRY_ENOMEM, or the first non-zero value returned by emit.
 */
int analyzer_run(analyzer *a, const char *text, size_t len, uint32_t first_pos, tok_emit_fn emit,
                 void *ctx, uint32_t *next_pos);

/* The canonical language name ("english", "none"); static string. */
const char *analyzer_language(const analyzer *a);

#endif
