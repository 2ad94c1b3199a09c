/*
 * test_verify.c: quarry_index_verify (quarry/search.h), the check behind quarry-search --check.
 *
 * The group setup builds a small synthetic index (a few hundred documents whose terms have
 * every posting-list shape: tail only, full blocks plus a tail, full blocks and no tail, a
 * frequency above 65535 that saturates the skip impacts; a document without text, one without
 * title) plus the sample news, keeps every file in memory and works on a copy.
 *
 * - A sound index verifies, deep and cheap, and the report's counts equal the writer's stats.
 * - Every single-bit flip in any file is caught by the deep check (its checksum pass makes this
 *   certain), with a message naming the damaged file: flips made under an open index (whose
 *   shared mappings see them), one rotating bit of every byte and every bit of the first and
 *   last EDGE bytes of each file (QUARRY_VERIFY_FULL=1: every bit of every byte); and flips
 *   made before opening (every bit of headers and footers, a sample of the bodies), caught at
 *   open or by the deep check. The cheap check runs on each damaged copy too, and must not
 *   crash.
 * - Truncated files are caught at open; truncated files resealed (valid footer, manifest
 *   updated) are caught by the structure checks.
 * - Bits flipped and then resealed (checksums recomputed, so only the structure checks can
 *   see the damage) never crash the check and give QUARRY_OK or QUARRY_ECORRUPT; the share
 *   caught is printed and must stay above a floor (a flipped letter of a term or of a title
 *   can leave a sound index).
 * - Targeted damage, resealed: skip-entry impacts below the block's real values, a document
 *   length that disagrees with its terms' frequencies.
 * - An empty index verifies; NULL and failed indexes give QUARRY_ERROR; verification runs in
 *   several threads at once beside a search.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/format.h"
#include "quarry/quarry.h"
#include "testutil.h"
#include "searcher/internal.h"

#ifndef QUARRY_SAMPLE_DIR
#error "QUARRY_SAMPLE_DIR must be defined (path of data/sample-news, as a string)"
#endif

#define MAX_FILES      6     /* MANIFEST and the segment's 5 files */
#define NDOCS          300   /* synthetic documents */
#define VOCAB          400   /* synthetic words */
#define BIG_TF         70000 /* occurrences of "saturate" in one document (> 65535) */
#define EDGE           64    /* bytes at each end of a file whose every bit is flipped */
#define OPEN_SAMPLES   128   /* body bytes per file flipped before opening */
#define RESEAL_SAMPLES 400   /* bytes per file flipped and resealed */

/* One file of the pristine index. */
typedef struct ifile {
    char name[256]; /* name in the index folder */
    uint8_t *data;  /* its bytes */
    size_t size;    /* bytes */
} ifile;

typedef struct fixture {
    char *tmp;                 /* temporary folder */
    char *orig;                /* pristine index */
    char *work;                /* working copy */
    ifile files[MAX_FILES];    /* MANIFEST first, then the segment files in name order */
    quarry_writer_stats stats; /* of the writer that built it */
    int full;                  /* QUARRY_VERIFY_FULL: every bit of every byte */
} fixture;

/* ----- helpers ------------------------------------------------------------------------------ */

/* Writes n bytes at offset `at` of file f of the working copy; truncate: also cuts the file
 * to at + n bytes. */
static void put_bytes(const fixture *fx, int f, size_t at, const uint8_t *data, size_t n,
                      int truncate)
{
    char *p = testutil_join(fx->work, fx->files[f].name);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, data + done, n - done, (off_t)(at + done));
        assert_true(w > 0);
        done += (size_t)w;
    }
    if (truncate)
        assert_int_equal(ftruncate(fd, (off_t)(at + n)), 0);
    assert_int_equal(close(fd), 0);
    free(p);
}

/* Restores file f of the working copy. */
static void restore(const fixture *fx, int f)
{
    put_bytes(fx, f, 0, fx->files[f].data, fx->files[f].size, 1);
}

static void set_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Offset in the pristine MANIFEST of segment file f's {u64 size, u32 crc} record. */
static size_t manifest_record(const fixture *fx, int f)
{
    const char *suffix = strrchr(fx->files[f].name, '.');
    assert_non_null(suffix);
    uint8_t pat[32];
    size_t n = strlen(suffix);
    pat[0] = (uint8_t)n;
    memcpy(pat + 1, suffix, n);
    const ifile *m = &fx->files[0];
    for (size_t i = 0; i + n + 1 <= m->size; i++)
        if (!memcmp(m->data + i, pat, n + 1))
            return i + n + 1;
    fail_msg("no record of %s in the manifest", fx->files[f].name);
    return 0;
}

