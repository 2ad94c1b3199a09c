/*
 * test_writer.c: edge cases of quarry_writer (quarry/writer.h), through the public API, each
 * in a fresh temporary folder (mkdtemp) removed afterwards.
 *
 * - JSON Lines: bad lines (invalid JSON or UTF-8, not an object, wrong member types, no id,
 *   duplicate id) are skipped with a warning "file:line: ..." and counted; blank lines are not
 *   records; strict mode stops at the first bad line with QUARRY_EINPUT.
 * - Folders: walked in name order for *.txt and *.md (hidden files and other names ignored),
 *   ids are relative paths, titles the first non-empty line (after a BOM, blanks trimmed);
 *   a non-UTF-8 file is skipped with a warning naming it (strict: QUARRY_EINPUT).
 * - quarry_writer_add: empty, too long, non-UTF-8 and duplicate ids are rejected with
 *   QUARRY_EINPUT and the writer stays usable; a writer commits once.
 * - Languages: unknown gives QUARRY_ENOTFOUND listing the known ones (and creates no folder);
 *   "none", "french", ISO codes and capitals work and the canonical name is recorded.
 * - Commit protocol: an empty input commits an empty index; an uncommitted writer leaves no
 *   index and no files; abandoned, failed (strict) and failing (a commit that cannot rename its
 *   file, and removes the files it had written) writers leave the previous index opening with
 *   the same results; stale .tmp files and other generations' files are removed by the next
 *   commit, foreign files are kept.
 * - Writer lock: a second writer on a folder, in this process or in another, is refused with
 *   QUARRY_ELOCKED naming the folder and the holder's pid, while readers open the index; once the
 *   holder is freed (LOCK removed) or dead (SIGKILL, LOCK left behind) a new writer gets it;
 *   writers of several processes opening and freeing at once never hold it together.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quarry/quarry.h"
#include "testutil.h"

#ifndef QUARRY_SAMPLE_DIR
#error "QUARRY_SAMPLE_DIR must be defined (path of data/sample-news, as a string)"
#endif

#define MAX_WARNINGS 32

/* Warnings received through the writer's callback. */
typedef struct warnings {
    int n;                       /* calls received */
    char msg[MAX_WARNINGS][512]; /* the first MAX_WARNINGS messages */
} warnings;

/* Per-test state: a temporary folder. */
typedef struct fixture {
    char *tmp;     /* the folder */
    warnings warn; /* warnings of the test's writers */
} fixture;

/* ----- helpers ------------------------------------------------------------------------------ */

