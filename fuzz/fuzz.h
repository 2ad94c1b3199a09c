/*
 * fuzz.h: what the fuzz targets share.
 *
 * Each fuzz/<target>_fuzzer.c defines LLVMFuzzerTestOneInput, the libFuzzer entry point. With
 * clang and QUARRY_BUILD_FUZZERS=ON it is linked against libFuzzer (<target>_fuzzer); under any
 * compiler it is also linked with standalone_driver.c (<target>_replay), which replays a corpus
 * for ctest. The prototype lives here because the project builds with -Wmissing-prototypes.
 *
 * Contract of every target: return 0 for every input; abort() when an invariant of the code
 * under test is violated (so that libFuzzer, the sanitizers and ctest all report it).
 */
#ifndef QUARRY_FUZZ_H
#define QUARRY_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs the target over data[0..size). Returns 0; aborts on a violated invariant. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The process's private scratch folder, created under $TMPDIR (or /tmp) on the first call and
 * emptied and removed at exit. Returns its path (static storage, the same on every call), or
 * NULL if it cannot be created. The folder is flat: cleanup removes files, not subfolders.
 */
const char *fuzz_tempdir(void);

/*
 * Writes data[0..size) to dir/name, replacing the file. Returns 0, or -1 on failure.
 */
int fuzz_write_file(const char *dir, const char *name, const void *data, size_t size);

/* Prints "file:line: invariant failed: what" to stderr and aborts. */
_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* Aborts, naming the condition, when `cond` is false. Active in every build (unlike assert). */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond);                                                  \
    } while (0)

#endif
