/*
 * test_corrupt.c: damaged indexes must fail cleanly, never crash (the suite also runs under
 * AddressSanitizer and UndefinedBehaviorSanitizer, which turn any out-of-bounds read or
 * undefined behaviour into a failure).
 *
 * The group setup indexes the sample news (QUARRY_SAMPLE_DIR) into a temporary folder (mkdtemp)
 * and keeps every file of the index in memory. test_truncations and test_bit_flips then damage
 * one file at a time in a working copy (restored after each case): cut at many lengths, or one
 * bit flipped at many offsets. Each damaged index is opened and, if it opens, searched with
 * terms, phrases and boolean queries, with snippets. Every case must end in QUARRY_ECORRUPT
 * (message saying "corrupt" and naming the file), QUARRY_EVERSION (at open, saying "rebuild")
 * or QUARRY_ENOTFOUND (at open), or in QUARRY_OK results that keep the API's promises (hit
 * counts, spans inside snippets). The tests print how many cases were caught at open, at query
 * time, or not detected (a flipped bit in a term's text or in a position can leave a well-formed
 * index that just answers differently; opening does not verify the checksums of the files'
 * bodies).
 *
 * Which lengths and bits are tried is a plan (see "Sampling" below): by default dense on the
 * structure of the files and sampled over their payload, to stay within seconds under the
 * sanitizers; QUARRY_CORRUPT_FULL=1 tries every length and every byte. QUARRY_CORRUPT_VERBOSE=1
 * prints each case as it runs (to find the one that crashed).
 *
 * Also: a missing folder or MANIFEST is QUARRY_ENOTFOUND; a deleted segment file is
 * QUARRY_ECORRUPT naming it; files swapped (with a manifest that agrees) are QUARRY_ECORRUPT;
 * another format version in the manifest or in the segment files (checksums fixed) is
 * QUARRY_EVERSION with "rebuild" in the message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/errmsg.h"
#include "common/manifest.h"
#include "quarry/quarry.h"
#include "testutil.h"

#ifndef QUARRY_SAMPLE_DIR
#error "QUARRY_SAMPLE_DIR must be defined (path of data/sample-news, as a string)"
#endif

#define MAX_FILES 8

/*
 * Sampling. The default plan (a few thousand cases, seconds under the sanitizers) damages
 * exhaustively what is structure and samples what is payload:
 *   truncation: every length of files up to TRUNC_ALL bytes, else the first and last EDGE
 *               lengths and TRUNC_SAMPLES more spread over the middle;
 *   bit flips:  every bit of the header (16 bytes), of the last TAIL bytes (footer, and the
 *               dictionary's and store's tables ending there) and, in .docs, of the fixed
 *               records; one bit (rotating) of every byte of the first and last EDGE bytes and
 *               of FLIP_SAMPLES bytes spread over the rest.
 * QUARRY_CORRUPT_FULL=1 runs the exhaustive plan instead (tens of thousands of cases, minutes):
 * every truncation length; one rotating bit at every byte; every bit of the first and last EDGE
 * bytes and of files up to SMALL_FILE bytes.
 */
#define EDGE          64   /* bytes at each end of a file damaged densely */
#define TAIL          32   /* bytes at the end of a file whose every bit is flipped */
#define TRUNC_ALL     1024 /* files up to this size are cut at every length */
#define TRUNC_SAMPLES 64   /* middle lengths sampled in larger files */
#define FLIP_SAMPLES  256  /* middle bytes sampled in a file */
#define SMALL_FILE    1024 /* full plan: files up to this size get every bit flipped */

/* One file of the pristine index. */
typedef struct ifile {
    char name[256]; /* file name in the index folder */
    uint8_t *data;  /* its bytes */
    size_t size;    /* bytes */
} ifile;

/* Outcome counters for one file. */
typedef struct counts {
    unsigned cases;      /* damaged copies tried */
    unsigned at_open;    /* rejected by quarry_index_open */
    unsigned at_query;   /* opened; some query failed with QUARRY_ECORRUPT */
    unsigned undetected; /* opened and every query answered */
} counts;