/* tmp + "/" + name in a static ring of buffers (valid for the next few calls). */
static const char *at(const fixture *fx, const char *name)
{
    static char ring[8][4096];
    static int next;
    char *p = ring[next++ % 8];
    snprintf(p, sizeof ring[0], "%s/%s", fx->tmp, name);
    return p;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_str(const char *path, const char *s)
{
    write_file(path, s, strlen(s));
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Number of entries of a folder (without . and ..), -1 if it cannot be opened. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void on_warn(void *ctx, const char *msg)
{
    warnings *w = ctx;
    if (w->n < MAX_WARNINGS)
        snprintf(w->msg[w->n], sizeof w->msg[0], "%s", msg);
    w->n++;
}

/* Writer options that report warnings into fx->warn. */
static quarry_writer_options options(fixture *fx, const char *language, int strict)
{
    quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
    o.language = language;
    o.strict = strict;
    o.warn = on_warn;
    o.warn_ctx = &fx->warn;
    return o;
}

static quarry_writer *open_writer(const char *dir, const quarry_writer_options *o)
{
    quarry_writer *w = NULL;
    int rc = quarry_writer_open(&w, dir, o);
    if (rc)
        print_error("quarry_writer_open(%s): %s\n", dir, quarry_writer_errmsg(w));
    assert_int_equal(rc, QUARRY_OK);
    assert_non_null(w);
    return w;
}

static void commit(quarry_writer *w)
{
    int rc = quarry_writer_commit(w);
    if (rc)
        print_error("commit: %s\n", quarry_writer_errmsg(w));
    assert_int_equal(rc, QUARRY_OK);
}

static quarry_writer_stats stats(const quarry_writer *w)
{
    quarry_writer_stats st;
    assert_int_equal(quarry_writer_get_stats(&st, w), QUARRY_OK);
    return st;
}

static quarry_document doc(const char *id, const char *title, const char *text)
{
    quarry_document d = {
        id, strlen(id), title, title ? strlen(title) : 0, text, text ? strlen(text) : 0};
    return d;
}

/* An opened index and a searcher on it. */
typedef struct opened {
    quarry_index *ix;   /* index */
    quarry_searcher *s; /* searcher */
} opened;

static opened open_index(const char *dir)
{
    opened o = {NULL, NULL};
    int rc = quarry_index_open(&o.ix, dir);
    if (rc)
        print_error("quarry_index_open(%s): %s\n", dir, quarry_index_errmsg(o.ix));
    assert_int_equal(rc, QUARRY_OK);
    assert_int_equal(quarry_searcher_create(&o.s, o.ix), QUARRY_OK);
    return o;
}

static void close_index(opened *o)
{
    quarry_searcher_free(o->s);
    quarry_index_close(o->ix);
}

static quarry_results *search(const opened *o, const char *q)
{
    quarry_results *r = NULL;
    int rc = quarry_searcher_search(&r, o->s, q, strlen(q), NULL);
    if (rc)
        print_error("query %s: %s\n", q, quarry_searcher_errmsg(o->s));
    assert_int_equal(rc, QUARRY_OK);
    return r;
}

/* Number of documents matching q. */
static uint64_t count(const opened *o, const char *q)
{
    quarry_results *r = search(o, q);
    uint64_t n = quarry_results_total(r);
    quarry_results_free(r);
    return n;
}

/* Asserts that hit i of r has the given id. */
static void assert_hit_id(const quarry_results *r, size_t i, const char *id)
{
    quarry_hit h;
    assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
    if (h.id_len != strlen(id) || memcmp(h.id, id, h.id_len) != 0) {
        print_error("hit %zu: id '%.*s', expected '%s'\n", i, (int)h.id_len, h.id, id);
        fail();
    }
}

/* A digest of a query's results (ids and scores) to compare an index before and after. */
static void results_digest(const opened *o, const char *q, char *dst, size_t cap)
{
    quarry_results *r = search(o, q);
    size_t n = (size_t)snprintf(dst, cap, "%llu:", (unsigned long long)quarry_results_total(r));
    for (size_t i = 0; i < quarry_results_size(r) && n < cap; i++) {
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
        n += (size_t)snprintf(dst + n, cap - n, " %.*s=%.17g/%.*s", (int)h.id_len, h.id, h.score,
                              (int)h.snippet_len, h.snippet ? h.snippet : "");
    }
    quarry_results_free(r);
}

/* Builds an index of the sample news into dir (generation 1 if the folder is new). */
static void build_sample(fixture *fx, const char *dir)
{
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_path(w, QUARRY_SAMPLE_DIR), QUARRY_OK);
    commit(w);
    quarry_writer_free(w);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/quarry-writer-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    fx->tmp = strdup(tmpl);
    assert_non_null(fx->tmp);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    testutil_rm_rf(fx->tmp);
    free(fx->tmp);
    free(fx);
    return 0;
}

/* ----- JSON Lines ----------------------------------------------------------------------------- */

/* Twelve lines: two good records, one blank line and nine bad records. */
static const char bad_jsonl[] =
    "{\"id\":\"a\",\"title\":\"Alpha\",\"text\":\"alpha one\"}\n" /* 1 ok */
    "{bad json\n"                                                 /* 2 invalid JSON */
    "   \n"                                                       /* 3 blank: not a record */
    "[1,2,3]\n"                                                   /* 4 not an object */
    "{\"id\":\"b\",\"title\":5}\n"                                /* 5 title not a string */
    "{\"text\":\"no id\"}\n"                                      /* 6 no id */
    "{\"id\":\"a\",\"text\":\"dup\"}\n"                           /* 7 duplicate id */
    "{\"id\":\"c\",\"text\":\"bad \xFF utf8\"}\n"                 /* 8 invalid UTF-8 */
    "{\"id\":1.5,\"text\":\"x\"}\n"         /* 9 id neither string nor integer */
    "{\"id\":\"\",\"text\":\"empty id\"}\n" /* 10 empty id */
    "{\"id\":\"d\",\"title\":\"Delta\",\"text\":\"delta four\"}\n" /* 11 ok */
    "{\"id\":\"e\",\"text\":\"unterminated";                       /* 12 invalid JSON, no \n */

static const int bad_lines[] = {2, 4, 5, 6, 7, 8, 9, 10, 12};
#define NBAD ((int)(sizeof bad_lines / sizeof bad_lines[0]))

/* Bad lines are skipped with a "file:line:" warning each, counted, and the rest is indexed. */
static void test_jsonl_bad_lines_skipped(void **state)
{
    fixture *fx = *state;
    char path[4096], dir[4096];
    snprintf(path, sizeof path, "%s", at(fx, "in.jsonl"));
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    write_file(path, bad_jsonl, sizeof bad_jsonl - 1);
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_jsonl(w, path), QUARRY_OK);
    quarry_writer_stats st = stats(w);
    assert_int_equal(st.docs, 2);
    assert_int_equal(st.skipped, NBAD);
    assert_int_equal(st.bytes_in, sizeof bad_jsonl - 1);
    assert_int_equal(fx->warn.n, NBAD);
    for (int i = 0; i < NBAD; i++) {
        char prefix[4200];
        snprintf(prefix, sizeof prefix, "%s:%d: ", path, bad_lines[i]);
        if (strncmp(fx->warn.msg[i], prefix, strlen(prefix)) != 0) {
            print_error("warning %d is '%s', expected it to start with '%s'\n", i, fx->warn.msg[i],
                        prefix);
            fail();
        }
    }
    assert_non_null(strstr(fx->warn.msg[4], "duplicate")); /* line 7 */
    assert_non_null(strstr(fx->warn.msg[4], "'a'"));
    /* The handle's message is the last warning. */
    assert_string_equal(quarry_writer_errmsg(w), fx->warn.msg[NBAD - 1]);
    commit(w);
    quarry_writer_free(w);

    opened ix = open_index(dir);
    quarry_results *r = search(&ix, "alpha OR delta OR dup OR utf8 OR x OR empty");
    assert_int_equal(quarry_results_total(r), 2);
    assert_hit_id(r, 0, "a"); /* equal scores: docid order */
    assert_hit_id(r, 1, "d");
    quarry_results_free(r);
    assert_int_equal(count(&ix, "dup"), 0); /* the first "a" was kept */
    close_index(&ix);
}

