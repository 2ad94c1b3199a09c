/*
 * quarry/search.h: opening an index and searching it.
 *
 * Three handles, one per concept:
 *   quarry_index    an opened index folder: read-only, memory-mapped, and shareable by any
 *                   number of threads at once (it is never modified after open).
 *   quarry_searcher the per-thread side: the query analyzer (tokenizer and stemmer, which are
 *                   stateful), scratch memory and the last error message. Create one per
 *                   thread; a searcher is used by one thread at a time.
 *   quarry_results  the answer to one query: the top k hits, best first, with ids, titles,
 *                   scores and snippets, and the total number of matching documents.
 *
 *     quarry_index *ix = NULL;
 *     quarry_searcher *s = NULL;
 *     quarry_results *r = NULL;
 *     quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
 *     if (quarry_index_open(&ix, "news.idx") != QUARRY_OK) { puts(quarry_index_errmsg(ix)); ... }
 *     if (quarry_searcher_create(&s, ix) == QUARRY_OK &&
 *         quarry_searcher_search(&r, s, q, strlen(q), &o) == QUARRY_OK)
 *         for (size_t i = 0; i < quarry_results_size(r); i++) { quarry_hit h;
 * quarry_results_get(&h, r, i); ... } quarry_results_free(r); quarry_searcher_free(s);
 * quarry_index_close(ix);
 *
 * Query language (a subset of Lucene's classic syntax; docs/QUERY.md has the grammar):
 *   word                 a term; several words are OR-ed (or AND-ed with default_and)
 *   "two words"          a phrase: the words' stems at consecutive positions
 *   +word  -word         required / excluded clause (also +"a phrase", -(a b))
 *   a AND b, a OR b, NOT a, ( ... )   boolean operators (upper case) and grouping
 * Words are analyzed exactly as documents were (folding, the index's stemmer). A word that
 * analyzes into several tokens (state-of-the-art) becomes a phrase; one that analyzes into
 * none (a lone "-") is dropped.
 *
 * Ranking is BM25 as Lucene defines it: for each matching term or phrase t of the query,
 *   idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl)),  idf(t) = ln(1 + (N - n + 0.5) / (n + 0.5))
 * with N documents, n of them containing t, tf the occurrences of t in the document, dl its
 * length in tokens and avgdl the mean length. A phrase counts as one pseudo-term: tf is its
 * number of occurrences and its idf the sum of its terms' idfs. Equal scores rank the lower
 * internal document id (earlier indexed document) first. The top k is exact: the same hits
 * and scores as scoring every matching document, although documents that cannot enter the
 * top k are skipped (block-max dynamic pruning; see quarry_search_options.count).
 *
 * An index is a set of segments (one per flush or merge of the writer, quarry/writer.h); a
 * search covers them all, with N, n and avgdl taken over all of them, so scores do not depend
 * on how the documents are split into segments. Deleted and replaced documents are never
 * returned or counted, but, as in Lucene, they still count in N, n and avgdl until a merge
 * rewrites their segment (docs/FORMAT.md, "Segments and document numbers").
 */
#ifndef QUARRY_SEARCH_H
#define QUARRY_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An opened index. Opaque; open with quarry_index_open, free with quarry_index_close. */
typedef struct quarry_index quarry_index;

/* Per-thread search state. Opaque; see quarry_searcher_create. */
typedef struct quarry_searcher quarry_searcher;

/* The answer to one query. Opaque; see quarry_searcher_search. */
typedef struct quarry_results quarry_results;

/* Facts about an opened index, see quarry_index_get_info. */
typedef struct quarry_index_info {
    uint32_t format_version; /* on-disk format version of the index */
    uint64_t generation;     /* commit generation (increases with every commit) */
    uint64_t docs;           /* documents (live: not deleted) */
    uint64_t deleted;        /* documents deleted or replaced, until a merge drops them */
    uint32_t segments;       /* segments of the commit */
    uint64_t terms;          /* distinct terms: exact with one segment; with several, those
                                of the segment with the most (a lower bound) */
    uint64_t tokens;         /* sum of document lengths, in tokens */
    uint64_t index_bytes;    /* bytes of all files of the commit */
    const char *language;    /* stemmer language recorded at index time ("none" if none);
                                owned by the index, valid until it is closed */
} quarry_index_info;

