/*
 * manifest.c: reading and writing the MANIFEST file that makes a commit visible (see
 * manifest.h). Shared by the indexer, which writes it last in every commit, and the searcher,
 * which opens only what it names.
 */
#include "manifest.h"

#include <string.h>
#include <zlib.h>

#include "alloc.h"
#include "buf.h"
#include "errmsg.h"
#include "fileio.h"
#include "quarry/error.h"
#include "reader.h"

const char *const manifest_suffixes[FORMAT_SEGMENT_FILES] = {
    FORMAT_SUFFIX_DICT, FORMAT_SUFFIX_POSTINGS, FORMAT_SUFFIX_POSITIONS, FORMAT_SUFFIX_DOCS,
    FORMAT_SUFFIX_STORE};

void manifest_free(manifest *m)
{
    alloc_free(m->segments);
    m->segments = NULL;
    m->nsegments = 0;
}

/* Copies a str field into a fixed NUL-terminated buffer; rejects empty, long or NUL bytes. */
static int read_name(reader *r, char *dst, size_t cap)
{
    const uint8_t *p;
    size_t n;
    if (reader_str(r, &p, &n) || n == 0 || n >= cap || memchr(p, 0, n))
        return QUARRY_ECORRUPT;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return QUARRY_OK;
}

static int parse(manifest *m, const uint8_t *data, size_t size, const char *path, char *err,
                 size_t cap)
{
    if (size < FORMAT_HEADER_SIZE + FORMAT_FOOTER_SIZE ||
        memcmp(data, FORMAT_MAGIC FORMAT_KIND_MANIFEST, 8) != 0)
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt manifest (not a quarry manifest)",
                          path);
    uint32_t version = load_u32le(data + 8);
    if (version != FORMAT_VERSION)
        return errmsg_set(err, cap, QUARRY_EVERSION,
                          "%s: index format version %u, this quarry reads version %u: rebuild "
                          "the index with quarry-index",
                          path, version, FORMAT_VERSION);
    const uint8_t *foot = data + size - FORMAT_FOOTER_SIZE;
    if (memcmp(foot + 12, FORMAT_END_MAGIC, 4) != 0 ||
        load_u32le(foot + 8) != (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), data, size - 8))
        return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt manifest (checksum mismatch)",
                          path);

    reader r =
        reader_make(data + FORMAT_HEADER_SIZE, size - FORMAT_HEADER_SIZE - FORMAT_FOOTER_SIZE);
    const uint8_t *lang;
    size_t lang_len;
    uint32_t nseg;
    if (reader_u64(&r, &m->generation) || reader_str(&r, &lang, &lang_len) || lang_len == 0 ||
        lang_len > FORMAT_MAX_LANGUAGE || memchr(lang, 0, lang_len) || reader_u32(&r, &nseg) ||
        nseg > reader_left(&r))
        goto bad;
    memcpy(m->language, lang, lang_len);
    m->language[lang_len] = '\0';
    m->segments = alloc_array(nseg ? nseg : 1, sizeof *m->segments);
    if (!m->segments)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    m->nsegments = nseg;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nseg; i++) {
        manifest_segment *s = &m->segments[i];
        uint32_t nfiles;
        if (read_name(&r, s->name, sizeof s->name) || strchr(s->name, '/') ||
            reader_u32(&r, &s->docs) || reader_u64(&r, &s->tokens) || reader_u32(&r, &nfiles) ||
            nfiles != FORMAT_SEGMENT_FILES)
            goto bad;
        for (uint32_t j = 0; j < nfiles; j++) {
            manifest_file *f = &s->files[j];
            if (read_name(&r, f->suffix, sizeof f->suffix) ||
                strcmp(f->suffix, manifest_suffixes[j]) != 0 || reader_u64(&r, &f->size) ||
                reader_u32(&r, &f->crc))
                goto bad;
        }
        if (reader_u32(&r, &s->deleted) || s->deleted > s->docs)
            goto bad;
        if (s->deleted) {
            manifest_file *f = &s->del;
            size_t n;
            if (read_name(&r, f->suffix, sizeof f->suffix) || f->suffix[0] != '.' ||
                strchr(f->suffix, '/') || (n = strlen(f->suffix)) < 5 ||
                strcmp(f->suffix + n - 4, FORMAT_SUFFIX_DELETIONS) != 0 ||
                reader_u64(&r, &f->size) || reader_u32(&r, &f->crc))
                goto bad;
        }
        total += s->docs;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->segments[j].name, s->name) == 0)
                goto bad;
    }
    if (total > FORMAT_MAX_DOCS)
        goto bad;
    if (reader_left(&r) != 0)
        goto bad;
    return QUARRY_OK;
bad:
    manifest_free(m);
    return errmsg_set(err, cap, QUARRY_ECORRUPT, "%s: corrupt manifest (malformed)", path);
}

int manifest_read(manifest *m, const char *dir, char *err, size_t cap)
{
    memset(m, 0, sizeof *m);
    char *path = path_join(dir, FORMAT_MANIFEST_NAME);
    if (!path)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    filemap map;
    int rc = filemap_open(&map, path, err, cap);
    if (rc == QUARRY_ENOTFOUND)
        rc = errmsg_set(err, cap, QUARRY_ENOTFOUND, "%s: no quarry index here (no %s)", dir,
                        FORMAT_MANIFEST_NAME);
    if (rc == QUARRY_OK) {
        rc = parse(m, map.data, map.size, path, err, cap);
        filemap_close(&map);
    }
    alloc_free(path);
    return rc;
}

int manifest_write(const manifest *m, const char *dir, char *err, size_t cap)
{
    buf b = BUF_INIT;
    filew f;
    int rc;
    char *path = path_join(dir, FORMAT_MANIFEST_NAME);
    if (!path)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    buf_put_u64(&b, m->generation);
    buf_put_str(&b, m->language, strlen(m->language));
    buf_put_u32(&b, m->nsegments);
    for (uint32_t i = 0; i < m->nsegments; i++) {
        const manifest_segment *s = &m->segments[i];
        buf_put_str(&b, s->name, strlen(s->name));
        buf_put_u32(&b, s->docs);
        buf_put_u64(&b, s->tokens);
        buf_put_u32(&b, FORMAT_SEGMENT_FILES);
        for (uint32_t j = 0; j < FORMAT_SEGMENT_FILES; j++) {
            buf_put_str(&b, s->files[j].suffix, strlen(s->files[j].suffix));
            buf_put_u64(&b, s->files[j].size);
            buf_put_u32(&b, s->files[j].crc);
        }
        buf_put_u32(&b, s->deleted);
        if (s->deleted) {
            buf_put_str(&b, s->del.suffix, strlen(s->del.suffix));
            buf_put_u64(&b, s->del.size);
            buf_put_u32(&b, s->del.crc);
        }
    }
    if (b.rc) {
        rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    if (filew_open(&f, path) == QUARRY_OK) {
        filew_header(&f, FORMAT_KIND_MANIFEST);
        filew_write(&f, b.data, b.len);
        filew_footer(&f, 0);
    }
    rc = filew_commit(&f, NULL, NULL);
    if (rc) {
        errmsg_set(err, cap, rc, "%s", f.err);
        goto done;
    }
    rc = fsync_dir(dir, err, cap);
done:
    buf_free(&b);
    alloc_free(path);
    return rc;
}