/* Strict mode: the first bad line stops the call with QUARRY_EINPUT and a file:line message. */
static void test_jsonl_strict(void **state)
{
    fixture *fx = *state;
    char path[4096], dir[4096];
    snprintf(path, sizeof path, "%s", at(fx, "in.jsonl"));
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    write_file(path, bad_jsonl, sizeof bad_jsonl - 1);
    quarry_writer_options o = options(fx, NULL, 1);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_jsonl(w, path), QUARRY_EINPUT);
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s:2: ", path);
    assert_int_equal(strncmp(quarry_writer_errmsg(w), prefix, strlen(prefix)), 0);
    quarry_writer_stats st = stats(w);
    assert_int_equal(st.docs, 1);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(fx->warn.n, 1); /* reported once, then stopped */
    /* Nothing was committed: the folder holds no index and, once freed, no files. */
    quarry_writer_free(w);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_ENOTFOUND);
    quarry_index_close(ix);
    assert_int_equal(count_entries(dir), 0);

    /* A good file passes in strict mode; a missing file is QUARRY_EIO naming it. */
    write_str(path, "{\"id\":\"only\",\"text\":\"fine\"}\n");
    w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_jsonl(w, path), QUARRY_OK);
    assert_int_equal(quarry_writer_add_jsonl(w, at(fx, "missing.jsonl")), QUARRY_EIO);
    assert_non_null(strstr(quarry_writer_errmsg(w), "missing.jsonl"));
    commit(w); /* an I/O error on one input does not spoil the writer */
    quarry_writer_free(w);
    opened oi = open_index(dir);
    assert_int_equal(count(&oi, "fine"), 1);
    close_index(&oi);
}

/* The progress callback ends with done == total == the file's size. */
typedef struct progress_log {
    int calls;      /* calls received */
    uint64_t done;  /* last done */
    uint64_t total; /* last total */
} progress_log;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_log *p = ctx;
    p->calls++;
    p->done = done;
    p->total = total;
}

static void test_jsonl_progress(void **state)
{
    fixture *fx = *state;
    char path[4096];
    snprintf(path, sizeof path, "%s", at(fx, "p.jsonl"));
    write_file(path, bad_jsonl, sizeof bad_jsonl - 1);
    progress_log log = {0, 0, 0};
    quarry_writer_options o = options(fx, NULL, 0);
    o.progress = on_progress;
    o.progress_ctx = &log;
    quarry_writer *w = open_writer(at(fx, "ix"), &o);
    assert_int_equal(quarry_writer_add_jsonl(w, path), QUARRY_OK);
    assert_true(log.calls >= 1);
    assert_int_equal(log.done, sizeof bad_jsonl - 1);
    assert_int_equal(log.total, sizeof bad_jsonl - 1);
    quarry_writer_free(w);
}

/* ----- files and folders ---------------------------------------------------------------------- */

/* Makes the folder tree of test_folder_walk under tmp/in. */
static void make_tree(fixture *fx)
{
    assert_int_equal(mkdir(at(fx, "in"), 0755), 0);
    assert_int_equal(mkdir(at(fx, "in/sub"), 0755), 0);
    write_str(at(fx, "in/a.txt"), "\xEF\xBB\xBF\n\n  Title A \t\r\nbody of a, first\n");
    write_str(at(fx, "in/b.txt"), "Title B\nbad byte \xC3\x28 here\n");
    write_str(at(fx, "in/c.md"), "# Heading C\n\nmarkdown body\n");
    write_str(at(fx, "in/notes.csv"), "not,indexed,first\n");
    write_str(at(fx, "in/.hidden.txt"), "Hidden\nnot indexed first\n");
    write_str(at(fx, "in/sub/d.txt"), "Title D\nbody of d, first\n");
    write_str(at(fx, "in/sub/e.txt"), "Title \xFF E\nfirst\n");
    write_str(at(fx, "in/sub/empty.txt"), "");
}

