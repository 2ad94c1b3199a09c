/*
 * quarry-bench.c: the benchmark driver. Measures indexing (time, CPU, memory, throughput, index
 * size by component, bits per posting) and searching (per-query latency, percentiles and
 * queries/s, overall and per query class, with one or more threads), and writes TREC runs for
 * the quality evaluation (quarry-eval). It is a thin client of the public API (quarry/quarry.h)
 * only, like the other command-line tools. Called by hand, by `make bench`, by
 * bench/quality.sh and by bench/peer/run (the peers' harness interface); bench/README.md
 * explains every figure it prints.
 *
 *   quarry-bench index CORPUS.jsonl INDEXDIR [--language L] [--json FILE] [--peer-format]
 *   quarry-bench search INDEXDIR QUERIES [-k K] [--mode or|and] [-j THREADS] [--passes N]
 *                [--warmup N] [--json FILE] [--run FILE] [--lat FILE] [--peer-semantics]
 *                [--peer-format] [--print-queries] [--k1 X] [--b X]
 *
 * Query semantics under --peer-semantics follow the peers' harness (split into word and phrase
 * units, no operators): see peer_convert(). Percentiles are nearest-rank, as the harness's.
 *
 * Exit status: 0 success; 1 failure; 2 usage; 3 done, but some input records were skipped
 * (index) or some queries failed (search: each is reported on stderr and left out of the
 * figures). With --peer-format those two cases exit 0, as the peers do, since the harness
 * discards the output of a failing command.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "quarry/quarry.h"

#define PROG        "quarry-bench"
#define RUN_TAG     "quarry" /* last column of the TREC runs */
#define MAX_THREADS 256

/* ---------------------------------------------------------------------------------------------
 * Small helpers: clock, memory, growable text, number formatting, machine description.
 * ------------------------------------------------------------------------------------------- */

/* Monotonic wall clock in seconds. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Allocation that cannot fail: a benchmark without memory has nothing sensible to report. */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs(PROG ": out of memory\n", stderr);
        exit(1);
    }
    return q;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs(PROG ": out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xrealloc(NULL, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* A growable byte string, always NUL-terminated once anything was put in it. */
typedef struct sbuf {
    char *p;    /* bytes */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_reset(sbuf *b)
{
    b->len = 0;
    sb_put(b, "", 0);
}

/* Formats v with thousands separators ("1,234,567") into buf (at least 32 bytes). */
static const char *commas(char *buf, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

/* Parses a non-negative decimal integer; returns 0 on success. */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Parses a finite number; returns 0 on success. */
static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Where and when a measurement was taken (recorded in every JSON result). */
typedef struct host_info {
    char date[32]; /* UTC, ISO 8601 */
    char os[200];  /* uname: system, release, machine */
    char cpu[200]; /* model name from /proc/cpuinfo, "?" when unknown */
    long cores;    /* online processors */
    double load1;  /* 1-minute load average before the measurement, -1 if unknown */
} host_info;

static void host_get(host_info *h)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(h->date, sizeof h->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(h->os, sizeof h->os, "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(h->os, sizeof h->os, "?");
    snprintf(h->cpu, sizeof h->cpu, "?");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    c += 1 + (c[1] == ' ');
                    c[strcspn(c, "\n")] = '\0';
                    snprintf(h->cpu, sizeof h->cpu, "%s", c);
                }
                break;
            }
        }
        fclose(f);
    }
    h->cores = sysconf(_SC_NPROCESSORS_ONLN);
    h->load1 = -1;
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &h->load1) != 1)
            h->load1 = -1;
        fclose(f);
    }
}

/* ---------------------------------------------------------------------------------------------
 * JSON writer: just enough for flat objects of numbers and strings, nested a few levels.
 * ------------------------------------------------------------------------------------------- */

typedef struct json {
    FILE *f;       /* destination */
    int depth;     /* open objects */
    int first[16]; /* per depth: no member written yet */
} json;

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

/* Writes the separator, indentation and `"key": ` of the next member. */
static void json_key(json *j, const char *key)
{
    fputs(j->first[j->depth] ? "\n" : ",\n", j->f);
    j->first[j->depth] = 0;
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
    json_string(j->f, key);
    fputs(": ", j->f);
}

/* Opens an object: the top-level one when key is NULL, else a member. */
static void json_open(json *j, const char *key)
{
    if (key)
        json_key(j, key);
    fputc('{', j->f);
    j->first[++j->depth] = 1;
}

