/*
 * verify.c: quarry_index_verify (quarry/search.h), the integrity check behind
 * `quarry-search --check`. Opening an index checks only what is cheap (framing, sizes, table
 * shapes); this file checks the rest against docs/FORMAT.md, and stops at the first problem,
 * which it describes in the report naming the file.
 *
 * The cheap level re-checks every file's framing against the manifest and the shape of the
 * block tables (dictionary blocks, document-table meta records, store records). The deep level
 * adds, in this order: the CRC-32 of every byte of every file (and a re-read of the MANIFEST);
 * a walk of the whole dictionary (index_term_next) decoding every posting list with a cursor
 * (cursor.c), positions included, and comparing what it finds with the dictionary's counts and
 * impacts and the skip entries' impacts; every store block inflated; every meta block of the
 * document table inflated and parsed. A deep check reads every byte of the index once more
 * than that (the CRC pass), so its cost is a few times a full scan of the files.
 *
 * Depends on index.c (tables, dictionary walk, document lengths), cursor.c and zlib; called by
 * applications and searcher/main.c. It only reads the index: its scratch memory and messages
 * are its own, so it may run while other threads search the same index.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "common/alloc.h"
#include "common/bitpack.h"
#include "common/format.h"
#include "common/reader.h"
#include "common/strmap.h"
#include "common/tokenizer.h"

#define SINK_BYTES 65536 /* inflate output chunk for store blocks (only counted, not kept) */

static const char *const kinds[FORMAT_SEGMENT_FILES] = {FORMAT_KIND_DICT, FORMAT_KIND_POSTINGS,
                                                        FORMAT_KIND_POSITIONS, FORMAT_KIND_DOCS,
                                                        FORMAT_KIND_STORE};

/* State of one verification. */
typedef struct vctx {
    const quarry_index *ix;     /* the index checked */
    const segment *seg;         /* the segment being checked */
    const manifest_segment *ms; /* its manifest entry */
    strmap *ids;                /* ids of the live documents of the segments checked so far */
    quarry_verify_report *out;  /* counters and message */
    uint32_t *doc_tf;           /* per document: sum of its terms' frequencies (deep) */
    uint64_t *doc_slot;         /* per document: its first bit in `slots` (deep) */
    uint64_t *slots;            /* one bit per position of every document, set when a term
                                   occurs there: no two occurrences may share a position */
    buf scratch;                /* an inflated meta block */
    uint8_t *sink;              /* SINK_BYTES of inflate output, discarded */
} vctx;

/* Fails with QUARRY_ECORRUPT: "<path of file f>: corrupt index file (<detail>)". */
static int bad(vctx *v, int f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int bad(vctx *v, int f, const char *fmt, ...)
{
    char name[512], detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    segment_file_name(v->seg, f, name, sizeof name);
    return errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ECORRUPT,
                      "%s: corrupt index file (%s)", name, detail);
}

/* Writes term t[0..n) into dst for a message: printable ASCII as is, other bytes as \xHH,
 * cut after 40 bytes. */
static const char *show(char *dst, size_t cap, const uint8_t *t, size_t n)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n && i < 40 && o + 5 < cap; i++) {
        if (t[i] >= 0x20 && t[i] < 0x7f && t[i] != '\\')
            dst[o++] = (char)t[i];
        else
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", t[i]);
    }
    if (n > 40 && o + 4 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

/* Monotonic seconds, for the report's timing. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----- framing and checksums -------------------------------------------------------------- */

/* File f: size, header, footer and its CRC against the manifest; deep: the CRC recomputed. */
static int check_file(vctx *v, int f, int deep)
{
    const filemap *m = &v->seg->files[f];
    const manifest_file *mf = &v->ms->files[f];
    if (m->size != mf->size || m->size < FORMAT_HEADER_SIZE + FORMAT_FOOTER_SIZE)
        return bad(v, f, "%zu bytes, the manifest says %llu", m->size,
                   (unsigned long long)mf->size);
    if (memcmp(m->data, FORMAT_MAGIC, FORMAT_MAGIC_LEN) != 0 ||
        memcmp(m->data + FORMAT_MAGIC_LEN, kinds[f], 2) != 0 ||
        load_u32le(m->data + 8) != FORMAT_VERSION)
        return bad(v, f, "bad header");
    const uint8_t *foot = m->data + m->size - FORMAT_FOOTER_SIZE;
    uint64_t tail = load_u64le(foot);
    uint32_t stored = load_u32le(foot + 8);
    if (memcmp(foot + 12, FORMAT_END_MAGIC, 4) != 0)
        return bad(v, f, "bad footer");
    if (stored != mf->crc)
        return bad(v, f, "footer checksum %08x, the manifest says %08x", stored, mf->crc);
    uint64_t want = f == SEG_DICT ? v->seg->dict_end : f == SEG_STORE ? v->seg->store_end : 0;
    if (tail != want)
        return bad(v, f, "footer tail %llu, expected %llu", (unsigned long long)tail,
                   (unsigned long long)want);
    if (deep) {
        uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), m->data, m->size - 8);
        if (crc != stored)
            return bad(v, f, "checksum mismatch: the footer says %08x, the bytes give %08x", stored,
                       crc);
        v->out->bytes_checked += m->size;
    }
    v->out->files_checked++;
    return QUARRY_OK;
}