/* Name order, relative ids, titles, ignored names; non-UTF-8 files skipped with a warning. */
static void test_folder_walk(void **state)
{
    fixture *fx = *state;
    make_tree(fx);
    char in[4096], dir[4096];
    snprintf(in, sizeof in, "%s", at(fx, "in"));
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_path(w, in), QUARRY_OK);
    quarry_writer_stats st = stats(w);
    assert_int_equal(st.docs, 4); /* a.txt, c.md, sub/d.txt, sub/empty.txt */
    assert_int_equal(st.skipped, 2);
    assert_int_equal(fx->warn.n, 2);
    assert_non_null(strstr(fx->warn.msg[0], "in/b.txt"));
    assert_non_null(strstr(fx->warn.msg[0], "UTF-8"));
    assert_non_null(strstr(fx->warn.msg[1], "in/sub/e.txt"));
    commit(w);
    quarry_writer_free(w);

    opened ix = open_index(dir);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix.ix), QUARRY_OK);
    assert_int_equal(info.docs, 4);
    quarry_results *r = search(&ix, "first OR heading OR empty");
    assert_int_equal(quarry_results_total(r), 3);
    static const char *const ids[] = {"a.txt", "c.md", "sub/d.txt"};
    static const char *const titles[] = {"Title A", "# Heading C", "Title D"};
    for (size_t i = 0; i < 3; i++) {
        quarry_hit h;
        assert_int_equal(quarry_results_get(&h, r, i), QUARRY_OK);
        assert_true(h.docid < 3); /* docids follow the name order */
        assert_hit_id(r, i, ids[h.docid]);
        assert_int_equal(h.title_len, strlen(titles[h.docid]));
        assert_memory_equal(h.title, titles[h.docid], h.title_len);
    }
    quarry_results_free(r);
    assert_int_equal(count(&ix, "hidden OR indexed OR bad OR byte"), 0);
    close_index(&ix);
}

/* Strict mode: the non-UTF-8 file stops the walk with QUARRY_EINPUT naming it. */
static void test_folder_strict(void **state)
{
    fixture *fx = *state;
    make_tree(fx);
    char in[4096];
    snprintf(in, sizeof in, "%s", at(fx, "in"));
    quarry_writer_options o = options(fx, NULL, 1);
    quarry_writer *w = open_writer(at(fx, "ix"), &o);
    assert_int_equal(quarry_writer_add_path(w, in), QUARRY_EINPUT);
    assert_non_null(strstr(quarry_writer_errmsg(w), "in/b.txt"));
    assert_int_equal(stats(w).docs, 1); /* a.txt came first */
    assert_int_equal(fx->warn.n, 1);
    quarry_writer_free(w);
}

/* A file named directly is indexed whatever its name, with the path as given for id; a missing
 * path is QUARRY_EIO naming it; an empty folder adds nothing and commits an empty index. */
static void test_paths(void **state)
{
    fixture *fx = *state;
    make_tree(fx);
    char csv[4096], dir[4096];
    snprintf(csv, sizeof csv, "%s", at(fx, "in/notes.csv"));
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_path(w, csv), QUARRY_OK);
    assert_int_equal(quarry_writer_add_path(w, at(fx, "nowhere")), QUARRY_EIO);
    assert_non_null(strstr(quarry_writer_errmsg(w), "nowhere"));
    assert_int_equal(stats(w).docs, 1);
    commit(w);
    quarry_writer_free(w);
    opened ix = open_index(dir);
    quarry_results *r = search(&ix, "not");
    assert_int_equal(quarry_results_total(r), 1);
    assert_hit_id(r, 0, csv);
    quarry_results_free(r);
    close_index(&ix);

    /* An empty folder: zero documents, and the empty index commits, opens and finds nothing. */
    char empty[4096], edir[4096];
    snprintf(empty, sizeof empty, "%s", at(fx, "empty"));
    snprintf(edir, sizeof edir, "%s", at(fx, "eix"));
    assert_int_equal(mkdir(empty, 0755), 0);
    w = open_writer(edir, &o);
    assert_int_equal(quarry_writer_add_path(w, empty), QUARRY_OK);
    assert_int_equal(stats(w).docs, 0);
    assert_int_equal(stats(w).skipped, 0);
    commit(w);
    quarry_writer_free(w);
    ix = open_index(edir);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix.ix), QUARRY_OK);
    assert_int_equal(info.docs, 0);
    assert_int_equal(info.terms, 0);
    assert_int_equal(info.tokens, 0);
    assert_int_equal(count(&ix, "anything \"at all\" +really -not"), 0);
    close_index(&ix);
}

/* ----- quarry_writer_add ---------------------------------------------------------------------- */

/* Duplicate ids: the first document is kept, the second rejected with a warning. */
static void test_duplicate_ids(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    quarry_document d1 = doc("same", "One", "first version"),
                    d2 = doc("same", "Two", "second version");
    assert_int_equal(quarry_writer_add(w, &d1), QUARRY_OK);
    assert_int_equal(quarry_writer_add(w, &d2), QUARRY_EINPUT);
    assert_int_equal(fx->warn.n, 1);
    assert_non_null(strstr(fx->warn.msg[0], "duplicate"));
    assert_non_null(strstr(fx->warn.msg[0], "same"));
    /* Ids are compared as bytes: a prefix or a case variant is another id. */
    quarry_document d3 = doc("sam", NULL, "third"), d4 = doc("SAME", NULL, "fourth");
    assert_int_equal(quarry_writer_add(w, &d3), QUARRY_OK);
    assert_int_equal(quarry_writer_add(w, &d4), QUARRY_OK);
    assert_int_equal(stats(w).docs, 3);
    assert_int_equal(stats(w).skipped, 1);
    commit(w);
    quarry_writer_free(w);
    opened ix = open_index(dir);
    assert_int_equal(count(&ix, "second"), 0);
    assert_int_equal(count(&ix, "first"), 1);
    assert_int_equal(count(&ix, "version OR third OR fourth"), 3);
    close_index(&ix);
}

