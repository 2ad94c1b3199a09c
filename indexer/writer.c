/*
 * writer.c: quarry_writer, the public face of the indexer (quarry/writer.h): open, add, delete,
 * counters and free; the commit is in commit.c.
 *
 * Holds the folder's writer lock (lock.c) from open to free, so the generation it picks and the
 * files it writes and removes are its own. Checks each document, gives it the next docid (after
 * the documents of the previous commit's segments in append mode) and hands it to the buffer:
 * its own segbuilder with one thread, the worker pool (workers.c) with several. Keeps the map
 * from external ids to the docids of their live documents, and the bitmap of deleted docids,
 * which upserts and deletions update and the commit turns into deletion files.
 *
 * The memory budget covers the buffers and the writer's own tables: the buffers get what the
 * id map, the deletion bitmap and the lists of segments leave of it (available()).
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/format.h"
#include "common/segment.h"
#include "common/stemmer.h"
#include "common/tokenizer.h"

#define SEG_PREFIX "seg_"

#define MAX_THREADS 256

/* Largest generation that the files "seg_<N>[_<k>].*" and "*.<G>.del[.tmp]" in dir show (0 if
 * none): a new commit numbers itself above it, so that its files never replace one that a
 * MANIFEST or a reader may still use. */
static uint64_t max_file_generation(const char *dir)
{
    uint64_t max = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strncmp(n, SEG_PREFIX, sizeof SEG_PREFIX - 1) != 0)
            continue;
        char *end;
        unsigned long long g = strtoull(n + sizeof SEG_PREFIX - 1, &end, 10);
        if (*end == '_')
            strtoull(end + 1, &end, 10);
        if (*end != '.')
            continue;
        if (g > max)
            max = g;
        unsigned long long del = strtoull(end + 1, &end, 10);
        if (strncmp(end, FORMAT_SUFFIX_DELETIONS, sizeof FORMAT_SUFFIX_DELETIONS - 1) == 0 &&
            del > max)
            max = del;
    }
    closedir(d);
    return max;
}

int writer_segment_name(void *ctx, char *name, size_t cap)
{
    quarry_writer *w = ctx;
    if (w->next_segment == UINT32_MAX)
        return QUARRY_ERROR;
    snprintf(name, cap, SEG_PREFIX "%" PRIu64 "_%" PRIu32, w->generation, w->next_segment++);
    return QUARRY_OK;
}

/* Sets bit d of the deletion bitmap, growing it. Returns QUARRY_OK or QUARRY_ENOMEM. */
static int mark_deleted(quarry_writer *w, uint64_t d)
{
    if (d / 8 >= w->deleted_cap) {
        size_t cap = w->deleted_cap ? w->deleted_cap : 1024;
        while (d / 8 >= cap)
            cap *= 2;
        uint8_t *b = alloc_resize(w->deleted, cap, 1);
        if (!b)
            return QUARRY_ENOMEM;
        memset(b + w->deleted_cap, 0, cap - w->deleted_cap);
        w->deleted = b;
        w->deleted_cap = cap;
    }
    w->deleted[d / 8] |= (uint8_t)(1u << (d % 8));
    return QUARRY_OK;
}

/*
 * Reads the previous commit's segments (append mode): every live document's id goes into the
 * id map with its docid, every deleted one into the deletion bitmap. Two live documents with
 * one id break the format's rule: the index is corrupt.
 */
static int load_base(quarry_writer *w)
{
    buf scratch = BUF_INIT;
    segment s;
    memset(&s, 0, sizeof s);
    uint64_t first = 0;
    int rc = QUARRY_OK;
    for (uint32_t i = 0; i < w->base.nsegments && !rc; i++) {
        const manifest_segment *ms = &w->base.segments[i];
        rc = segment_open(&s, w->dir, ms, w->err, sizeof w->err);
        for (uint32_t d = 0; !rc && d < s.ndocs; d++) {
            if (segment_deleted(&s, d)) {
                if (mark_deleted(w, first + d))
                    rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
                continue;
            }
            doc_meta m;
            rc = segment_doc_meta(&s, NULL, d, &scratch, &m, w->err, sizeof w->err);
            if (rc)
                break;
            int inserted;
            if (strmap_upsert(w->ids, m.id, m.id_len, (uint32_t)(first + d), NULL, &inserted))
                rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
            else if (!inserted)
                rc = errmsg_set(w->err, sizeof w->err, QUARRY_ECORRUPT,
                                "%s: corrupt index (two live documents with id '%.*s')", w->dir,
                                (int)m.id_len, m.id);
        }
        segment_close(&s);
        first += ms->docs;
    }
    w->base_docs = first;
    buf_free(&scratch);
    return rc;
}

