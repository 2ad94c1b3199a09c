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

/* Creates an analyzer stemming in `language` (see stemmer_create). Same return codes; on
 * failure *out is NULL. */
int analyzer_create(analyzer **out, const char *language);

/* Frees it. NULL is a no-op. */
void analyzer_free(analyzer *a);

/*
 * Tokenizes and stems text[0..len), calling emit for each term (tok_token.term is the stem;
 * start/end are offsets of the original word). A stem longer than TOKENIZER_MAX_TERM bytes is
 * cut to it at a character boundary. Positions as in tokenizer_run. Returns 0, QUARRY_ENOMEM
 * (the stemmer failed; the run stops there), or the first non-zero value returned by emit.
 */
int analyzer_run(analyzer *a, const char *text, size_t len, uint32_t first_pos, tok_emit_fn emit,
                 void *ctx, uint32_t *next_pos);

/*
 * The term of one folded word (a tok_token.term from tokenizer_run): its stem, cut to
 * TOKENIZER_MAX_TERM bytes. analyzer_run emits exactly these terms; a caller that tokenizes
 * by itself (to cache terms by word, as the indexer does) gets the same terms through this.
 * *term is borrowed, valid until the next call on the analyzer. Returns QUARRY_OK or
 * QUARRY_ENOMEM.
 */
int analyzer_term(analyzer *a, const char *word, size_t len, const char **term, size_t *term_len);

/* The canonical language name ("english", "none"); static string. */
const char *analyzer_language(const analyzer *a);

#endif
