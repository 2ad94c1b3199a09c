/*
 * bitpack.c: the kernels behind bitpack.h, the SIMD-BP128 block codec of posting blocks. The
 * postings writer packs doc-id gaps and frequencies with it; posting cursors and the index
 * checker decode them. Depends on nothing but the C library (and <emmintrin.h> on x86-64).
 *
 * Every kernel is written once, as macros over a tiny 4-lane vector vocabulary (load, shift,
 * and, or, add, store), and instantiated twice: with `sse` (SSE2 intrinsics on __m128i) and with
 * `sca` (a struct of four uint32_t, plain C, little-endian loads and stores written out byte by
 * byte). Each of the 33 widths gets its own function in which every row's word index, shift,
 * straddle test and mask are compile-time constants, so a kernel is straight-line code with
 * no branches; the public functions pick one from a static const table by width.
 */
#include "bitpack.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define BP_HAVE_SSE2 1
#else
#define BP_HAVE_SSE2 0
#endif

/* The vector helpers must be inlined for their shift counts to become immediates. */
#if defined(__GNUC__)
#define BP_INLINE static inline __attribute__((always_inline))
#else
#define BP_INLINE static inline
#endif

/* ===== the portable 4-lane vocabulary ===================================================== */

typedef struct sca_v {
    uint32_t l[4]; /* lanes 0..3 */
} sca_v;

BP_INLINE uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

BP_INLINE void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

BP_INLINE sca_v sca_set1(uint32_t x)
{
    sca_v r = {{x, x, x, x}};
    return r;
}

BP_INLINE sca_v sca_ramp(void) /* {1, 2, 3, 4} */
{
    sca_v r = {{1, 2, 3, 4}};
    return r;
}

/* A group of 16 packed bytes: word k of each lane. */
BP_INLINE sca_v sca_load(const uint8_t *p)
{
    sca_v r = {{load_le32(p), load_le32(p + 4), load_le32(p + 8), load_le32(p + 12)}};
    return r;
}

BP_INLINE void sca_store(uint8_t *p, sca_v a)
{
    for (int j = 0; j < 4; j++)
        store_le32(p + 4 * j, a.l[j]);
}

/* Four consecutive values (one row of the four lanes). */
BP_INLINE sca_v sca_loadv(const uint32_t *p)
{
    sca_v r = {{p[0], p[1], p[2], p[3]}};
    return r;
}

BP_INLINE void sca_storev(uint32_t *p, sca_v a)
{
    for (int j = 0; j < 4; j++)
        p[j] = a.l[j];
}

/* Shifts by n in 1..31 (the kernels never pass 0 or 32). */
BP_INLINE sca_v sca_srl(sca_v a, unsigned n)
{
    for (int j = 0; j < 4; j++)
        a.l[j] >>= n;
    return a;
}

BP_INLINE sca_v sca_sll(sca_v a, unsigned n)
{
    for (int j = 0; j < 4; j++)
        a.l[j] <<= n;
    return a;
}

BP_INLINE sca_v sca_or(sca_v a, sca_v b)
{
    for (int j = 0; j < 4; j++)
        a.l[j] |= b.l[j];
    return a;
}

BP_INLINE sca_v sca_and(sca_v a, sca_v b)
{
    for (int j = 0; j < 4; j++)
        a.l[j] &= b.l[j];
    return a;
}

BP_INLINE sca_v sca_add(sca_v a, sca_v b)
{
    for (int j = 0; j < 4; j++)
        a.l[j] += b.l[j];
    return a;
}

/* Inclusive prefix sum across the lanes: {a0, a0+a1, a0+a1+a2, a0+..+a3}. */
BP_INLINE sca_v sca_prefix(sca_v a)
{
    a.l[1] += a.l[0];
    a.l[2] += a.l[1];
    a.l[3] += a.l[2];
    return a;
}

/* Lane 3 in all four lanes. */
BP_INLINE sca_v sca_last(sca_v a)
{
    return sca_set1(a.l[3]);
}

/* ===== the SSE2 4-lane vocabulary ========================================================= */

#if BP_HAVE_SSE2
typedef __m128i sse_v;

BP_INLINE sse_v sse_set1(uint32_t x)
{
    return _mm_set1_epi32((int)x);
}

BP_INLINE sse_v sse_ramp(void)
{
    return _mm_setr_epi32(1, 2, 3, 4);
}

