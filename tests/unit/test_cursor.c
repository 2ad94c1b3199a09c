/*
 * test_cursor.c: posting cursors (searcher/internal.h, cursor_*) over format version 1
 * postings (common/format.h, docs/FORMAT.md): blocks of 128 postings (bit-packed doc gaps,
 * patched tf - 1) behind skip entries, a vbyte tail, and one position chunk per block.
 *
 * The postings come from a real index: group_setup generates NDOCS documents (seeded,
 * deterministic), writes them with the public writer API (language "none") into a mkdtemp
 * folder and opens the result, keeping a reference (docids, tfs, positions, document lengths)
 * of every term. The test terms have df 1, 127, 128, 129, 255, 256, 257, 1000 and 3000 (full
 * blocks, tails of 1, 127, 104 and 56 postings, and no tail), plus a dense term (gaps and
 * tf - 1 all 0: blocks of width 0) and 12 filler words (df 74 to 2036); one document is
 * about 20000 words long (wide position gaps, tfs in the thousands), and test terms' tfs reach
 * 300 (position chunks of several full 128-value blocks, a tail chunk of exactly one).
 *
 * Covered, for every term:
 * - term_info from index_lookup: df, cf, max_tf, min_dl against the reference (impacts are 0
 *   below 128 postings); the .post and .pos areas byte for byte against encode_v1 below,
 *   written from format.h's diagrams, which the corruption tests also use to craft lists;
 * - next through everything (docids, freqs, positions); next_geq to the current document,
 *   backwards, to exact docids, between docids, around every block boundary, several blocks
 *   ahead, into the tail, past the end and to CURSOR_END; positions asked only for some
 *   documents, after skipping others, across blocks; a cursor that never asks for positions
 *   never reads the .pos area; seeded random operation sequences against the reference; END
 *   stays END.
 * Corruption, on exact-size heap copies of a term's areas (so that the sanitizer build catches
 * any read outside them): skip entry last_doc too large / not increasing / not matching its
 * block, a last_doc beyond the documents in front of a tail reached by skipping, block_off and
 * tail_off out of range or misplaced, width bytes above 32 (doc gaps, frequencies, positions),
 * exception counts, truncation at every length of the postings and of the positions, bytes
 * after the tail or the last chunk, df not matching the area, position chunk offsets, a
 * frequency larger than the document's length (caught when positions are asked, for any
 * document of its block, and only then), a frequency of 0, docids that wrap around 2^32 or
 * reach ndocs, and positions beyond 2^32 - 1. Each must end the cursor with rc ==
 * QUARRY_ECORRUPT and docid CURSOR_END; damage that cannot be detected (a changed width that
 * still decodes) must never produce docids out of order or out of range.
 */
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
#include <unistd.h>

#include "common/bitpack.h"
#include "common/buf.h"
#include "common/format.h"
#include "common/pfor.h"
#include "common/reader.h"
#include "quarry/quarry.h"
#include "testutil.h"
#include "searcher/internal.h"

#define NDOCS    4000u /* documents of the generated index */
#define LONG_DOC 1500u /* a document of about 20000 words */
#define NFILLER  12    /* filler words f0 .. f11 */
#define BLOCK    128u  /* postings per full block (BITPACK_BLOCK) */

/* Where the fields of a term's .post area are (format.h): skip entry b's last_doc, block_off
 * and pos_off; after the nfull entries, tail_pos_off and tail_off; then the blocks. */
#define SK_LAST(b)        ((b) * (size_t)FORMAT_SKIP_ENTRY)
#define SK_BLOCK(b)       ((b) * (size_t)FORMAT_SKIP_ENTRY + 4)
#define SK_POS(b)         ((b) * (size_t)FORMAT_SKIP_ENTRY + 8)
#define SK_MAXTF(b)       ((b) * (size_t)FORMAT_SKIP_ENTRY + 12)
#define TAIL_POS(nfull)   ((nfull) * (size_t)FORMAT_SKIP_ENTRY)
#define TAIL_OFF(nfull)   ((nfull) * (size_t)FORMAT_SKIP_ENTRY + 4)
#define SKIP_BYTES(nfull) ((nfull) ? (nfull) * (size_t)FORMAT_SKIP_ENTRY + 8 : 0)

/* ===== helpers ============================================================================ */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed ? seed : 1;
}

/* xorshift64*: deterministic on every platform. */
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(rng_next() % n);
}

/* Grows *p (of *cap elements of `size` bytes) to hold at least `need`. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    assert_non_null(q);
    *cap = c;
    return q;
}

static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ===== the generated collection and its reference ======================================== */

/* One term's postings as the generator made them. */
typedef struct rterm {
    char name[16];      /* the word (a term as is: lower-case ASCII letters and digits) */
    uint32_t df;        /* documents */
    uint64_t cf;        /* occurrences */
    uint32_t max_tf;    /* largest tf */
    uint32_t min_dl;    /* shortest length of a document holding it */
    uint32_t *docs;     /* docids, increasing */
    uint32_t *tfs;      /* frequencies */
    uint32_t *posstart; /* df + 1 entries: index in pos of each document's first position */
    uint32_t *pos;      /* positions, document after document */
    size_t cap;         /* entries allocated in docs and tfs (posstart: one more) */
    size_t npos;        /* entries in pos */
    size_t poscap;      /* entries allocated in pos */
    uint32_t last_doc;  /* while generating: the last document seen, or UINT32_MAX */
} rterm;

enum { T_1, T_1B, T_127, T_128, T_129, T_255, T_256, T_257, T_1000, T_3000, T_DENSE, NTEST };
#define NTERMS (NTEST + NFILLER)

static struct fixture {
    char *dir;               /* the index folder (removed by the teardown) */
    quarry_index *ix;        /* the opened index */
    rterm terms[NTERMS];     /* test terms, then filler words */
    uint32_t lengths[NDOCS]; /* document lengths in tokens */
} fx;

/* Chooses df docids from 0..NDOCS-1 including the `nforced` given ones, the rest uniformly
 * (selection sampling), increasing, into out. */
static void select_docs(uint32_t *out, uint32_t df, const uint32_t *forced, uint32_t nforced)
{
    static unsigned char chosen[NDOCS];
    memset(chosen, 0, sizeof chosen);
    for (uint32_t k = 0; k < nforced; k++)
        chosen[forced[k]] = 1;
    uint32_t need = df - nforced, left = NDOCS - nforced;
    for (uint32_t d = 0; d < NDOCS && need; d++) {
        if (chosen[d])
            continue;
        if (rng_below(left) < need) {
            chosen[d] = 1;
            need--;
        }
        left--;
    }
    uint32_t n = 0;
    for (uint32_t d = 0; d < NDOCS; d++)
        if (chosen[d])
            out[n++] = d;
    assert_int_equal(n, df);
}

/* A tf: mostly 1..4, sometimes up to 64. */
static uint32_t mixed_tf(void)
{
    uint32_t r = rng_below(16);
    if (r < 12)
        return 1 + rng_below(4);
    if (r < 15)
        return 5 + rng_below(20);
    return 25 + rng_below(40);
}

/* Per-document token lists (term indexes), filled before the documents are written. */
typedef struct doctoks {
    uint32_t *t;
    size_t n, cap;
} doctoks;

static void add_tokens(doctoks *dt, uint32_t term, uint32_t count)
{
    dt->t = grow(dt->t, &dt->cap, dt->n + count, sizeof *dt->t);
    for (uint32_t k = 0; k < count; k++)
        dt->t[dt->n++] = term;
}

/* Names term ti and chooses its df documents (by `how`) and their tfs (by `tfmode`). */
enum { SEL_RANDOM, SEL_ENDS, SEL_FIRST, SEL_LAST };
enum { TF_MIXED, TF_ONE };
static void plant(uint32_t ti, const char *name, uint32_t df, int how, int tfmode, uint32_t *docs,
                  uint32_t *tfs)
{
    snprintf(fx.terms[ti].name, sizeof fx.terms[ti].name, "%s", name);
    uint32_t ends[3] = {0, NDOCS - 1, LONG_DOC};
    switch (how) {
    case SEL_RANDOM:
        select_docs(docs, df, NULL, 0);
        break;
    case SEL_ENDS: /* the first and the last document of the index, and the long one */
        select_docs(docs, df, ends, 3);
        break;
    case SEL_FIRST:
        for (uint32_t k = 0; k < df; k++)
            docs[k] = k;
        break;
    default:
        for (uint32_t k = 0; k < df; k++)
            docs[k] = NDOCS - df + k;
        break;
    }
    for (uint32_t k = 0; k < df; k++)
        tfs[k] = tfmode == TF_ONE ? 1 : mixed_tf();
}

/* Adds the chosen occurrences to the documents' token lists. */
static void plant_commit(doctoks *dt, uint32_t ti, uint32_t df, const uint32_t *docs,
                         const uint32_t *tfs)
{
    for (uint32_t k = 0; k < df; k++)
        add_tokens(&dt[docs[k]], ti, tfs[k]);
}

/* Records occurrence of term ti at position p of document d in the reference. */
static void ref_add(uint32_t ti, uint32_t d, uint32_t p)
{
    rterm *t = &fx.terms[ti];
    if (t->last_doc != d) {
        if (t->df + 1 >= t->cap) {
            size_t c = t->cap ? 2 * t->cap : 16;
            t->docs = realloc(t->docs, c * sizeof *t->docs);
            t->tfs = realloc(t->tfs, c * sizeof *t->tfs);
            t->posstart = realloc(t->posstart, (c + 1) * sizeof *t->posstart);
            assert_true(t->docs && t->tfs && t->posstart);
            t->cap = c;
        }
        t->docs[t->df] = d;
        t->tfs[t->df] = 0;
        t->posstart[t->df] = (uint32_t)t->npos;
        t->df++;
        t->last_doc = d;
    }
    t->pos = grow(t->pos, &t->poscap, t->npos + 1, sizeof *t->pos);
    t->pos[t->npos++] = p;
    t->tfs[t->df - 1]++;
    t->posstart[t->df] = (uint32_t)t->npos;
}