/*
 * Opens the index in folder `dir` read-only: reads the MANIFEST, maps the files it names and
 * checks their headers, sizes, footers (against the checksums the manifest records) and
 * structure tables. It does not read every byte: damage inside a posting list is found when a
 * query decodes it (QUARRY_ECORRUPT then). A commit running meanwhile may delete the files of
 * the MANIFEST first read: open then reads the MANIFEST again and opens the newer commit. Once
 * open, the index is a snapshot: later commits do not change it (its files stay mapped).
 *
 * out: receives the index. On failure *out may still receive an index in a failed state so
 *      that quarry_index_errmsg() can explain; close it with quarry_index_close either way.
 * Returns QUARRY_OK; QUARRY_ENOTFOUND (no folder, or no index in it); QUARRY_ECORRUPT (a file
 * is truncated or malformed: the message names it); QUARRY_EVERSION (written by another
 * format version: rebuild it with quarry-index); QUARRY_EIO; QUARRY_ENOMEM.
 */
int quarry_index_open(quarry_index **out, const char *dir);

/* Fills *out. Returns QUARRY_OK, or QUARRY_ERROR for a NULL or failed index. Thread-safe. */
int quarry_index_get_info(quarry_index_info *out, const quarry_index *ix);

/*
 * The detailed message of the failure of quarry_index_open, NUL-terminated ("" if none).
 * Owned by the index. An opened index never changes it, so reading it is thread-safe.
 */
const char *quarry_index_errmsg(const quarry_index *ix);

/*
 * Closes the index and unmaps its files. Every searcher and result made from it must be freed
 * first. NULL is a no-op.
 */
void quarry_index_close(quarry_index *ix);

/*
 * Creates a searcher on `ix`, which must stay open while the searcher lives.
 * Returns QUARRY_OK, QUARRY_ERROR (ix NULL or failed), QUARRY_ENOMEM.
 */
int quarry_searcher_create(quarry_searcher **out, quarry_index *ix);

/* Frees a searcher. NULL is a no-op. */
void quarry_searcher_free(quarry_searcher *s);

/*
 * The detailed message of the searcher's last failure ("unbalanced quote at column 7"),
 * NUL-terminated, "" if none. Owned by the searcher, valid until its next call.
 */
const char *quarry_searcher_errmsg(const quarry_searcher *s);

/* Options for one search. Initialise with QUARRY_SEARCH_OPTIONS_INIT. */
typedef struct quarry_search_options {
    size_t k;             /* number of hits wanted (top k); 0 only counts matches */
    int default_and;      /* nonzero: words without an operator are all required */
    double k1;            /* BM25 term-frequency saturation, >= 0 (default 1.2) */
    double b;             /* BM25 length normalisation, 0..1 (default 0.75) */
    size_t snippet_bytes; /* target snippet length in bytes; 0: no snippets */
    int count;            /* nonzero: count every matching document exactly (scores them
                             all: slower; the searcher then keeps 12 bytes per document of
                             the index for later counting searches, until it is freed);
                             zero: skip documents that cannot enter the top k, so the total
                             may be a lower bound */
    int titles;           /* nonzero (default): hits carry their titles, which costs
                             inflating a block of the document table per hit; zero: titles
                             are empty (ids, scores and snippets are unaffected) */
} quarry_search_options;

#define QUARRY_SEARCH_OPTIONS_INIT                                                                 \
    {                                                                                              \
        10, 0, 1.2, 0.75, 240, 0, 1                                                                \
    }

/*
 * Runs the query `q` (UTF-8, `len` bytes) and returns its top hits.
 *
 * out:  receives the results (also when there is no hit); free with quarry_results_free.
 *       Results borrow from the index: free them before closing it.
 * opts: may be NULL for the defaults.
 * Returns QUARRY_OK; QUARRY_EQUERY (syntax error: unbalanced quote or parenthesis, operator
 * without operand, query longer than 64 KiB or deeper than 64 levels; the searcher's message
 * says where); QUARRY_ECORRUPT (the index turned out malformed while reading it; the message
 * names the file); QUARRY_ERROR (bad options); QUARRY_ENOMEM. On failure *out is NULL.
 */
