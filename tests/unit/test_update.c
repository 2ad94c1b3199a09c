/*
 * test_update.c: append mode and deletions (quarry/writer.h, "Updates"), through the public
 * API, each test in a fresh temporary folder.
 *
 * - Upserts and deletions: an index of 100 documents, then an append commit that adds new
 *   versions of 20 of them, 20 new documents, deletes 5 old ones and one it added itself, and
 *   adds one id twice; each live id is then found exactly once with its newest text, deleted
 *   ones never, old texts never; counting searches and the index's counts exclude deleted
 *   documents; the deep verification passes. On 1 and on 3 threads.
 * - Later commits: a segment whose deletions do not change keeps its deletion file; one whose
 *   deletions change gets a new one and the old file is removed.
 * - Upserts of documents the same writer already flushed into a segment (a budget that makes
 *   a segment per document), on 1 and 3 threads, and in create mode deletions of documents
 *   added before.
 * - quarry_writer_delete of an unknown or already deleted id is QUARRY_ENOTFOUND and the
 *   writer stays usable; a deleted id may be added again.
 * - Append mode takes the index's language, refuses another one, and on a folder without an
 *   index starts one.
 * - A failed append commit leaves the previous commit in force and removes what it wrote.
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

#include "quarry/quarry.h"
#include "testutil.h"

/* Per-test state: a temporary folder and the index folder in it. */
typedef struct fixture {
    char *tmp; /* the folder */
    char *dir; /* tmp/ix */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-update-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    fx->dir = testutil_join(tmpl, "ix");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx->dir);
    free(fx);
    return 0;
}

static quarry_writer *open_writer(const char *dir, int mode, unsigned threads, size_t budget)
{
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.mode = mode;
    o.threads = threads;
    o.memory_budget = budget;
    quarry_writer *w = NULL;
    int rc = quarry_writer_open(&w, dir, &o);
    if (rc)
        fail_msg("open %s: %s", dir, quarry_writer_errmsg(w));
    return w;
}

static void commit(quarry_writer *w)
{
    if (quarry_writer_commit(w) != QUARRY_OK)
        fail_msg("commit: %s", quarry_writer_errmsg(w));
}

/* Adds version v of document i: id "d<i>", words "key<i>" (every version) and "v<v>k<i>". */
static void add_version(quarry_writer *w, unsigned i, unsigned v)
{
    char id[32], text[256];
    snprintf(id, sizeof id, "d%u", i);
    snprintf(text, sizeof text, "key%u v%uk%u common words of version %u, document %u", i, v, i, v,
             i);
    quarry_document d = {id, strlen(id), "title", 5, text, strlen(text)};
    int rc = quarry_writer_add(w, &d);
    if (rc)
        fail_msg("add %s: %s", id, quarry_writer_errmsg(w));
}

static void delete_id(quarry_writer *w, unsigned i)
{
    char id[32];
    snprintf(id, sizeof id, "d%u", i);
    int rc = quarry_writer_delete(w, id, strlen(id));
    if (rc)
        fail_msg("delete %s: %s", id, quarry_writer_errmsg(w));
}

/* Number of documents matching q (counted exactly); the first hit's id goes into id. */
static uint64_t matches(quarry_searcher *s, const char *q, char *id, size_t cap)
{
    quarry_search_options o = QUARRY_SEARCH_OPTIONS_INIT;
    o.count = 1;
    o.snippet_bytes = 0;
    quarry_results *r = NULL;
    int rc = quarry_searcher_search(&r, s, q, strlen(q), &o);
    if (rc)
        fail_msg("query %s: %s", q, quarry_searcher_errmsg(s));
    uint64_t n = quarry_results_total(r);
    assert_true(quarry_results_total_is_exact(r));
    id[0] = '\0';
    quarry_hit h;
    if (quarry_results_size(r) && quarry_results_get(&h, r, 0) == QUARRY_OK)
        snprintf(id, cap, "%.*s", (int)h.id_len, h.id);
    quarry_results_free(r);
    return n;
}