static void append_word(buf *b, uint32_t ti)
{
    if (b->len)
        buf_put_u8(b, ' ');
    buf_append(b, fx.terms[ti].name, strlen(fx.terms[ti].name));
}

static int group_setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    rng_seed(0x5eed1234);
    for (uint32_t k = 0; k < NTERMS; k++)
        fx.terms[k].last_doc = UINT32_MAX;

    /* Which documents hold which test terms, and how often. */
    doctoks *dt = calloc(NDOCS, sizeof *dt);
    uint32_t *docs = malloc(NDOCS * sizeof *docs), *tfs = malloc(NDOCS * sizeof *tfs);
    assert_true(dt && docs && tfs);
    static const struct {
        const char *name;
        uint32_t df;
        int how, tfmode;
    } specs[NTEST] = {
        [T_1] = {"t1", 1, SEL_RANDOM, TF_MIXED},
        [T_1B] = {"t1b", 1, SEL_LAST, TF_MIXED},
        [T_127] = {"t127", 127, SEL_RANDOM, TF_MIXED},
        [T_128] = {"t128", 128, SEL_RANDOM, TF_MIXED},
        [T_129] = {"t129", 129, SEL_ENDS, TF_MIXED},
        [T_255] = {"t255", 255, SEL_RANDOM, TF_MIXED},
        [T_256] = {"t256", 256, SEL_LAST, TF_ONE},
        [T_257] = {"t257", 257, SEL_ENDS, TF_MIXED},
        [T_1000] = {"t1000", 1000, SEL_RANDOM, TF_MIXED},
        [T_3000] = {"t3000", 3000, SEL_RANDOM, TF_MIXED},
        [T_DENSE] = {"dense", 1000, SEL_FIRST, TF_ONE},
    };
    for (uint32_t ti = 0; ti < NTEST; ti++) {
        plant(ti, specs[ti].name, specs[ti].df, specs[ti].how, specs[ti].tfmode, docs, tfs);
        switch (ti) {
        case T_1: /* 300 positions in the tail chunk: two patched blocks and 44 vbytes */
            tfs[0] = 300;
            break;
        case T_1B: /* exactly one patched block, no vbytes */
            tfs[0] = 128;
            break;
        case T_129: /* a one-posting tail with 300 positions */
            tfs[128] = 300;
            break;
        case T_257: /* words repeated 200 and 300 times in blocks 0 and 1 */
            tfs[BLOCK] = 300;
            tfs[3] = 200;
            break;
        default:
            break;
        }
        plant_commit(dt, ti, specs[ti].df, docs, tfs);
    }
    for (uint32_t k = 0; k < NFILLER; k++)
        snprintf(fx.terms[NTEST + k].name, sizeof fx.terms[NTEST + k].name, "f%u", k);
    for (uint32_t d = 0; d < NDOCS; d++) {
        uint32_t nf = d == LONG_DOC ? 20000 : rng_below(7);
        for (uint32_t k = 0; k < nf; k++)
            add_tokens(&dt[d], NTEST + rng_below(1 + rng_below(NFILLER)), 1); /* skewed */
    }

    /* Write the documents: tokens shuffled; every fifth document puts its first 1..3 tokens in
     * the title (title words take positions 0.., text words start one after the title's). */
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-cursor-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx.dir = strdup(tmpl);
    assert_non_null(fx.dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/idx", fx.dir);
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.language = "none";
    o.strict = 1;
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, path, &o), QUARRY_OK);
    buf title = BUF_INIT, text = BUF_INIT;
    for (uint32_t d = 0; d < NDOCS; d++) {
        doctoks *x = &dt[d];
        for (size_t k = x->n; k > 1; k--) { /* Fisher-Yates */
            size_t j = rng_below((uint32_t)k);
            uint32_t tmp = x->t[k - 1];
            x->t[k - 1] = x->t[j];
            x->t[j] = tmp;
        }
        size_t nt = 0;
        if (d % 5 == 0 && x->n >= 2)
            nt = 1 + rng_below(x->n - 1 < 3 ? (uint32_t)x->n - 1 : 3);
        title.len = text.len = 0;
        for (size_t k = 0; k < x->n; k++) {
            append_word(k < nt ? &title : &text, x->t[k]);
            ref_add(x->t[k], d, (uint32_t)(k < nt ? k : k + 1));
        }
        fx.lengths[d] = (uint32_t)x->n;
        char id[32];
        snprintf(id, sizeof id, "d%u", d);
        quarry_document doc;
        doc.id = id;
        doc.id_len = strlen(id);
        doc.title = title.len ? (const char *)title.data : "";
        doc.title_len = title.len;
        doc.text = text.len ? (const char *)text.data : "";
        doc.text_len = text.len;
        assert_int_equal(title.rc, QUARRY_OK);
        assert_int_equal(text.rc, QUARRY_OK);
        int rc = quarry_writer_add(w, &doc);
        if (rc != QUARRY_OK)
            fail_msg("add d%u: %s", d, quarry_writer_errmsg(w));
        free(x->t);
    }
    if (quarry_writer_commit(w) != QUARRY_OK)
        fail_msg("commit: %s", quarry_writer_errmsg(w));
    quarry_writer_free(w);
    buf_free(&title);
    buf_free(&text);
    free(dt);
    free(docs);
    free(tfs);

    /* Reference statistics. */
    for (uint32_t ti = 0; ti < NTERMS; ti++) {
        rterm *t = &fx.terms[ti];
        t->min_dl = UINT32_MAX;
        for (uint32_t i = 0; i < t->df; i++) {
            t->cf += t->tfs[i];
            if (t->tfs[i] > t->max_tf)
                t->max_tf = t->tfs[i];
            if (fx.lengths[t->docs[i]] < t->min_dl)
                t->min_dl = fx.lengths[t->docs[i]];
        }
    }
    for (uint32_t ti = 0; ti < NTEST; ti++)
        assert_int_equal(fx.terms[ti].df, specs[ti].df);

    if (quarry_index_open(&fx.ix, path) != QUARRY_OK)
        fail_msg("open: %s", quarry_index_errmsg(fx.ix));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    quarry_index_close(fx.ix);
    for (uint32_t ti = 0; ti < NTERMS; ti++) {
        free(fx.terms[ti].docs);
        free(fx.terms[ti].tfs);
        free(fx.terms[ti].posstart);
        free(fx.terms[ti].pos);
    }
    if (fx.dir)
        testutil_rm_rf(fx.dir);
    free(fx.dir);
    return 0;
}

static term_info lookup(const rterm *t)
{
    term_info ti;
    char err[256];
    memset(&ti, 0, sizeof ti);
    int rc = segment_lookup(&fx.ix->segs[0], t->name, strlen(t->name), &ti, err, sizeof err);
    if (rc != 1)
        fail_msg("lookup %s: %d %s", t->name, rc, err);
    return ti;
}

