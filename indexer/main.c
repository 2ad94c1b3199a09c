/*
 * main.c: the quarry-index command. Parses arguments, feeds inputs to a quarry_writer
 * (public API only), commits and prints a summary. Exit status: 0 success; 1 failure (the
 * folder keeps its previous index), including another writer holding the folder's lock; 2 usage
 * error; 3 index committed but some input records were skipped (each one reported on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarry/quarry.h"

static void usage(FILE *out)
{
    fputs("usage: quarry-index [options] INDEX INPUT...\n"
          "       quarry-index [options] INDEX --jsonl FILE\n"
          "\n"
          "Builds the index folder INDEX (replacing any index in it) from INPUT files and\n"
          "folders (folders are walked for *.txt and *.md; id = relative path, title = first\n"
          "non-empty line) and/or JSON Lines files ({\"id\",\"title\",\"text\"} per line).\n"
          "\n"
          "options:\n"
          "  --jsonl FILE        read documents from a JSON Lines file ('-' = standard input)\n"
          "  -l, --language L    Snowball stemmer language (default english; 'none' to not stem)\n"
          "  --strict            stop at the first bad input record instead of skipping it\n"
          "  -q, --quiet         no progress line and no summary\n"
          "  -h, --help          this help\n"
          "  --version           print the version\n"
          "\n"
          "exit status: 0 ok, 1 error (previous index kept; also when another quarry-index is\n"
          "writing INDEX), 2 usage, 3 done but records skipped\n",
          out);
}

typedef struct progress {
    int enabled; /* print a progress line (stderr is a terminal, not quiet) */
    int shown;   /* a line is on screen and must be ended */
} progress;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    if (!p->enabled || (total && total < (8u << 20)))
        return;
    if (total)
        fprintf(stderr, "\r  %.1f / %.1f MB (%d%%)", done / 1e6, total / 1e6,
                (int)(100.0 * (double)done / (double)total));
    else
        fprintf(stderr, "\r  %.1f MB", done / 1e6);
    p->shown = 1;
}

static void on_warning(void *ctx, const char *msg)
{
    progress *p = ctx;
    if (p->shown) {
        fputc('\n', stderr);
        p->shown = 0;
    }
    fprintf(stderr, "quarry-index: warning: %s\n", msg);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(char *dst, size_t cap, uint64_t bytes)
{
    if (bytes >= 10000000)
        snprintf(dst, cap, "%.1f MB", bytes / 1e6);
    else if (bytes >= 10000)
        snprintf(dst, cap, "%.1f KB", bytes / 1e3);
    else
        snprintf(dst, cap, "%llu B", (unsigned long long)bytes);
}

int main(int argc, char **argv)
{
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    const char *index = NULL;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    int *is_jsonl = calloc((size_t)argc, sizeof *is_jsonl);
    int ninputs = 0, quiet = 0, status = 1;
    quarry_writer *w = NULL;
    progress prog = {0, 0};
    if (!inputs || !is_jsonl) {
        fputs("quarry-index: out of memory\n", stderr);
        goto done;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            status = 0;
            goto done;
        } else if (!strcmp(a, "--version")) {
            printf("quarry-index %s\n", quarry_version_string());
            status = 0;
            goto done;
        } else if (!strcmp(a, "--jsonl") || !strcmp(a, "-l") || !strcmp(a, "--language")) {
            if (i + 1 == argc) {
                fprintf(stderr, "quarry-index: %s needs an argument\n", a);
                status = 2;
                goto done;
            }
            if (!strcmp(a, "--jsonl")) {
                is_jsonl[ninputs] = 1;
                inputs[ninputs++] = argv[++i];
            } else {
                o.language = argv[++i];
            }
        } else if (!strcmp(a, "--strict")) {
            o.strict = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "quarry-index: unknown option %s (see --help)\n", a);
            status = 2;
            goto done;
        } else if (!index) {
            index = a;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (!index || ninputs == 0) {
        usage(stderr);
        status = 2;
        goto done;
    }
    prog.enabled = !quiet && isatty(STDERR_FILENO);
    o.warn = on_warning;
    o.warn_ctx = &prog;
    o.progress = on_progress;
    o.progress_ctx = &prog;

    double t0 = now();
    int rc = quarry_writer_open(&w, index, &o);
    for (int i = 0; rc == QUARRY_OK && i < ninputs; i++)
        rc = is_jsonl[i] ? quarry_writer_add_jsonl(w, inputs[i])
                         : quarry_writer_add_path(w, inputs[i]);
    if (prog.shown)
        fputc('\n', stderr);
    quarry_writer_stats st;
    if (rc == QUARRY_OK && quarry_writer_get_stats(&st, w) == QUARRY_OK && st.docs == 0) {
        fprintf(stderr, "quarry-index: no documents found in the input%s; index not written\n",
                st.skipped ? " (all records were skipped)" : "");
        goto done;
    }
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    if (rc != QUARRY_OK) {
        if (rc == QUARRY_EINPUT) /* the record was reported as a warning already */
            fputs("quarry-index: stopped at a bad record (--strict); index not written\n", stderr);
        else
            fprintf(stderr, "quarry-index: %s\n",
                    w ? quarry_writer_errmsg(w) : quarry_strerror(rc));
        goto done;
    }
    double secs = now() - t0;
    quarry_writer_get_stats(&st, w);
    if (!quiet) {
        char in[32], ix[32], store[32];
        human(in, sizeof in, st.bytes_in);
        human(ix, sizeof ix, st.index_bytes);
        human(store, sizeof store, st.store_bytes);
        printf("indexed %llu document%s (%s) in %.2f s, %.1f MB/s, %.0f docs/s: %llu terms, "
               "%llu postings, %llu tokens; index %s (document store %s)\n",
               (unsigned long long)st.docs, st.docs == 1 ? "" : "s", in, secs,
               secs > 0 ? st.bytes_in / 1e6 / secs : 0.0, secs > 0 ? (double)st.docs / secs : 0.0,
               (unsigned long long)st.terms, (unsigned long long)st.postings,
               (unsigned long long)st.tokens, ix, store);
        if (st.skipped)
            printf("skipped %llu input records (see the warnings above)\n",
                   (unsigned long long)st.skipped);
    }
    status = st.skipped ? 3 : 0;
done:
    quarry_writer_free(w);
    free(inputs);
    free(is_jsonl);
    return status;
}