/* Empty, over-long and non-UTF-8 ids and non-UTF-8 text are rejected; the writer stays usable. */
static void test_bad_ids(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    quarry_writer_options o = options(fx, NULL, 1); /* strict or not, add returns EINPUT */
    quarry_writer *w = open_writer(dir, &o);
    char long_id[1026];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[1025] = '\0';
    quarry_document d = doc("", "t", "empty id");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_EINPUT);
    assert_non_null(strstr(quarry_writer_errmsg(w), "empty"));
    d = doc(long_id, "t", "long id"); /* 1025 bytes */
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_EINPUT);
    d = doc("bad\xC0\xAF", "t", "overlong encoding in the id");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_EINPUT);
    d = doc("text", "t", "surrogate \xED\xA0\x80 in the text");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_EINPUT);
    assert_non_null(strstr(quarry_writer_errmsg(w), "UTF-8"));
    d = doc("title", "bad \xF8 title", "text");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_EINPUT);
    assert_int_equal(fx->warn.n, 5);
    /* Accepted: an id of exactly 1024 bytes, NULL title and text with zero lengths. */
    long_id[1024] = '\0';
    d = doc(long_id, NULL, "the longest id");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    quarry_document empty = {"nothing", 7, NULL, 0, NULL, 0};
    assert_int_equal(quarry_writer_add(w, &empty), QUARRY_OK);
    /* The rejected ids were not taken: "text" can be used now. */
    d = doc("text", NULL, "valid now");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    assert_int_equal(stats(w).docs, 3);
    assert_int_equal(stats(w).skipped, 5);
    assert_int_equal(quarry_writer_add(w, NULL), QUARRY_ERROR);
    assert_int_equal(quarry_writer_add(NULL, &d), QUARRY_ERROR);
    commit(w);
    quarry_writer_free(w);
    opened ix = open_index(dir);
    quarry_results *r = search(&ix, "longest");
    assert_int_equal(quarry_results_total(r), 1);
    assert_hit_id(r, 0, long_id);
    quarry_results_free(r);
    r = search(&ix, "valid");
    assert_hit_id(r, 0, "text");
    quarry_results_free(r);
    close_index(&ix);
}

/* A writer commits once; afterwards adds and commits fail; NULL handles are harmless. */
static void test_commit_once(void **state)
{
    fixture *fx = *state;
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(at(fx, "ix"), &o);
    quarry_document d = doc("1", "t", "text");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    commit(w);
    quarry_writer_stats st = stats(w);
    assert_int_equal(st.docs, 1);
    assert_true(st.index_bytes > 0 && st.store_bytes > 0);
    d = doc("2", "t", "more");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_ERROR);
    assert_non_null(strstr(quarry_writer_errmsg(w), "committed"));
    assert_int_equal(quarry_writer_commit(w), QUARRY_ERROR);
    assert_int_equal(stats(w).docs, 1);
    quarry_writer_free(w);
    quarry_writer_free(NULL);
    assert_non_null(quarry_writer_errmsg(NULL));
    assert_int_equal(quarry_writer_get_stats(&st, NULL), QUARRY_ERROR);
    assert_int_equal(quarry_writer_commit(NULL), QUARRY_ERROR);
    assert_int_equal(quarry_writer_add_path(NULL, "x"), QUARRY_ERROR);
    assert_int_equal(quarry_writer_add_jsonl(NULL, "x"), QUARRY_ERROR);
}

/* ----- languages ------------------------------------------------------------------------------ */

/* An unknown language is QUARRY_ENOTFOUND with the known ones listed, and no folder is made. */
static void test_unknown_language(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    quarry_writer_options o = options(fx, "klingon", 0);
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_ENOTFOUND);
    assert_non_null(w); /* failed state, for the message */
    const char *msg = quarry_writer_errmsg(w);
    assert_non_null(strstr(msg, "klingon"));
    assert_non_null(strstr(msg, "none"));
    assert_non_null(strstr(msg, "english"));
    assert_non_null(strstr(msg, "french"));
    assert_non_null(strstr(msg, "spanish"));
    /* The failed writer refuses everything with the same code. */
    quarry_document d = doc("1", NULL, "x");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_ENOTFOUND);
    assert_int_equal(quarry_writer_commit(w), QUARRY_ENOTFOUND);
    quarry_writer_free(w);
    assert_false(exists(dir));
    w = NULL;
    o.language = "";
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_ENOTFOUND);
    quarry_writer_free(w);
}

/* Builds a one-document index in `language` and returns it opened. */
static opened build_lang(fixture *fx, const char *name, const char *language, const char *text)
{
    quarry_writer_options o = options(fx, language, 0);
    quarry_writer *w = open_writer(at(fx, name), &o);
    quarry_document d = doc("1", NULL, text);
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    commit(w);
    quarry_writer_free(w);
    return open_index(at(fx, name));
}

static void assert_language(const opened *o, const char *lang)
{
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, o->ix), QUARRY_OK);
    assert_string_equal(info.language, lang);
}

/* "none" does not stem, "french" stems French; the canonical name is recorded and used by the
 * searcher for queries. */