/* Index of the first posting with docid >= target (df if none). */
static uint32_t lower_bound(const rterm *t, uint32_t target)
{
    uint32_t lo = 0, hi = t->df;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ===== an independent encoder, from format.h ============================================== */

/* A posting list to encode: docids, freqs, and sum(freqs) position gaps (position - previous
 * - 1, previous = -1 at each document). */
typedef struct plist {
    uint32_t df;
    uint32_t *docs, *freqs, *gaps;
    size_t ngaps;
} plist;

static plist plist_alloc(uint32_t df, size_t ngaps)
{
    plist l = {df, calloc(df ? df : 1, sizeof(uint32_t)), calloc(df ? df : 1, sizeof(uint32_t)),
               calloc(ngaps ? ngaps : 1, sizeof(uint32_t)), ngaps};
    assert_true(l.docs && l.freqs && l.gaps);
    return l;
}

static void plist_free(plist *l)
{
    free(l->docs);
    free(l->freqs);
    free(l->gaps);
}

/* The reference list of t; if change < df, posting `change` gets frequency new_freq and the
 * positions 0, 1, ..., new_freq - 1 (gaps of 0). */
static plist plist_of(const rterm *t, uint32_t change, uint32_t new_freq)
{
    size_t ngaps = t->npos;
    if (change < t->df)
        ngaps = ngaps - t->tfs[change] + new_freq;
    plist l = plist_alloc(t->df, ngaps);
    size_t g = 0;
    for (uint32_t i = 0; i < t->df; i++) {
        l.docs[i] = t->docs[i];
        if (i == change) {
            l.freqs[i] = new_freq;
            for (uint32_t k = 0; k < new_freq; k++)
                l.gaps[g++] = 0;
            continue;
        }
        l.freqs[i] = t->tfs[i];
        int64_t prev = -1;
        for (uint32_t k = t->posstart[i]; k < t->posstart[i + 1]; k++) {
            l.gaps[g++] = (uint32_t)(t->pos[k] - prev - 1);
            prev = t->pos[k];
        }
    }
    assert_int_equal(g, ngaps);
    return l;
}

/* A term's two areas, each in a heap block of exactly its size, and a term_info on them. */
typedef struct area {
    uint8_t *post, *pos;
    term_info ti;
} area;

static area area_make(const uint8_t *post, size_t post_len, const uint8_t *pos, size_t pos_len,
                      uint32_t df)
{
    area a;
    memset(&a, 0, sizeof a);
    a.post = exact_copy(post, post_len);
    a.pos = exact_copy(pos, pos_len);
    a.ti.df = df;
    a.ti.cf = df;
    a.ti.max_tf = 1;
    a.ti.post = a.post;
    a.ti.post_len = post_len;
    a.ti.pos = a.pos;
    a.ti.pos_len = pos_len;
    return a;
}

/* A copy of a looked-up term's areas. */
static area area_of(const term_info *ti)
{
    area a = area_make(ti->post, ti->post_len, ti->pos, ti->pos_len, ti->df);
    a.ti.cf = ti->cf;
    a.ti.max_tf = ti->max_tf;
    a.ti.min_dl = ti->min_dl;
    return a;
}

static void area_free(area *a)
{
    free(a->post);
    free(a->pos);
    memset(a, 0, sizeof *a);
}

/* A position chunk: 128-value patched blocks, then a vbyte per remaining gap. */
static void put_chunk(buf *pos, const uint32_t *g, size_t n)
{
    size_t i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        pfor_put(pos, g + i);
    for (; i < n; i++)
        buf_put_vbyte(pos, g[i]);
}

static uint16_t sat16(uint32_t v)
{
    return v < 65535 ? (uint16_t)v : 65535;
}

/* Encodes l as format.h specifies (document lengths from the reference for the skip entries'
 * min_dl when `real`, else 0). Freqs are stored modulo 2^32 (tf - 1 in blocks, tf - 2 in the
 * tail), so a freq of 0 encodes as a stored UINT32_MAX (block) or UINT32_MAX - 1 (tail);
 * docids need not increase (gaps are taken modulo 2^32). */
static area encode_v1(const plist *l, int real)
{
    buf post = BUF_INIT, pos = BUF_INIT;
    uint32_t nfull = l->df / BLOCK, ntail = l->df % BLOCK;
    size_t skip_bytes = SKIP_BYTES(nfull);
    uint8_t *skip = calloc(skip_bytes ? skip_bytes : 1, 1);
    assert_non_null(skip);
    for (size_t k = 0; k < skip_bytes; k++)
        buf_put_u8(&post, 0);
    size_t gi = 0;
    for (uint32_t b = 0; b <= nfull; b++) {
        uint32_t first = b * BLOCK, n = b < nfull ? BLOCK : ntail;
        uint32_t pos_off = (uint32_t)pos.len;
        if (b == nfull && nfull) {
            put_u32le(skip + TAIL_POS(nfull), pos_off);
            put_u32le(skip + TAIL_OFF(nfull), (uint32_t)post.len);
        }
        if (n == 0)
            break;
        size_t npos = 0;
        uint32_t max_tf = 0, min_dl = UINT32_MAX;
        for (uint32_t i = first; i < first + n; i++) {
            npos += l->freqs[i];
            if (l->freqs[i] > max_tf)
                max_tf = l->freqs[i];
            uint32_t dl = real ? fx.lengths[l->docs[i]] : 0;
            if (dl < min_dl)
                min_dl = dl;
        }
        assert_true(gi + npos <= l->ngaps);
        put_chunk(&pos, l->gaps + gi, npos);
        gi += npos;
        if (b < nfull) {
            uint8_t *sk = skip + (size_t)b * FORMAT_SKIP_ENTRY;
            put_u32le(sk, l->docs[first + BLOCK - 1]);
            put_u32le(sk + 4, (uint32_t)post.len);
            put_u32le(sk + 8, pos_off);
            sk[12] = (uint8_t)sat16(max_tf);
            sk[13] = (uint8_t)(sat16(max_tf) >> 8);
            sk[14] = (uint8_t)sat16(min_dl);
            sk[15] = (uint8_t)(sat16(min_dl) >> 8);
            uint32_t v[BLOCK], prev = first ? l->docs[first - 1] : UINT32_MAX;
            uint8_t packed[BITPACK_MAX_BYTES];
            for (uint32_t k = 0; k < BLOCK; k++) { /* D1 gaps minus one, modulo 2^32 */
                v[k] = l->docs[first + k] - prev - 1;
                prev = l->docs[first + k];
            }
            unsigned dw = bitpack_width(v, BLOCK);
            bitpack_pack(packed, v, dw);
            buf_put_u8(&post, (uint8_t)dw);
            buf_append(&post, packed, bitpack_bytes(dw));
            for (uint32_t k = 0; k < BLOCK; k++) /* tf - 1, patched */
                v[k] = l->freqs[first + k] - 1;
            pfor_put(&post, v);
        } else {
            uint32_t next = first ? l->docs[first - 1] + 1 : 0;
            for (uint32_t i = first; i < first + n; i++) {
                uint64_t gap = (uint32_t)(l->docs[i] - next);
                buf_put_vbyte(&post, gap * 2 + (l->freqs[i] == 1));
                if (l->freqs[i] != 1)
                    buf_put_vbyte(&post, (uint32_t)(l->freqs[i] - 2));
                next = l->docs[i] + 1;
            }
        }
    }
    if (nfull && ntail == 0) { /* no tail: both offsets are the ends of the areas */
        put_u32le(skip + TAIL_POS(nfull), (uint32_t)pos.len);
        put_u32le(skip + TAIL_OFF(nfull), (uint32_t)post.len);
    }
    assert_int_equal(gi, l->ngaps);
    assert_int_equal(post.rc, QUARRY_OK);
    assert_int_equal(pos.rc, QUARRY_OK);
    if (skip_bytes)
        memcpy(post.data, skip, skip_bytes);
    area a = area_make(post.data, post.len, pos.data, pos.len, l->df);
    uint64_t cf = 0;
    for (uint32_t i = 0; i < l->df; i++)
        cf += l->freqs[i];
    a.ti.cf = cf;
    free(skip);
    buf_free(&post);
    buf_free(&pos);
    return a;
}

/* Offset of full block b's patched frequency block (after its doc width byte and gaps). */
static size_t freq_block_at(const uint8_t *post, uint32_t b)
{
    size_t off = load_u32le(post + SK_BLOCK(b));
    return off + 1 + bitpack_bytes(post[off]);
}

/* ===== checking cursors =================================================================== */

static void expect_positions(cursor *c, const rterm *t, uint32_t i)
{
    const uint32_t *p = NULL;
    uint32_t n = cursor_positions(c, &p);
    if (n != t->tfs[i] || c->rc != QUARRY_OK)
        fail_msg("%s posting %u (doc %u): %u positions, rc %d; want %u", t->name, i, t->docs[i], n,
                 c->rc, t->tfs[i]);
    assert_non_null(p);
    assert_memory_equal(p, t->pos + t->posstart[i], n * sizeof(uint32_t));
}

/* Asserts the cursor is on posting i of t (and its positions when `check_pos`). */
static void expect_at(cursor *c, const rterm *t, uint32_t i, int check_pos)
{
    if (c->rc != QUARRY_OK || cursor_docid(c) != t->docs[i] || cursor_freq(c) != t->tfs[i])
        fail_msg("%s: at doc %u freq %u rc %d; want posting %u: doc %u freq %u", t->name,
                 cursor_docid(c), cursor_freq(c), c->rc, i, t->docs[i], t->tfs[i]);
    if (check_pos)
        expect_positions(c, t, i);
}

/* Asserts the cursor is exhausted with `rc`, and that END is sticky. */
static void expect_end(cursor *c, int rc)
{
    assert_int_equal(cursor_docid(c), CURSOR_END);
    assert_int_equal(c->rc, rc);
    const uint32_t *p = NULL;
    assert_int_equal(cursor_positions(c, &p), 0);
    cursor_next(c);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    cursor_next_geq(c, 0);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    cursor_next_geq(c, 5);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    cursor_next_geq(c, CURSOR_END);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    assert_int_equal(cursor_positions(c, &p), 0);
    assert_int_equal(c->rc, rc);
}

/* After a move of a cursor over possibly damaged data: the docid is a real document (or END)
 * above the previous one (or equal when the move may stay), the frequency is at least 1. */
static void check_sane(cursor *c, uint32_t ndocs, uint32_t *prev, int *any, int may_stay)
{
    uint32_t d = cursor_docid(c);
    if (d == CURSOR_END) {
        assert_true(c->rc == QUARRY_OK || c->rc == QUARRY_ECORRUPT);
        return;
    }
    assert_int_equal(c->rc, QUARRY_OK);
    if (d >= ndocs)
        fail_msg("docid %u >= ndocs %u", d, ndocs);
    if (*any && (d < *prev || (d == *prev && !may_stay)))
        fail_msg("docid %u after %u", d, *prev);
    assert_true(cursor_freq(c) >= 1);
    *prev = d;
    *any = 1;
}

/* Reads the current document's positions (damaged data allowed): either they come, freq of
 * them and increasing, or the cursor ends. */
static void read_positions_sane(cursor *c)
{
    const uint32_t *p = NULL;
    uint32_t f = cursor_freq(c), n = cursor_positions(c, &p);
    if (cursor_docid(c) == CURSOR_END) {
        assert_int_equal(n, 0);
        assert_int_not_equal(c->rc, QUARRY_OK);
        return;
    }
    assert_int_equal(n, f);
    for (uint32_t k = 1; k < n; k++)
        assert_true(p[k] > p[k - 1]);
}

/* Walks ti with next to the end (reading positions when with_pos); returns the rc and the
 * documents visited. Works on any data. */
static int walk_next(const quarry_index *ix, const term_info *ti, int with_pos, uint32_t *visited)
{
    cursor c;
    cursor_init(&c, &ix->segs[0], ti);
    uint32_t n = 0, prev = 0;
    int any = 0;
    check_sane(&c, ix->segs[0].ndocs, &prev, &any, 0);
    while (cursor_docid(&c) != CURSOR_END) {
        assert_true(n <= ti->df);
        if (with_pos) {
            read_positions_sane(&c);
            if (cursor_docid(&c) == CURSOR_END)
                break;
        }
        n++;
        cursor_next(&c);
        check_sane(&c, ix->segs[0].ndocs, &prev, &any, 0);
    }
    int rc = c.rc;
    expect_end(&c, rc);
    cursor_free(&c);
    if (visited)
        *visited = n;
    return rc;
}

/* Walks ti with random next / next_geq (targets near, far, beyond the documents) and random
 * position reads; returns the rc. Works on any data. */
static int walk_geq(const quarry_index *ix, const term_info *ti, uint64_t seed)
{
    uint32_t ndocs = ix->segs[0].ndocs;
    rng_seed(seed);
    cursor c;
    cursor_init(&c, &ix->segs[0], ti);
    uint32_t prev = 0;
    int any = 0;
    check_sane(&c, ndocs, &prev, &any, 0);
    for (int steps = 0; cursor_docid(&c) != CURSOR_END; steps++) {
        assert_true(steps < 1000000);
        uint32_t d = cursor_docid(&c), target;
        switch (rng_below(6)) {
        case 0:
            cursor_next(&c);
            check_sane(&c, ndocs, &prev, &any, 0);
            continue;
        case 1:
            read_positions_sane(&c);
            check_sane(&c, ndocs, &prev, &any, 1);
            continue;
        case 2:
            target = d + 1 + rng_below(400);
            break;
        case 3:
            target = rng_below(ndocs + 4);
            break;
        case 4:
            target = ndocs + rng_below(3); /* beyond the last document */
            break;
        default:
            target = d + 1 + rng_below(4 * BLOCK * 4);
            break;
        }
        cursor_next_geq(&c, target);
        if (cursor_docid(&c) < target)
            fail_msg("next_geq(%u) from %u gave %u", target, d, cursor_docid(&c));
        check_sane(&c, ndocs, &prev, &any, target <= d);
    }
    int rc = c.rc;
    expect_end(&c, rc);
    cursor_free(&c);
    return rc;
}

/* Data the cursor must reject: walking it with next (reading positions when with_pos) gives
 * QUARRY_ECORRUPT; a random next_geq walk, which may skip the damage, stays sane. */
static void expect_corrupt(const term_info *ti, int with_pos, const char *what, long arg)
{
    int rc = walk_next(fx.ix, ti, with_pos, NULL);
    if (rc != QUARRY_ECORRUPT)
        fail_msg("%s (%ld): walk%s gives rc %d", what, arg, with_pos ? " with positions" : "", rc);
    walk_geq(fx.ix, ti, (uint64_t)arg * 31 + 7);
}

/* ===== term statistics and layout ========================================================= */

static void test_reference(void **state)
{
    (void)state;
    assert_int_equal(fx.ix->segs[0].ndocs, NDOCS);
    for (uint32_t d = 0; d < NDOCS; d++)
        if (segment_doc_length(&fx.ix->segs[0], d) != fx.lengths[d])
            fail_msg("doc %u: length %u, want %u", d, segment_doc_length(&fx.ix->segs[0], d),
                     fx.lengths[d]);
    assert_true(fx.lengths[LONG_DOC] > 20000);
    /* The shapes the tests rely on. */
    assert_int_equal(fx.terms[T_1].tfs[0], 300);
    assert_int_equal(fx.terms[T_1B].docs[0], NDOCS - 1);
    assert_int_equal(fx.terms[T_129].docs[0], 0);
    assert_int_equal(fx.terms[T_129].docs[128], NDOCS - 1);
    assert_int_equal(fx.terms[T_257].tfs[BLOCK], 300);
    assert_int_equal(fx.terms[T_DENSE].docs[999], 999);
    uint32_t i = lower_bound(&fx.terms[T_257], LONG_DOC);
    assert_int_equal(fx.terms[T_257].docs[i], LONG_DOC);
}

static void test_term_info(void **state)
{
    (void)state;
    for (uint32_t k = 0; k < NTERMS; k++) {
        const rterm *t = &fx.terms[k];
        term_info ti = lookup(t);
        /* Impacts are stored for lists of a full block or more only (0: unknown). */
        uint32_t max_tf = t->df >= BLOCK ? t->max_tf : 0, min_dl = t->df >= BLOCK ? t->min_dl : 0;
        if (ti.df != t->df || ti.cf != t->cf || ti.max_tf != max_tf || ti.min_dl != min_dl)
            fail_msg("%s: df %u cf %llu max_tf %u min_dl %u; want %u %llu %u %u", t->name, ti.df,
                     (unsigned long long)ti.cf, ti.max_tf, ti.min_dl, t->df,
                     (unsigned long long)t->cf, max_tf, min_dl);
    }
    /* Absent terms. */
    static const char *const absent[] = {"t2", "t12", "t10000", "f12", "densf", "a", "zzzz"};
    for (size_t k = 0; k < sizeof absent / sizeof absent[0]; k++) {
        term_info ti;
        char err[256];
        assert_int_equal(
            segment_lookup(&fx.ix->segs[0], absent[k], strlen(absent[k]), &ti, err, sizeof err), 0);
    }
    /* A few by hand: the tf-300 documents, and documents holding the term once. */
    assert_int_equal(lookup(&fx.terms[T_129]).max_tf, 300);
    assert_int_equal(lookup(&fx.terms[T_257]).max_tf, 300);
    assert_int_equal(lookup(&fx.terms[T_1]).max_tf, 0);
    assert_int_equal(lookup(&fx.terms[T_1]).cf, 300);
    assert_int_equal(lookup(&fx.terms[T_DENSE]).cf, 1000);
    assert_int_equal(lookup(&fx.terms[T_DENSE]).max_tf, 1);
    assert_int_equal(lookup(&fx.terms[T_256]).max_tf, 1);
    assert_int_equal(lookup(&fx.terms[T_257]).min_dl, fx.terms[T_257].min_dl);
}

/* The writer's bytes are format.h's: the encoder above, written from the diagrams, gives the
 * same areas. Plus hand-computed sizes for the width-0 terms. */
static void test_layout(void **state)
{
    (void)state;
    for (uint32_t k = 0; k < NTERMS; k++) {
        const rterm *t = &fx.terms[k];
        term_info ti = lookup(t);
        plist l = plist_of(t, UINT32_MAX, 0);
        area a = encode_v1(&l, 1);
        if (a.ti.post_len != ti.post_len || memcmp(a.post, ti.post, ti.post_len))
            fail_msg("%s: .post area differs from format.h's (%zu vs %zu bytes)", t->name,
                     ti.post_len, a.ti.post_len);
        if (a.ti.pos_len != ti.pos_len || memcmp(a.pos, ti.pos, ti.pos_len))
            fail_msg("%s: .pos area differs from format.h's (%zu vs %zu bytes)", t->name,
                     ti.pos_len, a.ti.pos_len);
        area_free(&a);
        plist_free(&l);
    }
    /* dense: 7 skip entries, tail_pos_off and tail_off; 7 blocks of 3 bytes (doc width 0,
     * then a patched block of width 0 and no exception); 104 tail postings of one byte (gap 0,
     * tf 1: code 1). */
    term_info ti = lookup(&fx.terms[T_DENSE]);
    assert_int_equal(ti.post_len, SKIP_BYTES(7) + 7 * 3 + 104);
    for (uint32_t b = 0; b < 7; b++) {
        assert_int_equal(load_u32le(ti.post + SK_LAST(b)), 128 * b + 127);
        size_t off = load_u32le(ti.post + SK_BLOCK(b));
        assert_int_equal(off, SKIP_BYTES(7) + 3 * b);
        assert_int_equal(ti.post[off] | ti.post[off + 1] | ti.post[off + 2], 0);
        assert_int_equal(ti.post[SK_MAXTF(b)] | ti.post[SK_MAXTF(b) + 1] << 8, 1);
    }
    assert_int_equal(load_u32le(ti.post + TAIL_OFF(7)), SKIP_BYTES(7) + 7 * 3);
    for (size_t k = SKIP_BYTES(7) + 7 * 3; k < ti.post_len; k++)
        assert_int_equal(ti.post[k], 1);
    /* t256 (docs 3744..3999, tf 1): block 0 has doc width 12 (its first gap is 3744), block 1
     * width 0; no tail, so tail_pos_off and tail_off are the ends of the areas. */
    ti = lookup(&fx.terms[T_256]);
    assert_int_equal(ti.post_len, SKIP_BYTES(2) + 1 + bitpack_bytes(12) + 2 + 3);
    assert_int_equal(ti.post[load_u32le(ti.post + SK_BLOCK(0))], 12);
    assert_int_equal(load_u32le(ti.post + TAIL_POS(2)), ti.pos_len);
    assert_int_equal(load_u32le(ti.post + TAIL_OFF(2)), ti.post_len);
    /* t1b: no skip data, one posting (gap 3999, tf 128: codes 7998 and 126); its positions
     * are exactly one patched block. */
    ti = lookup(&fx.terms[T_1B]);
    static const uint8_t t1b_post[] = {0xbe, 0x3e, 126};
    assert_int_equal(ti.post_len, sizeof t1b_post);
    assert_memory_equal(ti.post, t1b_post, sizeof t1b_post);
    reader r = reader_make(ti.pos, ti.pos_len);
    uint32_t v[BLOCK];
    assert_int_equal(pfor_get(&r, v), QUARRY_OK);
    assert_int_equal(reader_left(&r), 0);
}

/* ===== iteration ========================================================================== */

static void test_next_all(void **state)
{
    (void)state;
    for (uint32_t k = 0; k < NTERMS; k++) {
        const rterm *t = &fx.terms[k];
        term_info ti = lookup(t);
        /* mode 0: no positions; 1: all; 2: every third document; 3: odd blocks only. */
        for (int mode = 0; mode < 4; mode++) {
            cursor c;
            cursor_init(&c, &fx.ix->segs[0], &ti);
            for (uint32_t i = 0; i < t->df; i++) {
                int check =
                    mode == 1 || (mode == 2 && i % 3 == 2) || (mode == 3 && (i / BLOCK) % 2 == 1);
                expect_at(&c, t, i, check);
                cursor_next(&c);
            }
            expect_end(&c, QUARRY_OK);
            cursor_free(&c);
        }
    }
}

static void test_empty(void **state)
{
    (void)state;
    term_info ti;
    memset(&ti, 0, sizeof ti);
    cursor c;
    cursor_init(&c, &fx.ix->segs[0], &ti);
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);
    cursor_free(&c); /* twice is harmless */
}

