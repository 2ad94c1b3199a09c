/*
 * test_crash.c: a commit is all or nothing, whatever happens to the writer (quarry/writer.h,
 * docs/FORMAT.md "Commit protocol"), through the public API in a temporary folder.
 *
 * - Kills: many times over, a forked child commits generation after generation of a known set
 *   of documents into one folder, telling the parent through a pipe which generation each
 *   successful commit held, until the parent SIGKILLs it after a random delay. Then the folder
 *   must hold no index (nothing ever committed) or an index that passes the deep verification
 *   and holds exactly the documents of the last generation reported, or of the one the child
 *   was committing when it died (its MANIFEST rename may have happened before the report);
 *   every document is found exactly once, and the leftovers of killed writers stay bounded
 *   (each successful commit sweeps them). The delays come from a seeded generator whose seed is
 *   printed; QUARRY_CRASH_SEED=N repeats a run's sequence of delays.
 * - Kills while appending: the same, with a child that commits append steps into one index
 *   (new versions of documents replacing live ones, some still in the writer's buffer or in a
 *   segment it flushed before the commit; deletions; steps on two threads with a budget small
 *   enough to flush a segment per document): after each kill the index passes the deep
 *   verification and holds exactly the documents of the last step reported or of the one the
 *   child was committing, each live id exactly once, and the files the MANIFEST does not name
 *   are no more than the writers killed since the last commit that returned could leave; a
 *   commit that returns leaves none.
 * - Disk full: a child whose file size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so write fails with
 *   EFBIG like a full disk fails with ENOSPC) is too small for the second generation's files gets
 *   QUARRY_EIO from the commit, with a message naming the file and the system's reason; the
 *   folder then holds the first generation, intact, and nothing else.
 *
 * - Readers during commits: while a forked child commits generation after generation (each
 *   commit deletes the previous generation's files), the parent opens the index again and again;
 *   every open must succeed (an open that read a MANIFEST whose files were then deleted tries
 *   the newer commit) and see one whole generation.
 *
 * Generation g has docs_in(g) documents; document i has id "g<g>-<i>", the word "gen<g>" and the
 * word "tok<g>x<i>", which is in no other document of any generation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/format.h"
#include "common/manifest.h"
#include "quarry/quarry.h"
#include "testutil.h"

#define KILLS 40 /* child processes started and killed */

/* Per-test state: a temporary folder. */
typedef struct fixture {
    char *tmp; /* the folder */
    char *dir; /* tmp/ix, the index folder */
} fixture;

/* ----- documents of a generation ----------------------------------------------------------- */

/* splitmix64: a small, seedable generator for the delays and the filler words. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Documents in generation g: 3 to 13, so that generations differ in size. */
static unsigned docs_in(uint64_t g)
{
    return 3 + (unsigned)(g % 11);
}

/* Text of document i of generation g: its two marker words among `words` filler words drawn
 * from a small vocabulary (deterministically), so postings and positions have some shape. */
static size_t doc_text(char *dst, size_t cap, uint64_t g, unsigned i, unsigned words)
{
    static const char *const vocab[] = {"harbor",  "ledger",  "quartz", "meadow", "signal",
                                        "copper",  "lantern", "orchid", "summit", "violet",
                                        "thunder", "willow",  "canyon", "ember",  "glacier"};
    uint64_t st = g * 1000003u + i;
    size_t n = (size_t)snprintf(dst, cap, "gen%" PRIu64 " tok%" PRIu64 "x%u", g, g, i);
    for (unsigned k = 0; k < words && n < cap; k++)
        n += (size_t)snprintf(dst + n, cap - n, " %s",
                              vocab[next_random(&st) % (sizeof vocab / sizeof vocab[0])]);
    return n < cap ? n : cap - 1;
}

/*
 * Opens a writer on dir, adds the documents of generation g (each with `words` filler words)
 * and commits. Returns the first failure's code with its message in msg (or QUARRY_OK).
 * Usable in a forked child: no CMocka calls.
 */
