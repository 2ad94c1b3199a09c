/*
 * segment.c: one opened segment (segment.h). Maps the files a manifest entry names and checks,
 * before anything is trusted: each file's size and footer CRC against the manifest, its header
 * (magic, kind, version), and that every table later lookups index into lies inside its file.
 * Term and document lookups re-check the variable-length fields they decode, so a malformed
 * file yields QUARRY_ECORRUPT, never an out-of-bounds read. An opened segment is never written
 * again, which is what makes it shareable across threads.
 */
#include "segment.h"

#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

#include "alloc.h"
#include "errmsg.h"
#include "quarry/error.h"

static const char *const kinds[FORMAT_SEGMENT_FILES] = {FORMAT_KIND_DICT, FORMAT_KIND_POSTINGS,
                                                        FORMAT_KIND_POSITIONS, FORMAT_KIND_DOCS,
                                                        FORMAT_KIND_STORE};

void segment_file_name(const segment *s, int file, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s%s", s->path ? s->path : "segment", manifest_suffixes[file]);
}

int segment_corrupt(const segment *s, int f, const char *what, char *err, size_t cap)
{
    char name[512];
    segment_file_name(s, f, name, sizeof name);
    return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt index file (%s)", name, what);
}

/* Maps `name` into *m and checks it against the manifest's record `mf` and the framing of
 * kind `kind`; *tail receives the footer's tail field. */
static int map_checked(filemap *m, const char *name, const manifest_file *mf, const char *kind,
                       uint64_t *tail, char *err, size_t cap)
{
    int rc = filemap_open(m, name, err, cap);
    if (rc == QUARRY_ENOTFOUND)
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: missing (the index is incomplete)", name);
    if (rc)
        return rc;
    if (m->size != mf->size)
        return errmsg_set(err, cap, QUARRY_ECORRUPT,
                          "%s: corrupt index file (%zu bytes, the manifest says %llu: "
                          "truncated or replaced)",
                          name, m->size, (unsigned long long)mf->size);
    if (m->size < FORMAT_HEADER_SIZE + FORMAT_FOOTER_SIZE ||
        memcmp(m->data, FORMAT_MAGIC, FORMAT_MAGIC_LEN) != 0 ||
        memcmp(m->data + FORMAT_MAGIC_LEN, kind, 2) != 0)
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt index file (bad header)", name);
    uint32_t version = load_u32le(m->data + 8);
    if (version != FORMAT_VERSION)
        return errmsg_set(err, cap, QUARRY_EVERSION,
                          "%s: format version %u, expected %u: rebuild the index with quarry-index",
                          name, version, FORMAT_VERSION);
    const uint8_t *foot = m->data + m->size - FORMAT_FOOTER_SIZE;
    if (memcmp(foot + 12, FORMAT_END_MAGIC, 4) != 0 || load_u32le(foot + 8) != mf->crc)
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt index file (bad footer)", name);
    *tail = load_u64le(foot);
    return QUARRY_OK;
}

/* The first 8 bytes of t[0..len) as a big-endian integer, zero-padded: integers compare as
 * the terms' prefixes do (terms hold no zero byte, so the padding sorts a prefix first). */
static uint64_t term_key(const uint8_t *t, size_t len)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (i < len ? t[i] : 0);
    return k;
}

static int block_first(const segment *s, uint32_t b, const uint8_t **t, size_t *len);

/* Locates the dictionary's block table. */
static int open_dict(segment *s, uint64_t tail, char *err, size_t cap)
{
    size_t body_end = s->files[SEG_DICT].size - FORMAT_FOOTER_SIZE;
    if (tail < FORMAT_HEADER_SIZE || tail > body_end || body_end - tail < 8)
        return segment_corrupt(s, SEG_DICT, "table offset", err, cap);
    const uint8_t *t = s->files[SEG_DICT].data + tail;
    s->nterms = load_u32le(t);
    s->dict_nblocks = load_u32le(t + 4);
    if ((body_end - tail - 8) / 8 != s->dict_nblocks || (body_end - tail - 8) % 8 ||
        s->dict_nblocks !=
            (uint32_t)(((uint64_t)s->nterms + FORMAT_DICT_BLOCK - 1) / FORMAT_DICT_BLOCK))
        return segment_corrupt(s, SEG_DICT, "table size", err, cap);
    s->dict_blocks = t + 8;
    s->dict_end = (size_t)tail;
    if (!(s->block_keys =
              alloc_array(s->dict_nblocks ? s->dict_nblocks : 1, sizeof *s->block_keys)))
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    for (uint32_t b = 0; b < s->dict_nblocks; b++) {
        const uint8_t *first;
        size_t len;
        if (block_first(s, b, &first, &len))
            return segment_corrupt(s, SEG_DICT, "term block", err, cap);
        s->block_keys[b] = term_key(first, len);
    }
    return QUARRY_OK;
}