/* From a fresh cursor moved to posting `from` (by next_geq, or by next when by_next), to
 * next_geq(target): must land on the first posting >= target at or after `from`. */
static void geq_case(const rterm *t, const term_info *ti, uint32_t from, uint32_t target,
                     int by_next, int check_pos)
{
    cursor c;
    cursor_init(&c, &fx.ix->segs[0], ti);
    if (by_next)
        for (uint32_t i = 0; i < from; i++)
            cursor_next(&c);
    else
        cursor_next_geq(&c, t->docs[from]);
    expect_at(&c, t, from, 0);
    cursor_next_geq(&c, target);
    uint32_t want = lower_bound(t, target);
    if (want < from)
        want = from;
    if (want == t->df) {
        if (cursor_docid(&c) != CURSOR_END)
            fail_msg("%s: from %u next_geq(%u) gave %u, want END", t->name, from, target,
                     cursor_docid(&c));
        expect_end(&c, QUARRY_OK);
    } else {
        if (cursor_docid(&c) != t->docs[want])
            fail_msg("%s: from posting %u next_geq(%u) gave %u, want %u", t->name, from, target,
                     cursor_docid(&c), t->docs[want]);
        expect_at(&c, t, want, check_pos);
        /* And the rest follows. */
        if (want + 1 < t->df) {
            cursor_next(&c);
            expect_at(&c, t, want + 1, check_pos);
        }
    }
    cursor_free(&c);
}