/*
 * Installs `img` (n bytes) as segment file f of the working copy with a valid checksum, and a
 * MANIFEST that agrees (size, crc and, when tokens is not UINT64_MAX, the token count), so the
 * damage is visible only to the structure checks.
 */
static void reseal(const fixture *fx, int f, uint8_t *img, size_t n, uint64_t tokens)
{
    uint32_t crc = testutil_fix_crc(img, n);
    const ifile *m = &fx->files[0];
    uint8_t *man = malloc(m->size);
    assert_non_null(man);
    memcpy(man, m->data, m->size);
    size_t rec = manifest_record(fx, f);
    set_u64(man + rec, n);
    testutil_set_u32(man + rec + 8, crc);
    if (tokens != UINT64_MAX) {
        /* header 16, u64 generation, str language, u32 nsegments, str name, u32 docs */
        size_t at = FORMAT_HEADER_SIZE + 8;
        at += 1 + man[at];
        at += 4;
        at += 1 + man[at];
        at += 4;
        set_u64(man + at, tokens);
    }
    testutil_fix_crc(man, m->size);
    put_bytes(fx, 0, 0, man, m->size, 1);
    put_bytes(fx, f, 0, img, n, 1);
    free(man);
}

/* ----- one case ----------------------------------------------------------------------------- */

enum { SOUND, CAUGHT_OPEN, CAUGHT_VERIFY };

/*
 * Opens the working copy and verifies it, cheap then deep. Fails the test on a crash-free but
 * contract-breaking outcome: another code than the documented ones, a message that does not say
 * "corrupt" and name a file of the working copy. Returns SOUND, CAUGHT_OPEN or CAUGHT_VERIFY;
 * *msg (if not NULL) receives the deep check's message.
 */
static int try_case(const fixture *fx, const char *what, char *msg, size_t cap)
{
    quarry_index *ix = NULL;
    int rc = quarry_index_open(&ix, fx->work);
    if (msg)
        msg[0] = '\0';
    if (rc != QUARRY_OK) {
        const char *m = quarry_index_errmsg(ix);
        if (!(rc == QUARRY_ECORRUPT || rc == QUARRY_EVERSION || rc == QUARRY_ENOTFOUND) || !m ||
            !*m) {
            print_error("%s: open returned %d, '%s'\n", what, rc, m ? m : "(null)");
            fail();
        }
        if (msg)
            snprintf(msg, cap, "%s", m);
        quarry_index_close(ix);
        return CAUGHT_OPEN;
    }
    quarry_verify_report rep;
    int cheap_caught = 0;
    for (int deep = 0; deep <= 1; deep++) {
        rc = quarry_index_verify(&rep, ix, deep);
        if (rc == QUARRY_OK && rep.message[0] == '\0') {
            if (cheap_caught) { /* the deep level includes the cheap one */
                print_error("%s: the cheap check failed, the deep one passed\n", what);
                fail();
            }
            continue;
        }
        if (rc != QUARRY_ECORRUPT || !strstr(rep.message, "corrupt") ||
            !strstr(rep.message, fx->work)) {
            print_error("%s: verify(deep %d) returned %d, '%s'\n", what, deep, rc, rep.message);
            fail();
        }
        if (deep == 0) {
            cheap_caught = 1;
            continue;
        }
        if (msg)
            snprintf(msg, cap, "%s", rep.message);
        quarry_index_close(ix);
        return CAUGHT_VERIFY;
    }
    quarry_index_close(ix);
    return SOUND;
}

/* ----- fixture -------------------------------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Synthetic word number w: consonant-vowel syllables, stable under the English stemmer. */
static void word(char *dst, unsigned w)
{
    static const char cons[] = "bdfgklmnprstvz", vow[] = "aiou";
    int n = 0;
    dst[n++] = 'q'; /* no English word: the stemmer leaves them alone */
    do {
        dst[n++] = cons[w % 14];
        dst[n++] = vow[(w / 14) % 4];
        w /= 56;
    } while (w);
    dst[n++] = 'x';
    dst[n] = '\0';
}

