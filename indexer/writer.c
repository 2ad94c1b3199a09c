/*
 * writer.c: quarry_writer, the public face of the indexer (quarry/writer.h).
 *
 * Holds the folder's writer lock (lock.c) from open to free, so the generation it picks and the
 * files it writes and removes are its own. Numbers documents in the order they are added, runs
 * the analyzer over title and text, feeds the inverter and the docwriter, and commits: segment
 * files first (each written as .tmp, fsynced, renamed), then the MANIFEST that names them (atomic
 * rename, folder fsync), then the removal of files no manifest names any more. A crash before the
 * MANIFEST rename leaves the previous commit in force; leftovers are removed by the next commit.
 * A commit that fails removes the files it wrote itself.
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
#include "common/stemmer.h"
#include "common/tokenizer.h"

#define SEG_PREFIX "seg_"

/* Largest N of the files "seg_N.*" in dir (0 if none). */
static uint64_t max_segment_number(const char *dir)
{
    uint64_t max = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, SEG_PREFIX, sizeof SEG_PREFIX - 1) != 0)
            continue;
        char *end;
        unsigned long long n = strtoull(e->d_name + sizeof SEG_PREFIX - 1, &end, 10);
        if (*end == '.' && n > max)
            max = n;
    }
    closedir(d);
    return max;
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
    w->dir = alloc_strndup(dir, strlen(dir));
    if (!w->dir || strmap_create(&w->ids) || inverter_create(&w->inv))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    const char *lang = opts && opts->language ? opts->language : "english";
    int rc = analyzer_create(&w->an, lang);
    if (rc) {
        char list[1024];
        stemmer_list(list, sizeof list);
        return w->rc = errmsg_set(w->err, sizeof w->err, rc,
                                  rc == QUARRY_ENOTFOUND
                                      ? "unknown stemmer language '%s' (known: none, %s)"
                                      : "cannot create the analyzer for '%s'%s",
                                  lang, rc == QUARRY_ENOTFOUND ? list : "");
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_EIO,
                                  "cannot create index folder %s: %s", dir, strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_EIO, "%s is not a folder", dir);
    rc = lock_acquire(&w->lk, dir, w->err, sizeof w->err);
    if (rc)
        return w->rc = rc;

    /* The new generation follows both the current commit and any leftover segment files, so a
     * new segment never overwrites a file that a manifest or a reader may still use. */
    manifest m;
    char ignored[ERRMSG_CAP];
    uint64_t gen = 0;
    if (manifest_read(&m, dir, ignored, sizeof ignored) == QUARRY_OK) {
        gen = m.generation;
        manifest_free(&m);
    }
    uint64_t seen = max_segment_number(dir);
    w->generation = (gen > seen ? gen : seen) + 1;
    snprintf(w->seg, sizeof w->seg, SEG_PREFIX "%" PRIu64, w->generation);
    rc = docwriter_create(&w->dw, dir, w->seg, w->err, sizeof w->err);
    if (rc)
        return w->rc = rc;
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
    if (w->st.docs >= UINT32_MAX - 1)
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM,
                                  "too many documents for one index");
    uint32_t *slot;
    int inserted;
    if (strmap_upsert(w->ids, doc->id, doc->id_len, (uint32_t)w->st.docs, &slot, &inserted))
        return w->rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    if (!inserted) {
        writer_skip(w, "%s%sduplicate document id '%.*s' skipped (the first one is kept)", where,
                    sep, (int)doc->id_len, doc->id);
        return QUARRY_EINPUT;
    }
    uint32_t docid = (uint32_t)w->st.docs, length;
    rc = inverter_add(w->inv, w->an, docid, doc->title, doc->title_len, doc->text, doc->text_len,
                      &length);
    if (rc)
        return w->rc = errmsg_set(w->err, sizeof w->err, rc, "out of memory while indexing");
    rc = docwriter_add(w->dw, doc->id, doc->id_len, doc->title, doc->title_len, doc->text,
                       doc->text_len, length);
    if (rc)
        return w->rc = errmsg_set(w->err, sizeof w->err, rc, "%s", docwriter_errmsg(w->dw));
    w->st.docs++;
    w->st.tokens += length;
    return QUARRY_OK;
}

int quarry_writer_add(quarry_writer *w, const quarry_document *doc)
{
    if (!w || !doc)
        return QUARRY_ERROR;
    return writer_add(w, doc, NULL);
}

