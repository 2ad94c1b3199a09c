/*
 * index_fuzzer.c: "open these bytes as an index and run a query". The input is an index
 * folder packed in a small container; the target writes its files into a scratch folder,
 * opens it with quarry_index_open and, if that succeeds, reads every document and runs a few
 * queries with snippets. Nothing a file says may make the library read out of bounds, crash,
 * hang or fail with anything but QUARRY_ECORRUPT, QUARRY_EVERSION or QUARRY_ENOMEM; results
 * that do come back must be internally consistent (hits <= k, total <= documents, snippets and
 * spans inside the document text).
 *
 * Container (all integers little-endian):
 *
 *   +-------+-------------------------------------+----------+-----+-------+
 *   | flags | u32 len[5]: MANIFEST .dict .post .pos .docs | MANIFEST | ... | .store |
 *   +-------+-------------------------------------+----------+-----+-------+
 *
 * The five lengths are cut to the bytes that remain; .store takes whatever is left. The files
 * are written as MANIFEST and seg_1_0.{dict,post,pos,docs,store} (the names quarry-index gives
 * the one segment of a first commit). Flags:
 *   bit 0  synthesize the MANIFEST instead of using the given one: generation 1, language
 *          "english", one segment "seg_1_0" whose document and token counts are read from the
 *          given .docs header and whose file sizes and CRCs are those of the given files. This
 *          lets mutations change the segment files' lengths and still reach their parsers.
 *   bit 1  (without bit 0) recompute the given MANIFEST's CRC-32, so that mutations of the
 *          manifest reach its parser instead of failing the checksum.
 * fuzz/make_index_seed.sh packs a real index built by quarry-index into this format; the
 * seeds in fuzz/corpus/index/ come from it.
 */
#include "fuzz.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/format.h"
#include "common/reader.h"
#include "quarry/quarry.h"
#include "searcher/internal.h"

#define FLAG_SYNTH_MANIFEST 1
#define FLAG_FIX_CRC        2
#define NFILES              (1 + FORMAT_SEGMENT_FILES) /* MANIFEST then the segment's files */
#define MAX_DOCS_READ       64                         /* documents read back per input */

#define SEG_NAME "seg_1_0"

static const char *const file_names[NFILES] = {FORMAT_MANIFEST_NAME,
                                               SEG_NAME FORMAT_SUFFIX_DICT,
                                               SEG_NAME FORMAT_SUFFIX_POSTINGS,
                                               SEG_NAME FORMAT_SUFFIX_POSITIONS,
                                               SEG_NAME FORMAT_SUFFIX_DOCS,
                                               SEG_NAME FORMAT_SUFFIX_STORE};

/* Queries over the words of the seed documents (see make_index_seed.sh). */
static const char *const queries[] = {
    "fox",         "quick fox",       "\"lazy dog\"", "+fox -sleeps", "(quick OR lazy) AND dog",
    "cafe zurich", "\"quick quick\"", "zzz OR a",
};

/* Appends the standard footer (tail 0, CRC-32 of everything before, "QEND") to b. */
static void put_footer(buf *b)
{
    buf_put_u64(b, 0);
    uLong crc = crc32(0L, Z_NULL, 0);
    if (b->len)
        crc = crc32_z(crc, b->data, b->len);
    buf_put_u32(b, (uint32_t)crc);
    buf_append(b, FORMAT_END_MAGIC, 4);
}