/* Do two parsed manifests describe the same commit, field by field? */
static int same_manifest(const manifest *a, const manifest *b)
{
    if (strcmp(a->language, b->language) != 0 || a->nsegments != b->nsegments)
        return 0;
    for (uint32_t i = 0; i < a->nsegments; i++) {
        const manifest_segment *x = &a->segments[i], *y = &b->segments[i];
        if (strcmp(x->name, y->name) != 0 || x->docs != y->docs || x->tokens != y->tokens ||
            x->deleted != y->deleted ||
            (x->deleted && (strcmp(x->del.suffix, y->del.suffix) != 0 ||
                            x->del.size != y->del.size || x->del.crc != y->del.crc)))
            return 0;
        for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
            if (strcmp(x->files[f].suffix, y->files[f].suffix) != 0 ||
                x->files[f].size != y->files[f].size || x->files[f].crc != y->files[f].crc)
                return 0;
    }
    return 1;
}

/* Deep: the MANIFEST is read again (manifest_read verifies its checksum and every field) and,
 * unless a newer commit has replaced it since the index was opened, must equal what was
 * opened. */
static int check_manifest(vctx *v)
{
    const quarry_index *ix = v->ix;
    char *path = path_join(ix->dir, FORMAT_MANIFEST_NAME);
    char *msg = v->out->message;
    size_t cap = sizeof v->out->message;
    manifest m;
    filemap map = {NULL, 0};
    memset(&m, 0, sizeof m);
    if (!path)
        return errmsg_set(msg, cap, QUARRY_ENOMEM, "out of memory");
    int rc = filemap_open(&map, path, msg, cap);
    if (rc == QUARRY_ENOTFOUND)
        rc = errmsg_set(msg, cap, QUARRY_ECORRUPT,
                        "%s: missing (deleted since the index was opened)", path);
    if (rc)
        goto done;
    rc = manifest_read(&m, ix->dir, msg, cap);
    if (rc == QUARRY_ENOTFOUND)
        rc = errmsg_set(msg, cap, QUARRY_ECORRUPT, "%s: missing", path);
    if (rc == QUARRY_EVERSION) /* the index opened was version 1: this is damage */
        rc = errmsg_set(msg, cap, QUARRY_ECORRUPT,
                        "%s: corrupt manifest (its format version changed since the index was "
                        "opened)",
                        path);
    if (rc)
        goto done;
    if (m.generation == ix->man.generation && !same_manifest(&m, &ix->man)) {
        rc = errmsg_set(msg, cap, QUARRY_ECORRUPT,
                        "%s: corrupt manifest (generation %llu differs from the one opened)", path,
                        (unsigned long long)m.generation);
        goto done;
    }
    v->out->files_checked++;
    v->out->bytes_checked += map.size;
done:
    manifest_free(&m);
    filemap_close(&map);
    alloc_free(path);
    return rc;
}

/* ----- tables ------------------------------------------------------------------------------ */

/* Dictionary block table: each block's first term decodes (no shared prefix) and the first
 * terms strictly increase. (The deep walk checks every entry; this is the cheap level.) */
