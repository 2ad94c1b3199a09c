/*
 * bitpack_bench.c: micro-benchmark of the posting-block codec, common/bitpack.h (an internal
 * codec, so this program includes internal headers, unlike the rest of bench/). It backs the
 * choices written in bitpack.h and docs/FORMAT.md: decode speed of full 128-value blocks and the
 * size of doc-id blocks under D1 and D4 gap coding.
 *
 *     bitpack_bench [--runs R] [--docs N] [--seed S] [--only KERNEL]
 *
 * Two workloads:
 *  - widths: for every width 1..32, 256 blocks of random gaps of exactly that width (32 Ki
 *    integers, in cache), each decoded into one 128-entry buffer as a posting cursor would;
 *  - postings: the full blocks of doc-id lists, from a synthetic collection (default; N
 *    documents, 250,000 as wiki-en, term document frequencies Zipfian, df(r) = N / r for the
 *    term of rank r, doc-id gaps geometric with p = df / N).
 *
 * Kernels, in integers decoded per second of the thread's CPU time: the median and, in brackets,
 * the best of R runs of at least 20 ms each, after a warm-up, the kernels taking turns run after
 * run (the machines are shared and noisy: medians, not means, and the best as the figure of an
 * idle core):
 *  - unpack:   bitpack_unpack, the packed values alone (also the ceiling of any D4 decoder,
 *              whose prefix sum costs at least one more add per row);
 *  - delta:    bitpack_unpack_delta, packed D1 gaps to doc ids: the figure that matters;
 *  - d4-2pass: D4 gaps (each from the id four places back) decoded by bitpack_unpack and then
 *              a lane-wise prefix sum loop, for comparison;
 *  - scalar:   bitpack_unpack_delta_scalar, the portable kernel;
 *  - vbyte:    the same gaps as variable-byte integers (common/vbyte.h's vbyte_get, the format
 *              version 0 postings), decoded to doc ids one by one.
 * Every decoder's output is checked against the doc ids once before it is timed.
 *
 * --only KERNEL runs that kernel alone on the postings workload for about 2 s of CPU time, for
 * `perf stat -e instructions,cycles` where the machine has hardware counters (the project's
 * virtual machines report them as not supported); divide the counts by 2 s times the rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/bitpack.h"
#include "common/reader.h"
#include "common/vbyte.h"

#define MAX_RUNS  31
#define MIN_NS    20000000.0 /* a timed run repeats the workload for at least this long */
#define WIDTH_BLK 256        /* blocks per width in the widths workload */

/* ===== data ============================================================================== */

/* Full blocks of doc ids with everything the decoders need, in every encoding. */
typedef struct blocks {
    size_t n;          /* blocks */
    uint32_t *docs;    /* n * 128 doc ids */
    uint32_t *freqs;   /* n * 128 frequencies, or NULL */
    uint32_t *base;    /* n: the id before each block (UINT32_MAX at a list's start) */
    uint8_t *width;    /* n: D1 width of each block */
    size_t *off;       /* n + 1: offset of each block in packed */
    uint8_t *packed;   /* D1 gaps, bitpack layout */
    uint8_t *width4;   /* n: D4 width */
    size_t *off4;      /* n + 1: offsets in packed4 */
    uint8_t *packed4;  /* D4 gaps minus 4 */
    uint8_t *vb;       /* D1 gaps as vbyte */
    size_t vb_len;     /* bytes in vb */
    uint64_t lists;    /* lists that gave at least one block */
    uint64_t postings; /* postings in all lists (full blocks or not) */
} blocks;

/* Appends the full blocks of one list of doc ids (and frequencies, or NULL). */
typedef struct builder {
    uint32_t *docs, *freqs, *base; /* growing arrays, as in blocks */
    size_t n, cap;                 /* blocks stored, allocated */
    uint64_t lists, postings;      /* as in blocks */
    int oom;                       /* an allocation failed */
} builder;