static void json_close(json *j)
{
    int empty = j->first[j->depth];
    j->depth--;
    if (!empty) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    fputc('}', j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

static void json_str(json *j, const char *key, const char *v)
{
    json_key(j, key);
    json_string(j->f, v);
}

/* A number with `decimals` digits after the point; NaN and infinities become null. */
static void json_num(json *j, const char *key, double v, int decimals)
{
    json_key(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.*f", decimals, v);
    else
        fputs("null", j->f);
}

static void json_u64(json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

static void json_host(json *j, const host_info *h)
{
    json_open(j, "host");
    json_str(j, "date", h->date);
    json_str(j, "os", h->os);
    json_str(j, "cpu", h->cpu);
    json_u64(j, "cores", (uint64_t)(h->cores > 0 ? h->cores : 0));
    json_num(j, "load1_before", h->load1, 2);
    json_close(j);
}

/* Opens `path` for writing ("-" = standard output). */
static FILE *open_out(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* Closes a file from open_out; returns 0, or -1 (reported) if a write failed. */
static int close_out(FILE *f, const char *path)
{
    int bad = ferror(f);
    if (f == stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, PROG ": error writing %s\n", path);
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * index: build an index and measure it.
 * ------------------------------------------------------------------------------------------- */

/* What a kind of index file holds, for the size breakdown and bits per posting. */
enum file_role {
    ROLE_POSTINGS,  /* document ids, frequencies, skip data: counted in bits/posting */
    ROLE_POSITIONS, /* positions: counted in bits/posting with positions */
    ROLE_STORE,     /* document store: left out of the peers' index_bytes */
    ROLE_OTHER      /* dictionary, document table, manifest, anything unknown */
};

/* Known index files by extension, in display order (docs/FORMAT.md names them). */
static const struct file_kind {
    const char *ext;  /* extension after the last '.', or the whole name for MANIFEST */
    const char *name; /* what it holds */
    int role;         /* enum file_role */
} file_kinds[] = {
    {"dict", "dictionary", ROLE_OTHER},     {"post", "doc ids + freqs", ROLE_POSTINGS},
    {"skip", "skip data", ROLE_POSTINGS},   {"pos", "positions", ROLE_POSITIONS},
    {"docs", "document table", ROLE_OTHER}, {"store", "document store", ROLE_STORE},
    {"MANIFEST", "manifest", ROLE_OTHER},
};
#define NKINDS         (sizeof file_kinds / sizeof file_kinds[0])
#define MAX_COMPONENTS 32

/* Bytes of one kind of file in the index folder. */
typedef struct component {
    char ext[32];     /* extension (or "MANIFEST") */
    const char *name; /* from file_kinds, or "other" */
    int role;         /* enum file_role */
    int order;        /* display order */
    uint64_t bytes;   /* sum of the sizes */
    unsigned files;   /* number of files */
} component;

static int cmp_component(const void *a, const void *b)
{
    const component *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->ext, y->ext);
}

/*
 * Sums the sizes of the index files in `dir` by kind: MANIFEST and the "seg_*" files (not
 * "*.tmp"); files that are not quarry's (a peer marker, say) are ignored. Returns the number of
 * components (sorted for display), or -1 when the folder cannot be read.
 */
static int scan_components(component *out, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    sbuf path = {0};
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name, *ext;
        size_t len = strlen(nm);
        if (strcmp(nm, "MANIFEST") == 0)
            ext = nm;
        else if (strncmp(nm, "seg_", 4) == 0 && !(len > 4 && strcmp(nm + len - 4, ".tmp") == 0) &&
                 strrchr(nm, '.'))
            ext = strrchr(nm, '.') + 1;
        else
            continue;
        sb_reset(&path);
        sb_put(&path, dir, strlen(dir));
        sb_put(&path, "/", 1);
        sb_put(&path, nm, len);
        struct stat st;
        if (stat(path.p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        int i = 0;
        while (i < n && strcmp(out[i].ext, ext) != 0)
            i++;
        if (i == n) {
            size_t elen = strlen(ext);
            if (n == MAX_COMPONENTS || elen >= sizeof out[n].ext)
                continue;
            memset(&out[n], 0, sizeof out[n]);
            memcpy(out[n].ext, ext, elen);
            out[n].name = "other";
            out[n].role = ROLE_OTHER;
            out[n].order = (int)NKINDS;
            for (size_t k = 0; k < NKINDS; k++) {
                if (strcmp(file_kinds[k].ext, ext) == 0) {
                    out[n].name = file_kinds[k].name;
                    out[n].role = file_kinds[k].role;
                    out[n].order = (int)k;
                }
            }
            if (strcmp(ext, "MANIFEST") == 0)
                out[n].order = (int)NKINDS + 1; /* last, after unknown kinds */
            n++;
        }
        out[i].bytes += (uint64_t)st.st_size;
        out[i].files++;
    }
    closedir(d);
    free(path.p);
    qsort(out, (size_t)n, sizeof *out, cmp_component);
    return n;
}

/* Counts skipped input records and shows the first few. */
typedef struct warn_state {
    uint64_t count; /* warnings received */
} warn_state;

static void on_warn(void *ctx, const char *msg)
{
    warn_state *w = ctx;
    if (w->count++ < 10)
        fprintf(stderr, PROG ": warning: %s\n", msg);
    else if (w->count == 11)
        fputs(PROG ": warning: more records skipped (not shown)\n", stderr);
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static void index_usage(FILE *to)
{
    fputs("usage: " PROG " index CORPUS.jsonl INDEXDIR [options]\n"
          "Builds INDEXDIR from a JSON Lines corpus ({\"id\",\"title\",\"text\"} per line) and\n"
          "prints time, CPU, peak memory, throughput and the index size by component.\n"
          "  --language L   Snowball stemmer language (default english; none = no stemming)\n"
          "  --json FILE    also write the figures as JSON ('-' = standard output)\n"
          "  --peer-format  print '# ' lines and a last line 'index_seconds=S index_bytes=B\n"
          "                 docs=N' (B without the document store), as peers/README.md asks\n",
          to);
}

static int cmd_index(int argc, char **argv)
{
    const char *corpus = NULL, *dir = NULL, *json_path = NULL, *language = NULL;
    int peer_format = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            index_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--language") || !strcmp(a, "-l") || !strcmp(a, "--json")) {
            if (i + 1 == argc) {
                fprintf(stderr, PROG ": %s needs an argument\n", a);
                return 2;
            }
            if (!strcmp(a, "--json"))
                json_path = argv[++i];
            else
                language = argv[++i];
        } else if (!strcmp(a, "--peer-format")) {
            peer_format = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, PROG ": unknown option %s\n", a);
            index_usage(stderr);
            return 2;
        } else if (!corpus) {
            corpus = a;
        } else if (!dir) {
            dir = a;
        } else {
            index_usage(stderr);
            return 2;
        }
    }
    if (!corpus || !dir) {
        index_usage(stderr);
        return 2;
    }

    host_info host;
    host_get(&host);
    warn_state ws = {0};
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.language = language;
    o.warn = on_warn;
    o.warn_ctx = &ws;

    /* The measured part: open, read and invert every document, commit. */
    struct rusage r0, r1;
    quarry_writer *w = NULL;
    getrusage(RUSAGE_SELF, &r0);
    double t0 = now();
    int rc = quarry_writer_open(&w, dir, &o);
    if (rc == QUARRY_OK)
        rc = quarry_writer_add_jsonl(w, corpus);
    double t1 = now();
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    double t2 = now();
    getrusage(RUSAGE_SELF, &r1);
    if (rc != QUARRY_OK) {
        fprintf(stderr, PROG ": %s\n", w ? quarry_writer_errmsg(w) : quarry_strerror(rc));
        quarry_writer_free(w);
        return 1;
    }
    quarry_writer_stats st;
    quarry_writer_get_stats(&st, w);
    quarry_writer_free(w);

    double wall = t2 - t0;
    double user = tv_seconds(r1.ru_utime) - tv_seconds(r0.ru_utime);
    double sys = tv_seconds(r1.ru_stime) - tv_seconds(r0.ru_stime);
    uint64_t peak_rss = (uint64_t)r1.ru_maxrss * 1024; /* Linux reports KiB */

    component comp[MAX_COMPONENTS];
    int ncomp = scan_components(comp, dir);
    if (ncomp < 0) {
        fprintf(stderr, PROG ": cannot read %s: %s\n", dir, strerror(errno));
        return 1;
    }
    uint64_t total = 0, store = 0, post = 0, pos = 0;
    for (int i = 0; i < ncomp; i++) {
        total += comp[i].bytes;
        store += comp[i].role == ROLE_STORE ? comp[i].bytes : 0;
        post += comp[i].role == ROLE_POSTINGS ? comp[i].bytes : 0;
        pos += comp[i].role == ROLE_POSITIONS ? comp[i].bytes : 0;
    }
    /* Cross-check the folder scan with the index's own count of its files. */
    quarry_index *ix = NULL;
    quarry_index_info info;
    memset(&info, 0, sizeof info);
    char lang[64] = "?";
    if (quarry_index_open(&ix, dir) == QUARRY_OK && quarry_index_get_info(&info, ix) == QUARRY_OK) {
        snprintf(lang, sizeof lang, "%s", info.language);
        uint64_t manifest = 0;
        for (int i = 0; i < ncomp; i++)
            manifest += strcmp(comp[i].ext, "MANIFEST") == 0 ? comp[i].bytes : 0;
        /* The index counts its files with or without the MANIFEST. */
        if (info.index_bytes != total && info.index_bytes != total - manifest)
            fprintf(stderr,
                    PROG ": warning: the folder's index files hold %llu bytes, the index "
                         "counts %llu\n",
                    (unsigned long long)total, (unsigned long long)info.index_bytes);
    } else {
        fprintf(stderr, PROG ": warning: cannot reopen %s: %s\n", dir,
                ix ? quarry_index_errmsg(ix) : "?");
    }
    quarry_index_close(ix);

    double mbs = wall > 0 ? (double)st.bytes_in / 1e6 / wall : 0;
    double dps = wall > 0 ? (double)st.docs / wall : 0;
    double bpp = st.postings ? 8.0 * (double)post / (double)st.postings : 0;
    double bppp = st.postings ? 8.0 * (double)(post + pos) / (double)st.postings : 0;
    double bpos = st.tokens ? 8.0 * (double)pos / (double)st.tokens : 0;

    /* Human table; in peer format every line is a '#' comment before the harness line. */
    const char *pf = peer_format ? "# " : "";
    char a[32], b[32], c[32];
    printf("%squarry-bench index %s -> %s (quarry %s, format %u, language %s)\n", pf, corpus, dir,
           quarry_version_string(), info.format_version, lang);
    printf("%s  documents      %s (%s skipped)\n", pf, commas(a, st.docs), commas(b, st.skipped));
    printf("%s  input          %s bytes (%.2f MB)\n", pf, commas(a, st.bytes_in),
           (double)st.bytes_in / 1e6);
    printf("%s  wall           %.3f s (add %.3f s, commit %.3f s)\n", pf, wall, t1 - t0, t2 - t1);
    printf("%s  cpu            %.3f s (user %.3f s, sys %.3f s)\n", pf, user + sys, user, sys);
    printf("%s  throughput     %.2f MB/s, %.0f docs/s\n", pf, mbs, dps);
    printf("%s  peak RSS       %.1f MB\n", pf, (double)peak_rss / 1e6);
    printf("%s  terms          %s, postings %s, tokens %s\n", pf, commas(a, st.terms),
           commas(b, st.postings), commas(c, st.tokens));
    printf("%s\n%s  %-16s %-9s %15s %7s\n", pf, pf, "component", "file", "bytes", "share");
    for (int i = 0; i < ncomp; i++) {
        const char *dot = strcmp(comp[i].ext, "MANIFEST") ? "." : "";
        printf("%s  %-16s %s%-*s %15s %6.1f%%\n", pf, comp[i].name, dot, 9 - (int)strlen(dot),
               comp[i].ext, commas(a, comp[i].bytes),
               total ? 100.0 * (double)comp[i].bytes / (double)total : 0.0);
    }
    printf("%s  %-26s %15s\n", pf, "total", commas(a, total));
    printf("%s  %-26s %15s\n", pf, "total without store", commas(a, total - store));
    printf("%s\n%s  bits/posting (doc ids, freqs, skips)  %6.2f\n", pf, pf, bpp);
    printf("%s  bits/posting (with positions)         %6.2f\n", pf, bppp);
    printf("%s  bits/position                         %6.2f\n", pf, bpos);
    if (peer_format) {
        printf("# build_seconds=%.3f commit_seconds=%.3f cpu_seconds=%.3f peak_rss_bytes=%llu\n",
               t1 - t0, t2 - t1, user + sys, (unsigned long long)peak_rss);
        printf("# store_bytes=%llu (document store, not in index_bytes) "
               "index_bytes_with_store=%llu\n",
               (unsigned long long)store, (unsigned long long)total);
        if (st.skipped)
            printf("# skipped=%llu input records (see stderr)\n", (unsigned long long)st.skipped);
        printf("index_seconds=%.3f index_bytes=%llu docs=%llu\n", wall,
               (unsigned long long)(total - store), (unsigned long long)st.docs);
    }
    fflush(stdout);

    if (json_path) {
        FILE *f = open_out(json_path);
        if (!f)
            return 1;
        json j = {f, 0, {0}};
        json_open(&j, NULL);
        json_str(&j, "kind", "index");
        json_str(&j, "quarry_version", quarry_version_string());
        json_host(&j, &host);
        json_str(&j, "corpus", corpus);
        json_str(&j, "index_dir", dir);
        json_str(&j, "language", lang);
        json_u64(&j, "format_version", info.format_version);
        json_u64(&j, "docs", st.docs);
        json_u64(&j, "skipped", st.skipped);
        json_u64(&j, "input_bytes", st.bytes_in);
        json_u64(&j, "terms", st.terms);
        json_u64(&j, "postings", st.postings);
        json_u64(&j, "tokens", st.tokens);
        json_num(&j, "wall_seconds", wall, 4);
        json_num(&j, "add_seconds", t1 - t0, 4);
        json_num(&j, "commit_seconds", t2 - t1, 4);
        json_num(&j, "cpu_seconds", user + sys, 4);
        json_num(&j, "user_seconds", user, 4);
        json_num(&j, "sys_seconds", sys, 4);
        json_num(&j, "mb_per_s", mbs, 3);
        json_num(&j, "docs_per_s", dps, 1);
        json_u64(&j, "peak_rss_bytes", peak_rss);
        json_u64(&j, "index_bytes", total);
        json_u64(&j, "index_bytes_without_store", total - store);
        json_open(&j, "components");
        for (int i = 0; i < ncomp; i++)
            json_u64(&j, comp[i].ext, comp[i].bytes);
        json_close(&j);
        json_num(&j, "bits_per_posting", bpp, 3);
        json_num(&j, "bits_per_posting_with_positions", bppp, 3);
        json_num(&j, "bits_per_position", bpos, 3);
        json_close(&j);
        if (close_out(f, json_path) != 0)
            return 1;
    }
    return st.skipped && !peer_format ? 3 : 0; /* the peers skip bad records and go on */
}

/* ---------------------------------------------------------------------------------------------
 * Queries: reading the file, classes, and the peers' query semantics.
 * ------------------------------------------------------------------------------------------- */

enum query_class { CLASS_TERM, CLASS_UNION, CLASS_INTERSECTION, CLASS_PHRASE, CLASS_MIXED, NCLASS };
static const char *const class_names[NCLASS] = {"term", "union", "intersection", "phrase", "mixed"};

/* One query of the file. */
typedef struct bench_query {
    char *qid;  /* first column, or the query's ordinal (1-based) when the line has no TAB */
    char *text; /* the query as written in the file */
    size_t len; /* bytes in text */
    int cls;    /* enum query_class */
} bench_query;

/* The peers' white space (harness.h): space, \t, \n, \r, \f, \v. */
static int peer_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Counts of the units a conversion produced. */
typedef struct unit_counts {
    int words;   /* word units */
    int phrases; /* phrase units (two or more words) */
} unit_counts;

/* Appends the word units of [s, e) (split on white space), each as a quoted quarry word. */
static void peer_words(sbuf *b, const char *s, const char *e, unit_counts *n)
{
    while (s < e) {
        while (s < e && peer_space(*s))
            s++;
        const char *w = s;
        while (s < e && !peer_space(*s))
            s++;
        if (s > w) {
            if (b->len)
                sb_put(b, " ", 1);
            sb_put(b, "\"", 1);
            sb_put(b, w, (size_t)(s - w));
            sb_put(b, "\"", 1);
            n->words++;
        }
    }
}

/* Appends the quoted part [s, e) with its white space collapsed: a phrase if it has two or
 * more words, a word if one (a quoted word is a plain word in quarry too), nothing if none. */
static void peer_phrase(sbuf *b, const char *s, const char *e, unit_counts *n)
{
    size_t start = b->len;
    int words = 0;
    if (b->len)
        sb_put(b, " ", 1);
    sb_put(b, "\"", 1);
    while (s < e) {
        while (s < e && peer_space(*s))
            s++;
        if (s >= e)
            break;
        const char *w = s;
        while (s < e && !peer_space(*s))
            s++;
        if (words++)
            sb_put(b, " ", 1);
        sb_put(b, w, (size_t)(s - w));
    }
    sb_put(b, "\"", 1);
    if (words == 0) {
        b->len = start;
        b->p[start] = '\0';
    } else if (words == 1) {
        n->words++;
    } else {
        n->phrases++;
    }
}

/*
 * Rewrites query `q` (len bytes) under the peers' query semantics (peers/README.md, "Query
 * semantics") into quarry syntax in b (reset first): the query is split into units, a part
 * between a pair of double quotes being a phrase and everything else words split on white
 * space; a quoted part holding one word is a word, an empty one is dropped, and an unclosed
 * quote is ignored (its text counts as words). Every unit is written between double quotes,
 * separated by spaces: quotes make AND, OR, NOT, +, -, ( and ) plain text, a quoted single word
 * is a plain word in quarry, and no unit can contain a '"'. The mode is not in the text: `and`
 * is quarry's default_and. Units that analyze into no term are dropped by quarry itself, and a
 * word that analyzes into several terms becomes a phrase, as in the peers.
 *
 *   ab "c  d" AND "e  →  "ab" "c d" "AND" "e"     (the last quote is unclosed)
 */
static void peer_convert(sbuf *b, const char *q, size_t len, unit_counts *n)
{
    const char *s = q, *e = q + len;
    sb_reset(b);
    n->words = n->phrases = 0;
    while (s < e) {
        const char *open = memchr(s, '"', (size_t)(e - s));
        if (!open) {
            peer_words(b, s, e, n);
            break;
        }
        const char *close = memchr(open + 1, '"', (size_t)(e - open - 1));
        if (!close) {
            peer_words(b, s, open, n);
            peer_words(b, open + 1, e, n);
            break;
        }
        peer_words(b, s, open, n);
        peer_phrase(b, open + 1, close, n);
        s = close + 1;
    }
}

/* The class of a query under the peers' semantics: phrase, else intersection (and mode) or
 * union for several units, else term. */
static int classify_peer(const char *q, size_t len, int and_mode)
{
    sbuf b = {0};
    unit_counts n;
    peer_convert(&b, q, len, &n);
    free(b.p);
    if (n.phrases)
        return CLASS_PHRASE;
    if (n.words >= 2)
        return and_mode ? CLASS_INTERSECTION : CLASS_UNION;
    return CLASS_TERM;
}

/* The class of a query in quarry's syntax (docs/QUERY.md), from a light scan of its text:
 * mixed when it has operators (AND, OR, NOT), exclusions, parentheses, or required and optional
 * clauses together; else phrase if it has a quoted part of two or more words; else intersection
 * when every one of two or more clauses is required (+x, or and mode); else union for several
 * clauses; else term. */
static int classify_quarry(const char *q, size_t len, int and_mode)
{
    const char *p = q, *e = q + len;
    int units = 0, required = 0, phrases = 0, mixed = 0;
    while (p < e) {
        if (peer_space(*p)) {
            p++;
            continue;
        }
        if (*p == '(' || *p == ')') {
            mixed = 1;
            p++;
            continue;
        }
        int mod = 0;
        if ((*p == '+' || *p == '-') && p + 1 < e && !peer_space(p[1])) {
            mod = *p;
            p++;
        }
        if (*p == '"') {
            const char *close = memchr(p + 1, '"', (size_t)(e - p - 1));
            const char *end = close ? close : e;
            int words = 0;
            for (const char *c = p + 1; c < end; c++)
                words += !peer_space(*c) && (c == p + 1 || peer_space(c[-1]));
            phrases += words >= 2;
            units += words > 0;
            p = close ? close + 1 : e;
        } else {
            const char *w = p;
            while (p < e && !peer_space(*p) && *p != '(' && *p != ')' && *p != '"')
                p++;
            size_t n = (size_t)(p - w);
            if ((n == 3 && !memcmp(w, "AND", 3)) || (n == 2 && !memcmp(w, "OR", 2)) ||
                (n == 3 && !memcmp(w, "NOT", 3))) {
                mixed = 1;
                continue;
            }
            units += n > 0;
        }
        if (mod == '+')
            required++;
        else if (mod == '-')
            mixed = 1;
    }
    if (mixed || (!and_mode && required && required < units))
        return CLASS_MIXED;
    if (phrases)
        return CLASS_PHRASE;
    if (units >= 2)
        return and_mode || required == units ? CLASS_INTERSECTION : CLASS_UNION;
    return CLASS_TERM;
}

/* The class named by the first tag of a tags column ("union,global,..."); unknown: mixed. */
static int classify_tag(const char *tags)
{
    size_t n = strcspn(tags, ",");
    for (int c = 0; c < CLASS_MIXED; c++)
        if (strlen(class_names[c]) == n && !memcmp(tags, class_names[c], n))
            return c;
    return CLASS_MIXED;
}

/*
 * Reads a query file: one query per line, or `qid<TAB>query[<TAB>tags]`; blank lines are
 * skipped and CR LF endings accepted. The class comes from the tags column when present, else
 * from the text (in the peers' semantics or quarry's). Returns the number of queries, or -1
 * (reported) when the file cannot be read. *out is the caller's (free with free_queries).
 */
static long read_queries(bench_query **out, const char *path, int peer, int and_mode, int *tagged)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, qcap = 0;
    ssize_t got;
    bench_query *qs = NULL;
    *tagged = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0)
            continue;
        if (n == qcap) {
            qcap = qcap ? qcap * 2 : 256;
            qs = xrealloc(qs, qcap * sizeof *qs);
        }
        bench_query *q = &qs[n++];
        char *tab = strchr(line, '\t'), *text = line, *tags = NULL;
        if (tab) {
            *tab = '\0';
            text = tab + 1;
            char *tab2 = strchr(text, '\t');
            if (tab2) {
                *tab2 = '\0';
                tags = tab2 + 1;
            }
        }
        if (tab && line[0] != '\0') {
            q->qid = xstrndup(line, strlen(line));
        } else {
            char num[32];
            snprintf(num, sizeof num, "%zu", n);
            q->qid = xstrndup(num, strlen(num));
        }
        q->len = strlen(text);
        q->text = xstrndup(text, q->len);
        if (tags && *tags) {
            q->cls = classify_tag(tags);
            *tagged = 1;
        } else {
            q->cls = peer ? classify_peer(q->text, q->len, and_mode)
                          : classify_quarry(q->text, q->len, and_mode);
        }
    }
    int err = ferror(f);
    free(line);
    fclose(f);
    if (err) {
        fprintf(stderr, PROG ": error reading %s\n", path);
        for (size_t i = 0; i < n; i++) {
            free(qs[i].qid);
            free(qs[i].text);
        }
        free(qs);
        return -1;
    }
    *out = qs;
    return (long)n;
}

static void free_queries(bench_query *qs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(qs[i].qid);
        free(qs[i].text);
    }
    free(qs);
}

