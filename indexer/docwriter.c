/*
 * docwriter.c: the document table (.docs) and the document store (.store) of the segment
 * being built (format.h, docs/FORMAT.md).
 *
 * Texts are appended to a raw block; when it holds FORMAT_STORE_BLOCK bytes it is compressed
 * with zlib and written out, so the store streams to disk with bounded memory. A document never
 * straddles two blocks: a snippet needs one inflate. A merge may instead append a compressed
 * block of another segment as it is (docwriter_copy_block) and then add the documents whose
 * texts it holds (docwriter_add_stored): compressing is most of what copying a store would
 * otherwise cost. The table (one fixed record per document plus its id and title) stays in
 * RAM until docwriter_finish writes it.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/format.h"
#include "quarry/error.h"

/*
 * Blocks are zlib streams (RFC 1950), written with libdeflate and read with zlib. On Wikipedia
 * text in 32 KiB blocks libdeflate's level 1 compresses to 41.7% at about 160 MB/s, where
 * zlib's level 1 gives 44.6% at 85 MB/s and its level 6 40.1% at 30 MB/s: the store is read
 * only for the hits shown, so indexing speed decides, and libdeflate wins on both counts.
 * Meta blocks (titles, small and repetitive) take a higher level. Ids and text locations are
 * not compressed but front-coded in groups of FORMAT_ID_GROUP: every hit needs its id, and
 * inflating a block per hit would cost more than the rest of a typical query.
 */
#define STORE_LEVEL 1
#define META_LEVEL  6

/* What libdeflate 1.14 allocates for a compressor of level 1 and of level 6 (its hash tables
 * and match finder; measured), for memory budgets. */
#define STORE_COMPRESSOR_BYTES (205u << 10)
#define META_COMPRESSOR_BYTES  (672u << 10)

struct docwriter {
    struct libdeflate_compressor *zstore; /* compressor of store blocks */
    struct libdeflate_compressor *zmeta;  /* compressor of meta blocks */
    filew store;                          /* the .store file being written */
    char *docs_path;                      /* final path of the .docs file */
    buf raw;                              /* texts of the block being filled */
    buf zbuf;                             /* compression output */
    buf blocks;                  /* block table: {u64 offset, u32 clen, u32 rawlen} per block */
    uint32_t nblocks;            /* blocks written */
    uint32_t copied_raw;         /* raw length of the last block, if docwriter_copy_block wrote
                                    it and no text was added since (else 0) */
    uint32_t *lengths;           /* length of every document, by docid */
    size_t lengths_cap;          /* entries allocated */
    buf records;                 /* .docs meta block table: {u64 offset, u32 clen, u32 rawlen} */
    buf meta;                    /* .docs meta area: zlib blocks of FORMAT_META_BLOCK titles */
    buf metaraw;                 /* titles of the meta block being filled */
    buf groups;                  /* .docs id groups */
    buf group_offs;              /* u64 offset of each id group in `groups` (absolute at finish) */
    char prev_id[FORMAT_MAX_ID]; /* id of the previous document (front coding) */
    size_t prev_len;             /* its bytes */
    uint32_t ndocs;              /* documents added */
    uint64_t tokens;             /* their total length */
    int rc;                      /* sticky error */
    char err[ERRMSG_CAP];        /* its message */
};

int docwriter_create(docwriter **out, const char *dir, const char *seg, char *err, size_t cap)
{
    *out = NULL;
    char name[96];
    docwriter *dw = alloc_array(1, sizeof *dw);
    if (!dw)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    snprintf(name, sizeof name, "%s%s", seg, FORMAT_SUFFIX_STORE);
    char *store_path = path_join(dir, name);
    snprintf(name, sizeof name, "%s%s", seg, FORMAT_SUFFIX_DOCS);
    dw->docs_path = path_join(dir, name);
    int rc = QUARRY_ENOMEM;
    dw->store.fd = -1;
    dw->zstore = libdeflate_alloc_compressor(STORE_LEVEL);
    dw->zmeta = libdeflate_alloc_compressor(META_LEVEL);
    if (!store_path || !dw->docs_path || !dw->zstore || !dw->zmeta) {
        errmsg_set(err, cap, rc, "out of memory");
        goto done;
    }
    rc = filew_open(&dw->store, store_path);
    if (rc) {
        errmsg_set(err, cap, rc, "%s", dw->store.err);
        goto done;
    }
    filew_header(&dw->store, FORMAT_KIND_STORE);
done:
    alloc_free(store_path);
    if (rc)
        docwriter_free(dw);
    else
        *out = dw;
    return rc;
}