static int check_dict_blocks(vctx *v)
{
    const segment *s = v->seg;
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    uint64_t prev_off = 0;
    for (uint32_t b = 0; b < s->dict_nblocks; b++) {
        uint64_t off = load_u64le(s->dict_blocks + (size_t)b * 8), shared;
        if (off < FORMAT_HEADER_SIZE || off >= s->dict_end || (b > 0 && off <= prev_off) ||
            (b == 0 && off != FORMAT_HEADER_SIZE))
            return bad(v, SEG_DICT, "offset of term block %u", b);
        reader r = reader_make(s->files[SEG_DICT].data + off, s->dict_end - (size_t)off);
        const uint8_t *t;
        size_t n;
        if (reader_vbyte(&r, &shared) || shared != 0 || reader_str(&r, &t, &n) || n > 255)
            return bad(v, SEG_DICT, "first term of block %u", b);
        if (b > 0) {
            size_t k = n < prev_len ? n : prev_len;
            int c = k ? memcmp(prev, t, k) : 0;
            if (c > 0 || (c == 0 && prev_len >= n))
                return bad(v, SEG_DICT, "term block %u out of order", b);
        }
        prev = t;
        prev_len = n;
        prev_off = off;
    }
    return QUARRY_OK;
}

/* Document table: header's zero bytes, zero padding after the lengths, id group offsets in
 * order, meta block records laid end to end from the meta area's start to the footer. */
static int check_docs_tables(vctx *v)
{
    const segment *s = v->seg;
    const filemap *m = &s->files[SEG_DOCS];
    const uint8_t *h = m->data + FORMAT_HEADER_SIZE;
    if (h[5] || h[6] || h[7])
        return bad(v, SEG_DOCS, "header");
    uint64_t bits = (uint64_t)s->ndocs * s->len_width;
    size_t lens = format_lengths_bytes(s->ndocs, s->len_width);
    if (bits % 8 && s->lengths[bits / 8] >> (bits % 8))
        return bad(v, SEG_DOCS, "bits after the last document length");
    for (size_t i = (size_t)((bits + 7) / 8); i < lens; i++)
        if (s->lengths[i])
            return bad(v, SEG_DOCS, "padding after the document lengths");
    uint32_t ngroups = (uint32_t)(((uint64_t)s->ndocs + FORMAT_ID_GROUP - 1) / FORMAT_ID_GROUP);
    for (uint32_t g = 0; g < ngroups; g++)
        if (load_u64le(s->id_groups + (size_t)g * 8) > load_u64le(s->id_groups + (size_t)g * 8 + 8))
            return bad(v, SEG_DOCS, "offset of id group %u", g + 1);
    uint32_t nmeta = (uint32_t)(((uint64_t)s->ndocs + FORMAT_META_BLOCK - 1) / FORMAT_META_BLOCK);
    uint64_t at = s->meta_start, end = m->size - FORMAT_FOOTER_SIZE;
    for (uint32_t k = 0; k < nmeta; k++) {
        const uint8_t *rec = s->doc_records + (size_t)k * FORMAT_META_RECORD;
        uint64_t off = load_u64le(rec);
        uint32_t clen = load_u32le(rec + 8), raw = load_u32le(rec + 12);
        if (off != at || clen == 0 || clen > end - at || (uint64_t)raw > (uint64_t)clen * 1032)
            return bad(v, SEG_DOCS, "record of meta block %u", k);
        at += clen;
    }
    if (at != end)
        return bad(v, SEG_DOCS, "bytes after the last meta block");
    return QUARRY_OK;
}

/* Store: block records laid end to end from the header to the table. */
static int check_store_table(vctx *v)
{
    const segment *s = v->seg;
    uint64_t at = FORMAT_HEADER_SIZE;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        const uint8_t *rec = s->store_table + (size_t)b * FORMAT_STORE_RECORD_SIZE;
        uint64_t off = load_u64le(rec);
        uint32_t clen = load_u32le(rec + 8), raw = load_u32le(rec + 12);
        if (off != at || clen == 0 || clen > s->store_end - at ||
            (uint64_t)raw > (uint64_t)clen * 1032)
            return bad(v, SEG_STORE, "record of block %u", b);
        at += clen;
    }
    if (at != s->store_end)
        return bad(v, SEG_STORE, "bytes between the last block and the table");
    return QUARRY_OK;
}

/* ----- postings ---------------------------------------------------------------------------- */