/* ---------------------------------------------------------------------------------------------
 * search: run the query set in passes, on one or more threads, and time every query.
 * ------------------------------------------------------------------------------------------- */

/* The outcome of one query (the last pass's hits; the same in every pass). */
typedef struct query_result {
    uint64_t total; /* matching documents (quarry_results_total): exact after a counting
                       (warm-up) pass, else possibly a lower bound */
    int exact;      /* total is exact */
    int counted;    /* a counting pass set total; later passes leave it */
    size_t nhits;   /* hits stored */
    size_t cap;     /* capacity of scores and idoff */
    double *scores; /* BM25 score of each hit */
    size_t *idoff;  /* offset of each hit's external id in ids (NUL-terminated there) */
    sbuf ids;       /* the ids, one after the other */
    int error;      /* quarry return code of the search; QUARRY_OK if it succeeded */
    char *errmsg;   /* the searcher's message when error != QUARRY_OK */
} query_result;

/* The settings shared by every worker. */
typedef struct search_cfg {
    quarry_search_options opts; /* k, default_and, k1, b; snippets off */
    int peer;                   /* convert the queries with peer_convert */
} search_cfg;

/* One thread's share of a pass: queries first, first + step, first + 2 step, ... */
typedef struct worker {
    quarry_searcher *s;    /* this thread's searcher */
    const search_cfg *cfg; /* shared settings */
    const bench_query *qs; /* all queries */
    query_result *res;     /* all results (this worker writes only its own) */
    size_t nq;             /* number of queries */
    size_t first, step;    /* the queries of this worker */
    double *lat;           /* this pass's latencies in ms, indexed like qs */
    sbuf conv;             /* the converted query (peer semantics) */
} worker;