/* Compresses the raw block and appends it to the store. */
static void flush_block(docwriter *dw)
{
    if (dw->rc || dw->raw.len == 0)
        return;
    size_t zlen = libdeflate_zlib_compress_bound(dw->zstore, dw->raw.len);
    dw->zbuf.len = 0;
    if (buf_reserve(&dw->zbuf, zlen) ||
        !(zlen = libdeflate_zlib_compress(dw->zstore, dw->raw.data, dw->raw.len, dw->zbuf.data,
                                          zlen))) {
        dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM,
                            "out of memory compressing the document store");
        return;
    }
    buf_put_u64(&dw->blocks, dw->store.size);
    buf_put_u32(&dw->blocks, (uint32_t)zlen);
    buf_put_u32(&dw->blocks, (uint32_t)dw->raw.len);
    filew_write(&dw->store, dw->zbuf.data, zlen);
    dw->nblocks++;
    dw->raw.len = 0;
    if (dw->store.rc)
        dw->rc = errmsg_set(dw->err, sizeof dw->err, dw->store.rc, "%s", dw->store.err);
    else if (dw->blocks.rc)
        dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
}

/* Compresses the meta entries collected so far into the meta area (offsets relative to the
 * area until docwriter_finish makes them absolute). */
static void flush_meta(docwriter *dw)
{
    if (dw->rc || dw->metaraw.len == 0)
        return;
    size_t zlen = libdeflate_zlib_compress_bound(dw->zmeta, dw->metaraw.len);
    if (buf_reserve(&dw->meta, zlen) ||
        !(zlen = libdeflate_zlib_compress(dw->zmeta, dw->metaraw.data, dw->metaraw.len,
                                          dw->meta.data + dw->meta.len, zlen))) {
        dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
        return;
    }
    buf_put_u64(&dw->records, dw->meta.len);
    buf_put_u32(&dw->records, (uint32_t)zlen);
    buf_put_u32(&dw->records, (uint32_t)dw->metaraw.len);
    dw->meta.len += zlen;
    dw->metaraw.len = 0;
    if (dw->records.rc)
        dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
}

/* Records the next document: its length, id (front-coded in its group), text location and
 * title. The caller placed its text. */
static int record(docwriter *dw, const char *id, size_t id_len, const char *title, size_t title_len,
                  uint32_t block, uint32_t in_block, uint32_t text_len, uint32_t length)
{
    if (dw->ndocs == dw->lengths_cap) {
        size_t cap = dw->lengths_cap ? dw->lengths_cap * 2 : 1024;
        uint32_t *l = alloc_resize(dw->lengths, cap, sizeof *l);
        if (!l)
            return dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
        dw->lengths = l;
        dw->lengths_cap = cap;
    }
    dw->lengths[dw->ndocs] = length;
    size_t shared = 0;
    if (dw->ndocs % FORMAT_ID_GROUP == 0) /* a group starts with a whole id */
        buf_put_u64(&dw->group_offs, dw->groups.len);
    else
        while (shared < id_len && shared < dw->prev_len && id[shared] == dw->prev_id[shared])
            shared++;
    buf_put_vbyte(&dw->groups, shared);
    buf_put_str(&dw->groups, id + shared, id_len - shared);
    buf_put_vbyte(&dw->groups, block);
    buf_put_vbyte(&dw->groups, in_block);
    buf_put_vbyte(&dw->groups, text_len);
    memcpy(dw->prev_id, id, id_len); /* the writer checked 1 <= id_len <= FORMAT_MAX_ID */
    dw->prev_len = id_len;
    buf_put_str(&dw->metaraw, title, title_len);
    if (dw->raw.rc || dw->metaraw.rc || dw->groups.rc || dw->group_offs.rc)
        return dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
    if ((dw->ndocs + 1) % FORMAT_META_BLOCK == 0)
        flush_meta(dw);
    dw->ndocs++;
    dw->tokens += length;
    return dw->rc;
}

/* Refuses a document when text_len or the document count leaves the format's range. */
static int check_room(docwriter *dw, size_t text_len)
{
    if (text_len > UINT32_MAX || dw->ndocs == UINT32_MAX - 1)
        return errmsg_set(dw->err, sizeof dw->err, QUARRY_EINPUT,
                          "document too large or too many documents in one segment");
    return QUARRY_OK;
}

