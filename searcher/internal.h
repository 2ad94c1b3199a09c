/*
 * searcher/internal.h: the searcher's modules.
 *
 *   index.c    quarry_index: opens the segments a MANIFEST names (common/segment.h) and
 *              holds the collection statistics across them
 *   bm25.c     the scoring function
 *   query.c    query text -> query tree (Lucene classic syntax subset)
 *   scorer.c   query tree -> scorers over cursors (advance, score, block-max bounds)
 *   eval.c     the query algorithms: scorers -> top-k heap (exhaustive, MaxScore, conjunction)
 *   snippet.c  best passage of a document's text, with matched words marked
 *   searcher.c quarry_searcher and quarry_results (public API)
 *   phrase.c   phrase occurrences in one document, from its terms' cursors
 *   explain.c  quarry_explanation: one document's score taken apart (public API)
 */
#ifndef QUARRY_SEARCHER_INTERNAL_H
#define QUARRY_SEARCHER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/analyzer.h"
#include "common/buf.h"
#include "common/errmsg.h"
#include "common/fileio.h"
#include "common/manifest.h"
#include "common/reader.h"
#include "common/cursor.h"
#include "common/segment.h"
#include "quarry/search.h"

/* ===== index ============================================================================= */

/* An opened commit: its segments, searched as one collection. A document's docid is its
 * number in its segment plus the documents of the segments before it (base). */
struct quarry_index {
    char *dir;            /* folder */
    manifest man;         /* the commit opened */
    segment *segs;        /* its man.nsegments segments, in manifest order */
    uint32_t *base;       /* docid of each segment's first document; base[nsegs] = ndocs */
    uint32_t nsegs;       /* segments */
    uint32_t ndocs;       /* documents of all segments, deleted ones included */
    uint64_t tokens;      /* sum of their lengths */
    uint64_t ndeleted;    /* documents marked deleted */
    int rc;               /* QUARRY_OK when open succeeded */
    char err[ERRMSG_CAP]; /* why open failed */
};

/* The segment holding global docid `doc` (< ix->ndocs): a binary search over the bases. */
uint32_t index_segment_of(const quarry_index *ix, uint32_t doc);

/*
 * Documents of all segments containing term[0..len) (deleted ones included, as BM25's N
 * counts them: see docs/FORMAT.md). Returns QUARRY_OK or QUARRY_ECORRUPT (message in err).
 */
int index_df(const quarry_index *ix, const char *term, size_t len, uint64_t *df, char *err,
             size_t cap);

/* ===== bm25 ============================================================================== */

/* Collection statistics and parameters of one query's scoring; fill with bm25_init. */
typedef struct bm25 {
    double k1;    /* term-frequency saturation */
    double b;     /* length normalisation */
    double n;     /* documents in the collection */
    double avgdl; /* mean document length */
    double norm0; /* k1 * (1 - b) */
    double norm1; /* k1 * b / avgdl (0 when avgdl is 0) */
} bm25;

/* Fills *p; the derived fields let a score take no division but one. */
void bm25_init(bm25 *p, double k1, double b, double n, double avgdl);

/* Lucene's idf: ln(1 + (N - df + 0.5) / (df + 0.5)). */
double bm25_idf(const bm25 *p, double df);

/* Score of a (pseudo-)term with weight idf occurring tf times in a document of length dl:
 * idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)). Inline: it runs for every posting scored. */
static inline double bm25_score(const bm25 *p, double idf, double tf, double dl)
{
    return idf * tf / (tf + (p->norm0 + p->norm1 * dl));
}

/* ===== query ============================================================================= */

typedef enum qkind { Q_TERM, Q_PHRASE, Q_BOOL } qkind;
typedef enum qoccur { Q_SHOULD, Q_MUST, Q_MUST_NOT } qoccur;

/* A node of the parsed query. */
typedef struct qnode {
    qkind kind;          /* term, phrase or boolean */
    qoccur occur;        /* how the node is attached to its parent boolean */
    size_t nterms;       /* TERM: 1; PHRASE: >= 2 */
    char **terms;        /* analyzed terms (NUL-terminated copies) */
    size_t *lens;        /* their lengths */
    uint32_t *offsets;   /* PHRASE: position of each term relative to the first */
    struct qnode **kids; /* BOOL: clauses */
    size_t nkids;        /* BOOL: number of clauses */
} qnode;

#define QUERY_MAX_BYTES   65536u /* longest query text */
#define QUERY_MAX_DEPTH   64     /* deepest parenthesis nesting */
#define QUERY_MAX_CLAUSES 1024   /* most clauses in one boolean, as Lucene's default */

/*
 * Parses q[0..len) into a tree whose root is always a Q_BOOL. Words and phrases are analyzed
 * with `an`. Returns QUARRY_OK, QUARRY_EQUERY (message in err, with the byte column) or
 * QUARRY_ENOMEM.
 */
int query_parse(qnode **out, analyzer *an, const char *q, size_t len, int default_and, char *err,
                size_t cap);

