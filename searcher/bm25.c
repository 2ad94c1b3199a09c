/*
 * bm25.c: the ranking function, alone so that every scorer uses the same arithmetic.
 * Lucene's BM25 (BM25Similarity since Lucene 8): idf * tf / (tf + k1 * (1 - b + b * dl/avgdl)),
 * idf = ln(1 + (N - df + 0.5) / (df + 0.5)). Lucene 7 and older multiplied by (k1 + 1); the
 * factor is the same for every document, so rankings do not change.
 */
#include "internal.h"

#include <math.h>

double bm25_idf(const bm25 *p, double df)
{
    return log(1.0 + (p->n - df + 0.5) / (df + 0.5));
}

double bm25_score(const bm25 *p, double idf, double tf, double dl)
{
    double norm = p->k1 * (1.0 - p->b + (p->avgdl > 0 ? p->b * dl / p->avgdl : 0.0));
    return idf * tf / (tf + norm);
}