static void test_languages(void **state)
{
    fixture *fx = *state;
    opened o = build_lang(fx, "none", "none", "Running runners ran quickly");
    assert_language(&o, "none");
    assert_int_equal(count(&o, "running"), 1);
    assert_int_equal(count(&o, "RUNNING"), 1); /* folding still applies */
    assert_int_equal(count(&o, "run OR runner"), 0);
    close_index(&o);

    o = build_lang(fx, "en", NULL, "Running runners ran quickly");
    assert_language(&o, "english");
    assert_int_equal(count(&o, "run"), 1);
    assert_int_equal(count(&o, "runner"), 1);
    close_index(&o);

    o = build_lang(fx, "fr", "french",
                   "Les chanteuses chantaient des chansons \xC3\xA0 "
                   "l'\xC3\xA9glise");
    assert_language(&o, "french");
    assert_int_equal(count(&o, "chanteuse"), 1);
    assert_int_equal(count(&o, "chansons"), 1);
    assert_int_equal(count(&o, "\"chanteuse chantait\""), 1);
    close_index(&o);

    o = build_lang(fx, "iso", "FR", "Les chanteuses");
    assert_language(&o, "french");
    assert_int_equal(count(&o, "chanteuse"), 1);
    close_index(&o);

    o = build_lang(fx, "caps", "English", "Running");
    assert_language(&o, "english");
    assert_int_equal(count(&o, "runs"), 1);
    close_index(&o);
}

/* ----- commit protocol ------------------------------------------------------------------------ */

/* Without a commit there is no index, and nothing is left in the folder. */
static void test_uncommitted(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_path(w, QUARRY_SAMPLE_DIR), QUARRY_OK);
    quarry_index *ix = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_ENOTFOUND); /* not yet visible */
    assert_true(strlen(quarry_index_errmsg(ix)) > 0);
    quarry_index_close(ix);
    quarry_writer_free(w);
    ix = NULL;
    assert_int_equal(quarry_index_open(&ix, dir), QUARRY_ENOTFOUND);
    assert_non_null(strstr(quarry_index_errmsg(ix), "MANIFEST"));
    quarry_searcher *s = NULL;
    assert_int_equal(quarry_searcher_create(&s, ix), QUARRY_ERROR);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, ix), QUARRY_ERROR);
    quarry_index_close(ix);
    assert_int_equal(count_entries(dir), 0);
}

static const char *const digest_queries[] = {"\"Delcy Rodriguez\"", "embassy reopening",
                                             "+maduro -oil", "oil AND trump"};
#define NDIGEST (sizeof digest_queries / sizeof digest_queries[0])

/* Digests of the index in dir, and its generation. */
static uint64_t digest_index(const char *dir, char out[NDIGEST][8192])
{
    opened o = open_index(dir);
    for (size_t i = 0; i < NDIGEST; i++)
        results_digest(&o, digest_queries[i], out[i], sizeof out[i]);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, o.ix), QUARRY_OK);
    close_index(&o);
    return info.generation;
}

static void assert_same_index(const char *dir, char before[NDIGEST][8192], uint64_t gen)
{
    static char after[NDIGEST][8192];
    assert_int_equal(digest_index(dir, after), gen);
    for (size_t i = 0; i < NDIGEST; i++)
        assert_string_equal(before[i], after[i]);
}

/* Abandoned, failed and failing writers leave the previous index in force. */
static void test_failed_writer_keeps_index(void **state)
{
    fixture *fx = *state;
    char dir[4096], path[4096], blocker[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    snprintf(path, sizeof path, "%s", at(fx, "bad.jsonl"));
    snprintf(blocker, sizeof blocker, "%s", at(fx, "ix/seg_2_0.dict"));
    build_sample(fx, dir);
    static char before[NDIGEST][8192];
    assert_int_equal(digest_index(dir, before), 1);
    assert_true(strlen(before[0]) > 50);

    /* Abandoned: documents added, never committed. */
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    quarry_document d = doc("new", "New", "Delcy Rodriguez embassy reopening maduro");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    assert_same_index(dir, before, 1); /* invisible while the writer is open */
    quarry_writer_free(w);
    assert_same_index(dir, before, 1);
    assert_int_equal(count_entries(dir), 6);

    /* Failed: strict mode stops on a bad line; the caller gives up. */
    write_file(path, bad_jsonl, sizeof bad_jsonl - 1);
    o = options(fx, NULL, 1);
    w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add_jsonl(w, path), QUARRY_EINPUT);
    quarry_writer_free(w);
    assert_same_index(dir, before, 1);
    assert_int_equal(count_entries(dir), 6);

    /* Failing: the commit cannot rename seg_2_0.dict.tmp onto a folder of that name. */
    o = options(fx, NULL, 0);
    w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    assert_int_equal(mkdir(blocker, 0755), 0);
    int rc = quarry_writer_commit(w);
    assert_int_equal(rc, QUARRY_EIO);
    assert_non_null(strstr(quarry_writer_errmsg(w), "seg_2_0.dict"));
    assert_int_equal(quarry_writer_commit(w), QUARRY_EIO); /* the failure is sticky */
    /* The files the commit had already put in place (.store, .docs, .post, .pos) are gone. */
    assert_int_equal(count_entries(dir), 6 + 1 + 1); /* + the blocker + LOCK */
    quarry_writer_free(w);
    assert_same_index(dir, before, 1);
    assert_int_equal(rmdir(blocker), 0);
    assert_int_equal(count_entries(dir), 6);

    /* The next successful commit replaces the index and sweeps the failed one's leftovers. */
    w = open_writer(dir, &o);
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    commit(w);
    quarry_writer_free(w);
    opened oi = open_index(dir);
    quarry_index_info info;
    assert_int_equal(quarry_index_get_info(&info, oi.ix), QUARRY_OK);
    assert_true(info.generation >= 2);
    assert_int_equal(info.docs, 1);
    close_index(&oi);
    assert_int_equal(count_entries(dir), 6);
}

