/*
 * indexer/internal.h: the indexer's modules and how writer.c strings them together.
 *
 *   intake.c    files, folders and JSON Lines -> quarry_document (public add functions)
 *   writer.c    quarry_writer: checks, document numbering, ids and deletions, memory budget
 *   segbuild.c  one thread's buffer (inverter + docwriter) and its flush as a segment
 *   workers.c   indexing threads: batches of documents, each made into segments by a worker
 *   commit.c    the commit protocol: deletion files, MANIFEST, cleanup
 *   merge.c     the merge policy, called by the commit before the MANIFEST is written
 *   segmerge.c  segments -> one segment without the deleted documents; merge_plan
 *   invert.c    in-memory positional inverted index, fed to the termwriter at flush
 *   termwriter.c term-by-term, document-by-document postings -> .dict, .post, .pos files
 *   docwriter.c document table and zlib document store -> .docs, .store files
 *   lock.c      the LOCK file: one writer at a time per index folder
 *
 * With one thread, writer.c hands each document to its segbuilder on the calling thread; with
 * several, to workers.c, whose threads each own a segbuilder. Either way every flushed segment
 * ends up, in docid order, in the writer's `segs`, and quarry_writer_commit (commit.c) puts
 * the previous commit's segments (append mode) and these into one list with their deletions,
 * lets merge_policy_apply rewrite it, and commits it.
 */
#ifndef QUARRY_INDEXER_INTERNAL_H
#define QUARRY_INDEXER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/analyzer.h"
#include "common/errmsg.h"
#include "common/manifest.h"
#include "common/segment.h"
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

/* Bytes the inverter holds: its tables, the terms' state and buffers, allocator overhead
 * included (counted as they grow: O(1)). */
size_t inverter_memory(const inverter *inv);

/* What a document may add to an inverter, for memory bounds. */
typedef struct doc_bound {
    size_t tokens;    /* its words: at most as many positions and postings */
    size_t new_words; /* words the inverter has not seen: at most as many new terms */
    size_t folded;    /* bytes of those words folded (their terms are no longer) */
} doc_bound;

/* Counts exactly what the document of that title and text would add (tokenizing it, without
 * stemming: each word is looked up in the inverter's word cache). Costs about half an
 * inverter_add. */
void inverter_count(const inverter *inv, const char *title, size_t title_len, const char *text,
                    size_t text_len, doc_bound *out);

/*
 * An upper bound of the bytes the inverter may allocate beyond inverter_memory while one more
 * document bounded by *d is added and the segment is then written by inverter_write: table and
 * array doublings (old and new held at once), the new terms' state, the growth of the buffers
 * (the largest of each kind doubling) and inverter_write's scratch (sort keys, the longest list
 * decoded, its encoded areas, write buffers). Whoever changes what inverter_write allocates
 * changes this bound with it. O(1).
 */
size_t inverter_reserve(const inverter *inv, const doc_bound *d);

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

/* Appends a compressed store block as it is: z[0..clen) is a zlib stream of rawlen > 0 bytes,
 * taken whole from another segment's store (the caller checked its record; the stream's own
 * Adler-32 still guards its bytes for readers). The block being filled is closed first, so it
 * may be shorter than FORMAT_STORE_BLOCK. Returns QUARRY_OK, QUARRY_EIO, QUARRY_ENOMEM, or
 * QUARRY_ERROR for rawlen 0; sticky as docwriter_add. */
int docwriter_copy_block(docwriter *dw, const uint8_t *z, uint32_t clen, uint32_t rawlen);

/* Adds the next document, whose text is bytes [offset, offset + text_len) of the block that
 * docwriter_copy_block appended last. Valid until docwriter_add adds a non-empty text; fails
 * with QUARRY_ERROR outside that or outside the block. Otherwise returns as docwriter_add. */
int docwriter_add_stored(docwriter *dw, const char *id, size_t id_len, const char *title,
                         size_t title_len, uint32_t offset, uint32_t text_len, uint32_t length);

/* Writes <seg>.docs and seals <seg>.store; fills files[0..1]. Returns as docwriter_add. */
int docwriter_finish(docwriter *dw, manifest_file files[2], uint64_t *tokens);

