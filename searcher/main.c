/*
 * main.c: the quarry-search command, a thin client of the public search API. Prints ranked
 * hits with highlighted snippets (bold on a terminal, [brackets] otherwise) or one JSON object
 * per hit, optionally with each score taken apart (--explain). `--queries FILE` runs a file of
 * queries instead, on -j threads that share the one opened index (one searcher each), and
 * prints every query's hits in the file's order. `--check INDEX` verifies the whole index
 * (quarry_index_verify, deep) and prints a report. Exit status: 0 success (also with no
 * results; --check: the index is sound), 1 error (missing or corrupt index, query syntax
 * error; --queries: any query failed), 2 usage error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarry/quarry.h"

#define TITLE_MAX  100  /* bytes of a title shown in human output */
#define MAX_JOBS   256  /* most threads -j accepts */
#define BATCH_SIZE 1024 /* --queries: queries answered between two writes of their output */

static void usage(FILE *out)
{
    fputs("usage: quarry-search [options] INDEX QUERY\n"
          "       quarry-search [options] INDEX --queries FILE [-j N]\n"
          "       quarry-search --check INDEX\n"
          "\n"
          "Searches the index folder INDEX and prints the best matches, best first.\n"
          "Query syntax: words (any may match; --and: all must), \"exact phrases\", +required,\n"
          "-excluded, AND, OR, NOT and ( ) as in Lucene. Example: '\"Delcy Rodriguez\" +embassy'\n"
          "\n"
          "options:\n"
          "  -k N           number of results (default 10)\n"
          "  --and          all words are required unless marked otherwise\n"
          "  --count        count every matching document exactly (slower: scores them all;\n"
          "                 otherwise the count may read \"at least N\")\n"
          "  --json         one JSON object per hit on standard output\n"
          "  --explain      under each hit, its BM25 score taken apart: per matching term or\n"
          "                 phrase tf, df, idf and score; dl, avgdl, N, k1, b (with --json: an\n"
          "                 \"explain\" member in each hit)\n"
          "  --k1 X, --b X  BM25 parameters (default 1.2 and 0.75)\n"
          "  --no-snippets  do not read document text\n"
          "  --color WHEN   highlight with bold: auto (default, on a terminal), always, never\n"
          "  --info         print facts about the index and exit\n"
          "  --queries FILE run every query of FILE ('-': standard input), one per line:\n"
          "                 'query' or 'qid<TAB>query' (more tab-separated fields are\n"
          "                 ignored; blank lines are skipped; without a qid, the line number\n"
          "                 is the qid). Prints one line per hit, 'qid<TAB>rank<TAB>id<TAB>\n"
          "                 score' (--json: {\"qid\",\"rank\",\"id\",\"score\"}), queries in\n"
          "                 the file's order; a failed query is reported on standard error\n"
          "                 as FILE:LINE and the others still run; a summary (queries,\n"
          "                 seconds, queries/s) goes to standard error\n"
          "  -j N           --queries: N threads (1..256, default 1) sharing the index\n"
          "  --check        verify every checksum and structure of the index, print a report\n"
          "                 and exit (0 sound, 1 corrupt)\n"
          "  -h, --help     this help\n"
          "  --version      print the version\n"
          "\n"
          "exit status: 0 ok (also with no results), 1 error (index or query, or --check\n"
          "found a problem, or --queries: a query failed), 2 usage\n",
          out);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes s[0..n) to f as the inside of a JSON string. */
static void json_str(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            putc(c, f);
    }
}

/* Writes s[0..n) on one line: runs of whitespace become one space. */
static void flat(const char *s, size_t n)
{
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = 1;
            continue;
        }
        if (space)
            putchar(' ');
        space = 0;
        putchar(c);
    }
}