int docwriter_add(docwriter *dw, const char *id, size_t id_len, const char *title, size_t title_len,
                  const char *text, size_t text_len, uint32_t length)
{
    if (dw->rc)
        return dw->rc;
    int rc = check_room(dw, text_len);
    if (rc)
        return rc;
    if (dw->raw.len && dw->raw.len + text_len > FORMAT_STORE_BLOCK)
        flush_block(dw);
    uint32_t in_block = (uint32_t)dw->raw.len;
    buf_append(&dw->raw, text, text_len);
    if (text_len > 0)
        dw->copied_raw = 0;
    if ((rc = record(dw, id, id_len, title, title_len, dw->nblocks, in_block, (uint32_t)text_len,
                     length)))
        return rc;
    if (dw->raw.len >= FORMAT_STORE_BLOCK)
        flush_block(dw);
    return dw->rc;
}

int docwriter_copy_block(docwriter *dw, const uint8_t *z, uint32_t clen, uint32_t rawlen)
{
    if (dw->rc)
        return dw->rc;
    if (rawlen == 0)
        return errmsg_set(dw->err, sizeof dw->err, QUARRY_ERROR, "empty store block copied");
    flush_block(dw);
    buf_put_u64(&dw->blocks, dw->store.size);
    buf_put_u32(&dw->blocks, clen);
    buf_put_u32(&dw->blocks, rawlen);
    filew_write(&dw->store, z, clen);
    dw->nblocks++;
    dw->copied_raw = rawlen;
    if (dw->store.rc)
        dw->rc = errmsg_set(dw->err, sizeof dw->err, dw->store.rc, "%s", dw->store.err);
    else if (dw->blocks.rc)
        dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
    return dw->rc;
}

int docwriter_add_stored(docwriter *dw, const char *id, size_t id_len, const char *title,
                         size_t title_len, uint32_t offset, uint32_t text_len, uint32_t length)
{
    if (dw->rc)
        return dw->rc;
    int rc = check_room(dw, text_len);
    if (rc)
        return rc;
    if (dw->copied_raw == 0 || (uint64_t)offset + text_len > dw->copied_raw)
        return errmsg_set(dw->err, sizeof dw->err, QUARRY_ERROR,
                          "text outside the store block last copied");
    return record(dw, id, id_len, title, title_len, dw->nblocks - 1, offset, text_len, length);
}

/* Adds base to the u64 little-endian offset at the start of each of n records of `size`
 * bytes. */
static void rebase(uint8_t *p, size_t n, size_t size, uint64_t base)
{
    for (size_t i = 0; i < n; i++, p += size) {
        uint64_t off = base;
        for (int k = 0; k < 8; k++)
            off += (uint64_t)p[k] << (8 * k);
        for (int k = 0; k < 8; k++)
            p[k] = (uint8_t)(off >> (8 * k));
    }
}