/* Decodes term t's whole posting list, positions included, and checks it against its entry. */
static int check_term(vctx *v, const uint8_t *t, size_t tlen, const term_info *ti, cursor *c)
{
    uint32_t ndocs = v->seg->ndocs, nfull = ti->df / FORMAT_BLOCK;
    char tn[200];
    if (nfull) {
        size_t skip = (size_t)nfull * FORMAT_SKIP_ENTRY + 8;
        if (ti->post_len < skip || load_u32le(ti->post + 4) != skip ||
            load_u32le(ti->post + 8) != 0)
            return bad(v, SEG_POST, "term '%s': skip entries", show(tn, sizeof tn, t, tlen));
        /* With no tail, the tail's chunk offset is read by nobody: it must be the area's end. */
        if (ti->df % FORMAT_BLOCK == 0 && load_u32le(ti->post + skip - 8) != ti->pos_len)
            return bad(v, SEG_POST, "term '%s': tail position offset",
                       show(tn, sizeof tn, t, tlen));
    }
    uint64_t n = 0, cf = 0;
    uint32_t prev = 0, bmax = 0, bmin = UINT32_MAX, tmax = 0, tmin = UINT32_MAX;
    int rc = QUARRY_OK, in_positions = 0;
    cursor_init(c, v->seg, ti);
    for (; cursor_docid(c) != CURSOR_END; cursor_next(c)) {
        uint32_t d = cursor_docid(c), f = cursor_freq(c);
        if (d >= ndocs || (n > 0 && d <= prev) || n == ti->df || f == 0) {
            rc = bad(v, SEG_POST, "term '%s': posting %llu (document %u, tf %u) out of order",
                     show(tn, sizeof tn, t, tlen), (unsigned long long)n, d, f);
            goto done;
        }
        uint32_t dl = segment_doc_length(v->seg, d);
        const uint32_t *p;
        in_positions = 1;
        if (cursor_positions(c, &p) != f) {
            if (!c->rc)
                c->rc = QUARRY_ECORRUPT;
            break;
        }
        in_positions = 0;
        for (uint32_t j = 0; j < f; j++) {
            if (p[j] > dl || (j > 0 && p[j] <= p[j - 1])) {
                rc = bad(v, SEG_POS,
                         "term '%s': position %u of document %u (length %u) out of order or range",
                         show(tn, sizeof tn, t, tlen), p[j], d, dl);
                goto done;
            }
            uint64_t bit = v->doc_slot[d] + p[j];
            if (v->slots[bit / 64] >> (bit % 64) & 1) {
                rc = bad(v, SEG_POS, "term '%s': position %u of document %u taken by another term",
                         show(tn, sizeof tn, t, tlen), p[j], d);
                goto done;
            }
            v->slots[bit / 64] |= 1ull << (bit % 64);
        }
        if (f > UINT32_MAX - v->doc_tf[d]) {
            rc = bad(v, SEG_POST, "term '%s': frequencies of document %u overflow",
                     show(tn, sizeof tn, t, tlen), d);
            goto done;
        }
        v->doc_tf[d] += f;
        prev = d;
        n++;
        cf += f;
        bmax = f > bmax ? f : bmax;
        bmin = dl < bmin ? dl : bmin;
        if (n % FORMAT_BLOCK == 0 && n / FORMAT_BLOCK <= nfull) {
            /* A full block ends: its skip entry's impacts must bound it (saturated at 65535). */
            const uint8_t *sk = ti->post + (size_t)(n / FORMAT_BLOCK - 1) * FORMAT_SKIP_ENTRY;
            uint32_t smax = (uint32_t)sk[12] | (uint32_t)sk[13] << 8;
            uint32_t smin = (uint32_t)sk[14] | (uint32_t)sk[15] << 8;
            if (smax != (bmax < 65535 ? bmax : 65535) || smin != (bmin < 65535 ? bmin : 65535)) {
                rc = bad(v, SEG_POST,
                         "term '%s': block %llu impacts (max tf %u, min length %u) differ from "
                         "its documents' (%u, %u)",
                         show(tn, sizeof tn, t, tlen), (unsigned long long)(n / FORMAT_BLOCK - 1),
                         smax, smin, bmax, bmin);
                goto done;
            }
        }
        if (n % FORMAT_BLOCK == 0 || n == ti->df) {
            tmax = bmax > tmax ? bmax : tmax;
            tmin = bmin < tmin ? bmin : tmin;
            bmax = 0;
            bmin = UINT32_MAX;
        }
    }
    if (c->rc == QUARRY_ENOMEM) {
        rc = errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    if (c->rc) {
        rc = bad(v, in_positions ? SEG_POS : SEG_POST,
                 "term '%s': %s do not decode (after %llu of %u postings)",
                 show(tn, sizeof tn, t, tlen), in_positions ? "positions" : "postings",
                 (unsigned long long)n, ti->df);
        goto done;
    }
    if (n != ti->df || cf != ti->cf) {
        rc = bad(v, SEG_DICT, "term '%s': df %u and cf %llu, but its postings give %llu and %llu",
                 show(tn, sizeof tn, t, tlen), ti->df, (unsigned long long)ti->cf,
                 (unsigned long long)n, (unsigned long long)cf);
        goto done;
    }
    if (ti->df >= FORMAT_BLOCK && (ti->max_tf != tmax || ti->min_dl != tmin)) {
        rc = bad(v, SEG_DICT,
                 "term '%s': impacts (max tf %u, min length %u) differ from its documents' "
                 "(%u, %u)",
                 show(tn, sizeof tn, t, tlen), ti->max_tf, ti->min_dl, tmax, tmin);
        goto done;
    }
    v->out->postings += n;
    v->out->positions += cf;
done:
    cursor_free(c);
    return rc;
}

/* Is t[0..n) a possible term (docs/FORMAT.md, "Analysis")? 1..TOKENIZER_MAX_TERM bytes of
 * valid UTF-8 whose ASCII bytes are [0-9a-z]. */
static int term_ok(const uint8_t *t, size_t n)
{
    if (n == 0 || n > TOKENIZER_MAX_TERM || !utf8_valid((const char *)t, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] < 0x80 && !((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'z')))
            return 0;
    return 1;
}

/* Walks the dictionary: terms strictly increase, areas are contiguous and cover both files'
 * bodies, and every posting list checks out. */
static int check_postings(vctx *v)
{
    const segment *s = v->seg;
    dict_iter it;
    cursor c;
    uint8_t prev[sizeof it.term];
    size_t prev_len = 0;
    char tn[200];
    const uint8_t *post_at = s->files[SEG_POST].data + FORMAT_HEADER_SIZE;
    const uint8_t *pos_at = s->files[SEG_POS].data + FORMAT_HEADER_SIZE;
    memset(&it, 0, sizeof it);
    for (;;) {
        const uint8_t *t;
        size_t n;
        term_info ti;
        int rc =
            segment_term_next(v->seg, &it, &t, &n, &ti, v->out->message, sizeof v->out->message);
        if (rc == 0)
            break;
        if (rc < 0)
            return rc;
        if (!term_ok(t, n))
            return bad(v, SEG_DICT, "term '%s' (#%u) is not an analyzed word",
                       show(tn, sizeof tn, t, n), it.index - 1);
        if (it.index > 1) {
            size_t k = n < prev_len ? n : prev_len, lcp = 0;
            while (lcp < k && prev[lcp] == t[lcp])
                lcp++;
            if (lcp == n || (lcp < k && prev[lcp] > t[lcp]))
                return bad(v, SEG_DICT, "term '%s' (#%u) out of order", show(tn, sizeof tn, t, n),
                           it.index - 1);
            if ((it.index - 1) % FORMAT_DICT_BLOCK != 0 && it.shared != lcp)
                return bad(v, SEG_DICT, "term '%s' (#%u): shared prefix %zu, should be %zu",
                           show(tn, sizeof tn, t, n), it.index - 1, it.shared, lcp);
        }
        if (ti.post != post_at || ti.pos != pos_at)
            return bad(v, SEG_DICT, "term '%s': its %s area does not follow the previous term's",
                       show(tn, sizeof tn, t, n), ti.post != post_at ? ".post" : ".pos");
        memcpy(prev, t, n);
        prev_len = n;
        post_at += ti.post_len;
        pos_at += ti.pos_len;
        rc = check_term(v, t, n, &ti, &c);
        if (rc)
            return rc;
        v->out->terms++;
    }
    const filemap *pf = &s->files[SEG_POST], *qf = &s->files[SEG_POS];
    if (post_at != pf->data + pf->size - FORMAT_FOOTER_SIZE)
        return bad(v, SEG_POST, "bytes after the last term's postings");
    if (pos_at != qf->data + qf->size - FORMAT_FOOTER_SIZE)
        return bad(v, SEG_POS, "bytes after the last term's positions");
    return QUARRY_OK;
}

/* ----- documents --------------------------------------------------------------------------- */

/* The document lengths add up to the token count, which every position needs at least 1/64
 * byte of .pos to be stored in (a patched block of width 0 holds 128 in 2 bytes): this bounds
 * the per-document tables allocated here before the postings are walked. */
static int prepare_documents(vctx *v)
{
    const segment *s = v->seg;
    uint64_t tokens = 0;
    for (uint32_t d = 0; d < s->ndocs; d++)
        tokens += segment_doc_length(v->seg, d);
    if (tokens != s->tokens)
        return bad(v, SEG_DOCS, "document lengths add up to %llu, the header says %llu",
                   (unsigned long long)tokens, (unsigned long long)s->tokens);
    if (tokens / 64 > s->files[SEG_POS].size)
        return bad(v, SEG_DOCS, "%llu tokens cannot fit in the positions file",
                   (unsigned long long)tokens);
    uint64_t nbits = tokens + s->ndocs; /* a document of length n has n + 1 slots: 0..n */
    size_t n = s->ndocs ? s->ndocs : 1;
    alloc_free(v->doc_tf); /* the previous segment's */
    alloc_free(v->doc_slot);
    alloc_free(v->slots);
    v->doc_tf = alloc_array(n, sizeof *v->doc_tf);
    v->doc_slot = alloc_array(n, sizeof *v->doc_slot);
    v->slots = alloc_array((size_t)(nbits / 64 + 1), sizeof *v->slots);
    if (!v->doc_tf || !v->doc_slot || !v->slots)
        return errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ENOMEM, "out of memory");
    uint64_t at = 0;
    for (uint32_t d = 0; d < s->ndocs; d++) {
        v->doc_slot[d] = at;
        at += (uint64_t)segment_doc_length(v->seg, d) + 1;
    }
    return QUARRY_OK;
}