typedef struct fixture {
    char *tmp;              /* temporary folder */
    char *orig;             /* pristine index */
    char *work;             /* working copy, damaged one file at a time */
    ifile files[MAX_FILES]; /* the index's files, MANIFEST first */
    int nfiles;             /* entries in files */
    uint64_t docs;          /* documents of the pristine index */
    int verbose;            /* print each case */
    int full;               /* exhaustive plan */
} fixture;

/* Queries run on every damaged index that opens: k, default_and and the text. */
static const struct {
    size_t k;
    int and;
    const char *q;
} queries[] = {
    {3, 0, "maduro"},
    {3, 0, "\"Delcy Rodriguez\""},
    {3, 0, "+embassy -oil"},
    {2, 1, "(venezuela OR caracas) \"embassy reopening\" NOT zzzz"},
    {2, 0, "\"reopening embassies\" OR trump"},
    {0, 0, "diplomatic relations"},
};
#define NQUERIES (sizeof queries / sizeof queries[0])

/* ----- helpers ------------------------------------------------------------------------------ */

static void write_all(const char *path, const uint8_t *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Writes file f of the working copy with the given bytes, in place (no new inode, and no
 * blocks freed when the size stays: cheaper than recreating it thousands of times). */
static void put_file(const fixture *fx, int f, const uint8_t *data, size_t n)
{
    char *p = testutil_join(fx->work, fx->files[f].name);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, data + done, n - done, (off_t)done);
        assert_true(w > 0);
        done += (size_t)w;
    }
    assert_int_equal(ftruncate(fd, (off_t)n), 0);
    assert_int_equal(close(fd), 0);
    free(p);
}

/* Restores the whole working copy from the pristine files. */
static void restore_all(const fixture *fx)
{
    for (int f = 0; f < fx->nfiles; f++)
        put_file(fx, f, fx->files[f].data, fx->files[f].size);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ----- the damaged-index check ------------------------------------------------------------- */

enum { CAUGHT_OPEN, CAUGHT_QUERY, UNDETECTED };

/* Is (rc, msg) an acceptable failure? ECORRUPT must say "corrupt" and name a file of the index
 * (by its path in the working copy), EVERSION must say "rebuild"; every message is non-empty. */
static int acceptable_error(const fixture *fx, int rc, const char *msg, int at_open)
{
    if (!msg || !*msg)
        return 0;
    if (rc == QUARRY_ECORRUPT)
        return strstr(msg, "corrupt") && strstr(msg, fx->work);
    if (rc == QUARRY_EVERSION)
        return at_open && strstr(msg, "rebuild");
    return at_open && rc == QUARRY_ENOTFOUND;
}

/* Reads every byte of the results and checks the API's promises. */
static void check_results(const fixture *fx, const quarry_results *r, size_t k, const char *what)
{
    size_t n = quarry_results_size(r);
    uint64_t total = quarry_results_total(r);
    if (n > k || total < n || total > fx->docs) {
        print_error("%s: %zu hits, total %llu, k %zu\n", what, n, (unsigned long long)total, k);
        fail();
    }
    unsigned sum = 0; /* touches every byte the hits point at */
    for (size_t i = 0; i < n; i++) {
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
        if (h.docid >= fx->docs || isnan(h.score)) {
            print_error("%s: hit %zu: docid %u, score %g\n", what, i, h.docid, h.score);
            fail();
        }
        for (size_t j = 0; j < h.id_len; j++)
            sum += (unsigned char)h.id[j];
        for (size_t j = 0; j < h.title_len; j++)
            sum += (unsigned char)h.title[j];
        if (!h.snippet)
            continue;
        if (h.snippet_offset + h.snippet_len > h.text_len) {
            print_error("%s: hit %zu: snippet [%zu, +%zu) beyond the text (%zu bytes)\n", what, i,
                        h.snippet_offset, h.snippet_len, h.text_len);
            fail();
        }
        for (size_t j = 0; j < h.snippet_len; j++)
            sum += (unsigned char)h.snippet[j];
        for (size_t j = 0; j < h.nspans; j++) {
            if (h.spans[j].start + h.spans[j].len > h.snippet_len) {
                print_error("%s: hit %zu: span %zu beyond the snippet\n", what, i, j);
                fail();
            }
        }
    }
    (void)sum;
}

/* Opens the working copy and runs the queries. Returns CAUGHT_OPEN, CAUGHT_QUERY or
 * UNDETECTED; fails the test on a code or message that breaks the contract. */
static int try_index(const fixture *fx, const char *what)
{
    if (fx->verbose)
        fprintf(stderr, "case %s\n", what);
    quarry_index *ix = NULL;
    int rc = quarry_index_open(&ix, fx->work);
    if (rc != QUARRY_OK) {
        const char *msg = quarry_index_errmsg(ix);
        if (!acceptable_error(fx, rc, msg, 1)) {
            print_error("%s: open returned %d (%s), message '%s'\n", what, rc, quarry_strerror(rc),
                        msg ? msg : "(null)");
            fail();
        }
        quarry_searcher *s = NULL;
        assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_ERROR);
        quarry_index_close(ix);
        return CAUGHT_OPEN;
    }
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    quarry_searcher *s = NULL;
    rc = quarry_searcher_create(&s, ix);
    if (rc != QUARRY_OK) {
        print_error("%s: quarry_searcher_create returned %d\n", what, rc);
        fail();
    }
    int outcome = UNDETECTED;
    for (size_t i = 0; i < NQUERIES; i++) {
        quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
        o.k = queries[i].k;
        o.default_and = queries[i].and;
        o.snippet_bytes = 160;
        quarry_results *r = NULL;
        rc = quarry_searcher_search(&r, s, queries[i].q, strlen(queries[i].q), &o);
        if (rc != QUARRY_OK) {
            const char *msg = quarry_searcher_errmsg(s);
            if (!acceptable_error(fx, rc, msg, 0) || r) {
                print_error("%s: query %s returned %d (%s), message '%s'\n", what, queries[i].q, rc,
                            quarry_strerror(rc), msg ? msg : "(null)");
                fail();
            }
            outcome = CAUGHT_QUERY;
            continue;
        }
        check_results(fx, r, queries[i].k, what);
        quarry_results_free(r);
    }
    quarry_searcher_free(s);
    quarry_index_close(ix);
    return outcome;
}

