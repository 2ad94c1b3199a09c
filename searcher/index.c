/*
 * index.c: quarry_index, an opened index folder (quarry/search.h). Reads the MANIFEST, maps the
 * files it names and checks, before anything is trusted: each file's size against the
 * manifest, its header (magic, kind, version) and footer, and that every table the searcher
 * will index into lies inside its file. Term and document lookups re-check the variable-length
 * fields they decode, so a malformed file yields QUARRY_ECORRUPT, never an out-of-bounds read.
 * The opened index is never written again, which is what makes it shareable across threads.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

#include "common/alloc.h"
#include "common/format.h"
#include "common/reader.h"

static const char *const kinds[FORMAT_SEGMENT_FILES] = {FORMAT_KIND_DICT, FORMAT_KIND_POSTINGS,
                                                        FORMAT_KIND_POSITIONS, FORMAT_KIND_DOCS,
                                                        FORMAT_KIND_STORE};

void index_file_name(const quarry_index *ix, int file, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s/%s%s", ix->dir, ix->man.segments[0].name, manifest_suffixes[file]);
}

/* Fails with ECORRUPT naming file `f`. */
static int corrupt(const quarry_index *ix, int f, const char *what, char *err, size_t cap)
{
    char name[512];
    index_file_name(ix, f, name, sizeof name);
    return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt index file (%s)", name, what);
}

/* Maps file f and checks its framing; *tail receives the footer's tail field. */
#define OPEN_ATTEMPTS 8 /* MANIFEST generations tried by one open */

static int map_file(quarry_index *ix, int f, uint64_t *tail)
{
    char name[512];
    index_file_name(ix, f, name, sizeof name);
    filemap *m = &ix->seg.files[f];
    int rc = filemap_open(m, name, ix->err, sizeof ix->err);
    if (rc == QUARRY_ENOTFOUND)
        return errmsg_set(ix->err, sizeof ix->err, QUARRY_ECORRUPT,
                          "%s: missing (the index is incomplete)", name);
    if (rc)
        return rc;
    const manifest_file *mf = &ix->man.segments[0].files[f];
    if (m->size != mf->size)
        return errmsg_set(ix->err, sizeof ix->err, QUARRY_ECORRUPT,
                          "%s: corrupt index file (%zu bytes, the manifest says %llu: "
                          "truncated or replaced)",
                          name, m->size, (unsigned long long)mf->size);
    if (m->size < FORMAT_HEADER_SIZE + FORMAT_FOOTER_SIZE ||
        memcmp(m->data, FORMAT_MAGIC, FORMAT_MAGIC_LEN) != 0 ||
        memcmp(m->data + FORMAT_MAGIC_LEN, kinds[f], 2) != 0)
        return corrupt(ix, f, "bad header", ix->err, sizeof ix->err);
    uint32_t version = load_u32le(m->data + 8);
    if (version != FORMAT_VERSION)
        return errmsg_set(ix->err, sizeof ix->err, QUARRY_EVERSION,
                          "%s: format version %u, expected %u: rebuild the index with quarry-index",
                          name, version, FORMAT_VERSION);
    const uint8_t *foot = m->data + m->size - FORMAT_FOOTER_SIZE;
    if (memcmp(foot + 12, FORMAT_END_MAGIC, 4) != 0 || load_u32le(foot + 8) != mf->crc)
        return corrupt(ix, f, "bad footer", ix->err, sizeof ix->err);
    *tail = load_u64le(foot);
    return QUARRY_OK;
}

/* Locates the dictionary's block table. */
static int open_dict(quarry_index *ix, uint64_t tail)
{
    segment *s = &ix->seg;
    size_t body_end = s->files[SEG_DICT].size - FORMAT_FOOTER_SIZE;
    if (tail < FORMAT_HEADER_SIZE || tail > body_end || body_end - tail < 8)
        return corrupt(ix, SEG_DICT, "table offset", ix->err, sizeof ix->err);
    const uint8_t *t = s->files[SEG_DICT].data + tail;
    s->nterms = load_u32le(t);
    s->dict_nblocks = load_u32le(t + 4);
    if ((body_end - tail - 8) / 8 != s->dict_nblocks || (body_end - tail - 8) % 8 ||
        s->dict_nblocks !=
            (uint32_t)(((uint64_t)s->nterms + FORMAT_DICT_BLOCK - 1) / FORMAT_DICT_BLOCK))
        return corrupt(ix, SEG_DICT, "table size", ix->err, sizeof ix->err);
    s->dict_blocks = t + 8;
    s->dict_end = (size_t)tail;
    return QUARRY_OK;
}