static void test_next_geq(void **state)
{
    (void)state;
    for (uint32_t k = 0; k < NTERMS; k++) {
        const rterm *t = &fx.terms[k];
        term_info ti = lookup(t);
        uint32_t df = t->df, nfull = df / BLOCK, last = t->docs[df - 1];
        /* The postings around every block boundary, a few inside each block, the tail. */
        uint32_t idx[512];
        size_t nidx = 0;
        for (uint32_t b = 0; b <= nfull && nidx + 8 < sizeof idx / sizeof idx[0]; b++) {
            uint32_t first = b * BLOCK;
            static const uint32_t offs[] = {0, 1, 2, 63, 126, 127};
            for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++)
                if (first + offs[o] < df)
                    idx[nidx++] = first + offs[o];
        }
        idx[nidx++] = df - 1;
        for (size_t a = 0; a < nidx; a++) {
            uint32_t i = idx[a], d = t->docs[i];
            int pos = a % 4 == 0;
            /* From the start: exact, one below (between when there is room), one above. */
            geq_case(t, &ti, 0, d, 0, pos);
            if (d > 0)
                geq_case(t, &ti, 0, d - 1, 0, pos);
            geq_case(t, &ti, 0, d + 1, 0, pos);
            /* From one and three blocks back, and from the posting before. */
            if (i >= BLOCK)
                geq_case(t, &ti, i - BLOCK, d, a % 2, pos);
            if (i >= 3 * BLOCK + 5)
                geq_case(t, &ti, i - 3 * BLOCK - 5, d - 1, 0, pos);
            if (i >= 1)
                geq_case(t, &ti, i - 1, d, 0, pos);
            /* To the current document and backwards: stays. */
            geq_case(t, &ti, i, d, 0, pos);
            geq_case(t, &ti, i, 0, 0, pos);
            if (d > 0)
                geq_case(t, &ti, i, d - 1, 0, pos);
        }
        /* Several blocks at once, from every block. */
        for (uint32_t b = 0; b < nfull; b++)
            for (uint32_t hop = 2; hop <= 5; hop++) {
                uint32_t j = b * BLOCK + 7 + hop * BLOCK + hop;
                if (j < df)
                    geq_case(t, &ti, b * BLOCK + 7, t->docs[j], 0, hop == 3);
            }
        /* Past the end. */
        static const uint32_t past[] = {1, 2, 100};
        for (size_t p = 0; p < sizeof past / sizeof past[0]; p++) {
            geq_case(t, &ti, 0, last + past[p], 0, 0);
            if (df > 1)
                geq_case(t, &ti, df / 2, last + past[p], 1, 0);
        }
        geq_case(t, &ti, 0, NDOCS, 0, 0);
        geq_case(t, &ti, 0, CURSOR_END - 1, 0, 0);
        geq_case(t, &ti, 0, CURSOR_END, 0, 0);
        geq_case(t, &ti, df - 1, CURSOR_END, 0, 0);

        /* A chain of next_geq over one cursor, to every 37th docid and the between-values. */
        cursor c;
        cursor_init(&c, &fx.ix->segs[0], &ti);
        for (uint32_t i = 0; i < df; i += 37) {
            uint32_t target = t->docs[i];
            if (i % 2 && i > 0 && t->docs[i - 1] + 1 < target)
                target = t->docs[i - 1] + 1; /* strictly between: lands on i */
            cursor_next_geq(&c, target);
            expect_at(&c, t, i, i % 74 == 0);
            cursor_next_geq(&c, target); /* again: stays */
            expect_at(&c, t, i, 0);
        }
        cursor_next_geq(&c, last);
        expect_at(&c, t, df - 1, 1);
        cursor_next_geq(&c, last + 1);
        expect_end(&c, QUARRY_OK);
        cursor_free(&c);
    }
}

/* Positions asked only for some documents, after skipping others, across blocks. */
static void test_lazy_positions(void **state)
{
    (void)state;
    const rterm *t = &fx.terms[T_3000];
    term_info ti = lookup(t);
    uint32_t nfull = t->df / BLOCK, tail = nfull * BLOCK;
    cursor c;
    cursor_init(&c, &fx.ix->segs[0], &ti);
    /* Into block 5, skipping 0..4 undecoded. */
    cursor_next_geq(&c, t->docs[5 * BLOCK + 17]);
    expect_at(&c, t, 5 * BLOCK + 17, 1);
    expect_at(&c, t, 5 * BLOCK + 17, 1); /* asked twice */
    for (int k = 0; k < 3; k++)
        cursor_next(&c);
    expect_at(&c, t, 5 * BLOCK + 20, 1);
    cursor_next_geq(&c, t->docs[6 * BLOCK]); /* first of the next block */
    expect_at(&c, t, 6 * BLOCK, 1);
    cursor_next_geq(&c, t->docs[6 * BLOCK + 127]); /* its last */
    expect_at(&c, t, 6 * BLOCK + 127, 1);
    cursor_next(&c); /* into block 7 without positions, then the second of it */
    expect_at(&c, t, 7 * BLOCK, 0);
    cursor_next(&c);
    expect_at(&c, t, 7 * BLOCK + 1, 1);
    cursor_next_geq(&c, t->docs[11 * BLOCK + 64]); /* over blocks 8..10 */
    expect_at(&c, t, 11 * BLOCK + 64, 1);
    cursor_next_geq(&c, t->docs[tail + 3]); /* into the tail */
    expect_at(&c, t, tail + 3, 1);
    cursor_next_geq(&c, t->docs[t->df - 1]);
    expect_at(&c, t, t->df - 1, 1);
    cursor_next(&c);
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);

    /* Positions of the last document of every block only, reached by next. */
    cursor_init(&c, &fx.ix->segs[0], &ti);
    for (uint32_t i = 0; i < t->df; i++) {
        expect_at(&c, t, i, i % BLOCK == 127 || i == t->df - 1);
        cursor_next(&c);
    }
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);

    /* The tf-300 documents: t1 (tail only), t129 (a one-posting tail), t257 (block 1). */
    static const uint32_t which[] = {T_1, T_129, T_257};
    for (size_t w = 0; w < 3; w++) {
        const rterm *u = &fx.terms[which[w]];
        term_info ui = lookup(u);
        uint32_t i = u->df == 1 ? 0 : which[w] == T_129 ? 128 : BLOCK;
        cursor_init(&c, &fx.ix->segs[0], &ui);
        cursor_next_geq(&c, u->docs[i]);
        expect_at(&c, u, i, 1);
        assert_int_equal(cursor_freq(&c), 300);
        cursor_free(&c);
    }

    /* A cursor that never asks for positions never reads the .pos area. */
    for (uint32_t k = 0; k < NTERMS; k++) {
        const rterm *u = &fx.terms[k];
        term_info nopos = lookup(u);
        nopos.pos = NULL;
        nopos.pos_len = 0;
        cursor_init(&c, &fx.ix->segs[0], &nopos);
        for (uint32_t i = 0; i < u->df; i += 1 + i % 50) {
            cursor_next_geq(&c, u->docs[i]);
            expect_at(&c, u, i, 0);
        }
        cursor_next_geq(&c, CURSOR_END);
        expect_end(&c, QUARRY_OK);
        cursor_free(&c);
    }
}

/* Random operation sequences against the reference (seeded). */
static void test_random_ops(void **state)
{
    (void)state;
    rng_seed(20250101);
    for (uint32_t k = 0; k < NTERMS; k++) {
        const rterm *t = &fx.terms[k];
        term_info ti = lookup(t);
        for (int round = 0; round < 6; round++) {
            cursor c;
            cursor_init(&c, &fx.ix->segs[0], &ti);
            uint32_t i = 0, target;
            while (i < t->df) {
                expect_at(&c, t, i, 0);
                switch (rng_below(9)) {
                case 0:
                case 1:
                    cursor_next(&c);
                    i++;
                    continue;
                case 2:
                    expect_at(&c, t, i, 1);
                    continue;
                case 3: /* anywhere, ahead or behind, or beyond the last document */
                    target = rng_below(NDOCS + 3);
                    break;
                case 4: /* a short hop */
                    target = t->docs[i] + rng_below(4);
                    break;
                case 5: /* up to three blocks ahead, exact or just below */
                case 6: {
                    uint32_t j = i + rng_below(3 * BLOCK + 1);
                    target = j < t->df ? t->docs[j] - rng_below(2) : t->docs[t->df - 1] + 1;
                    break;
                }
                case 7: /* to the current document, or behind it */
                    target = t->docs[i] - (t->docs[i] ? rng_below(2) : 0);
                    break;
                default: /* far ahead */
                    target = t->docs[i] + rng_below(NDOCS / 2);
                    break;
                }
                cursor_next_geq(&c, target);
                uint32_t want = lower_bound(t, target);
                if (want > i)
                    i = want;
                if (i < t->df && rng_below(3) == 0)
                    expect_at(&c, t, i, 1);
            }
            expect_end(&c, QUARRY_OK);
            cursor_free(&c);
        }
    }
}

/* ===== corruption ========================================================================= */

static const uint32_t multi[] = {T_129, T_256, T_257, T_1000};