static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* --check: the deep verification and its report. Returns the exit status. */
static int check_index(const quarry_index *ix, const char *path)
{
    quarry_verify_report rep;
    int rc = quarry_index_verify(&rep, ix, 1);
    printf("checking %s\n"
           "files        %llu\n"
           "bytes        %llu\n"
           "terms        %llu\n"
           "postings     %llu\n"
           "positions    %llu\n"
           "documents    %llu\n"
           "tokens       %llu\n"
           "store blocks %llu\n"
           "seconds      %.2f\n",
           path, (unsigned long long)rep.files_checked, (unsigned long long)rep.bytes_checked,
           (unsigned long long)rep.terms, (unsigned long long)rep.postings,
           (unsigned long long)rep.positions, (unsigned long long)rep.docs,
           (unsigned long long)rep.tokens, (unsigned long long)rep.store_blocks, rep.seconds);
    if (rc == QUARRY_OK) {
        puts("OK");
        return 0;
    }
    printf("FAILED: %s\n", rep.message[0] ? rep.message : quarry_strerror(rc));
    fflush(stdout);
    fprintf(stderr, "quarry-search: %s\n", rep.message[0] ? rep.message : quarry_strerror(rc));
    return 1;
}

/* --explain, text: the BM25 figures under a hit, one line per contributing clause (a phrase
 * adds a line per word), every score to 6 decimals. */
static void print_explain(const quarry_explanation *x)
{
    quarry_explain_doc d;
    quarry_explanation_get_doc(&d, x);
    size_t n = quarry_explanation_size(x), wpath = 0, wtext = 0;
    printf("    explain: %.6f = sum of %zu clause%s; dl %u, avgdl %.2f, N %llu, k1 %g, b %g\n",
           d.score, n, n == 1 ? "" : "s", d.dl, d.avgdl, (unsigned long long)d.docs, d.k1, d.b);
    for (size_t i = 0; i < n; i++) {
        quarry_explain_clause c;
        quarry_explanation_get(&c, x, i);
        wpath = c.path_len > wpath ? c.path_len : wpath;
        wtext = c.text_len + (c.required != 0) > wtext ? c.text_len + (c.required != 0) : wtext;
    }
    for (size_t i = 0; i < n; i++) {
        quarry_explain_clause c;
        quarry_explanation_get(&c, x, i);
        int pad = (int)(wtext - c.text_len - (c.required != 0));
        printf("      %-*.*s  %s%.*s%*s  tf %-3u ", (int)wpath, (int)c.path_len, c.path,
               c.required ? "+" : "", (int)c.text_len, c.text, pad, "", c.tf);
        if (c.phrase)
            printf("df %-6s", "-");
        else
            printf("df %-6u", c.df);
        printf(" idf %.6f  score %.6f\n", c.idf, c.score);
        for (size_t j = 0; c.phrase && j < c.nterms; j++)
            printf("      %*s    %.*s: tf %u, df %u, idf %.6f\n", (int)wpath, "",
                   (int)c.terms[j].term_len, c.terms[j].term, c.terms[j].tf, c.terms[j].df,
                   c.terms[j].idf);
    }
}

/* --explain --json: the "explain" member of a hit's object (full precision). */
static void print_explain_json(const quarry_explanation *x)
{
    quarry_explain_doc d;
    quarry_explanation_get_doc(&d, x);
    printf(",\"explain\":{\"score\":%.17g,\"dl\":%u,\"avgdl\":%.17g,\"N\":%llu,\"k1\":%.17g,"
           "\"b\":%.17g,\"clauses\":[",
           d.score, d.dl, d.avgdl, (unsigned long long)d.docs, d.k1, d.b);
    for (size_t i = 0; i < quarry_explanation_size(x); i++) {
        quarry_explain_clause c;
        quarry_explanation_get(&c, x, i);
        printf("%s{\"path\":\"", i ? "," : "");
        json_str(stdout, c.path, c.path_len);
        fputs("\",\"text\":\"", stdout);
        json_str(stdout, c.text, c.text_len);
        printf("\",\"phrase\":%s,\"required\":%s,\"tf\":%u,", c.phrase ? "true" : "false",
               c.required ? "true" : "false", c.tf);
        if (!c.phrase)
            printf("\"df\":%u,", c.df);
        printf("\"idf\":%.17g,\"score\":%.17g,\"terms\":[", c.idf, c.score);
        for (size_t j = 0; j < c.nterms; j++) {
            printf("%s{\"term\":\"", j ? "," : "");
            json_str(stdout, c.terms[j].term, c.terms[j].term_len);
            printf("\",\"tf\":%u,\"df\":%u,\"idf\":%.17g}", c.terms[j].tf, c.terms[j].df,
                   c.terms[j].idf);
        }
        fputs("]}", stdout);
    }
    fputs("]}", stdout);
}

