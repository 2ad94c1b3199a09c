/*
 * test_termwriter.c: the streaming encoder of a segment's .dict, .post and .pos files
 * (indexer/termwriter.c).
 *
 * group_setup generates NDOCS documents (seeded, deterministic) over a small vocabulary and
 * keeps a reference of every term's postings (documents, tfs, positions). The terms have df 3,
 * 5, 128 (one full block, no tail), 256 (two blocks of width 0: every gap 0), 300 (two blocks
 * and a tail of 44), 400 (three blocks and a tail of 16) and about 31 (60 filler terms sharing
 * a prefix, so that the dictionary has three front-coded blocks); one term is a prefix of
 * another. Some documents have a title (their text then starts one position after it), one is
 * 3000 words long, and tfs reach 300 (position chunks of several patched blocks).
 *
 * Covered:
 * - the files the termwriter writes from the reference (fed in runs of 0 to 199 postings, with
 *   gaps computed from the positions as a merger would) are byte for byte those inverter_write
 *   writes from the documents' text (and their sizes and checksums too), also for a segment
 *   without terms;
 * - read back through common/segment.h and common/cursor.h (with a document table written by
 *   the docwriter), every term has the reference's df, cf, impacts, documents, tfs and
 *   positions;
 * - every misuse (terms or documents out of order, also within one run, tf 0 or above the
 *   document's length, positions past 2^32 - 1, a document out of range, a term without
 *   postings or longer than 255 bytes, calls out of sequence) fails with QUARRY_ERROR and a
 *   message naming the problem, stays failed, and leaves no temporary file once freed;
 *   positions up to 2^32 - 1 are accepted.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/analyzer.h"
#include "common/cursor.h"
#include "common/segment.h"
#include "indexer/internal.h"
#include "quarry/error.h"
#include "testutil.h"

#define NDOCS    400u /* documents of the generated segment */
#define LONG_DOC 50u  /* a document of about 3000 words */
#define NFILL    60   /* filler terms fill00 .. fill59 */
#define NFIXED   6    /* the terms of `fixed` */
#define NTERMS   (NFIXED + NFILL)

static const char *const fixed[NFIXED] = {"alp", "alpha", "bravo", "charlie", "delta", "pad"};

/* One term's reference postings. */
typedef struct ref_term {
    char name[8];   /* the term */
    uint32_t df;    /* postings */
    uint32_t *docs; /* their documents (NDOCS entries allocated) */
    uint32_t *tfs;  /* their frequencies (likewise) */
    uint32_t *pos;  /* their positions, document after document */
    uint32_t *gaps; /* the same as gaps (position - previous - 1, previous -1 per document) */
    size_t npos;    /* entries used in pos and gaps */
    size_t poscap;  /* entries allocated */
} ref_term;

/* The generated corpus. */
typedef struct corpus {
    char *dir;               /* mkdtemp folder */
    ref_term terms[NTERMS];  /* in byte order */
    char *title[NDOCS];      /* each document's title ("" for most) */
    char *text[NDOCS];       /* and text */
    uint32_t lengths[NDOCS]; /* their lengths in words */
} corpus;

static corpus C;

/* ===== generation ========================================================================= */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* The tf of term `name` in document d (0: absent). */
static uint32_t tf_of(const char *name, uint32_t d)
{
    if (!strcmp(name, "alp"))
        return d == 3 || d == 200 || d == 311 ? 1 + d % 3 : 0;
    if (!strcmp(name, "alpha"))
        return d % 4 == 3 ? 0 : d % 50 == 0 ? 300 : 1 + d % 7;
    if (!strcmp(name, "bravo"))
        return d % 3 == 0 && d < 384 ? 1 + d % 2 : 0;
    if (!strcmp(name, "charlie"))
        return d == 7 || d == LONG_DOC || d == 100 || d == 101 || d == 399 ? 1 + d % 4 : 0;
    if (!strcmp(name, "delta"))
        return d < 256;
    if (!strcmp(name, "pad"))
        return d == LONG_DOC ? 3000 : 20;
    unsigned k = (unsigned)atoi(name + 4); /* fillNN */
    return (d + k) % 13 == 0 ? 1 + (d + k) % 3 : 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const ref_term *)a)->name, ((const ref_term *)b)->name);
}

