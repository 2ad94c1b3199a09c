/*
 * searcher/internal.h: the searcher's modules.
 *
 *   index.c    quarry_index: maps the files a MANIFEST names, checks their framing, looks up
 *              terms and documents
 *   cursor.c   posting cursors, the only view of postings that query code has
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
#include "quarry/search.h"

/* ===== index ============================================================================= */

/* Where a term's postings are; every range was checked to lie inside its file. */
typedef struct term_info {
    uint32_t df;         /* documents containing the term */
    uint64_t cf;         /* occurrences in all documents */
    uint32_t max_tf;     /* largest tf of the term in a document; 0 (unknown) when
                            df < 128: short lists are cheaper to read than to bound */
    uint32_t min_dl;     /* shortest length of a document containing it (0 likewise) */
    const uint8_t *post; /* its (gap, tf - 1) pairs */
    size_t post_len;     /* bytes */
    const uint8_t *pos;  /* its positions */
    size_t pos_len;      /* bytes */
} term_info;

/* One document's table entry. Strings point into the caller's scratch buffer. */
typedef struct doc_meta {
    const char *id;    /* external id */
    size_t id_len;     /* bytes */
    const char *title; /* title */
    size_t title_len;  /* bytes */
    uint32_t block;    /* store block holding the text */
    uint32_t offset;   /* offset of the text in the block's raw bytes */
    uint32_t text_len; /* bytes of text */
} doc_meta;

/* An opened segment: its mapped files and the tables located inside them. */
typedef struct segment {
    filemap files[FORMAT_SEGMENT_FILES]; /* .dict .post .pos .docs .store, as in the manifest */
    const uint8_t *dict_blocks;          /* nblocks u64 offsets of the dictionary's blocks */
    uint32_t dict_nblocks;               /* front-coded blocks */
    uint32_t nterms;                     /* terms in the dictionary */
    size_t dict_end;                     /* end of the entry area (= block table start - 8) */
    uint32_t ndocs;                      /* documents */
    uint64_t tokens;                     /* sum of document lengths */
    const uint8_t *lengths;              /* document lengths, packed at len_width bits */
    unsigned len_width;                  /* bits per length, 0..32 */
    const uint8_t *id_groups;   /* ngroups + 1 u64 offsets of the id groups (last: their end) */
    const uint8_t *doc_records; /* meta block records, one per FORMAT_META_BLOCK documents */
    size_t groups_start;        /* offset of the id groups in the .docs file */
    size_t meta_start;          /* offset of the meta (title) blocks = end of the id groups */
    const uint8_t *store_table; /* nblocks 16-byte block records */
    uint32_t nblocks;           /* store blocks */
    size_t store_end;           /* end of the block area (= table start) */
} segment;

struct quarry_index {
    char *dir;            /* folder */
    manifest man;         /* the commit opened */
    segment seg;          /* its (single) segment */
    int rc;               /* QUARRY_OK when open succeeded */
    char err[ERRMSG_CAP]; /* why open failed */
};

/* Which file of a segment, for messages. */
enum { SEG_DICT, SEG_POST, SEG_POS, SEG_DOCS, SEG_STORE };

/*
 * Looks term[0..len) up. Returns 1 (found, *out filled), 0 (absent) or QUARRY_ECORRUPT (err
 * names the file).
 */
int index_lookup(const quarry_index *ix, const char *term, size_t len, term_info *out, char *err,
                 size_t cap);

/* Length in tokens of document `doc` (< ndocs): one unaligned 8-byte load from the packed
 * array (its 8 bytes of padding keep the load inside the file). */
static inline uint32_t index_doc_length(const quarry_index *ix, uint32_t doc)
{
    uint64_t bit = (uint64_t)doc * ix->seg.len_width;
    uint64_t w = load_u64le(ix->seg.lengths + bit / 8);
    return (uint32_t)((w >> (bit % 8)) & ((1ull << ix->seg.len_width) - 1));
}

struct libdeflate_decompressor;

/*
 * Reads document `doc`'s table entry: id and text location from its id group and, when `z`
 * (a libdeflate decompressor: per thread, like scratch) is not NULL, its title, inflating
 * its meta block into `scratch` (without z the title is empty). The strings of *out point
 * into scratch, valid until it is reused. Returns QUARRY_OK, QUARRY_ECORRUPT (message in err)
 * or QUARRY_ENOMEM.
 */
