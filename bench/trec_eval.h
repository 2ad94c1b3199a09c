/*
 * trec_eval.h: effectiveness measures for TREC runs, with trec_eval's definitions.
 *
 * A small, self-contained C11 library (libc and libm only, no global state) used by the
 * quarry-eval tool and the benchmarks. It loads a qrels file and a run file and computes, per
 * query and as means, the measures trec_eval (usnistgov/trec_eval 10.0) prints as:
 *
 *   ndcg_cut_10  nDCG@10: gain = the judged relevance value (rel <= 0 adds nothing), discount
 *                log2(rank + 1); the ideal ranking is built from all the query's judged rel > 0
 *                documents (not only the retrieved ones)                  (trec_eval -m
 * ndcg_cut.10) map          average precision over the whole run as given, divided by the number of
 *                relevant documents of the query                                     (-m map)
 *   P_10         relevant documents in the top 10, divided by 10                    (-m P.10)
 *   recall_100   relevant documents in the top 100 / relevant documents     (-m recall.100)
 *   plus num_q, num_ret, num_rel and num_rel_ret.
 *
 * Conventions, all as in trec_eval unless marked otherwise:
 * - A document is relevant when its judgement is >= 1. Negative judgements (e.g. -1, "in the
 *   pool but unjudged") and unjudged documents count as non-relevant.
 * - The rank column of the run is ignored: each query's documents are re-sorted by score,
 *   descending, ties broken by docid in *decreasing* strcmp order. Scores are compared as
 *   doubles, as trec_eval 10.0 does (9.x stored them as float, so there two scores equal in
 *   float precision tie and may rank differently, changing a value in the 4th decimal).
 * - Queries of the run absent from the qrels are ignored.
 * - Queries of the qrels absent from the run are ignored (trec_eval's default), unless
 *   `complete` is set (trec_eval -c): then they count, with every measure 0.
 * - Queries of the qrels that have judgements but no relevant document ARE evaluated and
 *   counted in num_q, with every measure 0 (checked against trec_eval 9.0.8 and 10.0).
 *   (trec_eval 10.0 refuses, without -c, a run lacking a qrels query; 9.x skips it, as here.)
 * - Means are arithmetic means over the evaluated queries; num_* are sums.
 * - Differences from trec_eval: a docid repeated within one query of a run is an error in
 *   trec_eval; here the first line (in file order) is kept and the others are dropped and counted
 *   (trec_run_num_duplicates). In the qrels, a repeated (qid, docid) with the same value is
 *   tolerated, a conflicting one is an error (trec_eval rejects both). Blank lines and lines
 *   whose first field starts with '#' are skipped in both files.
 *
 * File formats (fields separated by any run of spaces or tabs; CRLF accepted):
 *   qrels: `qid iter docid rel`               exactly 4 fields; iter is ignored; rel an integer
 *   run:   `qid Q0 docid rank score tag`      exactly 6 fields; Q0, rank and tag are ignored;
 *                                             score a finite or infinite number (not NaN)
 *
 * Return codes: 0 on success, or a negative TREC_EVAL_E* code. Loaders write a one-line,
 * NUL-terminated message into the caller's `err` buffer (truncated to `errlen`; nothing is
 * written when err is NULL or errlen is 0) naming the file and, for a malformed line, its line
 * number (physical, 1-based).
 *
 * Thread safety: loaded qrels and runs are read-only after loading; any number of threads may
 * evaluate them concurrently, each with its own trec_summary.
 */
#ifndef QUARRY_TREC_EVAL_H
#define QUARRY_TREC_EVAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes (values match quarry/error.h's where the meaning is the same). */
enum trec_eval_error {
    TREC_EVAL_OK = 0,
    TREC_EVAL_EINVAL = -1, /* bad argument (NULL pointer) */
    TREC_EVAL_ENOMEM = -2, /* memory allocation failed */
    TREC_EVAL_EIO = -3,    /* the file could not be opened or read */
    TREC_EVAL_EFORMAT = -4 /* a line of the file is malformed (message has its number) */
};

