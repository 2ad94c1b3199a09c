/*
 * alloc: the one place quarry takes heap memory from. Thin, overflow-checked wrappers around
 * the C allocator, so that every size computation is checked once and tests can audit memory.
 */
#ifndef QUARRY_COMMON_ALLOC_H
#define QUARRY_COMMON_ALLOC_H

#include <stddef.h>

/* malloc(n), never returning a pointer for n == 0 that can't be freed. NULL on failure. */
void *alloc_bytes(size_t n);

/* Zeroed array of n elements of `size` bytes; NULL on failure or if n * size overflows. */
void *alloc_array(size_t n, size_t size);

/* realloc(p, n * size), NULL (p untouched) on failure or overflow. */
void *alloc_resize(void *p, size_t n, size_t size);

/* Array of n elements of `size` bytes whose address is a multiple of `align` (a power of two,
 * at least sizeof(void *)); not zeroed; free with alloc_free. NULL on failure or overflow. */
void *alloc_aligned(size_t align, size_t n, size_t size);

/* Copy of the n bytes at s plus a terminating NUL; NULL on failure. */
char *alloc_strndup(const char *s, size_t n);

/* free(p). NULL is a no-op. */
void alloc_free(void *p);

/*
 * n bytes (n > 0) of zeroed memory taken from the system directly (an anonymous mapping,
 * rounded up to whole pages), for large blocks that must go back to the system as soon as
 * they are freed: the C allocator keeps freed memory for reuse, so its footprint is the
 * high-water mark of what was ever allocated. The pages are mapped at once (where the system
 * allows it), for memory that is written right away. Free with alloc_pages_free(p, n). NULL on
 * failure.
 */
void *alloc_pages(size_t n);

/* Returns the n bytes at p (from alloc_pages(n)) to the system. NULL is a no-op. */
void alloc_pages_free(void *p, size_t n);

/* Returns to the system what the C allocator keeps of freed memory, where it can (glibc:
 * malloc_trim); elsewhere a no-op. For after freeing a large structure of many blocks. */
void alloc_release(void);

#endif