/* Reads the folder's MANIFEST: its generation, and in append mode its segments and language.
 * Create mode ignores an unreadable index (the commit replaces it); append mode refuses it. */
static int read_previous(quarry_writer *w, uint64_t *gen)
{
    manifest m;
    char why[ERRMSG_CAP];
    int rc = manifest_read(&m, w->dir, why, sizeof why);
    *gen = 0;
    if (rc == QUARRY_OK)
        *gen = m.generation;
    if (w->opts.mode != QUARRY_WRITER_APPEND || rc == QUARRY_ENOTFOUND) {
        manifest_free(&m);
        return QUARRY_OK;
    }
    if (rc)
        return errmsg_set(w->err, sizeof w->err, rc, "%s", why);
    w->base = m;
    if (strcmp(m.language, w->language) != 0 && w->language[0])
        return errmsg_set(w->err, sizeof w->err, QUARRY_ERROR,
                          "%s is indexed in '%s': documents cannot be added in '%s'", w->dir,
                          m.language, w->language);
    snprintf(w->language, sizeof w->language, "%s", m.language);
    return QUARRY_OK;
}

/* Checks the language of the options and writes its canonical name into w->language ("" when
 * append mode is to take the index's). */
static int check_language(quarry_writer *w, const char *lang)
{
    if (!lang && w->opts.mode == QUARRY_WRITER_APPEND) {
        w->language[0] = '\0';
        return QUARRY_OK;
    }
    lang = lang ? lang : "english";
    analyzer *an = NULL;
    int rc = analyzer_create(&an, lang);
    if (rc) {
        char list[1024];
        stemmer_list(list, sizeof list);
        return errmsg_set(w->err, sizeof w->err, rc,
                          rc == QUARRY_ENOTFOUND ? "unknown stemmer language '%s' (known: none, %s)"
                                                 : "cannot create the analyzer for '%s'%s",
                          lang, rc == QUARRY_ENOTFOUND ? list : "");
    }
    snprintf(w->language, sizeof w->language, "%s", analyzer_language(an));
    analyzer_free(an);
    return QUARRY_OK;
}

int quarry_writer_open(quarry_writer **out, const char *dir, const quarry_writer_options *opts)
{
    static const quarry_writer_options defaults = QUARRY_WRITER_OPTIONS_INIT;
    *out = NULL;
    quarry_writer *w = alloc_array(1, sizeof *w);
    if (!w)
        return QUARRY_ENOMEM;
    *out = w;
    w->lk.fd = -1;
    w->opts = opts ? *opts : defaults;
    w->opts.language = NULL;
    if (w->opts.mode != QUARRY_WRITER_CREATE && w->opts.mode != QUARRY_WRITER_APPEND)
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ERROR, "unknown writer mode %d",
                                  w->opts.mode);
    if (w->opts.threads > MAX_THREADS)
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ERROR,
                                  "%u threads asked for, at most %d", w->opts.threads, MAX_THREADS);
    w->budget = w->opts.memory_budget ? w->opts.memory_budget : QUARRY_WRITER_DEFAULT_MEMORY;
    w->threads = w->opts.threads;
    if (w->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        w->threads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
    }
    w->dir = alloc_strndup(dir, strlen(dir));
    if (!w->dir || strmap_create(&w->ids))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    int rc = check_language(w, opts ? opts->language : NULL);
    if (rc)
        return w->rc = rc;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_EIO,
                                  "cannot create index folder %s: %s", dir, strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "%s is not a folder", dir);
    rc = lock_acquire(&w->lk, dir, w->err, sizeof w->err);
    if (rc)
        return w->rc = rc;

    uint64_t gen;
    if ((rc = read_previous(w, &gen)))
        return w->rc = rc;
    if (!w->language[0]) /* append mode to a folder without an index */
        snprintf(w->language, sizeof w->language, "english");
    uint64_t seen = max_file_generation(dir);
    w->generation = (gen > seen ? gen : seen) + 1;
    if ((rc = load_base(w)))
        return w->rc = rc;
    if (w->threads == 1) {
        if ((rc = segbuilder_create(&w->sb, dir, w->language, writer_segment_name, w)))
            return w->rc = errmsg_set(w->err, sizeof w->err, rc, "out of memory");
    } else if ((rc = workers_start(&w->ws, w->threads, dir, w->language, writer_segment_name, w,
                                   w->err, sizeof w->err))) {
        return w->rc = rc;
    }
    return QUARRY_OK;
}