/* Runs the worker's queries once. A query's time covers its conversion (peer semantics),
 * parsing and running it, copying the top-k ids and scores, and freeing the results. */
static void *worker_run(void *arg)
{
    worker *w = arg;
    for (size_t i = w->first; i < w->nq; i += w->step) {
        const bench_query *q = &w->qs[i];
        query_result *r = &w->res[i];
        double t0 = now();
        const char *text = q->text;
        size_t len = q->len;
        if (w->cfg->peer) {
            unit_counts n;
            peer_convert(&w->conv, q->text, q->len, &n);
            text = w->conv.p;
            len = w->conv.len;
        }
        quarry_results *qr = NULL;
        int rc = quarry_searcher_search(&qr, w->s, text, len, &w->cfg->opts);
        r->error = rc;
        r->nhits = 0;
        if (rc == QUARRY_OK) {
            size_t n = quarry_results_size(qr);
            if (!r->counted) {
                r->total = quarry_results_total(qr);
                r->exact = quarry_results_total_is_exact(qr);
                r->counted = w->cfg->opts.count;
            }
            if (n > r->cap) {
                r->cap = n;
                r->scores = xrealloc(r->scores, n * sizeof *r->scores);
                r->idoff = xrealloc(r->idoff, n * sizeof *r->idoff);
            }
            sb_reset(&r->ids);
            for (size_t h = 0; h < n; h++) {
                quarry_hit hit;
                if (quarry_results_get(&hit, qr, h) != QUARRY_OK)
                    break;
                r->scores[h] = hit.score;
                r->idoff[h] = r->ids.len;
                sb_put(&r->ids, hit.id, hit.id_len);
                sb_put(&r->ids, "", 1); /* separator: the id stays NUL-terminated */
                r->nhits = h + 1;
            }
        } else if (!r->errmsg) {
            const char *m = quarry_searcher_errmsg(w->s);
            r->errmsg = xstrndup(m, strlen(m));
        }
        quarry_results_free(qr);
        w->lat[i] = (now() - t0) * 1000.0;
    }
    return NULL;
}