static int open_docs(segment *s, const manifest_segment *ms, char *err, size_t cap)
{
    const filemap *m = &s->files[SEG_DOCS];
    size_t body = m->size - FORMAT_HEADER_SIZE - FORMAT_FOOTER_SIZE;
    if (body < FORMAT_DOCS_HEADER_SIZE)
        return segment_corrupt(s, SEG_DOCS, "header", err, cap);
    const uint8_t *h = m->data + FORMAT_HEADER_SIZE;
    s->ndocs = load_u32le(h);
    s->len_width = h[4];
    s->tokens = load_u64le(h + 8);
    if (s->ndocs == UINT32_MAX || s->len_width > 32)
        return segment_corrupt(s, SEG_DOCS, "header", err, cap);
    size_t lens = format_lengths_bytes(s->ndocs, s->len_width);
    body -= FORMAT_DOCS_HEADER_SIZE;
    uint64_t nmeta = ((uint64_t)s->ndocs + FORMAT_META_BLOCK - 1) / FORMAT_META_BLOCK;
    uint64_t ngroups = ((uint64_t)s->ndocs + FORMAT_ID_GROUP - 1) / FORMAT_ID_GROUP;
    uint64_t tables = (ngroups + 1) * 8 + nmeta * FORMAT_META_RECORD;
    if (lens > body || body - lens < tables)
        return segment_corrupt(s, SEG_DOCS, "document count", err, cap);
    if (s->ndocs != ms->docs || s->tokens != ms->tokens)
        return segment_corrupt(s, SEG_DOCS, "counts differ from the manifest", err, cap);
    s->lengths = h + FORMAT_DOCS_HEADER_SIZE;
    s->id_groups = s->lengths + lens;
    s->doc_records = s->id_groups + (ngroups + 1) * 8;
    s->groups_start = (size_t)(s->doc_records - m->data) + (size_t)nmeta * FORMAT_META_RECORD;
    /* The groups run from the end of the tables to the meta blocks. */
    uint64_t first = load_u64le(s->id_groups), end = load_u64le(s->id_groups + ngroups * 8);
    if (first != s->groups_start || end < first || end > m->size - FORMAT_FOOTER_SIZE)
        return segment_corrupt(s, SEG_DOCS, "id group table", err, cap);
    s->meta_start = (size_t)end;
    return QUARRY_OK;
}

/* Maps and checks the deletion file: u32 ndocs, u32 ndeleted, then the bitmap, whose count
 * of set bits is ndeleted and whose bits past ndocs are zero. */
static int open_deletions(segment *s, const char *dir, const manifest_segment *ms, char *err,
                          size_t cap)
{
    char name[512];
    snprintf(name, sizeof name, "%s/%s%s", dir, ms->name, ms->del.suffix);
    uint64_t tail;
    int rc = map_checked(&s->del, name, &ms->del, FORMAT_KIND_DELETIONS, &tail, err, cap);
    if (rc)
        return rc;
    const uint8_t *body = s->del.data + FORMAT_HEADER_SIZE;
    size_t nbytes = ((size_t)s->ndocs + 7) / 8;
    if (s->del.size - FORMAT_HEADER_SIZE - FORMAT_FOOTER_SIZE != 8 + nbytes ||
        load_u32le(body) != s->ndocs || load_u32le(body + 4) != ms->deleted)
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt index file (counts)", name);
    const uint8_t *bits = body + 8;
    uint64_t set = 0;
    for (size_t i = 0; i < nbytes; i++)
        set += (uint64_t)__builtin_popcount(bits[i]);
    if (set != ms->deleted || (s->ndocs % 8 && bits[nbytes - 1] >> (s->ndocs % 8)))
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt index file (bitmap)", name);
    s->deleted = bits;
    s->ndeleted = ms->deleted;
    return QUARRY_OK;
}