int quarry_searcher_search(quarry_results **out, quarry_searcher *s, const char *q, size_t len,
                           const quarry_search_options *opts);

/* A matched word inside a snippet: byte offset from the snippet's start and length. */
typedef struct quarry_span {
    size_t start; /* offset in the snippet */
    size_t len;   /* bytes */
} quarry_span;

/* One hit. Every pointer is borrowed from the results and valid until they are freed. */
typedef struct quarry_hit {
    uint32_t docid;           /* internal document number (order of indexing; valid for the
                                 opened commit only: merges renumber documents) */
    double score;             /* BM25 score */
    const char *id;           /* external id (not NUL-terminated) */
    size_t id_len;            /* bytes in id */
    const char *title;        /* title (not NUL-terminated) */
    size_t title_len;         /* bytes in title */
    const char *snippet;      /* a passage of the text around the best match; NULL if none */
    size_t snippet_len;       /* bytes in snippet; starts and ends on word boundaries */
    size_t snippet_offset;    /* byte offset of the snippet in the document text */
    size_t text_len;          /* bytes in the whole document text */
    const quarry_span *spans; /* matched words inside the snippet, in order */
    size_t nspans;            /* number of spans */
} quarry_hit;

/* Number of hits in `r` (at most k). */
size_t quarry_results_size(const quarry_results *r);

/*
 * Number of documents that match the query: exact when quarry_results_total_is_exact says so
 * (always with the `count` option, or when fewer than k documents match), otherwise a lower
 * bound: the matches the search looked at before skipping the rest ("at least N").
 */
uint64_t quarry_results_total(const quarry_results *r);

/* 1 if quarry_results_total is the exact number of matches, 0 if it is a lower bound. */
int quarry_results_total_is_exact(const quarry_results *r);

/*
 * Fills *out with hit `i` (0 = best). Returns QUARRY_OK, or QUARRY_ERROR if i is out of range.
 */
int quarry_results_get(quarry_hit *out, const quarry_results *r, size_t i);

/* Frees results. NULL is a no-op. */
void quarry_results_free(quarry_results *r);

/*
 * ----- Verification -----------------------------------------------------------------------
 *
 * quarry_index_verify checks an opened index against its on-disk format (docs/FORMAT.md), the
 * library side of `quarry-search --check`:
 *
 *     quarry_verify_report rep;
 *     if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
 *         fprintf(stderr, "%s\n", rep.message);
 */

/* Bytes of quarry_verify_report.message, terminating NUL included. */
#define QUARRY_VERIFY_MESSAGE_CAP 512

/* What quarry_index_verify checked. The counts are of items decoded and found correct, so on
 * failure they say how far the check got. */
typedef struct quarry_verify_report {
    uint64_t files_checked; /* files whose framing was checked (deep: and their checksum;
                               the MANIFEST counts in deep mode) */
    uint64_t bytes_checked; /* bytes whose CRC-32 was recomputed (0 unless deep) */
    uint64_t terms;         /* dictionary entries whose postings were decoded (deep) */
    uint64_t postings;      /* (term, document) postings decoded (deep) */
    uint64_t positions;     /* term positions decoded (deep) */
    uint64_t docs;          /* document-table entries decoded (deep) */
    uint64_t tokens;        /* sum of those documents' lengths (deep) */
    uint64_t store_blocks;  /* document-store blocks inflated (deep) */
    double seconds;         /* wall-clock time the check took */
    char message[QUARRY_VERIFY_MESSAGE_CAP]; /* "" when the index is sound; else the first
                                                problem found, naming the file */
} quarry_verify_report;