/* Runs one pass over all queries with every worker; returns its wall time in seconds. */
static double run_pass(worker *ws, int nthreads, double *lat)
{
    pthread_t tid[MAX_THREADS];
    for (int t = 0; t < nthreads; t++)
        ws[t].lat = lat;
    double t0 = now();
    if (nthreads == 1) {
        worker_run(&ws[0]);
    } else {
        int started = 0;
        for (; started < nthreads; started++)
            if (pthread_create(&tid[started], NULL, worker_run, &ws[started]) != 0)
                break;
        for (int t = started; t < nthreads; t++) /* could not start: run here */
            worker_run(&ws[t]);
        for (int t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
    }
    return now() - t0;
}

/* Latency statistics of a set of samples (ms). */
typedef struct lat_stats {
    size_t n;                             /* samples */
    double mean, p50, p90, p95, p99, max; /* ms; percentiles nearest-rank */
    double sum;                           /* ms */
} lat_stats;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted[0..n): the ceil(p/100 * n)-th smallest, as the peers. */
static double pct(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    long idx = (long)ceil(p / 100.0 * (double)n) - 1;
    if (idx < 0)
        idx = 0;
    if ((size_t)idx >= n)
        idx = (long)n - 1;
    return sorted[idx];
}

/* Sorts samples in place and fills *out. */
static void stats_of(lat_stats *out, double *samples, size_t n)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (n == 0)
        return;
    qsort(samples, n, sizeof *samples, cmp_double);
    for (size_t i = 0; i < n; i++)
        out->sum += samples[i];
    out->mean = out->sum / (double)n;
    out->p50 = pct(samples, n, 50);
    out->p90 = pct(samples, n, 90);
    out->p95 = pct(samples, n, 95);
    out->p99 = pct(samples, n, 99);
    out->max = samples[n - 1];
}

