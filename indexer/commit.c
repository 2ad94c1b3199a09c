/*
 * commit.c: quarry_writer_commit, the commit protocol of docs/FORMAT.md for an index of many
 * segments.
 *
 * 1. The buffers are flushed: every document added is now in a segment file of generation G,
 *    fsynced and renamed (most were written while documents were still being added, whenever a
 *    buffer reached its memory limit). The indexing threads stop.
 * 2. The segments of the commit are listed in docid order, the previous commit's first (append
 *    mode), each with its slice of the writer's deletion bitmap, and merge_policy_apply may
 *    replace some of them by merged ones (merge.c).
 * 3. Every segment whose deletions changed gets a new deletion file <seg>.<G>.del (fsynced,
 *    renamed); the others keep the file the previous commit named, if any.
 * 4. MANIFEST.tmp is written, fsynced and renamed to MANIFEST, and the folder fsynced: the
 *    commit point.
 * 5. Files no longer named by the MANIFEST are removed: other generations' segments and
 *    deletion files, superseded deletion files, leftovers of killed writers, temporaries.
 *    Readers that mapped them keep their data (POSIX unlink semantics).
 * A failure before step 4 removes every file of generation G (writer_remove_uncommitted) and
 * leaves the previous commit in force, untouched.
 */
#include "internal.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/format.h"

/* Frees the list and the bitmaps in it. */
static void free_list(writer_segment *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        alloc_free(v[i].deleted);
    alloc_free(v);
}

/* Builds the list of the commit's segments: the previous commit's (append mode), then the new
 * ones, each with its deletions cut out of the writer's bitmap. */
static int list_segments(quarry_writer *w, writer_segment **out, size_t *n)
{
    size_t total = w->base.nsegments + w->segs.n;
    writer_segment *v = alloc_array(total, sizeof *v);
    if (!v)
        return errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    uint64_t first = 0;
    for (size_t i = 0; i < total; i++) {
        writer_segment *s = &v[i];
        s->ms = i < w->base.nsegments ? w->base.segments[i] : w->segs.v[i - w->base.nsegments];
        for (uint32_t d = 0; d < s->ms.docs; d++) {
            if (!writer_deleted(w, first + d))
                continue;
            if (!s->deleted && !(s->deleted = alloc_array((s->ms.docs + 7) / 8, 1))) {
                free_list(v, total);
                return errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
            }
            s->deleted[d / 8] |= (uint8_t)(1u << (d % 8));
            s->ndeleted++;
        }
        first += s->ms.docs;
    }
    *out = v;
    *n = total;
    return QUARRY_OK;
}

/* Writes <seg>.<G>.del for s and records it in s->ms. */
static int write_deletions(quarry_writer *w, writer_segment *s)
{
    manifest_file *f = &s->ms.del;
    snprintf(f->suffix, sizeof f->suffix, ".%" PRIu64 "%s", w->generation, FORMAT_SUFFIX_DELETIONS);
    char name[sizeof s->ms.name + sizeof f->suffix];
    snprintf(name, sizeof name, "%s%s", s->ms.name, f->suffix);
    char *path = path_join(w->dir, name);
    if (!path)
        return errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
    filew fw;
    if (filew_open(&fw, path) == QUARRY_OK) {
        uint8_t head[8];
        for (int k = 0; k < 4; k++) {
            head[k] = (uint8_t)(s->ms.docs >> (8 * k));
            head[4 + k] = (uint8_t)(s->ndeleted >> (8 * k));
        }
        filew_header(&fw, FORMAT_KIND_DELETIONS);
        filew_write(&fw, head, sizeof head);
        filew_write(&fw, s->deleted, ((size_t)s->ms.docs + 7) / 8);
        filew_footer(&fw, 0);
    }
    alloc_free(path);
    int rc = filew_commit(&fw, &f->size, &f->crc);
    if (rc)
        return errmsg_set(w->err, sizeof w->err, rc, "%s", fw.err);
    s->ms.deleted = s->ndeleted;
    return QUARRY_OK;
}