/*
 * Verifies the opened index `ix` and fills *out.
 *
 * deep = 0: the cheap checks, which open also makes: every file's size, header, footer and
 *   footer checksum against the MANIFEST, and the shape of the tables (dictionary blocks,
 *   document-table records, store records). Cost: a few pages per file.
 * deep = 1 (any nonzero value): also recomputes the CRC-32 of every byte of every file (and
 *   re-reads the MANIFEST, which must match the commit that was opened unless a newer commit
 *   replaced it since); walks the whole dictionary (terms that analysis can produce, strictly
 *   increasing, front-coded with their longest shared prefix, each term's areas following the
 *   previous term's and the last ending at the file's body end); decodes every posting list
 *   (doc ids strictly increasing and below the document count, exactly df postings,
 *   frequencies adding up to cf, the impacts of the dictionary and of every skip entry equal
 *   to the largest tf and smallest length they summarise) and every position (strictly
 *   increasing within a document, not above its length, never two terms at one position of a
 *   document); inflates and parses every document-table entry (ids 1..1024 bytes and unique,
 *   texts inside their store blocks, each document's length equal to its terms' occurrences,
 *   the lengths adding up to the token count) and every store block (to its recorded length).
 *   Cost: one read of every byte and a full decode, about 1.3 s for a 75 MB index of 100 MB
 *   of Wikipedia on one core.
 *
 * out: receives the report (always filled, also on failure).
 * ix:  an index opened with quarry_index_open. It is only read: the check may run while other
 *      threads search the same index, and may run in several threads at once.
 * Returns QUARRY_OK (the index is sound); QUARRY_ECORRUPT (out->message describes the first
 * problem found and names the file, "news.idx/seg_1.post: corrupt index file (...)");
 * QUARRY_ERROR (ix NULL or not opened); QUARRY_EIO (the MANIFEST can no longer be read);
 * QUARRY_ENOMEM. The check stops at the first problem. Memory (deep): 12 bytes per document,
 * one bit per token, the document ids (to check they are unique) and one inflated block at a
 * time; the index itself is read through its mappings.
 */
int quarry_index_verify(quarry_verify_report *out, const quarry_index *ix, int deep);

/*
 * ----- Explanations ------------------------------------------------------------------------
 *
 * quarry_searcher_explain takes one document's score apart: which terms and phrases of the
 * query it matches, and every input of their BM25 formula (see the top of this file), so that
 * a ranking can be checked by hand or by a program. It is the library side of
 * `quarry-search --explain`.
 *
 *     quarry_explanation *x = NULL;
 *     if (quarry_searcher_explain(&x, s, q, strlen(q), &o, hit.docid) == QUARRY_OK) {
 *         quarry_explain_doc d;
 *         quarry_explanation_get_doc(&d, x);
 *         for (size_t i = 0; i < quarry_explanation_size(x); i++) {
 *             quarry_explain_clause c;
 *             quarry_explanation_get(&c, x, i);
 *             printf("%.*s tf %u idf %.4f: %.4f\n", (int)c.text_len, c.text, c.tf, c.idf,
 *                    c.score);
 *         }
 *         printf("= %.4f (dl %u, avgdl %.1f)\n", d.score, d.dl, d.avgdl);
 *     }
 *     quarry_explanation_free(x);
 */

/* One document's score taken apart. Opaque; see quarry_searcher_explain. It never changes
 * once made, so any number of threads may read it at once. */
typedef struct quarry_explanation quarry_explanation;

/* One analyzed term of a clause. Pointers are borrowed from the explanation. */
typedef struct quarry_explain_term {
    const char *term; /* the term as indexed: folded and stemmed (not NUL-terminated) */
    size_t term_len;  /* bytes in term */
    uint32_t df;      /* documents of the index containing the term */
    uint32_t tf;      /* occurrences of the term in the document */
    double idf;       /* its idf: ln(1 + (N - df + 0.5) / (df + 0.5)) */
} quarry_explain_term;

/*
 * A term or phrase of the query that adds to the document's score. Every pointer is borrowed
 * from the explanation and valid until it is freed.
 */
