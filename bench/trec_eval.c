/*
 * trec_eval.c: loads TREC qrels and run files and computes trec_eval's nDCG@10, MAP, P@10 and
 * Recall@100 for the quarry benchmarks (see trec_eval.h for the exact definitions).
 *
 * Both loaders read the whole file into one buffer and cut it into NUL-terminated fields in
 * place, so every qid and docid is a pointer into that buffer (no per-string allocation). The
 * lines are then sorted by (qid, docid, line number), which groups them by query, exposes
 * duplicates next to each other and gives qrels a per-query docid order for binary search.
 * Each run query is then re-ranked by (score desc, docid desc), trec_eval's order. Evaluation
 * merge-joins the two qid-sorted query lists. Everything is O(n log n) in the number of lines:
 * a 50,000-query run of 5 million lines with 1 million qrels lines takes about 5 s and 0.5 GB
 * (trec_eval 10.0: 18 s). Memory is the file size plus 32 bytes per line.
 * The code uses only C11 libc and libm (log2) and keeps no global or static mutable state.
 */
#include "trec_eval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* trec_eval's default relevance level: a judgement >= this value is "relevant". */
#define RELEVANT_LEVEL 1L
/* Cutoffs of the measures. */
#define CUT_NDCG   10
#define CUT_P      10
#define CUT_RECALL 100

/* One qrels line. After loading: sorted by (qid, docid), no (qid, docid) twice. */
struct judgment {
    const char *qid;
    const char *docid;
    long rel;
    size_t line; /* 1-based physical line number, for messages */
};

/* One query of the qrels: judgments [first, first + count) of trec_qrels.judg. */
struct qrels_query {
    const char *qid;
    size_t first;
    size_t count;
    long num_rel;     /* judgements >= RELEVANT_LEVEL */
    double ideal_dcg; /* DCG@10 of the ideal ranking (0 when no judgement is > 0) */
};

struct trec_qrels {
    char *buf; /* file contents; every string below points into it */
    struct judgment *judg;
    size_t njudg;
    struct qrels_query *queries; /* sorted by qid (strcmp) */
    size_t nq;
};

/* One run line. After loading: grouped by query, each group in rank order. */
struct run_doc {
    const char *qid;
    const char *docid;
    double score;
    size_t line; /* 1-based physical line number: "first" of duplicates = smallest */
};

/* One query of the run: documents [first, first + count) of trec_run.docs, ranked. */
struct run_query {
    const char *qid;
    size_t first;
    size_t count;
};

struct trec_run {
    char *buf; /* file contents; every string below points into it */
    struct run_doc *docs;
    size_t ndocs;
    struct run_query *queries; /* sorted by qid (strcmp) */
    size_t nq;
    size_t nduplicates; /* lines dropped as repeated (qid, docid) */
};

/* ------------------------------------------------------------------------------------------ */
/* Errors and file reading                                                                    */

/* printf-style message into err (if any), always NUL-terminated; returns `code`. */
#if defined(__GNUC__)
#define PRINTF_LIKE(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define PRINTF_LIKE(fmt_index, first_arg)
#endif
static int set_err(char *err, size_t errlen, int code, const char *fmt, ...) PRINTF_LIKE(4, 5);

static int set_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *trec_eval_strerror(int code)
{
    switch (code) {
    case TREC_EVAL_OK:
        return "success";
    case TREC_EVAL_EINVAL:
        return "invalid argument";
    case TREC_EVAL_ENOMEM:
        return "out of memory";
    case TREC_EVAL_EIO:
        return "cannot read file";
    case TREC_EVAL_EFORMAT:
        return "malformed line";
    default:
        return "unknown error";
    }
}

/* malloc(n * size) with overflow check; NULL on overflow or failure. n may be 0 (gives a
 * unique pointer from malloc(1) so that callers can treat NULL as failure). */
static void *alloc_array(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    return malloc(n * size > 0 ? n * size : 1);
}

/*
 * Reads the whole file at `path` into a new buffer *buf_out of *len_out bytes plus a
 * terminating NUL (so buf[len] may be overwritten by the field splitter). Works on pipes too.
 * `what` ("qrels", "run") names the file in messages. Returns 0, EIO or ENOMEM.
 */
