/*
 * segment: one opened segment of an index folder, read-only. Maps the files a manifest entry
 * names, checks their framing and tables before anything is trusted, and answers term lookups,
 * dictionary walks, document lengths, document table entries, texts and deletions. Shared by
 * the searcher (queries, verification) and the indexer (merging segments, finding the
 * documents an update replaces).
 *
 * Every variable-length field is re-checked as it is decoded: a malformed file gives
 * QUARRY_ECORRUPT naming the file, never an out-of-bounds read. An opened segment is never
 * written, so any number of threads may read it at once; the decompressors and scratch
 * buffers the functions take are per thread.
 */
#ifndef QUARRY_COMMON_SEGMENT_H
#define QUARRY_COMMON_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fileio.h"
#include "format.h"
#include "manifest.h"
#include "reader.h"

/* Where a term's postings are; every range was checked to lie inside its file. */
typedef struct term_info {
    uint32_t df;         /* documents of the segment containing the term (deleted ones too) */
    uint64_t cf;         /* occurrences in them */
    uint32_t max_tf;     /* largest tf of the term in a document; 0 (unknown) when
                            df < 128: short lists are cheaper to read than to bound */
    uint32_t min_dl;     /* shortest length of a document containing it (0 likewise) */
    const uint8_t *post; /* its .post area */
    size_t post_len;     /* bytes */
    const uint8_t *pos;  /* its .pos area */
    size_t pos_len;      /* bytes */
} term_info;

/* One document's table entry. Strings point into the caller's scratch buffer. */
typedef struct doc_meta {
    const char *id;    /* external id */
    size_t id_len;     /* bytes */
    const char *title; /* title */
    size_t title_len;  /* bytes */
    uint32_t block;    /* store block holding the text */
    uint32_t offset;   /* offset of the text in the block's raw bytes */
    uint32_t text_len; /* bytes of text */
} doc_meta;

/* Which file of a segment (the order of the manifest and of files[]). */
enum { SEG_DICT, SEG_POST, SEG_POS, SEG_DOCS, SEG_STORE };

/* An opened segment: its mapped files and the tables located inside them. */
typedef struct segment {
    char *path;                          /* "<dir>/<name>", the files' common prefix */
    filemap files[FORMAT_SEGMENT_FILES]; /* .dict .post .pos .docs .store, as in the manifest */
    filemap del;                         /* the deletion file, when the manifest names one */
    const uint8_t *deleted;              /* its bitmap (bit d: document d deleted), or NULL */
    uint32_t ndeleted;                   /* documents marked in it */
    const uint8_t *dict_blocks;          /* nblocks u64 offsets of the dictionary's blocks */
    uint64_t *block_keys;                /* first 8 bytes of each block's first term, big-endian
                                            and zero-padded: lookups binary-search this dense
                                            array, touching the file only on equal keys */
    uint32_t dict_nblocks;               /* front-coded blocks */
    uint32_t nterms;                     /* terms in the dictionary */
    size_t dict_end;                     /* end of the entry area (= block table start - 8) */
    uint32_t ndocs;                      /* documents, deleted ones included */
    uint64_t tokens;                     /* sum of their lengths */
    const uint8_t *lengths;              /* document lengths, packed at len_width bits */
    unsigned len_width;                  /* bits per length, 0..32 */
    const uint8_t *id_groups;   /* ngroups + 1 u64 offsets of the id groups (last: their end) */
    const uint8_t *doc_records; /* meta block records, one per FORMAT_META_BLOCK documents */
    size_t groups_start;        /* offset of the id groups in the .docs file */
    size_t meta_start;          /* offset of the meta (title) blocks = end of the id groups */
    const uint8_t *store_table; /* nblocks 16-byte block records */
    uint32_t nblocks;           /* store blocks */
    size_t store_end;           /* end of the block area (= table start) */
} segment;

/*
 * Maps and checks the files of manifest entry `ms` in folder `dir`: sizes and footer CRCs
 * against the manifest, headers (magic, kind, version), the tables inside, the document and
 * token counts, and the deletion file (its count must match the manifest's). Returns
 * QUARRY_OK; QUARRY_ECORRUPT (a file missing, replaced or malformed: the message names it),
 * QUARRY_EVERSION, QUARRY_EIO or QUARRY_ENOMEM, with a message in err. On failure *s holds
 * nothing (segment_close is still safe).
 */
int segment_open(segment *s, const char *dir, const manifest_segment *ms, char *err, size_t cap);

/* Unmaps the files. Safe on a zeroed or failed segment. */
void segment_close(segment *s);

/* Path of one of the segment's files, for messages ("news.idx/seg_1.post"). */
void segment_file_name(const segment *s, int file, char *dst, size_t cap);

/* Sets err to "<file>: corrupt index file (<what>)" and returns QUARRY_ECORRUPT. */
int segment_corrupt(const segment *s, int file, const char *what, char *err, size_t cap);

