/*
 * quarry/writer.h: building an index.
 *
 * A quarry_writer collects documents and writes them as an index folder. Documents come one by
 * one (quarry_writer_add), from files and folders (quarry_writer_add_path) or from JSON Lines
 * (quarry_writer_add_jsonl). Each document is tokenized (Unicode case and accent folding),
 * stemmed with the Snowball stemmer chosen in the options, and inverted into a positional
 * index; its text is kept, zlib-compressed, for result snippets.
 *
 * Nothing is visible to readers until quarry_writer_commit() returns QUARRY_OK. A commit writes
 * new files beside the old ones, fsyncs them and then atomically replaces the folder's MANIFEST,
 * so a crash at any moment leaves either the previous index or the new one, never a mix. An
 * index built by a writer replaces any index already in the folder.
 *
 *     quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
 *     quarry_writer *w = NULL;
 *     int rc = quarry_writer_open(&w, "news.idx", &o);
 *     if (rc == QUARRY_OK) rc = quarry_writer_add_path(w, "articles/");
 *     if (rc == QUARRY_OK) rc = quarry_writer_commit(w);
 *     if (rc != QUARRY_OK) fprintf(stderr, "%s\n", quarry_writer_errmsg(w));
 *     quarry_writer_free(w);
 *
 * One writer at a time: quarry_writer_open takes the folder's writer lock and
 * quarry_writer_free releases it, so a second writer on the same folder, in another process or
 * in the same one, fails at open with QUARRY_ELOCKED ("news.idx: locked by another writer
 * (pid 1234)") instead of mixing its files with the first one's. It does not wait: retrying, or
 * telling the user, is the caller's choice. Readers (quarry_index_open) never take the lock and
 * may open the folder while a writer works in it; they see the last commit.
 *
 * The lock is an flock(2) lock on the file LOCK in the folder (docs/FORMAT.md), which holds the
 * pid of its owner for the message. The kernel releases it when the owner exits, however it
 * exits, so the LOCK file of a writer that crashed or was killed is simply taken over by the
 * next writer. Limits:
 *   - network file systems: on NFS, Linux emulates flock with byte-range locks handled by the
 *     server's lock manager; they work between clients only if that service runs, and a client
 *     that loses its connection may lose the lock. Where locks are refused (ENOLCK) open fails
 *     with QUARRY_EIO. Prefer building indexes on a local disk.
 *   - processes: a child forked (without exec) while a writer is open shares its lock, which
 *     stays held until both have closed it; exec'd programs do not inherit it.
 *   - the lock guards quarry writers against each other only: other programs that write into
 *     the folder are not stopped.
 *
 * Memory: this version keeps the whole index in RAM until the commit (about 1.5 times the
 * size of the compressed index plus the document store).
 *
 * Threads: a writer is used by one thread at a time. Different writers on different folders
 * are independent.
 */
#ifndef QUARRY_WRITER_H
#define QUARRY_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An index being built. Opaque; create with quarry_writer_open, free with quarry_writer_free. */
typedef struct quarry_writer quarry_writer;

/*
 * Called with a one-line, NUL-terminated description of an input record that was skipped
 * ("x.jsonl:1234: invalid JSON: ..."). The text is valid only during the call.
 */
typedef void (*quarry_warn_fn)(void *ctx, const char *msg);

/*
 * Called from time to time while a large input is read: `done` of `total` bytes of the
 * current input (total is 0 when unknown, as for a pipe).
 */