/* Copies of the areas are intact: the walks succeed (a baseline for the tests below). */
static void test_copies_intact(void **state)
{
    (void)state;
    for (uint32_t k = 0; k < NTERMS; k++) {
        term_info ti = lookup(&fx.terms[k]);
        area a = area_of(&ti);
        uint32_t n;
        assert_int_equal(walk_next(fx.ix, &a.ti, 1, &n), QUARRY_OK);
        assert_int_equal(n, ti.df);
        assert_int_equal(walk_next(fx.ix, &a.ti, 0, &n), QUARRY_OK);
        assert_int_equal(walk_geq(fx.ix, &a.ti, k), QUARRY_OK);
        area_free(&a);
    }
}

static void test_skip_last_doc(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof multi / sizeof multi[0]; m++) {
        term_info ti = lookup(&fx.terms[multi[m]]);
        uint32_t nfull = ti.df / BLOCK;
        for (uint32_t b = 0; b < nfull; b++) {
            uint32_t real = load_u32le(ti.post + SK_LAST(b));
            uint32_t prev = b ? load_u32le(ti.post + SK_LAST(b - 1)) : 0;
            uint32_t bad[] = {
                NDOCS,    NDOCS + 5, UINT32_MAX, UINT32_MAX - 1, real + 1,
                real - 1, 0,         prev,       prev - 1,       b ? prev + 1 : real + 7};
            for (size_t v = 0; v < sizeof bad / sizeof bad[0]; v++) {
                if (bad[v] == real)
                    continue;
                area a = area_of(&ti);
                put_u32le(a.post + SK_LAST(b), bad[v]);
                expect_corrupt(&a.ti, (int)(v % 2), "skip last_doc", (long)bad[v]);
                area_free(&a);
            }
        }
    }
}

/* The last full block's last_doc is the base of the tail. When next_geq skips over that block
 * without decoding it, a base beyond the documents must not turn into docids >= ndocs. */
static void test_tail_base_beyond_ndocs(void **state)
{
    (void)state;
    static const uint32_t terms[] = {T_257, T_1000, T_3000};
    for (size_t m = 0; m < 3; m++) {
        term_info ti = lookup(&fx.terms[terms[m]]);
        uint32_t nfull = ti.df / BLOCK;
        uint32_t bases[] = {NDOCS - 1, NDOCS, NDOCS + 1, NDOCS + 3, 100000, UINT32_MAX - 2};
        for (size_t v = 0; v < sizeof bases / sizeof bases[0]; v++) {
            area a = area_of(&ti);
            put_u32le(a.post + SK_LAST(nfull - 1), bases[v]);
            uint32_t targets[] = {bases[v] + 1, bases[v] + 2, NDOCS, NDOCS + 1, CURSOR_END - 1};
            for (size_t g = 0; g < sizeof targets / sizeof targets[0]; g++) {
                if (targets[g] <= bases[v] || (nfull > 1 && targets[g] < NDOCS))
                    continue;
                cursor c;
                cursor_init(&c, &fx.ix->segs[0], &a.ti);
                assert_int_equal(c.rc, QUARRY_OK);
                cursor_next_geq(&c, targets[g]);
                if (cursor_docid(&c) != CURSOR_END)
                    fail_msg("t%u, tail base %u, next_geq(%u): docid %u (ndocs %u), rc %d", ti.df,
                             bases[v], targets[g], cursor_docid(&c), NDOCS, c.rc);
                cursor_free(&c);
            }
            expect_corrupt(&a.ti, 0, "tail base", (long)bases[v]);
            area_free(&a);
        }
    }
}

static void test_block_off(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof multi / sizeof multi[0]; m++) {
        term_info ti = lookup(&fx.terms[multi[m]]);
        uint32_t nfull = ti.df / BLOCK;
        uint32_t skip_bytes = (uint32_t)SKIP_BYTES(nfull), len = (uint32_t)ti.post_len;
        for (uint32_t b = 0; b < nfull; b++) {
            uint32_t real = load_u32le(ti.post + SK_BLOCK(b));
            uint32_t bad[] = {0,          skip_bytes - 1, len - 1,  len,     len + 1,
                              len + 1000, UINT32_MAX,     real + 1, real - 1};
            for (size_t v = 0; v < sizeof bad / sizeof bad[0]; v++) {
                if (bad[v] == real)
                    continue;
                area a = area_of(&ti);
                put_u32le(a.post + SK_BLOCK(b), bad[v]);
                expect_corrupt(&a.ti, (int)(v % 2), "block_off", (long)bad[v]);
                area_free(&a);
            }
            /* Another block's offset: its bytes decode from the wrong base, or the blocks are
             * out of order. */
            for (uint32_t o = 0; o < nfull; o++) {
                if (o == b)
                    continue;
                area a = area_of(&ti);
                put_u32le(a.post + SK_BLOCK(b), load_u32le(ti.post + SK_BLOCK(o)));
                expect_corrupt(&a.ti, 1, "block_off of another block", (long)o);
                area_free(&a);
            }
        }
    }
}

/* tail_off: the end of the last block and the start of the tail. */
static void test_tail_off(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof multi / sizeof multi[0]; m++) {
        term_info ti = lookup(&fx.terms[multi[m]]);
        uint32_t nfull = ti.df / BLOCK, real = load_u32le(ti.post + TAIL_OFF(nfull));
        uint32_t len = (uint32_t)ti.post_len,
                 last_block = load_u32le(ti.post + SK_BLOCK(nfull - 1));
        uint32_t bad[] = {real + 1, real - 1, len + 1, UINT32_MAX, 0, last_block, last_block + 1};
        for (size_t v = 0; v < sizeof bad / sizeof bad[0]; v++) {
            if (bad[v] == real)
                continue;
            area a = area_of(&ti);
            put_u32le(a.post + TAIL_OFF(nfull), bad[v]);
            expect_corrupt(&a.ti, (int)(v % 2), "tail_off", (long)bad[v]);
            area_free(&a);
        }
    }
}

static void test_widths(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof multi / sizeof multi[0]; m++) {
        term_info ti = lookup(&fx.terms[multi[m]]);
        uint32_t nfull = ti.df / BLOCK;
        for (uint32_t b = 0; b < nfull; b++) {
            /* The doc width byte, and the width byte of the patched frequencies. */
            size_t at[2] = {load_u32le(ti.post + SK_BLOCK(b)), freq_block_at(ti.post, b)};
            for (int which = 0; which < 2; which++) {
                static const uint8_t too_wide[] = {33, 34, 40, 64, 128, 255};
                for (size_t v = 0; v < sizeof too_wide / sizeof too_wide[0]; v++) {
                    area a = area_of(&ti);
                    a.post[at[which]] = too_wide[v];
                    expect_corrupt(&a.ti, which, "width", too_wide[v]);
                    area_free(&a);
                }
                /* Other widths up to 32: garbage, often detected, never out of range or out
                 * of order. */
                for (unsigned w = 0; w <= BITPACK_MAX_WIDTH; w++) {
                    if (w == ti.post[at[which]])
                        continue;
                    area a = area_of(&ti);
                    a.post[at[which]] = (uint8_t)w;
                    walk_next(fx.ix, &a.ti, (int)(w % 2), NULL);
                    walk_geq(fx.ix, &a.ti, w);
                    area_free(&a);
                }
            }
            /* The exception count of the patched frequencies, one more or one less: the block
             * no longer ends where the next begins. */
            uint8_t nexc = ti.post[at[1] + 1];
            for (int d = -1; d <= 1; d += 2) {
                if (nexc + d < 0 || nexc + d > 255)
                    continue;
                area a = area_of(&ti);
                a.post[at[1] + 1] = (uint8_t)(nexc + d);
                expect_corrupt(&a.ti, 0, "exception count", nexc + d);
                area_free(&a);
            }
        }
    }
}

/* Every strict prefix of a postings area, with the positions intact, and every strict prefix
 * of a positions area. */
static void test_truncation(void **state)
{
    (void)state;
    static const uint32_t terms[] = {T_1, T_1B, T_127, T_128, T_129, T_256, T_257};
    for (size_t m = 0; m < sizeof terms / sizeof terms[0]; m++) {
        const rterm *t = &fx.terms[terms[m]];
        term_info ti = lookup(t);
        for (size_t cut = 0; cut < ti.post_len; cut++) {
            area a = area_make(ti.post, cut, ti.pos, ti.pos_len, ti.df);
            if (walk_next(fx.ix, &a.ti, cut % 2, NULL) != QUARRY_ECORRUPT)
                fail_msg("%s: postings cut to %zu of %zu bytes accepted", t->name, cut,
                         ti.post_len);
            /* Straight to the last posting. */
            cursor c;
            cursor_init(&c, &fx.ix->segs[0], &a.ti);
            cursor_next_geq(&c, t->docs[t->df - 1]);
            expect_end(&c, QUARRY_ECORRUPT);
            cursor_free(&c);
            area_free(&a);
        }
        for (size_t cut = 0; cut < ti.pos_len; cut++) {
            area a = area_make(ti.post, ti.post_len, ti.pos, cut, ti.df);
            uint32_t n;
            if (walk_next(fx.ix, &a.ti, 1, &n) != QUARRY_ECORRUPT)
                fail_msg("%s: positions cut to %zu of %zu bytes accepted", t->name, cut,
                         ti.pos_len);
            assert_true(n < t->df);
            assert_int_equal(walk_next(fx.ix, &a.ti, 0, &n), QUARRY_OK); /* not asked: fine */
            assert_int_equal(n, t->df);
            /* Straight to the last posting, then its positions. */
            cursor c;
            cursor_init(&c, &fx.ix->segs[0], &a.ti);
            cursor_next_geq(&c, t->docs[t->df - 1]);
            expect_at(&c, t, t->df - 1, 0);
            const uint32_t *p = NULL;
            assert_int_equal(cursor_positions(&c, &p), 0);
            expect_end(&c, QUARRY_ECORRUPT);
            cursor_free(&c);
            area_free(&a);
        }
    }
}

