/*
 * testutil.c: file and process helpers shared by the unit tests (see testutil.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "testutil.h"

void testutil_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char p[4096];
                snprintf(p, sizeof p, "%s/%s", path, e->d_name);
                testutil_rm_rf(p);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

char *testutil_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

uint8_t *testutil_read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return b;
}

void testutil_set_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t testutil_fix_crc(uint8_t *data, size_t size)
{
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)(size - 8));
    testutil_set_u32(data + size - 8, crc);
    return crc;
}

int testutil_reap(int pid)
{
    int status;
    pid_t r;
    while ((r = waitpid((pid_t)pid, &status, 0)) < 0 && errno == EINTR)
        ;
    assert_int_equal(r, pid);
    return status;
}

void testutil_doc_text(char *dst, size_t cap, uint32_t i)
{
    static const char *const words[] = {"embassy",   "caracas",  "oil",    "sanctions", "the",
                                        "reopening", "minister", "talks",  "delcy",     "rodriguez",
                                        "venezuela", "exports",  "tanker", "port",      "crude",
                                        "diplomat",  "envoy",    "accord", "vote",      "senate"};
    uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
    size_t o = 0;
    uint32_t n = 5 + (uint32_t)(x % 60) + (i % 37 == 0 ? 400 : 0);
    dst[0] = '\0';
    for (uint32_t k = 0; k < n && o + 32 < cap; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t r = (uint32_t)(x % 1000);
        uint32_t w = r < 300 ? 4 : r < 500 ? r % 4 : r % 20; /* "the" and a few others lead */
        if (i % 37 == 0 && k % 3 == 0)
            w = 0; /* many occurrences in one document */
        o += (size_t)snprintf(dst + o, cap - o, "%s%s", k ? " " : "", words[w]);
        if (k % 11 == 5 && o + 40 < cap)
            o += (size_t)snprintf(dst + o, cap - o, " word%u", i % 97); /* rarer terms */
    }
    if (i % 50 == 7 && o + 20 < cap)
        snprintf(dst + o, cap - o, " unique%u", i); /* a term of one document only */
}