static int open_store(segment *s, uint64_t tail, char *err, size_t cap)
{
    size_t body_end = s->files[SEG_STORE].size - FORMAT_FOOTER_SIZE;
    if (tail < FORMAT_HEADER_SIZE || tail > body_end || body_end - tail < 4)
        return segment_corrupt(s, SEG_STORE, "table offset", err, cap);
    const uint8_t *t = s->files[SEG_STORE].data + tail;
    s->nblocks = load_u32le(t);
    if ((body_end - tail - 4) / FORMAT_STORE_RECORD_SIZE != s->nblocks ||
        (body_end - tail - 4) % FORMAT_STORE_RECORD_SIZE)
        return segment_corrupt(s, SEG_STORE, "table size", err, cap);
    s->store_table = t + 4;
    s->store_end = (size_t)tail;
    return QUARRY_OK;
}

int segment_open(segment *s, const char *dir, const manifest_segment *ms, char *err, size_t cap)
{
    memset(s, 0, sizeof *s);
    size_t n = strlen(dir) + 1 + strlen(ms->name) + 1;
    if (!(s->path = alloc_array(n, 1)))
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    snprintf(s->path, n, "%s/%s", dir, ms->name);
    uint64_t tails[FORMAT_SEGMENT_FILES];
    int rc = QUARRY_OK;
    for (int f = 0; f < FORMAT_SEGMENT_FILES && !rc; f++) {
        char name[512];
        segment_file_name(s, f, name, sizeof name);
        rc = map_checked(&s->files[f], name, &ms->files[f], kinds[f], &tails[f], err, cap);
    }
    if (!rc)
        rc = open_dict(s, tails[SEG_DICT], err, cap);
    if (!rc)
        rc = open_docs(s, ms, err, cap);
    if (!rc)
        rc = open_store(s, tails[SEG_STORE], err, cap);
    if (!rc && ms->deleted)
        rc = open_deletions(s, dir, ms, err, cap);
    if (rc)
        segment_close(s);
    return rc;
}

void segment_close(segment *s)
{
    for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
        filemap_close(&s->files[f]);
    filemap_close(&s->del);
    alloc_free(s->block_keys);
    alloc_free(s->path);
    memset(s, 0, sizeof *s);
}

/* A [off, off + len) range of file f, checked to lie in its body. */
static int range(const segment *s, int f, uint64_t off, uint64_t len, const uint8_t **out)
{
    size_t size = s->files[f].size;
    if (off < FORMAT_HEADER_SIZE || off > size - FORMAT_FOOTER_SIZE ||
        len > size - FORMAT_FOOTER_SIZE - off)
        return QUARRY_ECORRUPT;
    *out = s->files[f].data + off;
    return QUARRY_OK;
}

/* Decodes the first term of dictionary block b (its prefix must be empty). */
static int block_first(const segment *s, uint32_t b, const uint8_t **t, size_t *len)
{
    uint64_t off = load_u64le(s->dict_blocks + (size_t)b * 8);
    if (off < FORMAT_HEADER_SIZE || off >= s->dict_end)
        return QUARRY_ECORRUPT;
    reader r = reader_make(s->files[SEG_DICT].data + off, s->dict_end - (size_t)off);
    uint64_t shared;
    if (reader_vbyte(&r, &shared) || shared != 0)
        return QUARRY_ECORRUPT;
    return reader_str(&r, t, len);
}

