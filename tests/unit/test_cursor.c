/*
 * test_cursor.c: posting cursors (searcher/internal.h, cursor_*) over postings encoded here, in
 * memory, exactly as common/format.h specifies: .post holds df pairs (vbyte docid gap,
 * vbyte tf - 1) with docid = previous + 1 + gap, and .pos holds per posting tf vbytes
 * (position - previous - 1), "previous" starting at -1 each time.
 *
 * Covered: next, next_geq (to the current document, between documents, to an exact document,
 * past the end, to CURSOR_END), lazy positions after skipping documents, the END sentinel, an
 * empty list; corruption (docid >= ndocs, truncated postings at every length, bytes after the
 * df-th posting, truncated positions at every length, tf and position overflow), each of
 * which must give rc == QUARRY_ECORRUPT with the cursor at CURSOR_END; and random lists walked
 * by random operations against a reference array.
 *
 * Streams are handed to the cursor in heap blocks of exactly their size, so a sanitizer build
 * catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/vbyte.h"
#include "quarry/error.h"
#include "searcher/internal.h"

/* ===== helpers ============================================================================ */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed ? seed : 1;
}

/* xorshift64*: deterministic. */
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

/* One term's postings as plain arrays: the reference the cursor is checked against. */
typedef struct plist {
    uint32_t df;    /* documents */
    uint32_t *docs; /* increasing docids */
    uint32_t *tfs;  /* frequencies, >= 1 */
    uint32_t **pos; /* pos[i]: tfs[i] increasing positions */
} plist;

/* Encoded streams, each in a heap block of exactly its length. */
typedef struct encoded {
    uint8_t *post;   /* (gap, tf - 1) pairs */
    size_t post_len; /* bytes */
    uint8_t *pos;    /* position gaps */
    size_t pos_len;  /* bytes */
} encoded;

static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* Encodes l per format.h. */
static void encode(encoded *e, const plist *l)
{
    buf post = BUF_INIT, pos = BUF_INIT;
    int64_t prev = -1;
    for (uint32_t i = 0; i < l->df; i++) {
        buf_put_vbyte(&post, (uint64_t)((int64_t)l->docs[i] - prev - 1));
        buf_put_vbyte(&post, l->tfs[i] - 1);
        prev = l->docs[i];
        int64_t pp = -1;
        for (uint32_t j = 0; j < l->tfs[i]; j++) {
            buf_put_vbyte(&pos, (uint64_t)((int64_t)l->pos[i][j] - pp - 1));
            pp = l->pos[i][j];
        }
    }
    assert_int_equal(post.rc, QUARRY_OK);
    assert_int_equal(pos.rc, QUARRY_OK);
    e->post = exact_copy(post.data, post.len);
    e->post_len = post.len;
    e->pos = exact_copy(pos.data, pos.len);
    e->pos_len = pos.len;
    buf_free(&post);
    buf_free(&pos);
}

static void encoded_free(encoded *e)
{
    free(e->post);
    free(e->pos);
}

static term_info info_of(const encoded *e, uint32_t df)
{
    term_info ti = {df, 0, e->post, e->post_len, e->pos, e->pos_len};
    return ti;
}

/* A plist from docs[]/tfs[] with positions 3*k + doc % 3 (distinct and increasing). */
static plist make_plist(const uint32_t *docs, const uint32_t *tfs, uint32_t df)
{
    plist l = {df, malloc((df ? df : 1) * sizeof(uint32_t)),
               malloc((df ? df : 1) * sizeof(uint32_t)),
               malloc((df ? df : 1) * sizeof(uint32_t *))};
    assert_true(l.docs && l.tfs && l.pos);
    for (uint32_t i = 0; i < df; i++) {
        l.docs[i] = docs[i];
        l.tfs[i] = tfs[i];
        l.pos[i] = malloc(tfs[i] * sizeof(uint32_t));
        assert_non_null(l.pos[i]);
        for (uint32_t j = 0; j < tfs[i]; j++)
            l.pos[i][j] = 3 * j + docs[i] % 3;
    }
    return l;
}

static void plist_free(plist *l)
{
    for (uint32_t i = 0; i < l->df; i++)
        free(l->pos[i]);
    free(l->docs);
    free(l->tfs);
    free(l->pos);
}