static void add_doc(quarry_writer *w, const char *id, const char *title, const char *text)
{
    quarry_document d = {id, strlen(id), title, strlen(title), text, strlen(text)};
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
}

/* Builds the synthetic corpus into w. */
static void build(quarry_writer *w)
{
    uint64_t s = 0x9E3779B97F4A7C15ull;
    size_t cap = (size_t)BIG_TF * 10 + 65536;
    char *text = malloc(cap);
    assert_non_null(text);
    for (unsigned i = 0; i < NDOCS; i++) {
        char id[32], title[64], wd[32];
        size_t n = 0;
        snprintf(id, sizeof id, "doc-%03u", i);
        snprintf(title, sizeof title, i == 11 ? "" : "Title %u common", i);
        text[0] = '\0';
        if (i != 13) {                                 /* document 13: title only */
            n += (size_t)sprintf(text + n, "common "); /* df 300: 2 full blocks + 44 */
            if (i < 256)
                n += (size_t)sprintf(text + n, "exactly "); /* df 256: 2 blocks, no tail */
            if (i % 2 == 0)
                n += (size_t)sprintf(text + n, "evens evens evens "); /* df 150, tf 3 */
            if (i < 200)
                n += (size_t)sprintf(text + n, "saturate "); /* df 200 */
            if (i == 7)
                for (unsigned k = 0; k < BIG_TF; k++)
                    n += (size_t)sprintf(text + n, "saturate ");
            unsigned len = 5 + (unsigned)(rnd(&s) % 200);
            for (unsigned k = 0; k < len; k++) {
                double u = (double)(rnd(&s) % 1000000) / 1e6;
                word(wd, (unsigned)(VOCAB * u * u * u)); /* Zipf-like */
                n += (size_t)sprintf(text + n, "%s%s", wd, k % 17 == 16 ? ".\n" : " ");
            }
        }
        assert_true(n < cap);
        add_doc(w, id, title, text);
    }
    free(text);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *v = getenv("QUARRY_VERIFY_FULL");
    fx->full = v && *v && strcmp(v, "0") != 0;
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-verify-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    assert_non_null(fx->tmp);
    fx->orig = testutil_join(fx->tmp, "orig");
    fx->work = testutil_join(fx->tmp, "work");

    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, fx->orig, NULL), QUARRY_OK);
    build(w);
    assert_int_equal(quarry_writer_add_path(w, QUARRY_SAMPLE_DIR), QUARRY_OK);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    assert_int_equal(quarry_writer_get_stats(&fx->stats, w), QUARRY_OK);
    quarry_writer_free(w);

    DIR *d = opendir(fx->orig);
    assert_non_null(d);
    struct dirent *e;
    int n = 1;
    snprintf(fx->files[0].name, sizeof fx->files[0].name, "MANIFEST");
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "MANIFEST"))
            continue;
        assert_true(n < MAX_FILES);
        snprintf(fx->files[n++].name, sizeof fx->files[0].name, "%s", e->d_name);
    }
    closedir(d);
    assert_int_equal(n, MAX_FILES);
    for (int i = 1; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(fx->files[i].name, fx->files[j].name) > 0) {
                ifile t = fx->files[i];
                fx->files[i] = fx->files[j];
                fx->files[j] = t;
            }
    assert_int_equal(mkdir(fx->work, 0755), 0);
    for (int f = 0; f < n; f++) {
        char *p = testutil_join(fx->orig, fx->files[f].name);
        fx->files[f].data = testutil_read_all(p, &fx->files[f].size);
        free(p);
        restore(fx, f);
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (int f = 0; f < MAX_FILES; f++)
        free(fx->files[f].data);
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx->orig);
    free(fx->work);
    free(fx);
    return 0;
}

/* Index of the file whose name ends with suffix. */
static int file_index(const fixture *fx, const char *suffix)
{
    for (int f = 1; f < MAX_FILES; f++) {
        size_t n = strlen(fx->files[f].name), k = strlen(suffix);
        if (n > k && !strcmp(fx->files[f].name + n - k, suffix))
            return f;
    }
    fail_msg("no %s file", suffix);
    return -1;
}

/* ----- tests ---------------------------------------------------------------------------------- */

