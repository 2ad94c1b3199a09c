/*
 * quarry/writer.h: building and updating an index.
 *
 * A quarry_writer collects documents and writes them into an index folder. Documents come one by
 * one (quarry_writer_add), from files and folders (quarry_writer_add_path) or from JSON Lines
 * (quarry_writer_add_jsonl); quarry_writer_delete removes documents by id. Each document is
 * tokenized (Unicode case and accent folding), stemmed with the Snowball stemmer chosen in the
 * options, and inverted into a positional index; its text is kept, zlib-compressed, for result
 * snippets.
 *
 * Nothing is visible to readers until quarry_writer_commit() returns QUARRY_OK. A commit writes
 * new files beside the old ones, fsyncs them and then atomically replaces the folder's MANIFEST,
 * so a crash at any moment leaves either the previous index or the new one, never a mix. In
 * create mode (the default) the new index replaces any index already in the folder; in append
 * mode it is that index with this writer's additions and deletions (see "Updates").
 *
 *     quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
 *     quarry_writer *w = NULL;
 *     int rc = quarry_writer_open(&w, "news.idx", &o);
 *     if (rc == QUARRY_OK) rc = quarry_writer_add_path(w, "articles/");
 *     if (rc == QUARRY_OK) rc = quarry_writer_commit(w);
 *     if (rc != QUARRY_OK) fprintf(stderr, "%s\n", quarry_writer_errmsg(w));
 *     quarry_writer_free(w);
 *
 * Segments. An index is a list of segments (docs/FORMAT.md). A writer fills a buffer in memory
 * and, whenever the buffer could outgrow its memory limit (see "Memory"), writes it out as a new
 * segment, durably, and starts an empty one; these segments belong to no commit yet. The commit
 * writes the last buffer, then a MANIFEST naming the previous commit's segments (append mode)
 * and this writer's, in the order their documents were added. Documents are numbered in that
 * order, whatever the segments and threads: the docid of the k-th document this writer added
 * (counting from 0) is k plus the number of documents of the previous commit's segments (0 in
 * create mode), deleted ones included. How documents are cut into segments changes no search
 * result: BM25 statistics are summed over segments, so scores are the same, bit for bit. Many
 * small segments make searches slower than a few large ones; a larger budget makes fewer. A
 * writer freed without a commit, or whose commit fails, removes the segments it wrote.
 *
 * Memory. options.memory_budget (default 256 MiB) bounds what the writer allocates: its buffers
 * and its own tables, which are the map of external ids (64 to 128 bytes per document of the
 * index, plus the id's bytes; 22 MB for the 252,244 Wikipedia articles of bench/, with ids of
 * 19 bytes) and the deletion bitmap (a bit per document). With one thread, the buffer has what
 * the tables leave of the budget; with N threads each batch of documents gets a share, budget /
 * N, for its copies waiting to be indexed and its worker's buffer. A buffer counts what it has
 * allocated (the inverter's hash tables, term states, posting and position buffers and word
 * cache, the document table, per-document lengths and store block, the compressors and write
 * buffers, 16 bytes of allocator overhead per block) and, before each document, bounds what
 * adding that document and then writing the segment could allocate on top (a table doubling
 * holds the old and the new table at once; writing sorts the terms and decodes the longest
 * list; of the posting and position buffers, which double as they fill, the largest of each is
 * counted doubling: should several long lists double within one document, the excess is their
 * size); when the sum would pass its limit, the segment is written first. The budget is
 * therefore a bound, not a goal: a buffer is written well before its limit when a table is
 * about to double. A single document that needs more than a buffer's limit still goes in, in a
 * segment of its own, and the id map is taken out of the budget only down to a quarter of it
 * (beyond about 1.5 million documents per 256 MiB of budget, the writer needs more than its
 * budget).
 * Besides the budget, the process needs (peak resident set size):
 *
 *     QUARRY_WRITER_MEMORY_CONSTANT + QUARRY_WRITER_MEMORY_PER_THREAD per thread
 *     + 3 times the largest document
 *
 * for the program and its libraries, each thread's analyzer (its stemmer cache is bounded, about
 * 5 MiB), the input being read (a JSON line, or a whole file of a folder), the documents being
 * copied to workers (1 MiB chunks) and what the C allocator keeps of freed blocks. Measured on
 * Wikipedia (wiki.jsonl, 393 MB, 252,244 articles) with --memory 256M: a peak of 249 MB on one
 * thread and 292 MB on two (bench/README.md).
 *
 * Threads. options.threads (default: the online CPUs, at most 256) sets how many threads index.
 * With one, documents are analyzed, inverted and written on the calling thread, inside the add
 * functions. With N > 1, the calling thread reads the input, checks each document and copies it
 * into the current batch (a run of consecutive documents); N worker threads, each with its own
 * analyzer, analyze, invert, compress and write: batch j goes to worker j mod N, which makes it
 * into one segment, or into several if the batch needs more than its memory share. The add
 * functions return once the document is copied; the commit waits for the workers. Determinism:
 * how documents are grouped into batches and segments depends only on the documents (and, when
 * reading a file, its size), the budget and the thread count, never on timing; so the same
 * input with the same budget and threads gives the same segments holding the same documents
 * (only the names of the extra segments of a batch that had to split can differ between runs),
 * and other budgets or thread counts give other segments but the same docids and the same
 * search results, scores included. A writer is used by one thread at a time; its workers are
 * its own and stop at the commit or at quarry_writer_free. Different writers on different
 * folders are independent.
 *
 * Updates. In append mode (options.mode = QUARRY_WRITER_APPEND) the writer opens the folder's
 * index (or starts one if there is none): the commit keeps its segments and deletions and adds
 * this writer's. quarry_writer_add is then an upsert: if a live document has the same id, in
 * the index, in a segment this writer already wrote or still in its buffer, that document is
 * deleted and the new one added, last in docid order. quarry_writer_delete deletes the live
 * document with an id, in either mode. In create mode, by contrast, adding an id that a live
 * document of this writer already has is an error (QUARRY_EINPUT, reported as a skipped record):
 * the first document is kept, as with duplicate ids in an input. A deleted document stays in its
 * segment, never returned or counted by a search but still counting in BM25 statistics, until a
 * merge rewrites the segment without it (docs/FORMAT.md); the commit writes a new deletion file
 * for each segment whose deletions changed. To find ids, an append writer reads every live id
 * of the index when it opens, into the id map (about 20 ms per 100,000 documents).
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

/* What a writing process needs besides its memory budget (see "Memory" above): this, plus
 * QUARRY_WRITER_MEMORY_PER_THREAD per indexing thread, plus 3 times the largest document. */