static int compare(const uint8_t *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

int segment_lookup(const segment *s, const char *term, size_t len, term_info *out, char *err,
                   size_t cap)
{
    /* The last block whose first term is <= term: on the keys, reading the file only for
     * blocks whose first term shares the key's 8 bytes. */
    uint64_t key = term_key((const uint8_t *)term, len);
    uint32_t lo = 0, hi = s->dict_nblocks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c;
        if (s->block_keys[mid] != key) {
            c = s->block_keys[mid] < key ? -1 : 1;
        } else {
            const uint8_t *t;
            size_t tlen;
            if (block_first(s, mid, &t, &tlen))
                return segment_corrupt(s, SEG_DICT, "term block", err, cap);
            c = compare(t, tlen, term, len);
        }
        if (c <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    /* Then scan that block's entries (at most FORMAT_DICT_BLOCK), comparing through the
     * front coding: with m the bytes the previous entry shares with the term sought (which
     * it precedes), an entry sharing more than m bytes with its predecessor precedes the term
     * too, one sharing fewer follows it, and only one sharing exactly m needs its suffix
     * compared. Fields are checked as segment_term_next checks them, in full for the match. */
    uint32_t b = lo - 1;
    size_t at = (size_t)load_u64le(s->dict_blocks + (size_t)b * 8);
    if (at < FORMAT_HEADER_SIZE || at >= s->dict_end)
        return segment_corrupt(s, SEG_DICT, "term block", err, cap);
    const uint8_t *q = (const uint8_t *)term;
    size_t m = 0, prev_len = 0;
    uint64_t post_off = 0, pos_off = 0;
    reader r = reader_make(s->files[SEG_DICT].data + at, s->dict_end - at);
    uint32_t entries = s->nterms - b * FORMAT_DICT_BLOCK;
    if (entries > FORMAT_DICT_BLOCK)
        entries = FORMAT_DICT_BLOCK;
    for (uint32_t k = 0; k < entries; k++) {
        uint64_t shared, df, cfx, pl, ql, max_tf = 0, min_dl = 0;
        const uint8_t *suffix;
        size_t slen;
        if (reader_vbyte(&r, &shared) || shared > prev_len || (k == 0 && shared != 0) ||
            reader_str(&r, &suffix, &slen) || slen > 255 - shared ||
            (k == 0 && (reader_vbyte(&r, &post_off) || reader_vbyte(&r, &pos_off))) ||
            reader_vbyte(&r, &df) || reader_vbyte(&r, &cfx) || reader_vbyte(&r, &pl) ||
            reader_vbyte(&r, &ql) ||
            (df >= FORMAT_BLOCK && (reader_vbyte(&r, &max_tf) || reader_vbyte(&r, &min_dl))) ||
            pl > s->files[SEG_POST].size || ql > s->files[SEG_POS].size)
            return segment_corrupt(s, SEG_DICT, "term entry", err, cap);
        prev_len = (size_t)shared + slen;
        int c = 0; /* the entry's term against the term sought */
        if (shared > m) {
            c = -1;
        } else if (shared < m) {
            return 0; /* it, and every later entry, follows the term */
        } else {
            size_t n = slen < len - m ? slen : len - m, i = 0;
            while (i < n && suffix[i] == q[m + i])
                i++;
            m += i;
            c = i < n ? (suffix[i] < q[m] ? -1 : 1) : (slen > n) - (len - (m - i) > n);
        }
        if (c > 0)
            return 0;
        if (c == 0) {
            if (df == 0 || df > s->ndocs || cfx > UINT64_MAX - df ||
                (df >= FORMAT_BLOCK && max_tf == 0) || max_tf > UINT32_MAX || min_dl > UINT32_MAX ||
                range(s, SEG_POST, post_off, pl, &out->post) ||
                range(s, SEG_POS, pos_off, ql, &out->pos))
                return segment_corrupt(s, SEG_DICT, "term entry", err, cap);
            out->df = (uint32_t)df;
            out->cf = df + cfx;
            out->max_tf = (uint32_t)max_tf;
            out->min_dl = (uint32_t)min_dl;
            out->post_len = (size_t)pl;
            out->pos_len = (size_t)ql;
            return 1;
        }
        post_off += pl; /* at most 32 lengths, each bounded by its file's size: no overflow */
        pos_off += ql;
    }
    return 0;
}

/* Decodes document `doc`'s entry of its id group: the id into id[0..*id_len) (room for
 * FORMAT_MAX_ID bytes) and its text location into *out. Returns 0 or -1 (corrupt). */
static int read_id_group(const segment *s, uint32_t doc, uint8_t *id, size_t *id_len, doc_meta *out)
{
    const uint8_t *t = s->id_groups + (size_t)(doc / FORMAT_ID_GROUP) * 8;
    uint64_t off = load_u64le(t), end = load_u64le(t + 8);
    if (off < s->groups_start || off > end || end > s->meta_start)
        return -1;
    reader r = reader_make(s->files[SEG_DOCS].data + off, (size_t)(end - off));
    size_t len = 0;
    for (uint32_t k = 0; k <= doc % FORMAT_ID_GROUP; k++) {
        uint64_t shared;
        const uint8_t *rest;
        size_t rest_len;
        if (reader_vbyte(&r, &shared) || shared > len || (k == 0 && shared != 0) ||
            reader_str(&r, &rest, &rest_len) || rest_len > FORMAT_MAX_ID - shared ||
            shared + rest_len == 0 || reader_vbyte32(&r, &out->block) ||
            reader_vbyte32(&r, &out->offset) || reader_vbyte32(&r, &out->text_len) ||
            (out->block >= s->nblocks && out->text_len > 0))
            return -1;
        memcpy(id + shared, rest, rest_len);
        len = (size_t)shared + rest_len;
    }
    *id_len = len;
    return 0;
}

int segment_meta_block(const segment *s, struct libdeflate_decompressor *z, uint32_t k,
                       buf *scratch, char *err, size_t cap)
{
    if ((uint64_t)k * FORMAT_META_BLOCK >= s->ndocs)
        return segment_corrupt(s, SEG_DOCS, "title block number", err, cap);
    const uint8_t *rec = s->doc_records + (size_t)k * FORMAT_META_RECORD;
    uint64_t off = load_u64le(rec);
    uint32_t clen = load_u32le(rec + 8), rawlen = load_u32le(rec + 12);
    const filemap *m = &s->files[SEG_DOCS];
    size_t end = m->size - FORMAT_FOOTER_SIZE;
    if (scratch->rc)
        buf_free(scratch);
    scratch->len = 0;
    /* zlib cannot expand more than 1032 times: a larger raw length is corrupt, and must
     * not size an allocation. */
    if (off < s->meta_start || off > end || clen > end - off ||
        (uint64_t)rawlen > (uint64_t)clen * 1032)
        return segment_corrupt(s, SEG_DOCS, "title block record", err, cap);
    if (buf_reserve(scratch, rawlen))
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    if (libdeflate_zlib_decompress(z, m->data + off, clen, scratch->data, rawlen, NULL) !=
        LIBDEFLATE_SUCCESS)
        return segment_corrupt(s, SEG_DOCS, "compressed title block", err, cap);
    scratch->len = rawlen;
    return QUARRY_OK;
}

int segment_doc_meta(const segment *s, struct libdeflate_decompressor *z, uint32_t doc,
                     buf *scratch, doc_meta *out, char *err, size_t cap)
{
    uint8_t id[FORMAT_MAX_ID];
    size_t title_at = 0;
    if (doc >= s->ndocs)
        return segment_corrupt(s, SEG_DOCS, "document number", err, cap);
    if (read_id_group(s, doc, id, &out->id_len, out))
        return segment_corrupt(s, SEG_DOCS, "id group", err, cap);
    if (scratch->rc)
        buf_free(scratch);
    scratch->len = 0;
    out->title_len = 0;
    if (z) {
        int rc = segment_meta_block(s, z, doc / FORMAT_META_BLOCK, scratch, err, cap);
        if (rc)
            return rc;
        reader r = reader_make(scratch->data, scratch->len);
        const uint8_t *title = NULL;
        for (uint32_t k = 0; k <= doc % FORMAT_META_BLOCK; k++)
            if (reader_str(&r, &title, &out->title_len))
                return segment_corrupt(s, SEG_DOCS, "title block", err, cap);
        title_at = (size_t)(title - scratch->data);
    }
    size_t id_at = scratch->len;
    buf_append(scratch, id, out->id_len);
    if (scratch->rc)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    out->id = (const char *)scratch->data + id_at;
    out->title = (const char *)scratch->data + title_at;
    return QUARRY_OK;
}

int segment_store_block(const segment *s, uint32_t b, const uint8_t **z, uint32_t *clen,
                        uint32_t *rawlen, char *err, size_t cap)
{
    if (b >= s->nblocks)
        return segment_corrupt(s, SEG_STORE, "block number", err, cap);
    const uint8_t *rec = s->store_table + (size_t)b * FORMAT_STORE_RECORD_SIZE;
    uint64_t off = load_u64le(rec);
    *clen = load_u32le(rec + 8);
    *rawlen = load_u32le(rec + 12);
    /* Deflate expands at most 1032 times, so a larger raw length is a lie that must not size
     * an allocation (a 16-byte record could otherwise ask for 4 GiB). */
    if (off < FORMAT_HEADER_SIZE || off > s->store_end || *clen > s->store_end - off ||
        *rawlen > (uint64_t)*clen * 1032)
        return segment_corrupt(s, SEG_STORE, "block record", err, cap);
    *z = s->files[SEG_STORE].data + off;
    return QUARRY_OK;
}

int segment_doc_text(const segment *s, struct libdeflate_decompressor *z, const doc_meta *m,
                     buf *scratch, const char **text, char *err, size_t cap)
{
    if (m->text_len == 0) {
        *text = "";
        return QUARRY_OK;
    }
    const uint8_t *zdata = NULL;
    uint32_t clen = 0, rawlen = 0;
    int rc = segment_store_block(s, m->block, &zdata, &clen, &rawlen, err, cap);
    if (rc)
        return rc;
    if ((uint64_t)m->offset + m->text_len > rawlen)
        return segment_corrupt(s, SEG_STORE, "block record", err, cap);
    if (scratch->rc) /* a failed allocation for an earlier (maybe corrupt) block: start over */
        buf_free(scratch);
    scratch->len = 0;
    if (buf_reserve(scratch, rawlen))
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    if (libdeflate_zlib_decompress(z, zdata, clen, scratch->data, rawlen, NULL) !=
        LIBDEFLATE_SUCCESS)
        return segment_corrupt(s, SEG_STORE, "compressed block", err, cap);
    scratch->len = rawlen;
    *text = (const char *)scratch->data + m->offset;
    return QUARRY_OK;
}

int segment_term_next(const segment *s, dict_iter *it, const uint8_t **term, size_t *len,
                      term_info *out, char *err, size_t cap)
{
    const uint8_t *data = s->files[SEG_DICT].data;
    size_t at = it->index ? it->off : FORMAT_HEADER_SIZE;
    if (it->index == s->nterms) {
        if (at != s->dict_end)
            return segment_corrupt(s, SEG_DICT, "bytes between the last term and the block table",
                                   err, cap);
        return 0;
    }
    if (at > s->dict_end)
        return segment_corrupt(s, SEG_DICT, "term entry", err, cap);
    int first = it->k == 0;
    if (first && load_u64le(s->dict_blocks + (size_t)it->block * 8) != at)
        return segment_corrupt(s, SEG_DICT, "term block offset", err, cap);
    reader r = reader_make(data + at, s->dict_end - at);
    uint64_t shared, df, cfx, pl, ql, max_tf = 0, min_dl = 0;
    const uint8_t *suffix;
    size_t slen;
    if (reader_vbyte(&r, &shared) || shared > (first ? 0 : it->term_len) ||
        reader_str(&r, &suffix, &slen) || slen > sizeof it->term - shared ||
        (first && (reader_vbyte(&r, &it->post_off) || reader_vbyte(&r, &it->pos_off))) ||
        reader_vbyte(&r, &df) || reader_vbyte(&r, &cfx) || reader_vbyte(&r, &pl) ||
        reader_vbyte(&r, &ql) ||
        (df >= FORMAT_BLOCK && (reader_vbyte(&r, &max_tf) || reader_vbyte(&r, &min_dl))))
        return segment_corrupt(s, SEG_DICT, "term entry", err, cap);
    if (df == 0 || df > s->ndocs || cfx > UINT64_MAX - df || (df >= FORMAT_BLOCK && max_tf == 0) ||
        max_tf > UINT32_MAX || min_dl > UINT32_MAX ||
        range(s, SEG_POST, it->post_off, pl, &out->post) ||
        range(s, SEG_POS, it->pos_off, ql, &out->pos))
        return segment_corrupt(s, SEG_DICT, "term entry", err, cap);
    memcpy(it->term + shared, suffix, slen);
    it->term_len = (size_t)shared + slen;
    it->shared = (size_t)shared;
    out->df = (uint32_t)df;
    out->cf = df + cfx;
    out->max_tf = (uint32_t)max_tf;
    out->min_dl = (uint32_t)min_dl;
    out->post_len = (size_t)pl;
    out->pos_len = (size_t)ql;
    it->post_off += pl; /* range() bounded both sums by the file sizes */
    it->pos_off += ql;
    it->off = (size_t)(r.pos - data);
    it->index++;
    if (++it->k == FORMAT_DICT_BLOCK) {
        it->k = 0;
        it->block++;
    }
    *term = it->term;
    *len = it->term_len;
    return 1;
}