/* Asserts the cursor is on posting i of l, with the right positions if `check_pos`. */
static void expect_at(cursor *c, const plist *l, uint32_t i, int check_pos)
{
    assert_int_equal(c->rc, QUARRY_OK);
    assert_int_equal(cursor_docid(c), l->docs[i]);
    assert_int_equal(cursor_freq(c), l->tfs[i]);
    if (check_pos) {
        const uint32_t *p = NULL;
        assert_int_equal(cursor_positions(c, &p), l->tfs[i]);
        assert_non_null(p);
        assert_memory_equal(p, l->pos[i], l->tfs[i] * sizeof(uint32_t));
    }
}

static void expect_end(cursor *c, int rc)
{
    assert_int_equal(cursor_docid(c), CURSOR_END);
    assert_int_equal(c->rc, rc);
    const uint32_t *p = NULL;
    assert_int_equal(cursor_positions(c, &p), 0);
    /* END is sticky. */
    cursor_next(c);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    cursor_next_geq(c, 0);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    cursor_next_geq(c, CURSOR_END);
    assert_int_equal(cursor_docid(c), CURSOR_END);
    assert_int_equal(c->rc, rc);
}

/* The list used by most tests: 5 documents out of 20, first at 0 and last at 19. */
static const uint32_t small_docs[] = {0, 3, 4, 10, 19};
static const uint32_t small_tfs[] = {1, 2, 1, 4, 3};
#define SMALL_DF    5
#define SMALL_NDOCS 20

/* ===== iteration ========================================================================== */

static void test_next(void **state)
{
    (void)state;
    plist l = make_plist(small_docs, small_tfs, SMALL_DF);
    encoded e;
    encode(&e, &l);
    /* Hand check of the encoding: gaps 0 2 0 5 8, tf - 1 = 0 1 0 3 2. */
    static const uint8_t want_post[] = {0, 0, 2, 1, 0, 0, 5, 3, 8, 2};
    assert_int_equal(e.post_len, sizeof want_post);
    assert_memory_equal(e.post, want_post, sizeof want_post);

    term_info ti = info_of(&e, SMALL_DF);
    for (int with_pos = 0; with_pos < 2; with_pos++) {
        cursor c;
        cursor_init(&c, &ti, SMALL_NDOCS);
        for (uint32_t i = 0; i < SMALL_DF; i++) {
            expect_at(&c, &l, i, with_pos);
            cursor_next(&c);
        }
        expect_end(&c, QUARRY_OK);
        cursor_free(&c);
    }
    encoded_free(&e);
    plist_free(&l);
}

static void test_empty(void **state)
{
    (void)state;
    term_info ti = {0, 0, NULL, 0, NULL, 0};
    cursor c;
    cursor_init(&c, &ti, 10);
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);
    cursor_free(&c); /* twice is harmless */
}

static void test_next_geq(void **state)
{
    (void)state;
    plist l = make_plist(small_docs, small_tfs, SMALL_DF);
    encoded e;
    encode(&e, &l);
    term_info ti = info_of(&e, SMALL_DF);
    cursor c;
    cursor_init(&c, &ti, SMALL_NDOCS);

    cursor_next_geq(&c, 0); /* to the current document: stays */
    expect_at(&c, &l, 0, 0);
    cursor_next_geq(&c, 3); /* exact */
    expect_at(&c, &l, 1, 0);
    cursor_next_geq(&c, 3); /* current again */
    expect_at(&c, &l, 1, 0);
    cursor_next_geq(&c, 1); /* backwards: stays */
    expect_at(&c, &l, 1, 0);
    cursor_next_geq(&c, 5); /* between 4 and 10 */
    expect_at(&c, &l, 3, 1);
    cursor_next_geq(&c, 19); /* exact, the last document of the segment */
    expect_at(&c, &l, 4, 1);
    cursor_next_geq(&c, 20); /* past the end */
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);

    /* Straight to END, and past the last posting from the start. */
    cursor_init(&c, &ti, SMALL_NDOCS);
    cursor_next_geq(&c, CURSOR_END);
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);
    cursor_init(&c, &ti, SMALL_NDOCS);
    cursor_next_geq(&c, 11);
    expect_at(&c, &l, 4, 1);
    cursor_free(&c);

    encoded_free(&e);
    plist_free(&l);
}