/* x86 is little-endian, so a plain load reads the four lane words of a group. */
BP_INLINE sse_v sse_load(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

BP_INLINE void sse_store(uint8_t *p, sse_v a)
{
    _mm_storeu_si128((__m128i *)(void *)p, a);
}

BP_INLINE sse_v sse_loadv(const uint32_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

BP_INLINE void sse_storev(uint32_t *p, sse_v a)
{
    _mm_storeu_si128((__m128i *)(void *)p, a);
}

BP_INLINE sse_v sse_srl(sse_v a, unsigned n)
{
    return _mm_srli_epi32(a, (int)n);
}

BP_INLINE sse_v sse_sll(sse_v a, unsigned n)
{
    return _mm_slli_epi32(a, (int)n);
}

BP_INLINE sse_v sse_or(sse_v a, sse_v b)
{
    return _mm_or_si128(a, b);
}

BP_INLINE sse_v sse_and(sse_v a, sse_v b)
{
    return _mm_and_si128(a, b);
}

BP_INLINE sse_v sse_add(sse_v a, sse_v b)
{
    return _mm_add_epi32(a, b);
}

/* Two shifted adds: the log-step prefix sum of 4 lanes. */
BP_INLINE sse_v sse_prefix(sse_v a)
{
    a = _mm_add_epi32(a, _mm_slli_si128(a, 4));
    return _mm_add_epi32(a, _mm_slli_si128(a, 8));
}

BP_INLINE sse_v sse_last(sse_v a)
{
    return _mm_shuffle_epi32(a, 0xFF);
}
#endif

/* ===== kernel templates =================================================================== */

/*
 * Row r (0..31) of a lane at width w starts at bit r*w: in lane word BP_K(r, w), at shift
 * BP_S(r, w); it straddles into the next word when BP_S + w > 32 and fills its word to the top
 * when BP_S + w == 32 (then no mask is needed after the shift).
 */
#define BP_K(r, w) (((unsigned)(r) * (unsigned)(w)) >> 5)
#define BP_S(r, w) (((unsigned)(r) * (unsigned)(w)) & 31u)
#define BP_MASK(w) ((uint32_t)((UINT64_C(1) << (w)) - 1u))

/*
 * M(r, args...) for the rows r = 0..31, and M(w, args...) for the widths w = 1..32. Two lists
 * of their own, because a macro does not expand inside its own expansion and the kernels nest
 * the rows inside the widths.
 */
#define BP_ROWS(M, ...)                                                                            \
    M(0, __VA_ARGS__)                                                                              \
    M(1, __VA_ARGS__)                                                                              \
    M(2, __VA_ARGS__) M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__) M(6, __VA_ARGS__)      \
        M(7, __VA_ARGS__) M(8, __VA_ARGS__) M(9, __VA_ARGS__) M(10, __VA_ARGS__)                   \
            M(11, __VA_ARGS__) M(12, __VA_ARGS__) M(13, __VA_ARGS__) M(14, __VA_ARGS__)            \
                M(15, __VA_ARGS__) M(16, __VA_ARGS__) M(17, __VA_ARGS__) M(18, __VA_ARGS__)        \
                    M(19, __VA_ARGS__) M(20, __VA_ARGS__) M(21, __VA_ARGS__) M(22, __VA_ARGS__)    \
                        M(23, __VA_ARGS__) M(24, __VA_ARGS__) M(25, __VA_ARGS__)                   \
                            M(26, __VA_ARGS__) M(27, __VA_ARGS__) M(28, __VA_ARGS__)               \
                                M(29, __VA_ARGS__) M(30, __VA_ARGS__) M(31, __VA_ARGS__)
#define BP_NZ(M, ...)                                                                              \
    M(1, __VA_ARGS__)                                                                              \
    M(2, __VA_ARGS__)                                                                              \
    M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__) M(6, __VA_ARGS__) M(7, __VA_ARGS__)      \
        M(8, __VA_ARGS__) M(9, __VA_ARGS__) M(10, __VA_ARGS__) M(11, __VA_ARGS__)                  \
            M(12, __VA_ARGS__) M(13, __VA_ARGS__) M(14, __VA_ARGS__) M(15, __VA_ARGS__)            \
                M(16, __VA_ARGS__) M(17, __VA_ARGS__) M(18, __VA_ARGS__) M(19, __VA_ARGS__)        \
                    M(20, __VA_ARGS__) M(21, __VA_ARGS__) M(22, __VA_ARGS__) M(23, __VA_ARGS__)    \
                        M(24, __VA_ARGS__) M(25, __VA_ARGS__) M(26, __VA_ARGS__)                   \
                            M(27, __VA_ARGS__) M(28, __VA_ARGS__) M(29, __VA_ARGS__)               \
                                M(30, __VA_ARGS__) M(31, __VA_ARGS__) M(32, __VA_ARGS__)
#define BP_WIDTHS(M, ...) M(0, __VA_ARGS__) BP_NZ(M, __VA_ARGS__) /* w = 0..32 */

/*
 * Unpacks row r of width w into the vector v_, then hands it to FIN(V, v_, r), which stores it
 * (plain), adds one (frequencies) or turns it into doc ids (delta).
 */
