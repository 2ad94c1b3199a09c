/*
 * query.c: the query parser. Turns query text into a tree of boolean, term and phrase nodes
 * following Lucene's classic QueryParser: words, "phrases", +required, -excluded, AND, OR,
 * NOT and parentheses, with Lucene's rules for mixing operators (see add_clause). Words and
 * phrases go through the same analyzer as documents, so the tree holds index terms.
 * Grammar: docs/QUERY.md.
 */
#include "internal.h"

#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

typedef enum tkind {
    T_END,
    T_WORD,
    T_PHRASE,
    T_LPAREN,
    T_RPAREN,
    T_AND,
    T_OR,
    T_NOT,
    T_PLUS,
    T_MINUS
} tkind;

typedef struct token {
    tkind kind;       /* what it is */
    const char *text; /* WORD: the word; PHRASE: text between the quotes */
    size_t len;       /* bytes of text */
    size_t col;       /* 1-based byte column of the token's first character */
} token;

typedef struct parser {
    const char *q, *end; /* the query */
    const char *p;       /* next byte to lex */
    token tok;           /* current token */
    analyzer *an;        /* term analysis */
    int default_and;     /* default operator AND instead of OR */
    char *err;           /* message buffer */
    size_t cap;          /* its size */
    int rc;              /* sticky error */
} parser;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_delim(char c)
{
    return is_space(c) || c == '(' || c == ')' || c == '"';
}

/* Reads the next token into ps->tok. `clause_start` allows a +/- prefix. */
static void lex(parser *ps)
{
    while (ps->p < ps->end && is_space(*ps->p))
        ps->p++;
    token *t = &ps->tok;
    t->col = (size_t)(ps->p - ps->q) + 1;
    t->text = ps->p;
    t->len = 0;
    if (ps->p == ps->end) {
        t->kind = T_END;
        return;
    }
    char c = *ps->p;
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LPAREN : T_RPAREN;
        ps->p++;
        return;
    }
    if (c == '"') {
        const char *close = memchr(ps->p + 1, '"', (size_t)(ps->end - ps->p - 1));
        if (!close) {
            ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                                "unbalanced quote: the phrase at column %zu is not closed", t->col);
            t->kind = T_END;
            return;
        }
        t->kind = T_PHRASE;
        t->text = ps->p + 1;
        t->len = (size_t)(close - ps->p - 1);
        ps->p = close + 1;
        return;
    }
    if ((c == '+' || c == '-') && ps->p + 1 < ps->end && !is_space(ps->p[1]) && ps->p[1] != ')') {
        t->kind = c == '+' ? T_PLUS : T_MINUS;
        ps->p++;
        return;
    }
    const char *s = ps->p;
    while (ps->p < ps->end && !is_delim(*ps->p))
        ps->p++;
    t->len = (size_t)(ps->p - s);
    t->kind = T_WORD;
    if (t->len == 3 && !memcmp(s, "AND", 3))
        t->kind = T_AND;
    else if (t->len == 2 && !memcmp(s, "OR", 2))
        t->kind = T_OR;
    else if (t->len == 3 && !memcmp(s, "NOT", 3))
        t->kind = T_NOT;
}

void query_free(qnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nterms; i++)
        alloc_free(n->terms[i]);
    alloc_free(n->terms);
    alloc_free(n->lens);
    alloc_free(n->offsets);
    for (size_t i = 0; i < n->nkids; i++)
        query_free(n->kids[i]);
    alloc_free(n->kids);
    alloc_free(n);
}

/* Collects analyzed tokens of a word or phrase. */
typedef struct collect {
    qnode *n;       /* node being filled */
    size_t cap;     /* entries allocated */
    uint32_t first; /* position of the first token */
} collect;

