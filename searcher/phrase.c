/*
 * phrase.c: counts a phrase's occurrences in one document from its terms' position lists: the
 * definition of a phrase match for every module that scores phrases. explain.c calls it;
 * eval.c's phrase_freq computes the same count over its scorers and is meant to call it
 * instead. It sees postings only through cursor.c's positions; the caller has put every cursor
 * on the same document.
 */
#include "internal.h"

/* Is `want` among the sorted positions a[0..n)? */
static int has_position(const uint32_t *a, uint32_t n, uint32_t want)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < want)
            lo = mid + 1;
        else if (a[mid] > want)
            hi = mid;
        else
            return 1;
    }
    return 0;
}

uint32_t phrase_count(cursor *c, size_t n, const uint32_t *offsets)
{
    const uint32_t *first;
    uint32_t nfirst = cursor_positions(&c[0], &first), count = 0;
    for (uint32_t k = 0; k < nfirst; k++) {
        uint32_t start = first[k];
        size_t i = 1;
        for (; i < n; i++) {
            const uint32_t *pos;
            uint32_t npos = cursor_positions(&c[i], &pos);
            if (start > UINT32_MAX - offsets[i] || !has_position(pos, npos, start + offsets[i]))
                break;
        }
        if (i == n)
            count++;
    }
    return count;
}
