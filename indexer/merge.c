/*
 * merge.c: the merge policy, the one place that decides which segments of a commit are merged
 * (the contract is merge_policy_apply's, in internal.h). This version merges nothing: every
 * commit names the segments of the previous one (append mode) and those its writer flushed,
 * each with its deletions. quarry_writer_commit (commit.c) calls it after the buffers are
 * flushed and before the deletion files and the MANIFEST are written.
 */
#include "internal.h"

#include "quarry/error.h"

int merge_policy_apply(quarry_writer *w, writer_segment **segs, size_t *n)
{
    (void)w;
    (void)segs;
    (void)n;
    return QUARRY_OK;
}