/* Frees a tree. NULL is a no-op. */
void query_free(qnode *n);

/* ===== scorer ============================================================================ */

typedef enum skind { S_TERM, S_PHRASE, S_BOOL } skind;

/*
 * A node of the query as an iterator over its matching documents (scorer.c). The fields
 * below the first four are the node's own; query algorithms read doc, max_score, cost and the
 * clause arrays of the root, and move scorers only through the functions that follow.
 */
typedef struct scorer {
    skind kind;                      /* which of the unions below is used */
    uint32_t doc;                    /* current match, CURSOR_END when exhausted */
    double max_score;                /* upper bound of its score in any document */
    uint64_t cost;                   /* upper bound of its matches (for ordering clauses) */
    const segment *seg;              /* segment searched */
    const bm25 *p;                   /* scoring parameters */
    double idf;                      /* TERM: idf; PHRASE: sum of its terms' idfs */
    cursor *curs;                    /* TERM: 1 cursor; PHRASE: one per term, in phrase order */
    uint32_t *order;                 /* PHRASE: indexes of curs by increasing df */
    size_t ncurs;                    /* cursors in curs */
    const uint32_t *offsets;         /* PHRASE: position of each term relative to the first */
    uint32_t pfreq;                  /* PHRASE: occurrences of the phrase in doc */
    int bvalid;                      /* TERM: bbound holds for [bfrom, bupto] */
    uint32_t bfrom, bupto;           /* TERM: docids of the last block bounded */
    double bbound;                   /* TERM: its score bound */
    struct scorer **must;            /* BOOL: required clauses */
    struct scorer **should;          /* BOOL: optional clauses */
    struct scorer **mustnot;         /* BOOL: excluded clauses */
    size_t nmust, nshould, nmustnot; /* BOOL: clause counts */
} scorer;

/*
 * Builds the scorers of the tree `root` over segment `seg` (p must outlive them), each
 * positioned on its first match. idf[] holds the weight of each term and phrase node of the
 * tree and ti[] the segment's postings of each of their terms (df 0: absent), both in
 * depth-first order, as index_terms finds them. Returns QUARRY_OK or QUARRY_ENOMEM (message
 * in err).
 */
int scorer_build(scorer **out, const segment *seg, const qnode *root, const bm25 *p,
                 const double *idf, const term_info *ti, char *err, size_t cap);

/* A query's terms looked up once in every segment of an index. */
typedef struct term_table {
    size_t nleaves; /* term and phrase nodes of the tree */
    size_t nterms;  /* terms of those nodes (a phrase has several) */
    double *idf;    /* nleaves weights, depth-first: from the document frequencies summed over
                       the segments (a phrase weighs the sum of its words' idfs; a word in no
                       segment weighs 0), so that every segment scores alike */
    term_info *ti;  /* nsegs * nterms: ti[g * nterms + t] is term t in segment g (df 0 when
                       absent) */
    uint8_t *any;   /* nsegs flags: the segment holds at least one of the terms */
} term_table;

/*
 * Looks the terms of `root` up in every segment of ix and fills *t. Returns QUARRY_OK,
 * QUARRY_ECORRUPT or QUARRY_ENOMEM (message in err); free *t with term_table_free either way.
 */
int index_terms(term_table *t, const quarry_index *ix, const qnode *root, const bm25 *p, char *err,
                size_t cap);

/* Frees the arrays of t. Safe on a zeroed table. */
void term_table_free(term_table *t);

/* Numbers of term and phrase nodes (*leaves) and of their terms (*terms) in a tree. */
void query_count(const qnode *root, size_t *leaves, size_t *terms);

/* Frees a tree of scorers. NULL is a no-op. */
void scorer_free(scorer *s);

/* The first cursor error in the tree (QUARRY_ECORRUPT or QUARRY_ENOMEM), or QUARRY_OK. */
int scorer_rc(const scorer *s);

/* scorer_advance's general path (phrases, booleans). */
void scorer_seek(scorer *s, uint32_t target, double floor);

/* Moves a term scorer past the blocks whose bound cannot beat `floor` (> 0). */
void scorer_skip_weak(scorer *s, double floor);

/*
 * Moves s to its first match >= target; no-op if it is already there. With floor > 0 it may
 * also pass matches whose score in s is <= floor (weak blocks of a term, phrase candidates
 * that could not score above it): callers use this only where such documents cannot enter
 * the top k. floor <= 0: every match is visited.
 */
static inline void scorer_advance(scorer *s, uint32_t target, double floor)
{
    if (s->doc >= target)
        return;
    if (s->kind != S_TERM) {
        scorer_seek(s, target, floor);
        return;
    }
    /* A term, without a call in the common cases: no floor, or a block already known to
     * beat it. */
    cursor_next_geq(&s->curs[0], target);
    s->doc = s->curs[0].doc;
    if (floor > 0 && s->doc != CURSOR_END &&
        !(s->bvalid && s->doc >= s->bfrom && s->doc <= s->bupto && s->bbound > floor))
        scorer_skip_weak(s, floor);
}
/* scorer_score's path for phrases and booleans. */
double scorer_score_tree(scorer *s, uint32_t dl);

