/*
 * phrase.c: counts a phrase's occurrences in one document from its terms' position lists: the
 * definition of a phrase match for every module that scores phrases (scorer.c, explain.c).
 * It sees postings only through cursor.c's positions; the caller has put every cursor on the
 * same document. Each occurrence of the word with the fewest occurrences in the document (the
 * anchor) proposes a start, which every other word must confirm.
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
    size_t a = 0;
    for (size_t i = 1; i < n; i++)
        if (cursor_freq(&c[i]) < cursor_freq(&c[a]))
            a = i;
    const uint32_t *anchor;
    uint32_t nanchor = cursor_positions(&c[a], &anchor), count = 0;
    for (uint32_t k = 0; k < nanchor; k++) {
        if (anchor[k] < offsets[a])
            continue; /* the phrase would start before the document */
        uint32_t start = anchor[k] - offsets[a];
        size_t i = 0;
        for (; i < n; i++) {
            if (i == a)
                continue;
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
