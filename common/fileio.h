/*
 * fileio: the file primitives of the index: a checksumming, sticky-error writer for new
 * files that become visible only by an atomic rename, and read-only memory maps.
 */
#ifndef QUARRY_COMMON_FILEIO_H
#define QUARRY_COMMON_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

/* Bytes of a filew's write buffer (memory budgets count it). */
#define FILEW_BUFFER (256u << 10)

/*
 * A file being written as `<path>.tmp` and renamed to `<path>` by filew_commit. Writes are
 * buffered; the CRC-32 of everything written is kept. Sticky error: after a failure every
 * call is a no-op and filew_commit returns the error with a message in `err`.
 */
typedef struct filew {
    int fd;               /* open descriptor of the .tmp file, -1 when closed */
    char *path;           /* final path */
    char *tmp;            /* path of the temporary file */
    uint8_t *wbuf;        /* write buffer */
    size_t wlen;          /* bytes pending in wbuf */
    uint64_t size;        /* bytes written so far (including pending) */
    uint32_t crc;         /* CRC-32 of those bytes */
    uint32_t sealed_crc;  /* the CRC written by filew_footer (what the manifest records) */
    int rc;               /* QUARRY_OK or the first error */
    char err[ERRMSG_CAP]; /* message of the first error */
} filew;

/* Creates `<path>.tmp` (truncating a stale one). Returns rc (QUARRY_OK, QUARRY_EIO, ENOMEM). */
int filew_open(filew *f, const char *path);

/* Appends n bytes. */
void filew_write(filew *f, const void *p, size_t n);

/* Appends the standard 16-byte header of `kind` (format.h). */
void filew_header(filew *f, const char *kind);

/* Appends the standard footer: tail, then the CRC of everything before, then "QEND". */
void filew_footer(filew *f, uint64_t tail);

/*
 * Flushes, fsyncs, closes and renames the file into place. *size and *crc (may be NULL)
 * receive the final size and the CRC-32 stored in the footer (of every byte before it). Returns rc;
 * on failure the temporary file is removed.
 */
int filew_commit(filew *f, uint64_t *size, uint32_t *crc);

/* Abandons the file (removes the temporary). Safe after commit or failure; frees memory. */
void filew_abort(filew *f);

/* A read-only mapping of a whole file. */
typedef struct filemap {
    const uint8_t *data; /* NULL for an empty file */
    size_t size;         /* bytes */
} filemap;

/*
 * Maps `path` read-only. Returns QUARRY_OK, QUARRY_ENOTFOUND (no such file) or QUARRY_EIO,
 * with a message in err (cap bytes).
 */
int filemap_open(filemap *m, const char *path, char *err, size_t cap);

/* Unmaps. Safe on a zeroed or already closed map. */
void filemap_close(filemap *m);

/*
 * fsyncs the folder `dir` so that renames inside it are durable. Returns QUARRY_OK or
 * QUARRY_EIO with a message.
 */
int fsync_dir(const char *dir, char *err, size_t cap);

/* Joins dir and name with '/' into a new string (alloc_free it); NULL on ENOMEM. */
char *path_join(const char *dir, const char *name);

#endif