static void builder_add(builder *b, const uint32_t *docs, const uint32_t *freqs, size_t df)
{
    b->postings += df;
    size_t full = df / BITPACK_BLOCK;
    if (full == 0 || b->oom)
        return;
    if (b->n + full > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + full)
            cap *= 2;
        uint32_t *d = alloc_resize(b->docs, cap * BITPACK_BLOCK, sizeof *d);
        if (d)
            b->docs = d;
        uint32_t *f = alloc_resize(b->freqs, cap * BITPACK_BLOCK, sizeof *f);
        if (f)
            b->freqs = f;
        uint32_t *s = alloc_resize(b->base, cap, sizeof *s);
        if (s)
            b->base = s;
        if (!d || !f || !s) {
            b->oom = 1;
            return;
        }
        b->cap = cap;
    }
    b->lists++;
    for (size_t k = 0; k < full; k++) {
        b->base[b->n] = k == 0 ? UINT32_MAX : docs[k * BITPACK_BLOCK - 1];
        memcpy(b->docs + b->n * BITPACK_BLOCK, docs + k * BITPACK_BLOCK, 4 * BITPACK_BLOCK);
        for (size_t i = 0; i < BITPACK_BLOCK; i++)
            b->freqs[b->n * BITPACK_BLOCK + i] = freqs ? freqs[k * BITPACK_BLOCK + i] : 1;
        b->n++;
    }
}

/* D4 gaps minus 4: each id from the one four places back, the four before the block taken to
 * be base - 3 .. base. Sets *plain to the width of the gaps without the "minus 4". */
static void d4_encode(uint32_t *out, const uint32_t *docs, uint32_t base, unsigned *plain)
{
    uint32_t all = 0;
    for (size_t i = 0; i < BITPACK_BLOCK; i++) {
        uint32_t before = i >= 4 ? docs[i - 4] : base - 3u + (uint32_t)i;
        out[i] = docs[i] - before - 4u;
        all |= docs[i] - before;
    }
    *plain = 0;
    while (all) {
        all >>= 1;
        (*plain)++;
    }
}

/* Size statistics over the blocks, in bits per doc id of the block payloads (the width byte a
 * block header will need is not counted: it is the same for D1 and D4). */
typedef struct sizes {
    uint64_t d1, d1_plain, d4, d4_plain, vbyte; /* payload bytes */
    uint64_t f1, f_plain, f_vbyte;              /* frequency payload bytes (f - 1, f, vbyte) */
    uint64_t hist[33];                          /* blocks per D1 width */
} sizes;