/* ----- --queries: many queries on many threads ------------------------------------------ */

/* One query of a --queries file. */
typedef struct bquery {
    const char *qid;  /* its id (not NUL-terminated); NULL: the line number is the id */
    size_t qid_len;   /* bytes in qid */
    const char *text; /* the query (not NUL-terminated) */
    size_t len;       /* bytes in text */
    size_t line;      /* 1-based line number in the file */
} bquery;

/* The answer to one query: made by whichever worker took it, written by the main thread. */
typedef struct banswer {
    char *out;      /* its output lines (malloc'd by open_memstream); NULL if none */
    size_t out_len; /* bytes in out */
    char *err;      /* "FILE:LINE: message" (malloc'd) if the query failed, else NULL */
    int failed;     /* the query failed (also when err could not be allocated) */
} banswer;

/* What the workers share. Only `next` changes while they run. */
typedef struct batch {
    const bquery *qs;               /* every query of the file */
    banswer *ans;                   /* their answers, indexed like qs */
    size_t end;                     /* end of the current slice of qs */
    atomic_size_t next;             /* next query to take: the only shared mutable state */
    const quarry_search_options *o; /* options of every search */
    int json;                       /* JSON lines instead of tab-separated lines */
    const char *file;               /* the query file's name, for messages */
} batch;

/* One thread's state. */
typedef struct worker {
    batch *b;           /* the shared batch */
    quarry_searcher *s; /* its own searcher on the shared index */
    pthread_t tid;      /* its thread (the main thread runs worker 0 itself) */
} worker;

/* Writes a query's id: its own, or its line number. */
static void put_qid(FILE *f, const bquery *q, int json)
{
    if (!q->qid)
        fprintf(f, json ? "\"%zu\"" : "%zu", q->line);
    else if (json) {
        putc('"', f);
        json_str(f, q->qid, q->qid_len);
        putc('"', f);
    } else
        fwrite(q->qid, 1, q->qid_len, f);
}

/* Answers query i into b->ans[i]. */
static void run_query(worker *w, size_t i)
{
    batch *b = w->b;
    const bquery *q = &b->qs[i];
    banswer *a = &b->ans[i];
    quarry_results *r = NULL;
    const char *msg = NULL;
    FILE *f = NULL;
    if (quarry_searcher_search(&r, w->s, q->text, q->len, b->o) != QUARRY_OK)
        msg = quarry_searcher_errmsg(w->s);
    else if (!(f = open_memstream(&a->out, &a->out_len)))
        msg = "out of memory";
    for (size_t k = 0; f && k < quarry_results_size(r); k++) {
        quarry_hit h;
        quarry_results_get(&h, r, k);
        if (b->json) {
            fputs("{\"qid\":", f);
            put_qid(f, q, 1);
            fprintf(f, ",\"rank\":%zu,\"id\":\"", k + 1);
            json_str(f, h.id, h.id_len);
            fprintf(f, "\",\"score\":%.17g}\n", h.score);
            continue;
        }
        put_qid(f, q, 0);
        fprintf(f, "\t%zu\t", k + 1);
        for (size_t j = 0; j < h.id_len; j++) /* keep the line's four fields apart */
            putc(h.id[j] == '\t' || h.id[j] == '\n' || h.id[j] == '\r' ? ' ' : h.id[j], f);
        fprintf(f, "\t%.17g\n", h.score);
    }
    if (f && fclose(f) != 0)
        msg = "out of memory";
    quarry_results_free(r);
    if (msg) {
        free(a->out);
        a->out = NULL;
        a->failed = 1;
        int n = snprintf(NULL, 0, "%s:%zu: %s", b->file, q->line, msg);
        if (n >= 0 && (a->err = malloc((size_t)n + 1)))
            snprintf(a->err, (size_t)n + 1, "%s:%zu: %s", b->file, q->line, msg);
    }
}

/* Takes queries of the current slice until none is left. No lock: one atomic counter. */
static void *work(void *arg)
{
    worker *w = arg;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&w->b->next, 1, memory_order_relaxed);
        if (i >= w->b->end)
            return NULL;
        run_query(w, i);
    }
}