/* The lengths of the documents added so far, indexed by docid (valid until the next add). */
const uint32_t *docwriter_lengths(const docwriter *dw);

/* Bytes the docwriter holds: its buffers and tables, both compressors and the store file's
 * write buffer. */
size_t docwriter_memory(const docwriter *dw);

/* An upper bound of the bytes it may allocate beyond docwriter_memory while one more document
 * of doc_bytes bytes is added and docwriter_finish then runs. */
size_t docwriter_reserve(const docwriter *dw, size_t doc_bytes);

/* Detailed message of the sticky error. */
const char *docwriter_errmsg(const docwriter *dw);

/* Frees it, removing any unfinished temporary file. NULL is a no-op. */
void docwriter_free(docwriter *dw);

/* ===== segmerge ======================================================================== */

/* One segment to merge: an opened segment and the documents of it to drop. */
typedef struct merge_input {
    const segment *seg;     /* the segment (common/segment.h) */
    const uint8_t *deleted; /* bitmap of its deleted documents (bit d % 8 of byte d / 8), or
                               NULL for none; it may be newer than the segment's .del file */
} merge_input;

/*
 * Writes segment <dir>/<name> (its five files, each durably by rename) holding the live
 * documents of in[0..n), in order: their table entries, texts and postings, renumbered from 0.
 * Terms whose every posting was deleted are dropped. Fills *out (name, docs, tokens, files; no
 * deletions). Memory: 4 bytes per input document, the new document table, one posting block
 * per input; never a whole posting list. Returns QUARRY_OK; QUARRY_ECORRUPT (an input is
 * malformed: the message names its file); QUARRY_EIO or QUARRY_ENOMEM, with a message in err.
 * On failure the files already renamed into place stay: the caller's commit removes every file
 * its manifest does not name.
 */
int segmerge_run(const char *dir, const char *name, const merge_input *in, size_t n,
                 manifest_segment *out, char *err, size_t cap);

#define MERGE_FACTOR     10   /* segments of one tier merged at once */
#define MERGE_FLOOR_DOCS 1000 /* segments below this many documents all count as this size */
#define MERGE_DELETED_PCT                                                                          \
    30 /* a segment with more deleted documents than this percentage                               \
          is rewritten even when its tier is not full */

/* Adjacent segments [first, first + count) to merge into one. */
typedef struct merge_run {
    size_t first; /* index of the first segment */
    size_t count; /* segments */
} merge_run;

/*
 * The merge policy: given n segments in order, live[i] documents and deleted[i] deleted ones
 * each, writes up to cap disjoint runs, in order, into runs and returns their number (0: no
 * merge needed). Applying them and planning again may find more (a merge can fill the next
 * tier): callers repeat until it returns 0.
 */
size_t merge_plan(const uint64_t *live, const uint64_t *deleted, size_t n, merge_run *runs,
                  size_t cap);

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

/* ===== segbuild ========================================================================== */

/* Segments written, in docid order, with the counters of their inverters. */
typedef struct seglist {
    manifest_segment *v; /* the segments' manifest entries (no deletions) */
    size_t n;            /* entries used */
    size_t cap;          /* entries allocated */
    uint64_t terms;      /* dictionary entries written, summed over the segments */
    uint64_t postings;   /* postings written, summed likewise */
} seglist;

/* Appends a copy of *ms. Returns QUARRY_OK or QUARRY_ENOMEM. */
int seglist_push(seglist *l, const manifest_segment *ms);

/* Appends every entry of `from` and adds its counters. Returns QUARRY_OK or QUARRY_ENOMEM. */
int seglist_append(seglist *l, const seglist *from);

/* Frees the entries; the list is empty again. */
void seglist_free(seglist *l);

/* Writes the name of the next segment (NUL-terminated, cap bytes) into `name`. Returns
 * QUARRY_OK, or QUARRY_ERROR when the commit has used every name. */
typedef int (*segname_fn)(void *ctx, char *name, size_t cap);

/* One thread's buffer: an analyzer, and the inverter and docwriter of the segment being
 * filled. Used by one thread at a time. */
typedef struct segbuilder segbuilder;