static int read_file(const char *path, const char *what, char **buf_out, size_t *len_out, char *err,
                     size_t errlen)
{
    *buf_out = NULL;
    *len_out = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return set_err(err, errlen, TREC_EVAL_EIO, "cannot open %s file '%s': %s", what, path,
                       strerror(e));
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory reading '%s'", path);
    }
    for (;;) {
        if (cap - len < 2) { /* keep room for at least one byte and the NUL */
            if (cap > SIZE_MAX / 2) {
                free(buf);
                fclose(f);
                return set_err(err, errlen, TREC_EVAL_ENOMEM, "%s file '%s' is too large", what,
                               path);
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory reading '%s'", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                fclose(f);
                return set_err(err, errlen, TREC_EVAL_EIO, "cannot read %s file '%s': %s", what,
                               path, e != 0 ? strerror(e) : "read error");
            }
            break; /* EOF */
        }
    }
    fclose(f);
    buf[len] = '\0';
    *buf_out = buf;
    *len_out = len;
    return TREC_EVAL_OK;
}

/* Upper bound on the number of lines of buf[0, len): newlines + 1. */
static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 1;
    const char *p = buf, *end = buf + len;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* String equality, with a fast path for the shared qid pointers set by share_qid. */
static int same_string(const char *a, const char *b)
{
    return a == b || strcmp(a, b) == 0;
}

/*
 * Returns `prev` when it holds the same text as `qid`, else `qid`. Lines of one query are
 * usually consecutive, so sharing the previous line's qid pointer lets the sort and grouping
 * compare most qids by pointer.
 */
static const char *share_qid(const char *prev, const char *qid)
{
    return prev != NULL && strcmp(prev, qid) == 0 ? prev : qid;
}

/*
 * Splits the line [p, end) (which holds no '\n' or NUL; *end is writable) into fields
 * separated by runs of blanks, NUL-terminating each in place. Stores at most `max` field
 * pointers and returns how many fields there are, counting at most max + 1 (so a return of
 * max + 1 means "too many").
 */
static size_t split_fields(char *p, char *end, char **fields, size_t max)
{
    size_t n = 0;
    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        if (p >= end)
            break;
        if (n == max)
            return max + 1;
        fields[n++] = p;
        while (p < end && !is_blank(*p))
            p++;
        *p = '\0'; /* p == end is writable too */
        if (p < end)
            p++;
    }
    return n;
}

/*
 * Line iterator over a file buffer. next_line() returns 1 and sets *line_start and *line_end to
 * the next line (without its newline) and bumps it->lineno, or returns 0 at the end.
 */
struct line_iter {
    char *p;
    char *end;
    size_t lineno;
};

static int next_line(struct line_iter *it, char **line_start, char **line_end)
{
    if (it->p >= it->end)
        return 0;
    char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    char *le = nl != NULL ? nl : it->end;
    *line_start = it->p;
    *line_end = le;
    it->p = nl != NULL ? nl + 1 : it->end;
    it->lineno++;
    return 1;
}