/* Joins the names of terms tok[0..n) with spaces into a new string. */
static char *join(const int *tok, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(C.terms[tok[i]].name) + 1;
    char *s = malloc(len);
    assert_non_null(s);
    s[0] = '\0';
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(C.terms[tok[i]].name);
        memcpy(s + at, C.terms[tok[i]].name, k);
        at += k;
        s[at++] = ' ';
    }
    s[at] = '\0';
    return s;
}

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-termwriter-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    C.dir = strdup(tmpl);
    for (int t = 0; t < NTERMS; t++) {
        if (t < NFIXED)
            snprintf(C.terms[t].name, sizeof C.terms[t].name, "%s", fixed[t]);
        else
            snprintf(C.terms[t].name, sizeof C.terms[t].name, "fill%02d", t - NFIXED);
    }
    qsort(C.terms, NTERMS, sizeof C.terms[0], cmp_name);
    for (int t = 0; t < NTERMS; t++) {
        C.terms[t].docs = calloc(NDOCS, sizeof(uint32_t));
        C.terms[t].tfs = calloc(NDOCS, sizeof(uint32_t));
        assert_true(C.terms[t].docs && C.terms[t].tfs);
    }
    rng_state = 0x9E3779B97F4A7C15ull;
    int *tok = NULL;
    size_t cap = 0;
    for (uint32_t d = 0; d < NDOCS; d++) {
        size_t n = 0;
        for (int t = 0; t < NTERMS; t++) {
            uint32_t tf = tf_of(C.terms[t].name, d);
            if (n + tf > cap) {
                cap = (n + tf) * 2;
                tok = realloc(tok, cap * sizeof *tok);
                assert_non_null(tok);
            }
            for (uint32_t k = 0; k < tf; k++)
                tok[n++] = t;
        }
        for (size_t i = n - 1; i > 0; i--) { /* shuffle */
            size_t j = (size_t)(rnd() % (i + 1));
            int x = tok[i];
            tok[i] = tok[j];
            tok[j] = x;
        }
        /* A title of 3 words for one document in 5: its words take positions 0..2 and the text
         * starts at 4; without a title the text starts at 1 (inverter_add). */
        size_t ntitle = d % 5 == 0 ? 3 : 0;
        C.title[d] = join(tok, ntitle);
        C.text[d] = join(tok + ntitle, n - ntitle);
        C.lengths[d] = (uint32_t)n;
        for (size_t k = 0; k < n; k++) {
            ref_term *r = &C.terms[tok[k]];
            uint32_t p = (uint32_t)(k < ntitle ? k : k + 1);
            if (r->df == 0 || r->docs[r->df - 1] != d) {
                r->docs[r->df] = d;
                r->tfs[r->df++] = 0;
            }
            r->tfs[r->df - 1]++;
            if (r->npos == r->poscap) {
                r->poscap = r->poscap ? r->poscap * 2 : 256;
                r->pos = realloc(r->pos, r->poscap * sizeof *r->pos);
                assert_non_null(r->pos);
            }
            r->pos[r->npos++] = p;
        }
    }
    free(tok);
    /* The gaps, computed from the positions the way a segment merger would. */
    for (int t = 0; t < NTERMS; t++) {
        ref_term *r = &C.terms[t];
        r->gaps = calloc(r->npos ? r->npos : 1, sizeof *r->gaps);
        assert_non_null(r->gaps);
        size_t k = 0;
        for (uint32_t i = 0; i < r->df; i++) {
            uint32_t prev = UINT32_MAX; /* -1 */
            for (uint32_t j = 0; j < r->tfs[i]; j++, k++) {
                r->gaps[k] = r->pos[k] - prev - 1;
                prev = r->pos[k];
            }
        }
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    testutil_rm_rf(C.dir);
    free(C.dir);
    for (int t = 0; t < NTERMS; t++) {
        free(C.terms[t].docs);
        free(C.terms[t].tfs);
        free(C.terms[t].pos);
        free(C.terms[t].gaps);
    }
    for (uint32_t d = 0; d < NDOCS; d++) {
        free(C.title[d]);
        free(C.text[d]);
    }
    return 0;
}