static void test_lazy_positions(void **state)
{
    (void)state;
    plist l = make_plist(small_docs, small_tfs, SMALL_DF);
    encoded e;
    encode(&e, &l);
    term_info ti = info_of(&e, SMALL_DF);
    cursor c;

    /* Skip three documents without reading positions, then read: the skipped ones' positions
     * (1 + 2 + 1) must be passed over. */
    cursor_init(&c, &ti, SMALL_NDOCS);
    cursor_next_geq(&c, 10);
    expect_at(&c, &l, 3, 1);
    /* Asked twice: the same answer. */
    expect_at(&c, &l, 3, 1);
    cursor_next(&c);
    expect_at(&c, &l, 4, 1);
    cursor_free(&c);

    /* Read, skip, read, skip two, read. */
    cursor_init(&c, &ti, SMALL_NDOCS);
    expect_at(&c, &l, 0, 1);
    cursor_next(&c);
    cursor_next(&c);
    expect_at(&c, &l, 2, 1);
    cursor_next(&c);
    cursor_next(&c);
    expect_at(&c, &l, 4, 1);
    cursor_next(&c);
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);

    /* A cursor that never reads positions never touches the positions stream. */
    term_info nopos = ti;
    nopos.pos = NULL;
    nopos.pos_len = 0;
    cursor_init(&c, &nopos, SMALL_NDOCS);
    for (uint32_t i = 0; i < SMALL_DF; i++) {
        expect_at(&c, &l, i, 0);
        cursor_next(&c);
    }
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);

    encoded_free(&e);
    plist_free(&l);
}

/* Large gaps and frequencies: multi-byte varints everywhere, positions near UINT32_MAX. */
static void test_wide_values(void **state)
{
    (void)state;
    uint32_t docs[] = {70000, 70001, 3000000, UINT32_MAX - 2};
    uint32_t tfs[] = {300, 1, 2, 1};
    plist l = make_plist(docs, tfs, 4);
    l.pos[2][0] = 5;
    l.pos[2][1] = UINT32_MAX; /* the largest position */
    l.pos[3][0] = UINT32_MAX - 1;
    encoded e;
    encode(&e, &l);
    term_info ti = info_of(&e, 4);
    cursor c;
    cursor_init(&c, &ti, UINT32_MAX - 1); /* docids 0 .. UINT32_MAX - 2 */
    for (uint32_t i = 0; i < 4; i++) {
        expect_at(&c, &l, i, 1);
        cursor_next(&c);
    }
    expect_end(&c, QUARRY_OK);
    cursor_free(&c);
    encoded_free(&e);
    plist_free(&l);
}

/* ===== corruption ========================================================================= */

/* Walks c to the end reading positions when `with_pos`; returns the documents visited. */
static uint32_t walk(cursor *c, int with_pos)
{
    uint32_t n = 0;
    while (cursor_docid(c) != CURSOR_END) {
        assert_true(n < 1000000);
        if (with_pos) {
            const uint32_t *p;
            cursor_positions(c, &p);
        }
        if (cursor_docid(c) == CURSOR_END)
            break;
        n++;
        cursor_next(c);
    }
    return n;
}

/* Runs a cursor over raw post / pos bytes (copied to exact-size blocks) and walks it. */
static int run_raw(const uint8_t *post, size_t post_len, const uint8_t *pos, size_t pos_len,
                   uint32_t df, uint32_t ndocs, int with_pos, uint32_t *visited)
{
    encoded e = {exact_copy(post, post_len), post_len, exact_copy(pos, pos_len), pos_len};
    term_info ti = info_of(&e, df);
    cursor c;
    cursor_init(&c, &ti, ndocs);
    uint32_t n = walk(&c, with_pos);
    if (visited)
        *visited = n;
    int rc = c.rc;
    assert_int_equal(cursor_docid(&c), CURSOR_END);
    cursor_free(&c);
    encoded_free(&e);
    return rc;
}

