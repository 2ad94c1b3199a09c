/*
 * intake.c: turns files, folders and JSON Lines into documents for quarry_writer_add
 * (quarry_writer_add_path, quarry_writer_add_jsonl). Bad records are reported through
 * writer_skip with the file (and line) they came from; I/O failures stop the call.
 * Each JSON line is checked and taken apart by jsonl_parse (jsonl.h), which also rejects strings
 * that are not valid UTF-8.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "jsonl.h"

#define PROGRESS_STEP (4u << 20) /* report progress every 4 MiB of input */

/* Reads the whole file at path into b (replacing its contents). */
static int read_file(quarry_writer *w, const char *path, buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "cannot open %s: %s", path,
                          strerror(errno));
    b->len = 0;
    int rc = QUARRY_OK;
    for (;;) {
        if (buf_reserve(b, 65536)) {
            rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory reading %s", path);
            break;
        }
        size_t n = fread(b->data + b->len, 1, b->cap - b->len, f);
        b->len += n;
        if (n == 0) {
            if (ferror(f))
                rc = errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "cannot read %s: %s", path,
                                strerror(errno));
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Indexes one file as a document with the given id: title = first non-empty line, text = the
 * rest. */
static int add_file(quarry_writer *w, const char *path, const char *id, buf *b)
{
    int rc = read_file(w, path, b);
    if (rc)
        return rc;
    w->st.bytes_in += b->len;
    const char *base = (const char *)b->data;
    size_t n = b->len, i = 0;
    if (n >= 3 && memcmp(base, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* byte order mark */
    while (i < n && (base[i] == '\n' || base[i] == '\r' || base[i] == ' ' || base[i] == '\t'))
        i++;
    size_t title = i;
    while (i < n && base[i] != '\n')
        i++;
    size_t title_end = i, text = i < n ? i + 1 : n;
    while (title_end > title && (base[title_end - 1] == '\r' || base[title_end - 1] == ' ' ||
                                 base[title_end - 1] == '\t'))
        title_end--;
    quarry_document d = {id, strlen(id), base + title, title_end - title, base + text, n - text};
    rc = writer_add(w, &d, path);
    if (rc == QUARRY_EINPUT) /* already reported */
        return w->opts.strict ? rc : QUARRY_OK;
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int indexable(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".txt") == 0) ||
           (n > 3 && strcmp(name + n - 3, ".md") == 0);
}

/* Walks folder `path` (whose id prefix is `rel`, "" at the top) in name order. */
static int add_folder(quarry_writer *w, const char *path, const char *rel, buf *b, int depth)
{
    if (depth > 64)
        return writer_skip(w, "%s: folders nested too deeply, skipped", path);
    DIR *d = opendir(path);
    if (!d)
        return errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "cannot open folder %s: %s", path,
                          strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = QUARRY_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') /* ., .. and hidden files */
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = alloc_resize(names, cap, sizeof *nn);
            if (!nn) {
                rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
                goto done;
            }
            names = nn;
        }
        if (!(names[n] = alloc_strndup(e->d_name, strlen(e->d_name)))) {
            rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && !rc; i++) {
        char *full = path_join(path, names[i]);
        char *id = *rel ? path_join(rel, names[i]) : alloc_strndup(names[i], strlen(names[i]));
        struct stat st;
        if (!full || !id)
            rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
        else if (stat(full, &st) != 0)
            rc = writer_skip(w, "%s: %s, skipped", full, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = add_folder(w, full, id, b, depth + 1);
        else if (S_ISREG(st.st_mode) && indexable(names[i]))
            rc = add_file(w, full, id, b);
        alloc_free(full);
        alloc_free(id);
    }
done:
    for (size_t i = 0; i < n; i++)
        alloc_free(names[i]);
    alloc_free(names);
    closedir(d);
    return rc;
}

int quarry_writer_add_path(quarry_writer *w, const char *path)
{
    if (!w)
        return QUARRY_ERROR;
    if (w->rc)
        return w->rc;
    struct stat st;
    if (stat(path, &st) != 0)
        return errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "cannot open %s: %s", path,
                          strerror(errno));
    buf b = BUF_INIT;
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = add_folder(w, path, "", &b, 0);
    } else {
        rc = add_file(w, path, path, &b);
    }
    buf_free(&b);
    return rc;
}

int quarry_writer_add_jsonl(quarry_writer *w, const char *path)
{
    if (!w)
        return QUARRY_ERROR;
    if (w->rc)
        return w->rc;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "cannot open %s: %s", path,
                          strerror(errno));
    uint64_t total = 0, done = 0, next_report = PROGRESS_STEP;
    struct stat st;
    if (!is_stdin && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        total = (uint64_t)st.st_size;
    char *line = NULL;
    size_t cap = 0;
    buf scratch = BUF_INIT; /* strings with escapes, decoded; reused line after line */
    uint64_t lineno = 0;
    int rc = QUARRY_OK;
    ssize_t len;
    errno = 0;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        done += (uint64_t)len;
        w->st.bytes_in += (uint64_t)len;
        if (w->opts.progress && done >= next_report) {
            w->opts.progress(w->opts.progress_ctx, done, total);
            next_report = done + PROGRESS_STEP;
        }
        size_t n = (size_t)len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        jsonl_record r;
        char why[ERRMSG_CAP / 2];
        size_t col = 0;
        int prc = jsonl_parse(&r, line, n, &scratch, why, sizeof why, &col);
        if (prc == QUARRY_ENOMEM) {
            rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory reading %s", name);
        } else if (prc == QUARRY_EINPUT && col > 0) {
            rc = writer_skip(w, "%s:%" PRIu64 ": invalid JSON at column %zu: %s", name, lineno, col,
                             why);
        } else if (prc == QUARRY_EINPUT) { /* "not a JSON object", wrong member types */
            rc = writer_skip(w, "%s:%" PRIu64 ": %s", name, lineno, why);
        } else if (r.id_len == 0) {
            rc = writer_skip(w, "%s:%" PRIu64 ": missing \"id\"", name, lineno);
        } else {
            quarry_document d = {r.id, r.id_len, r.title, r.title_len, r.text, r.text_len};
            char where[ERRMSG_CAP / 2];
            snprintf(where, sizeof where, "%s:%" PRIu64, name, lineno);
            w->input_left = total > done ? total - done : 0;
            rc = writer_add(w, &d, where);
            w->input_left = 0;
            if (rc == QUARRY_EINPUT) /* already reported */
                rc = w->opts.strict ? QUARRY_EINPUT : QUARRY_OK;
        }
    }
    if (!rc && ferror(f))
        rc = errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "cannot read %s: %s", name,
                        strerror(errno));
    if (!rc && w->opts.progress)
        w->opts.progress(w->opts.progress_ctx, done, total);
    free(line); /* allocated by getline */
    buf_free(&scratch);
    if (!is_stdin)
        fclose(f);
    return rc;
}