/* Every store block inflates to exactly its raw length, consuming exactly its stream. */
static int check_store_blocks(vctx *v)
{
    const segment *s = v->seg;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ENOMEM, "out of memory");
    int rc = QUARRY_OK;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        const uint8_t *rec = s->store_table + (size_t)b * FORMAT_STORE_RECORD_SIZE;
        uint64_t off = load_u64le(rec); /* check_store_table placed it */
        uint32_t clen = load_u32le(rec + 8), raw = load_u32le(rec + 12);
        uint64_t got = 0;
        int zr = inflateReset(&z);
        z.next_in = (Bytef *)(uintptr_t)(s->files[SEG_STORE].data + off);
        z.avail_in = clen;
        while (zr == Z_OK) {
            z.next_out = v->sink;
            z.avail_out = SINK_BYTES;
            zr = inflate(&z, Z_NO_FLUSH);
            got += SINK_BYTES - z.avail_out;
            if (got > raw)
                break;
        }
        if (zr != Z_STREAM_END || got != raw || z.avail_in != 0) {
            rc = bad(v, SEG_STORE, "block %u does not inflate to %u bytes", b, raw);
            break;
        }
        v->out->store_blocks++;
    }
    inflateEnd(&z);
    return rc;
}

/* Raw (inflated) bytes of store block b < nblocks. */
static uint32_t block_raw(const segment *s, uint32_t b)
{
    return load_u32le(s->store_table + (size_t)b * FORMAT_STORE_RECORD_SIZE + 12);
}

