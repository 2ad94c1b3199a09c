/*
 * fuzz_util.c: helpers shared by the fuzz targets (fuzz.h): the failure report and a private
 * scratch folder for the targets that go through files (query_fuzzer builds an index in it,
 * index_fuzzer writes the index files it is given). POSIX only; linked into every target.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tempdir[4096]; /* the scratch folder, "" until created */

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    abort();
}

/* Removes the scratch folder's files, then the folder (registered with atexit). */
static void remove_tempdir(void)
{
    DIR *d = opendir(tempdir);
    if (d) {
        struct dirent *e;
        char path[sizeof tempdir + 256];
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof path, "%s/%s", tempdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tempdir);
}

const char *fuzz_tempdir(void)
{
    if (tempdir[0])
        return tempdir;
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int n = snprintf(tempdir, sizeof tempdir, "%s/quarry-fuzz-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof tempdir || !mkdtemp(tempdir)) {
        tempdir[0] = '\0';
        return NULL;
    }
    atexit(remove_tempdir);
    return tempdir;
}

int fuzz_write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[sizeof tempdir + 256];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = size == 0 || fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}
