/*
 * main.c: the quarry-index command. Parses arguments, feeds inputs to a quarry_writer
 * (public API only), applies deletions, commits and prints a summary. Exit status: 0 success;
 * 1 failure (the folder keeps its previous index), including another writer holding the
 * folder's lock; 2 usage error; 3 index committed but some input records were skipped or some
 * ids to delete were not found (each one reported on stderr).
 */
#include <errno.h>
#include <stdint.h>
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
          "       quarry-index [options] INDEX --add INPUT... [--jsonl FILE] [--delete ID...]\n"
          "       quarry-index [options] INDEX --delete ID... | --delete-file FILE\n"
          "       quarry-index [options] INDEX --optimize\n"
          "\n"
          "Builds the index folder INDEX (replacing any index in it) from INPUT files and\n"
          "folders (folders are walked for *.txt and *.md; id = relative path, title = first\n"
          "non-empty line) and/or JSON Lines files ({\"id\",\"title\",\"text\"} per line).\n"
          "With --add, adds the inputs to the index in INDEX instead: a document whose id is\n"
          "already in the index replaces it. --delete and --delete-file remove documents by id\n"
          "from the index as it was (documents added by the same command are kept); they work\n"
          "on an existing index, alone or with --add. All of it is one commit. Commits merge\n"
          "segments of about the same size as they accumulate; --optimize (alone or with the\n"
          "others) merges the whole index into one segment without deleted documents.\n"
          "\n"
          "options:\n"
          "  --jsonl FILE        read documents from a JSON Lines file ('-' = standard input)\n"
          "  --add               add to the index in INDEX instead of replacing it\n"
          "  --delete ID...      delete the documents with these ids (every argument up to\n"
          "                      the next option is an id)\n"
          "  --delete-file FILE  delete the documents whose ids are the lines of FILE ('-' =\n"
          "                      standard input)\n"
          "  --optimize          merge the index into one segment at the commit\n"
          "  --memory SIZE       memory budget, bytes or with K, M, G (default 256M)\n"
          "  -j, --threads N     indexing threads (default: one per CPU)\n"
          "  -l, --language L    Snowball stemmer language (default english; 'none' to not stem)\n"
          "  --strict            stop at the first bad input record instead of skipping it\n"
          "  -q, --quiet         no progress line and no summary\n"
          "  -h, --help          this help\n"
          "  --version           print the version\n"
          "\n"
          "exit status: 0 ok, 1 error (previous index kept; also when another quarry-index is\n"
          "writing INDEX), 2 usage, 3 done but records skipped or ids to delete not found\n",
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

/* Parses a size: digits, then K, M or G (powers of 1024), optionally followed by B or iB.
 * Returns 0 and *out, or -1 if malformed, zero or too large. */
static int parse_size(const char *a, size_t *out)
{
    char *end;
    if (*a < '0' || *a > '9')
        return -1;
    unsigned long long v = strtoull(a, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default:
        break;
    }
    if (shift && (!strcmp(end, "B") || !strcmp(end, "iB")))
        end += strlen(end);
    if (*end != '\0' || v == 0 || v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)v << shift;
    return 0;
}

/* Deletes the document `id` (len bytes); a missing one is a warning, counted in *missing.
 * Returns the writer's code for anything else. */
static int delete_id(quarry_writer *w, const char *id, size_t len, int *missing)
{
    int rc = quarry_writer_delete(w, id, len);
    if (rc == QUARRY_ENOTFOUND) {
        fprintf(stderr, "quarry-index: warning: %s, not deleted\n", quarry_writer_errmsg(w));
        ++*missing;
        rc = QUARRY_OK;
    }
    return rc;
}

/* Deletes the documents whose ids are the lines of `path` ('-': standard input; a final '\r'
 * is dropped, blank lines are skipped). An unreadable file is reported here (*reported set). */
