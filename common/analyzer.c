/*
 * analyzer.c: the tokenizer -> stemmer pipeline of analyzer.h, which the indexer runs over
 * documents and the searcher over queries. It adds one stage between tokenizer_run and the
 * caller's callback: each word's term is replaced by its stem, the rest of the token is kept.
 */
#include "analyzer.h"

#include "alloc.h"
#include "quarry/error.h"
#include "stemmer.h"

struct analyzer {
    stemmer *stem; /* the stemming stage, with its cache */
};

/* The state of one analyzer_run, handed to the tokenizer as its callback context. */
typedef struct stage {
    stemmer *stem;    /* the analyzer's stemmer */
    tok_emit_fn emit; /* the caller's callback */
    void *ctx;        /* and its context */
} stage;

/*
 * Cuts a UTF-8 string of len > TOKENIZER_MAX_TERM bytes at the last character boundary at
 * or before TOKENIZER_MAX_TERM, and returns the new length. Stems are seldom longer than their
 * word, but nothing in Snowball forbids it, and tok_token promises len <= TOKENIZER_MAX_TERM.
 */
static size_t cut_term(const char *s)
{
    size_t n = TOKENIZER_MAX_TERM;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static int term_of(stemmer *stem, const char *word, size_t len, const char **term, size_t *term_len)
{
    int rc = stemmer_stem(stem, word, len, term, term_len);
    if (!rc && *term_len > TOKENIZER_MAX_TERM)
        *term_len = cut_term(*term);
    return rc;
}

int analyzer_term(analyzer *a, const char *word, size_t len, const char **term, size_t *term_len)
{
    return term_of(a->stem, word, len, term, term_len);
}

/* Stems one token and passes it on; a stemmer failure stops the tokenizer with that code. */
static int stem_token(void *ctx, const tok_token *t)
{
    const stage *st = ctx;
    tok_token out = *t;
    int rc = term_of(st->stem, t->term, t->len, &out.term, &out.len);
    if (rc)
        return rc;
    return st->emit(st->ctx, &out);
}

int analyzer_create(analyzer **out, const char *language)
{
    *out = NULL;
    analyzer *a = alloc_array(1, sizeof *a);
    if (!a)
        return QUARRY_ENOMEM;
    int rc = stemmer_create(&a->stem, language);
    if (rc) {
        alloc_free(a);
        return rc;
    }
    *out = a;
    return QUARRY_OK;
}

void analyzer_free(analyzer *a)
{
    if (!a)
        return;
    stemmer_free(a->stem);
    alloc_free(a);
}

int analyzer_run(analyzer *a, const char *text, size_t len, uint32_t first_pos, tok_emit_fn emit,
                 void *ctx, uint32_t *next_pos)
{
    stage st = {a->stem, emit, ctx};
    return tokenizer_run(text, len, first_pos, stem_token, &st, next_pos);
}

const char *analyzer_language(const analyzer *a)
{
    return stemmer_language(a->stem);
}