/* Stale temporaries and other generations' files go at the next commit; foreign files stay. */
static void test_stale_files_removed(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    build_sample(fx, dir);
    static const char *const stale[] = {
        "ix/MANIFEST.tmp", "ix/seg_1.dict.tmp", "ix/seg_7.post.tmp", "ix/seg_5.docs",
        "ix/seg_3.store",  "ix/seg_6_2.pos",    "ix/seg_1_0.4.del",  "ix/seg_2_1.7.del.tmp"};
    static const char *const foreign[] = {"ix/notes.txt", "ix/seg", "ix/other.tmp",
                                          "ix/MANIFEST.bak"};
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++)
        write_str(at(fx, stale[i]), "stale");
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        write_str(at(fx, foreign[i]), "keep");
    /* The stale files do not disturb readers. */
    static char before[NDIGEST][8192];
    assert_int_equal(digest_index(dir, before), 1);

    build_sample(fx, dir);
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
        if (exists(at(fx, stale[i])))
            print_error("%s was not removed\n", stale[i]);
        assert_false(exists(at(fx, stale[i])));
    }
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        assert_true(exists(at(fx, foreign[i])));
    assert_false(exists(at(fx, "ix/seg_1_0.dict")));
    /* The new generation follows the highest generation seen in a name (7, of a segment and of
     * a deletion file), so nothing is overwritten. */
    uint64_t gen = digest_index(dir, before);
    assert_int_equal(gen, 8);
    assert_true(exists(at(fx, "ix/seg_8_0.dict")));
    assert_int_equal(count_entries(dir), 6 + (int)(sizeof foreign / sizeof foreign[0]));
}

/* A folder that cannot be made, or a file in its place, is QUARRY_EIO with a message. */
static void test_bad_folder(void **state)
{
    fixture *fx = *state;
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, at(fx, "no/such/parent"), &o), QUARRY_EIO);
    assert_non_null(strstr(quarry_writer_errmsg(w), "no/such/parent"));
    quarry_writer_free(w);
    write_str(at(fx, "file"), "x");
    w = NULL;
    assert_int_equal(quarry_writer_open(&w, at(fx, "file"), &o), QUARRY_EIO);
    assert_true(strlen(quarry_writer_errmsg(w)) > 0);
    quarry_writer_free(w);
}

/* ----- writer lock ---------------------------------------------------------------------------- */

/* The pid written in dir/LOCK, or -1 if there is no such file or no pid in it. */
static long lock_owner(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    long pid = -1;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = -1;
    fclose(f);
    return pid;
}

/* Asserts that opening a writer on dir fails with QUARRY_ELOCKED naming dir and pid. */
static void assert_locked(fixture *fx, const char *dir, long pid)
{
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = NULL;
    assert_int_equal(quarry_writer_open(&w, dir, &o), QUARRY_ELOCKED);
    const char *msg = quarry_writer_errmsg(w);
    char want[4200];
    snprintf(want, sizeof want, "%s: locked by another writer (pid %ld", dir, pid);
    if (strncmp(msg, want, strlen(want)) != 0) {
        print_error("message '%s', expected it to start with '%s'\n", msg, want);
        fail();
    }
    /* The refused writer is failed, and freeing it leaves the holder's lock alone. */
    quarry_document d = doc("x", NULL, "x");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_ELOCKED);
    quarry_writer_free(w);
    assert_int_equal(lock_owner(dir), pid);
}

/* A second writer in the same process is refused; readers are not; freeing the first (which
 * removes LOCK) lets the next one in. */
static void test_lock_same_process(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    build_sample(fx, dir);
    assert_false(exists(at(fx, "ix/LOCK")));
    quarry_writer_options o = options(fx, NULL, 0);
    quarry_writer *w = open_writer(dir, &o);
    assert_int_equal(lock_owner(dir), (long)getpid());
    assert_locked(fx, dir, (long)getpid());
    assert_non_null(strstr(quarry_strerror(QUARRY_ELOCKED), "locked"));

    opened ix = open_index(dir);               /* readers never take the lock */
    assert_int_equal(count(&ix, "maduro"), 5); /* every sample article */
    close_index(&ix);

    quarry_document d = doc("one", NULL, "lonely maduro");
    assert_int_equal(quarry_writer_add(w, &d), QUARRY_OK);
    commit(w); /* the holder is unaffected by the refused writer */
    quarry_writer_free(w);
    assert_false(exists(at(fx, "ix/LOCK")));
    assert_int_equal(count_entries(dir), 6);

    w = open_writer(dir, &o);
    quarry_writer_free(w);
    ix = open_index(dir);
    assert_int_equal(count(&ix, "maduro"), 1);
    close_index(&ix);
}