/* Creates an empty buffer writing into `dir`, analyzing in `language` (a canonical name), whose
 * segments take their names from name(name_ctx). Returns QUARRY_OK, QUARRY_ENOMEM. */
int segbuilder_create(segbuilder **out, const char *dir, const char *language, segname_fn name,
                      void *name_ctx);

/*
 * Adds a document as the next of the segment being filled, starting one (named by the name
 * callback) if none is. If the buffer holds documents and, with this one, could need more than
 * `limit` bytes (segbuilder_load), it is flushed into `out` first. *length receives the
 * document's length in tokens. Returns QUARRY_OK, or QUARRY_ENOMEM / QUARRY_EIO with a
 * message in segbuilder_errmsg (the buffer is then unusable).
 */
int segbuilder_add(segbuilder *b, const quarry_document *doc, size_t limit, seglist *out,
                   uint32_t *length);

/* Writes the segment being filled, if any, and appends it to `out`. The buffer is empty
 * afterwards, whatever the result. Returns QUARRY_OK, QUARRY_EIO or QUARRY_ENOMEM (message in
 * segbuilder_errmsg). */
int segbuilder_flush(segbuilder *b, seglist *out);

/* Bytes the buffer holds plus what adding `doc` (NULL: nothing) and then flushing may
 * allocate; 0 when no segment is being filled. */
size_t segbuilder_load(const segbuilder *b, const quarry_document *doc);

/* What a segment cost, as load (segbuilder_load): fixed + ratio * raw, for sizing batches. */
typedef struct segment_cost {
    size_t fixed; /* load once its first document was in: empty tables, compressors, buffers */
    double ratio; /* load beyond that per byte of document (id, title and text) */
    uint64_t raw; /* bytes of its documents */
} segment_cost;

/* The cost of the largest segment (by raw bytes) flushed since the last call, measured just
 * before its flush; zeroes if none was flushed. */
void segbuilder_cost(segbuilder *b, segment_cost *out);

/* Message of the last failure. */
const char *segbuilder_errmsg(const segbuilder *b);

/* Frees the buffer; the segment being filled is dropped (its temporary file removed). NULL is
 * a no-op. */
void segbuilder_free(segbuilder *b);

/* ===== workers =========================================================================== */

/* Indexing threads, each with a segbuilder, fed in batches by the calling thread. */
typedef struct workers workers;

/*
 * Starts n (>= 1) worker threads writing segments into `dir` in `language`, named by
 * name(name_ctx), which is called under the pool's lock (from any of its threads, never two
 * at once). On failure *out may still hold a pool to free with workers_free. Returns
 * QUARRY_OK or QUARRY_ENOMEM with a message in err.
 */
int workers_start(workers **out, unsigned n, const char *dir, const char *language, segname_fn name,
                  void *name_ctx, char *err, size_t cap);

/*
 * Copies a document into the current batch (starting one, with a share of `available` bytes of
 * memory, if the last one is full: this may wait for a worker). `left` is a hint: the bytes of
 * input known to follow this document (0 if unknown), which evens out the last batches.
 * Returns QUARRY_OK, or the first failure of any worker (QUARRY_ENOMEM, QUARRY_EIO; message in
 * workers_errmsg), after which the pool takes no more documents.
 */
int workers_add(workers *ws, const quarry_document *doc, size_t available, uint64_t left);

/* Closes the current batch, waits until every batch is written and appends all their segments,
 * in batch order, to `out`. Returns QUARRY_OK or the first failure. */
int workers_finish(workers *ws, seglist *out);

/* Bytes the calling thread's side of the pool holds (the list of segments collected). */
size_t workers_memory(const workers *ws);

/* Message of the first failure ("" if none). */
const char *workers_errmsg(workers *ws);

/* Stops the threads (a batch in progress is dropped, its temporary files removed) and frees
 * everything. NULL is a no-op. */
void workers_free(workers *ws);

/* ===== merge ============================================================================= */

/* A segment of the commit being prepared, with its deletions in memory. */
typedef struct writer_segment {
    manifest_segment ms; /* its entry; ms.deleted and ms.del name its deletion file as the
                            previous commit left it (0 and none for a new segment) */
    uint8_t *deleted;    /* its deleted documents, bit d % 8 of byte d / 8 for document d,
                            ceil(ms.docs / 8) bytes (owned); NULL when none is deleted */
    uint32_t ndeleted;   /* bits set; differs from ms.deleted when this commit deleted some */
} writer_segment;