static int on_token(void *ctx, const tok_token *t)
{
    collect *c = ctx;
    qnode *n = c->n;
    if (n->nterms == QUERY_MAX_CLAUSES)
        return QUARRY_EQUERY;
    if (n->nterms == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        char **terms = alloc_resize(n->terms, cap, sizeof *terms);
        if (terms)
            n->terms = terms;
        size_t *lens = alloc_resize(n->lens, cap, sizeof *lens);
        if (lens)
            n->lens = lens;
        uint32_t *offs = alloc_resize(n->offsets, cap, sizeof *offs);
        if (offs)
            n->offsets = offs;
        if (!terms || !lens || !offs)
            return QUARRY_ENOMEM;
        c->cap = cap;
    }
    if (n->nterms == 0)
        c->first = t->pos;
    if (!(n->terms[n->nterms] = alloc_strndup(t->term, t->len)))
        return QUARRY_ENOMEM;
    n->lens[n->nterms] = t->len;
    n->offsets[n->nterms] = t->pos - c->first;
    n->nterms++;
    return 0;
}

/* Analyzes a word or phrase into a TERM or PHRASE node; *out is NULL if it has no terms. */
static void make_leaf(parser *ps, const token *t, qnode **out)
{
    *out = NULL;
    qnode *n = alloc_array(1, sizeof *n);
    if (!n) {
        ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_ENOMEM, "out of memory");
        return;
    }
    collect c = {n, 0, 0};
    int rc = analyzer_run(ps->an, t->text, t->len, 0, on_token, &c, NULL);
    if (rc) {
        ps->rc = errmsg_set(ps->err, ps->cap, rc,
                            rc == QUARRY_EQUERY ? "phrase at column %zu has too many words"
                                                : "out of memory (column %zu)",
                            t->col);
        query_free(n);
        return;
    }
    if (n->nterms == 0) {
        query_free(n);
        return;
    }
    n->kind = n->nterms == 1 ? Q_TERM : Q_PHRASE;
    *out = n;
}

enum { MOD_NONE, MOD_REQ, MOD_NOT };
enum { CONJ_NONE, CONJ_AND, CONJ_OR };

/* Lucene's QueryParser.addClause: an AND makes the previous clause required too; with AND as
 * the default operator an OR makes it optional; prohibited clauses stay prohibited. `col` is
 * the clause's column, for messages. */
static void add_clause(parser *ps, qnode *b, int conj, int mods, qnode *q, size_t col)
{
    if (b->nkids > 0 && conj == CONJ_AND && b->kids[b->nkids - 1]->occur != Q_MUST_NOT)
        b->kids[b->nkids - 1]->occur = Q_MUST;
    if (b->nkids > 0 && ps->default_and && conj == CONJ_OR &&
        b->kids[b->nkids - 1]->occur != Q_MUST_NOT)
        b->kids[b->nkids - 1]->occur = Q_SHOULD;
    if (!q)
        return;
    int required, prohibited = mods == MOD_NOT;
    if (!ps->default_and)
        required = mods == MOD_REQ || (conj == CONJ_AND && !prohibited);
    else
        required = !prohibited && conj != CONJ_OR;
    q->occur = prohibited ? Q_MUST_NOT : required ? Q_MUST : Q_SHOULD;
    if (b->nkids == QUERY_MAX_CLAUSES) {
        ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                            "too many clauses at column %zu (more than %d in one group)", col,
                            QUERY_MAX_CLAUSES);
        query_free(q);
        return;
    }
    if ((b->nkids & (b->nkids - 1)) == 0) { /* grow at powers of two */
        qnode **k = alloc_resize(b->kids, b->nkids ? b->nkids * 2 : 1, sizeof *k);
        if (!k) {
            ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_ENOMEM, "out of memory");
            query_free(q);
            return;
        }
        b->kids = k;
    }
    b->kids[b->nkids++] = q;
}