static int commit_generation(const char *dir, uint64_t g, unsigned words, char *msg, size_t cap)
{
    quarry_writer *w = NULL;
    size_t cap_text = 64 + (size_t)words * 10;
    char *text = malloc(cap_text);
    if (!text)
        return QUARRY_ENOMEM;
    int rc = quarry_writer_open(&w, dir, NULL);
    for (unsigned i = 0; rc == QUARRY_OK && i < docs_in(g); i++) {
        char id[64];
        snprintf(id, sizeof id, "g%" PRIu64 "-%u", g, i);
        size_t len = doc_text(text, cap_text, g, i, words);
        quarry_document d = {id, strlen(id), "title", 5, text, len};
        rc = quarry_writer_add(w, &d);
    }
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    snprintf(msg, cap, "%s", rc ? quarry_writer_errmsg(w) : "");
    quarry_writer_free(w);
    free(text);
    return rc;
}

/* ----- checks -------------------------------------------------------------------------------- */

/* Number of documents matching q, and the id of the best hit in id (cap bytes). */
static uint64_t search(quarry_searcher *s, const char *q, char *id, size_t cap)
{
    quarry_results *r = NULL;
    int rc = quarry_searcher_search(&r, s, q, strlen(q), NULL);
    if (rc)
        print_error("query %s: %s\n", q, quarry_searcher_errmsg(s));
    assert_int_equal(rc, QUARRY_OK);
    uint64_t n = quarry_results_total(r);
    id[0] = '\0';
    quarry_hit h;
    if (n && quarry_results_get(&h, r, 0) == QUARRY_OK)
        snprintf(id, cap, "%.*s", (int)h.id_len, h.id);
    quarry_results_free(r);
    return n;
}

/*
 * Opens the index in dir, which must hold generation a or b (0: none): passes the deep
 * verification and holds each document of its generation exactly once and nothing else.
 * Returns that generation, or 0 when dir holds no index (allowed only if a is 0).
 */
static uint64_t check_index(const char *dir, uint64_t a, uint64_t b)
{
    quarry_index *ix = NULL;
    int rc = quarry_index_open(&ix, dir);
    if (rc == QUARRY_ENOTFOUND && a == 0) {
        quarry_index_close(ix);
        return 0;
    }
    if (rc)
        print_error("open %s: %s\n", dir, quarry_index_errmsg(ix));
    assert_int_equal(rc, QUARRY_OK);
    quarry_verify_report rep;
    rc = quarry_index_verify(&rep, ix, 1);
    if (rc)
        print_error("verify %s: %s\n", dir, rep.message);
    assert_int_equal(rc, QUARRY_OK);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_OK);

    char q[64], id[64], want[64];
    uint64_t g = 0;
    for (int k = 0; k < 2; k++) {
        uint64_t cand = k ? b : a;
        if (cand == 0)
            continue;
        snprintf(q, sizeof q, "gen%" PRIu64, cand);
        uint64_t n = search(s, q, id, sizeof id);
        if (n == 0)
            continue;
        if (g != 0 || n != docs_in(cand) || info.docs != n) {
            print_error("index holds %" PRIu64 " documents, %" PRIu64 " of generation %" PRIu64
                        " (expected %u, and only generation %" PRIu64 " or %" PRIu64 ")\n",
                        info.docs, n, cand, docs_in(cand), a, b);
            fail();
        }
        g = cand;
    }
    if (g == 0) {
        print_error("index of %" PRIu64 " documents holds neither generation %" PRIu64
                    " nor %" PRIu64 "\n",
                    info.docs, a, b);
        fail();
    }
    for (unsigned i = 0; i < docs_in(g); i++) {
        snprintf(q, sizeof q, "tok%" PRIu64 "x%u", g, i);
        snprintf(want, sizeof want, "g%" PRIu64 "-%u", g, i);
        uint64_t n = search(s, q, id, sizeof id);
        if (n != 1 || strcmp(id, want) != 0) {
            print_error("%s: %" PRIu64 " hits, first '%s', expected one: '%s'\n", q, n, id, want);
            fail();
        }
    }
    quarry_searcher_free(s);
    quarry_index_close(ix);
    return g;
}

/*
 * Checks that every entry of dir is a file of the index format (MANIFEST, LOCK, seg_N_k.suffix,
 * with or without .tmp) and returns the number of distinct N among them.
 */