int writer_skip(quarry_writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    w->st.skipped++;
    if (w->opts.warn)
        w->opts.warn(w->opts.warn_ctx, w->err);
    return w->opts.strict ? QUARRY_EINPUT : QUARRY_OK;
}

/* Checks that the writer can take documents. */
static int usable(quarry_writer *w)
{
    if (!w)
        return QUARRY_ERROR;
    if (w->rc)
        return w->rc;
    if (w->committed)
        return errmsg_set(w->err, sizeof w->err, QUARRY_ERROR, "writer already committed");
    return QUARRY_OK;
}

/*
 * Bytes of the budget left to the buffers: what the writer's own tables (the id map, with the
 * doubling of its table when one is due, the deletion bitmap, the lists of segments) leave. The
 * buffers keep at least a quarter of the budget, so an id map larger than three quarters of it
 * makes the writer exceed its budget (writer.h says how large that is).
 */
static size_t available(const quarry_writer *w)
{
    size_t own = strmap_memory(w->ids) + strmap_growth(w->ids, 1, FORMAT_MAX_ID) + w->deleted_cap +
                 (w->segs.cap + w->base.nsegments) * sizeof(manifest_segment) +
                 (w->ws ? workers_memory(w->ws) : 0);
    size_t floor = w->budget / 4;
    return w->budget > own && w->budget - own > floor ? w->budget - own : floor;
}

int writer_add(quarry_writer *w, const quarry_document *doc, const char *where)
{
    int rc = usable(w);
    if (rc)
        return rc;
    const char *sep = where ? ": " : "";
    where = where ? where : "";
    if (doc->id_len == 0 || doc->id_len > FORMAT_MAX_ID || !utf8_valid(doc->id, doc->id_len)) {
        writer_skip(w, "%s%sdocument id is empty, longer than %u bytes or not UTF-8, skipped",
                    where, sep, FORMAT_MAX_ID);
        return QUARRY_EINPUT;
    }
    if (!utf8_valid(doc->title, doc->title_len) || !utf8_valid(doc->text, doc->text_len)) {
        writer_skip(w, "%s%sdocument '%.*s' is not valid UTF-8, skipped", where, sep,
                    (int)doc->id_len, doc->id);
        return QUARRY_EINPUT;
    }
    if (doc->text_len > UINT32_MAX) {
        writer_skip(w, "%s%sdocument '%.*s' has more than 4 GiB of text, skipped", where, sep,
                    (int)doc->id_len, doc->id);
        return QUARRY_EINPUT;
    }
    uint64_t docid = w->base_docs + w->st.docs;
    if (docid >= FORMAT_MAX_DOCS)
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM,
                                  "too many documents for one index");
    uint32_t *slot;
    int inserted;
    if (strmap_upsert(w->ids, doc->id, doc->id_len, (uint32_t)docid, &slot, &inserted))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    if (!inserted && *slot != WRITER_NO_DOC) {
        if (w->opts.mode != QUARRY_WRITER_APPEND) {
            writer_skip(w, "%s%sduplicate document id '%.*s' skipped (the first one is kept)",
                        where, sep, (int)doc->id_len, doc->id);
            return QUARRY_EINPUT;
        }
        if (mark_deleted(w, *slot))
            return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
        w->st.replaced++;
        w->st.deleted++;
    }
    *slot = (uint32_t)docid;
    if (w->sb) {
        uint32_t length;
        size_t before = w->segs.n;
        rc = segbuilder_add(w->sb, doc, available(w), &w->segs, &length);
        if (rc)
            return w->rc = errmsg_set(w->err, sizeof w->err, rc, "%s", segbuilder_errmsg(w->sb));
        w->st.tokens += length;
        w->st.segments += w->segs.n - before;
    } else {
        rc = workers_add(w->ws, doc, available(w), w->input_left);
        if (rc)
            return w->rc = errmsg_set(w->err, sizeof w->err, rc, "%s", workers_errmsg(w->ws));
    }
    w->st.docs++;
    return QUARRY_OK;
}