static int open_docs(quarry_index *ix)
{
    segment *s = &ix->seg;
    const filemap *m = &s->files[SEG_DOCS];
    size_t body = m->size - FORMAT_HEADER_SIZE - FORMAT_FOOTER_SIZE;
    if (body < FORMAT_DOCS_HEADER_SIZE)
        return corrupt(ix, SEG_DOCS, "header", ix->err, sizeof ix->err);
    const uint8_t *h = m->data + FORMAT_HEADER_SIZE;
    s->ndocs = load_u32le(h);
    s->len_width = h[4];
    s->tokens = load_u64le(h + 8);
    if (s->ndocs == UINT32_MAX || s->len_width > 32)
        return corrupt(ix, SEG_DOCS, "header", ix->err, sizeof ix->err);
    size_t lens = format_lengths_bytes(s->ndocs, s->len_width);
    body -= FORMAT_DOCS_HEADER_SIZE;
    uint64_t nmeta = ((uint64_t)s->ndocs + FORMAT_META_BLOCK - 1) / FORMAT_META_BLOCK;
    uint64_t ngroups = ((uint64_t)s->ndocs + FORMAT_ID_GROUP - 1) / FORMAT_ID_GROUP;
    uint64_t tables = (ngroups + 1) * 8 + nmeta * FORMAT_META_RECORD;
    if (lens > body || body - lens < tables)
        return corrupt(ix, SEG_DOCS, "document count", ix->err, sizeof ix->err);
    if (s->ndocs != ix->man.segments[0].docs || s->tokens != ix->man.segments[0].tokens)
        return corrupt(ix, SEG_DOCS, "counts differ from the manifest", ix->err, sizeof ix->err);
    s->lengths = h + FORMAT_DOCS_HEADER_SIZE;
    s->id_groups = s->lengths + lens;
    s->doc_records = s->id_groups + (ngroups + 1) * 8;
    s->groups_start = (size_t)(s->doc_records - m->data) + (size_t)nmeta * FORMAT_META_RECORD;
    /* The groups run from the end of the tables to the meta blocks. */
    uint64_t first = load_u64le(s->id_groups), end = load_u64le(s->id_groups + ngroups * 8);
    if (first != s->groups_start || end < first || end > m->size - FORMAT_FOOTER_SIZE)
        return corrupt(ix, SEG_DOCS, "id group table", ix->err, sizeof ix->err);
    s->meta_start = (size_t)end;
    return QUARRY_OK;
}

static int open_store(quarry_index *ix, uint64_t tail)
{
    segment *s = &ix->seg;
    size_t body_end = s->files[SEG_STORE].size - FORMAT_FOOTER_SIZE;
    if (tail < FORMAT_HEADER_SIZE || tail > body_end || body_end - tail < 4)
        return corrupt(ix, SEG_STORE, "table offset", ix->err, sizeof ix->err);
    const uint8_t *t = s->files[SEG_STORE].data + tail;
    s->nblocks = load_u32le(t);
    if ((body_end - tail - 4) / FORMAT_STORE_RECORD_SIZE != s->nblocks ||
        (body_end - tail - 4) % FORMAT_STORE_RECORD_SIZE)
        return corrupt(ix, SEG_STORE, "table size", ix->err, sizeof ix->err);
    s->store_table = t + 4;
    s->store_end = (size_t)tail;
    return QUARRY_OK;
}

/* Reads the MANIFEST and maps and checks the files of the commit it names. */
static int open_commit(quarry_index *ix)
{
    int rc = manifest_read(&ix->man, ix->dir, ix->err, sizeof ix->err);
    if (rc)
        return rc;
    if (ix->man.nsegments != 1)
        return errmsg_set(ix->err, sizeof ix->err, QUARRY_EVERSION,
                          "%s: %u segments; this quarry reads single-segment indexes", ix->dir,
                          ix->man.nsegments);
    uint64_t tails[FORMAT_SEGMENT_FILES];
    for (int f = 0; f < FORMAT_SEGMENT_FILES && !rc; f++)
        rc = map_file(ix, f, &tails[f]);
    if (!rc)
        rc = open_dict(ix, tails[SEG_DICT]);
    if (!rc)
        rc = open_docs(ix);
    if (!rc)
        rc = open_store(ix, tails[SEG_STORE]);
    return rc;
}

/* Does the folder's MANIFEST now name another generation than the one read? */
static int newer_commit(const quarry_index *ix)
{
    manifest now;
    char err[ERRMSG_CAP];
    memset(&now, 0, sizeof now);
    if (manifest_read(&now, ix->dir, err, sizeof err))
        return 0;
    int newer = now.generation != ix->man.generation;
    manifest_free(&now);
    return newer;
}