/* The pristine index verifies, and the counts are the writer's. */
static void test_sound(void **state)
{
    fixture *fx = *state;
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_OK);
    quarry_verify_report rep;
    memset(&rep, 0xAB, sizeof rep);
    assert_int_equal(quarry_index_verify(&rep, ix, 1), QUARRY_OK);
    assert_string_equal(rep.message, "");
    print_message("deep: %llu files, %llu bytes, %llu terms, %llu postings, %llu positions, "
                  "%llu docs, %llu tokens, %llu store blocks, %.4f s\n",
                  (unsigned long long)rep.files_checked, (unsigned long long)rep.bytes_checked,
                  (unsigned long long)rep.terms, (unsigned long long)rep.postings,
                  (unsigned long long)rep.positions, (unsigned long long)rep.docs,
                  (unsigned long long)rep.tokens, (unsigned long long)rep.store_blocks,
                  rep.seconds);
    uint64_t bytes = 0;
    for (int f = 0; f < MAX_FILES; f++)
        bytes += fx->files[f].size;
    assert_int_equal(rep.files_checked, MAX_FILES);
    assert_int_equal(rep.bytes_checked, bytes);
    assert_int_equal(rep.docs, fx->stats.docs);
    assert_int_equal(rep.docs, NDOCS + 5);
    assert_int_equal(rep.terms, fx->stats.terms);
    assert_int_equal(rep.postings, fx->stats.postings);
    assert_int_equal(rep.tokens, fx->stats.tokens);
    assert_int_equal(rep.positions, fx->stats.tokens); /* every word is one occurrence */
    assert_true(rep.store_blocks >= 2);
    assert_true(rep.seconds >= 0 && rep.seconds < 60);

    /* The cheap level decodes nothing and reads no payload. */
    assert_int_equal(quarry_index_verify(&rep, ix, 0), QUARRY_OK);
    assert_string_equal(rep.message, "");
    assert_int_equal(rep.files_checked, MAX_FILES - 1);
    assert_int_equal(rep.bytes_checked, 0);
    assert_int_equal(rep.terms, 0);
    assert_int_equal(rep.postings, 0);
    assert_int_equal(rep.docs, 0);

    /* The skip entry of "saturate"'s first block (which holds document 7) is saturated. */
    term_info ti;
    char err[512];
    assert_int_equal(segment_lookup(&ix->segs[0], "satur", 5, &ti, err, sizeof err), 1);
    assert_int_equal(ti.df, 199); /* documents 0..199 but 13, which has no text */
    assert_int_equal(ti.max_tf, BIG_TF + 1);
    assert_int_equal(ti.post[12] | ti.post[13] << 8, 65535);
    quarry_index_close(ix);
}

/* NULL, failed and empty indexes. */
static void test_edges(void **state)
{
    fixture *fx = *state;
    quarry_verify_report rep;
    assert_int_equal(quarry_index_verify(&rep, NULL, 1), QUARRY_ERROR);
    assert_true(rep.message[0] != '\0');
    quarry_index *ix = NULL;
    char *none = testutil_join(fx->tmp, "no-such-index");
    assert_int_not_equal(quarry_index_open(&ix, none), QUARRY_OK);
    assert_int_equal(quarry_index_verify(&rep, ix, 1), QUARRY_ERROR);
    quarry_index_close(ix);
    free(none);

    char *empty = testutil_join(fx->tmp, "empty");
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, empty, NULL), QUARRY_OK);
    add_doc(w, "blank", "", ""); /* one document, no word */
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    assert_int_equal(quarry_index_open(&ix, empty), QUARRY_OK);
    assert_int_equal(quarry_index_verify(&rep, ix, 1), QUARRY_OK);
    assert_int_equal(rep.docs, 1);
    assert_int_equal(rep.terms, 0);
    assert_int_equal(rep.tokens, 0);
    quarry_index_close(ix);
    testutil_rm_rf(empty);
    free(empty);

    char *zero = testutil_join(fx->tmp, "zero");
    assert_int_equal(quarry_writer_open(&w, zero, NULL), QUARRY_OK);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK); /* no document at all */
    quarry_writer_free(w);
    assert_int_equal(quarry_index_open(&ix, zero), QUARRY_OK);
    assert_int_equal(quarry_index_verify(&rep, ix, 1), QUARRY_OK);
    assert_int_equal(rep.docs, 0);
    assert_int_equal(rep.store_blocks, 0);
    quarry_index_close(ix);
    testutil_rm_rf(zero);
    free(zero);
}

