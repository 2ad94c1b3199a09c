/*
 * bitpack.c: the kernels behind bitpack.h, the SIMD-BP128 block codec of posting blocks. The
 * postings writer packs doc-id gaps and frequencies with it; posting cursors and the index
 * checker decode them. Depends on nothing but the C library (and <emmintrin.h> on x86-64).
 *
 * Each kernel is written once, as a macro template over a small vocabulary of operations on
 * "vectors" (load, shift, and, or, store) and instantiated for each of the 33 widths, so that
 * every row's word index, shift, straddle test and mask is a compile-time constant and a kernel
 * is straight-line code without branches. Two vocabularies: `sse` works on __m128i, one row of
 * all four lanes per operation, and fuses the doc-id prefix sum and the frequency +1 into the
 * unpacking; `sca` works on one uint32_t with explicit little-endian loads and stores (the same
 * bytes on any CPU), so a scalar kernel runs the template once per lane and does the prefix sum
 * or +1 in a second pass. The public functions pick a kernel from a static const table by width.
 *
 * The kernels trust their input: bitpack.h's "Untrusted input" says what callers check first.
 */
#include "bitpack.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define BP_HAVE_SSE2 1
#else
#define BP_HAVE_SSE2 0
#endif

/* ===== vocabularies ======================================================================= */

/*
 * Each vocabulary V defines the type V_v and: V_set1(x) (x in every lane), V_load(p) (lane
 * words from 16 packed bytes, or the one word at p), V_store(p, a), V_loadv(p) / V_storev(p, a)
 * (values: four consecutive, or one), V_srl / V_sll (shift each lane by a constant 0..31),
 * V_or, V_and, and for the fused decoders V_add, V_prefix (inclusive prefix sum of the four
 * lanes), V_last (lane 3 in every lane) and V_ramp ({1, 2, 3, 4}).
 */
/* Little-endian 32-bit words: a plain load on little-endian CPUs (gcc and clang say which they
 * are), byte by byte elsewhere. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint32_t load_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
#else
static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
#endif

typedef uint32_t sca_v;
#define sca_set1(x)      ((uint32_t)(x))
#define sca_load(p)      load_le32(p)
#define sca_store(p, a)  store_le32((p), (a))
#define sca_loadv(p)     (*(p))
#define sca_storev(p, a) (*(p) = (a))
#define sca_srl(a, n)    ((a) >> (n))
#define sca_sll(a, n)    ((a) << (n))
#define sca_or(a, b)     ((a) | (b))
#define sca_and(a, b)    ((a) & (b))

#if BP_HAVE_SSE2
typedef __m128i sse_v;
/* x86 is little-endian: a plain 16-byte load yields the four lane words of a group. */
#define sse_set1(x)      _mm_set1_epi32((int)(x))
#define sse_load(p)      _mm_loadu_si128((const __m128i *)(const void *)(p))
#define sse_store(p, a)  _mm_storeu_si128((__m128i *)(void *)(p), (a))
#define sse_loadv(p)     _mm_loadu_si128((const __m128i *)(const void *)(p))
#define sse_storev(p, a) _mm_storeu_si128((__m128i *)(void *)(p), (a))
#define sse_srl(a, n)    _mm_srli_epi32((a), (int)(n))
#define sse_sll(a, n)    _mm_slli_epi32((a), (int)(n))
#define sse_or(a, b)     _mm_or_si128((a), (b))
#define sse_and(a, b)    _mm_and_si128((a), (b))
#define sse_add(a, b)    _mm_add_epi32((a), (b))
#define sse_last(a)      _mm_shuffle_epi32((a), 0xFF)
#define sse_ramp()       _mm_setr_epi32(1, 2, 3, 4)

