/*
 * bm25.c: the ranking function, alone so that every scorer uses the same arithmetic.
 * Lucene's BM25 (BM25Similarity since Lucene 8): idf * tf / (tf + k1 * (1 - b + b * dl/avgdl)),
 * idf = ln(1 + (N - df + 0.5) / (df + 0.5)). Lucene 7 and older multiplied by (k1 + 1); the
 * factor is the same for every document, so rankings do not change. The score itself is
 * bm25_score, inline in internal.h (it runs once per posting scored); this file holds what
 * runs once per query.
 */
#include "internal.h"

#include <math.h>

double bm25_idf(const bm25 *p, double df)
{
    return log(1.0 + (p->n - df + 0.5) / (df + 0.5));
}

void bm25_init(bm25 *p, double k1, double b, double n, double avgdl)
{
    p->k1 = k1;
    p->b = b;
    p->n = n;
    p->avgdl = avgdl;
    p->norm0 = k1 * (1.0 - b);
    p->norm1 = avgdl > 0 ? k1 * b / avgdl : 0.0;
}