static void test_docid_out_of_range(void **state)
{
    (void)state;
    uint32_t n;
    /* First posting: docid = gap must be < ndocs. */
    uint8_t first[] = {5, 0};
    assert_int_equal(run_raw(first, 2, NULL, 0, 1, 6, 0, &n), QUARRY_OK);
    assert_int_equal(n, 1);
    assert_int_equal(run_raw(first, 2, NULL, 0, 1, 5, 0, &n), QUARRY_ECORRUPT);
    assert_int_equal(n, 0);
    assert_int_equal(run_raw(first, 2, NULL, 0, 1, 0, 0, &n), QUARRY_ECORRUPT);

    /* A later posting: 2, then 2 + 1 + 6 = 9, which must be < ndocs. */
    uint8_t later[] = {2, 0, 6, 0};
    assert_int_equal(run_raw(later, 4, NULL, 0, 2, 10, 0, &n), QUARRY_OK);
    assert_int_equal(n, 2);
    assert_int_equal(run_raw(later, 4, NULL, 0, 2, 9, 0, &n), QUARRY_ECORRUPT);
    assert_int_equal(n, 1); /* the first posting was fine */

    /* A gap that wraps 32 bits: 2 + 1 + (2^32 - 2) = 2^32 + 1 -> 1, which must not be read as
     * a (smaller) valid docid. */
    uint8_t wrap[16] = {2, 0};
    size_t len = 2 + vbyte_put(wrap + 2, (uint64_t)UINT32_MAX - 1);
    wrap[len++] = 0;
    assert_int_equal(run_raw(wrap, len, NULL, 0, 2, 100, 0, &n), QUARRY_ECORRUPT);
    assert_int_equal(n, 1);
    /* A 64-bit gap. */
    len = 2 + vbyte_put(wrap + 2, UINT64_MAX);
    wrap[len++] = 0;
    assert_int_equal(run_raw(wrap, len, NULL, 0, 2, 100, 0, &n), QUARRY_ECORRUPT);
}

static void test_tf_overflow(void **state)
{
    (void)state;
    uint8_t post[16] = {0};
    /* tf - 1 = UINT32_MAX - 1 gives tf = UINT32_MAX: representable. */
    size_t len = 1 + vbyte_put(post + 1, UINT32_MAX - 1);
    encoded e = {exact_copy(post, len), len, exact_copy(post, 0), 0};
    term_info ti = info_of(&e, 1);
    cursor c;
    cursor_init(&c, &ti, 1);
    assert_int_equal(c.rc, QUARRY_OK);
    assert_int_equal(cursor_freq(&c), UINT32_MAX);
    cursor_free(&c);
    encoded_free(&e);
    /* tf - 1 = UINT32_MAX would overflow tf. */
    len = 1 + vbyte_put(post + 1, UINT32_MAX);
    assert_int_equal(run_raw(post, len, NULL, 0, 1, 1, 0, NULL), QUARRY_ECORRUPT);
    /* The same in a later posting. */
    post[0] = 0;
    post[1] = 0;
    post[2] = 0;
    len = 3 + vbyte_put(post + 3, (uint64_t)1 << 40);
    uint32_t n;
    assert_int_equal(run_raw(post, len, NULL, 0, 2, 5, 0, &n), QUARRY_ECORRUPT);
    assert_int_equal(n, 1);
}

static void test_truncated_postings(void **state)
{
    (void)state;
    uint32_t docs[] = {1, 200, 70000, 70001};
    uint32_t tfs[] = {1, 200, 3, 1};
    plist l = make_plist(docs, tfs, 4);
    encoded e;
    encode(&e, &l);
    /* Every strict prefix of the postings is missing (part of) a posting. */
    for (size_t cut = 0; cut < e.post_len; cut++)
        for (int with_pos = 0; with_pos < 2; with_pos++)
            if (run_raw(e.post, cut, e.pos, e.pos_len, 4, 100000, with_pos, NULL) !=
                QUARRY_ECORRUPT)
                fail_msg("postings cut to %zu of %zu bytes are accepted", cut, e.post_len);
    /* The whole stream but a df one too large: also missing a posting. */
    assert_int_equal(run_raw(e.post, e.post_len, e.pos, e.pos_len, 5, 100000, 0, NULL),
                     QUARRY_ECORRUPT);
    assert_int_equal(run_raw(e.post, e.post_len, e.pos, e.pos_len, 4, 100000, 1, NULL), QUARRY_OK);
    encoded_free(&e);
    plist_free(&l);
}

