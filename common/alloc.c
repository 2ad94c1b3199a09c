/*
 * alloc.c: overflow-checked wrappers around malloc/calloc/realloc, and pages straight from the
 * system. Every module allocates through these (common/alloc.h), never through the C library
 * directly.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, which POSIX 2008 lacks; glibc's malloc_trim */

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void *alloc_bytes(size_t n)
{
    return malloc(n ? n : 1);
}

void *alloc_array(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    if (n > SIZE_MAX / size)
        return NULL;
    return calloc(n, size);
}

void *alloc_resize(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    return realloc(p, bytes ? bytes : 1);
}

void *alloc_aligned(size_t align, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    bytes = (bytes + align - 1) / align * align; /* aligned_alloc wants a multiple */
    return aligned_alloc(align, bytes ? bytes : align);
}

char *alloc_strndup(const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void alloc_free(void *p)
{
    free(p);
}

void *alloc_pages(size_t n)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#if defined(MAP_POPULATE)
    /* The pages are about to be written: mapping them all at once costs one call instead of a
     * page fault each (several times dearer in a virtual machine). */
    flags |= MAP_POPULATE;
#endif
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void alloc_pages_free(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}

void alloc_release(void)
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