/* Runs one case on file f with the given damaged bytes, then restores the file. */
static void one_case(const fixture *fx, int f, const uint8_t *data, size_t n, const char *what,
                     counts *c)
{
    put_file(fx, f, data, n);
    int outcome = try_index(fx, what);
    c->cases++;
    c->at_open += outcome == CAUGHT_OPEN;
    c->at_query += outcome == CAUGHT_QUERY;
    c->undetected += outcome == UNDETECTED;
    put_file(fx, f, fx->files[f].data, fx->files[f].size);
}

static void print_counts(const char *kind, const fixture *fx, const counts *c)
{
    counts sum = {0, 0, 0, 0};
    print_message("%-12s %-14s %7s %8s %9s %11s\n", kind, "file", "cases", "at open", "at query",
                  "undetected");
    for (int f = 0; f < fx->nfiles; f++) {
        print_message("%-12s %-14s %7u %8u %9u %11u\n", "", fx->files[f].name, c[f].cases,
                      c[f].at_open, c[f].at_query, c[f].undetected);
        sum.cases += c[f].cases;
        sum.at_open += c[f].at_open;
        sum.at_query += c[f].at_query;
        sum.undetected += c[f].undetected;
    }
    print_message("%-12s %-14s %7u %8u %9u %11u\n", "", "total", sum.cases, sum.at_open,
                  sum.at_query, sum.undetected);
}