/* Encodes every block (D1, D4, vbyte) and gathers the sizes. Returns 0 or -1 (out of memory). */
static int blocks_encode(blocks *bl, sizes *sz)
{
    size_t n = bl->n;
    memset(sz, 0, sizeof *sz);
    bl->width = alloc_bytes(n ? n : 1);
    bl->width4 = alloc_bytes(n ? n : 1);
    bl->off = alloc_array(n + 1, sizeof *bl->off);
    bl->off4 = alloc_array(n + 1, sizeof *bl->off4);
    bl->packed = alloc_bytes(n * BITPACK_MAX_BYTES + 1);
    bl->packed4 = alloc_bytes(n * BITPACK_MAX_BYTES + 1);
    bl->vb = alloc_bytes(n * BITPACK_BLOCK * 5 + 1);
    if (!bl->width || !bl->width4 || !bl->off || !bl->off4 || !bl->packed || !bl->packed4 ||
        !bl->vb)
        return -1;
    size_t at = 0, at4 = 0, vb = 0;
    uint32_t gaps[BITPACK_BLOCK], tmp[BITPACK_BLOCK];
    uint8_t scratch[VBYTE_MAX_BYTES];
    for (size_t k = 0; k < n; k++) {
        const uint32_t *d = bl->docs + k * BITPACK_BLOCK;
        bitpack_delta_encode(gaps, d, bl->base[k]);
        unsigned w = bitpack_width(gaps, BITPACK_BLOCK);
        bl->width[k] = (uint8_t)w;
        bl->off[k] = at;
        bitpack_pack(bl->packed + at, gaps, w);
        at += bitpack_bytes(w);
        sz->hist[w]++;
        for (size_t i = 0; i < BITPACK_BLOCK; i++) {
            tmp[i] = gaps[i] + 1u;
            vb += vbyte_put(bl->vb + vb, gaps[i]);
        }
        sz->d1_plain += bitpack_bytes(bitpack_width(tmp, BITPACK_BLOCK));

        unsigned plain4;
        d4_encode(tmp, d, bl->base[k], &plain4);
        unsigned w4 = bitpack_width(tmp, BITPACK_BLOCK);
        bl->width4[k] = (uint8_t)w4;
        bl->off4[k] = at4;
        bitpack_pack(bl->packed4 + at4, tmp, w4);
        at4 += bitpack_bytes(w4);
        sz->d4_plain += bitpack_bytes(plain4);

        const uint32_t *f = bl->freqs + k * BITPACK_BLOCK;
        bitpack_freq_encode(tmp, f);
        sz->f1 += bitpack_bytes(bitpack_width(tmp, BITPACK_BLOCK));
        sz->f_plain += bitpack_bytes(bitpack_width(f, BITPACK_BLOCK));
        for (size_t i = 0; i < BITPACK_BLOCK; i++)
            sz->f_vbyte += vbyte_put(scratch, tmp[i]);
    }
    bl->off[n] = at;
    bl->off4[n] = at4;
    bl->vb_len = vb;
    sz->d1 = at;
    sz->d4 = at4;
    sz->vbyte = vb;
    return 0;
}

static void blocks_free(blocks *bl)
{
    alloc_free(bl->docs);
    alloc_free(bl->freqs);
    alloc_free(bl->base);
    alloc_free(bl->width);
    alloc_free(bl->off);
    alloc_free(bl->packed);
    alloc_free(bl->width4);
    alloc_free(bl->off4);
    alloc_free(bl->packed4);
    alloc_free(bl->vb);
    memset(bl, 0, sizeof *bl);
}

static void blocks_from_builder(blocks *bl, builder *b)
{
    memset(bl, 0, sizeof *bl);
    bl->n = b->n;
    bl->docs = b->docs;
    bl->freqs = b->freqs;
    bl->base = b->base;
    bl->lists = b->lists;
    bl->postings = b->postings;
}