#define BP_UNPACK_ROW(r, V, w, FIN)                                                                \
    {                                                                                              \
        V##_v v_ = zero;                                                                           \
        if ((w) > 0) {                                                                             \
            v_ = V##_load(src + 16 * BP_K(r, w));                                                  \
            if (BP_S(r, w) > 0)                                                                    \
                v_ = V##_srl(v_, BP_S(r, w));                                                      \
            if (BP_S(r, w) + (w) > 32)                                                             \
                v_ = V##_or(                                                                       \
                    v_, V##_sll(V##_load(src + 16 * (BP_K(r, w) + 1)), (32u - BP_S(r, w)) & 31u)); \
            if (BP_S(r, w) + (w) != 32)                                                            \
                v_ = V##_and(v_, mask);                                                            \
        }                                                                                          \
        FIN(V, v_, r)                                                                              \
    }

#define BP_FIN_PLAIN(V, x, r) V##_storev(dst + 4 * (r), x);
#define BP_FIN_FREQ(V, x, r)  V##_storev(dst + 4 * (r), V##_add(x, one));
/* Doc ids of row r: the row's own prefix sum plus {1,2,3,4} plus the previous id in all lanes
 * (the first add stays off the dependency chain from row to row). */
#define BP_FIN_DELTA(V, x, r)                                                                      \
    {                                                                                              \
        V##_v o_ = V##_add(V##_add(V##_prefix(x), ramp), prev);                                    \
        V##_storev(dst + 4 * (r), o_);                                                             \
        prev = V##_last(o_);                                                                       \
    }

/* V##_unpack_<w>, V##_unfreq_<w>, V##_undelta_<w>: the three decoders of width w. */
#define BP_DEFINE_UNPACK(w, V)                                                                     \
    static void V##_unpack_##w(uint32_t *restrict dst, const uint8_t *restrict src, uint32_t base) \
    {                                                                                              \
        const V##_v zero = V##_set1(0), mask = V##_set1(BP_MASK(w));                               \
        (void)src, (void)base, (void)mask;                                                         \
        BP_ROWS(BP_UNPACK_ROW, V, w, BP_FIN_PLAIN)                                                 \
    }                                                                                              \
    static void V##_unfreq_##w(uint32_t *restrict dst, const uint8_t *restrict src, uint32_t base) \
    {                                                                                              \
        const V##_v zero = V##_set1(0), mask = V##_set1(BP_MASK(w)), one = V##_set1(1);            \
        (void)src, (void)base, (void)mask;                                                         \
        BP_ROWS(BP_UNPACK_ROW, V, w, BP_FIN_FREQ)                                                  \
    }                                                                                              \
    static void V##_undelta_##w(uint32_t *restrict dst, const uint8_t *restrict src,               \
                                uint32_t base)                                                     \
    {                                                                                              \
        const V##_v zero = V##_set1(0), mask = V##_set1(BP_MASK(w)), ramp = V##_ramp();            \
        V##_v prev = V##_set1(base);                                                               \
        (void)src, (void)mask;                                                                     \
        BP_ROWS(BP_UNPACK_ROW, V, w, BP_FIN_DELTA)                                                 \
    }

/*
 * Packs row r of width w (w >= 1): ORs the row's masked values into the lane words being
 * filled (acc), stores acc when the row reaches the top of a word and carries the straddling
 * high bits into the next one.
 */
#define BP_PACK_ROW(r, V, w)                                                                       \
    {                                                                                              \
        V##_v v_ = V##_and(V##_loadv(src + 4 * (r)), mask);                                        \
        if (BP_S(r, w) == 0)                                                                       \
            acc = v_;                                                                              \
        else                                                                                       \
            acc = V##_or(acc, V##_sll(v_, BP_S(r, w)));                                            \
        if (BP_S(r, w) + (w) >= 32) {                                                              \
            V##_store(dst + 16 * BP_K(r, w), acc);                                                 \
            if (BP_S(r, w) + (w) > 32)                                                             \
                acc = V##_srl(v_, (32u - BP_S(r, w)) & 31u);                                       \
        }                                                                                          \
    }

#define BP_DEFINE_PACK(w, V)                                                                       \
    static void V##_pack_##w(uint8_t *restrict dst, const uint32_t *restrict src)                  \
    {                                                                                              \
        const V##_v mask = V##_set1(BP_MASK(w));                                                   \
        V##_v acc = V##_set1(0);                                                                   \
        BP_ROWS(BP_PACK_ROW, V, w)                                                                 \
    }

/* Width 0 packs to nothing. */
#define BP_DEFINE_PACK0(V)                                                                         \
    static void V##_pack_0(uint8_t *restrict dst, const uint32_t *restrict src)                    \
    {                                                                                              \
        (void)dst, (void)src;                                                                      \
    }