/*
 * Checks the index in dir against ver[0..n): document i has version ver[i] (0: not live).
 * Each live document is found once by its key with its version's words, no other version's;
 * a deleted one never; counting searches and the index's counts exclude deleted documents; the
 * deep verification passes.
 */
static void check(const char *dir, const unsigned *ver, unsigned n, unsigned versions)
{
    quarry_index *ix = NULL;
    if (quarry_index_open(&ix, dir) != QUARRY_OK)
        fail_msg("open %s: %s", dir, quarry_index_errmsg(ix));
    quarry_verify_report rep;
    if (quarry_index_verify(&rep, ix, 1) != QUARRY_OK)
        fail_msg("verify %s: %s", dir, rep.message);
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    uint64_t live = 0;
    for (unsigned i = 0; i < n; i++) {
        char q[64], id[64], want[32];
        snprintf(q, sizeof q, "key%u", i);
        snprintf(want, sizeof want, "d%u", i);
        uint64_t got = matches(s, q, id, sizeof id);
        if (got != (ver[i] ? 1u : 0u) || (ver[i] && strcmp(id, want) != 0))
            fail_msg("%s: %llu matches (first '%s'), expected %u", q, (unsigned long long)got, id,
                     ver[i] ? 1 : 0);
        for (unsigned v = 1; v <= versions; v++) {
            snprintf(q, sizeof q, "v%uk%u", v, i);
            got = matches(s, q, id, sizeof id);
            if (got != (v == ver[i]))
                fail_msg("%s: %llu matches, document %u is at version %u", q,
                         (unsigned long long)got, i, ver[i]);
        }
        live += ver[i] != 0;
    }
    char id[64];
    assert_int_equal(matches(s, "common", id, sizeof id), live);
    assert_int_equal(matches(s, "title NOT key0", id, sizeof id), live - (ver[0] != 0));
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    assert_int_equal(info.docs, live);
    quarry_searcher_free(s);
    quarry_index_close(ix);
}

/* The documents of the upsert test after its append commit; ver[i] as in check(). */
static void upsert_model(unsigned ver[120])
{
    for (unsigned i = 0; i < 120; i++)
        ver[i] = i < 100 ? 1 : 2;
    for (unsigned i = 10; i < 30; i++)
        ver[i] = 2; /* new versions */
    for (unsigned i = 40; i < 45; i++)
        ver[i] = 0; /* deleted */
    ver[105] = 0;   /* added, then deleted by the same writer */
    ver[110] = 3;   /* added twice by the same writer */
}

static void upsert(fixture *fx, unsigned threads)
{
    quarry_writer *w = open_writer(fx->dir, QUARRY_WRITER_CREATE, threads, 0);
    for (unsigned i = 0; i < 100; i++)
        add_version(w, i, 1);
    commit(w);
    quarry_writer_free(w);

    w = open_writer(fx->dir, QUARRY_WRITER_APPEND, threads, 0);
    for (unsigned i = 10; i < 30; i++)
        add_version(w, i, 2);
    for (unsigned i = 100; i < 120; i++)
        add_version(w, i, 2);
    for (unsigned i = 40; i < 45; i++)
        delete_id(w, i);
    delete_id(w, 105);
    add_version(w, 110, 3);
    commit(w);
    quarry_writer_stats st;
    assert_int_equal(quarry_writer_get_stats(&st, w), QUARRY_OK);
    assert_int_equal(st.docs, 41);
    assert_int_equal(st.replaced, 21);        /* d10..d29 and d110 */
    assert_int_equal(st.deleted, 21 + 5 + 1); /* and d40..d44, d105 */
    assert_int_equal(st.index_docs, 114);
    quarry_writer_free(w);
    unsigned ver[120];
    upsert_model(ver);
    check(fx->dir, ver, 120, 3);
}

static void test_upsert_one_thread(void **state)
{
    upsert(*state, 1);
}