/* ----- fixture -------------------------------------------------------------------------------- */

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *v = getenv("QUARRY_CORRUPT_VERBOSE");
    fx->verbose = v && *v && strcmp(v, "0") != 0;
    v = getenv("QUARRY_CORRUPT_FULL");
    fx->full = v && *v && strcmp(v, "0") != 0;
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-corrupt-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    assert_non_null(fx->tmp);
    fx->orig = testutil_join(fx->tmp, "orig");
    fx->work = testutil_join(fx->tmp, "work");

    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, fx->orig, NULL), QUARRY_OK);
    assert_int_equal(quarry_writer_add_path(w, QUARRY_SAMPLE_DIR), QUARRY_OK);
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);

    /* MANIFEST first, then the segment's files in name order. */
    DIR *d = opendir(fx->orig);
    assert_non_null(d);
    struct dirent *e;
    fx->nfiles = 1;
    snprintf(fx->files[0].name, sizeof fx->files[0].name, "MANIFEST");
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "MANIFEST"))
            continue;
        assert_true(fx->nfiles < MAX_FILES);
        snprintf(fx->files[fx->nfiles++].name, sizeof fx->files[0].name, "%s", e->d_name);
    }
    closedir(d);
    assert_int_equal(fx->nfiles, 6);
    for (int i = 1; i < fx->nfiles; i++)
        for (int j = i + 1; j < fx->nfiles; j++)
            if (strcmp(fx->files[i].name, fx->files[j].name) > 0) {
                ifile t = fx->files[i];
                fx->files[i] = fx->files[j];
                fx->files[j] = t;
            }
    for (int f = 0; f < fx->nfiles; f++) {
        char *p = testutil_join(fx->orig, fx->files[f].name);
        fx->files[f].data = testutil_read_all(p, &fx->files[f].size);
        free(p);
    }
    assert_int_equal(mkdir(fx->work, 0755), 0);
    restore_all(fx);

    /* The pristine copy opens and every query answers. */
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_OK);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    fx->docs = info.docs;
    assert_int_equal(fx->docs, 5);
    quarry_index_close(ix);
    assert_int_equal(try_index(fx, "pristine"), UNDETECTED);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (int f = 0; f < fx->nfiles; f++)
        free(fx->files[f].data);
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx->orig);
    free(fx->work);
    free(fx);
    return 0;
}

/* ----- damage sweeps -------------------------------------------------------------------------- */

/* Is the cut at `len` of file f (of `size` bytes) in the plan? */
static int cut_planned(const fixture *fx, int f, size_t size, size_t len)
{
    (void)f;
    if (fx->full || size <= TRUNC_ALL || len < EDGE || len >= size - EDGE)
        return 1;
    size_t stride = (size - 2 * EDGE) / TRUNC_SAMPLES + 1;
    return (len - EDGE) % stride == stride / 2;
}

/* The bits of byte `off` of file f (of `size` bytes) to flip, one case each, as a mask. */
static unsigned flips_planned(const fixture *fx, int f, size_t size, size_t off)
{
    unsigned one = 1u << ((off + (size_t)f) % 8);
    int edge = off < EDGE || off >= size - EDGE;
    if (fx->full)
        return edge || size <= SMALL_FILE ? 0xff : one;
    int records = !strcmp(fx->files[f].name + strlen(fx->files[f].name) - 5, ".docs") &&
                  off < 32 + 16 * fx->docs; /* header, counts and the fixed records */
    if (off < 16 || off >= size - TAIL || records)
        return 0xff;
    if (edge)
        return one;
    size_t stride = (size - 2 * EDGE) / FLIP_SAMPLES + 1;
    return (off - EDGE) % stride == stride / 2 ? one : 0;
}

/* Every file cut short: at every length for small files, else the edges and a sample. */
static void test_truncations(void **state)
{
    fixture *fx = *state;
    counts c[MAX_FILES];
    memset(c, 0, sizeof c);
    for (int f = 0; f < fx->nfiles; f++) {
        size_t size = fx->files[f].size;
        for (size_t len = 0; len < size; len++) {
            if (!cut_planned(fx, f, size, len))
                continue;
            char what[400];
            snprintf(what, sizeof what, "%s cut to %zu bytes", fx->files[f].name, len);
            one_case(fx, f, fx->files[f].data, len, what, &c[f]);
        }
        /* and one byte too many */
        uint8_t *longer = malloc(size + 1);
        assert_non_null(longer);
        memcpy(longer, fx->files[f].data, size);
        longer[size] = 0;
        char what[400];
        snprintf(what, sizeof what, "%s with a byte appended", fx->files[f].name);
        one_case(fx, f, longer, size + 1, what, &c[f]);
        free(longer);
    }
    print_counts("truncation", fx, c);
    /* A file of the wrong size never opens: the manifest records every size. */
    for (int f = 0; f < fx->nfiles; f++)
        assert_int_equal(c[f].at_open, c[f].cases);
}