/* Reads the whole file (or standard input for "-") into a malloc'd buffer. NULL on failure,
 * with errno set. */
static char *slurp(const char *path, size_t *size)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    while (data && (n += fread(data + n, 1, cap - n, f)) == cap) {
        char *grown = cap < SIZE_MAX / 2 ? realloc(data, cap * 2) : NULL;
        if (!grown)
            free(data);
        data = grown;
        cap *= 2;
    }
    int err = !data ? ENOMEM : ferror(f) ? EIO : 0;
    if (f != stdin)
        fclose(f);
    if (err) {
        free(data);
        errno = err;
        return NULL;
    }
    *size = n;
    return data;
}

/* Splits data[0..size) into queries (see usage). Returns the malloc'd array (*n entries), or
 * NULL when out of memory. */
static bquery *split_queries(char *data, size_t size, size_t *n)
{
    size_t cap = 0, lines = 0;
    bquery *qs = NULL;
    *n = 0;
    for (size_t at = 0; at < size; lines++) {
        char *line = data + at, *nl = memchr(line, '\n', size - at);
        size_t len = nl ? (size_t)(nl - line) : size - at;
        at += len + (nl != NULL);
        if (len && line[len - 1] == '\r')
            len--;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\f' || line[k] == '\v'))
            k++;
        if (k == len)
            continue; /* blank */
        bquery q = {NULL, 0, line, len, lines + 1};
        char *tab = memchr(line, '\t', len);
        if (tab) {
            q.qid = line;
            q.qid_len = (size_t)(tab - line);
            q.text = tab + 1;
            char *tab2 = memchr(q.text, '\t', len - q.qid_len - 1);
            q.len = tab2 ? (size_t)(tab2 - q.text) : len - q.qid_len - 1;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            bquery *grown = cap < SIZE_MAX / sizeof *qs ? realloc(qs, cap * sizeof *qs) : NULL;
            if (!grown) {
                free(qs);
                return NULL;
            }
            qs = grown;
        }
        qs[(*n)++] = q;
    }
    return qs ? qs : malloc(1);
}

/* --queries: runs every query of `file` on `jobs` threads over ix and prints the answers in
 * the file's order. Returns the exit status. */
static int run_queries(quarry_index *ix, const quarry_search_options *o, const char *file,
                       size_t jobs, int json)
{
    int status = 1;
    size_t size, nq = 0, failed = 0;
    char *data = slurp(file, &size);
    bquery *qs = NULL;
    banswer *ans = NULL;
    worker w[MAX_JOBS] = {{0}};
    batch b = {.o = o, .json = json, .file = file};
    if (!data) {
        fprintf(stderr, "quarry-search: %s: %s\n", file, strerror(errno));
        return 1;
    }
    if (!(qs = split_queries(data, size, &nq)) || !(ans = calloc(nq ? nq : 1, sizeof *ans))) {
        fprintf(stderr, "quarry-search: out of memory\n");
        goto done;
    }
    b.qs = qs;
    b.ans = ans;
    for (size_t t = 0; t < jobs; t++) {
        w[t].b = &b;
        int rc = quarry_searcher_create(&w[t].s, ix);
        if (rc != QUARRY_OK) {
            fprintf(stderr, "quarry-search: %s\n", quarry_strerror(rc));
            goto done;
        }
    }
    double t0 = now();
    for (size_t start = 0; start < nq; start = b.end) {
        b.end = nq - start > BATCH_SIZE ? start + BATCH_SIZE : nq;
        atomic_store_explicit(&b.next, start, memory_order_relaxed);
        size_t threads = jobs < b.end - start ? jobs : b.end - start, started = 1;
        for (; started < threads; started++) /* thread creation publishes b to the workers */
            if (pthread_create(&w[started].tid, NULL, work, &w[started]) != 0)
                break; /* fewer threads: the others take more queries */
        work(&w[0]);
        for (size_t t = 1; t < started; t++) /* joining makes their answers visible here */
            pthread_join(w[t].tid, NULL);
        for (size_t i = start; i < b.end; i++) {
            if (ans[i].out)
                fwrite(ans[i].out, 1, ans[i].out_len, stdout);
            if (ans[i].failed) {
                fflush(stdout);
                fprintf(stderr, "quarry-search: %s\n", ans[i].err ? ans[i].err : "out of memory");
                failed++;
            }
            free(ans[i].out);
            free(ans[i].err);
        }
    }
    fflush(stdout);
    double secs = now() - t0;
    fprintf(stderr, "%zu quer%s (%zu failed) in %.3f s: %.1f queries/s, %zu thread%s\n", nq,
            nq == 1 ? "y" : "ies", failed, secs, secs > 0 ? (double)nq / secs : 0.0, jobs,
            jobs == 1 ? "" : "s");
    status = failed ? 1 : 0;
done:
    for (size_t t = 0; t < jobs; t++)
        quarry_searcher_free(w[t].s);
    free(ans);
    free(qs);
    free(data);
    return status;
}