static void test_upsert_three_threads(void **state)
{
    upsert(*state, 3);
}

/* Number of deletion files (*.del) in dir. */
static int deletion_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        n += len > 4 && strcmp(e->d_name + len - 4, ".del") == 0;
    }
    closedir(d);
    return n;
}

static void test_later_commits(void **state)
{
    fixture *fx = *state;
    unsigned ver[120];
    upsert(fx, 1); /* generation 2: seg_1_0 has deletions in seg_1_0.2.del */
    upsert_model(ver);
    assert_int_equal(deletion_files(fx->dir), 2); /* seg_1_0's and seg_2_0's (d105) */

    /* Generation 3 changes nothing of seg_1_0: its deletion file stays. */
    quarry_writer *w = open_writer(fx->dir, QUARRY_WRITER_APPEND, 1, 0);
    add_version(w, 110, 4);
    commit(w);
    quarry_writer_free(w);
    ver[110] = 4;
    check(fx->dir, ver, 120, 4);
    char *p = testutil_join(fx->dir, "seg_1_0.2.del");
    assert_int_equal(access(p, F_OK), 0);
    free(p);

    /* Generation 4 deletes in seg_1_0: seg_1_0.4.del replaces seg_1_0.2.del. */
    w = open_writer(fx->dir, QUARRY_WRITER_APPEND, 1, 0);
    delete_id(w, 0);
    commit(w);
    quarry_writer_free(w);
    ver[0] = 0;
    check(fx->dir, ver, 120, 4);
    p = testutil_join(fx->dir, "seg_1_0.2.del");
    assert_int_equal(access(p, F_OK), -1);
    free(p);
    p = testutil_join(fx->dir, "seg_1_0.4.del");
    assert_int_equal(access(p, F_OK), 0);
    free(p);
    assert_int_equal(deletion_files(fx->dir), 2); /* and seg_2_0.2.del, unchanged */

    /* An append commit with nothing to do keeps everything. */
    w = open_writer(fx->dir, QUARRY_WRITER_APPEND, 1, 0);
    commit(w);
    quarry_writer_free(w);
    check(fx->dir, ver, 120, 4);
}

/* A writer with a budget so small that every document makes a segment: a second version of a
 * document replaces the one the writer already flushed, in both modes (create: deleted then
 * added again). */
static void flushed(fixture *fx, unsigned threads)
{
    quarry_writer *w = open_writer(fx->dir, QUARRY_WRITER_APPEND, threads, (size_t)1 << 20);
    unsigned ver[12] = {0};
    for (unsigned i = 0; i < 12; i++) {
        add_version(w, i, 1);
        ver[i] = 1;
    }
    for (unsigned i = 0; i < 12; i += 3) {
        add_version(w, i, 2);
        ver[i] = 2;
    }
    delete_id(w, 1);
    ver[1] = 0;
    commit(w);
    quarry_writer_stats st;
    assert_int_equal(quarry_writer_get_stats(&st, w), QUARRY_OK);
    assert_true(st.segments >= 12);
    quarry_writer_free(w);
    check(fx->dir, ver, 12, 2);

    w = open_writer(fx->dir, QUARRY_WRITER_CREATE, threads, (size_t)1 << 20);
    for (unsigned i = 0; i < 12; i++) {
        add_version(w, i, 3);
        ver[i] = 3;
    }
    delete_id(w, 4);
    add_version(w, 4, 4);
    ver[4] = 4;
    delete_id(w, 5);
    ver[5] = 0;
    commit(w);
    quarry_writer_free(w);
    check(fx->dir, ver, 12, 4);
}

static void test_flushed_one_thread(void **state)
{
    flushed(*state, 1);
}

static void test_flushed_three_threads(void **state)
{
    flushed(*state, 3);
}