/* ===== helpers ============================================================================ */

/* A new subfolder of the fixture's folder (alloc'd path). */
static char *subdir(const char *name)
{
    char *p = testutil_join(C.dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
    return p;
}

/* Files in dir; those whose name ends in ".tmp" are counted in *tmp. */
static int count_files(const char *dir, int *tmp)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    *tmp = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        *tmp += len > 4 && !strcmp(e->d_name + len - 4, ".tmp");
    }
    closedir(d);
    return n;
}

/* Writes the reference's term files into dir through a termwriter: terms in order, postings in
 * runs of 0 to 199 (a different sequence for each term, so that runs start and end anywhere
 * in a block). */
static void write_reference(const char *dir, manifest_file files[3])
{
    termwriter *tw;
    char err[ERRMSG_CAP];
    assert_int_equal(termwriter_open(&tw, dir, "seg_1", C.lengths, NDOCS, err, sizeof err),
                     QUARRY_OK);
    for (int t = 0; t < NTERMS; t++) {
        const ref_term *r = &C.terms[t];
        assert_int_equal(termwriter_begin(tw, (const uint8_t *)r->name, strlen(r->name)),
                         QUARRY_OK);
        const uint32_t *p = r->gaps;
        for (uint32_t i = 0, k = 0; i < r->df; k++) {
            uint32_t n = (uint32_t)(k * 37 + (unsigned)t * 11) % 200;
            if (n > r->df - i)
                n = r->df - i;
            assert_int_equal(termwriter_postings(tw, r->docs + i, r->tfs + i, p, n), QUARRY_OK);
            for (uint32_t j = 0; j < n; j++)
                p += r->tfs[i + j];
            i += n;
        }
        assert_int_equal(termwriter_end(tw), QUARRY_OK);
    }
    int rc = termwriter_finish(tw, files);
    if (rc)
        fail_msg("termwriter_finish: %s", termwriter_errmsg(tw));
    assert_string_equal(termwriter_errmsg(tw), "");
    termwriter_free(tw);
}