/*
 * Forks a child that opens a writer on dir, adds a document and reports on `ready` (one byte:
 * 'r' ready, 'e' error). Then, if die is set, it kills itself with SIGKILL without freeing the
 * writer; otherwise it waits until `go` is closed, frees the writer and exits 0. The child uses
 * no CMocka calls: it runs on a copy of the test's state.
 */
static pid_t spawn_writer(const char *dir, int die, int *ready, int *go)
{
    int rp[2], gp[2];
    assert_int_equal(pipe(rp), 0);
    assert_int_equal(pipe(gp), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(rp[0]);
        close(gp[1]);
        quarry_writer *w = NULL;
        quarry_document d = doc("child", NULL, "written by the child");
        quarry_writer_options o = QUARRY_WRITER_OPTIONS_INIT;
        o.threads = 1; /* the document is in the buffer, its store file begun, when add returns */
        int ok = quarry_writer_open(&w, dir, &o) == QUARRY_OK && quarry_writer_add(w, &d) == 0;
        char c = ok ? 'r' : 'e';
        if (write(rp[1], &c, 1) != 1 || !ok)
            _exit(1);
        if (die)
            raise(SIGKILL);
        while (read(gp[0], &c, 1) > 0)
            ;
        quarry_writer_free(w);
        _exit(0);
    }
    close(rp[1]);
    close(gp[0]);
    *ready = rp[0];
    *go = gp[1];
    return pid;
}

/* A writer in another process is refused with its pid; once it is freed, a new one succeeds. */
static void test_lock_other_process(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    int ready, go;
    pid_t pid = spawn_writer(dir, 0, &ready, &go);
    char c = 0;
    assert_int_equal(read(ready, &c, 1), 1);
    assert_int_equal(c, 'r');
    assert_locked(fx, dir, (long)pid);
    close(go); /* the child frees its writer and exits */
    close(ready);
    int status = testutil_reap(pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_false(exists(at(fx, "ix/LOCK")));
    assert_int_equal(count_entries(dir), 0); /* it never committed */
    build_sample(fx, dir);
}

/* A writer killed without quarry_writer_free leaves LOCK with its pid; the next writer takes it
 * over and its commit sweeps the dead writer's temporary file. */
static void test_lock_stale(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    build_sample(fx, dir);
    int ready, go;
    pid_t pid = spawn_writer(dir, 1, &ready, &go);
    char c = 0;
    assert_int_equal(read(ready, &c, 1), 1);
    assert_int_equal(c, 'r');
    int status = testutil_reap(pid);
    close(ready);
    close(go);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(lock_owner(dir), (long)pid);
    assert_true(exists(at(fx, "ix/seg_2_0.store.tmp")));

    build_sample(fx, dir); /* takes the stale lock over */
    assert_false(exists(at(fx, "ix/LOCK")));
    assert_false(exists(at(fx, "ix/seg_2_0.store.tmp")));
    assert_int_equal(count_entries(dir), 6);
    opened ix = open_index(dir);
    assert_int_equal(count(&ix, "maduro"), 5); /* every sample article */
    assert_int_equal(count(&ix, "child"), 0);
    close_index(&ix);
}

#define CONTENDERS  4   /* processes competing for one folder's lock */
#define CONTENTIONS 150 /* writer opens each of them tries */

/*
 * Body of a contender: tries CONTENTIONS times to open a writer on dir; while it holds one it
 * creates dir/holder exclusively (which fails if another writer holds the lock at the same
 * time), waits a little and removes it. Exits with 0, 1 on a violation or 2 on another failure,
 * after writing its successful opens to fd. No CMocka calls.
 */
static void contend(const char *dir, int fd)
{
    char holder[4200];
    snprintf(holder, sizeof holder, "%s/holder", dir);
    unsigned got = 0;
    for (int i = 0; i < CONTENTIONS; i++) {
        quarry_writer *w = NULL;
        int rc = quarry_writer_open(&w, dir, NULL);
        if (rc == QUARRY_OK) {
            int h = open(holder, O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (h < 0)
                _exit(1);
            close(h);
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
            unlink(holder);
            got++;
        } else if (rc != QUARRY_ELOCKED) {
            _exit(2);
        }
        quarry_writer_free(w);
    }
    _exit(write(fd, &got, sizeof got) == (ssize_t)sizeof got ? 0 : 2);
}

/* Writers opening and freeing in several processes at once never hold the lock together. */
static void test_lock_contention(void **state)
{
    fixture *fx = *state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", at(fx, "ix"));
    assert_int_equal(mkdir(dir, 0755), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pids[CONTENDERS];
    for (int i = 0; i < CONTENDERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(p[0]);
            contend(dir, p[1]);
        }
    }
    close(p[1]);
    unsigned total = 0, got;
    while (read(p[0], &got, sizeof got) == (ssize_t)sizeof got)
        total += got;
    close(p[0]);
    for (int i = 0; i < CONTENDERS; i++) {
        int status = testutil_reap(pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            print_error("contender %d: status %d (exit 1: two writers held the lock)\n", i, status);
            fail();
        }
    }
    assert_true(total > 0);
    assert_false(exists(at(fx, "ix/LOCK")));
    assert_int_equal(count_entries(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jsonl_bad_lines_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_languages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_writer_keeps_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_files_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_same_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_other_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