/* xorshift64*, state passed in. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Du;
}

/* Uniform in (0, 1). */
static double rng_unit(uint64_t *s)
{
    return ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

/*
 * The synthetic collection: terms of rank r = 1, 2, ... with df = N / r (Zipf), down to the
 * last term with a full block; each list draws doc-id gaps from the geometric distribution
 * with p = df / N (the gaps of df documents spread at random over N), cut at N.
 */
static int synthetic(blocks *out, uint32_t ndocs, uint64_t seed)
{
    builder b = {0};
    uint32_t *list = alloc_array(ndocs, sizeof *list);
    if (!list)
        return -1;
    uint64_t rng = seed;
    for (uint32_t r = 1;; r++) {
        uint32_t df = ndocs / r;
        if (df < BITPACK_BLOCK)
            break;
        double p = (double)df / ndocs, lq = log1p(-p);
        size_t n = 0;
        uint64_t doc = 0;
        for (;; n++) {
            uint64_t gap = p >= 1.0 ? 0 : (uint64_t)floor(log(rng_unit(&rng)) / lq);
            doc += (n ? 1 : 0) + gap;
            if (doc >= ndocs || n == df)
                break;
            list[n] = (uint32_t)doc;
        }
        builder_add(&b, list, NULL, n);
    }
    alloc_free(list);
    blocks_from_builder(out, &b);
    return b.oom ? -1 : 0;
}

/* ===== decoders ========================================================================== */

/* A decoder over all blocks of bl: writes each block to out (128 entries), returns a checksum
 * of the last ids; `check` compares every block with the doc ids (returns 0 then on mismatch). */
typedef uint64_t (*decoder)(const blocks *bl, uint32_t *out, int check);

static int same(const uint32_t *a, const uint32_t *b)
{
    return memcmp(a, b, 4 * BITPACK_BLOCK) == 0;
}

static uint64_t dec_unpack(const blocks *bl, uint32_t *out, int check)
{
    uint64_t sum = 0;
    uint32_t gaps[BITPACK_BLOCK];
    for (size_t k = 0; k < bl->n; k++) {
        bitpack_unpack(out, bl->packed + bl->off[k], bl->width[k]);
        sum += out[BITPACK_BLOCK - 1];
        if (check) {
            bitpack_delta_encode(gaps, bl->docs + k * BITPACK_BLOCK, bl->base[k]);
            if (!same(out, gaps))
                return 0;
        }
    }
    return sum + 1;
}

static uint64_t dec_delta(const blocks *bl, uint32_t *out, int check)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < bl->n; k++) {
        bitpack_unpack_delta(out, bl->packed + bl->off[k], bl->width[k], bl->base[k]);
        sum += out[BITPACK_BLOCK - 1];
        if (check && !same(out, bl->docs + k * BITPACK_BLOCK))
            return 0;
    }
    return sum + 1;
}

static uint64_t dec_d4(const blocks *bl, uint32_t *out, int check)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < bl->n; k++) {
        bitpack_unpack(out, bl->packed4 + bl->off4[k], bl->width4[k]);
        uint32_t b = bl->base[k];
        for (size_t i = 0; i < 4; i++)
            out[i] += b + 1u + (uint32_t)i;
        for (size_t i = 4; i < BITPACK_BLOCK; i++)
            out[i] += out[i - 4] + 4u;
        sum += out[BITPACK_BLOCK - 1];
        if (check && !same(out, bl->docs + k * BITPACK_BLOCK))
            return 0;
    }
    return sum + 1;
}

static uint64_t dec_scalar(const blocks *bl, uint32_t *out, int check)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < bl->n; k++) {
        bitpack_unpack_delta_scalar(out, bl->packed + bl->off[k], bl->width[k], bl->base[k]);
        sum += out[BITPACK_BLOCK - 1];
        if (check && !same(out, bl->docs + k * BITPACK_BLOCK))
            return 0;
    }
    return sum + 1;
}

static uint64_t dec_vbyte(const blocks *bl, uint32_t *out, int check)
{
    uint64_t sum = 0;
    const uint8_t *p = bl->vb, *end = bl->vb + bl->vb_len;
    for (size_t k = 0; k < bl->n; k++) {
        uint32_t doc = bl->base[k];
        for (size_t i = 0; i < BITPACK_BLOCK; i++) {
            uint64_t g;
            if (vbyte_get(&p, end, &g))
                return 0;
            doc += (uint32_t)g + 1u;
            out[i] = doc;
        }
        sum += out[BITPACK_BLOCK - 1];
        if (check && !same(out, bl->docs + k * BITPACK_BLOCK))
            return 0;
    }
    return sum + 1;
}

typedef struct kernel {
    const char *name; /* as in the table and --only */
    decoder fn;       /* the decoder */
} kernel;

static const kernel kernels[] = {
    {"unpack", dec_unpack}, {"delta", dec_delta}, {"d4-2pass", dec_d4},
    {"scalar", dec_scalar}, {"vbyte", dec_vbyte},
};
#define NKERNELS (sizeof kernels / sizeof kernels[0])

/* ===== timing ============================================================================ */

/*
 * The calling thread's CPU time: on a shared machine a run that waits for a core does not count
 * the wait (wall time did, by up to a factor of two here). Falls back to wall time.
 */
