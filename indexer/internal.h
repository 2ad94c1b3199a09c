/*
 * indexer/internal.h: the indexer's modules and how writer.c strings them together.
 *
 *   intake.c    files, folders and JSON Lines -> quarry_document (public add functions)
 *   writer.c    quarry_writer: analysis, document numbering, commit protocol
 *   invert.c    in-memory positional inverted index, fed to the termwriter at commit
 *   termwriter.c term-by-term, document-by-document postings -> .dict, .post, .pos files
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
 * Writes <dir>/<seg>.dict, .post and .pos (durably, by rename) through a termwriter, given the
 * length of each of the segment's ndocs documents (for the block-max impacts; every docid added
 * must be below ndocs), and fills files[0..2] with their suffixes, sizes and checksums. Returns
 * QUARRY_OK, QUARRY_EIO or QUARRY_ENOMEM with a message in err.
 */
int inverter_write(inverter *inv, const char *dir, const char *seg, const uint32_t *lengths,
                   uint32_t ndocs, manifest_file files[3], char *err, size_t cap);

/* ===== termwriter ======================================================================== */

/*
 * The encoder of a segment's term files, .dict, .post and .pos (format.h, docs/FORMAT.md),
 * streaming: terms come in byte order and each term's postings in document order, one or a
 * run at a time, and the memory held is one block of 128 postings and 128 position gaps plus
 * the encoded bytes of the current term. Sticky error: after a failure every call returns it and
 * does nothing, and the message is in termwriter_errmsg. One owner thread.
 *
 *     termwriter *tw;
 *     if (termwriter_open(&tw, dir, "seg_1", lengths, ndocs, err, sizeof err))
 *         return ...;                                   // message in err
 *     for each term, in byte order:
 *         termwriter_begin(tw, term, term_len);
 *         for each document containing it, in increasing order (or a run of them):
 *             termwriter_postings(tw, &doc, &tf, gaps, 1);
 *         termwriter_end(tw);
 *     rc = termwriter_finish(tw, files);                 // message in termwriter_errmsg(tw)
 *     termwriter_free(tw);
 */
typedef struct termwriter termwriter;

/*
 * Starts <dir>/<seg>.dict, .post and .pos as temporary files. lengths[0..ndocs) are the lengths
 * of the segment's documents (for the block-max impacts), borrowed until termwriter_finish.
 * Returns QUARRY_OK, QUARRY_EIO or QUARRY_ENOMEM with a message in err; on failure *out is
 * NULL and no file is left.
 */
int termwriter_open(termwriter **out, const char *dir, const char *seg, const uint32_t *lengths,
                    uint32_t ndocs, char *err, size_t cap);

/*
 * Begins the next term, term[0..len) with len <= 255, which must come strictly after the
 * previous one in byte order (unsigned bytes, the shorter first on a common prefix). Returns
 * the sticky rc: QUARRY_ERROR for a term out of order, too long, or begun inside another term.
 */
int termwriter_begin(termwriter *tw, const uint8_t *term, size_t len);

/*
 * Adds the next n postings of the current term (n may be 0): document docs[i], below ndocs and
 * above the term's previous document, with tfs[i] occurrences (1 <= tf <= the document's
 * length). Their positions come as gaps, one per occurrence, the tfs[0] of docs[0] first, then
 * the tfs[1] of docs[1], and so on: a document's first gap is its first position, each next
 * one its position minus the previous minus 1 (positions 3, 4, 9 are gaps 3, 0, 4); the
 * positions must stay below 2^32. A caller with one posting at hand passes n = 1; one with a
 * run of them saves the per-call work. Returns the sticky rc: QUARRY_ERROR when a rule above
 * is broken (some postings before the offending one may have been added) or no term is begun,
 * QUARRY_ENOMEM.
 */
int termwriter_postings(termwriter *tw, const uint32_t *docs, const uint32_t *tfs,
                        const uint32_t *gaps, uint32_t n);

/*
 * Ends the current term, which must have at least one posting: writes its .post and .pos areas
 * and its dictionary entry. Returns the sticky rc (QUARRY_ERROR, QUARRY_ENOMEM, QUARRY_EIO).
 */
int termwriter_end(termwriter *tw);

/*
 * Writes the dictionary's block table and the three footers, fsyncs the files and renames them
 * into place; fills files[0..2] with their suffixes, sizes and checksums (the manifest's order).
 * Must follow termwriter_end of the last term. Returns the sticky rc; on failure the files not
 * yet renamed are removed (those renamed before the failure are the caller's to remove).
 */
int termwriter_finish(termwriter *tw, manifest_file files[3]);

/* The message of the sticky error ("" if none); valid until the next call on tw. */
const char *termwriter_errmsg(const termwriter *tw);

/* Frees it, removing the temporary files of an unfinished segment. NULL is a no-op. */
void termwriter_free(termwriter *tw);

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
