/*
 * search.c: the smallest useful program embedding quarry. Opens an index, runs one query and
 * prints the hits with their snippets.
 *
 *     build/example-search news.idx '"Delcy Rodriguez"'
 */
#include <stdio.h>
#include <string.h>

#include <quarry/quarry.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s INDEX QUERY\n", argv[0]);
        return 2;
    }
    quarry_index *ix = NULL;
    quarry_searcher *s = NULL;
    quarry_results *r = NULL;
    int status = 1;

    /* 1. Open the index. It is read-only and may be shared by many threads. Even when opening
     *    fails, the handle (if any) carries the detailed message, and must be closed. */
    if (quarry_index_open(&ix, argv[1]) != QUARRY_OK) {
        fprintf(stderr, "%s\n", quarry_index_errmsg(ix));
        goto done;
    }

    /* 2. A searcher holds per-thread state (the query analyzer). One per thread. */
    if (quarry_searcher_create(&s, ix) != QUARRY_OK)
        goto done;

    /* 3. Search: options start from their defaults (top 10, BM25 k1 = 1.2, b = 0.75). */
    quarry_search_options opts = QUARRY_SEARCH_OPTIONS_INIT;
    opts.k = 5;
    if (quarry_searcher_search(&r, s, argv[2], strlen(argv[2]), &opts) != QUARRY_OK) {
        fprintf(stderr, "%s\n", quarry_searcher_errmsg(s));
        goto done;
    }

    /* 4. Walk the hits. Strings are (pointer, length) pairs borrowed from the results. */
    printf("%llu matching documents\n", (unsigned long long)quarry_results_total(r));
    for (size_t i = 0; i < quarry_results_size(r); i++) {
        quarry_hit h;
        quarry_results_get(&h, r, i);
        printf("%zu. %.3f %.*s\n   %.*s\n", i + 1, h.score, (int)h.id_len, h.id, (int)h.snippet_len,
               h.snippet ? h.snippet : "");
    }
    status = 0;

done:
    /* 5. Free in reverse order; every free function accepts NULL. */
    quarry_results_free(r);
    quarry_searcher_free(s);
    quarry_index_close(ix);
    return status;
}