int index_doc_meta(const quarry_index *ix, struct libdeflate_decompressor *z, uint32_t doc,
                   buf *scratch, doc_meta *out, char *err, size_t cap);

/*
 * Inflates the store block holding document `doc`'s text into `scratch` (reused between
 * calls) with `z` and points *text at the text. Returns QUARRY_OK, QUARRY_ECORRUPT or
 * QUARRY_ENOMEM.
 */
int index_doc_text(const quarry_index *ix, struct libdeflate_decompressor *z, const doc_meta *m,
                   buf *scratch, const char **text, char *err, size_t cap);

/* Path of one of the segment's files, for messages ("news.idx/seg_1.post"); static buffer
 * free: written into dst. */
void index_file_name(const quarry_index *ix, int file, char *dst, size_t cap);

/* ===== cursor ============================================================================ */

#define CURSOR_END UINT32_MAX /* docid of an exhausted cursor */

/*
 * A forward iterator over one term's postings (format.h: blocks of 128 with skip entries, then
 * a vbyte tail). One block is decoded at a time into docs/freqs; next_geq skips whole blocks
 * through the skip entries without decoding them; positions are decoded per block, only when
 * asked. A malformed posting list ends the cursor and sets rc to QUARRY_ECORRUPT (checked by
 * the caller once the query is done).
 */
typedef struct cursor {
    const quarry_index *ix;  /* for document lengths (bounds on positions) */
    const uint8_t *area;     /* the term's .post area */
    size_t area_len;         /* its bytes */
    const uint8_t *pos_area; /* the term's .pos area */
    size_t pos_len;          /* its bytes */
    uint32_t ndocs;          /* documents in the segment (docids must stay below) */
    uint32_t df;             /* postings */
    uint32_t nfull;          /* full blocks (df / 128); block nfull is the tail */
    uint32_t max_tf;         /* largest tf of the list (for df < 128: of the tail, read at init) */
    uint32_t min_dl;         /* smallest length of a document of the list (likewise) */
    uint32_t sblock;         /* block cursor_shallow last looked at (>= block) */
    size_t tail_off;         /* offset of the tail postings in area */
    uint32_t tail_pos_off;   /* offset of the tail's position chunk in pos_area */
    uint32_t block;          /* block loaded in docs/freqs */
    uint32_t n;              /* postings in it */
    uint32_t i;              /* index of the current posting in it */
    uint32_t doc;            /* current docid, CURSOR_END when exhausted */
    int freqs_ready;         /* freqs holds the loaded block's frequencies */
    const uint8_t *fsrc;     /* else: where they are encoded (a patched block) */
    size_t flen;             /* and its bytes */
    int pos_loaded;          /* position gaps of the loaded block are in `positions` */
    uint64_t pos_done[2];    /* documents of the block whose gaps were made positions */
    uint32_t *positions;     /* the block's positions, document after document */
    size_t poscap;           /* entries allocated */
    uint32_t posstart[129];  /* index in positions of each document's first position */
    uint32_t docs[128];      /* docids of the loaded block */
    uint32_t freqs[128];     /* their frequencies */
    int rc;                  /* QUARRY_OK, QUARRY_ECORRUPT or QUARRY_ENOMEM */
} cursor;

/* Positions the cursor on the first posting of `ti` (or END if it is empty). */
void cursor_init(cursor *c, const quarry_index *ix, const term_info *ti);

/* Frees the positions buffer. */
void cursor_free(cursor *c);

/* Moves to the next document. */
void cursor_next(cursor *c);

/* cursor_next_geq's path out of the loaded block (skip entries, then decoding). */
void cursor_seek(cursor *c, uint32_t target);

/* Moves to the first document >= target (stays if already there). Inline: inside the loaded
 * block it is a short scan. */
static inline void cursor_next_geq(cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (c->docs[c->n - 1] >= target) { /* c->doc < target: not exhausted, so n >= 1 */
        uint32_t i = c->i + 1;
        while (c->docs[i] < target)
            i++;
        c->i = i;
        c->doc = c->docs[i];
        return;
    }
    cursor_seek(c, target);
}

/*
 * Block-at-a-time access, for evaluation that scores every posting: the postings of the
 * loaded block from the current one on (*docs and *freqs, valid until the cursor moves), and
 * their number (0 when exhausted). cursor_next_block moves to the first posting of the next
 * block (or to the end).
 */