/*
 * The merge policy. quarry_writer_commit calls it once every buffer is flushed and before any
 * deletion file or the MANIFEST is written, with the writer lock held and no thread running.
 *
 * In:  (*segs)[0 .. *n): the segments of the commit in docid order: those of the previous
 *      commit kept by an append writer, then those this writer wrote, each with its deletions
 *      as a bitmap (writer_segment). The writer's id map is not used past this point, so
 *      docids may change.
 * Out: the list the MANIFEST will name, in the order it will name them (the new docid order).
 *      The policy may replace segments by merged ones, written durably into w->dir (filew:
 *      .tmp, fsync, rename) under names from writer_segment_name (seg_<G>_<k>, G =
 *      w->generation), without their deleted documents: a merged entry has ms.deleted 0 and
 *      deleted NULL. It owns the array (it may alloc_resize *segs) and frees the bitmaps of the
 *      entries it drops. It never removes or overwrites a file: the files of the segments it
 *      drops are removed by the commit's cleanup once the new MANIFEST is in place (readers of
 *      older commits keep theirs mapped), and if the commit fails, every file of generation G
 *      is removed. Its memory should stay within w->budget.
 * Returns QUARRY_OK, or a QUARRY_E* code with a message in w->err (the commit then fails).
 */
int merge_policy_apply(quarry_writer *w, writer_segment **segs, size_t *n);

/* ===== writer ============================================================================ */

/* The id map's value for an id whose document was deleted (the key stays). */
#define WRITER_NO_DOC UINT32_MAX

struct quarry_writer {
    char *dir;                              /* index folder */
    quarry_writer_options opts;             /* options given at open (language pointer not kept) */
    char language[FORMAT_MAX_LANGUAGE + 1]; /* canonical stemmer language of the index */
    size_t budget;          /* memory budget in bytes (opts.memory_budget or the default) */
    unsigned threads;       /* indexing threads (opts.threads or the online CPUs) */
    segbuilder *sb;         /* one thread: the buffer, filled on the calling thread */
    workers *ws;            /* several threads: the pool */
    strmap *ids;            /* external id -> docid of its live document, or WRITER_NO_DOC */
    uint8_t *deleted;       /* deleted docids, bit d % 8 of byte d / 8 (all segments) */
    size_t deleted_cap;     /* bytes allocated for it */
    manifest base;          /* append: the previous commit, whose segments come first */
    uint64_t base_docs;     /* documents of those segments; new docids start here */
    seglist segs;           /* segments this writer wrote, in docid order */
    lock lk;                /* the folder's writer lock, held from open to free */
    uint64_t generation;    /* generation the commit will write */
    uint32_t next_segment;  /* k of the next segment name seg_<G>_<k> */
    uint64_t input_left;    /* bytes of the input being read that follow the document being
                               added, when known (intake.c sets it), else 0 */
    quarry_writer_stats st; /* counters */
    int rc;                 /* sticky failure (ENOMEM, EIO): the writer is unusable */
    int committed;          /* 1 after a successful commit */
    int optimize;           /* quarry_writer_optimize: the commit merges all into one */
    char err[ERRMSG_CAP];   /* last failure or warning */
};

/* The segname_fn of the writer (ctx is the writer): "seg_<G>_<k>" with k counting up. Not
 * thread-safe: the pool calls it under its lock. */
int writer_segment_name(void *ctx, char *name, size_t cap);

/* Is docid d deleted? */
static inline int writer_deleted(const quarry_writer *w, uint64_t d)
{
    return d / 8 < w->deleted_cap && (w->deleted[d / 8] >> (d % 8) & 1);
}

/* Stops the indexing threads, if any, and frees the buffers (after the flush of a commit). */
void writer_stop(quarry_writer *w);

/*
 * Removes the files of generation w->generation (segments seg_<G>_*, deletion files *.<G>.del
 * and their temporaries) unless the folder's MANIFEST is of that generation: what a failed or
 * abandoned commit leaves.
 */
void writer_remove_uncommitted(const quarry_writer *w);

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