/* Bytes after the last posting, and a df that does not match the area. */
static void test_extra_bytes(void **state)
{
    (void)state;
    static const uint32_t terms[] = {T_1, T_127, T_128, T_129, T_256, T_257, T_3000};
    static const uint8_t extra[][5] = {{0}, {0, 0}, {0x80}, {1, 2, 3, 4, 5}};
    static const size_t extra_len[] = {1, 2, 1, 5};
    for (size_t m = 0; m < sizeof terms / sizeof terms[0]; m++) {
        const rterm *t = &fx.terms[terms[m]];
        term_info ti = lookup(t);
        uint32_t nfull = ti.df / BLOCK;
        for (size_t e = 0; e < 4; e++) {
            uint8_t *more = malloc(ti.post_len + 5);
            assert_non_null(more);
            memcpy(more, ti.post, ti.post_len);
            memcpy(more + ti.post_len, extra[e], extra_len[e]);
            area a = area_make(more, ti.post_len + extra_len[e], ti.pos, ti.pos_len, ti.df);
            free(more);
            uint32_t n;
            assert_int_equal(walk_next(fx.ix, &a.ti, (int)(e % 2), &n), QUARRY_ECORRUPT);
            assert_int_equal(n, nfull * BLOCK); /* the tail is rejected as a whole */
            walk_geq(fx.ix, &a.ti, e);
            area_free(&a);
        }
        /* One byte more at the end of the positions: the last chunk is too long. */
        uint8_t *more = malloc(ti.pos_len + 1);
        assert_non_null(more);
        memcpy(more, ti.pos, ti.pos_len);
        more[ti.pos_len] = 0;
        area a = area_make(ti.post, ti.post_len, more, ti.pos_len + 1, ti.df);
        free(more);
        expect_corrupt(&a.ti, 1, "extra position byte", (long)ti.df);
        assert_int_equal(walk_next(fx.ix, &a.ti, 0, NULL), QUARRY_OK);
        area_free(&a);
        /* df one too large (a posting missing) or one too small (a posting left over), when
         * that keeps the number of full blocks. */
        if (ti.df % BLOCK != BLOCK - 1) {
            a = area_of(&ti);
            a.ti.df = ti.df + 1;
            expect_corrupt(&a.ti, 0, "df + 1", (long)ti.df);
            area_free(&a);
        }
        if (ti.df % BLOCK != 0 && ti.df > 1) { /* (df 0 is an empty list) */
            a = area_of(&ti);
            a.ti.df = ti.df - 1;
            expect_corrupt(&a.ti, 0, "df - 1", (long)ti.df);
            area_free(&a);
        }
    }
}

static void test_position_offsets(void **state)
{
    (void)state;
    static const uint32_t terms[] = {T_129, T_257, T_1000};
    for (size_t m = 0; m < 3; m++) {
        term_info ti = lookup(&fx.terms[terms[m]]);
        uint32_t nfull = ti.df / BLOCK, plen = (uint32_t)ti.pos_len;
        /* Block b's chunk offset (b = nfull: tail_pos_off). Off by one from block 1 on makes
         * the chunk before it one byte too long or too short. */
        for (uint32_t b = 0; b <= nfull; b++) {
            size_t field = b < nfull ? SK_POS(b) : TAIL_POS(nfull);
            uint32_t real = load_u32le(ti.post + field);
            uint32_t bad[] = {real + 1, real - 1, plen + 1, plen + 100, UINT32_MAX};
            for (size_t v = 0; v < sizeof bad / sizeof bad[0]; v++) {
                if (b == 0 && v < 2)
                    continue; /* chunk 0 then starts mid-stream: not always detectable */
                area a = area_of(&ti);
                put_u32le(a.post + field, bad[v]);
                expect_corrupt(&a.ti, 1, "position chunk offset", (long)bad[v]);
                assert_int_equal(walk_next(fx.ix, &a.ti, 0, NULL), QUARRY_OK); /* lazy */
                area_free(&a);
            }
        }
        /* The first group's width byte of chunk 0 (every full block has >= 128 positions). */
        for (unsigned w = 33; w < 256; w += 37) {
            area a = area_of(&ti);
            a.pos[0] = (uint8_t)w;
            expect_corrupt(&a.ti, 1, "position width", (long)w);
            /* Positions asked only in later blocks: block 0's chunk is never decoded. */
            cursor c;
            cursor_init(&c, &fx.ix->segs[0], &a.ti);
            cursor_next_geq(&c, fx.terms[terms[m]].docs[BLOCK]);
            expect_at(&c, &fx.terms[terms[m]], BLOCK, 1);
            cursor_free(&c);
            area_free(&a);
        }
    }
}

/* A frequency larger than the document's length: rejected when positions are asked (for any
 * document of that block), not before; equal to the length is fine. */
static void test_freq_beyond_length(void **state)
{
    (void)state;
    const rterm *t = &fx.terms[T_257];
    uint32_t victims[] = {5, 127, BLOCK + 1, 2 * BLOCK}; /* blocks 0, 0, 1 and the tail */
    for (size_t v = 0; v < sizeof victims / sizeof victims[0]; v++) {
        uint32_t i = victims[v], d = t->docs[i], len = fx.lengths[d];
        for (uint32_t extra = 0; extra < 2; extra++) {
            plist l = plist_of(t, i, len + extra);
            area a = encode_v1(&l, 1);
            uint32_t n;
            /* Docids and freqs are fine without positions. */
            cursor c;
            cursor_init(&c, &fx.ix->segs[0], &a.ti);
            for (uint32_t k = 0; k < t->df; k++) {
                assert_int_equal(cursor_docid(&c), l.docs[k]);
                assert_int_equal(cursor_freq(&c), l.freqs[k]);
                cursor_next(&c);
            }
            expect_end(&c, QUARRY_OK);
            cursor_free(&c);
            if (extra == 0) { /* tf == length: positions 0 .. len - 1 */
                assert_int_equal(walk_next(fx.ix, &a.ti, 1, &n), QUARRY_OK);
                cursor_init(&c, &fx.ix->segs[0], &a.ti);
                cursor_next_geq(&c, d);
                const uint32_t *p = NULL;
                assert_int_equal(cursor_positions(&c, &p), len);
                for (uint32_t k = 0; k < len; k++)
                    assert_int_equal(p[k], k);
                cursor_free(&c);
            } else {
                assert_int_equal(walk_next(fx.ix, &a.ti, 1, &n), QUARRY_ECORRUPT);
                assert_int_equal(n, i / BLOCK * BLOCK); /* no document of that block */
                /* Asked for another document of the same block (the tail has only one). */
                uint32_t first = i / BLOCK * BLOCK;
                if (first + 1 < t->df) {
                    uint32_t other = i == first ? i + 1 : i - 1;
                    cursor_init(&c, &fx.ix->segs[0], &a.ti);
                    cursor_next_geq(&c, t->docs[other]);
                    assert_int_equal(cursor_docid(&c), t->docs[other]);
                    const uint32_t *p = NULL;
                    assert_int_equal(cursor_positions(&c, &p), 0);
                    expect_end(&c, QUARRY_ECORRUPT);
                    cursor_free(&c);
                }
                /* Asked only in other blocks: fine. */
                cursor_init(&c, &fx.ix->segs[0], &a.ti);
                for (uint32_t k = 0; k < t->df; k++) {
                    if (k / BLOCK != i / BLOCK)
                        expect_at(&c, t, k, k % 5 == 0);
                    cursor_next(&c);
                }
                expect_end(&c, QUARRY_OK);
                cursor_free(&c);
            }
            area_free(&a);
            plist_free(&l);
        }
    }
}

/* A frequency of 0 (stored tf - 1 = UINT32_MAX in a block's patched frequencies, tf - 2 =
 * UINT32_MAX - 1 in the tail). */
static void test_freq_zero(void **state)
{
    (void)state;
    const rterm *t = &fx.terms[T_257];
    uint32_t victims[] = {0, 77, BLOCK + 127, 2 * BLOCK};
    for (size_t v = 0; v < sizeof victims / sizeof victims[0]; v++) {
        plist l = plist_of(t, victims[v], 0);
        area a = encode_v1(&l, 1);
        uint32_t n;
        assert_int_equal(walk_next(fx.ix, &a.ti, 0, &n), QUARRY_ECORRUPT);
        assert_int_equal(n, victims[v] / BLOCK * BLOCK);
        walk_geq(fx.ix, &a.ti, v);
        area_free(&a);
        plist_free(&l);
    }
}

/* Crafted lists over the real index (NDOCS documents): docids that wrap around 2^32 inside a
 * wide block, docids reaching ndocs in a block or in the tail, a tail gap wrapping 32 bits. */