int quarry_writer_add(quarry_writer *w, const quarry_document *doc)
{
    if (!w || !doc)
        return QUARRY_ERROR;
    return writer_add(w, doc, NULL);
}

int quarry_writer_delete(quarry_writer *w, const char *id, size_t id_len)
{
    int rc = usable(w);
    if (rc)
        return rc;
    uint32_t *slot = strmap_find(w->ids, id, id_len);
    if (!slot || *slot == WRITER_NO_DOC)
        return errmsg_set(w->err, sizeof w->err, QUARRY_ENOTFOUND, "no document with id '%.*s'",
                          (int)(id_len > 200 ? 200 : id_len), id);
    if (mark_deleted(w, *slot))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    *slot = WRITER_NO_DOC;
    w->st.deleted++;
    return QUARRY_OK;
}

int quarry_writer_optimize(quarry_writer *w)
{
    int rc = usable(w);
    if (rc)
        return rc;
    w->optimize = 1;
    return QUARRY_OK;
}

void writer_stop(quarry_writer *w)
{
    workers_free(w->ws);
    segbuilder_free(w->sb);
    w->ws = NULL;
    w->sb = NULL;
}

int quarry_writer_get_stats(quarry_writer_stats *out, const quarry_writer *w)
{
    if (!w)
        return QUARRY_ERROR;
    *out = w->st;
    if (!w->committed) {
        out->terms = w->segs.terms;
        out->postings = w->segs.postings;
    }
    return QUARRY_OK;
}

const char *quarry_writer_errmsg(const quarry_writer *w)
{
    return w ? w->err : "no writer";
}

void writer_remove_uncommitted(const quarry_writer *w)
{
    manifest m;
    char ignored[ERRMSG_CAP];
    if (manifest_read(&m, w->dir, ignored, sizeof ignored) == QUARRY_OK) {
        uint64_t gen = m.generation;
        manifest_free(&m);
        if (gen == w->generation)
            return;
    }
    char seg[48], del[48];
    int nseg = snprintf(seg, sizeof seg, SEG_PREFIX "%" PRIu64 "_", w->generation);
    int ndel = snprintf(del, sizeof del, ".%" PRIu64 FORMAT_SUFFIX_DELETIONS, w->generation);
    DIR *d = opendir(w->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        const char *dot = strchr(n, '.');
        if (strncmp(n, SEG_PREFIX, sizeof SEG_PREFIX - 1) != 0 || !dot)
            continue;
        if (strncmp(n, seg, (size_t)nseg) == 0 || strncmp(dot, del, (size_t)ndel) == 0) {
            char *p = path_join(w->dir, n);
            if (p)
                unlink(p);
            alloc_free(p);
        }
    }
    closedir(d);
}

void quarry_writer_free(quarry_writer *w)
{
    if (!w)
        return;
    writer_stop(w); /* removes the temporary files of unfinished segments */
    if (!w->committed && w->lk.fd >= 0)
        writer_remove_uncommitted(w); /* segments flushed for a commit that never came */
    lock_release(&w->lk);
    strmap_free(w->ids);
    alloc_free(w->deleted);
    manifest_free(&w->base);
    seglist_free(&w->segs);
    alloc_free(w->dir);
    alloc_free(w);
}