static int segment_generations(const char *dir)
{
    unsigned long long seen[64];
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* no folder yet: the first child died before making it */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "MANIFEST") ||
            !strcmp(name, "MANIFEST.tmp") || !strcmp(name, "LOCK"))
            continue;
        unsigned long long g, k;
        char suffix[32];
        if (sscanf(name, "seg_%llu_%llu.%31s", &g, &k, suffix) != 3) {
            print_error("unexpected file %s/%s\n", dir, name);
            fail();
        }
        int known = 0;
        for (int i = 0; i < n; i++)
            known |= seen[i] == g;
        if (!known && n < 64)
            seen[n++] = g;
    }
    closedir(d);
    return n;
}

static void sleep_us(uint64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-crash-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    fx->dir = testutil_join(tmpl, "ix");
    assert_non_null(fx->tmp);
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

/* ----- kills --------------------------------------------------------------------------------- */

#define KILL_WORDS 40 /* filler words per document in the kill test */

/* The child of test_kill_anytime: commits generations first, first + 1, ... into dir, writing
 * each one's number to fd after its commit returned. Writes 0 and exits on a failure. */
static void committer(const char *dir, uint64_t first, int fd)
{
    char msg[512];
    for (uint64_t g = first;; g++) {
        int rc = commit_generation(dir, g, KILL_WORDS, msg, sizeof msg);
        if (rc != QUARRY_OK) {
            fprintf(stderr, "child: generation %" PRIu64 ": %s\n", g, msg);
            g = 0;
        }
        if (write(fd, &g, sizeof g) != (ssize_t)sizeof g || g == 0)
            _exit(1);
    }
}

static void test_kill_anytime(void **state)
{
    fixture *fx = *state;
    const char *env = getenv("QUARRY_CRASH_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 10)
                                : (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
    print_message("test_kill_anytime: seed %" PRIu64 " (QUARRY_CRASH_SEED=%" PRIu64
                  " repeats the delays)\n",
                  seed, seed);
    uint64_t rng = seed;

    /* Delays up to three times one commit's duration (at least 20 ms) make most children die
     * in the middle of a commit after having completed a few, on fast and slow machines. */
    char msg[512];
    char scratch[4096];
    snprintf(scratch, sizeof scratch, "%s/calibrate", fx->tmp);
    double t0 = now();
    assert_int_equal(commit_generation(scratch, 1, KILL_WORDS, msg, sizeof msg), QUARRY_OK);
    uint64_t cycle_us = (uint64_t)((now() - t0) * 1e6);
    uint64_t max_delay = cycle_us * 3 > 20000 ? cycle_us * 3 : 20000;
    testutil_rm_rf(scratch);

    uint64_t current = 0; /* generation the index holds, 0 for none */
    uint64_t first = 1;   /* generation the next child starts with */
    int confirmed = 0, in_flight = 0, without_commit = 0, max_gens = 0;
    for (int kill_no = 0; kill_no < KILLS; kill_no++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            committer(fx->dir, first, p[1]);
        }
        close(p[1]);
        sleep_us(next_random(&rng) % max_delay);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = testutil_reap(pid);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            print_error("kill %d: the child ended by itself (status %d)\n", kill_no, status);
            fail();
        }
        /* The reports: each a generation that was committed, in order. */
        uint64_t g, last = 0;
        ssize_t n;
        while ((n = read(p[0], &g, sizeof g)) == (ssize_t)sizeof g) {
            assert_true(g != 0);
            assert_int_equal(g, last ? last + 1 : first);
            last = g;
            confirmed++;
        }
        assert_int_equal(n, 0);
        close(p[0]);

        /* Last generation known committed, and the one the child was working on. */
        uint64_t known = last ? last : current;
        uint64_t working = last ? last + 1 : first;
        current = check_index(fx->dir, known, working);
        in_flight += current == working;
        without_commit = last ? 0 : without_commit + 1;
        /* Each commit that returned had removed every other generation's files; since then
         * each killed child left at most the files of the one generation it was writing. */
        int gens = segment_generations(fx->dir);
        max_gens = gens > max_gens ? gens : max_gens;
        if (gens > 2 + without_commit) {
            print_error("kill %d: files of %d generations in the folder\n", kill_no, gens);
            fail();
        }
        first = working + 1;
    }
    print_message("test_kill_anytime: %d kills (delays < %" PRIu64 " us), %d commits reported, "
                  "%d found committed but unreported, at most %d generations of files\n",
                  KILLS, max_delay, confirmed, in_flight, max_gens);
    assert_true(confirmed + in_flight > 0); /* some kills came after a commit */

    /* A commit that runs to its end leaves only the index: no temporaries, no LOCK. */
    assert_int_equal(commit_generation(fx->dir, first, KILL_WORDS, msg, sizeof msg), QUARRY_OK);
    assert_int_equal(check_index(fx->dir, first, 0), first);
    assert_int_equal(segment_generations(fx->dir), 1);
    char *lockpath = testutil_join(fx->dir, "LOCK");
    assert_int_equal(access(lockpath, F_OK), -1);
    free(lockpath);
}

/* ----- kills while appending ------------------------------------------------------------------ */

#define POOL         32   /* ids "a0" .. "a31" of the appending test */
#define MAX_STEPS    4096 /* steps the appending test can model */
#define APPEND_KILLS 24   /* child processes started and killed by it (its steps grow slower) */

/*
 * The appending test's documents: step s (1, 2, ...) is one append commit that adds new
 * versions of some ids (an upsert, or a plain add if the id is not live), adds the id
 * (s * 5) % POOL twice (the second version replaces the first while it is still in the
 * writer's buffer or, in a step with a tiny budget, in a segment that writer flushed) and
 * deletes some live ids. Document "a<i>" of version s holds the words "key<i>" (in every
 * version) and "ver<s>key<i>". ver[i] is the version of a<i> after the steps so far, 0 when it
 * is not live.
 */
static int upserted(uint64_t s, unsigned i)
{
    return (i * 7 + s) % 5 == 0;
}

static int deleted_at(uint64_t s, unsigned i)
{
    return (i * 3 + s) % 11 == 0 && !upserted(s, i) && i != (s * 5) % POOL;
}

/* Applies step s to ver[] (the model). */
static void model_step(uint64_t ver[POOL], uint64_t s)
{
    for (unsigned i = 0; i < POOL; i++) {
        if (upserted(s, i) || i == (s * 5) % POOL)
            ver[i] = s;
        else if (deleted_at(s, i) && ver[i])
            ver[i] = 0;
    }
}

/* Adds version s of a<i>. */
static int add_version(quarry_writer *w, unsigned i, uint64_t s, char *text, size_t cap)
{
    char id[32];
    snprintf(id, sizeof id, "a%u", i);
    size_t n = (size_t)snprintf(text, cap, "key%u ver%" PRIu64 "key%u ", i, s, i);
    n += doc_text(text + n, cap - n, s, i, KILL_WORDS);
    quarry_document d = {id, strlen(id), "title", 5, text, n};
    return quarry_writer_add(w, &d);
}

/*
 * Commits step s in append mode, given the model before it (ver). Every sixth step runs on
 * two threads with a budget so small that each document makes its own segment, flushed while
 * the step is adding. Returns the first failure (message in msg) or QUARRY_OK.
 */
static int commit_step(const char *dir, uint64_t s, const uint64_t ver[POOL], char *msg, size_t cap)
{
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.mode = QUARRY_WRITER_APPEND;
    o.threads = s % 6 == 0 ? 2 : 1;
    o.memory_budget = s % 6 == 0 ? (size_t)1 << 20 : 0;
    quarry_writer *w = NULL;
    char text[2048];
    int rc = quarry_writer_open(&w, dir, &o);
    unsigned twice = (unsigned)((s * 5) % POOL);
    for (unsigned i = 0; rc == QUARRY_OK && i < POOL; i++) {
        if (i == twice)
            rc = add_version(w, i, s - 1 ? s - 1 : s, text, sizeof text);
        if (rc == QUARRY_OK && (upserted(s, i) || i == twice))
            rc = add_version(w, i, s, text, sizeof text);
        if (rc == QUARRY_OK && deleted_at(s, i) && ver[i]) {
            char id[32];
            snprintf(id, sizeof id, "a%u", i);
            rc = quarry_writer_delete(w, id, strlen(id));
        }
    }
    if (rc == QUARRY_OK)
        rc = quarry_writer_commit(w);
    snprintf(msg, cap, "%s", rc ? quarry_writer_errmsg(w) : "");
    quarry_writer_free(w);
    return rc;
}

/* Does the index in dir hold exactly the documents of the model ver (each live id once, with
 * its version, deleted ones never)? The index must open and pass the deep verification. */
static int holds(const char *dir, const uint64_t ver[POOL])
{
    quarry_index *ix = NULL;
    int rc = quarry_index_open(&ix, dir);
    if (rc)
        print_error("open %s: %s\n", dir, quarry_index_errmsg(ix));
    assert_int_equal(rc, QUARRY_OK);
    quarry_verify_report rep;
    rc = quarry_index_verify(&rep, ix, 1);
    if (rc)
        print_error("verify %s: %s\n", dir, rep.message);
    assert_int_equal(rc, QUARRY_OK);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_OK);
    quarry_searcher *sr = NULL;
    assert_int_equal(quarry_searcher_create(&sr, ix), QUARRY_OK);
    uint64_t live = 0;
    int same = 1;
    for (unsigned i = 0; i < POOL && same; i++) {
        char q[64], id[64], want[32];
        live += ver[i] != 0;
        snprintf(q, sizeof q, "key%u", i);
        snprintf(want, sizeof want, "a%u", i);
        uint64_t n = search(sr, q, id, sizeof id);
        same = ver[i] ? n == 1 && strcmp(id, want) == 0 : n == 0;
        if (same && ver[i]) {
            snprintf(q, sizeof q, "ver%" PRIu64 "key%u", ver[i], i);
            same = search(sr, q, id, sizeof id) == 1;
        }
        if (!same)
            print_message("%s: a%u (version %" PRIu64 "): %" PRIu64 " hits, first %s\n", dir, i,
                          ver[i], n, id);
    }
    if (same && info.docs != live)
        print_message("%s: %" PRIu64 " documents, %" PRIu64 " expected\n", dir, info.docs, live);
    same = same && info.docs == live;
    quarry_searcher_free(sr);
    quarry_index_close(ix);
    return same;
}