/* One bit flipped at every byte (rotating bit), every bit near the edges and of small files. */
static void test_bit_flips(void **state)
{
    fixture *fx = *state;
    counts c[MAX_FILES];
    memset(c, 0, sizeof c);
    for (int f = 0; f < fx->nfiles; f++) {
        size_t size = fx->files[f].size;
        uint8_t *copy = malloc(size);
        assert_non_null(copy);
        memcpy(copy, fx->files[f].data, size);
        for (size_t off = 0; off < size; off++) {
            unsigned bits = flips_planned(fx, f, size, off);
            for (unsigned bit = 0; bit < 8; bit++) {
                if (!(bits & (1u << bit)))
                    continue;
                char what[400];
                snprintf(what, sizeof what, "%s byte %zu bit %u flipped", fx->files[f].name, off,
                         bit);
                copy[off] ^= (uint8_t)(1u << bit);
                one_case(fx, f, copy, size, what, &c[f]);
                copy[off] ^= (uint8_t)(1u << bit);
            }
        }
        free(copy);
    }
    print_counts("bit flips", fx, c);
    /* The manifest is checksummed: every flip in it is caught at open. */
    assert_int_equal(c[0].at_open, c[0].cases);
}

/* ----- whole-file damage ---------------------------------------------------------------------- */

/* No folder, no MANIFEST, a file instead of a folder: QUARRY_ENOTFOUND (or EIO) with a message. */
static void test_missing(void **state)
{
    fixture *fx = *state;
    char *nope = testutil_join(fx->tmp, "nope");
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, nope), QUARRY_ENOTFOUND);
    assert_non_null(strstr(quarry_index_errmsg(ix), nope));
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_ERROR);
    quarry_index_close(ix);
    free(nope);

    char *m = testutil_join(fx->work, "MANIFEST");
    assert_int_equal(unlink(m), 0);
    ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_ENOTFOUND);
    assert_non_null(strstr(quarry_index_errmsg(ix), "MANIFEST"));
    quarry_index_close(ix);
    free(m);
    restore_all(fx);

    char *file = testutil_join(fx->work, "seg_1.dict"); /* a file where a folder is expected */
    ix = NULL;
    int rc = quarry_index_open(&ix, file);
    assert_true(rc == QUARRY_ENOTFOUND || rc == QUARRY_EIO);
    assert_true(strlen(quarry_index_errmsg(ix)) > 0);
    quarry_index_close(ix);
    free(file);
}

/* Each segment file deleted: QUARRY_ECORRUPT naming it. */
static void test_deleted_file(void **state)
{
    fixture *fx = *state;
    for (int f = 1; f < fx->nfiles; f++) {
        char *p = testutil_join(fx->work, fx->files[f].name);
        assert_int_equal(unlink(p), 0);
        quarry_index *ix = NULL;
        assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_ECORRUPT);
        const char *msg = quarry_index_errmsg(ix);
        if (!strstr(msg, fx->files[f].name)) {
            print_error("message '%s' does not name %s\n", msg, fx->files[f].name);
            fail();
        }
        quarry_index_close(ix);
        free(p);
        put_file(fx, f, fx->files[f].data, fx->files[f].size);
    }
    assert_int_equal(try_index(fx, "restored"), UNDETECTED);
}

/* Rewrites the working copy's MANIFEST so that file f has the given size and checksum. */
static void set_manifest_entry(const fixture *fx, int f, uint64_t size, uint32_t crc)
{
    manifest m;
    char err[ERRMSG_CAP];
    assert_int_equal(manifest_read(&m, fx->work, err, sizeof err), QUARRY_OK);
    assert_int_equal(m.nsegments, 1);
    int found = 0;
    for (int i = 0; i < FORMAT_SEGMENT_FILES; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", m.segments[0].name, m.segments[0].files[i].suffix);
        if (!strcmp(name, fx->files[f].name)) {
            m.segments[0].files[i].size = size;
            m.segments[0].files[i].crc = crc;
            found = 1;
        }
    }
    assert_true(found);
    assert_int_equal(manifest_write(&m, fx->work, err, sizeof err), QUARRY_OK);
    manifest_free(&m);
}