/* The tables: entry w is the kernel of width w. */
typedef void (*unpack_fn)(uint32_t *restrict dst, const uint8_t *restrict src, uint32_t base);
typedef void (*pack_fn)(uint8_t *restrict dst, const uint32_t *restrict src);

#define BP_ENTRY(w, name) name##_##w,

/* Instantiates every kernel of vocabulary V and its four tables. */
#define BP_DEFINE_ALL(V)                                                                           \
    BP_WIDTHS(BP_DEFINE_UNPACK, V)                                                                 \
    BP_DEFINE_PACK0(V)                                                                             \
    BP_NZ(BP_DEFINE_PACK, V)                                                                       \
    static const unpack_fn V##_unpack_tab[33] = {BP_WIDTHS(BP_ENTRY, V##_unpack)};                 \
    static const unpack_fn V##_unfreq_tab[33] = {BP_WIDTHS(BP_ENTRY, V##_unfreq)};                 \
    static const unpack_fn V##_undelta_tab[33] = {BP_WIDTHS(BP_ENTRY, V##_undelta)};               \
    static const pack_fn V##_pack_tab[33] = {BP_WIDTHS(BP_ENTRY, V##_pack)};

/* ===== instantiation ====================================================================== */

BP_DEFINE_ALL(sca)
#if BP_HAVE_SSE2
BP_DEFINE_ALL(sse)
#endif

/* ===== public functions =================================================================== */

/* Widths above 32 (a corrupt block header the caller failed to reject) decode as width 0. */
static unsigned clamp_width(unsigned width)
{
    return width <= BITPACK_MAX_WIDTH ? width : 0;
}

size_t bitpack_bytes(unsigned width)
{
    return (size_t)16 * width;
}

unsigned bitpack_width(const uint32_t *v, size_t n)
{
    uint32_t all = 0;
    for (size_t i = 0; i < n; i++)
        all |= v[i];
    unsigned w = 0;
    while (all) {
        all >>= 1;
        w++;
    }
    return w;
}

void bitpack_delta_encode(uint32_t *out_deltas, const uint32_t *docs, uint32_t base)
{
    out_deltas[0] = docs[0] - base - 1u;
    for (size_t i = 1; i < BITPACK_BLOCK; i++)
        out_deltas[i] = docs[i] - docs[i - 1] - 1u;
}

void bitpack_freq_encode(uint32_t *out, const uint32_t *freqs)
{
    for (size_t i = 0; i < BITPACK_BLOCK; i++)
        out[i] = freqs[i] - 1u;
}

void bitpack_pack_scalar(uint8_t *dst, const uint32_t *src, unsigned width)
{
    if (width <= BITPACK_MAX_WIDTH)
        sca_pack_tab[width](dst, src);
}

void bitpack_unpack_scalar(uint32_t *dst, const uint8_t *src, unsigned width)
{
    sca_unpack_tab[clamp_width(width)](dst, src, 0);
}

void bitpack_unpack_delta_scalar(uint32_t *dst, const uint8_t *src, unsigned width, uint32_t base)
{
    sca_undelta_tab[clamp_width(width)](dst, src, base);
}

void bitpack_unpack_freq_scalar(uint32_t *dst, const uint8_t *src, unsigned width)
{
    sca_unfreq_tab[clamp_width(width)](dst, src, 0);
}

#if BP_HAVE_SSE2
void bitpack_pack(uint8_t *dst, const uint32_t *src, unsigned width)
{
    if (width <= BITPACK_MAX_WIDTH)
        sse_pack_tab[width](dst, src);
}

void bitpack_unpack(uint32_t *dst, const uint8_t *src, unsigned width)
{
    sse_unpack_tab[clamp_width(width)](dst, src, 0);
}

void bitpack_unpack_delta(uint32_t *dst, const uint8_t *src, unsigned width, uint32_t base)
{
    sse_undelta_tab[clamp_width(width)](dst, src, base);
}

void bitpack_unpack_freq(uint32_t *dst, const uint8_t *src, unsigned width)
{
    sse_unfreq_tab[clamp_width(width)](dst, src, 0);
}

const char *bitpack_kernel_name(void)
{
    return "sse2";
}
#else
void bitpack_pack(uint8_t *dst, const uint32_t *src, unsigned width)
{
    bitpack_pack_scalar(dst, src, width);
}

void bitpack_unpack(uint32_t *dst, const uint8_t *src, unsigned width)
{
    bitpack_unpack_scalar(dst, src, width);
}

void bitpack_unpack_delta(uint32_t *dst, const uint8_t *src, unsigned width, uint32_t base)
{
    bitpack_unpack_delta_scalar(dst, src, width, base);
}

void bitpack_unpack_freq(uint32_t *dst, const uint8_t *src, unsigned width)
{
    bitpack_unpack_freq_scalar(dst, src, width);
}

const char *bitpack_kernel_name(void)
{
    return "scalar";
}
#endif