/* Adds the names of the files manifest entry ms names to `names`. */
static int name_files(strmap *names, const manifest_segment *ms)
{
    char n[sizeof ms->name + sizeof ms->del.suffix];
    for (int i = 0; i < FORMAT_SEGMENT_FILES; i++) {
        int len = snprintf(n, sizeof n, "%s%s", ms->name, manifest_suffixes[i]);
        if (strmap_upsert(names, n, (size_t)len, 0, NULL, NULL))
            return QUARRY_ENOMEM;
    }
    if (ms->deleted) {
        int len = snprintf(n, sizeof n, "%s%s", ms->name, ms->del.suffix);
        if (strmap_upsert(names, n, (size_t)len, 0, NULL, NULL))
            return QUARRY_ENOMEM;
    }
    return QUARRY_OK;
}

/* Removes the files that the MANIFEST just written does not name: "seg_*" files of other
 * generations or superseded, and temporaries (ours and MANIFEST.tmp). Other files are kept.
 * Best effort: a file that cannot be removed now is removed by a later commit. */
static void remove_unused(const quarry_writer *w, const manifest *m)
{
    strmap *names = NULL;
    if (strmap_create(&names))
        return;
    for (uint32_t i = 0; i < m->nsegments; i++)
        if (name_files(names, &m->segments[i])) {
            strmap_free(names);
            return;
        }
    DIR *d = opendir(w->dir);
    if (!d) {
        strmap_free(names);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        uint32_t ignored;
        int ours = strncmp(n, "seg_", 4) == 0;
        int tmp = len > 4 && strcmp(n + len - 4, ".tmp") == 0 &&
                  (ours || strncmp(n, FORMAT_MANIFEST_NAME, sizeof FORMAT_MANIFEST_NAME - 1) == 0);
        if ((ours && !strmap_get(names, n, len, &ignored)) || tmp) {
            char *p = path_join(w->dir, n);
            if (p)
                unlink(p);
            alloc_free(p);
        }
    }
    closedir(d);
    strmap_free(names);
}

int quarry_writer_commit(quarry_writer *w)
{
    if (!w)
        return QUARRY_ERROR;
    if (w->rc)
        return w->rc;
    if (w->committed)
        return errmsg_set(w->err, sizeof w->err, QUARRY_ERROR, "writer already committed");
    writer_segment *list = NULL;
    size_t n = 0;
    manifest m;
    memset(&m, 0, sizeof m);
    int rc;
    if (w->sb) {
        rc = segbuilder_flush(w->sb, &w->segs);
        if (rc)
            errmsg_set(w->err, sizeof w->err, rc, "%s", segbuilder_errmsg(w->sb));
    } else {
        rc = workers_finish(w->ws, &w->segs);
        if (rc)
            errmsg_set(w->err, sizeof w->err, rc, "%s", workers_errmsg(w->ws));
    }
    writer_stop(w);
    if (rc)
        goto done;
    if ((rc = list_segments(w, &list, &n)) || (rc = merge_policy_apply(w, &list, &n)))
        goto done;
    if (n > UINT32_MAX) {
        rc = errmsg_set(w->err, sizeof w->err, QUARRY_ERROR, "too many segments");
        goto done;
    }
    m.generation = w->generation;
    snprintf(m.language, sizeof m.language, "%s", w->language);
    m.nsegments = (uint32_t)n;
    if (!(m.segments = alloc_array(n, sizeof *m.segments))) {
        rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i].ndeleted != list[i].ms.deleted && (rc = write_deletions(w, &list[i])))
            goto done;
        m.segments[i] = list[i].ms;
    }
    if ((rc = manifest_write(&m, w->dir, w->err, sizeof w->err)))
        goto done;
    w->committed = 1;
    w->st.terms = w->segs.terms;
    w->st.postings = w->segs.postings;
    w->st.segments = w->segs.n;
    w->st.tokens = 0;
    for (size_t i = 0; i < w->segs.n; i++)
        w->st.tokens += w->segs.v[i].tokens;
    w->st.index_docs = w->st.index_bytes = w->st.store_bytes = 0;
    w->st.index_segments = n;
    for (size_t i = 0; i < n; i++) {
        const manifest_segment *s = &m.segments[i];
        w->st.index_docs += s->docs - s->deleted;
        for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
            w->st.index_bytes += s->files[f].size;
        w->st.index_bytes += s->deleted ? s->del.size : 0;
        w->st.store_bytes += s->files[SEG_STORE].size;
    }
    remove_unused(w, &m);
    w->err[0] = '\0';
done:
    if (rc) {
        writer_remove_uncommitted(w);
        w->rc = rc;
    }
    free_list(list, n);
    alloc_free(m.segments);
    return rc;
}