static void test_extra_postings_bytes(void **state)
{
    (void)state;
    plist l = make_plist(small_docs, small_tfs, SMALL_DF);
    encoded e;
    encode(&e, &l);
    uint8_t *more = malloc(e.post_len + 2);
    assert_non_null(more);
    memcpy(more, e.post, e.post_len);
    more[e.post_len] = 0;
    more[e.post_len + 1] = 0;
    uint32_t n;
    /* One or two stray bytes after the df-th posting; or df one too small. */
    assert_int_equal(run_raw(more, e.post_len + 1, e.pos, e.pos_len, SMALL_DF, 30, 0, &n),
                     QUARRY_ECORRUPT);
    assert_int_equal(n, SMALL_DF);
    assert_int_equal(run_raw(more, e.post_len + 2, e.pos, e.pos_len, SMALL_DF, 30, 1, &n),
                     QUARRY_ECORRUPT);
    assert_int_equal(run_raw(e.post, e.post_len, e.pos, e.pos_len, SMALL_DF - 1, 30, 0, &n),
                     QUARRY_ECORRUPT);
    assert_int_equal(n, SMALL_DF - 1);
    /* A single posting with a stray byte. */
    uint8_t one[] = {4, 0, 0};
    assert_int_equal(run_raw(one, 3, NULL, 0, 1, 10, 0, &n), QUARRY_ECORRUPT);
    free(more);
    encoded_free(&e);
    plist_free(&l);
}

static void test_truncated_positions(void **state)
{
    (void)state;
    uint32_t docs[] = {0, 7, 8, 40};
    uint32_t tfs[] = {3, 40, 1, 2};
    plist l = make_plist(docs, tfs, 4);
    l.pos[1][39] = 100000; /* a multi-byte gap */
    encoded e;
    encode(&e, &l);
    for (size_t cut = 0; cut < e.pos_len; cut++) {
        /* Reading every document's positions. */
        uint32_t n;
        if (run_raw(e.post, e.post_len, e.pos, cut, 4, 50, 1, &n) != QUARRY_ECORRUPT)
            fail_msg("positions cut to %zu of %zu bytes are accepted", cut, e.pos_len);
        assert_true(n < 4);
        /* Skipping to the last document first, which must pass over the others'. */
        encoded t = {exact_copy(e.post, e.post_len), e.post_len, exact_copy(e.pos, cut), cut};
        term_info ti = info_of(&t, 4);
        cursor c;
        cursor_init(&c, &ti, 50);
        cursor_next_geq(&c, 40);
        assert_int_equal(cursor_docid(&c), 40);
        const uint32_t *p = NULL;
        assert_int_equal(cursor_positions(&c, &p), 0);
        assert_int_equal(c.rc, QUARRY_ECORRUPT);
        assert_int_equal(cursor_docid(&c), CURSOR_END);
        cursor_free(&c);
        encoded_free(&t);
    }
    encoded_free(&e);
    plist_free(&l);
}