/* Every id group parses: one entry per document, each id 1..FORMAT_MAX_ID bytes of UTF-8,
 * front-coded with its longest prefix shared with the previous id of the group, and unique;
 * texts laid end to end in the store, as the writer appends them (each starts where the
 * previous one ended, or at 0 of the next block, and every block is filled exactly); lengths add up
 * to the token count and, deep, to each document's sum of term frequencies. Every meta block
 * inflates to one title per document. */
static int check_documents(vctx *v)
{
    const segment *s = v->seg;
    const filemap *m = &s->files[SEG_DOCS];
    uint64_t tokens = 0;
    uint8_t id[FORMAT_MAX_ID];
    size_t id_len = 0;
    reader r = reader_make(NULL, 0);
    uint32_t at_block = 0, at_offset = 0; /* where the next text must start */
    int rc = QUARRY_OK;
    for (uint32_t doc = 0; doc < s->ndocs; doc++) {
        uint32_t g = doc / FORMAT_ID_GROUP, block, in_block, text_len;
        if (doc % FORMAT_ID_GROUP == 0) { /* check_docs_tables ordered the offsets */
            uint64_t off = load_u64le(s->id_groups + (size_t)g * 8);
            r = reader_make(m->data + off,
                            (size_t)(load_u64le(s->id_groups + (size_t)g * 8 + 8) - off));
        }
        uint64_t shared;
        const uint8_t *rest;
        size_t rest_len;
        int inserted;
        if (reader_vbyte(&r, &shared) || reader_str(&r, &rest, &rest_len) ||
            reader_vbyte32(&r, &block) || reader_vbyte32(&r, &in_block) ||
            reader_vbyte32(&r, &text_len)) {
            rc = bad(v, SEG_DOCS, "entry of document %u does not parse", doc);
            goto done;
        }
        if (shared > id_len || (doc % FORMAT_ID_GROUP == 0 && shared != 0) ||
            (shared < id_len && rest_len > 0 && rest[0] == id[shared])) {
            rc = bad(v, SEG_DOCS, "document %u: id not front-coded with its longest prefix", doc);
            goto done;
        }
        if (shared + rest_len == 0 || rest_len > FORMAT_MAX_ID - shared) {
            rc = bad(v, SEG_DOCS, "document %u: id of %llu bytes", doc,
                     (unsigned long long)(shared + rest_len));
            goto done;
        }
        memcpy(id + shared, rest, rest_len);
        id_len = (size_t)shared + rest_len;
        if (!utf8_valid((const char *)id, id_len)) {
            rc = bad(v, SEG_DOCS, "document %u: id is not UTF-8", doc);
            goto done;
        }
        if (text_len > 0) {
            /* A text opens the next block once the current one is full. */
            if (block == at_block + 1 && in_block == 0 && at_block < s->nblocks &&
                at_offset == block_raw(s, at_block)) {
                at_block++;
                at_offset = 0;
            }
            if (block != at_block || in_block != at_offset || block >= s->nblocks ||
                (uint64_t)in_block + text_len > block_raw(s, block)) {
                rc = bad(v, SEG_DOCS,
                         "document %u: text (block %u, offset %u, %u bytes) does not follow "
                         "the previous one in the store",
                         doc, block, in_block, text_len);
                goto done;
            }
            at_offset += text_len;
        }
        /* A replaced document keeps its id while it waits, deleted, for a merge. */
        inserted = 1;
        if (!segment_deleted(s, doc) &&
            strmap_upsert(v->ids, (const char *)id, id_len, doc, NULL, &inserted)) {
            rc =
                errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        if (!inserted) {
            char tn[200];
            rc = bad(v, SEG_DOCS, "document %u: id '%s' used by two live documents", doc,
                     show(tn, sizeof tn, id, id_len));
            goto done;
        }
        uint32_t len = segment_doc_length(v->seg, doc);
        if (v->doc_tf[doc] != len) {
            rc = bad(v, SEG_DOCS,
                     "document %u: length %u, but its terms occur %u times in the postings", doc,
                     len, v->doc_tf[doc]);
            goto done;
        }
        tokens += len;
        v->out->docs++;
        if ((doc + 1) % FORMAT_ID_GROUP == 0 || doc + 1 == s->ndocs) {
            if (reader_left(&r) != 0) {
                rc = bad(v, SEG_DOCS, "bytes after the last entry of id group %u", g);
                goto done;
            }
            id_len = 0;
        }
    }
    if (tokens != s->tokens) {
        rc = bad(v, SEG_DOCS, "document lengths add up to %llu, the header says %llu",
                 (unsigned long long)tokens, (unsigned long long)s->tokens);
        goto done;
    }
    if (s->nblocks && !(at_block == s->nblocks - 1 && at_offset == block_raw(s, at_block))) {
        rc = bad(v, SEG_STORE, "the documents' texts do not fill the store blocks exactly");
        goto done;
    }
    v->out->tokens += tokens;
    uint32_t nmeta = (uint32_t)(((uint64_t)s->ndocs + FORMAT_META_BLOCK - 1) / FORMAT_META_BLOCK);
    for (uint32_t k = 0; k < nmeta; k++) {
        const uint8_t *rec = s->doc_records + (size_t)k * FORMAT_META_RECORD;
        uint64_t off = load_u64le(rec); /* check_docs_tables placed it */
        uint32_t clen = load_u32le(rec + 8), raw = load_u32le(rec + 12);
        if (v->scratch.rc)
            buf_free(&v->scratch);
        v->scratch.len = 0;
        if (buf_reserve(&v->scratch, raw ? raw : 1)) {
            rc =
                errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        uLongf out_len = raw;
        uLong in_len = clen;
        if (uncompress2(v->scratch.data, &out_len, m->data + off, &in_len) != Z_OK ||
            out_len != raw || in_len != clen) {
            rc = bad(v, SEG_DOCS, "meta block %u does not inflate to %u bytes", k, raw);
            goto done;
        }
        reader t = reader_make(v->scratch.data, raw);
        uint32_t first = k * FORMAT_META_BLOCK;
        uint32_t count =
            s->ndocs - first < FORMAT_META_BLOCK ? s->ndocs - first : FORMAT_META_BLOCK;
        for (uint32_t j = 0; j < count; j++) {
            const uint8_t *title;
            size_t title_len;
            if (reader_str(&t, &title, &title_len)) {
                rc = bad(v, SEG_DOCS, "title of document %u does not parse", first + j);
                goto done;
            }
        }
        if (reader_left(&t) != 0) {
            rc = bad(v, SEG_DOCS, "bytes after the last title of meta block %u", k);
            goto done;
        }
    }
done:
    return rc;
}

/* One segment: framing and tables; deep: every byte decoded. */
static int check_segment(vctx *v, int deep)
{
    int rc = QUARRY_OK;
    for (int f = 0; f < FORMAT_SEGMENT_FILES && !rc; f++)
        rc = check_file(v, f, deep);
    if (!rc && deep && v->ms->deleted) {
        uint32_t crc =
            (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), v->seg->del.data, v->seg->del.size - 8);
        if (crc != v->ms->del.crc)
            rc = errmsg_set(v->out->message, sizeof v->out->message, QUARRY_ECORRUPT,
                            "%s%s: checksum mismatch", v->seg->path, v->ms->del.suffix);
        v->out->bytes_checked += v->seg->del.size;
        v->out->files_checked++;
    }
    if (!rc)
        rc = check_dict_blocks(v);
    if (!rc)
        rc = check_docs_tables(v);
    if (!rc)
        rc = check_store_table(v);
    if (rc || !deep)
        return rc;
    rc = prepare_documents(v);
    if (!rc)
        rc = check_postings(v);
    if (!rc)
        rc = check_store_blocks(v);
    if (!rc)
        rc = check_documents(v);
    return rc;
}

/* ----- entry point ------------------------------------------------------------------------- */

int quarry_index_verify(quarry_verify_report *out, const quarry_index *ix, int deep)
{
    double t0 = now();
    vctx v;
    memset(out, 0, sizeof *out);
    memset(&v, 0, sizeof v);
    v.ix = ix;
    v.out = out;
    if (!ix || ix->rc)
        return errmsg_set(out->message, sizeof out->message, QUARRY_ERROR, "the index is not open");
    int rc = deep ? check_manifest(&v) : QUARRY_OK;
    if (!rc && deep && !(v.sink = alloc_bytes(SINK_BYTES)))
        rc = errmsg_set(out->message, sizeof out->message, QUARRY_ENOMEM, "out of memory");
    if (!rc && strmap_create(&v.ids))
        rc = errmsg_set(out->message, sizeof out->message, QUARRY_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < ix->nsegs; i++) {
        v.seg = &ix->segs[i];
        v.ms = &ix->man.segments[i];
        rc = check_segment(&v, deep);
    }
    alloc_free(v.doc_tf);
    alloc_free(v.doc_slot);
    alloc_free(v.slots);
    alloc_free(v.sink);
    strmap_free(v.ids);
    buf_free(&v.scratch);
    out->seconds = now() - t0;
    if (!rc)
        out->message[0] = '\0';
    return rc;
}