typedef struct quarry_explain_clause {
    const char *text; /* the clause's analyzed terms: `embassi`, or `"embassi reopen"` for a
                         phrase (with the quotes); not NUL-terminated */
    size_t text_len;  /* bytes in text */
    const char *path; /* where the clause sits in the parsed query: 1-based clause numbers
                         from the outermost group in, joined by dots ("2" is the second
                         clause of the query, "3.1" the first clause inside the third, a
                         parenthesized group); words that analyze to nothing are not
                         counted. Not NUL-terminated */
    size_t path_len;  /* bytes in path */
    int phrase;       /* nonzero for a phrase, 0 for a single term */
    int required;     /* nonzero if the clause is required in its group (+, AND, --and);
                         0 if it is optional there */
    uint32_t tf;      /* term: occurrences in the document; phrase: occurrences of the
                         whole phrase (its terms at consecutive positions) */
    uint32_t df;      /* term: documents containing it; phrase: 0, not computed (a phrase
                         is weighted by its terms' idfs: see terms) */
    double idf;       /* term: its idf; phrase: the sum of its terms' idfs */
    double score;     /* idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)) */
    const quarry_explain_term *terms; /* the clause's terms in order: one for a term, each
                                         word of a phrase with its own df, tf and idf */
    size_t nterms;                    /* entries in terms */
} quarry_explain_clause;

/* The document and collection side of an explanation. */
typedef struct quarry_explain_doc {
    uint32_t docid; /* the document explained */
    int matches;    /* nonzero if the document matches the query (it would be a hit with a
                       large enough k); 0 if not: then there are no clauses and score is 0 */
    uint32_t dl;    /* the document's length in tokens */
    double avgdl;   /* mean document length of the index */
    uint64_t docs;  /* N: documents in the index */
    double k1;      /* BM25 k1 used */
    double b;       /* BM25 b used */
    double score;   /* the sum of the clauses' scores: the document's score in the results of
                       quarry_searcher_search for the same query and options (equal up to
                       rounding in the last bits, should the additions happen in another
                       order) */
} quarry_explain_doc;

/*
 * Explains the score of document `docid` for the query q[0..len) (parsed and analyzed as
 * quarry_searcher_search does, with the same options): for every term or phrase that
 * contributes to the score, its tf, df, idf and score; and the document's length, the index's
 * N and avgdl, k1 and b. Only clauses that add to the score are listed, in query order: a
 * term or phrase the document does not contain, an excluded clause (-x, NOT x) and the
 * clauses of a group that does not match as a whole are left out. Nested groups are flattened;
 * each clause's path says where it sits.
 *
 * out:   receives the explanation; free it with quarry_explanation_free. It owns its strings
 *        and may outlive the searcher and the index.
 * s:     the searcher (used by one thread at a time, as for searches).
 * opts:  may be NULL for the defaults; k and snippet_bytes are ignored.
 * docid: an internal document number, quarry_hit.docid (0 .. documents - 1).
 * Cost: one dictionary lookup per query term and one posting-list seek per term to docid;
 * no scan of the collection.
 * Returns QUARRY_OK (also when the document does not match: see quarry_explain_doc.matches);
 * QUARRY_EQUERY (syntax error, as for a search); QUARRY_ENOTFOUND (docid is not a document
 * of the index); QUARRY_ECORRUPT; QUARRY_ERROR (s NULL or bad options); QUARRY_ENOMEM. The
 * searcher's message says more. On failure *out is NULL.
 */
int quarry_searcher_explain(quarry_explanation **out, quarry_searcher *s, const char *q, size_t len,
                            const quarry_search_options *opts, uint32_t docid);

/* Number of clauses listed in `x` (0 if the document does not match). */
size_t quarry_explanation_size(const quarry_explanation *x);

/*
 * Fills *out with clause `i` (0 = the first in query order). Returns QUARRY_OK, or
 * QUARRY_ERROR if i is out of range.
 */
int quarry_explanation_get(quarry_explain_clause *out, const quarry_explanation *x, size_t i);

/* Fills *out with the document and collection figures of `x`. Returns QUARRY_OK, or
 * QUARRY_ERROR if x is NULL. */
int quarry_explanation_get_doc(quarry_explain_doc *out, const quarry_explanation *x);

/* Frees an explanation. NULL is a no-op. */
void quarry_explanation_free(quarry_explanation *x);

#ifdef __cplusplus
}
#endif
#endif /* QUARRY_SEARCH_H */
