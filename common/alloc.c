/*
 * alloc.c: overflow-checked wrappers around malloc/calloc/realloc. Every module allocates
 * through these (common/alloc.h), never through the C library directly.
 */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