#define QUARRY_WRITER_MEMORY_CONSTANT   ((size_t)24 << 20)
#define QUARRY_WRITER_MEMORY_PER_THREAD ((size_t)12 << 20)

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
 * Counters of a writer, see quarry_writer_get_stats. With several threads, tokens, terms,
 * postings and segments are counted as the threads' segments are collected, so before the
 * commit they may lag behind docs.
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
 * the folder's writer lock (see above) until quarry_writer_free. In append mode it reads the
 * folder's index: its language and every live document's id (see "Updates"); and it starts
 * the indexing threads.
 *
 * out:  receives the writer. On failure *out may still receive a writer in a failed state
 *       so that quarry_writer_errmsg() can explain; free it with quarry_writer_free either way.
 * dir:  NUL-terminated path of the index folder.
 * opts: may be NULL for the defaults.
 * Returns QUARRY_OK; QUARRY_ELOCKED when another writer is open on the folder (the message
 * names the folder and, when known, the holder's pid); QUARRY_ENOTFOUND (unknown stemmer
 * language); QUARRY_EIO (the folder or its LOCK file cannot be made, or locks are refused);
 * QUARRY_ERROR (a bad option, or append mode with a language other than the index's);
 * QUARRY_ECORRUPT or QUARRY_EVERSION (append mode: the index cannot be read); QUARRY_ENOMEM.
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
 * Writes the index and makes it the folder's current index, atomically and durably: waits for
 * the indexing threads, writes the last buffer as a segment and the deletion files of the
 * segments whose deletions changed (all fsynced and renamed into place), then the MANIFEST
 * (renamed into place, folder fsynced). Then it removes the files the new MANIFEST does not
 * name: in create mode the previous index's, in append mode the deletion files it superseded,
 * and any leftover of an interrupted writer. Readers that opened an older commit keep reading
 * its files, which stay mapped (POSIX unlink semantics). On failure the folder still holds the
 * previous index, untouched, and every file this writer had written is removed; the one
 * exception is a failure of the final folder fsync, after the rename: the new index is then
 * already the current one, but may not survive a power loss. A writer can be committed once;
 * later calls fail. Returns QUARRY_OK, QUARRY_EIO (disk full, file size limit, permissions; the
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
