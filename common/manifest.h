/*
 * manifest: the commit record of an index folder (file MANIFEST): the generation, the stemmer
 * language and the segments with their files' sizes and checksums. The writer creates it last
 * in a commit, atomically; readers open only what it names. Layout in common/format.h and
 * docs/FORMAT.md.
 */
#ifndef QUARRY_COMMON_MANIFEST_H
#define QUARRY_COMMON_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

/* One file of a segment. */
typedef struct manifest_file {
    char suffix[32]; /* ".dict", ".post", ..., ".7.del" (NUL-terminated) */
    uint64_t size;   /* bytes */
    uint32_t crc;    /* CRC-32 of the whole file except its last 8 bytes (crc and "QEND") */
} manifest_file;

/* One segment. */
typedef struct manifest_segment {
    char name[64];                             /* file name prefix, e.g. "seg_1" */
    uint32_t docs;                             /* documents in the segment */
    uint64_t tokens;                           /* sum of their lengths */
    manifest_file files[FORMAT_SEGMENT_FILES]; /* in the order of format.h's suffixes */
    uint32_t deleted;                          /* documents marked deleted, <= docs */
    manifest_file del; /* when deleted > 0: the deletion file <name><del.suffix> */
} manifest_segment;

/* A parsed manifest. */
typedef struct manifest {
    uint64_t generation;                    /* commit number, 1 for the first commit */
    char language[FORMAT_MAX_LANGUAGE + 1]; /* stemmer language, NUL-terminated */
    uint32_t nsegments;                     /* segments in use */
    manifest_segment *segments;             /* nsegments entries (alloc'd; manifest_free) */
} manifest;

/*
 * Reads and checks dir/MANIFEST (header, version, checksum, every field; segment names
 * unique, at most FORMAT_MAX_DOCS documents in all). Returns QUARRY_OK,
 * QUARRY_ENOTFOUND (no manifest: not an index), QUARRY_EVERSION, QUARRY_ECORRUPT, QUARRY_EIO
 * or QUARRY_ENOMEM, with a message in err. On failure *m is empty.
 */
int manifest_read(manifest *m, const char *dir, char *err, size_t cap);

/*
 * Writes dir/MANIFEST atomically and durably (MANIFEST.tmp, fsync, rename, fsync of dir).
 * Returns QUARRY_OK or QUARRY_EIO/QUARRY_ENOMEM with a message in err.
 */
int manifest_write(const manifest *m, const char *dir, char *err, size_t cap);

/* Frees the segment array. Safe on a zeroed manifest. */
void manifest_free(manifest *m);

/* The suffixes of a segment's files, FORMAT_SEGMENT_FILES of them, in manifest order. */
extern const char *const manifest_suffixes[FORMAT_SEGMENT_FILES];

#endif