/* Counts the files of dir that its MANIFEST does not name (besides LOCK and MANIFEST.tmp);
 * *segments receives the number of segments it names. */
static int unnamed_files(const char *dir, uint32_t *segments)
{
    manifest m;
    char err[512];
    assert_int_equal(manifest_read(&m, dir, err, sizeof err), QUARRY_OK);
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' || !strcmp(name, "MANIFEST") || !strcmp(name, "LOCK") ||
            !strcmp(name, "MANIFEST.tmp"))
            continue;
        int named = 0;
        for (uint32_t i = 0; i < m.nsegments && !named; i++) {
            const manifest_segment *ms = &m.segments[i];
            size_t len = strlen(ms->name);
            if (strncmp(name, ms->name, len) != 0 || name[len] != '.')
                continue;
            for (int f = 0; f < FORMAT_SEGMENT_FILES; f++)
                named |= !strcmp(name + len, manifest_suffixes[f]);
            named |= ms->deleted && !strcmp(name + len, ms->del.suffix);
        }
        n += !named;
    }
    closedir(d);
    *segments = m.nsegments;
    manifest_free(&m);
    return n;
}

/* The child of test_kill_appending: commits steps first, first + 1, ... (ver: the model before
 * `first`), writing each step's number to fd after its commit returned; 0 on a failure. */