/* Decodes the loaded block's frequencies (a full block's are decoded only when first needed);
 * on corrupt bytes the cursor ends with rc = QUARRY_ECORRUPT. */
void cursor_load_freqs(cursor *c);

static inline uint32_t cursor_block(cursor *c, const uint32_t **docs, const uint32_t **freqs)
{
    if (c->doc != CURSOR_END && !c->freqs_ready)
        cursor_load_freqs(c);
    if (c->doc == CURSOR_END)
        return 0;
    *docs = c->docs + c->i;
    *freqs = c->freqs + c->i;
    return c->n - c->i;
}
void cursor_next_block(cursor *c);

/* Current docid, or CURSOR_END. */
static inline uint32_t cursor_docid(const cursor *c)
{
    return c->doc;
}

/* Occurrences of the term in the current document (decodes the block's frequencies on first
 * use; a corrupt block ends the cursor, and the value returned is then 1). */
static inline uint32_t cursor_freq(cursor *c)
{
    if (!c->freqs_ready)
        cursor_load_freqs(c);
    return c->freqs[c->i];
}

/*
 * Impacts of the block that holds `target` (the first block whose last docid reaches it), read
 * from the skip entries without decoding or moving the cursor: *max_tf and *min_dl (saturated
 * at 65535 as stored; 65535 reads as tf unbounded) hold for every posting in [*from, *upto],
 * *from <= target <= *upto, *upto the block's last docid (CURSOR_END - 1 for the tail, whose
 * impacts are the whole list's). target must not be below the current docid. For an exhausted
 * cursor the range is [0, CURSOR_END - 1] and the impacts are those of the list.
 */
void cursor_shallow(cursor *c, uint32_t target, uint32_t *from, uint32_t *upto, uint32_t *max_tf,
                    uint32_t *min_dl);

/*
 * Positions of the term in the current document, increasing. *out is valid until the cursor
 * moves. Returns the number of positions, 0 on failure (then c->rc is set).
 */
uint32_t cursor_positions(cursor *c, const uint32_t **out);

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
    const quarry_index *ix;          /* index searched */
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
 * Builds the scorers of the tree `root` over `ix` (p must outlive them), each positioned on
 * its first match. Returns QUARRY_OK, QUARRY_ECORRUPT or QUARRY_ENOMEM (message in err).
 */
int scorer_build(scorer **out, const quarry_index *ix, const qnode *root, const bm25 *p, char *err,
                 size_t cap);

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

/* ===== index: dictionary walk ============================================================ */

/*
 * A walk over the whole dictionary in term order (index_term_next), for verification and
 * enumeration. Start from a zeroed struct: `dict_iter it = {0};`. It lives on the caller's
 * stack and borrows nothing but the index, so any number of walks may run at once.
 */
typedef struct dict_iter {
    uint32_t index;    /* terms yielded so far */
    uint32_t block;    /* block of the next entry */
    uint32_t k;        /* entries of that block already read */
    size_t off;        /* offset in the .dict file of the next entry (once index > 0) */
    uint64_t post_off; /* offset in .post of the next term's area, as the entries give it */
    uint64_t pos_off;  /* offset in .pos of the next term's area */
    uint8_t term[256]; /* the last term yielded (the next one is front-coded against it) */
    size_t term_len;   /* bytes in term */
    size_t shared;     /* bytes of term its entry took from the term before (front coding) */
} dict_iter;

/*
 * Decodes the next dictionary entry. On 1, *term / *len (borrowed from `it`, valid until the
 * next call) hold the term's bytes and *out its statistics and areas, which are checked as
 * index_lookup checks them (df in 1..ndocs, areas inside their files, impacts present for
 * df >= 128). Also checked: each block's first entry starts where the block table says and
 * where the previous block ended, its shared prefix is 0, every shared prefix fits the
 * previous term, and the entries end exactly at the block table. Not checked (the caller's
 * business): that terms increase and that areas are contiguous.
 * Returns 1 (a term), 0 (past the last term) or QUARRY_ECORRUPT (message in err naming the
 * .dict file; the walk is then over).
 *
 *     dict_iter it = {0};
 *     const uint8_t *t; size_t n; term_info ti; int rc;
 *     while ((rc = index_term_next(ix, &it, &t, &n, &ti, err, sizeof err)) == 1) { ... }
 */
int index_term_next(const quarry_index *ix, dict_iter *it, const uint8_t **term, size_t *len,
                    term_info *out, char *err, size_t cap);

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