/*
 * Every single-bit flip in any file, made under an index opened on the sound files (the
 * mappings see the change), is caught by the deep check with a message naming the file: the
 * checksums leave no flip unseen. One rotating bit of every byte, and every bit of the first
 * and last EDGE bytes (QUARRY_VERIFY_FULL: every bit of every byte).
 */
static void test_bit_flips(void **state)
{
    fixture *fx = *state;
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_OK);
    unsigned total = 0;
    for (int f = 0; f < MAX_FILES; f++) {
        char *p = testutil_join(fx->work, fx->files[f].name);
        int fd = open(p, O_WRONLY);
        assert_true(fd >= 0);
        free(p);
        size_t size = fx->files[f].size;
        unsigned cases = 0;
        for (size_t off = 0; off < size; off++) {
            unsigned bits = fx->full || off < EDGE || off >= size - EDGE ? 0xff : 1u << (off % 8);
            for (unsigned bit = 0; bit < 8; bit++) {
                if (!(bits & (1u << bit)))
                    continue;
                uint8_t b = fx->files[f].data[off] ^ (uint8_t)(1u << bit);
                assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
                quarry_verify_report rep;
                int rc = quarry_index_verify(&rep, ix, 0);
                assert_true(rc == QUARRY_OK || rc == QUARRY_ECORRUPT);
                rc = quarry_index_verify(&rep, ix, 1);
                if (rc != QUARRY_ECORRUPT || !strstr(rep.message, "corrupt") ||
                    !strstr(rep.message, fx->files[f].name)) {
                    print_error("%s byte %zu bit %u: verify returned %d, '%s'\n", fx->files[f].name,
                                off, bit, rc, rep.message);
                    fail();
                }
                assert_int_equal(pwrite(fd, &fx->files[f].data[off], 1, (off_t)off), 1);
                cases++;
            }
        }
        assert_int_equal(close(fd), 0);
        print_message("%-12s %6zu bytes, %6u flips caught by the deep check\n", fx->files[f].name,
                      size, cases);
        total += cases;
    }
    quarry_verify_report rep;
    assert_int_equal(quarry_index_verify(&rep, ix, 1), QUARRY_OK);
    quarry_index_close(ix);
    print_message("%u flips, all caught\n", total);
}

/* The bits of byte `off` of a `size`-byte file flipped before opening, as a mask: every bit
 * of the header and footer, one bit of OPEN_SAMPLES bytes spread over the body. */
static unsigned open_flips_planned(const fixture *fx, size_t size, size_t off)
{
    if (fx->full || off < FORMAT_HEADER_SIZE || off >= size - FORMAT_FOOTER_SIZE)
        return 0xff;
    size_t stride = size / OPEN_SAMPLES + 1;
    return off % stride == stride / 2 ? 1u << (off / stride % 8) : 0;
}

/* Flips made before opening: each is caught at open or by the deep check (the cheap one must
 * not crash on any), and the message names the damaged file. */
static void test_bit_flips_reopened(void **state)
{
    fixture *fx = *state;
    unsigned total = 0, at_open = 0;
    for (int f = 0; f < MAX_FILES; f++) {
        unsigned cases = 0, verified = 0;
        size_t size = fx->files[f].size;
        for (size_t off = 0; off < size; off++) {
            unsigned bits = open_flips_planned(fx, size, off);
            for (unsigned bit = 0; bit < 8; bit++) {
                if (!(bits & (1u << bit)))
                    continue;
                char what[400], msg[QUARRY_VERIFY_MESSAGE_CAP];
                snprintf(what, sizeof what, "%s byte %zu bit %u", fx->files[f].name, off, bit);
                uint8_t b = fx->files[f].data[off] ^ (uint8_t)(1u << bit);
                put_bytes(fx, f, off, &b, 1, 0);
                int outcome = try_case(fx, what, msg, sizeof msg);
                put_bytes(fx, f, off, &fx->files[f].data[off], 1, 0);
                if (outcome == SOUND) {
                    print_error("%s: not detected\n", what);
                    fail();
                }
                if (!strstr(msg, fx->files[f].name)) {
                    print_error("%s: message does not name the file: %s\n", what, msg);
                    fail();
                }
                cases++;
                verified += outcome == CAUGHT_VERIFY;
            }
        }
        print_message("%-12s %6u flips, %6u caught at open, %6u by the deep check\n",
                      fx->files[f].name, cases, cases - verified, verified);
        total += cases;
        at_open += cases - verified;
    }
    print_message("%u flips, all caught (%u at open)\n", total, at_open);
}