static void appender(const char *dir, uint64_t first, uint64_t ver[POOL], int fd)
{
    char msg[512];
    for (uint64_t s = first;; s++) {
        int rc = commit_step(dir, s, ver, msg, sizeof msg);
        if (rc != QUARRY_OK) {
            fprintf(stderr, "child: step %" PRIu64 ": %s\n", s, msg);
            s = 0;
        }
        if (write(fd, &s, sizeof s) != (ssize_t)sizeof s || s == 0)
            _exit(1);
        model_step(ver, s);
    }
}

/*
 * Kills, many times over, a child that commits append steps (upserts, deletions, segments
 * flushed before the commit) into one index: after each kill the index opens, passes the deep
 * verification and holds exactly the documents of the last step reported or of the one the
 * child was committing, each live id once; files the MANIFEST does not name are no more than
 * killed writers since the last commit that returned could leave.
 */
static void test_kill_appending(void **state)
{
    fixture *fx = *state;
    const char *env = getenv("QUARRY_CRASH_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 10)
                                : (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
    print_message("test_kill_appending: seed %" PRIu64 "\n", seed);
    uint64_t rng = seed;
    static uint64_t ver[MAX_STEPS + 1][POOL]; /* ver[s]: the model after step s */
    char msg[512];

    /* Steps 1 to 4 commit without being killed; the quickest of 2 to 4 calibrates the delays. */
    uint64_t cycle_us = UINT64_MAX;
    for (uint64_t t = 1; t <= 4; t++) {
        double t0 = now();
        memcpy(ver[t], ver[t - 1], sizeof ver[t]);
        model_step(ver[t], t);
        assert_int_equal(commit_step(fx->dir, t, ver[t - 1], msg, sizeof msg), QUARRY_OK);
        uint64_t us = (uint64_t)((now() - t0) * 1e6);
        if (t > 1 && us < cycle_us)
            cycle_us = us;
    }
    assert_true(holds(fx->dir, ver[4]));
    /* Delays up to a few steps' time let each child commit a few steps before it dies, most
     * often in the middle of one. Steps grow slower with the index and with the machine's
     * load: after three kills in a row that found nothing committed the delays double, after
     * a kill that found more than three steps they halve. */
    uint64_t max_delay = cycle_us * 6 < 20000 ? 20000 : cycle_us * 6;

    uint64_t current = 4; /* the step the index holds */
    int confirmed = 0, in_flight = 0, without_commit = 0, idle = 0;
    for (int kill_no = 0; kill_no < APPEND_KILLS; kill_no++) {
        uint64_t before = current;
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            appender(fx->dir, current + 1, ver[current], p[1]);
        }
        close(p[1]);
        sleep_us(next_random(&rng) % max_delay);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = testutil_reap(pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        uint64_t s, last = 0;
        ssize_t n;
        while ((n = read(p[0], &s, sizeof s)) == (ssize_t)sizeof s) {
            assert_int_equal(s, (last ? last : current) + 1);
            last = s;
            confirmed++;
        }
        assert_int_equal(n, 0);
        close(p[0]);
        uint64_t known = last ? last : current, working = known + 1;
        assert_true(working <= MAX_STEPS);
        for (uint64_t t = current + 1; t <= working; t++) {
            memcpy(ver[t], ver[t - 1], sizeof ver[t]);
            model_step(ver[t], t);
        }
        if (holds(fx->dir, ver[known])) {
            current = known;
        } else if (holds(fx->dir, ver[working])) {
            current = working;
            in_flight++;
        } else {
            print_error("kill %d: the index holds neither step %" PRIu64 " nor %" PRIu64 "\n",
                        kill_no, known, working);
            fail();
        }
        /* Since the last commit that returned (and swept the folder), each killed child left at
         * most the files of its own step (a segment per document, a deletion file per segment)
         * and, if it was killed between its MANIFEST and its sweep, the files that MANIFEST
         * superseded (a deletion file per segment, at most). */
        without_commit = last ? 0 : without_commit + 1;
        idle = current == before ? idle + 1 : 0;
        if (idle == 3 && max_delay < 1000000) {
            max_delay *= 2;
            idle = 0;
        } else if (current > before + 3 && max_delay > 20000) {
            max_delay /= 2;
        }
        uint32_t segments;
        int unnamed = unnamed_files(fx->dir, &segments);
        int bound = (without_commit + 1) * (5 * (POOL + 1) + 2 * (int)segments);
        if (unnamed > bound) {
            print_error("kill %d: %d files not in the MANIFEST (at most %d expected)\n", kill_no,
                        unnamed, bound);
            fail();
        }
    }
    print_message("test_kill_appending: %d kills (delays < %" PRIu64 " us), %d steps reported, "
                  "%d found committed but unreported, index at step %" PRIu64 "\n",
                  APPEND_KILLS, max_delay, confirmed, in_flight, current);
    assert_true(confirmed + in_flight > 0);

    /* A step that runs to its end leaves only the index. */
    memcpy(ver[current + 1], ver[current], sizeof ver[current]);
    model_step(ver[current + 1], current + 1);
    assert_int_equal(commit_step(fx->dir, current + 1, ver[current], msg, sizeof msg), QUARRY_OK);
    assert_true(holds(fx->dir, ver[current + 1]));
    uint32_t segments;
    assert_int_equal(unnamed_files(fx->dir, &segments), 0);
}

/* ----- disk full ----------------------------------------------------------------------------- */

#define SMALL_WORDS 20     /* filler words per document of the generation that fits */
#define LARGE_WORDS 20000  /* ... and of the one that does not (its .store exceeds the limit) */
#define FILE_LIMIT  16384u /* RLIMIT_FSIZE of the child, bytes */

static void test_disk_full(void **state)
{
    fixture *fx = *state;
    char msg[512];
    assert_int_equal(commit_generation(fx->dir, 1, SMALL_WORDS, msg, sizeof msg), QUARRY_OK);

    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        struct rlimit rl = {FILE_LIMIT, FILE_LIMIT};
        int rc = QUARRY_ERROR;
        snprintf(msg, sizeof msg, "cannot set the file size limit");
        if (signal(SIGXFSZ, SIG_IGN) != SIG_ERR && setrlimit(RLIMIT_FSIZE, &rl) == 0)
            rc = commit_generation(fx->dir, 2, LARGE_WORDS, msg, sizeof msg);
        size_t len = strlen(msg) + 1;
        if (write(p[1], &rc, sizeof rc) != (ssize_t)sizeof rc ||
            write(p[1], msg, len) != (ssize_t)len)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    int rc = 0;
    assert_int_equal(read(p[0], &rc, sizeof rc), sizeof rc);
    ssize_t n = read(p[0], msg, sizeof msg - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(p[0]);
    int status = testutil_reap(pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The commit failed as an I/O error, naming the file and the reason. */
    print_message("test_disk_full: commit returned %d: %s\n", rc, msg);
    assert_int_equal(rc, QUARRY_EIO);
    assert_non_null(strstr(msg, fx->dir));
    assert_non_null(strstr(msg, "/seg_2_"));
    assert_non_null(strstr(msg, strerror(EFBIG)));

    /* The first generation is intact, and the failed commit left nothing behind. */
    assert_int_equal(check_index(fx->dir, 1, 0), 1);
    assert_int_equal(segment_generations(fx->dir), 1);
    char *lockpath = testutil_join(fx->dir, "LOCK");
    assert_int_equal(access(lockpath, F_OK), -1);
    free(lockpath);
    DIR *d = opendir(fx->dir);
    assert_non_null(d);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)) != NULL)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 6); /* MANIFEST and seg_1's five files */

    /* Without the limit the same commit succeeds. */
    assert_int_equal(commit_generation(fx->dir, 2, LARGE_WORDS, msg, sizeof msg), QUARRY_OK);
    assert_int_equal(check_index(fx->dir, 2, 0), 2);
}