typedef void (*quarry_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* What a writer does with the index already in its folder (quarry_writer_options.mode). */
enum quarry_writer_mode {
    QUARRY_WRITER_CREATE = 0, /* the commit replaces it: the new index holds only the
                                 documents added to this writer */
    QUARRY_WRITER_APPEND = 1  /* the commit keeps its documents and adds to them: an added
                                 document replaces the live one with the same id, and
                                 quarry_writer_delete removes documents */
};

/* The memory budget when quarry_writer_options.memory_budget is 0: 256 MiB. */
#define QUARRY_WRITER_DEFAULT_MEMORY ((size_t)256 << 20)

/* Options for quarry_writer_open. Initialise with QUARRY_WRITER_OPTIONS_INIT. */
typedef struct quarry_writer_options {
    const char *language;        /* Snowball language ("english", "french", ... or "none");
                                    NULL means "english", or in append mode the language of
                                    the existing index (another one is refused). Recorded in
                                    the index. */
    int strict;                  /* nonzero: a bad input record makes the add call fail;
                                    zero: it is reported through `warn` and skipped */
    quarry_warn_fn warn;         /* may be NULL: skipped records are only counted */
    void *warn_ctx;              /* passed to warn */
    quarry_progress_fn progress; /* may be NULL */
    void *progress_ctx;          /* passed to progress */
    size_t memory_budget;        /* bytes of memory the writer may use (see "Memory" above);
                                    0 means QUARRY_WRITER_DEFAULT_MEMORY */
    unsigned threads;            /* indexing threads (see "Threads" above), at most 256;
                                    0 means the number of online CPUs */
    int mode;                    /* QUARRY_WRITER_CREATE (0) or QUARRY_WRITER_APPEND */
} quarry_writer_options;

#define QUARRY_WRITER_OPTIONS_INIT                                                                 \
    {                                                                                              \
        NULL, 0, NULL, NULL, NULL, NULL, 0, 0, QUARRY_WRITER_CREATE                                \
    }

/* One document. All text is UTF-8, given as pointer and length (no terminating NUL needed). */
typedef struct quarry_document {
    const char *id;    /* external id, unique in the index, 1..1024 bytes */
    size_t id_len;     /* bytes in id */
    const char *title; /* may be NULL when title_len is 0 */
    size_t title_len;  /* bytes in title */
    const char *text;  /* body; may be NULL when text_len is 0 */
    size_t text_len;   /* bytes in text */
} quarry_document;

/*
 * Counters of a writer, see quarry_writer_get_stats. With several threads, tokens, terms and
 * postings are counted as the threads write their segments, so before the commit they may lag
 * behind docs.
 */
typedef struct quarry_writer_stats {
    uint64_t docs;            /* documents added */
    uint64_t skipped;         /* input records skipped (invalid UTF-8, bad JSON, duplicate id in
                                 create mode) */
    uint64_t bytes_in;        /* bytes of input read (files and JSONL lines, or id+title+text) */
    uint64_t tokens;          /* tokens indexed (sum of the lengths of the documents added) */
    uint64_t terms;           /* dictionary entries written: distinct terms of each new segment,
                                 summed over them (a term in k segments counts k times) */
    uint64_t postings;        /* (term, document) pairs written */
    uint64_t replaced;        /* documents added in place of a live one with the same id */
    uint64_t deleted;         /* documents marked deleted: by quarry_writer_delete or replaced */
    uint64_t segments;        /* segments written by this writer so far */
    uint64_t merges;          /* segments the commit wrote by merging (merge policy, optimize) */
    uint64_t merged_segments; /* segments those merges replaced (a segment whose documents
                                 were all deleted is dropped: replaced by none) */
    uint64_t index_docs;      /* live documents of the committed index; 0 before the commit */
    uint64_t index_segments;  /* segments of the committed index; 0 before the commit */
    uint64_t index_bytes;     /* bytes of the committed index's files; 0 before the commit */
    uint64_t store_bytes;     /* of which the compressed document stores */
} quarry_writer_stats;

/*
 * Starts building an index in folder `dir` (created if missing; its parent must exist) and takes
 * the folder's writer lock (see above) until quarry_writer_free.
 *
 * out:  receives the writer. On failure *out may still receive a writer in a failed state
 *       so that quarry_writer_errmsg() can explain; free it with quarry_writer_free either way.
 * dir:  NUL-terminated path of the index folder.
 * opts: may be NULL for the defaults.
 * Returns QUARRY_OK; QUARRY_ELOCKED when another writer is open on the folder (the message
 * names the folder and, when known, the holder's pid); QUARRY_ENOTFOUND (unknown stemmer
 * language); QUARRY_EIO (the folder or its LOCK file cannot be made, or locks are refused);
 * QUARRY_ENOMEM.
 */
int quarry_writer_open(quarry_writer **out, const char *dir, const quarry_writer_options *opts);

/*
 * Adds one document. The writer copies what it needs; `doc` may be reused after the call.
 * Ids: in create mode an id that a live document of this writer already has is rejected (the
 * first document keeps it); in append mode the document replaces that one, whether it is in
 * the existing index, in a segment this writer wrote or still in its buffer (see "Updates").
 * Returns QUARRY_OK; QUARRY_EINPUT when the document is rejected (invalid UTF-8, empty, too
 * long or, in create mode, duplicate id; text over 4 GiB), which the caller may treat as a
 * warning (the writer stays usable); QUARRY_ENOMEM or QUARRY_EIO (a segment could not be
 * written: the message names the file), after which the writer is failed and every later call
 * returns that error.
 */
int quarry_writer_add(quarry_writer *w, const quarry_document *doc);

/*
 * Deletes the live document whose id is id[0..id_len): one of the existing index (append
 * mode) or one added to this writer before, in either mode. The deletion takes effect at the
 * commit, like the adds; a later add may give the id to a new document.
 * Returns QUARRY_OK; QUARRY_ENOTFOUND when no live document has that id (the writer stays
 * usable; the message names the id); the writer's failure, if it failed before.
 */
int quarry_writer_delete(quarry_writer *w, const char *id, size_t id_len);

/*
 * Makes the commit merge every segment of the index (those of the previous commit in append
 * mode, and this writer's) into one segment holding only the live documents, as Lucene's
 * forceMerge(1). Without it, the commit merges by the policy alone: about ten segments of
 * each size range (a power of ten of documents) are kept, adjacent segments of a range merge
 * ten at a time, and a segment with more than 30% of its documents deleted is rewritten.
 * Merging drops deleted documents, so BM25's statistics count only live documents again, and
 * renumbers documents (docids of a later commit differ). It reads the merged segments and
 * writes the new one in the commit, streaming (memory: 4 bytes per document merged plus the
 * new segment's document table). Returns QUARRY_OK, or the writer's earlier failure.
 */
int quarry_writer_optimize(quarry_writer *w);

/*
 * Adds the file or the folder at `path`. A folder is walked recursively in name order and
 * every regular file ending in ".txt" or ".md" becomes a document; a file named directly is
 * indexed whatever its name. The id is the path relative to `path` (for a folder) or the path
 * as given (for a file); the title is the file's first non-empty line and the text the rest.
 * Files that are not valid UTF-8 are skipped with a warning (or fail, in strict mode).
 * Returns QUARRY_OK, QUARRY_EIO (unreadable path; message names it), QUARRY_EINPUT (strict
 * mode and a bad file), QUARRY_ENOMEM.
 */
int quarry_writer_add_path(quarry_writer *w, const char *path);

/*
 * Adds the documents of a JSON Lines file, "-" for standard input: one object per line with
 * string members "id" (a number is accepted too), "title" and "text"; other members are
 * ignored, a missing title or text counts as empty, blank lines are ignored. A line that is
 * not such an object is skipped with a warning naming the file and line (or fails, in strict
 * mode). Returns as quarry_writer_add_path.
 */
int quarry_writer_add_jsonl(quarry_writer *w, const char *path);

/*
 * Writes the index and makes it the folder's current index, atomically and durably (files
 * fsynced, MANIFEST renamed into place, folder fsynced). On failure the folder still holds
 * the previous index, untouched, and the files this commit had written are removed; the one
 * exception is a failure of the final folder fsync, after the rename: the new index is then
 * already the current one, but may not survive a power loss. A writer can be committed once;
 * later adds fail. Returns QUARRY_OK, QUARRY_EIO (disk full, file size limit, permissions; the
 * message names the file and the system's reason), QUARRY_ENOMEM.
 */
int quarry_writer_commit(quarry_writer *w);

/* Fills *out with the writer's counters. Returns QUARRY_OK (QUARRY_ERROR if w is NULL). */
int quarry_writer_get_stats(quarry_writer_stats *out, const quarry_writer *w);

/*
 * The detailed message of the last failure or warning, NUL-terminated; "" when none. Owned
 * by the writer, valid until the next call on it.
 */
const char *quarry_writer_errmsg(const quarry_writer *w);

/*
 * Frees the writer and everything it holds and releases the folder's writer lock (removing the
 * LOCK file); uncommitted documents are dropped. NULL is a no-op.
 */
void quarry_writer_free(quarry_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* QUARRY_WRITER_H */