/* A MANIFEST naming the segment files f[1..NFILES) as they are (flag bit 0). */
static void synth_manifest(buf *b, const uint8_t *const f[NFILES], const size_t n[NFILES])
{
    buf_append(b, FORMAT_MAGIC FORMAT_KIND_MANIFEST, 8);
    buf_put_u32(b, FORMAT_VERSION);
    buf_put_u32(b, 0);
    buf_put_u64(b, 1); /* generation */
    buf_put_str(b, "english", 7);
    buf_put_u32(b, 1); /* segments */
    buf_put_str(b, SEG_NAME, sizeof SEG_NAME - 1);
    const uint8_t *docs = f[1 + SEG_DOCS];
    size_t docs_len = n[1 + SEG_DOCS];
    int has_header = docs_len >= FORMAT_HEADER_SIZE + FORMAT_DOCS_HEADER_SIZE;
    buf_put_u32(b, has_header ? load_u32le(docs + FORMAT_HEADER_SIZE) : 0);
    buf_put_u64(b, has_header ? load_u64le(docs + FORMAT_HEADER_SIZE + 8) : 0);
    buf_put_u32(b, FORMAT_SEGMENT_FILES);
    for (int i = 0; i < FORMAT_SEGMENT_FILES; i++) {
        const char *suffix = file_names[1 + i] + sizeof SEG_NAME - 1;
        buf_put_str(b, suffix, strlen(suffix));
        buf_put_u64(b, n[1 + i]);
        buf_put_u32(b, n[1 + i] >= 8 ? load_u32le(f[1 + i] + n[1 + i] - 8) : 0);
    }
    buf_put_u32(b, 0); /* no deleted documents */
    put_footer(b);
}

/* Unpacks the container and writes the files into dir. Returns 0, or -1 on a write error. */
static int write_files(const char *dir, const uint8_t *data, size_t size)
{
    uint8_t flags = size ? data[0] : 0;
    size_t at = size ? 1 : 0;
    size_t lens[NFILES];
    for (int i = 0; i < NFILES - 1; i++) {
        lens[i] = size - at >= 4 ? load_u32le(data + at) : 0;
        at += size - at >= 4 ? 4 : size - at;
    }
    const uint8_t *f[NFILES];
    size_t n[NFILES];
    for (int i = 0; i < NFILES; i++) {
        size_t left = size - at;
        n[i] = i == NFILES - 1 || lens[i] > left ? left : lens[i];
        f[i] = data + at;
        at += n[i];
    }
    buf man = BUF_INIT;
    if (flags & FLAG_SYNTH_MANIFEST) {
        synth_manifest(&man, f, n);
    } else {
        buf_append(&man, f[0], n[0]);
        if ((flags & FLAG_FIX_CRC) && man.len >= FORMAT_HEADER_SIZE + FORMAT_FOOTER_SIZE) {
            uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), man.data, man.len - 8);
            for (int k = 0; k < 4; k++)
                man.data[man.len - 8 + k] = (uint8_t)(crc >> (8 * k));
        }
    }
    int rc = man.rc ? -1 : fuzz_write_file(dir, file_names[0], man.data, man.len);
    buf_free(&man);
    for (int i = 1; i < NFILES && rc == 0; i++)
        rc = fuzz_write_file(dir, file_names[i], f[i], n[i]);
    return rc;
}

/* Reads every document's metadata and text through the internal accessors. */
static void read_documents(quarry_index *ix)
{
    buf scratch = BUF_INIT, metabuf = BUF_INIT;
    char err[ERRMSG_CAP];
    struct libdeflate_decompressor *z = libdeflate_alloc_decompressor();
    FUZZ_CHECK(z != NULL);
    unsigned sum = 0;
    uint32_t ndocs = ix->segs[0].ndocs < MAX_DOCS_READ ? ix->segs[0].ndocs : MAX_DOCS_READ;
    for (uint32_t d = 0; d < ndocs; d++) {
        doc_meta m;
        int rc = segment_doc_meta(&ix->segs[0], z, d, &metabuf, &m, err, sizeof err);
        FUZZ_CHECK(rc == QUARRY_OK || rc == QUARRY_ECORRUPT || rc == QUARRY_ENOMEM);
        FUZZ_CHECK(metabuf.cap <= 2 * 1032 * (uint64_t)ix->segs[0].files[SEG_DOCS].size + 64);
        if (rc)
            continue;
        for (size_t i = 0; i < m.id_len; i++) /* touch every byte: ASan checks the bounds */
            sum += (unsigned char)m.id[i];
        for (size_t i = 0; i < m.title_len; i++)
            sum += (unsigned char)m.title[i];
        const char *text;
        rc = segment_doc_text(&ix->segs[0], z, &m, &scratch, &text, err, sizeof err);
        FUZZ_CHECK(rc == QUARRY_OK || rc == QUARRY_ECORRUPT || rc == QUARRY_ENOMEM);
        /* Sizes are checked before they size an allocation: a block inflates to at most
         * 1032 times the store's bytes (deflate's limit), and buf_reserve at most doubles. */
        FUZZ_CHECK(scratch.cap <= 2 * 1032 * (uint64_t)ix->segs[0].files[SEG_STORE].size + 64);
        if (rc)
            continue;
        for (size_t i = 0; i < m.text_len; i++)
            sum += (unsigned char)text[i];
    }
    buf_free(&scratch);
    buf_free(&metabuf);
    libdeflate_free_decompressor(z);
    volatile unsigned sink = sum; /* keeps the reads */
    (void)sink;
}