/* Two shifted adds: the log-step prefix sum of four lanes. */
static inline sse_v sse_prefix(sse_v a)
{
    a = _mm_add_epi32(a, _mm_slli_si128(a, 4));
    return _mm_add_epi32(a, _mm_slli_si128(a, 8));
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
 * M(r, args...) for the rows r = 0..31, and M(w, args...) for the widths 1..32 and 0..32. Lists
 * of their own, because a macro does not expand inside its own expansion and the kernels nest
 * rows inside widths.
 */
/* clang-format off */
#define BP_ROWS(M, ...) \
    M(0, __VA_ARGS__) M(1, __VA_ARGS__) M(2, __VA_ARGS__) M(3, __VA_ARGS__) M(4, __VA_ARGS__) \
    M(5, __VA_ARGS__) M(6, __VA_ARGS__) M(7, __VA_ARGS__) M(8, __VA_ARGS__) M(9, __VA_ARGS__) \
    M(10, __VA_ARGS__) M(11, __VA_ARGS__) M(12, __VA_ARGS__) M(13, __VA_ARGS__) M(14, __VA_ARGS__) \
    M(15, __VA_ARGS__) M(16, __VA_ARGS__) M(17, __VA_ARGS__) M(18, __VA_ARGS__) M(19, __VA_ARGS__) \
    M(20, __VA_ARGS__) M(21, __VA_ARGS__) M(22, __VA_ARGS__) M(23, __VA_ARGS__) M(24, __VA_ARGS__) \
    M(25, __VA_ARGS__) M(26, __VA_ARGS__) M(27, __VA_ARGS__) M(28, __VA_ARGS__) M(29, __VA_ARGS__) \
    M(30, __VA_ARGS__) M(31, __VA_ARGS__)
#define BP_NZ(M, ...) \
    M(1, __VA_ARGS__) M(2, __VA_ARGS__) M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__) \
    M(6, __VA_ARGS__) M(7, __VA_ARGS__) M(8, __VA_ARGS__) M(9, __VA_ARGS__) M(10, __VA_ARGS__) \
    M(11, __VA_ARGS__) M(12, __VA_ARGS__) M(13, __VA_ARGS__) M(14, __VA_ARGS__) M(15, __VA_ARGS__) \
    M(16, __VA_ARGS__) M(17, __VA_ARGS__) M(18, __VA_ARGS__) M(19, __VA_ARGS__) M(20, __VA_ARGS__) \
    M(21, __VA_ARGS__) M(22, __VA_ARGS__) M(23, __VA_ARGS__) M(24, __VA_ARGS__) M(25, __VA_ARGS__) \
    M(26, __VA_ARGS__) M(27, __VA_ARGS__) M(28, __VA_ARGS__) M(29, __VA_ARGS__) M(30, __VA_ARGS__) \
    M(31, __VA_ARGS__) M(32, __VA_ARGS__)
#define BP_WIDTHS(M, ...) M(0, __VA_ARGS__) BP_NZ(M, __VA_ARGS__)
/* clang-format on */

/*
 * Unpacks row r of width w from the lane words at `in` into v_, then hands it to FIN(V, v_, r),
 * which stores it at out + 4r (plain), adds one first (frequencies) or turns it into doc ids.
 */
#define BP_UNPACK_ROW(r, V, w, FIN)                                                                \
    {                                                                                              \
        V##_v v_ = V##_set1(0);                                                                    \
        if ((w) > 0) {                                                                             \
            v_ = V##_load(in + 16 * BP_K(r, w));                                                   \
            if (BP_S(r, w) > 0)                                                                    \
                v_ = V##_srl(v_, BP_S(r, w));                                                      \
            if (BP_S(r, w) + (w) > 32)                                                             \
                v_ = V##_or(                                                                       \
                    v_, V##_sll(V##_load(in + 16 * (BP_K(r, w) + 1)), (32u - BP_S(r, w)) & 31u));  \
            if (BP_S(r, w) + (w) != 32)                                                            \
                v_ = V##_and(v_, mask);                                                            \
        }                                                                                          \
        FIN(V, v_, r)                                                                              \
    }

#define BP_FIN_PLAIN(V, x, r) V##_storev(out + 4 * (r), x);
#define BP_FIN_FREQ(V, x, r)  V##_storev(out + 4 * (r), V##_add(x, one));
/*
 * Doc ids of row r: t_ = the row's own prefix sum plus {1,2,3,4} (independent of other rows),
 * out = t_ + the previous id in every lane, and the previous id moves on by lane 3 of t_. Only
 * that last add links one row to the next (one cycle), not the add-shuffle pair a broadcast of
 * the output would put there.
 */
#define BP_FIN_DELTA(V, x, r)                                                                      \
    {                                                                                              \
        V##_v t_ = V##_add(V##_prefix(x), ramp);                                                   \
        V##_storev(out + 4 * (r), V##_add(t_, prev));                                              \
        prev = V##_add(prev, V##_last(t_));                                                        \
    }

/*
 * Packs row r of width w (w >= 1) from the values at in + 4r: ORs them, masked, into the lane
 * words being filled (acc), stores acc at `out` when the row reaches the top of a word and
 * carries the straddling high bits over to the next word.
 */
#define BP_PACK_ROW(r, V, w)                                                                       \
    {                                                                                              \
        V##_v v_ = V##_and(V##_loadv(in + 4 * (r)), mask);                                         \
        if (BP_S(r, w) == 0)                                                                       \
            acc = v_;                                                                              \
        else                                                                                       \
            acc = V##_or(acc, V##_sll(v_, BP_S(r, w)));                                            \
        if (BP_S(r, w) + (w) >= 32) {                                                              \
            V##_store(out + 16 * BP_K(r, w), acc);                                                 \
            if (BP_S(r, w) + (w) > 32)                                                             \
                acc = V##_srl(v_, (32u - BP_S(r, w)) & 31u);                                       \
        }                                                                                          \
    }

/* Kernel signatures; the tables' entry w is the kernel of width w. */
typedef void (*unpack_fn)(uint32_t *restrict out, const uint8_t *restrict in, uint32_t base);
typedef void (*pack_fn)(uint8_t *restrict out, const uint32_t *restrict in);

#define BP_ENTRY(w, name) name##_##w,

/* ===== scalar kernels ===================================================================== */