static double now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Integers per second of one timed run of fn over bl (at least min_ns long). */
static double timed_run(decoder fn, const blocks *bl, double min_ns, uint64_t *sink)
{
    uint32_t out[BITPACK_BLOCK];
    size_t reps = 0;
    double t0 = now_ns(), t;
    do {
        *sink += fn(bl, out, 0);
        reps++;
        t = now_ns();
    } while (t - t0 < min_ns);
    return (double)reps * (double)bl->n * BITPACK_BLOCK / ((t - t0) * 1e-9);
}

/*
 * Median and best rate of every kernel over bl, in integers per second. The kernels take turns
 * run after run, so that the noise of a shared machine falls on all of them alike.
 */
static void measure_all(const blocks *bl, int runs, double median[], double best[], uint64_t *sink)
{
    double rate[NKERNELS][MAX_RUNS];
    for (size_t k = 0; k < NKERNELS; k++)
        timed_run(kernels[k].fn, bl, MIN_NS / 4, sink); /* warm-up */
    for (int r = 0; r < runs; r++)
        for (size_t k = 0; k < NKERNELS; k++)
            rate[k][r] = timed_run(kernels[k].fn, bl, MIN_NS, sink);
    for (size_t k = 0; k < NKERNELS; k++) {
        qsort(rate[k], (size_t)runs, sizeof rate[k][0], cmp_double);
        median[k] = rate[k][runs / 2];
        best[k] = rate[k][runs - 1];
    }
}

/* Checks every kernel's output once; returns 0 or -1. */
static int check_all(const blocks *bl)
{
    uint32_t out[BITPACK_BLOCK];
    for (size_t i = 0; i < NKERNELS; i++)
        if (bl->n && kernels[i].fn(bl, out, 1) == 0) {
            fprintf(stderr, "kernel %s decodes wrong ids\n", kernels[i].name);
            return -1;
        }
    return 0;
}

/* ===== reports =========================================================================== */

static double bits(uint64_t bytes, size_t nblocks)
{
    return nblocks ? 8.0 * (double)bytes / ((double)nblocks * BITPACK_BLOCK) : 0;
}

static void report_sizes(const blocks *bl, const sizes *sz, int with_freqs)
{
    printf("  %zu full blocks (%.1f M doc ids) from %llu lists; %.1f M postings in all lists\n",
           bl->n, (double)bl->n * BITPACK_BLOCK / 1e6, (unsigned long long)bl->lists,
           (double)bl->postings / 1e6);
    printf("  doc ids, bits per id of the full blocks' payload:\n");
    printf("    D1 gap-1 %.3f   D1 gap %.3f   D4 gap-4 %.3f   D4 gap %.3f   vbyte %.3f\n",
           bits(sz->d1, bl->n), bits(sz->d1_plain, bl->n), bits(sz->d4, bl->n),
           bits(sz->d4_plain, bl->n), bits(sz->vbyte, bl->n));
    printf("    D4 gap-4 vs D1 gap-1: %+.1f%%   D1 gap vs D1 gap-1: %+.1f%%\n",
           sz->d1 ? 100.0 * ((double)sz->d4 / (double)sz->d1 - 1) : 0,
           sz->d1 ? 100.0 * ((double)sz->d1_plain / (double)sz->d1 - 1) : 0);
    if (with_freqs)
        printf("  frequencies, bits per posting: f-1 %.3f   f %.3f   vbyte(f-1) %.3f\n",
               bits(sz->f1, bl->n), bits(sz->f_plain, bl->n), bits(sz->f_vbyte, bl->n));
    printf("  D1 widths (share of blocks):");
    for (unsigned w = 0; w <= 32; w++)
        if (sz->hist[w] * 200 >= bl->n)
            printf(" %u:%.1f%%", w, 100.0 * (double)sz->hist[w] / (double)bl->n);
    printf("\n");
}

