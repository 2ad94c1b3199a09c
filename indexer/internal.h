/*
 * indexer/internal.h: the indexer's modules and how writer.c strings them together.
 *
 *   intake.c    files, folders and JSON Lines -> quarry_document (public add functions)
 *   writer.c    quarry_writer: analysis, document numbering, commit protocol
 *   invert.c    in-memory positional inverted index -> .dict, .post, .pos files
 *   docwriter.c document table and zlib document store -> .docs, .store files
 *   lock.c      the LOCK file: one writer at a time per index folder
 */
#ifndef QUARRY_INDEXER_INTERNAL_H
#define QUARRY_INDEXER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/analyzer.h"
#include "common/errmsg.h"
#include "common/manifest.h"
#include "common/strmap.h"
#include "quarry/writer.h"

/* ===== invert ============================================================================ */

/* The postings of one segment being built in RAM. One owner thread. */
typedef struct inverter inverter;

/* Creates an empty inverter. Returns QUARRY_OK or QUARRY_ENOMEM. */
int inverter_create(inverter **out);

/* Frees it. NULL is a no-op. */
void inverter_free(inverter *inv);

/*
 * Analyzes a document with `an` and adds its terms as document number `docid`, which must be
 * greater than every docid added before. Title words take positions 0..t-1 and text words
 * start at t + 1 (the unused position t keeps phrases from spanning title and text).
 * *length receives the document's length in tokens. Returns QUARRY_OK or QUARRY_ENOMEM.
 */
int inverter_add(inverter *inv, analyzer *an, uint32_t docid, const char *title, size_t title_len,
                 const char *text, size_t text_len, uint32_t *length);

/* Distinct terms and (term, document) postings so far. */
uint64_t inverter_terms(const inverter *inv);
uint64_t inverter_postings(const inverter *inv);

/*
 * Writes <dir>/<seg>.dict, .post and .pos (durably, by rename), given every document's length
 * (for the block-max impacts) and fills files[0..2] with their
 * suffixes, sizes and checksums. Returns QUARRY_OK, QUARRY_EIO or QUARRY_ENOMEM with a message
 * in err.
 */
int inverter_write(inverter *inv, const char *dir, const char *seg, const uint32_t *lengths,
                   manifest_file files[3], char *err, size_t cap);

/* ===== docwriter ========================================================================= */

/* The document table and document store of one segment. The store streams to disk as blocks
 * fill; the table stays in RAM until docwriter_finish. */
typedef struct docwriter docwriter;

/* Starts <dir>/<seg>.store (as a temporary file). Returns QUARRY_OK, QUARRY_EIO, QUARRY_ENOMEM. */
int docwriter_create(docwriter **out, const char *dir, const char *seg, char *err, size_t cap);

/* Adds the next document's record and text. Returns QUARRY_OK, QUARRY_EIO or QUARRY_ENOMEM
 * (sticky: later calls return it too; the message is in docwriter_errmsg). */
int docwriter_add(docwriter *dw, const char *id, size_t id_len, const char *title, size_t title_len,
                  const char *text, size_t text_len, uint32_t length);

/* Writes <seg>.docs and seals <seg>.store; fills files[0..1]. Returns as docwriter_add. */
int docwriter_finish(docwriter *dw, manifest_file files[2], uint64_t *tokens);

/* The lengths of the documents added so far, indexed by docid (valid until the next add). */
const uint32_t *docwriter_lengths(const docwriter *dw);

/* Detailed message of the sticky error. */
const char *docwriter_errmsg(const docwriter *dw);

/* Frees it, removing any unfinished temporary file. NULL is a no-op. */
void docwriter_free(docwriter *dw);

/* ===== lock ============================================================================== */

/* The writer lock of an index folder, held from lock_acquire to lock_release. */
typedef struct lock {
    int fd;     /* open descriptor of <dir>/LOCK while held, -1 otherwise */
    char *path; /* <dir>/LOCK while held, NULL otherwise */
} lock;

/*
 * Takes the writer lock of the existing folder `dir`: an exclusive flock(2) on <dir>/LOCK
 * (created if missing), into which the holder's pid is written. Never waits. Returns QUARRY_OK;
 * QUARRY_ELOCKED when another writer holds it, in this process or another, with the message
 * "<dir>: locked by another writer (pid N)"; QUARRY_EIO (the file cannot be created or the file
 * system refuses locks) or QUARRY_ENOMEM, with a message in err. On failure *l holds nothing.
 */
int lock_acquire(lock *l, const char *dir, char *err, size_t cap);

/* Releases the lock (removing the LOCK file) if held. Safe on a lock that failed or was
 * released; the process exiting releases it too. */
void lock_release(lock *l);

/* ===== writer ============================================================================ */

struct quarry_writer {
    char *dir;                  /* index folder */
    quarry_writer_options opts; /* options given at open (language pointer not kept) */
    analyzer *an;               /* document analysis */
    inverter *inv;              /* postings being built */
    docwriter *dw;              /* document table and store being built */
    strmap *ids;                /* external ids added, to reject duplicates */
    lock lk;                    /* the folder's writer lock, held from open to free */
    uint64_t generation;        /* generation the commit will write */
    char seg[64];               /* name of the segment being built */
    quarry_writer_stats st;     /* counters */
    int rc;                     /* sticky failure (ENOMEM, EIO): the writer is unusable */
    int committed;              /* 1 after a successful commit */
    char err[ERRMSG_CAP];       /* last failure or warning */
};

/*
 * quarry_writer_add with the place of the document in its input ("x.jsonl:12", a path; NULL
 * for none) put before any warning. Returns QUARRY_EINPUT for a rejected document (reported
 * and counted by writer_skip, whatever the strict mode), or as quarry_writer_add.
 */
int writer_add(quarry_writer *w, const quarry_document *doc, const char *where);

/*
 * Reports a skipped input record: formats the message into w->err, calls the warn callback
 * and counts it. Returns QUARRY_EINPUT in strict mode (the caller stops), else QUARRY_OK.
 */
int writer_skip(quarry_writer *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