int quarry_index_open(quarry_index **out, const char *dir)
{
    *out = NULL;
    quarry_index *ix = alloc_array(1, sizeof *ix);
    if (!ix)
        return QUARRY_ENOMEM;
    *out = ix;
    int rc;
    if (!(ix->dir = alloc_strndup(dir, strlen(dir)))) {
        rc = errmsg_set(ix->err, sizeof ix->err, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    /* A commit may replace the MANIFEST and delete the files it named between our reading
     * the one and mapping the others: when opening fails and the MANIFEST has meanwhile
     * moved to another generation, open that one instead (a few times at most). */
    for (int attempt = 0;; attempt++) {
        rc = open_commit(ix);
        if (rc == QUARRY_OK || attempt == OPEN_ATTEMPTS - 1 || !newer_commit(ix))
            break;
        for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
            filemap_close(&ix->seg.files[f]);
        manifest_free(&ix->man);
        memset(&ix->seg, 0, sizeof ix->seg);
    }
done:
    ix->rc = rc;
    return rc;
}

int quarry_index_get_info(quarry_index_info *out, const quarry_index *ix)
{
    if (!ix || ix->rc)
        return QUARRY_ERROR;
    memset(out, 0, sizeof *out);
    out->format_version = FORMAT_VERSION;
    out->generation = ix->man.generation;
    out->docs = ix->seg.ndocs;
    out->terms = ix->seg.nterms;
    out->tokens = ix->seg.tokens;
    for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
        out->index_bytes += ix->seg.files[f].size;
    out->language = ix->man.language;
    return QUARRY_OK;
}

const char *quarry_index_errmsg(const quarry_index *ix)
{
    return ix ? ix->err : "no index";
}

void quarry_index_close(quarry_index *ix)
{
    if (!ix)
        return;
    for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
        filemap_close(&ix->seg.files[f]);
    manifest_free(&ix->man);
    alloc_free(ix->dir);
    alloc_free(ix);
}

/* A [off, off + len) range of file f, checked to lie in its body. */
static int range(const quarry_index *ix, int f, uint64_t off, uint64_t len, const uint8_t **out)
{
    size_t size = ix->seg.files[f].size;
    if (off < FORMAT_HEADER_SIZE || off > size - FORMAT_FOOTER_SIZE ||
        len > size - FORMAT_FOOTER_SIZE - off)
        return QUARRY_ECORRUPT;
    *out = ix->seg.files[f].data + off;
    return QUARRY_OK;
}

/* Decodes the first term of dictionary block b (its prefix must be empty). */
static int block_first(const quarry_index *ix, uint32_t b, const uint8_t **t, size_t *len)
{
    const segment *s = &ix->seg;
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

int index_lookup(const quarry_index *ix, const char *term, size_t len, term_info *out, char *err,
                 size_t cap)
{
    const segment *s = &ix->seg;
    /* The last block whose first term is <= term. */
    uint32_t lo = 0, hi = s->dict_nblocks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *t;
        size_t tlen;
        if (block_first(ix, mid, &t, &tlen))
            return corrupt(ix, SEG_DICT, "term block", err, cap);
        if (compare(t, tlen, term, len) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    /* Then scan that block's entries (at most FORMAT_DICT_BLOCK) with the iterator. */
    dict_iter it;
    memset(&it, 0, sizeof it);
    it.block = lo - 1;
    it.index = it.block * FORMAT_DICT_BLOCK;
    it.off = (size_t)load_u64le(s->dict_blocks + (size_t)it.block * 8);
    for (uint32_t k = 0; k < FORMAT_DICT_BLOCK; k++) {
        const uint8_t *t;
        size_t tlen;
        int rc = index_term_next(ix, &it, &t, &tlen, out, err, cap);
        if (rc <= 0)
            return rc;
        int c = compare(t, tlen, term, len);
        if (c >= 0)
            return c == 0;
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

int index_doc_meta(const quarry_index *ix, struct libdeflate_decompressor *z, uint32_t doc,
                   buf *scratch, doc_meta *out, char *err, size_t cap)
{
    const segment *s = &ix->seg;
    uint8_t id[FORMAT_MAX_ID];
    size_t title_at = 0;
    if (doc >= s->ndocs)
        return corrupt(ix, SEG_DOCS, "document number", err, cap);
    if (read_id_group(s, doc, id, &out->id_len, out))
        return corrupt(ix, SEG_DOCS, "id group", err, cap);
    if (scratch->rc)
        buf_free(scratch);
    scratch->len = 0;
    out->title_len = 0;
    if (z) {
        const uint8_t *rec =
            s->doc_records + (size_t)(doc / FORMAT_META_BLOCK) * FORMAT_META_RECORD;
        uint64_t off = load_u64le(rec);
        uint32_t clen = load_u32le(rec + 8), rawlen = load_u32le(rec + 12);
        const filemap *m = &s->files[SEG_DOCS];
        size_t end = m->size - FORMAT_FOOTER_SIZE;
        /* zlib cannot expand more than 1032 times: a larger raw length is corrupt, and must
         * not size an allocation. */
        if (off < s->meta_start || off > end || clen > end - off ||
            (uint64_t)rawlen > (uint64_t)clen * 1032)
            return corrupt(ix, SEG_DOCS, "title block record", err, cap);
        if (buf_reserve(scratch, rawlen))
            return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
        if (libdeflate_zlib_decompress(z, m->data + off, clen, scratch->data, rawlen, NULL) !=
            LIBDEFLATE_SUCCESS)
            return corrupt(ix, SEG_DOCS, "compressed title block", err, cap);
        reader r = reader_make(scratch->data, rawlen);
        const uint8_t *title = NULL;
        for (uint32_t k = 0; k <= doc % FORMAT_META_BLOCK; k++)
            if (reader_str(&r, &title, &out->title_len))
                return corrupt(ix, SEG_DOCS, "title block", err, cap);
        title_at = (size_t)(title - scratch->data);
        scratch->len = rawlen;
    }
    size_t id_at = scratch->len;
    buf_append(scratch, id, out->id_len);
    if (scratch->rc)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    out->id = (const char *)scratch->data + id_at;
    out->title = (const char *)scratch->data + title_at;
    return QUARRY_OK;
}

int index_doc_text(const quarry_index *ix, struct libdeflate_decompressor *z, const doc_meta *m,
                   buf *scratch, const char **text, char *err, size_t cap)
{
    const segment *s = &ix->seg;
    if (m->text_len == 0) {
        *text = "";
        return QUARRY_OK;
    }
    if (m->block >= s->nblocks)
        return corrupt(ix, SEG_STORE, "block number", err, cap);
    const uint8_t *rec = s->store_table + (size_t)m->block * FORMAT_STORE_RECORD_SIZE;
    uint64_t off = load_u64le(rec);
    uint32_t clen = load_u32le(rec + 8), rawlen = load_u32le(rec + 12);
    /* Deflate expands at most 1032 times, so a larger raw length is a lie that must not
     * size the allocation below (a 16-byte record could otherwise ask for 4 GiB). */
    if (off < FORMAT_HEADER_SIZE || off > s->store_end || clen > s->store_end - off ||
        (uint64_t)m->offset + m->text_len > rawlen || rawlen > (uint64_t)clen * 1032)
        return corrupt(ix, SEG_STORE, "block record", err, cap);
    if (scratch->rc) /* a failed allocation for an earlier (maybe corrupt) block: start over */
        buf_free(scratch);
    scratch->len = 0;
    if (buf_reserve(scratch, rawlen))
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    if (libdeflate_zlib_decompress(z, s->files[SEG_STORE].data + off, clen, scratch->data, rawlen,
                                   NULL) != LIBDEFLATE_SUCCESS)
        return corrupt(ix, SEG_STORE, "compressed block", err, cap);
    scratch->len = rawlen;
    *text = (const char *)scratch->data + m->offset;
    return QUARRY_OK;
}

int index_term_next(const quarry_index *ix, dict_iter *it, const uint8_t **term, size_t *len,
                    term_info *out, char *err, size_t cap)
{
    const segment *s = &ix->seg;
    const uint8_t *data = s->files[SEG_DICT].data;
    size_t at = it->index ? it->off : FORMAT_HEADER_SIZE;
    if (it->index == s->nterms) {
        if (at != s->dict_end)
            return corrupt(ix, SEG_DICT, "bytes between the last term and the block table", err,
                           cap);
        return 0;
    }
    if (at > s->dict_end)
        return corrupt(ix, SEG_DICT, "term entry", err, cap);
    int first = it->k == 0;
    if (first && load_u64le(s->dict_blocks + (size_t)it->block * 8) != at)
        return corrupt(ix, SEG_DICT, "term block offset", err, cap);
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
        return corrupt(ix, SEG_DICT, "term entry", err, cap);
    if (df == 0 || df > s->ndocs || cfx > UINT64_MAX - df || (df >= FORMAT_BLOCK && max_tf == 0) ||
        max_tf > UINT32_MAX || min_dl > UINT32_MAX ||
        range(ix, SEG_POST, it->post_off, pl, &out->post) ||
        range(ix, SEG_POS, it->pos_off, ql, &out->pos))
        return corrupt(ix, SEG_DICT, "term entry", err, cap);
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