/* Each segment file replaced by another one (the manifest agreeing on size and checksum): the
 * header's kind gives it away. */
static void test_swapped_files(void **state)
{
    fixture *fx = *state;
    for (int f = 1; f < fx->nfiles; f++) {
        int g = f == fx->nfiles - 1 ? 1 : f + 1;
        const ifile *other = &fx->files[g];
        put_file(fx, f, other->data, other->size);
        set_manifest_entry(fx, f, other->size, get_u32(other->data + other->size - 8));
        quarry_index *ix = NULL;
        assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_ECORRUPT);
        assert_non_null(strstr(quarry_index_errmsg(ix), fx->files[f].name));
        quarry_index_close(ix);
        restore_all(fx);
    }
}

/* Another format version: QUARRY_EVERSION, and the message says to rebuild. */
static void test_other_version(void **state)
{
    fixture *fx = *state;
    /* (a) The manifest alone, its checksum fixed. */
    ifile *mf = &fx->files[0];
    uint8_t *m = malloc(mf->size);
    assert_non_null(m);
    memcpy(m, mf->data, mf->size);
    assert_int_equal(get_u32(m + 8), FORMAT_VERSION);
    testutil_set_u32(m + 8, FORMAT_VERSION + 1);
    testutil_fix_crc(m, mf->size);
    put_file(fx, 0, m, mf->size);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_EVERSION);
    assert_non_null(strstr(quarry_index_errmsg(ix), "rebuild"));
    quarry_index_close(ix);
    restore_all(fx);

    /* (b) Every segment file, checksums fixed in the files and in the (current) manifest:
     * the first file read reports its version. */
    for (int f = 1; f < fx->nfiles; f++) {
        ifile *sf = &fx->files[f];
        uint8_t *b = malloc(sf->size);
        assert_non_null(b);
        memcpy(b, sf->data, sf->size);
        testutil_set_u32(b + 8, FORMAT_VERSION + 1);
        uint32_t crc = testutil_fix_crc(b, sf->size);
        put_file(fx, f, b, sf->size);
        set_manifest_entry(fx, f, sf->size, crc);
        free(b);
    }
    ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_EVERSION);
    assert_non_null(strstr(quarry_index_errmsg(ix), "rebuild"));
    quarry_index_close(ix);

    /* (c) And the manifest too: every file of the index says the next version. */
    char *mp = testutil_join(fx->work, "MANIFEST");
    size_t n;
    uint8_t *cur = testutil_read_all(mp, &n);
    testutil_set_u32(cur + 8, FORMAT_VERSION + 1);
    testutil_fix_crc(cur, n);
    write_all(mp, cur, n);
    free(cur);
    free(mp);
    ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_EVERSION);
    assert_non_null(strstr(quarry_index_errmsg(ix), "rebuild"));
    quarry_index_close(ix);
    restore_all(fx);

    /* (d) One segment file at a time, the others pristine. */
    for (int f = 1; f < fx->nfiles; f++) {
        ifile *sf = &fx->files[f];
        uint8_t *b = malloc(sf->size);
        assert_non_null(b);
        memcpy(b, sf->data, sf->size);
        testutil_set_u32(b + 8, FORMAT_VERSION + 2);
        uint32_t crc = testutil_fix_crc(b, sf->size);
        put_file(fx, f, b, sf->size);
        set_manifest_entry(fx, f, sf->size, crc);
        ix = NULL;
        assert_int_equal(quarry_index_open(&ix, fx->work), QUARRY_EVERSION);
        const char *msg = quarry_index_errmsg(ix);
        assert_non_null(strstr(msg, "rebuild"));
        assert_non_null(strstr(msg, sf->name));
        quarry_index_close(ix);
        free(b);
        restore_all(fx);
    }
    free(m);
    assert_int_equal(try_index(fx, "restored"), UNDETECTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing),       cmocka_unit_test(test_deleted_file),
        cmocka_unit_test(test_swapped_files), cmocka_unit_test(test_other_version),
        cmocka_unit_test(test_truncations),   cmocka_unit_test(test_bit_flips),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
