/*
 * merge.c: the merge policy applied by a commit (internal.h, merge_policy_apply). It plans
 * merges with merge_plan (segmerge.c: tiers of adjacent segments of about the same size, ten
 * at a time, and segments mostly deleted rewritten alone) and carries them out with
 * segmerge_run, until the plan is empty; quarry_writer_optimize asks instead for one merge of
 * everything into a single segment without deleted documents. Merges run in the committing
 * thread, before the MANIFEST is written, so a crash or a failure during a merge leaves the
 * previous commit in force.
 */
#include "internal.h"

#include <string.h>

#include "common/alloc.h"

/* Merges v[first .. first + count) into one segment, written under the next segment name
 * (or into nothing when all their documents are deleted: *out->ms.docs is then 0 and no file
 * is written). */
static int merge_one(quarry_writer *w, const writer_segment *v, size_t first, size_t count,
                     writer_segment *out)
{
    segment *opened = alloc_array(count, sizeof *opened);
    merge_input *in = alloc_array(count, sizeof *in);
    int rc = QUARRY_OK;
    size_t nopen = 0;
    memset(out, 0, sizeof *out);
    if (!opened || !in) {
        rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t live = 0;
    for (size_t i = 0; i < count; i++)
        live += v[first + i].ms.docs - v[first + i].ndeleted;
    if (live == 0)
        goto done;
    for (; nopen < count; nopen++) {
        rc = segment_open(&opened[nopen], w->dir, &v[first + nopen].ms, w->err, sizeof w->err);
        if (rc)
            goto done;
        in[nopen].seg = &opened[nopen];
        in[nopen].deleted = v[first + nopen].ndeleted ? v[first + nopen].deleted : NULL;
    }
    char name[64];
    rc = writer_segment_name(w, name, sizeof name);
    if (rc) {
        errmsg_set(w->err, sizeof w->err, rc, "too many segments in one commit");
        goto done;
    }
    rc = segmerge_run(w->dir, name, in, count, &out->ms, w->err, sizeof w->err);
done:
    for (size_t i = 0; i < nopen; i++)
        segment_close(&opened[i]);
    alloc_free(opened);
    alloc_free(in);
    return rc;
}

/* Replaces v[first .. first + count) of *segs by *m (dropped when it holds no document). */
static void replace_run(writer_segment *v, size_t *n, size_t first, size_t count,
                        const writer_segment *m)
{
    for (size_t i = first; i < first + count; i++)
        alloc_free(v[i].deleted);
    size_t keep = m->ms.docs ? 1 : 0;
    memmove(v + first + keep, v + first + count, (*n - first - count) * sizeof *v);
    if (keep)
        v[first] = *m;
    *n -= count - keep;
}

int merge_policy_apply(quarry_writer *w, writer_segment **segs, size_t *n)
{
    writer_segment *v = *segs;
    uint64_t *live = NULL, *dead = NULL;
    merge_run *runs = NULL;
    int rc = QUARRY_OK;
    for (int round = 0;; round++) {
        size_t nruns;
        if (w->optimize) {
            /* One segment without deleted documents; nothing to do if that is the index. */
            int clean = *n == 1 && v[0].ndeleted == 0;
            if (round > 0 || *n == 0 || clean)
                break;
            alloc_free(runs);
            if (!(runs = alloc_array(1, sizeof *runs))) {
                rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
                break;
            }
            runs[0] = (merge_run){0, *n};
            nruns = 1;
        } else {
            alloc_free(live);
            alloc_free(dead);
            alloc_free(runs);
            live = alloc_array(*n + 1, sizeof *live);
            dead = alloc_array(*n + 1, sizeof *dead);
            runs = alloc_array(*n + 1, sizeof *runs);
            if (!live || !dead || !runs) {
                rc = errmsg_set(w->err, sizeof w->err, QUARRY_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < *n; i++) {
                live[i] = v[i].ms.docs - v[i].ndeleted;
                dead[i] = v[i].ndeleted;
            }
            nruns = merge_plan(live, dead, *n, runs, *n + 1);
            if (nruns == 0)
                break;
        }
        /* From the last run back, so that the earlier runs' indexes stay valid. */
        for (size_t r = nruns; r-- > 0 && !rc;) {
            writer_segment m;
            rc = merge_one(w, v, runs[r].first, runs[r].count, &m);
            if (!rc) {
                replace_run(v, n, runs[r].first, runs[r].count, &m);
                w->st.merged_segments += runs[r].count;
                w->st.merges += m.ms.docs > 0; /* a run of deleted documents only vanishes */
            }
        }
        if (rc)
            break;
    }
    alloc_free(live);
    alloc_free(dead);
    alloc_free(runs);
    return rc;
}