static void test_bad_docids(void **state)
{
    (void)state;
    /* 130 postings: a full block and a tail of 2. */
    plist l = plist_alloc(130, 130);
    for (uint32_t i = 0; i < 130; i++) {
        l.docs[i] = 10 + 3 * i;
        l.freqs[i] = 1;
    }
    area a = encode_v1(&l, 1);
    assert_int_equal(walk_next(fx.ix, &a.ti, 0, NULL), QUARRY_OK); /* lengths may be 0 */
    area_free(&a);

    /* Block: 10, then 6 (a gap of 2^32 - 5), 7, 8, ..., ending on a valid, larger last_doc:
     * only the explicit scan of wide blocks catches it. */
    plist w = plist_alloc(130, 130);
    memcpy(w.freqs, l.freqs, 130 * sizeof(uint32_t));
    w.docs[0] = 10;
    for (uint32_t i = 1; i < 130; i++)
        w.docs[i] = 5 + i;
    a = encode_v1(&w, 0);
    assert_int_equal(a.post[load_u32le(a.post + SK_BLOCK(0))], 32);
    assert_int_equal(load_u32le(a.post + SK_LAST(0)), 132);
    expect_corrupt(&a.ti, 0, "wrapping block", 0);
    area_free(&a);
    /* The same wrap between the two first docids of a second block. */
    plist w2 = plist_alloc(256, 256);
    for (uint32_t i = 0; i < 256; i++) {
        w2.docs[i] = 2 * i;
        w2.freqs[i] = 1;
    }
    w2.docs[128] = 300; /* then 255, 257, ...: one wrapped gap */
    for (uint32_t i = 129; i < 256; i++)
        w2.docs[i] = 255 + 2 * (i - 129);
    a = encode_v1(&w2, 0);
    expect_corrupt(&a.ti, 0, "wrapping second block", 1);
    area_free(&a);
    plist_free(&w2);

    /* A block whose last docid is ndocs. */
    memcpy(w.docs, l.docs, 130 * sizeof(uint32_t));
    w.docs[127] = NDOCS;
    w.docs[128] = NDOCS + 1;
    w.docs[129] = NDOCS + 2;
    a = encode_v1(&w, 0);
    expect_corrupt(&a.ti, 0, "block docid ndocs", 2);
    area_free(&a);
    /* Tail docids reaching ndocs: the last, or both. */
    for (int k = 0; k < 2; k++) {
        memcpy(w.docs, l.docs, 130 * sizeof(uint32_t));
        w.docs[128] = k ? NDOCS : NDOCS - 1;
        w.docs[129] = k ? NDOCS + 1 : NDOCS;
        a = encode_v1(&w, 0);
        uint32_t n;
        assert_int_equal(walk_next(fx.ix, &a.ti, 0, &n), QUARRY_ECORRUPT);
        assert_int_equal(n, BLOCK); /* the tail is rejected as a whole */
        area_free(&a);
    }
    /* A tail gap that wraps 32 bits: 12 + 3 * 127 = 391, then + 1 + (2^32 - 100) = 292. */
    memcpy(w.docs, l.docs, 130 * sizeof(uint32_t));
    w.docs[128] = 292;
    w.docs[129] = 293;
    a = encode_v1(&w, 0);
    expect_corrupt(&a.ti, 0, "wrapping tail gap", 3);
    area_free(&a);
    /* A first posting (tail only) at docid ndocs, and one far beyond. */
    plist one = plist_alloc(1, 1);
    one.freqs[0] = 1;
    uint32_t firsts[] = {NDOCS, NDOCS + 1, UINT32_MAX - 1, UINT32_MAX};
    for (size_t f = 0; f < 4; f++) {
        one.docs[0] = firsts[f];
        a = encode_v1(&one, 0);
        expect_corrupt(&a.ti, 0, "first docid", (long)f);
        area_free(&a);
    }
    plist_free(&one);
    plist_free(&w);
    plist_free(&l);
}

/* Gaps of 2^25 and more are legitimate in a segment of that many documents: the wide-block
 * scan accepts them (a copy of the index struct with a large document count; positions are
 * not asked, as there are no lengths for such documents). */
static void test_wide_gaps(void **state)
{
    (void)state;
    segment big = fx.ix->segs[0];
    big.ndocs = UINT32_MAX - 1;
    plist l = plist_alloc(258, 258 * 7);
    l.ngaps = 0;
    uint32_t d = 0;
    for (uint32_t i = 0; i < 258; i++) {
        l.docs[i] = d;
        l.freqs[i] = 1 + i % 7;
        l.ngaps += l.freqs[i];
        d += i == 0 ? 0x80000005u : i % 2 ? 1 + (1u << 20) : 3;
    }
    /* Block 0: a gap above 2^31 (width 32); block 1: width 21; the tail: 2 postings. */
    l.docs[256] = l.docs[255] + 0x30000000u;
    l.docs[257] = UINT32_MAX - 2;
    {
        area a = encode_v1(&l, 0);
        assert_int_equal(a.post[load_u32le(a.post + SK_BLOCK(0))], 32);
        cursor c;
        cursor_init(&c, &big, &a.ti);
        for (uint32_t i = 0; i < l.df; i++) {
            assert_int_equal(cursor_docid(&c), l.docs[i]);
            assert_int_equal(cursor_freq(&c), l.freqs[i]);
            cursor_next(&c);
        }
        expect_end(&c, QUARRY_OK);
        cursor_free(&c);
        cursor_init(&c, &big, &a.ti);
        cursor_next_geq(&c, l.docs[200] - 1);
        assert_int_equal(cursor_docid(&c), l.docs[200]);
        cursor_next_geq(&c, l.docs[256]);
        assert_int_equal(cursor_docid(&c), l.docs[256]);
        cursor_next_geq(&c, UINT32_MAX - 2);
        assert_int_equal(cursor_docid(&c), UINT32_MAX - 2);
        cursor_next(&c);
        expect_end(&c, QUARRY_OK);
        cursor_free(&c);
        area_free(&a);
    }
    plist_free(&l);
}

/* Positions up to and beyond 2^32 - 1, in a tail chunk's packed groups and its vbytes. */
static void test_position_overflow(void **state)
{
    (void)state;
    const rterm *t = &fx.terms[T_129];
    /* The tail posting (tf 300, the last 300 gaps; 2 groups of 128 then 44 vbytes): all gaps
     * 0 but the r-th, G. Its last position is then 299 + G. */
    static const struct {
        uint32_t r, g;
    } cases[] = {
        {5, UINT32_MAX - 299},   {5, UINT32_MAX - 298},   {0, UINT32_MAX},
        {290, UINT32_MAX - 299}, {290, UINT32_MAX - 298}, {299, UINT32_MAX - 299},
        {299, UINT32_MAX - 298}, {299, UINT32_MAX},       {130, UINT32_MAX / 2 + 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        plist l = plist_of(t, UINT32_MAX, 0);
        size_t first = l.ngaps - 300;
        for (size_t g = first; g < l.ngaps; g++)
            l.gaps[g] = 0;
        l.gaps[first + cases[k].r] = cases[k].g;
        area a = encode_v1(&l, 1);
        cursor c;
        cursor_init(&c, &fx.ix->segs[0], &a.ti);
        cursor_next_geq(&c, t->docs[128]);
        expect_at(&c, t, 128, 0);
        const uint32_t *p = NULL;
        uint32_t n = cursor_positions(&c, &p);
        uint64_t last = 299 + (uint64_t)cases[k].g;
        if (last <= UINT32_MAX) {
            assert_int_equal(n, 300);
            assert_int_equal(c.rc, QUARRY_OK);
            assert_int_equal(p[cases[k].r], cases[k].r + cases[k].g);
            assert_int_equal(p[299], (uint32_t)last);
        } else {
            if (n != 0 || c.rc != QUARRY_ECORRUPT)
                fail_msg("case %zu: last position %llu accepted", k, (unsigned long long)last);
            expect_end(&c, QUARRY_ECORRUPT);
        }
        cursor_free(&c);
        area_free(&a);
        plist_free(&l);
    }
}

/*
 * Tails of every length 1..127 (and lists of 128..300: a full block plus every tail): an index
 * of 300 documents in which term a<k> occurs once in each of documents 0..k-1, at position
 * k - d of document d. Every list is walked with next, with positions, and with next_geq.
 */
static void test_every_tail_length(void **state)
{
    (void)state;
    enum { N = 300 };
    char tmpl[] = "/tmp/quarry-tails-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.language = "none";
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, tmpl, &o), QUARRY_OK);
    buf text = BUF_INIT;
    for (unsigned d = 0; d < N; d++) {
        char id[16], word[16];
        text.len = 0;
        for (unsigned k = d + 1; k <= N; k++) {
            int n = snprintf(word, sizeof word, "a%u ", k);
            buf_append(&text, word, (size_t)n);
        }
        snprintf(id, sizeof id, "d%u", d);
        quarry_document doc = {id, strlen(id), NULL, 0, (const char *)text.data, text.len};
        assert_int_equal(quarry_writer_add(w, &doc), QUARRY_OK);
    }
    assert_int_equal(quarry_writer_commit(w), QUARRY_OK);
    quarry_writer_free(w);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, tmpl), QUARRY_OK);
    char err[ERRMSG_CAP];
    for (unsigned k = 1; k <= N; k++) {
        char word[16];
        int n = snprintf(word, sizeof word, "a%u", k);
        term_info ti;
        assert_int_equal(segment_lookup(&ix->segs[0], word, (size_t)n, &ti, err, sizeof err), 1);
        assert_int_equal(ti.df, k);
        cursor c;
        cursor_init(&c, &ix->segs[0], &ti);
        for (unsigned d = 0; d < k; d++) {
            assert_int_equal(cursor_docid(&c), d);
            assert_int_equal(cursor_freq(&c), 1);
            const uint32_t *pos;
            assert_int_equal(cursor_positions(&c, &pos), 1);
            assert_int_equal(pos[0], k - d);
            cursor_next(&c);
        }
        assert_int_equal(cursor_docid(&c), CURSOR_END);
        assert_int_equal(c.rc, QUARRY_OK);
        cursor_free(&c);
        /* next_geq straight to the last document, and past it. */
        cursor_init(&c, &ix->segs[0], &ti);
        cursor_next_geq(&c, k - 1);
        assert_int_equal(cursor_docid(&c), k - 1);
        cursor_next_geq(&c, k);
        assert_int_equal(cursor_docid(&c), CURSOR_END);
        assert_int_equal(c.rc, QUARRY_OK);
        cursor_free(&c);
    }
    quarry_index_close(ix);
    buf_free(&text);
    testutil_rm_rf(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_term_info),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_next_all),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_next_geq),
        cmocka_unit_test(test_lazy_positions),
        cmocka_unit_test(test_random_ops),
        cmocka_unit_test(test_copies_intact),
        cmocka_unit_test(test_skip_last_doc),
        cmocka_unit_test(test_tail_base_beyond_ndocs),
        cmocka_unit_test(test_block_off),
        cmocka_unit_test(test_tail_off),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_extra_bytes),
        cmocka_unit_test(test_position_offsets),
        cmocka_unit_test(test_freq_beyond_length),
        cmocka_unit_test(test_freq_zero),
        cmocka_unit_test(test_bad_docids),
        cmocka_unit_test(test_wide_gaps),
        cmocka_unit_test(test_position_overflow),
        cmocka_unit_test(test_every_tail_length),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