/* Positions beyond UINT32_MAX, or a bad varint, in the positions stream. */
static void test_position_overflow(void **state)
{
    (void)state;
    uint8_t post[] = {0, 1}; /* doc 0, tf 2 */
    uint8_t pos[24];
    const uint32_t *p = NULL;
    struct {
        uint64_t g1, g2; /* the two gaps */
        int ok;          /* expected to decode */
    } cases[] = {
        {UINT32_MAX - 1, 0, 1},      /* positions UINT32_MAX - 1, UINT32_MAX */
        {UINT32_MAX, 0, 0},          /* second position would be 2^32 */
        {UINT32_MAX, UINT32_MAX, 0}, /* 2^33 - 1 */
        {0, UINT32_MAX, 0},          /* 0, then 2^32 */
        {(uint64_t)1 << 32, 0, 0},   /* first position 2^32 */
        {UINT64_MAX, 0, 0},          /* 64-bit gap */
        {UINT64_MAX - 5, 10, 0},     /* wraps to a small value in 64 bits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = vbyte_put(pos, cases[i].g1);
        len += vbyte_put(pos + len, cases[i].g2);
        encoded e = {exact_copy(post, sizeof post), sizeof post, exact_copy(pos, len), len};
        term_info ti = info_of(&e, 1);
        cursor c;
        cursor_init(&c, &ti, 1);
        uint32_t n = cursor_positions(&c, &p);
        if (cases[i].ok) {
            assert_int_equal(n, 2);
            assert_int_equal(p[0], UINT32_MAX - 1);
            assert_int_equal(p[1], UINT32_MAX);
            assert_int_equal(c.rc, QUARRY_OK);
        } else {
            if (n != 0 || c.rc != QUARRY_ECORRUPT)
                fail_msg("case %zu: gaps %llu %llu decode to %u positions (rc %d)", i,
                         (unsigned long long)cases[i].g1, (unsigned long long)cases[i].g2, n, c.rc);
            assert_int_equal(cursor_docid(&c), CURSOR_END);
        }
        cursor_free(&c);
        encoded_free(&e);
    }
    /* An 11-byte varint in the positions. */
    memset(pos, 0x80, 10);
    pos[10] = 0;
    encoded e = {exact_copy(post, sizeof post), sizeof post, exact_copy(pos, 11), 11};
    term_info ti = info_of(&e, 1);
    cursor c;
    cursor_init(&c, &ti, 1);
    assert_int_equal(cursor_positions(&c, &p), 0);
    assert_int_equal(c.rc, QUARRY_ECORRUPT);
    assert_int_equal(cursor_docid(&c), CURSOR_END);
    cursor_free(&c);
    encoded_free(&e);
}

/* ===== random lists against a reference ================================================== */

static void test_random(void **state)
{
    (void)state;
    rng_seed(20240611);
    for (int round = 0; round < 200; round++) {
        uint32_t ndocs = 1 + rng_below(round < 100 ? 64 : 20000);
        uint32_t df = 1 + rng_below(ndocs);
        /* df distinct docids: a random subset, sorted (selection sampling). */
        uint32_t *docs = malloc(df * sizeof *docs), *tfs = malloc(df * sizeof *tfs);
        assert_true(docs && tfs);
        uint32_t got = 0;
        for (uint32_t d = 0; d < ndocs && got < df; d++)
            if (rng_below(ndocs - d) < df - got)
                docs[got++] = d;
        assert_int_equal(got, df);
        for (uint32_t i = 0; i < df; i++)
            tfs[i] = rng_below(8) == 0 ? 1 + rng_below(300) : 1 + rng_below(4);
        plist l = make_plist(docs, tfs, df);
        for (uint32_t i = 0; i < df; i++) { /* random increasing positions */
            uint32_t p = rng_below(5);
            for (uint32_t j = 0; j < tfs[i]; j++) {
                l.pos[i][j] = p;
                p += 1 + (rng_below(10) == 0 ? rng_below(100000) : rng_below(20));
            }
        }
        encoded e;
        encode(&e, &l);
        term_info ti = info_of(&e, df);
        cursor c;
        cursor_init(&c, &ti, ndocs);
        uint32_t i = 0; /* index of the reference posting the cursor must be on */
        while (i < df) {
            expect_at(&c, &l, i, 0);
            switch (rng_below(4)) {
            case 0:
                cursor_next(&c);
                i++;
                break;
            case 1: { /* a target anywhere ahead (or behind), or beyond the last document */
                uint32_t target = rng_below(ndocs + 2);
                cursor_next_geq(&c, target);
                while (i < df && l.docs[i] < target)
                    i++;
                break;
            }
            case 2: { /* a short hop */
                uint32_t target = l.docs[i] + 1 + rng_below(3);
                cursor_next_geq(&c, target);
                while (i < df && l.docs[i] < target)
                    i++;
                break;
            }
            default:
                expect_at(&c, &l, i, 1);
                break;
            }
        }
        expect_end(&c, QUARRY_OK);
        cursor_free(&c);
        encoded_free(&e);
        plist_free(&l);
        free(docs);
        free(tfs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_next_geq),
        cmocka_unit_test(test_lazy_positions),
        cmocka_unit_test(test_wide_values),
        cmocka_unit_test(test_docid_out_of_range),
        cmocka_unit_test(test_tf_overflow),
        cmocka_unit_test(test_truncated_postings),
        cmocka_unit_test(test_extra_postings_bytes),
        cmocka_unit_test(test_truncated_positions),
        cmocka_unit_test(test_position_overflow),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