/* The three files seg_1.{dict,post,pos} of folders a and b are byte for byte the same. */
static void assert_same_files(const char *a, const char *b, const manifest_file fa[3],
                              const manifest_file fb[3])
{
    static const char *const names[3] = {"seg_1.dict", "seg_1.post", "seg_1.pos"};
    for (int i = 0; i < 3; i++) {
        char *pa = testutil_join(a, names[i]), *pb = testutil_join(b, names[i]);
        size_t na, nb;
        uint8_t *da = testutil_read_all(pa, &na), *db = testutil_read_all(pb, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(da, db, na);
        assert_string_equal(fa[i].suffix, fb[i].suffix);
        assert_int_equal(fa[i].size, na);
        assert_int_equal(fb[i].size, nb);
        assert_int_equal(fa[i].crc, fb[i].crc);
        free(da);
        free(db);
        free(pa);
        free(pb);
    }
}

/* ===== tests ============================================================================== */

/* The reference through the termwriter and the documents through the inverter give the same
 * bytes. */
static void test_same_bytes_as_inverter(void **state)
{
    (void)state;
    char *a = subdir("inverter"), *b = subdir("termwriter");
    char err[ERRMSG_CAP];
    inverter *inv;
    analyzer *an;
    assert_int_equal(inverter_create(&inv), QUARRY_OK);
    assert_int_equal(analyzer_create(&an, "none"), QUARRY_OK);
    for (uint32_t d = 0; d < NDOCS; d++) {
        uint32_t len;
        assert_int_equal(inverter_add(inv, an, d, C.title[d], strlen(C.title[d]), C.text[d],
                                      strlen(C.text[d]), &len),
                         QUARRY_OK);
        assert_int_equal(len, C.lengths[d]);
    }
    assert_int_equal(inverter_terms(inv), NTERMS);
    manifest_file fa[3], fb[3];
    int rc = inverter_write(inv, a, "seg_1", C.lengths, NDOCS, fa, err, sizeof err);
    if (rc)
        fail_msg("inverter_write: %s", err);
    write_reference(b, fb);
    assert_same_files(a, b, fa, fb);
    inverter_free(inv);
    analyzer_free(an);
    free(a);
    free(b);
}

/* A segment without terms: both writers give the same three files. */
static void test_empty(void **state)
{
    (void)state;
    char *a = subdir("empty-inverter"), *b = subdir("empty-termwriter");
    char err[ERRMSG_CAP];
    inverter *inv;
    assert_int_equal(inverter_create(&inv), QUARRY_OK);
    manifest_file fa[3], fb[3];
    assert_int_equal(inverter_write(inv, a, "seg_1", NULL, 0, fa, err, sizeof err), QUARRY_OK);
    termwriter *tw;
    assert_int_equal(termwriter_open(&tw, b, "seg_1", NULL, 0, err, sizeof err), QUARRY_OK);
    assert_int_equal(termwriter_finish(tw, fb), QUARRY_OK);
    termwriter_free(tw);
    assert_same_files(a, b, fa, fb);
    inverter_free(inv);
    free(a);
    free(b);
}

/* The reference written by the termwriter reads back, term by term and posting by posting. */
static void test_read_back(void **state)
{
    (void)state;
    char *dir = subdir("read-back");
    char err[ERRMSG_CAP];
    manifest_segment ms;
    memset(&ms, 0, sizeof ms);
    snprintf(ms.name, sizeof ms.name, "seg_1");
    ms.docs = NDOCS;
    write_reference(dir, ms.files);
    docwriter *dw;
    assert_int_equal(docwriter_create(&dw, dir, "seg_1", err, sizeof err), QUARRY_OK);
    for (uint32_t d = 0; d < NDOCS; d++) {
        char id[16];
        snprintf(id, sizeof id, "d%03u", d);
        assert_int_equal(docwriter_add(dw, id, strlen(id), C.title[d], strlen(C.title[d]),
                                       C.text[d], strlen(C.text[d]), C.lengths[d]),
                         QUARRY_OK);
    }
    assert_int_equal(docwriter_finish(dw, &ms.files[3], &ms.tokens), QUARRY_OK);
    docwriter_free(dw);

    segment s;
    int rc = segment_open(&s, dir, &ms, err, sizeof err);
    if (rc)
        fail_msg("segment_open: %s", err);
    dict_iter it;
    memset(&it, 0, sizeof it);
    for (int t = 0; t < NTERMS; t++) {
        const ref_term *r = &C.terms[t];
        const uint8_t *name;
        size_t len;
        term_info ti;
        assert_int_equal(segment_term_next(&s, &it, &name, &len, &ti, err, sizeof err), 1);
        assert_int_equal(len, strlen(r->name));
        assert_memory_equal(name, r->name, len);
        assert_int_equal(ti.df, r->df);
        assert_int_equal(ti.cf, r->npos);
        uint32_t max_tf = 0, min_dl = UINT32_MAX;
        for (uint32_t i = 0; i < r->df; i++) {
            if (r->tfs[i] > max_tf)
                max_tf = r->tfs[i];
            if (C.lengths[r->docs[i]] < min_dl)
                min_dl = C.lengths[r->docs[i]];
        }
        assert_int_equal(ti.max_tf, r->df >= 128 ? max_tf : 0);
        assert_int_equal(ti.min_dl, r->df >= 128 ? min_dl : 0);
        cursor c;
        cursor_init(&c, &s, &ti);
        const uint32_t *p = r->pos;
        for (uint32_t i = 0; i < r->df; i++) {
            assert_int_equal(cursor_docid(&c), r->docs[i]);
            assert_int_equal(cursor_freq(&c), r->tfs[i]);
            const uint32_t *got;
            assert_int_equal(cursor_positions(&c, &got), r->tfs[i]);
            assert_memory_equal(got, p, r->tfs[i] * sizeof *got);
            p += r->tfs[i];
            cursor_next(&c);
        }
        assert_int_equal(cursor_docid(&c), CURSOR_END);
        assert_int_equal(c.rc, QUARRY_OK);
        cursor_free(&c);
    }
    const uint8_t *name;
    size_t len;
    term_info ti;
    assert_int_equal(segment_term_next(&s, &it, &name, &len, &ti, err, sizeof err), 0);
    segment_close(&s);
    free(dir);
}

/*
 * A misuse: a script of calls whose last one must fail with QUARRY_ERROR and a message that
 * contains `message`. Calls are separated by spaces: "b:TERM" begins TERM; "p:DOC" adds
 * document DOC with one position (1), "p:DOC:G,H,..." with the position gaps given, "p:DOC:"
 * with tf 0; "r:DOC,DOC,..." adds a run of documents in one call, each with one position (1);
 * "r:" adds a run of none; "e" ends the term and "f" finishes.
 */
typedef struct misuse {
    const char *message; /* part of the expected message */
    const char *script;  /* the calls */
} misuse;

/* Every document has length 50 but document 9, of length 2; ndocs is 10. */
static const misuse misuses[] = {
    {"\"a\" does not come after \"a\" in byte order", "b:a p:0 e b:a"},
    {"\"a\" does not come after \"b\"", "b:b p:0 e b:a"},
    {"\"a\" does not come after \"ab\"", "b:ab p:0 e b:a"},
    {"\"ab\" does not come after \"a\xff\"", "b:a\xff p:0 e b:ab"}, /* bytes are unsigned */
    {"\"a\xff\" does not come after \"a\xff\"", "b:ab p:0 e b:a\xff p:0 e b:a\xff"},
    {"document 3 does not come after 3", "b:a p:3 p:3"},
    {"document 2 does not come after 3", "b:a p:3 p:2"},
    {"document 10 of a segment of 10", "b:a p:10"},
    {"tf 0 in document 4", "b:a p:4:"},
    {"tf 3 in document 9 of length 2", "b:a p:9:0,1,2"},
    {"positions of document 4 pass 2^32 - 1", "b:a p:4:4294967295,0"},
    {"positions of document 4 pass 2^32 - 1", "b:a p:3:4294967294,0 p:4:2147483648,2147483647"},
    {"document 2 does not come after 3", "b:a r:1,3,2"},
    {"document 10 of a segment of 10", "b:a r:8,10"},
    {"tf 3 in document 9 of length 2", "b:a r:8 p:9:0,1,2"},
    {"\"a\" has no postings", "b:a e"},
    {"\"a\" has no postings", "b:a r: e"},
    {"termwriter_postings outside a term", "p:0"},
    {"termwriter_postings outside a term", "r:"},
    {"termwriter_postings outside a term", "b:a p:0 e p:1"},
    {"termwriter_end without termwriter_begin", "e"},
    {"termwriter_begin inside a term not ended", "b:a p:0 b:b"},
    {"termwriter_finish inside a term not ended", "b:a p:0 f"},
    {"termwriter_finish called twice", "b:a p:0 e f f"},
    {"termwriter_begin after termwriter_finish", "f b:a"},
};

/* Runs the call at *s (advancing *s past it); returns its rc. *finished is set by a finish. */
static int run_call(termwriter *tw, const char **s, int *finished)
{
    size_t n = strcspn(*s, " ");
    char call[64];
    assert_true(n < sizeof call);
    memcpy(call, *s, n);
    call[n] = '\0';
    *s += n + ((*s)[n] == ' ');
    if (call[0] == 'b')
        return termwriter_begin(tw, (const uint8_t *)call + 2, n - 2);
    if (call[0] == 'e')
        return termwriter_end(tw);
    if (call[0] == 'f') {
        manifest_file files[3];
        int rc = termwriter_finish(tw, files);
        *finished |= rc == QUARRY_OK;
        return rc;
    }
    char *at = call + 2;
    uint32_t docs[8], tfs[8], gaps[8], run = 0;
    if (call[0] == 'r') { /* a run of documents */
        for (; *at; run++) {
            assert_true(run < 8);
            docs[run] = (uint32_t)strtoul(at, &at, 10);
            tfs[run] = 1;
            gaps[run] = 1;
            at += *at == ',';
        }
        return termwriter_postings(tw, docs, tfs, gaps, run);
    }
    docs[0] = (uint32_t)strtoul(at, &at, 10);
    tfs[0] = 1;
    gaps[0] = 1;
    if (*at == ':') {
        for (tfs[0] = 0, at++; *at; tfs[0]++) {
            assert_true(tfs[0] < 8);
            gaps[tfs[0]] = (uint32_t)strtoul(at, &at, 10);
            at += *at == ',';
        }
    }
    return termwriter_postings(tw, docs, tfs, gaps, 1);
}

/* Each misuse fails with QUARRY_ERROR and its message, the failure is sticky, and freeing
 * leaves no temporary file (nor any file, unless a finish succeeded first). */
static void test_misuse(void **state)
{
    (void)state;
    uint32_t lengths[10];
    for (int i = 0; i < 10; i++)
        lengths[i] = 50;
    lengths[9] = 2;
    for (size_t k = 0; k < sizeof misuses / sizeof misuses[0]; k++) {
        const misuse *m = &misuses[k];
        char name[32], err[ERRMSG_CAP];
        snprintf(name, sizeof name, "misuse-%zu", k);
        char *dir = subdir(name);
        termwriter *tw;
        manifest_file files[3];
        assert_int_equal(termwriter_open(&tw, dir, "seg_1", lengths, 10, err, sizeof err),
                         QUARRY_OK);
        const char *script = m->script;
        int finished = 0, rc;
        while ((rc = run_call(tw, &script, &finished)) == QUARRY_OK && *script)
            ;
        if (rc != QUARRY_ERROR || *script)
            fail_msg("case %zu (%s): rc %d with \"%s\" left: %s", k, m->message, rc, script,
                     termwriter_errmsg(tw));
        const char *msg = termwriter_errmsg(tw);
        if (!strstr(msg, m->message))
            fail_msg("case %zu: message \"%s\", expected \"%s\"", k, msg, m->message);
        /* Sticky: every later call fails the same way and keeps the message. */
        char first[ERRMSG_CAP];
        snprintf(first, sizeof first, "%s", msg);
        assert_int_equal(termwriter_begin(tw, (const uint8_t *)"zz", 2), QUARRY_ERROR);
        uint32_t doc = 0, tf = 1, pos = 1;
        assert_int_equal(termwriter_postings(tw, &doc, &tf, &pos, 1), QUARRY_ERROR);
        assert_int_equal(termwriter_end(tw), QUARRY_ERROR);
        assert_int_equal(termwriter_finish(tw, files), QUARRY_ERROR);
        assert_string_equal(termwriter_errmsg(tw), first);
        termwriter_free(tw);
        int tmp, nfiles = count_files(dir, &tmp);
        assert_int_equal(tmp, 0);
        assert_int_equal(nfiles, finished ? 3 : 0);
        free(dir);
    }
}

/* A term of 256 bytes is refused; one of 255 is accepted. */
static void test_term_length(void **state)
{
    (void)state;
    char *dir = subdir("term-length");
    uint8_t term[256];
    memset(term, 'a', sizeof term);
    uint32_t length = 5, doc = 0, tf = 1, pos = 0;
    char err[ERRMSG_CAP];
    termwriter *tw;
    assert_int_equal(termwriter_open(&tw, dir, "seg_1", &length, 1, err, sizeof err), QUARRY_OK);
    assert_int_equal(termwriter_begin(tw, term, 255), QUARRY_OK);
    assert_int_equal(termwriter_postings(tw, &doc, &tf, &pos, 1), QUARRY_OK);
    assert_int_equal(termwriter_end(tw), QUARRY_OK);
    assert_int_equal(termwriter_begin(tw, term, 256), QUARRY_ERROR);
    assert_non_null(strstr(termwriter_errmsg(tw), "term of 256 bytes (at most 255)"));
    termwriter_free(tw);
    int tmp;
    assert_int_equal(count_files(dir, &tmp), 0);
    free(dir);
}

/* Positions up to 2^32 - 1 are accepted, in a run whose gaps add up past 2^32 too; the first
 * document of a run whose positions pass it is named. */
static void test_positions_limit(void **state)
{
    (void)state;
    char *dir = subdir("positions-limit");
    uint32_t lengths[8] = {5, 5, 5, 5, 5, 5, 5, 5};
    char err[ERRMSG_CAP];
    termwriter *tw;
    assert_int_equal(termwriter_open(&tw, dir, "seg_1", lengths, 8, err, sizeof err), QUARRY_OK);
    assert_int_equal(termwriter_begin(tw, (const uint8_t *)"a", 1), QUARRY_OK);
    uint32_t docs[3] = {0, 1, 2}, tfs[3] = {1, 2, 1};
    uint32_t gaps[4] = {4000000000u, 4294967294u, 0, 4294967295u}; /* last positions: 4e9, 2^32-1 */
    assert_int_equal(termwriter_postings(tw, docs, tfs, gaps, 3), QUARRY_OK);
    uint32_t docs2[3] = {3, 4, 5}, tfs2[3] = {1, 3, 1};
    uint32_t gaps2[5] = {7, 4000000000u, 294967295u, 0, 1}; /* document 4 reaches 2^32 */
    assert_int_equal(termwriter_postings(tw, docs2, tfs2, gaps2, 3), QUARRY_ERROR);
    assert_non_null(strstr(termwriter_errmsg(tw), "positions of document 4 pass 2^32 - 1"));
    termwriter_free(tw);
    free(dir);
}

/* Freeing an unfinished termwriter removes its temporary files. */
static void test_free_unfinished(void **state)
{
    (void)state;
    char *dir = subdir("unfinished");
    uint32_t length = 5, doc = 0, tf = 1, pos = 3;
    char err[ERRMSG_CAP];
    termwriter *tw;
    assert_int_equal(termwriter_open(&tw, dir, "seg_1", &length, 1, err, sizeof err), QUARRY_OK);
    assert_int_equal(termwriter_begin(tw, (const uint8_t *)"a", 1), QUARRY_OK);
    assert_int_equal(termwriter_postings(tw, &doc, &tf, &pos, 1), QUARRY_OK);
    assert_int_equal(termwriter_end(tw), QUARRY_OK);
    int tmp;
    assert_int_equal(count_files(dir, &tmp), 3);
    assert_int_equal(tmp, 3);
    termwriter_free(tw);
    assert_int_equal(count_files(dir, &tmp), 0);
    termwriter_free(NULL);
    free(dir);
}

/* A folder that does not exist: open fails with QUARRY_EIO, a message and nothing to free. */
static void test_open_fails(void **state)
{
    (void)state;
    char *dir = testutil_join(C.dir, "missing");
    char err[ERRMSG_CAP] = "";
    termwriter *tw = (termwriter *)(void *)err; /* must be set to NULL */
    assert_int_equal(termwriter_open(&tw, dir, "seg_1", NULL, 0, err, sizeof err), QUARRY_EIO);
    assert_null(tw);
    assert_non_null(strstr(err, "seg_1.dict.tmp"));
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_as_inverter),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_term_length),
        cmocka_unit_test(test_positions_limit),
        cmocka_unit_test(test_free_unfinished),
        cmocka_unit_test(test_open_fails),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