/* Truncated files: caught at open; resealed (valid footer, manifest agreeing): caught by the
 * structure checks. */
static void test_truncations(void **state)
{
    fixture *fx = *state;
    for (int f = 0; f < MAX_FILES; f++) {
        size_t size = fx->files[f].size;
        for (size_t i = 0; i <= 40; i++) {
            size_t len = i < 40 ? size * i / 40 : size - 1;
            char what[400];
            snprintf(what, sizeof what, "%s cut to %zu", fx->files[f].name, len);
            put_bytes(fx, f, 0, fx->files[f].data, len, 1);
            assert_int_equal(try_case(fx, what, NULL, 0), CAUGHT_OPEN);
        }
        restore(fx, f);
    }
    for (int f = 1; f < MAX_FILES; f++) {
        size_t size = fx->files[f].size, body = size - FORMAT_HEADER_SIZE - FORMAT_FOOTER_SIZE;
        uint8_t *img = malloc(size);
        assert_non_null(img);
        for (size_t i = 0; i < 64; i++) {
            /* keep `keep` body bytes, then the original footer (tail kept) */
            size_t keep = i < 60 ? body * i / 60 : body - (64 - i);
            memcpy(img, fx->files[f].data, FORMAT_HEADER_SIZE + keep);
            memcpy(img + FORMAT_HEADER_SIZE + keep, fx->files[f].data + size - FORMAT_FOOTER_SIZE,
                   FORMAT_FOOTER_SIZE);
            size_t n = FORMAT_HEADER_SIZE + keep + FORMAT_FOOTER_SIZE;
            reseal(fx, f, img, n, UINT64_MAX);
            char what[400], msg[QUARRY_VERIFY_MESSAGE_CAP];
            snprintf(what, sizeof what, "%s cut to %zu body bytes and resealed", fx->files[f].name,
                     keep);
            int outcome = try_case(fx, what, msg, sizeof msg);
            if (outcome == SOUND) {
                print_error("%s: not detected\n", what);
                fail();
            }
            restore(fx, 0);
            restore(fx, f);
        }
        free(img);
    }
}

/* Bits flipped with the checksums recomputed: only the structure checks can see them. */
static void test_resealed_flips(void **state)
{
    fixture *fx = *state;
    for (int f = 1; f < MAX_FILES; f++) {
        size_t size = fx->files[f].size;
        uint8_t *img = malloc(size);
        assert_non_null(img);
        memcpy(img, fx->files[f].data, size);
        unsigned cases = 0, caught = 0, at_open = 0;
        size_t stride = size / RESEAL_SAMPLES + 1;
        for (size_t off = FORMAT_HEADER_SIZE; off < size - 8; off += fx->full ? 1 : stride) {
            unsigned bit = (unsigned)(off * 7 % 8);
            char what[400];
            snprintf(what, sizeof what, "%s byte %zu bit %u resealed", fx->files[f].name, off, bit);
            img[off] ^= (uint8_t)(1u << bit);
            reseal(fx, f, img, size, UINT64_MAX);
            int outcome = try_case(fx, what, NULL, 0);
            img[off] ^= (uint8_t)(1u << bit);
            cases++;
            caught += outcome != SOUND;
            at_open += outcome == CAUGHT_OPEN;
        }
        restore(fx, 0);
        restore(fx, f);
        print_message("%-12s %5u resealed flips, %5u caught (%u at open), %u left a sound index\n",
                      fx->files[f].name, cases, caught, at_open, cases - caught);
        /* Most of what the checksums protect is also structure: a floor against regressions
         * (the dictionary's terms and the document table's ids are plain text, many of whose
         * flips are other valid text). */
        int dict = strstr(fx->files[f].name, ".dict") != NULL;
        int docs = strstr(fx->files[f].name, ".docs") != NULL;
        assert_true(caught * 100 >= cases * (dict ? 75u : docs ? 85u : 95u));
        free(img);
    }
}

/* Skip-entry impacts below the block's real values, and a length that disagrees with the
 * postings, each resealed, are caught with a message saying what. */