/* Queries/s of one client running only these samples: 1000 / mean. */
static double client_qps(const lat_stats *s)
{
    return s->sum > 0 ? (double)s->n * 1000.0 / s->sum : 0;
}

static void json_stats(json *j, const char *key, const lat_stats *s, double qps, uint64_t queries,
                       uint64_t hits)
{
    json_open(j, key);
    json_u64(j, "queries", queries);
    json_u64(j, "samples", s->n);
    json_num(j, "mean_ms", s->mean, 4);
    json_num(j, "p50_ms", s->p50, 4);
    json_num(j, "p90_ms", s->p90, 4);
    json_num(j, "p95_ms", s->p95, 4);
    json_num(j, "p99_ms", s->p99, 4);
    json_num(j, "max_ms", s->max, 4);
    json_num(j, "qps", qps, 1);
    json_u64(j, "hits", hits);
    json_close(j);
}

static void search_usage(FILE *to)
{
    fputs("usage: " PROG " search INDEXDIR QUERIES [options]\n"
          "Runs every query of QUERIES (one per line, or qid<TAB>query[<TAB>tags]) against\n"
          "INDEXDIR: warm-up passes, then timed passes; prints latency percentiles and\n"
          "queries/s, overall and per query class (term, union, intersection, phrase, mixed:\n"
          "from the tags column when there is one, else from the query text).\n"
          "  -k K              hits per query (default 10)\n"
          "  --mode or|and     words optional (default) or all required (default_and)\n"
          "  -j THREADS        threads, each with its own searcher (default 1); queries are\n"
          "                    split round-robin\n"
          "  --warmup N        untimed passes first (default 1)\n"
          "  --passes N        timed passes (default 1)\n"
          "  --count           count every match exactly in the timed passes too (scores\n"
          "                    every posting: exhaustive evaluation)\n"
          "  --peer-semantics  read queries as the peers do (units, no operators) and rewrite\n"
          "                    them into quarry syntax\n"
          "  --json FILE       write the figures as JSON ('-' = standard output)\n"
          "  --run FILE        write a TREC run (qid Q0 docid rank score " RUN_TAG ")\n"
          "  --lat FILE        write qid<TAB>ms<TAB>hits per query (ms: mean of timed passes)\n"
          "  --peer-format     the table as '# ' lines on stderr, ending with the peers'\n"
          "                    two summary lines\n"
          "  --print-queries   print each query as sent to quarry (stderr)\n"
          "  --k1 X, --b X     BM25 parameters (default 1.2 and 0.75)\n",
          to);
}