/*
 * Looks term[0..len) up. Returns 1 (found, *out filled), 0 (absent) or QUARRY_ECORRUPT (err
 * names the file).
 */
int segment_lookup(const segment *s, const char *term, size_t len, term_info *out, char *err,
                   size_t cap);

/* Length in tokens of document `doc` (< ndocs): one unaligned 8-byte load from the packed
 * array (its 8 bytes of padding keep the load inside the file). */
static inline uint32_t segment_doc_length(const segment *s, uint32_t doc)
{
    uint64_t bit = (uint64_t)doc * s->len_width;
    uint64_t w = load_u64le(s->lengths + bit / 8);
    return (uint32_t)((w >> (bit % 8)) & ((1ull << s->len_width) - 1));
}

/* Is document `doc` (< ndocs) deleted? */
static inline int segment_deleted(const segment *s, uint32_t doc)
{
    return s->deleted && (s->deleted[doc / 8] >> (doc % 8) & 1);
}

struct libdeflate_decompressor;

/*
 * Reads document `doc`'s table entry: id and text location from its id group and, when `z`
 * (a libdeflate decompressor: per thread, like scratch) is not NULL, its title, inflating
 * its meta block into `scratch` (without z the title is empty). The strings of *out point
 * into scratch, valid until it is reused. Returns QUARRY_OK, QUARRY_ECORRUPT (message in err)
 * or QUARRY_ENOMEM.
 */
int segment_doc_meta(const segment *s, struct libdeflate_decompressor *z, uint32_t doc,
                     buf *scratch, doc_meta *out, char *err, size_t cap);

/*
 * Inflates meta block k (the titles of documents 64k .. 64k + 63, each a str) into `scratch`,
 * whose len becomes its raw length. Returns QUARRY_OK, QUARRY_ECORRUPT or QUARRY_ENOMEM.
 */
int segment_meta_block(const segment *s, struct libdeflate_decompressor *z, uint32_t k,
                       buf *scratch, char *err, size_t cap);

/*
 * Inflates the store block holding the text that `m` locates into `scratch` (reused between
 * calls) with `z` and points *text at the text. Returns QUARRY_OK, QUARRY_ECORRUPT or
 * QUARRY_ENOMEM.
 */
int segment_doc_text(const segment *s, struct libdeflate_decompressor *z, const doc_meta *m,
                     buf *scratch, const char **text, char *err, size_t cap);

/*
 * Store block b's compressed bytes, *z[0..*clen), and its raw length *rawlen, for copying the
 * block whole. Checked as segment_doc_text checks them: b < nblocks, the stream inside the
 * block area, *rawlen at most 1032 * *clen (deflate's largest expansion). The stream itself is
 * not inflated: its Adler-32 guards it wherever it is read. Returns QUARRY_OK or
 * QUARRY_ECORRUPT.
 */
int segment_store_block(const segment *s, uint32_t b, const uint8_t **z, uint32_t *clen,
                        uint32_t *rawlen, char *err, size_t cap);

/*
 * A walk over the whole dictionary in term order (segment_term_next), for verification,
 * merging and enumeration. Start from a zeroed struct: `dict_iter it = {0};`. It lives on the
 * caller's stack and borrows nothing but the segment, so any number of walks may run at once.
 */
typedef struct dict_iter {
    uint32_t index;    /* terms yielded so far */
    uint32_t block;    /* block of the next entry */
    uint32_t k;        /* entries of that block already read */
    size_t off;        /* offset in the .dict file of the next entry (once index > 0) */
    uint64_t post_off; /* offset in .post of the next term's area, as the entries give it */
    uint64_t pos_off;  /* offset in .pos of the next term's area */
    uint8_t term[256]; /* the last term yielded (the next one is front-coded against it) */
    size_t term_len;   /* bytes in term */
    size_t shared;     /* bytes of term its entry took from the term before (front coding) */
} dict_iter;

/*
 * Decodes the next dictionary entry. On 1, *term / *len (borrowed from `it`, valid until the
 * next call) hold the term's bytes and *out its statistics and areas, which are checked as
 * segment_lookup checks them (df in 1..ndocs, areas inside their files, impacts present for
 * df >= 128). Also checked: each block's first entry starts where the block table says and
 * where the previous block ended, its shared prefix is 0, every shared prefix fits the
 * previous term, and the entries end exactly at the block table. Not checked (the caller's
 * business): that terms increase and that areas are contiguous.
 * Returns 1 (a term), 0 (past the last term) or QUARRY_ECORRUPT (message in err naming the
 * .dict file; the walk is then over).
 *
 *     dict_iter it = {0};
 *     const uint8_t *t; size_t n; term_info ti; int rc;
 *     while ((rc = segment_term_next(s, &it, &t, &n, &ti, err, sizeof err)) == 1) { ... }
 */
int segment_term_next(const segment *s, dict_iter *it, const uint8_t **term, size_t *len,
                      term_info *out, char *err, size_t cap);

#endif