static void test_targeted(void **state)
{
    fixture *fx = *state;
    int post = file_index(fx, ".post"), docs = file_index(fx, ".docs");
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_OK);
    term_info sat, com;
    char err[512], msg[QUARRY_VERIFY_MESSAGE_CAP];
    assert_int_equal(segment_lookup(&ix->segs[0], "satur", 5, &sat, err, sizeof err), 1);
    assert_int_equal(segment_lookup(&ix->segs[0], "common", 6, &com, err, sizeof err), 1);
    size_t sat_at = (size_t)(sat.post - ix->segs[0].files[SEG_POST].data);
    size_t com_at = (size_t)(com.post - ix->segs[0].files[SEG_POST].data);
    uint32_t width = ix->segs[0].len_width;
    size_t lengths_at = (size_t)(ix->segs[0].lengths - ix->segs[0].files[SEG_DOCS].data);
    uint64_t tokens = ix->segs[0].tokens;
    quarry_index_close(ix);

    size_t size = fx->files[post].size;
    uint8_t *img = malloc(size);
    assert_non_null(img);
    /* max_tf of block 0 of "saturate" (65535, saturated) lowered to 65534 */
    memcpy(img, fx->files[post].data, size);
    img[sat_at + 12] = 0xfe;
    reseal(fx, post, img, size, UINT64_MAX);
    assert_int_equal(try_case(fx, "max_tf lowered", msg, sizeof msg), CAUGHT_VERIFY);
    assert_non_null(strstr(msg, "impacts"));
    assert_non_null(strstr(msg, ".post"));
    /* min_dl of block 1 of "common" raised to 65535 */
    memcpy(img, fx->files[post].data, size);
    img[com_at + FORMAT_SKIP_ENTRY + 14] = 0xff;
    img[com_at + FORMAT_SKIP_ENTRY + 15] = 0xff;
    reseal(fx, post, img, size, UINT64_MAX);
    assert_int_equal(try_case(fx, "min_dl raised", msg, sizeof msg), CAUGHT_VERIFY);
    assert_non_null(strstr(msg, "impacts"));
    restore(fx, post);
    restore(fx, 0);
    free(img);

    /* A document's length one more, with the totals (header and manifest) to match: only the
     * comparison with its terms' frequencies sees it. */
    size = fx->files[docs].size;
    img = malloc(size);
    assert_non_null(img);
    memcpy(img, fx->files[docs].data, size);
    uint32_t doc = 0;
    while ((img[lengths_at + (size_t)doc * width / 8] >> (doc * width % 8) & 1) != 0)
        doc++; /* a length with bit 0 clear */
    img[lengths_at + (size_t)doc * width / 8] |= (uint8_t)(1u << (doc * width % 8));
    set_u64(img + FORMAT_HEADER_SIZE + 8, tokens + 1);
    reseal(fx, docs, img, size, tokens + 1);
    assert_int_equal(try_case(fx, "length + 1", msg, sizeof msg), CAUGHT_VERIFY);
    assert_non_null(strstr(msg, ".docs"));
    assert_non_null(strstr(msg, "length"));
    restore(fx, docs);
    restore(fx, 0);
    free(img);
    assert_int_equal(try_case(fx, "restored", NULL, 0), SOUND);
}

/* Verification in two threads at once, beside searches in this one. */
typedef struct job {
    quarry_index *ix; /* shared index */
    int rc;           /* first failure, QUARRY_OK if none */
} job;

static void *verify_thread(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 5 && !j->rc; i++) {
        quarry_verify_report rep;
        j->rc = quarry_index_verify(&rep, j->ix, 1);
    }
    return NULL;
}

static void test_threads(void **state)
{
    fixture *fx = *state;
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_OK);
    job jobs[2] = {{ix, QUARRY_OK}, {ix, QUARRY_OK}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, verify_thread, &jobs[i]), 0);
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    uint64_t first = 0;
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.count = 1;
    for (int i = 0; i < 50; i++) {
        quarry_results *r = NULL;
        assert_int_equal(quarry_searcher_search(&r, s, "evens saturate", 14, &o), QUARRY_OK);
        if (i == 0)
            first = quarry_results_total(r);
        assert_int_equal(quarry_results_total(r), first);
        quarry_results_free(r);
    }
    assert_true(first >= 200);
    quarry_searcher_free(s);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].rc, QUARRY_OK);
    }
    quarry_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound),       cmocka_unit_test(test_edges),
        cmocka_unit_test(test_bit_flips),   cmocka_unit_test(test_bit_flips_reopened),
        cmocka_unit_test(test_truncations), cmocka_unit_test(test_resealed_flips),
        cmocka_unit_test(test_targeted),    cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