static void report_speed(const blocks *bl, int runs, uint64_t *sink)
{
    double median[NKERNELS], best[NKERNELS];
    measure_all(bl, runs, median, best, sink);
    printf("  decode, G integers/s, median (best) of %d runs:\n   ", runs);
    for (size_t k = 0; k < NKERNELS; k++)
        printf(" %s %.2f (%.2f)", kernels[k].name, median[k] / 1e9, best[k] / 1e9);
    printf("\n");
}

/* The widths workload: blocks of random gaps of exactly width w from base 0. */
static int width_blocks(blocks *out, unsigned w, uint64_t *rng)
{
    builder b = {0};
    uint32_t docs[BITPACK_BLOCK];
    for (size_t k = 0; k < WIDTH_BLK; k++) {
        uint32_t max = (uint32_t)((UINT64_C(1) << w) - 1u), doc = UINT32_MAX;
        size_t at = (size_t)(rng_next(rng) % BITPACK_BLOCK);
        for (size_t i = 0; i < BITPACK_BLOCK; i++) {
            /* past width 25 the ids wrap around 2^32: all decoders agree mod 2^32 */
            uint32_t gap = i == at ? max : (uint32_t)(rng_next(rng) >> 32) & max;
            docs[i] = doc = doc + 1u + gap;
        }
        builder_add(&b, docs, NULL, BITPACK_BLOCK);
    }
    blocks_from_builder(out, &b);
    sizes sz;
    return b.oom || blocks_encode(out, &sz) ? -1 : 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bitpack_bench [--runs R] [--docs N] [--seed S] "
                    "[--only KERNEL]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int runs = 7;
    uint32_t ndocs = 250000;
    uint64_t seed = 0x5EED, sink = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--docs"))
            ndocs = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--only"))
            only = argv[++i];
        else
            usage();
    }
    if (runs < 1 || runs > MAX_RUNS || ndocs < BITPACK_BLOCK)
        usage();

    blocks bl;
    sizes sz;
    if (synthetic(&bl, ndocs, seed) || blocks_encode(&bl, &sz) || check_all(&bl)) {
        fprintf(stderr, "bitpack_bench: cannot build the postings\n");
        return 1;
    }
    if (only) {
        for (size_t i = 0; i < NKERNELS; i++)
            if (!strcmp(only, kernels[i].name)) {
                double rate = timed_run(kernels[i].fn, &bl, 2e9, &sink);
                printf("%s: %.3f G integers/s (checksum %llu)\n", only, rate / 1e9,
                       (unsigned long long)sink);
                blocks_free(&bl);
                return 0;
            }
        usage();
    }

    printf("bitpack_bench: %s kernels, %d runs per figure\n", bitpack_kernel_name(), runs);
    printf("\nsynthetic postings: %u docs, df(r) = N / r, geometric gaps, seed %llu:\n", ndocs,
           (unsigned long long)seed);
    report_sizes(&bl, &sz, 0);
    report_speed(&bl, runs, &sink);
    blocks_free(&bl);

    printf("\nfull blocks of one width (%d blocks each, in cache), G integers/s, median (best):\n",
           WIDTH_BLK);
    printf("  width");
    for (size_t i = 0; i < NKERNELS; i++)
        printf(" %14s", kernels[i].name);
    printf("\n");
    uint64_t rng = seed;
    for (unsigned w = 1; w <= 32; w++) {
        if (width_blocks(&bl, w, &rng) || check_all(&bl))
            return 1;
        double median[NKERNELS], best[NKERNELS];
        measure_all(&bl, runs, median, best, &sink);
        printf("  %5u", w);
        for (size_t k = 0; k < NKERNELS; k++)
            printf(" %6.2f (%5.2f)", median[k] / 1e9, best[k] / 1e9);
        printf("\n");
        blocks_free(&bl);
    }
    printf("(checksum %llu)\n", (unsigned long long)sink);
    return 0;
}