static void test_delete_unknown(void **state)
{
    fixture *fx = *state;
    quarry_writer *w = open_writer(fx->dir, QUARRY_WRITER_CREATE, 1, 0);
    add_version(w, 0, 1);
    commit(w);
    quarry_writer_free(w);

    w = open_writer(fx->dir, QUARRY_WRITER_APPEND, 1, 0);
    assert_int_equal(quarry_writer_delete(w, "nope", 4), QUARRY_ENOTFOUND);
    assert_non_null(strstr(quarry_writer_errmsg(w), "nope"));
    delete_id(w, 0);
    assert_int_equal(quarry_writer_delete(w, "d0", 2), QUARRY_ENOTFOUND); /* already deleted */
    add_version(w, 0, 2);                                                 /* the id is free again */
    add_version(w, 1, 2);
    commit(w);
    quarry_writer_free(w);
    unsigned ver[2] = {2, 2};
    check(fx->dir, ver, 2, 2);
    assert_int_equal(quarry_writer_delete(NULL, "d0", 2), QUARRY_ERROR);
}

static void test_language(void **state)
{
    fixture *fx = *state;
    /* Append mode on a folder without an index starts one, in the language asked for. */
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.mode = QUARRY_WRITER_APPEND;
    o.language = "french";
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, fx->dir, &o), QUARRY_OK);
    quarry_document d = {"a", 1, "", 0, "les maisons", 11};
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    commit(w);
    quarry_writer_free(w);

    /* Without a language it takes the index's; with another one it is refused. */
    o.language = NULL;
    w = NULL;
    assert_int_equal(quarry_writer_open(&w, fx->dir, &o), QUARRY_OK);
    quarry_document e = {"b", 1, "", 0, "la maison", 9};
    assert_int_equal(quarry_writer_add(w, &e), QUARRY_OK);
    commit(w);
    quarry_writer_free(w);
    o.language = "english";
    w = NULL;
    assert_int_equal(quarry_writer_open(&w, fx->dir, &o), QUARRY_ERROR);
    assert_non_null(strstr(quarry_writer_errmsg(w), "french"));
    quarry_writer_free(w);

    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, fx->dir), QUARRY_OK);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    assert_string_equal(info.language, "french");
    assert_int_equal(info.docs, 2);
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);
    char id[64];
    assert_int_equal(matches(s, "maison", id, sizeof id), 2); /* both stemmed alike */
    quarry_searcher_free(s);
    quarry_index_close(ix);
}

/* Names of the entries of dir, sorted, joined by spaces into out. */
static void listing(const char *dir, char *out, size_t cap)
{
    static char names[256][256];
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && n < 256)
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s ", names[i]);
}

static void test_failed_append(void **state)
{
    fixture *fx = *state;
    unsigned ver[120];
    upsert(fx, 1);
    upsert_model(ver);
    static char before[16384], after[16384];
    listing(fx->dir, before, sizeof before);

    /* The MANIFEST of this commit is blocked by a folder where its temporary file goes: the
     * commit fails after writing a segment and a deletion file, and removes both. */
    char *blocker = testutil_join(fx->dir, "MANIFEST.tmp");
    assert_int_equal(mkdir(blocker, 0755), 0);
    quarry_writer *w = open_writer(fx->dir, QUARRY_WRITER_APPEND, 1, 0);
    add_version(w, 3, 5);
    delete_id(w, 4);
    assert_int_equal(quarry_writer_commit(w), QUARRY_EIO);
    assert_non_null(strstr(quarry_writer_errmsg(w), "MANIFEST"));
    quarry_writer_free(w);
    assert_int_equal(rmdir(blocker), 0);
    free(blocker);
    listing(fx->dir, after, sizeof after);
    assert_string_equal(before, after);
    check(fx->dir, ver, 120, 3);

    /* The next one succeeds. */
    w = open_writer(fx->dir, QUARRY_WRITER_APPEND, 1, 0);
    add_version(w, 3, 5);
    delete_id(w, 4);
    commit(w);
    quarry_writer_free(w);
    ver[3] = 5;
    ver[4] = 0;
    check(fx->dir, ver, 120, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upsert_one_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_three_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flushed_one_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flushed_three_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_append, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