static int cmd_search(int argc, char **argv)
{
    const char *dir = NULL, *qpath = NULL, *json_path = NULL, *run_path = NULL, *lat_path = NULL;
    const char *mode = "or";
    size_t k = 10, threads = 1, passes = 1, warmup = 1;
    int peer = 0, peer_format = 0, print_queries = 0, status = 0;
    const quarry_search_options defaults = QUARRY_SEARCH_OPTIONS_INIT;
    search_cfg cfg;
    cfg.opts = defaults;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL; /* the value of an option that takes one */
        char opt[3] = {0};
        if ((!strncmp(a, "-k", 2) || !strncmp(a, "-j", 2)) && a[2] != '\0') {
            memcpy(opt, a, 2); /* -k100, -j2: the value attached */
            v = a + 2;
            a = opt;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            search_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--peer-semantics")) {
            peer = 1;
        } else if (!strcmp(a, "--peer-format")) {
            peer_format = 1;
        } else if (!strcmp(a, "--print-queries")) {
            print_queries = 1;
        } else if (!strcmp(a, "--count")) {
            cfg.opts.count = 1;
        } else if (!strcmp(a, "-k") || !strcmp(a, "--mode") || !strcmp(a, "-j") ||
                   !strcmp(a, "--passes") || !strcmp(a, "--warmup") || !strcmp(a, "--json") ||
                   !strcmp(a, "--run") || !strcmp(a, "--lat") || !strcmp(a, "--k1") ||
                   !strcmp(a, "--b")) {
            if (!v && i + 1 == argc) {
                fprintf(stderr, PROG ": %s needs an argument\n", a);
                return 2;
            }
            if (!v)
                v = argv[++i];
            int bad = 0;
            if (!strcmp(a, "-k"))
                bad = parse_size(v, &k);
            else if (!strcmp(a, "-j"))
                bad = parse_size(v, &threads) || threads < 1 || threads > MAX_THREADS;
            else if (!strcmp(a, "--passes"))
                bad = parse_size(v, &passes) || passes < 1;
            else if (!strcmp(a, "--warmup"))
                bad = parse_size(v, &warmup);
            else if (!strcmp(a, "--mode")) {
                mode = v;
                bad = strcmp(v, "or") != 0 && strcmp(v, "and") != 0;
            } else if (!strcmp(a, "--k1"))
                bad = parse_double(v, &cfg.opts.k1);
            else if (!strcmp(a, "--b"))
                bad = parse_double(v, &cfg.opts.b);
            else if (!strcmp(a, "--json"))
                json_path = v;
            else if (!strcmp(a, "--run"))
                run_path = v;
            else
                lat_path = v;
            if (bad) {
                fprintf(stderr, PROG ": bad value '%s' for %s\n", v, a);
                return 2;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, PROG ": unknown option %s\n", a);
            search_usage(stderr);
            return 2;
        } else if (!dir) {
            dir = a;
        } else if (!qpath) {
            qpath = a;
        } else {
            search_usage(stderr);
            return 2;
        }
    }
    if (!dir || !qpath) {
        search_usage(stderr);
        return 2;
    }
    int and_mode = strcmp(mode, "and") == 0;
    cfg.opts.k = k;
    cfg.opts.default_and = and_mode;
    cfg.opts.snippet_bytes = 0; /* timing covers ranking, not snippets */
    cfg.opts.titles = 0;        /* ids only, as the peers return */
    cfg.peer = peer;

    host_info host;
    host_get(&host);
    quarry_index *ix = NULL;
    int rc = quarry_index_open(&ix, dir);
    if (rc != QUARRY_OK) {
        fprintf(stderr, PROG ": %s: %s\n", dir, ix ? quarry_index_errmsg(ix) : quarry_strerror(rc));
        quarry_index_close(ix);
        return 1;
    }
    quarry_index_info info;
    quarry_index_get_info(&info, ix);
    char lang[64];
    snprintf(lang, sizeof lang, "%s", info.language);

    int tagged = 0;
    bench_query *qs = NULL;
    long nql = read_queries(&qs, qpath, peer, and_mode, &tagged);
    if (nql < 0) {
        quarry_index_close(ix);
        return 1;
    }
    size_t nq = (size_t)nql;
    if (print_queries) {
        sbuf b = {0};
        for (size_t i = 0; i < nq; i++) {
            unit_counts n;
            if (peer)
                peer_convert(&b, qs[i].text, qs[i].len, &n);
            fprintf(stderr, "# %s [%s]: %s\n", qs[i].qid, class_names[qs[i].cls],
                    peer ? b.p : qs[i].text);
        }
        free(b.p);
    }

    worker ws[MAX_THREADS];
    query_result *res = xcalloc(nq, sizeof *res);
    int nthreads = (int)threads;
    memset(ws, 0, sizeof ws);
    for (int t = 0; t < nthreads; t++) {
        rc = quarry_searcher_create(&ws[t].s, ix);
        if (rc != QUARRY_OK) {
            fprintf(stderr, PROG ": cannot create a searcher: %s\n", quarry_strerror(rc));
            for (int u = 0; u < t; u++)
                quarry_searcher_free(ws[u].s);
            free(res);
            free_queries(qs, nq);
            quarry_index_close(ix);
            return 1;
        }
        ws[t].cfg = &cfg;
        ws[t].qs = qs;
        ws[t].res = res;
        ws[t].nq = nq;
        ws[t].first = (size_t)t;
        ws[t].step = (size_t)nthreads;
    }

    /* Warm-up passes, then timed passes; lat[p * nq + i] is query i's time in timed pass p. */
    double *lat = xcalloc(passes * nq, sizeof *lat);
    double *scratch = xcalloc(nq, sizeof *scratch);
    double timed_wall = 0;
    /* The first warm-up pass counts every match exactly (quarry_search_options.count), as
     * the peers count theirs outside the timed pass; the others run as timed passes do,
     * skipping what cannot enter the top k. */
    search_cfg counting = cfg;
    counting.opts.count = 1;
    for (size_t p = 0; p < warmup + passes; p++) {
        for (int t = 0; t < nthreads; t++)
            ws[t].cfg = p == 0 && warmup ? &counting : &cfg;
        if (p < warmup)
            run_pass(ws, nthreads, scratch);
        else
            timed_wall += run_pass(ws, nthreads, lat + (p - warmup) * nq);
    }

    /* Errors: reported, and their queries left out of the figures. */
    size_t errors = 0;
    for (size_t i = 0; i < nq; i++) {
        if (res[i].error == QUARRY_OK)
            continue;
        if (errors++ < 20)
            fprintf(stderr, PROG ": query %s failed (%s): %s\n", qs[i].qid,
                    quarry_strerror(res[i].error), res[i].errmsg ? res[i].errmsg : "");
    }
    if (errors > 20)
        fprintf(stderr, PROG ": %zu queries failed in all\n", errors);

    /* Statistics, overall and per class. */
    double *samples = xcalloc(passes * nq, sizeof *samples);
    lat_stats overall, per[NCLASS];
    uint64_t hits_total = 0, cls_hits[NCLASS] = {0}, cls_queries[NCLASS] = {0};
    size_t ns = 0;
    int hits_exact = 1;
    for (size_t i = 0; i < nq; i++) {
        if (res[i].error != QUARRY_OK)
            continue;
        hits_exact &= res[i].exact;
        hits_total += res[i].total;
        cls_hits[qs[i].cls] += res[i].total;
        cls_queries[qs[i].cls]++;
        for (size_t p = 0; p < passes; p++)
            samples[ns++] = lat[p * nq + i];
    }
    stats_of(&overall, samples, ns);
    for (int c = 0; c < NCLASS; c++) {
        size_t m = 0;
        for (size_t i = 0; i < nq; i++)
            if (res[i].error == QUARRY_OK && qs[i].cls == c)
                for (size_t p = 0; p < passes; p++)
                    samples[m++] = lat[p * nq + i];
        stats_of(&per[c], samples, m);
    }
    size_t searches = nq * passes;
    double qps = timed_wall > 0 ? (double)searches / timed_wall : 0;

    /* Outputs: the run and the per-query latencies first (stdout may be the run). */
    if (run_path) {
        FILE *f = open_out(run_path);
        if (!f) {
            status = 1;
        } else {
            for (size_t i = 0; i < nq; i++)
                for (size_t h = 0; h < res[i].nhits; h++)
                    fprintf(f, "%s Q0 %s %zu %.8f " RUN_TAG "\n", qs[i].qid,
                            res[i].ids.p + res[i].idoff[h], h + 1, res[i].scores[h]);
            if (close_out(f, run_path) != 0)
                status = 1;
        }
    }
    if (lat_path) {
        FILE *f = open_out(lat_path);
        if (!f) {
            status = 1;
        } else {
            for (size_t i = 0; i < nq; i++) {
                double sum = 0;
                for (size_t p = 0; p < passes; p++)
                    sum += lat[p * nq + i];
                fprintf(f, "%s\t%.4f\t%llu\n", qs[i].qid, sum / (double)passes,
                        (unsigned long long)res[i].total);
            }
            if (close_out(f, lat_path) != 0)
                status = 1;
        }
    }

    /* The table: on stdout, or as '#' lines on stderr in peer format. */
    FILE *out = peer_format ? stderr : stdout;
    const char *pf = peer_format ? "# " : "";
    char a[32], b2[32];
    fprintf(out, "%squarry-bench search %s (%s docs, format %u, language %s)\n", pf, dir,
            commas(a, info.docs), info.format_version, lang);
    fprintf(out, "%s  queries  %s: %zu, classes from %s%s\n", pf, qpath, nq,
            tagged ? "the tags column" : "the query text",
            peer ? ", peer semantics" : ", quarry syntax");
    fprintf(out,
            "%s  settings k=%zu mode=%s threads=%d warm-up passes=%zu timed passes=%zu "
            "k1=%g b=%g, no snippets\n",
            pf, k, mode, nthreads, warmup, passes, cfg.opts.k1, cfg.opts.b);
    fprintf(out, "%s\n%s  %-13s %7s %9s %9s %9s %9s %9s %9s %9s %13s\n", pf, pf, "class", "queries",
            "mean ms", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "qps", "hits");
    for (int c = 0; c < NCLASS; c++) {
        if (!cls_queries[c])
            continue;
        const lat_stats *s = &per[c];
        fprintf(out, "%s  %-13s %7llu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.1f %13s\n", pf,
                class_names[c], (unsigned long long)cls_queries[c], s->mean, s->p50, s->p90, s->p95,
                s->p99, s->max, client_qps(s), commas(a, cls_hits[c]));
    }
    fprintf(out, "%s  %-13s %7zu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.1f %13s\n", pf, "all",
            nq - errors, overall.mean, overall.p50, overall.p90, overall.p95, overall.p99,
            overall.max, qps, commas(a, hits_total));
    fprintf(out,
            "%s\n%s  timed: %s searches in %.3f s = %.1f queries/s on %d thread%s; "
            "%zu failed; class qps = 1000 / mean (one client)\n",
            pf, pf, commas(b2, searches), timed_wall, qps, nthreads, nthreads > 1 ? "s" : "",
            errors);
    if (peer_format) {
        fprintf(stderr, "# mean_ms=%.4f max_ms=%.4f hits_total=%llu hits_kind=%s\n", overall.mean,
                overall.max, (unsigned long long)hits_total, hits_exact ? "exact" : "lower_bound");
        fprintf(stderr, "queries=%zu total_seconds=%.6f p50_ms=%.4f p95_ms=%.4f p99_ms=%.4f\n",
                overall.n, timed_wall, overall.p50, overall.p95, overall.p99);
    }
    fflush(out);

    if (json_path) {
        FILE *f = open_out(json_path);
        if (!f) {
            status = 1;
        } else {
            json j = {f, 0, {0}};
            json_open(&j, NULL);
            json_str(&j, "kind", "search");
            json_str(&j, "quarry_version", quarry_version_string());
            json_host(&j, &host);
            json_str(&j, "index_dir", dir);
            json_u64(&j, "docs", info.docs);
            json_str(&j, "queries_file", qpath);
            json_str(&j, "semantics", peer ? "peer" : "quarry");
            json_str(&j, "classes_from", tagged ? "tags" : "text");
            json_u64(&j, "k", k);
            json_str(&j, "mode", mode);
            json_num(&j, "k1", cfg.opts.k1, 4);
            json_num(&j, "b", cfg.opts.b, 4);
            json_u64(&j, "threads", (uint64_t)nthreads);
            json_u64(&j, "warmup_passes", warmup);
            json_u64(&j, "timed_passes", passes);
            json_u64(&j, "queries", nq);
            json_u64(&j, "failed", errors);
            json_u64(&j, "hits_total", hits_total);
            json_num(&j, "timed_wall_seconds", timed_wall, 6);
            json_num(&j, "qps", qps, 1);
            json_stats(&j, "all", &overall, qps, nq - errors, hits_total);
            json_open(&j, "classes");
            for (int c = 0; c < NCLASS; c++)
                if (cls_queries[c])
                    json_stats(&j, class_names[c], &per[c], client_qps(&per[c]), cls_queries[c],
                               cls_hits[c]);
            json_close(&j);
            json_close(&j);
            if (close_out(f, json_path) != 0)
                status = 1;
        }
    }

    for (int t = 0; t < nthreads; t++) {
        quarry_searcher_free(ws[t].s);
        free(ws[t].conv.p);
    }
    for (size_t i = 0; i < nq; i++) {
        free(res[i].scores);
        free(res[i].idoff);
        free(res[i].ids.p);
        free(res[i].errmsg);
    }
    free(res);
    free(lat);
    free(scratch);
    free(samples);
    free_queries(qs, nq);
    quarry_index_close(ix);
    if (status == 0 && errors && !peer_format) /* the harness would discard the whole run */
        status = 3;
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------------------------- */

static void usage(FILE *to)
{
    fputs("usage: " PROG " index CORPUS.jsonl INDEXDIR [options]\n"
          "       " PROG " search INDEXDIR QUERIES [options]\n"
          "       " PROG " --version\n"
          "'" PROG " index --help' and '" PROG " search --help' list the options;\n"
          "bench/README.md explains the figures.\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "index"))
        return cmd_index(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "search"))
        return cmd_search(argc, argv);
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf(PROG " %s\n", quarry_version_string());
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