/* BM25 score of s in its current document, whose length is dl. */
static inline double scorer_score(scorer *s, uint32_t dl)
{
    if (s->kind == S_TERM)
        return bm25_score(s->p, s->idf, cursor_freq(&s->curs[0]), dl);
    return scorer_score_tree(s, dl);
}

/*
 * Upper bound of s's score in every document of [target, *upto] (*upto >= target), from
 * skip impacts; does not move s (target >= s->doc is not required). 0 when s is exhausted.
 */
double scorer_bound(scorer *s, uint32_t target, uint32_t *upto);

/* Is document d matched by one of s's excluded clauses? (Moves those clauses to d.) */
int scorer_excluded(scorer *s, uint32_t d);

/* Leapfrogs c[0..n) to the first document >= target that all match (CURSOR_END if none),
 * advancing c[i] with floors[i] (all 0 when floors is NULL). */
uint32_t scorer_conjunction(scorer **c, size_t n, uint32_t target, const double *floors);

/* Upper bound, slightly inflated for rounding, of a BM25 score with weight idf, tf <= max_tf
 * (65535: unbounded) and dl >= min_dl. 0 when max_tf is 0. */
double scorer_impact_bound(const bm25 *p, double idf, uint32_t max_tf, uint32_t min_dl);

/* ===== eval ============================================================================== */

/* A scored document. */
typedef struct hit {
    uint32_t doc; /* docid */
    double score; /* BM25 score */
} hit;

/* Memory of exhaustive evaluation, kept by a searcher between queries (eval_top_k allocates
 * it on first use): one score per document, all zero between calls, and the documents'
 * lengths unpacked (a gather per posting instead of bit arithmetic). */
typedef struct accum {
    double *v;      /* n scores */
    uint32_t *lens; /* n document lengths */
    size_t n;       /* documents it has room for */
} accum;

/* Frees an accumulator; it is empty again. */
void accum_free(accum *a);

/*
 * Evaluates `root` over the index and keeps the k best hits (score descending, docid
 * ascending on ties) in out[0..*nout); out has room for k hits. The top k is exact; with
 * `count` every match is scored and *total is the number of matching documents
 * (*total_exact = 1); without it, documents that cannot enter the top k are skipped (dynamic
 * pruning), *total counts the matches that were seen, and *total_exact says whether that is
 * all of them. Returns QUARRY_OK, QUARRY_ECORRUPT or QUARRY_ENOMEM (message in err).
 */
int eval_top_k(const quarry_index *ix, const qnode *root, const bm25 *p, size_t k, int count,
               accum *acc, hit *out, size_t *nout, uint64_t *total, int *total_exact, char *err,
               size_t cap);

/* ===== snippet =========================================================================== */

/* A passage chosen for display. */
typedef struct snippet {
    size_t start;       /* byte offset of the passage in the text */
    size_t len;         /* its bytes */
    quarry_span *spans; /* matched words, offsets relative to start (alloc'd) */
    size_t nspans;      /* entries in spans */
} snippet;

/*
 * Chooses the passage of about `target` bytes of text[0..len) that holds the most distinct
 * query terms (then the most matches), cut on word boundaries, and marks the words whose
 * analyzed form is one of the query's terms. With no match, the start of the text.
 * Returns QUARRY_OK or QUARRY_ENOMEM.
 */
int snippet_make(snippet *out, analyzer *an, const char *text, size_t len, const qnode *query,
                 size_t target);

/* Frees the spans. */
void snippet_free(snippet *s);

/* ===== phrase ============================================================================ */

/*
 * Occurrences of a phrase in the document that all of c[0..n) (the cursors of its n >= 1
 * terms, in phrase order) are on: the positions p of term 0 such that term i is at
 * p + offsets[i] for every i (offsets[0] = 0, as in qnode). Decodes positions through
 * cursor_positions; on a failure it returns what it counted and the cursor's rc is set.
 */
uint32_t phrase_count(cursor *c, size_t n, const uint32_t *offsets);

/* ===== searcher ========================================================================== */

struct quarry_searcher {
    quarry_index *ix;                  /* index searched (borrowed) */
    analyzer *an;                      /* query and snippet analysis, the index's language */
    buf text;                          /* inflated store block */
    buf meta;                          /* inflated document-table block */
    struct libdeflate_decompressor *z; /* inflates both */
    accum acc;                         /* exhaustive evaluation's scores */
    char err[ERRMSG_CAP];              /* last failure */
};

/*
 * The start of every scoring call on s: clears s->err, copies opts (NULL: the defaults) into
 * *o, checks them and fills *p with their k1 and b and the index's N and avgdl, so that
 * searches and explanations score alike. Returns QUARRY_OK or QUARRY_ERROR (bad options,
 * message in s->err).
 */
int searcher_setup(quarry_search_options *o, bm25 *p, quarry_searcher *s,
                   const quarry_search_options *opts);

#endif