/* Parses a whole field as a decimal long. Returns 0 on success, -1 otherwise. */
static int parse_long(const char *s, long *out)
{
    char *endp;
    errno = 0;
    long v = strtol(s, &endp, 10);
    if (endp == s || *endp != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

/* Parses a whole field as a double (inf accepted, NaN refused). Returns 0 or -1. */
static int parse_score(const char *s, double *out)
{
    char *endp;
    double v = strtod(s, &endp);
    if (endp == s || *endp != '\0' || isnan(v))
        return -1;
    *out = v; /* overflow gives +-HUGE_VAL and underflow ~0, as trec_eval's atof */
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Qrels                                                                                      */

static int cmp_judgment(const void *a, const void *b)
{
    const struct judgment *x = a, *y = b;
    int c = same_string(x->qid, y->qid) ? 0 : strcmp(x->qid, y->qid);
    if (c != 0)
        return c;
    c = strcmp(x->docid, y->docid);
    if (c != 0)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* Fills q->num_rel and q->ideal_dcg from judgments [q->first, q->first + q->count). */
static void qrels_query_stats(struct qrels_query *q, const struct judgment *judg)
{
    long top[CUT_NDCG]; /* largest positive judgements, descending */
    size_t ntop = 0;
    q->num_rel = 0;
    for (size_t i = q->first; i < q->first + q->count; i++) {
        long rel = judg[i].rel;
        if (rel >= RELEVANT_LEVEL)
            q->num_rel++;
        if (rel <= 0)
            continue;
        /* insert rel into top[] keeping it sorted descending and at most CUT_NDCG long */
        size_t pos = ntop;
        while (pos > 0 && top[pos - 1] < rel)
            pos--;
        if (pos >= CUT_NDCG)
            continue;
        size_t last = ntop < CUT_NDCG ? ntop : CUT_NDCG - 1;
        memmove(&top[pos + 1], &top[pos], (last - pos) * sizeof top[0]);
        top[pos] = rel;
        if (ntop < CUT_NDCG)
            ntop++;
    }
    double idcg = 0.0;
    for (size_t i = 0; i < ntop; i++)
        idcg += (double)top[i] / log2((double)(i + 2));
    q->ideal_dcg = idcg;
}

void trec_qrels_free(trec_qrels *qrels)
{
    if (qrels == NULL)
        return;
    free(qrels->queries);
    free(qrels->judg);
    free(qrels->buf);
    free(qrels);
}

size_t trec_qrels_num_queries(const trec_qrels *qrels)
{
    return qrels != NULL ? qrels->nq : 0;
}

int trec_qrels_load(trec_qrels **out, const char *path, char *err, size_t errlen)
{
    if (out == NULL || path == NULL) {
        if (out != NULL)
            *out = NULL;
        return set_err(err, errlen, TREC_EVAL_EINVAL, "trec_qrels_load: NULL argument");
    }
    *out = NULL;
    trec_qrels *q = calloc(1, sizeof *q);
    if (q == NULL)
        return set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory");
    size_t len;
    int rc = read_file(path, "qrels", &q->buf, &len, err, errlen);
    if (rc != 0) {
        trec_qrels_free(q);
        return rc;
    }
    size_t maxlines = count_lines(q->buf, len);
    q->judg = alloc_array(maxlines, sizeof *q->judg);
    if (q->judg == NULL) {
        trec_qrels_free(q);
        return set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory loading '%s'", path);
    }

    struct line_iter it = {q->buf, q->buf + len, 0};
    char *ls, *le;
    while (next_line(&it, &ls, &le)) {
        if (memchr(ls, '\0', (size_t)(le - ls)) != NULL) {
            rc = set_err(err, errlen, TREC_EVAL_EFORMAT, "%s:%zu: NUL byte in line", path,
                         it.lineno);
            goto fail;
        }
        char *f[4];
        size_t nf = split_fields(ls, le, f, 4);
        if (nf == 0 || f[0][0] == '#')
            continue; /* blank line or comment */
        if (nf != 4) {
            rc = set_err(err, errlen, TREC_EVAL_EFORMAT,
                         "%s:%zu: expected 4 fields 'qid iter docid rel', found %s%zu", path,
                         it.lineno, nf > 4 ? "more than " : "", nf > 4 ? (size_t)4 : nf);
            goto fail;
        }
        struct judgment *j = &q->judg[q->njudg];
        if (parse_long(f[3], &j->rel) != 0) {
            rc = set_err(err, errlen, TREC_EVAL_EFORMAT, "%s:%zu: relevance '%s' is not an integer",
                         path, it.lineno, f[3]);
            goto fail;
        }
        j->qid = share_qid(q->njudg > 0 ? q->judg[q->njudg - 1].qid : NULL, f[0]);
        j->docid = f[2];
        j->line = it.lineno;
        q->njudg++;
    }

    qsort(q->judg, q->njudg, sizeof *q->judg, cmp_judgment);

    /* Drop repeated (qid, docid) with the same value; refuse conflicting ones. */
    size_t w = 0;
    for (size_t i = 0; i < q->njudg; i++) {
        if (w > 0 && same_string(q->judg[w - 1].qid, q->judg[i].qid) &&
            strcmp(q->judg[w - 1].docid, q->judg[i].docid) == 0) {
            if (q->judg[w - 1].rel != q->judg[i].rel) {
                rc = set_err(err, errlen, TREC_EVAL_EFORMAT,
                             "%s:%zu: judgement %ld for query '%s' document '%s' conflicts "
                             "with %ld on line %zu",
                             path, q->judg[i].line, q->judg[i].rel, q->judg[i].qid,
                             q->judg[i].docid, q->judg[w - 1].rel, q->judg[w - 1].line);
                goto fail;
            }
            continue;
        }
        q->judg[w++] = q->judg[i];
    }
    q->njudg = w;

    /* Group into queries. */
    size_t nq = 0;
    for (size_t i = 0; i < q->njudg; i++)
        if (i == 0 || !same_string(q->judg[i - 1].qid, q->judg[i].qid))
            nq++;
    q->queries = alloc_array(nq, sizeof *q->queries);
    if (q->queries == NULL) {
        rc = set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory loading '%s'", path);
        goto fail;
    }
    for (size_t i = 0; i < q->njudg; i++) {
        if (i == 0 || !same_string(q->judg[i - 1].qid, q->judg[i].qid)) {
            struct qrels_query *qq = &q->queries[q->nq++];
            qq->qid = q->judg[i].qid;
            qq->first = i;
            qq->count = 0;
        }
        q->queries[q->nq - 1].count++;
    }
    for (size_t i = 0; i < q->nq; i++)
        qrels_query_stats(&q->queries[i], q->judg);

    *out = q;
    return TREC_EVAL_OK;
fail:
    trec_qrels_free(q);
    return rc;
}

/*
 * The judgement of `docid` in query `qq`, or -1 (non-relevant, no gain: trec_eval's
 * RELVALUE_NONPOOL) when the document is not judged. Binary search over the query's
 * docid-sorted judgments.
 */
static long qrels_lookup(const trec_qrels *q, const struct qrels_query *qq, const char *docid)
{
    size_t lo = qq->first, hi = qq->first + qq->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(q->judg[mid].docid, docid);
        if (c == 0)
            return q->judg[mid].rel;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Runs                                                                                       */

static int cmp_run_doc_qid_docid_line(const void *a, const void *b)
{
    const struct run_doc *x = a, *y = b;
    int c = same_string(x->qid, y->qid) ? 0 : strcmp(x->qid, y->qid);
    if (c != 0)
        return c;
    c = strcmp(x->docid, y->docid);
    if (c != 0)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* trec_eval's ranking order: score descending, then docid in decreasing strcmp order. */
static int cmp_run_doc_rank(const void *a, const void *b)
{
    const struct run_doc *x = a, *y = b;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return strcmp(y->docid, x->docid);
}

void trec_run_free(trec_run *run)
{
    if (run == NULL)
        return;
    free(run->queries);
    free(run->docs);
    free(run->buf);
    free(run);
}

size_t trec_run_num_queries(const trec_run *run)
{
    return run != NULL ? run->nq : 0;
}

size_t trec_run_num_duplicates(const trec_run *run)
{
    return run != NULL ? run->nduplicates : 0;
}

int trec_run_load(trec_run **out, const char *path, char *err, size_t errlen)
{
    if (out == NULL || path == NULL) {
        if (out != NULL)
            *out = NULL;
        return set_err(err, errlen, TREC_EVAL_EINVAL, "trec_run_load: NULL argument");
    }
    *out = NULL;
    trec_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory");
    size_t len;
    int rc = read_file(path, "run", &r->buf, &len, err, errlen);
    if (rc != 0) {
        trec_run_free(r);
        return rc;
    }
    size_t maxlines = count_lines(r->buf, len);
    r->docs = alloc_array(maxlines, sizeof *r->docs);
    if (r->docs == NULL) {
        trec_run_free(r);
        return set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory loading '%s'", path);
    }

    struct line_iter it = {r->buf, r->buf + len, 0};
    char *ls, *le;
    while (next_line(&it, &ls, &le)) {
        if (memchr(ls, '\0', (size_t)(le - ls)) != NULL) {
            rc = set_err(err, errlen, TREC_EVAL_EFORMAT, "%s:%zu: NUL byte in line", path,
                         it.lineno);
            goto fail;
        }
        char *f[6];
        size_t nf = split_fields(ls, le, f, 6);
        if (nf == 0 || f[0][0] == '#')
            continue; /* blank line or comment */
        if (nf != 6) {
            rc = set_err(err, errlen, TREC_EVAL_EFORMAT,
                         "%s:%zu: expected 6 fields 'qid Q0 docid rank score tag', found %s%zu",
                         path, it.lineno, nf > 6 ? "more than " : "", nf > 6 ? (size_t)6 : nf);
            goto fail;
        }
        struct run_doc *d = &r->docs[r->ndocs];
        if (parse_score(f[4], &d->score) != 0) {
            rc = set_err(err, errlen, TREC_EVAL_EFORMAT, "%s:%zu: score '%s' is not a number", path,
                         it.lineno, f[4]);
            goto fail;
        }
        d->qid = share_qid(r->ndocs > 0 ? r->docs[r->ndocs - 1].qid : NULL, f[0]);
        d->docid = f[2];
        d->line = it.lineno;
        r->ndocs++;
    }

    /* Group by query and drop repeated (qid, docid), keeping the earliest line. */
    qsort(r->docs, r->ndocs, sizeof *r->docs, cmp_run_doc_qid_docid_line);
    size_t w = 0;
    for (size_t i = 0; i < r->ndocs; i++) {
        if (w > 0 && same_string(r->docs[w - 1].qid, r->docs[i].qid) &&
            strcmp(r->docs[w - 1].docid, r->docs[i].docid) == 0) {
            r->nduplicates++;
            continue;
        }
        r->docs[w++] = r->docs[i];
    }
    r->ndocs = w;

    size_t nq = 0;
    for (size_t i = 0; i < r->ndocs; i++)
        if (i == 0 || !same_string(r->docs[i - 1].qid, r->docs[i].qid))
            nq++;
    r->queries = alloc_array(nq, sizeof *r->queries);
    if (r->queries == NULL) {
        rc = set_err(err, errlen, TREC_EVAL_ENOMEM, "out of memory loading '%s'", path);
        goto fail;
    }
    for (size_t i = 0; i < r->ndocs; i++) {
        if (i == 0 || !same_string(r->docs[i - 1].qid, r->docs[i].qid)) {
            struct run_query *rq = &r->queries[r->nq++];
            rq->qid = r->docs[i].qid;
            rq->first = i;
            rq->count = 0;
        }
        r->queries[r->nq - 1].count++;
    }
    /* Rank each query (docids are unique within a query now, so the order is total). */
    for (size_t i = 0; i < r->nq; i++)
        qsort(&r->docs[r->queries[i].first], r->queries[i].count, sizeof *r->docs,
              cmp_run_doc_rank);

    *out = r;
    return TREC_EVAL_OK;
fail:
    trec_run_free(r);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                 */

/*
 * Measures of qrels query `qq` for the ranked documents docs[0, ndocs) (ndocs may be 0),
 * computed in the same order of operations as trec_eval (m_ndcg_cut.c, m_map.c, m_P.c,
 * m_recall.c), so that the printed 4 decimals agree. res->qid is left to the caller.
 */
static void eval_query(trec_query_result *res, const trec_qrels *q, const struct qrels_query *qq,
                       const struct run_doc *docs, size_t ndocs)
{
    long rel_so_far = 0, rel_at_p = 0, rel_at_recall = 0;
    double ap_sum = 0.0, dcg = 0.0;
    for (size_t i = 0; i < ndocs; i++) {
        long rel = qrels_lookup(q, qq, docs[i].docid);
        if (i < CUT_NDCG && rel > 0)
            dcg += (double)rel / log2((double)(i + 2));
        if (rel >= RELEVANT_LEVEL) {
            rel_so_far++;
            ap_sum += (double)rel_so_far / (double)(i + 1);
            if (i < CUT_P)
                rel_at_p++;
            if (i < CUT_RECALL)
                rel_at_recall++;
        }
    }
    res->num_ret = (long)ndocs;
    res->num_rel = qq->num_rel;
    res->num_rel_ret = rel_so_far;
    res->p_10 = (double)rel_at_p / (double)CUT_P;
    res->recall_100 = qq->num_rel > 0 ? (double)rel_at_recall / (double)qq->num_rel : 0.0;
    res->map = rel_so_far > 0 ? ap_sum / (double)qq->num_rel : 0.0;
    /* No positive judgement means dcg is 0 too, and trec_eval leaves the value at 0. */
    res->ndcg_cut_10 = qq->ideal_dcg > 0.0 ? dcg / qq->ideal_dcg : 0.0;
}

int trec_evaluate(trec_summary *out, const trec_qrels *qrels, const trec_run *run, int complete)
{
    if (out == NULL)
        return TREC_EVAL_EINVAL;
    memset(out, 0, sizeof *out);
    if (qrels == NULL || run == NULL)
        return TREC_EVAL_EINVAL;
    if (qrels->nq == 0)
        return TREC_EVAL_OK;

    /* One block: results for every qrels query (an upper bound), then their qid strings. */
    size_t qid_bytes = 0;
    for (size_t i = 0; i < qrels->nq; i++) {
        size_t l = strlen(qrels->queries[i].qid) + 1;
        if (qid_bytes > SIZE_MAX - l)
            return TREC_EVAL_ENOMEM;
        qid_bytes += l;
    }
    if (qrels->nq > (SIZE_MAX - qid_bytes) / sizeof(trec_query_result))
        return TREC_EVAL_ENOMEM;
    trec_query_result *res = malloc(qrels->nq * sizeof *res + qid_bytes);
    if (res == NULL)
        return TREC_EVAL_ENOMEM;
    char *names = (char *)(res + qrels->nq);

    size_t n = 0, j = 0;
    double sum_ndcg = 0.0, sum_map = 0.0, sum_p = 0.0, sum_recall = 0.0;
    for (size_t i = 0; i < qrels->nq; i++) {
        const struct qrels_query *qq = &qrels->queries[i];
        int c = 1;
        while (j < run->nq && (c = strcmp(run->queries[j].qid, qq->qid)) < 0)
            j++; /* run queries without qrels are ignored */
        const struct run_doc *docs = NULL;
        size_t ndocs = 0;
        if (j < run->nq && c == 0) {
            docs = &run->docs[run->queries[j].first];
            ndocs = run->queries[j].count;
        } else if (!complete) {
            continue; /* qrels query absent from the run: skipped, as trec_eval without -c */
        }
        trec_query_result *r = &res[n++];
        eval_query(r, qrels, qq, docs, ndocs);
        size_t l = strlen(qq->qid) + 1;
        memcpy(names, qq->qid, l);
        r->qid = names;
        names += l;
        sum_ndcg += r->ndcg_cut_10;
        sum_map += r->map;
        sum_p += r->p_10;
        sum_recall += r->recall_100;
        out->num_ret += r->num_ret;
        out->num_rel += r->num_rel;
        out->num_rel_ret += r->num_rel_ret;
    }
    out->num_q = n;
    out->queries = res;
    if (n > 0) {
        out->ndcg_cut_10 = sum_ndcg / (double)n;
        out->map = sum_map / (double)n;
        out->p_10 = sum_p / (double)n;
        out->recall_100 = sum_recall / (double)n;
    }
    return TREC_EVAL_OK;
}

void trec_summary_free(trec_summary *summary)
{
    if (summary == NULL)
        return;
    free(summary->queries);
    memset(summary, 0, sizeof *summary);
}

const trec_query_result *trec_summary_query(const trec_summary *summary, size_t i)
{
    if (summary == NULL || summary->queries == NULL || i >= summary->num_q)
        return NULL;
    return &summary->queries[i];
}