/* ----- readers during commits --------------------------------------------------------------- */

#define READ_SECONDS 2.0 /* how long the parent keeps opening the index */

static void test_open_during_commits(void **state)
{
    fixture *fx = *state;
    char msg[512];
    assert_int_equal(commit_generation(fx->dir, 1, 4, msg, sizeof msg), QUARRY_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (uint64_t g = 2;; g++)
            if (commit_generation(fx->dir, g, 4, msg, sizeof msg) != QUARRY_OK)
                _exit(1);
    }
    unsigned opens = 0, failures = 0;
    uint64_t first_gen = 0, last_gen = 0;
    char first_msg[512] = "";
    double end = now() + READ_SECONDS;
    while (now() < end) {
        quarry_index *ix = NULL;
        int rc = quarry_index_open(&ix, fx->dir);
        opens++;
        if (rc != QUARRY_OK) {
            if (!failures++)
                snprintf(first_msg, sizeof first_msg, "%s", quarry_index_errmsg(ix));
        } else {
            quarry_index_info in;
            assert_int_equal(quarry_index_get_info(&in, ix), QUARRY_OK);
            assert_int_equal(in.docs, docs_in(in.generation));
            if (!first_gen)
                first_gen = in.generation;
            last_gen = in.generation;
        }
        quarry_index_close(ix);
    }
    kill(pid, SIGKILL);
    testutil_reap(pid);
    print_message("%u opens during commits of generations %" PRIu64 "..%" PRIu64
                  ", %u failed%s%s\n",
                  opens, first_gen, last_gen, failures, failures ? ": " : "", first_msg);
    assert_int_equal(failures, 0);
    assert_true(last_gen > first_gen); /* commits did happen while reading */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kill_anytime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_appending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_during_commits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