/* Relevance judgements, grouped by query. Opaque; immutable once loaded. */
typedef struct trec_qrels trec_qrels;

/* A run (ranked results of one system), grouped by query and ranked. Opaque; immutable. */
typedef struct trec_run trec_run;

/* The measures of one evaluated query. */
typedef struct trec_query_result {
    const char *qid;    /* owned by the trec_summary that holds this result */
    double ndcg_cut_10; /* nDCG@10 */
    double map;         /* average precision over the whole ranking */
    double p_10;        /* precision@10 */
    double recall_100;  /* recall@100 */
    long num_ret;       /* documents retrieved (after dropping duplicates) */
    long num_rel;       /* relevant documents in the qrels (rel >= 1) */
    long num_rel_ret;   /* relevant documents retrieved */
} trec_query_result;

/*
 * The result of trec_evaluate: means over the evaluated queries, and each query's measures.
 * Initialise with trec_evaluate; release with trec_summary_free.
 */
typedef struct trec_summary {
    size_t num_q;       /* evaluated queries (trec_eval's num_q) */
    double ndcg_cut_10; /* means over the num_q queries (0 when num_q is 0) */
    double map;
    double p_10;
    double recall_100;
    long num_ret; /* sums over the num_q queries */
    long num_rel;
    long num_rel_ret;
    trec_query_result *queries; /* num_q entries, sorted by qid in strcmp order */
} trec_summary;

/*
 * Loads the qrels file at `path` into a new *out (set to NULL on failure). An empty file gives
 * qrels with no query. Returns 0, TREC_EVAL_EINVAL, TREC_EVAL_ENOMEM, TREC_EVAL_EIO (cannot
 * open or read) or TREC_EVAL_EFORMAT (wrong field count, rel not an integer, conflicting
 * duplicate judgement, NUL byte); the message goes to err.
 */
int trec_qrels_load(trec_qrels **out, const char *path, char *err, size_t errlen);

/* Releases qrels loaded by trec_qrels_load. NULL is a no-op. */
void trec_qrels_free(trec_qrels *qrels);

/* Number of distinct queries in the qrels. */
size_t trec_qrels_num_queries(const trec_qrels *qrels);

/*
 * Loads the run file at `path` into a new *out (set to NULL on failure). An empty file gives a
 * run with no query. Returns codes as trec_qrels_load (TREC_EVAL_EFORMAT: wrong field count,
 * score not a number or NaN, NUL byte).
 */
int trec_run_load(trec_run **out, const char *path, char *err, size_t errlen);

/* Releases a run loaded by trec_run_load. NULL is a no-op. */
void trec_run_free(trec_run *run);

/* Number of distinct queries in the run. */
size_t trec_run_num_queries(const trec_run *run);

/* Number of run lines dropped because their (qid, docid) appeared on an earlier line. */
size_t trec_run_num_duplicates(const trec_run *run);

/*
 * Evaluates `run` against `qrels` into *out, which the caller then owns (release with
 * trec_summary_free). `complete` != 0 counts qrels queries missing from the run with zero
 * measures (trec_eval -c); 0 ignores them (trec_eval's default). The summary does not refer
 * to `qrels` or `run`, which may be freed afterwards. Returns 0, TREC_EVAL_EINVAL (a NULL
 * argument) or TREC_EVAL_ENOMEM; on failure *out is left zeroed (safe to free).
 */
int trec_evaluate(trec_summary *out, const trec_qrels *qrels, const trec_run *run, int complete);

/* Releases the per-query results of a summary and zeroes it. NULL is a no-op. */
void trec_summary_free(trec_summary *summary);

/*
 * Per-query iteration: the i-th evaluated query (0 <= i < summary->num_q, in qid strcmp
 * order), or NULL when i is out of range. Equivalent to &summary->queries[i].
 */
const trec_query_result *trec_summary_query(const trec_summary *summary, size_t i);

/* Returns a static, generic description of a TREC_EVAL_* code. Never NULL. */
const char *trec_eval_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif /* QUARRY_TREC_EVAL_H */