/* Removes the files of other generations and stale temporaries: after a commit the folder
 * holds exactly what the manifest names (plus files that are not quarry's). */
static void remove_unused(const quarry_writer *w)
{
    DIR *d = opendir(w->dir);
    if (!d)
        return;
    size_t seglen = strlen(w->seg);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        int ours = strncmp(n, SEG_PREFIX, sizeof SEG_PREFIX - 1) == 0;
        int tmp = len > 4 && strcmp(n + len - 4, ".tmp") == 0 &&
                  (ours || strncmp(n, FORMAT_MANIFEST_NAME, sizeof FORMAT_MANIFEST_NAME - 1) == 0);
        int current = strncmp(n, w->seg, seglen) == 0 && n[seglen] == '.' && !tmp;
        if ((ours && !current) || tmp) {
            char *p = path_join(w->dir, n);
            if (p)
                unlink(p);
            alloc_free(p);
        }
    }
    closedir(d);
}

/* After a failed commit, removes the segment files it had already renamed into place (its
 * temporaries are gone already: filew removes them on failure), unless the MANIFEST names them:
 * when only the folder sync after the MANIFEST rename failed, the new commit is in force. */
static void remove_uncommitted(const quarry_writer *w)
{
    manifest m;
    char ignored[ERRMSG_CAP];
    if (manifest_read(&m, w->dir, ignored, sizeof ignored) == QUARRY_OK) {
        uint64_t gen = m.generation;
        manifest_free(&m);
        if (gen == w->generation)
            return;
    }
    for (int i = 0; i < FORMAT_SEGMENT_FILES; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s%s", w->seg, manifest_suffixes[i]);
        char *p = path_join(w->dir, name);
        if (p)
            unlink(p);
        alloc_free(p);
    }
}

int quarry_writer_commit(quarry_writer *w)
{
    int rc = usable(w);
    if (rc)
        return rc;
    manifest_segment seg;
    memset(&seg, 0, sizeof seg);
    snprintf(seg.name, sizeof seg.name, "%s", w->seg);
    seg.docs = (uint32_t)w->st.docs;
    rc = docwriter_finish(w->dw, &seg.files[3], &seg.tokens);
    if (rc) {
        errmsg_set(w->err, sizeof w->err, rc, "%s", docwriter_errmsg(w->dw));
        goto done;
    }
    rc = inverter_write(w->inv, w->dir, w->seg, docwriter_lengths(w->dw), seg.docs, &seg.files[0],
                        w->err, sizeof w->err);
    if (rc)
        goto done;
    manifest m;
    memset(&m, 0, sizeof m);
    m.generation = w->generation;
    snprintf(m.language, sizeof m.language, "%s", analyzer_language(w->an));
    m.nsegments = 1;
    m.segments = &seg;
    rc = manifest_write(&m, w->dir, w->err, sizeof w->err);
    if (rc)
        goto done;
    w->committed = 1;
    w->st.terms = inverter_terms(w->inv);
    w->st.postings = inverter_postings(w->inv);
    w->st.index_bytes = 0;
    for (int i = 0; i < FORMAT_SEGMENT_FILES; i++)
        w->st.index_bytes += seg.files[i].size;
    w->st.store_bytes = seg.files[4].size;
    remove_unused(w);
    w->err[0] = '\0';
done:
    if (rc) {
        remove_uncommitted(w);
        w->rc = rc;
    }
    return rc;
}

int quarry_writer_get_stats(quarry_writer_stats *out, const quarry_writer *w)
{
    if (!w)
        return QUARRY_ERROR;
    *out = w->st;
    if (!w->committed && w->inv) {
        out->terms = inverter_terms(w->inv);
        out->postings = inverter_postings(w->inv);
    }
    return QUARRY_OK;
}

const char *quarry_writer_errmsg(const quarry_writer *w)
{
    return w ? w->err : "no writer";
}

void quarry_writer_free(quarry_writer *w)
{
    if (!w)
        return;
    docwriter_free(w->dw); /* removes its temporary file: before the lock goes */
    lock_release(&w->lk);
    inverter_free(w->inv);
    analyzer_free(w->an);
    strmap_free(w->ids);
    alloc_free(w->dir);
    alloc_free(w);
}
