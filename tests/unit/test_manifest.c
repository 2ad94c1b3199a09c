/*
 * test_manifest.c: the MANIFEST file (common/manifest.h), in mkdtemp folders that are removed
 * afterwards.
 *
 * Covered: manifest_write then manifest_read gives back every field (one and several segments,
 * zero segments, longest names); the bytes written are exactly those common/format.h and
 * docs/FORMAT.md describe (the test encodes its own copy); a rewrite replaces the manifest
 * and leaves no MANIFEST.tmp; a missing MANIFEST or folder is QUARRY_ENOTFOUND; every single
 * flipped bit is QUARRY_ECORRUPT, or QUARRY_EVERSION when it is in the version field; every
 * truncation is QUARRY_ECORRUPT; well-checksummed manifests with a bad field (language, names,
 * file count, suffixes, trailing bytes, segment count) are QUARRY_ECORRUPT. A failed read
 * leaves the manifest empty and puts a message naming the file in err.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/format.h"
#include "common/manifest.h"
#include "quarry/error.h"
#include "testutil.h"

/* ===== helpers ============================================================================ */

/* A fresh temporary folder per test, in *state. */
static int setup_dir(void **state)
{
    char *dir = malloc(64);
    if (!dir)
        return -1;
    strcpy(dir, "/tmp/quarry_test_manifest_XXXXXX");
    if (!mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

/* Removes the folder's files (it has no subfolders) and the folder. */
static int teardown_dir(void **state)
{
    char *dir = *state;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    int rc = rmdir(dir);
    free(dir);
    return rc;
}

static void path_of(char *dst, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(dst, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Replaces dir/MANIFEST with bytes[0..len) (plain write: the reader must not care how). */
static void spit(const char *dir, const uint8_t *bytes, size_t len)
{
    char path[512];
    path_of(path, sizeof path, dir, FORMAT_MANIFEST_NAME);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/*
 * Overwrites byte `off` of dir/MANIFEST in place. (Rewriting the whole file a thousand times
 * would make ext4 flush it to disk on every close, as it does for truncate-and-rewrite.)
 */
static void poke(const char *dir, size_t off, uint8_t value)
{
    char path[512];
    path_of(path, sizeof path, dir, FORMAT_MANIFEST_NAME);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &value, 1, (off_t)off), 1);
    assert_int_equal(close(fd), 0);
}

/* Fills a segment with recognisable values. */
static void fill_segment(manifest_segment *s, const char *name, uint32_t seed)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->docs = 1000 + seed;
    s->tokens = ((uint64_t)seed << 33) + 77;
    for (int j = 0; j < FORMAT_SEGMENT_FILES; j++) {
        snprintf(s->files[j].suffix, sizeof s->files[j].suffix, "%s", manifest_suffixes[j]);
        s->files[j].size = ((uint64_t)(seed + 1) << 20) * (uint64_t)(j + 1) + 3;
        s->files[j].crc = 0x9E3779B9u * (seed + 1) + (uint32_t)j;
    }
    if (seed % 2) { /* odd seeds: some documents deleted */
        s->deleted = seed;
        snprintf(s->del.suffix, sizeof s->del.suffix, ".%u" FORMAT_SUFFIX_DELETIONS, seed + 40);
        s->del.size = 40 + seed;
        s->del.crc = 0xC0FFEEu + seed;
    }
}

static void assert_manifest_equal(const manifest *a, const manifest *b)
{
    assert_int_equal(a->generation, b->generation);
    assert_string_equal(a->language, b->language);
    assert_int_equal(a->nsegments, b->nsegments);
    for (uint32_t i = 0; i < a->nsegments; i++) {
        const manifest_segment *x = &a->segments[i], *y = &b->segments[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->docs, y->docs);
        assert_int_equal(x->tokens, y->tokens);
        for (int j = 0; j < FORMAT_SEGMENT_FILES; j++) {
            assert_string_equal(x->files[j].suffix, y->files[j].suffix);
            assert_int_equal(x->files[j].size, y->files[j].size);
            assert_int_equal(x->files[j].crc, y->files[j].crc);
        }
        assert_int_equal(x->deleted, y->deleted);
        if (x->deleted) {
            assert_string_equal(x->del.suffix, y->del.suffix);
            assert_int_equal(x->del.size, y->del.size);
            assert_int_equal(x->del.crc, y->del.crc);
        }
    }
}

/* Reads dir/MANIFEST, checks it equals m and returns its bytes. */
static uint8_t *write_read_only(const char *dir, const manifest *m, size_t *len)
{
    char err[512] = "";
    manifest got;
    memset(&got, 0x5A, sizeof got);
    int rc = manifest_read(&got, dir, err, sizeof err);
    if (rc)
        fail_msg("manifest_read: %d %s", rc, err);
    assert_manifest_equal(m, &got);
    manifest_free(&got);
    assert_null(got.segments);
    char path[512];
    path_of(path, sizeof path, dir, FORMAT_MANIFEST_NAME);
    return testutil_read_all(path, len);
}

/* Writes m to dir and reads it back, checking equality; returns the bytes written. */
static uint8_t *write_read(const char *dir, const manifest *m, size_t *len)
{
    char err[512] = "";
    assert_int_equal(manifest_write(m, dir, err, sizeof err), QUARRY_OK);
    return write_read_only(dir, m, len);
}

/*
 * The test's own encoder, straight from docs/FORMAT.md: header (magic, kind, version, flags),
 * body, footer (tail, CRC-32 of every byte before it, "QEND"). `version` is normally
 * FORMAT_VERSION; the body is given raw.
 */
static void frame(buf *out, uint32_t version, const uint8_t *body, size_t body_len)
{
    buf_append(out, FORMAT_MAGIC FORMAT_KIND_MANIFEST, 8);
    buf_put_u32(out, version);
    buf_put_u32(out, 0);
    buf_append(out, body, body_len);
    buf_put_u64(out, 0);
    buf_put_u32(out, (uint32_t)crc32(0L, out->data, (uInt)out->len));
    buf_append(out, FORMAT_END_MAGIC, 4);
    assert_int_equal(out->rc, QUARRY_OK);
}

/* The body of m as FORMAT.md lays it out, with `nfiles` files per segment. */
static void body_of(buf *b, const manifest *m)
{
    buf_put_u64(b, m->generation);
    buf_put_str(b, m->language, strlen(m->language));
    buf_put_u32(b, m->nsegments);
    for (uint32_t i = 0; i < m->nsegments; i++) {
        const manifest_segment *s = &m->segments[i];
        buf_put_str(b, s->name, strlen(s->name));
        buf_put_u32(b, s->docs);
        buf_put_u64(b, s->tokens);
        buf_put_u32(b, FORMAT_SEGMENT_FILES);
        for (int j = 0; j < FORMAT_SEGMENT_FILES; j++) {
            buf_put_str(b, s->files[j].suffix, strlen(s->files[j].suffix));
            buf_put_u64(b, s->files[j].size);
            buf_put_u32(b, s->files[j].crc);
        }
        buf_put_u32(b, s->deleted);
        if (s->deleted) {
            buf_put_str(b, s->del.suffix, strlen(s->del.suffix));
            buf_put_u64(b, s->del.size);
            buf_put_u32(b, s->del.crc);
        }
    }
    assert_int_equal(b->rc, QUARRY_OK);
}

/* Reads dir/MANIFEST expecting failure `want`; the manifest must come back empty. */
static void expect_read_fails(const char *dir, int want, const char *what)
{
    char err[512] = "";
    manifest m;
    memset(&m, 0x5A, sizeof m);
    int rc = manifest_read(&m, dir, err, sizeof err);
    if (rc != want)
        fail_msg("%s: manifest_read returned %d (%s), expected %d", what, rc, err, want);
    assert_null(m.segments);
    assert_int_equal(m.nsegments, 0);
    assert_true(strlen(err) > 0);
}

/* A typical one-segment manifest, as a commit writes it. */
static manifest_segment one_seg[1];
static manifest typical(void)
{
    fill_segment(&one_seg[0], "seg_1", 1);
    manifest m = {1, "english", 1, one_seg};
    return m;
}

/* ===== tests ============================================================================== */

static void test_roundtrip(void **state)
{
    const char *dir = *state;
    size_t len;
    manifest m = typical();
    free(write_read(dir, &m, &len));

    /* Several segments, a large generation, the longest language and names. */
    manifest_segment segs[3];
    char longname[64];
    memset(longname, 'n', 63);
    longname[63] = '\0';
    fill_segment(&segs[0], "seg_7", 7);
    fill_segment(&segs[1], longname, 8);
    fill_segment(&segs[2], "x", 9);
    segs[2].docs = (uint32_t)(FORMAT_MAX_DOCS - segs[0].docs - segs[1].docs); /* the limit */
    segs[2].tokens = UINT64_MAX;
    segs[2].files[4].size = UINT64_MAX;
    segs[2].files[4].crc = UINT32_MAX;
    manifest big = {((uint64_t)1 << 40) + 5, "", 3, segs};
    memset(big.language, 'l', FORMAT_MAX_LANGUAGE);
    big.language[FORMAT_MAX_LANGUAGE] = '\0';
    free(write_read(dir, &big, &len));

    /* No segment at all is a valid manifest at this layer. */
    manifest none = {2, "none", 0, NULL};
    free(write_read(dir, &none, &len));

    /* Rewriting replaces the previous manifest, leaving no temporary file. */
    m.generation = 99;
    free(write_read(dir, &m, &len));
    char tmp[512];
    path_of(tmp, sizeof tmp, dir, FORMAT_MANIFEST_NAME ".tmp");
    assert_int_equal(access(tmp, F_OK), -1);
}

/* The bytes manifest_write produces equal the test's encoding of format.h. */
static void test_layout(void **state)
{
    const char *dir = *state;
    manifest m = typical();
    size_t len;
    uint8_t *bytes = write_read(dir, &m, &len);
    buf body = BUF_INIT, want = BUF_INIT;
    body_of(&body, &m);
    frame(&want, FORMAT_VERSION, body.data, body.len);
    assert_int_equal(len, want.len);
    assert_memory_equal(bytes, want.data, len);
    /* Spot checks of the diagram: magic, kind, version, flags, end magic, body start. */
    assert_memory_equal(bytes, "QUARRYMF", 8);
    assert_int_equal(bytes[8], FORMAT_VERSION); /* u32 little-endian version */
    assert_memory_equal(bytes + 9, "\0\0\0\0\0\0\0", 7);
    assert_memory_equal(bytes + len - 4, "QEND", 4);
    assert_memory_equal(bytes + 16,
                        "\x01\0\0\0\0\0\0\0\x07"
                        "english",
                        16);
    free(bytes);
    buf_free(&body);
    buf_free(&want);

    /* The test's encoder is accepted by manifest_read (so it can build bad manifests). */
    manifest_segment segs[2];
    fill_segment(&segs[0], "a", 3);
    fill_segment(&segs[1], "b", 4);
    manifest two = {5, "french", 2, segs};
    body_of(&body, &two);
    frame(&want, FORMAT_VERSION, body.data, body.len);
    spit(dir, want.data, want.len);
    char err[512];
    manifest got;
    assert_int_equal(manifest_read(&got, dir, err, sizeof err), QUARRY_OK);
    assert_manifest_equal(&two, &got);
    manifest_free(&got);
    buf_free(&body);
    buf_free(&want);
}

static void test_missing(void **state)
{
    const char *dir = *state;
    expect_read_fails(dir, QUARRY_ENOTFOUND, "empty folder");
    char err[512] = "";
    manifest m;
    assert_int_equal(manifest_read(&m, dir, err, sizeof err), QUARRY_ENOTFOUND);
    assert_non_null(strstr(err, dir));
    char gone[512];
    path_of(gone, sizeof gone, dir, "no-such-folder");
    expect_read_fails(gone, QUARRY_ENOTFOUND, "missing folder");
    /* Writing into a folder that does not exist fails with a message, creating nothing. */
    manifest t = typical();
    err[0] = '\0';
    assert_int_equal(manifest_write(&t, gone, err, sizeof err), QUARRY_EIO);
    assert_true(strlen(err) > 0);
    assert_int_equal(access(gone, F_OK), -1);
}

static void test_bit_flips(void **state)
{
    const char *dir = *state;
    manifest m = typical();
    size_t len;
    uint8_t *good = write_read(dir, &m, &len);
    for (size_t off = 0; off < len; off++) {
        for (int bit = 0; bit < 8; bit++) {
            poke(dir, off, good[off] ^ (uint8_t)(1u << bit));
            char err[512] = "";
            manifest got;
            memset(&got, 0x5A, sizeof got);
            int rc = manifest_read(&got, dir, err, sizeof err);
            int want = off >= 8 && off < 12 ? QUARRY_EVERSION : QUARRY_ECORRUPT;
            if (rc != want)
                fail_msg("bit %d of byte %zu flipped: rc %d (%s), expected %d", bit, off, rc, err,
                         want);
            assert_null(got.segments);
            assert_non_null(strstr(err, FORMAT_MANIFEST_NAME));
        }
        poke(dir, off, good[off]);
    }
    /* Restored byte by byte, the manifest reads again. */
    free(write_read_only(dir, &m, &len));
    free(good);
}

static void test_truncation(void **state)
{
    const char *dir = *state;
    manifest m = typical();
    size_t len;
    uint8_t *good = write_read(dir, &m, &len);
    char path[512];
    path_of(path, sizeof path, dir, FORMAT_MANIFEST_NAME);
    for (size_t cut = len; cut-- > 0;) { /* shorter and shorter, in place */
        assert_int_equal(truncate(path, (off_t)cut), 0);
        char what[64];
        snprintf(what, sizeof what, "cut to %zu of %zu bytes", cut, len);
        expect_read_fails(dir, QUARRY_ECORRUPT, what);
    }
    /* One byte too many is as bad. */
    uint8_t *more = malloc(len + 1);
    assert_non_null(more);
    memcpy(more, good, len);
    more[len] = 0;
    spit(dir, more, len + 1);
    expect_read_fails(dir, QUARRY_ECORRUPT, "one byte appended");
    free(more);
    free(good);
}

/* Well-framed manifests (good checksum) whose body or version is wrong. */
static void test_bad_fields(void **state)
{
    const char *dir = *state;
    manifest_segment seg;
    buf body = BUF_INIT, file = BUF_INIT;

    /* Another format version, checksum and all correct. */
    manifest m = typical();
    body_of(&body, &m);
    frame(&file, FORMAT_VERSION + 1, body.data, body.len);
    spit(dir, file.data, file.len);
    expect_read_fails(dir, QUARRY_EVERSION, "version + 1");
    char err[512];
    manifest got;
    manifest_read(&got, dir, err, sizeof err);
    assert_non_null(strstr(err, "rebuild"));
    buf_free(&file);

    /* A trailing byte in the body. */
    buf_put_u8(&body, 0);
    frame(&file, FORMAT_VERSION, body.data, body.len);
    spit(dir, file.data, file.len);
    expect_read_fails(dir, QUARRY_ECORRUPT, "trailing byte");
    buf_free(&file);
    buf_free(&body);

    /* Field by field: each case is a body built here by hand. */
    static const char *const cases[] = {
        "empty language",
        "language of 65 bytes",
        "NUL in language",
        "empty segment name",
        "'/' in segment name",
        "segment name of 64 bytes",
        "4 files",
        "6 files",
        "suffixes out of order",
        "too many segments",
        "segment missing",
        "more deleted than documents",
        "deletion file suffix without .del",
        "'/' in deletion file suffix",
        "two segments of one name",
        "more documents than docids",
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fill_segment(&seg, "seg_1", 1);
        const char *lang = "english";
        char longlang[FORMAT_MAX_LANGUAGE + 2];
        memset(longlang, 'l', FORMAT_MAX_LANGUAGE + 1);
        longlang[FORMAT_MAX_LANGUAGE + 1] = '\0';
        size_t lang_len = strlen(lang);
        uint32_t nseg = 1, nfiles = FORMAT_SEGMENT_FILES, emit_segs = 1;
        if (c == 0)
            lang_len = 0;
        if (c == 1) {
            lang = longlang;
            lang_len = FORMAT_MAX_LANGUAGE + 1;
        }
        if (c == 2)
            lang = "eng\0ish";
        if (c == 3)
            seg.name[0] = '\0';
        if (c == 4)
            strcpy(seg.name, "../seg_1");
        if (c == 5) {
            memset(seg.name, 'n', 63);
            seg.name[63] = '\0';
        }
        if (c == 6)
            nfiles = 4;
        if (c == 7)
            nfiles = 6;
        if (c == 8) {
            strcpy(seg.files[1].suffix, ".pos");
            strcpy(seg.files[2].suffix, ".post");
        }
        if (c == 9)
            nseg = 1000000;
        if (c == 10)
            emit_segs = 0;
        uint32_t deleted = 0;
        const char *del_suffix = ".3.del";
        if (c == 11)
            deleted = seg.docs + 1;
        if (c == 12)
            deleted = 1, del_suffix = ".3.dl";
        if (c == 13)
            deleted = 1, del_suffix = "./3.del";
        if (c == 14)
            nseg = emit_segs = 2;
        if (c == 15) {
            nseg = emit_segs = 2;
            seg.docs = (uint32_t)(FORMAT_MAX_DOCS / 2 + 1);
        }

        buf_put_u64(&body, 1);
        buf_put_str(&body, lang, lang_len);
        buf_put_u32(&body, nseg);
        for (uint32_t i = 0; i < emit_segs; i++) {
            size_t name_len = c == 5 ? 64 : strlen(seg.name); /* case 5: 64 bytes, no NUL */
            char name64[64];
            memset(name64, 'n', sizeof name64);
            buf_put_str(&body, c == 5 ? name64 : seg.name, name_len);
            buf_put_u32(&body, seg.docs);
            buf_put_u64(&body, seg.tokens);
            buf_put_u32(&body, nfiles);
            for (uint32_t j = 0; j < nfiles; j++) {
                const char *sfx = j < FORMAT_SEGMENT_FILES ? seg.files[j].suffix : ".extra";
                buf_put_str(&body, sfx, strlen(sfx));
                buf_put_u64(&body, 1);
                buf_put_u32(&body, 2);
            }
            buf_put_u32(&body, deleted);
            if (deleted) {
                buf_put_str(&body, del_suffix, strlen(del_suffix));
                buf_put_u64(&body, 1);
                buf_put_u32(&body, 2);
            }
            if (c == 15 && i == 0)
                strcpy(seg.name, "seg_2"); /* two names, too many documents */
        }
        frame(&file, FORMAT_VERSION, body.data, body.len);
        spit(dir, file.data, file.len);
        expect_read_fails(dir, QUARRY_ECORRUPT, cases[c]);
        buf_free(&file);
        buf_free(&body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_layout, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_missing, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_bit_flips, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_truncation, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_bad_fields, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