/* Runs the fixed queries and checks whatever comes back. */
static void run_queries(quarry_index *ix, const quarry_index_info *info)
{
    quarry_searcher *s = NULL;
    int rc = quarry_searcher_create(&s, ix);
    FUZZ_CHECK(rc == QUARRY_OK || rc == QUARRY_ECORRUPT || rc == QUARRY_ENOMEM);
    if (rc)
        return;
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
        o.k = 4;
        o.default_and = (int)(q & 1);
        o.snippet_bytes = q & 2 ? 24 : 240;
        quarry_results *r = NULL;
        rc = quarry_searcher_search(&r, s, queries[q], strlen(queries[q]), &o);
        FUZZ_CHECK(rc == QUARRY_OK || rc == QUARRY_ECORRUPT || rc == QUARRY_ENOMEM);
        if (rc) {
            FUZZ_CHECK(r == NULL && quarry_searcher_errmsg(s)[0] != '\0');
            continue;
        }
        size_t n = quarry_results_size(r);
        uint64_t total = quarry_results_total(r);
        FUZZ_CHECK(n <= o.k && n <= total && total <= info->docs);
        for (size_t i = 0; i < n; i++) {
            quarry_hit h;
            FUZZ_CHECK(quarry_results_get(&h, r, i) == QUARRY_OK);
            FUZZ_CHECK(h.docid < info->docs);
            FUZZ_CHECK(h.snippet != NULL);
            FUZZ_CHECK(h.snippet_offset <= h.text_len &&
                       h.snippet_len <= h.text_len - h.snippet_offset);
            unsigned sum = 0;
            for (size_t j = 0; j < h.snippet_len; j++)
                sum += (unsigned char)h.snippet[j];
            for (size_t j = 0; j < h.nspans; j++)
                FUZZ_CHECK(h.spans[j].start <= h.snippet_len &&
                           h.spans[j].len <= h.snippet_len - h.spans[j].start);
            volatile unsigned sink = sum;
            (void)sink;
        }
        quarry_results_free(r);
    }
    quarry_searcher_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_tempdir();
    FUZZ_CHECK(dir != NULL);
    FUZZ_CHECK(write_files(dir, data, size) == 0);
    quarry_index *ix = NULL;
    int rc = quarry_index_open(&ix, dir);
    if (rc != QUARRY_OK) {
        FUZZ_CHECK(rc == QUARRY_ECORRUPT || rc == QUARRY_EVERSION || rc == QUARRY_ENOMEM);
        FUZZ_CHECK(ix == NULL || quarry_index_errmsg(ix)[0] != '\0');
        quarry_index_info info;
        FUZZ_CHECK(ix == NULL || quarry_index_get_info(&info, ix) == QUARRY_ERROR);
        quarry_index_close(ix);
        return 0;
    }
    quarry_index_info info;
    FUZZ_CHECK(quarry_index_get_info(&info, ix) == QUARRY_OK);
    FUZZ_CHECK(info.docs == ix->segs[0].ndocs && info.terms == ix->segs[0].nterms);
    read_documents(ix);
    run_queries(ix, &info);
    quarry_index_close(ix);
    return 0;
}