/* sca_unpack_<w>: lane by lane, row r of lane j to dst[4r + j]. */
#define BP_SCA_UNPACK(w, unused)                                                                   \
    static void sca_unpack_##w(uint32_t *restrict dst, const uint8_t *restrict src, uint32_t base) \
    {                                                                                              \
        const sca_v mask = BP_MASK(w);                                                             \
        (void)base, (void)mask, (void)src;                                                         \
        for (unsigned j = 0; j < 4; j++) {                                                         \
            uint32_t *restrict out = dst + j;                                                      \
            const uint8_t *restrict in = (w) ? src + 4 * j : src; /* src may be NULL at 0 */       \
            (void)in;                                                                              \
            BP_ROWS(BP_UNPACK_ROW, sca, w, BP_FIN_PLAIN)                                           \
        }                                                                                          \
    }

/* sca_pack_<w> (w >= 1): lane by lane, src[4r + j] to row r of lane j. */
#define BP_SCA_PACK(w, unused)                                                                     \
    static void sca_pack_##w(uint8_t *restrict dst, const uint32_t *restrict src)                  \
    {                                                                                              \
        const sca_v mask = BP_MASK(w);                                                             \
        for (unsigned j = 0; j < 4; j++) {                                                         \
            uint8_t *restrict out = dst + 4 * j;                                                   \
            const uint32_t *restrict in = src + j;                                                 \
            sca_v acc = 0;                                                                         \
            BP_ROWS(BP_PACK_ROW, sca, w)                                                           \
        }                                                                                          \
    }

BP_WIDTHS(BP_SCA_UNPACK, 0)
BP_NZ(BP_SCA_PACK, 0)

/* Width 0 packs to nothing. */
static void sca_pack_0(uint8_t *restrict dst, const uint32_t *restrict src)
{
    (void)dst, (void)src;
}

static const unpack_fn sca_unpack_tab[33] = {BP_WIDTHS(BP_ENTRY, sca_unpack)};
static const pack_fn sca_pack_tab[33] = {BP_WIDTHS(BP_ENTRY, sca_pack)};

/* ===== SSE2 kernels ======================================================================= */

#if BP_HAVE_SSE2
/* sse_unpack_<w>, sse_unfreq_<w>, sse_undelta_<w>: the three decoders of width w. */
#define BP_SSE_UNPACK(w, unused)                                                                   \
    static void sse_unpack_##w(uint32_t *restrict out, const uint8_t *restrict in, uint32_t base)  \
    {                                                                                              \
        const sse_v mask = sse_set1(BP_MASK(w));                                                   \
        (void)in, (void)base, (void)mask;                                                          \
        BP_ROWS(BP_UNPACK_ROW, sse, w, BP_FIN_PLAIN)                                               \
    }                                                                                              \
    static void sse_unfreq_##w(uint32_t *restrict out, const uint8_t *restrict in, uint32_t base)  \
    {                                                                                              \
        const sse_v mask = sse_set1(BP_MASK(w)), one = sse_set1(1);                                \
        (void)in, (void)base, (void)mask;                                                          \
        BP_ROWS(BP_UNPACK_ROW, sse, w, BP_FIN_FREQ)                                                \
    }                                                                                              \
    static void sse_undelta_##w(uint32_t *restrict out, const uint8_t *restrict in, uint32_t base) \
    {                                                                                              \
        const sse_v mask = sse_set1(BP_MASK(w)), ramp = sse_ramp();                                \
        sse_v prev = sse_set1(base);                                                               \
        (void)in, (void)mask;                                                                      \
        BP_ROWS(BP_UNPACK_ROW, sse, w, BP_FIN_DELTA)                                               \
    }

#define BP_SSE_PACK(w, unused)                                                                     \
    static void sse_pack_##w(uint8_t *restrict out, const uint32_t *restrict in)                   \
    {                                                                                              \
        const sse_v mask = sse_set1(BP_MASK(w));                                                   \
        sse_v acc = sse_set1(0);                                                                   \
        BP_ROWS(BP_PACK_ROW, sse, w)                                                               \
    }

BP_WIDTHS(BP_SSE_UNPACK, 0)
BP_NZ(BP_SSE_PACK, 0)

static void sse_pack_0(uint8_t *restrict out, const uint32_t *restrict in)
{
    (void)out, (void)in;
}

static const unpack_fn sse_unpack_tab[33] = {BP_WIDTHS(BP_ENTRY, sse_unpack)};
static const unpack_fn sse_unfreq_tab[33] = {BP_WIDTHS(BP_ENTRY, sse_unfreq)};
static const unpack_fn sse_undelta_tab[33] = {BP_WIDTHS(BP_ENTRY, sse_undelta)};
static const pack_fn sse_pack_tab[33] = {BP_WIDTHS(BP_ENTRY, sse_pack)};
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
    sca_unpack_tab[clamp_width(width)](dst, src, 0);
    for (size_t i = 0; i < BITPACK_BLOCK; i++) {
        base += dst[i] + 1u;
        dst[i] = base;
    }
}

void bitpack_unpack_freq_scalar(uint32_t *dst, const uint8_t *src, unsigned width)
{
    sca_unpack_tab[clamp_width(width)](dst, src, 0);
    for (size_t i = 0; i < BITPACK_BLOCK; i++)
        dst[i] += 1u;
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