/* Parses clauses until ')' or the end into a new BOOL node. */
static qnode *parse_bool(parser *ps, int depth)
{
    qnode *b = alloc_array(1, sizeof *b);
    if (!b) {
        ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_ENOMEM, "out of memory");
        return NULL;
    }
    b->kind = Q_BOOL;
    int first = 1;
    while (!ps->rc && ps->tok.kind != T_END && ps->tok.kind != T_RPAREN) {
        int conj = CONJ_NONE, mods = MOD_NONE;
        token op = ps->tok; /* the last operator read, for messages */
        if (ps->tok.kind == T_AND || ps->tok.kind == T_OR) {
            if (first) {
                ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                                    "operator %s at column %zu has no left operand",
                                    ps->tok.kind == T_AND ? "AND" : "OR", ps->tok.col);
                break;
            }
            conj = ps->tok.kind == T_AND ? CONJ_AND : CONJ_OR;
            lex(ps);
        }
        if (ps->tok.kind == T_NOT || ps->tok.kind == T_MINUS)
            mods = MOD_NOT;
        else if (ps->tok.kind == T_PLUS)
            mods = MOD_REQ;
        if (mods != MOD_NONE) {
            op = ps->tok;
            lex(ps);
        }
        token t = ps->tok;
        qnode *q = NULL;
        switch (t.kind) {
        case T_LPAREN:
            if (depth >= QUERY_MAX_DEPTH) {
                ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                                    "parentheses nested too deeply at column %zu (more than %d "
                                    "levels)",
                                    t.col, QUERY_MAX_DEPTH);
                break;
            }
            lex(ps);
            q = parse_bool(ps, depth + 1);
            if (ps->rc)
                break;
            if (ps->tok.kind != T_RPAREN) {
                ps->rc =
                    errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                               "unbalanced parenthesis: '(' at column %zu is not closed", t.col);
                break;
            }
            lex(ps);
            if (q && q->nkids == 0) { /* everything inside analyzed to nothing */
                query_free(q);
                q = NULL;
            }
            break;
        case T_WORD:
        case T_PHRASE:
            make_leaf(ps, &t, &q);
            lex(ps);
            break;
        default:
            if (ps->rc)
                break;
            if (t.kind == T_END) /* only reached after an operator */
                ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                                    "operator %.*s at column %zu has no right operand",
                                    (int)(op.len ? op.len : 1), op.text, op.col);
            else
                ps->rc = errmsg_set(ps->err, ps->cap, QUARRY_EQUERY,
                                    "unexpected '%.*s' at column %zu", /* ')' has len 0 */
                                    (int)(t.len ? t.len : 1), t.text, t.col);
            break;
        }
        if (ps->rc) {
            query_free(q);
            break;
        }
        add_clause(ps, b, conj, mods, q, t.col);
        first = 0;
    }
    if (ps->rc) {
        query_free(b);
        return NULL;
    }
    return b;
}

int query_parse(qnode **out, analyzer *an, const char *q, size_t len, int default_and, char *err,
                size_t cap)
{
    *out = NULL;
    if (len > QUERY_MAX_BYTES)
        return errmsg_set(err, cap, QUARRY_EQUERY, "query too long (%zu bytes, at most %u)", len,
                          QUERY_MAX_BYTES);
    parser ps = {q, q + len, q, {T_END, q, 0, 1}, an, default_and, err, cap, QUARRY_OK};
    lex(&ps);
    qnode *root = ps.rc ? NULL : parse_bool(&ps, 0);
    if (!ps.rc && ps.tok.kind == T_RPAREN)
        ps.rc =
            errmsg_set(err, cap, QUARRY_EQUERY,
                       "unbalanced parenthesis: ')' at column %zu has no matching '('", ps.tok.col);
    if (ps.rc) {
        query_free(root);
        return ps.rc;
    }
    *out = root;
    return QUARRY_OK;
}

void query_count(const qnode *root, size_t *leaves, size_t *terms)
{
    if (root->kind != Q_BOOL) {
        (*leaves)++;
        *terms += root->nterms;
        return;
    }
    for (size_t i = 0; i < root->nkids; i++)
        query_count(root->kids[i], leaves, terms);
}