static int delete_file(quarry_writer *w, const char *path, int *missing, int *reported)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "quarry-index: cannot open %s: %s\n", path, strerror(errno));
        *reported = 1;
        return QUARRY_EIO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = QUARRY_OK;
    while (rc == QUARRY_OK && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n > 0)
            rc = delete_id(w, line, (size_t)n, missing);
    }
    if (rc == QUARRY_OK && ferror(f)) {
        fprintf(stderr, "quarry-index: cannot read %s: %s\n", path, strerror(errno));
        *reported = 1;
        rc = QUARRY_EIO;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Does the argument look like an option ("-x", "--xyz"; "-" alone is standard input)? */
static int is_option(const char *a)
{
    return a[0] == '-' && a[1] != '\0';
}

int main(int argc, char **argv)
{
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    const char *index = NULL;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    int *is_jsonl = calloc((size_t)argc, sizeof *is_jsonl);
    const char **deletes = calloc((size_t)argc, sizeof *deletes);
    int *is_file = calloc((size_t)argc, sizeof *is_file);
    int ninputs = 0, ndeletes = 0, quiet = 0, add = 0, optimize = 0, missing = 0, reported = 0,
        status = 1;
    quarry_writer *w = NULL;
    progress prog = {0, 0};
    if (!inputs || !is_jsonl || !deletes || !is_file) {
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
        } else if (!strcmp(a, "--jsonl") || !strcmp(a, "-l") || !strcmp(a, "--language") ||
                   !strcmp(a, "--memory") || !strcmp(a, "-j") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--delete-file")) {
            if (i + 1 == argc) {
                fprintf(stderr, "quarry-index: %s needs an argument\n", a);
                status = 2;
                goto done;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--jsonl")) {
                is_jsonl[ninputs] = 1;
                inputs[ninputs++] = v;
            } else if (!strcmp(a, "--delete-file")) {
                is_file[ndeletes] = 1;
                deletes[ndeletes++] = v;
            } else if (!strcmp(a, "--memory")) {
                if (parse_size(v, &o.memory_budget)) {
                    fprintf(stderr, "quarry-index: --memory %s: expected a size such as 512M\n", v);
                    status = 2;
                    goto done;
                }
            } else if (!strcmp(a, "-j") || !strcmp(a, "--threads")) {
                char *end;
                long n = strtol(v, &end, 10);
                if (*end || end == v || n < 1 || n > 256) {
                    fprintf(stderr, "quarry-index: %s %s: expected 1 to 256 threads\n", a, v);
                    status = 2;
                    goto done;
                }
                o.threads = (unsigned)n;
            } else {
                o.language = v;
            }
        } else if (!strcmp(a, "--delete")) {
            int first = ndeletes;
            while (i + 1 < argc && !is_option(argv[i + 1]))
                deletes[ndeletes++] = argv[++i];
            if (ndeletes == first) {
                fprintf(stderr, "quarry-index: --delete needs at least one id\n");
                status = 2;
                goto done;
            }
        } else if (!strcmp(a, "--add")) {
            add = 1;
        } else if (!strcmp(a, "--optimize")) {
            optimize = 1;
        } else if (!strcmp(a, "--strict")) {
            o.strict = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (is_option(a)) {
            fprintf(stderr, "quarry-index: unknown option %s (see --help)\n", a);
            status = 2;
            goto done;
        } else if (!index) {
            index = a;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (ndeletes && ninputs && !add) {
        fputs("quarry-index: --delete works on an existing index: add the inputs with --add "
              "(see --help)\n",
              stderr);
        status = 2;
        goto done;
    }
    if (!index || (ninputs == 0 && ndeletes == 0 && !optimize) || (add && ninputs == 0)) {
        usage(stderr);
        status = 2;
        goto done;
    }
    prog.enabled = !quiet && isatty(STDERR_FILENO);
    o.warn = on_warning;
    o.warn_ctx = &prog;
    o.progress = on_progress;
    o.progress_ctx = &prog;
    o.mode = add || ndeletes || optimize ? QUARRY_WRITER_APPEND : QUARRY_WRITER_CREATE;

    double t0 = now();
    int rc = quarry_writer_open(&w, index, &o);
    /* Deletions first: they apply to the index as it was, not to the documents added now. */
    for (int i = 0; rc == QUARRY_OK && i < ndeletes; i++)
        rc = is_file[i] ? delete_file(w, deletes[i], &missing, &reported)
                        : delete_id(w, deletes[i], strlen(deletes[i]), &missing);
    for (int i = 0; rc == QUARRY_OK && i < ninputs; i++)
        rc = is_jsonl[i] ? quarry_writer_add_jsonl(w, inputs[i])
                         : quarry_writer_add_path(w, inputs[i]);
    if (prog.shown)
        fputc('\n', stderr);
    quarry_writer_stats st;
    if (rc == QUARRY_OK && o.mode == QUARRY_WRITER_CREATE &&
        quarry_writer_get_stats(&st, w) == QUARRY_OK && st.docs == 0) {
        fprintf(stderr, "quarry-index: no documents found in the input%s; index not written\n",
                st.skipped ? " (all records were skipped)" : "");
        goto done;
    }
    if (rc == QUARRY_OK && optimize)
        rc = quarry_writer_optimize(w);
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    if (rc != QUARRY_OK) {
        if (rc == QUARRY_EINPUT) /* the record was reported as a warning already */
            fputs("quarry-index: stopped at a bad record (--strict); index not written\n", stderr);
        else if (!reported)
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
               "%llu postings, %llu tokens; %llu segment%s written\n",
               (unsigned long long)st.docs, st.docs == 1 ? "" : "s", in, secs,
               secs > 0 ? st.bytes_in / 1e6 / secs : 0.0, secs > 0 ? (double)st.docs / secs : 0.0,
               (unsigned long long)st.terms, (unsigned long long)st.postings,
               (unsigned long long)st.tokens, (unsigned long long)st.segments,
               st.segments == 1 ? "" : "s");
        if (st.deleted)
            printf("deleted %llu document%s (%llu replaced by a new version)\n",
                   (unsigned long long)st.deleted, st.deleted == 1 ? "" : "s",
                   (unsigned long long)st.replaced);
        if (st.merges)
            printf("merged %llu segments into %llu\n", (unsigned long long)st.merged_segments,
                   (unsigned long long)st.merges);
        printf("index: %llu document%s in %llu segment%s, %s (document store %s)\n",
               (unsigned long long)st.index_docs, st.index_docs == 1 ? "" : "s",
               (unsigned long long)st.index_segments, st.index_segments == 1 ? "" : "s", ix, store);
        if (st.skipped)
            printf("skipped %llu input records (see the warnings above)\n",
                   (unsigned long long)st.skipped);
        if (missing)
            printf("%d id%s to delete not found (see the warnings above)\n", missing,
                   missing == 1 ? "" : "s");
    }
    status = st.skipped || missing ? 3 : 0;
done:
    quarry_writer_free(w);
    free(inputs);
    free(is_jsonl);
    free(deletes);
    free(is_file);
    return status;
}