int main(int argc, char **argv)
{
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    const char *index = NULL, *query = NULL, *queries = NULL;
    size_t jobs = 0;
    int json = 0, info = 0, check = 0, explain = 0, color = -1, status = 1;
    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    quarry_results *r = NULL;
    quarry_explanation *x = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_arg = i + 1 < argc;
        double v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("quarry-search %s\n", quarry_version_string());
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--explain")) {
            explain = 1;
        } else if (!strcmp(a, "--and")) {
            o.default_and = 1;
        } else if (!strcmp(a, "--count")) {
            o.count = 1;
        } else if (!strcmp(a, "--no-snippets")) {
            o.snippet_bytes = 0;
        } else if (!strcmp(a, "--info")) {
            info = 1;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if ((!strcmp(a, "-k") || !strcmp(a, "--k1") || !strcmp(a, "--b")) && has_arg) {
            if (parse_num(argv[++i], &v) || v < 0 || (a[1] == 'k' && (v > 1e6 || v != (size_t)v))) {
                fprintf(stderr, "quarry-search: bad value '%s' for %s\n", argv[i], a);
                return 2;
            }
            if (!strcmp(a, "-k"))
                o.k = (size_t)v;
            else if (!strcmp(a, "--k1"))
                o.k1 = v;
            else
                o.b = v;
        } else if (!strcmp(a, "--queries") && has_arg) {
            queries = argv[++i];
        } else if (!strcmp(a, "-j") && has_arg) {
            if (parse_num(argv[++i], &v) || v < 1 || v > MAX_JOBS || v != (size_t)v) {
                fprintf(stderr, "quarry-search: bad value '%s' for -j (1..%d)\n", argv[i],
                        MAX_JOBS);
                return 2;
            }
            jobs = (size_t)v;
        } else if (!strcmp(a, "--color") && has_arg) {
            const char *w = argv[++i];
            color = !strcmp(w, "always")  ? 1
                    : !strcmp(w, "never") ? 0
                    : !strcmp(w, "auto")  ? -1
                                          : -2;
            if (color == -2) {
                fprintf(stderr, "quarry-search: --color takes auto, always or never\n");
                return 2;
            }
        } else if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            fprintf(stderr, "quarry-search: unknown option %s (see --help)\n", a);
            return 2;
        } else if (!index) {
            index = a;
        } else if (!query) {
            query = a;
        } else {
            fprintf(stderr, "quarry-search: one query only (quote it: '%s ...')\n", query);
            return 2;
        }
    }
    if (!index || (!query && !info && !check && !queries) || (check && (query || info)) ||
        (queries && (query || info || check || explain)) || (jobs && !queries)) {
        usage(stderr);
        return 2;
    }
    if (color < 0)
        color = isatty(STDOUT_FILENO);

    int rc = quarry_index_open(&ix, index);
    if (rc != QUARRY_OK) {
        fprintf(stderr, "quarry-search: %s\n", ix ? quarry_index_errmsg(ix) : quarry_strerror(rc));
        goto done;
    }
    if (check) {
        status = check_index(ix, index);
        goto done;
    }
    if (queries) {
        o.snippet_bytes = 0; /* the lines carry no snippet */
        status = run_queries(ix, &o, queries, jobs ? jobs : 1, json);
        goto done;
    }
    if (info) {
        quarry_index_info in;
        quarry_index_get_info(&in, ix);
        printf("format version %u, generation %llu, %llu documents, %llu deleted, %u segments, "
               "%llu terms%s, %llu tokens, %llu bytes, language %s\n",
               in.format_version, (unsigned long long)in.generation, (unsigned long long)in.docs,
               (unsigned long long)in.deleted, in.segments, (unsigned long long)in.terms,
               in.segments > 1 ? " (largest segment)" : "", (unsigned long long)in.tokens,
               (unsigned long long)in.index_bytes, in.language);
        status = 0;
        goto done;
    }
    rc = quarry_searcher_create(&s, ix);
    if (rc != QUARRY_OK) {
        fprintf(stderr, "quarry-search: %s\n", quarry_strerror(rc));
        goto done;
    }
    double t0 = now();
    rc = quarry_searcher_search(&r, s, query, strlen(query), &o);
    double ms = (now() - t0) * 1e3;
    if (rc != QUARRY_OK) {
        fprintf(stderr, "quarry-search: %s\n", quarry_searcher_errmsg(s));
        goto done;
    }
    size_t n = quarry_results_size(r);
    for (size_t i = 0; i < n; i++) {
        quarry_hit h;
        quarry_results_get(&h, r, i);
        quarry_explanation_free(x);
        x = NULL;
        if (explain && quarry_searcher_explain(&x, s, query, strlen(query), &o, h.docid)) {
            fprintf(stderr, "quarry-search: %s\n", quarry_searcher_errmsg(s));
            goto done;
        }
        if (json) {
            printf("{\"rank\":%zu,\"id\":\"", i + 1);
            json_str(stdout, h.id, h.id_len);
            printf("\",\"score\":%.17g,\"title\":\"", h.score);
            json_str(stdout, h.title, h.title_len);
            fputs("\"", stdout);
            if (h.snippet) {
                fputs(",\"snippet\":\"", stdout);
                json_str(stdout, h.snippet, h.snippet_len);
                fputs("\",\"highlights\":[", stdout);
                for (size_t j = 0; j < h.nspans; j++)
                    printf("%s[%zu,%zu]", j ? "," : "", h.spans[j].start, h.spans[j].len);
                fputs("]", stdout);
            }
            if (x)
                print_explain_json(x);
            fputs("}\n", stdout);
            continue;
        }
        printf("%2zu. %.4f  %.*s\n    ", i + 1, h.score, (int)h.id_len, h.id);
        size_t tl = h.title_len;
        if (tl > TITLE_MAX) { /* cut long titles at a character boundary */
            tl = TITLE_MAX;
            while (tl > 0 && ((unsigned char)h.title[tl] & 0xC0) == 0x80)
                tl--;
        }
        flat(h.title, tl);
        fputs(tl < h.title_len ? " ...\n" : "\n", stdout);
        if (h.snippet) {
            fputs("    ", stdout);
            if (h.snippet_offset > 0)
                fputs("... ", stdout);
            size_t at = 0;
            for (size_t j = 0; j < h.nspans; j++) {
                flat(h.snippet + at, h.spans[j].start - at);
                if (h.spans[j].start > at && strchr(" \n\t\r", h.snippet[h.spans[j].start - 1]))
                    putchar(' ');
                fputs(color ? "\033[1m" : "[", stdout);
                fwrite(h.snippet + h.spans[j].start, 1, h.spans[j].len, stdout);
                fputs(color ? "\033[0m" : "]", stdout);
                at = h.spans[j].start + h.spans[j].len;
            }
            flat(h.snippet + at, h.snippet_len - at);
            if (h.snippet_offset + h.snippet_len < h.text_len)
                fputs(" ...", stdout);
            putchar('\n');
        }
        if (x)
            print_explain(x);
    }
    if (!json) {
        uint64_t total = quarry_results_total(r);
        if (total == 0)
            printf("no results (%.2f ms)\n", ms);
        else
            printf("%zu of %s%llu matching document%s (%.2f ms)\n", n,
                   quarry_results_total_is_exact(r) ? "" : "at least ", (unsigned long long)total,
                   total == 1 ? "" : "s", ms);
    }
    status = 0;
done:
    quarry_explanation_free(x);
    quarry_results_free(r);
    quarry_searcher_free(s);
    quarry_index_close(ix);
    return status;
}