int docwriter_finish(docwriter *dw, manifest_file files[2], uint64_t *tokens)
{
    filew f;
    if (dw->rc)
        return dw->rc;
    flush_block(dw);
    if (dw->rc)
        return dw->rc;
    /* Store: block table at `tail`. */
    uint64_t table = dw->store.size;
    uint8_t n4[4] = {(uint8_t)dw->nblocks, (uint8_t)(dw->nblocks >> 8),
                     (uint8_t)(dw->nblocks >> 16), (uint8_t)(dw->nblocks >> 24)};
    filew_write(&dw->store, n4, 4);
    filew_write(&dw->store, dw->blocks.data, dw->blocks.len);
    filew_footer(&dw->store, table);
    memcpy(files[1].suffix, FORMAT_SUFFIX_STORE, sizeof FORMAT_SUFFIX_STORE);
    int rc = filew_commit(&dw->store, &files[1].size, &files[1].crc);
    if (rc)
        return dw->rc = errmsg_set(dw->err, sizeof dw->err, rc, "%s", dw->store.err);

    /* Docs: header, packed lengths, id group table and meta block table (offsets made
     * absolute now that the sizes before their areas are known), id groups, meta area. */
    flush_meta(dw);
    buf_put_u64(&dw->group_offs, dw->groups.len); /* the end of the last group */
    if (dw->group_offs.rc)
        dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
    if (dw->rc)
        return dw->rc;
    uint32_t maxlen = 0;
    for (uint32_t i = 0; i < dw->ndocs; i++)
        maxlen = dw->lengths[i] > maxlen ? dw->lengths[i] : maxlen;
    unsigned width = 0;
    while (width < 32 && (maxlen >> width) != 0)
        width++;
    size_t packed = format_lengths_bytes(dw->ndocs, width);
    uint8_t *lens = alloc_array(packed, 1);
    if (!lens)
        return dw->rc = errmsg_set(dw->err, sizeof dw->err, QUARRY_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < dw->ndocs; i++) {
        uint64_t bit = (uint64_t)i * width;
        for (unsigned b = 0; b < width; b++, bit++)
            if (dw->lengths[i] >> b & 1)
                lens[bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
    uint64_t group_base = FORMAT_HEADER_SIZE + FORMAT_DOCS_HEADER_SIZE + packed +
                          dw->group_offs.len + dw->records.len;
    rebase(dw->group_offs.data, dw->group_offs.len / 8, 8, group_base);
    rebase(dw->records.data, dw->records.len / FORMAT_META_RECORD, FORMAT_META_RECORD,
           group_base + dw->groups.len);
    rc = filew_open(&f, dw->docs_path);
    if (!rc) {
        uint8_t head[FORMAT_DOCS_HEADER_SIZE] = {0};
        head[0] = (uint8_t)dw->ndocs;
        head[1] = (uint8_t)(dw->ndocs >> 8);
        head[2] = (uint8_t)(dw->ndocs >> 16);
        head[3] = (uint8_t)(dw->ndocs >> 24);
        head[4] = (uint8_t)width;
        for (int k = 0; k < 8; k++)
            head[8 + k] = (uint8_t)(dw->tokens >> (8 * k));
        filew_header(&f, FORMAT_KIND_DOCS);
        filew_write(&f, head, sizeof head);
        filew_write(&f, lens, packed);
        filew_write(&f, dw->group_offs.data, dw->group_offs.len);
        filew_write(&f, dw->records.data, dw->records.len);
        filew_write(&f, dw->groups.data, dw->groups.len);
        filew_write(&f, dw->meta.data, dw->meta.len);
        filew_footer(&f, 0);
    }
    alloc_free(lens);
    memcpy(files[0].suffix, FORMAT_SUFFIX_DOCS, sizeof FORMAT_SUFFIX_DOCS);
    rc = filew_commit(&f, &files[0].size, &files[0].crc);
    if (rc)
        return dw->rc = errmsg_set(dw->err, sizeof dw->err, rc, "%s", f.err);
    *tokens = dw->tokens;
    return QUARRY_OK;
}

size_t docwriter_memory(const docwriter *dw)
{
    return sizeof *dw + STORE_COMPRESSOR_BYTES + META_COMPRESSOR_BYTES + FILEW_BUFFER +
           dw->raw.cap + dw->zbuf.cap + dw->blocks.cap + dw->lengths_cap * sizeof(uint32_t) +
           dw->records.cap + dw->meta.cap + dw->metaraw.cap + dw->groups.cap + dw->group_offs.cap;
}

size_t docwriter_reserve(const docwriter *dw, size_t doc_bytes)
{
    /* Adding: the raw block and the compression buffer grow to hold the text (doubling, the
     * old block held while it is copied), and any table may double once. Finishing: the packed
     * lengths (at most 4 bytes a document) and the .docs file's write buffer. */
    return 4 * (dw->raw.cap + doc_bytes) + dw->blocks.cap + dw->lengths_cap * sizeof(uint32_t) +
           dw->records.cap + 2 * dw->meta.cap + 2 * (dw->metaraw.cap + doc_bytes) +
           2 * (dw->groups.cap + doc_bytes) + dw->group_offs.cap + 64 +
           4 * ((size_t)dw->ndocs + 1) + FILEW_BUFFER;
}

const uint32_t *docwriter_lengths(const docwriter *dw)
{
    return dw->lengths;
}

const char *docwriter_errmsg(const docwriter *dw)
{
    return dw->err;
}

void docwriter_free(docwriter *dw)
{
    if (!dw)
        return;
    libdeflate_free_compressor(dw->zstore);
    libdeflate_free_compressor(dw->zmeta);
    filew_abort(&dw->store);
    alloc_free(dw->docs_path);
    buf_free(&dw->raw);
    buf_free(&dw->zbuf);
    buf_free(&dw->blocks);
    buf_free(&dw->records);
    alloc_free(dw->lengths);
    buf_free(&dw->meta);
    buf_free(&dw->metaraw);
    buf_free(&dw->groups);
    buf_free(&dw->group_offs);
    alloc_free(dw);
}
