/*
 * bitpack: fixed-width bit packing of blocks of 128 integers, the codec of the index's posting
 * blocks (doc-id gaps and term frequencies), with a fused decoder that turns gaps back into doc
 * ids. SIMD-BP128 (Lemire and Boytsov, "Decoding billions of integers per second through
 * vectorization", 2015) in its byte layout, with an SSE2 kernel on x86-64 and a portable scalar
 * kernel that writes and reads the same bytes everywhere else.
 *
 * A block is exactly BITPACK_BLOCK values, all below 2^width, stored in bitpack_bytes(width) =
 * 16 * width bytes with no header: the width is kept by the caller (in the posting block's
 * header), so a block of width 0 takes no bytes at all. Shorter tails are the caller's business
 * (pad them or store them another way).
 *
 * ## Byte layout (on-disk format; docs/FORMAT.md, "Bit-packed blocks")
 *
 * Values v[0..127] are dealt to 4 lanes: lane j (0..3) holds v[j], v[j+4], v[j+8], ...,
 * v[j+124]; v[4r+j] is row r (0..31) of lane j. Each lane is a string of 32 * width bits in
 * which row r takes bits [r*width, r*width + width), least significant bit first; a value may
 * straddle two 32-bit words of its lane. The block is `width` groups of 16 bytes; group k holds
 * word k (bits [32k, 32k + 32)) of every lane, lane j at bytes 16k + 4j .. 16k + 4j + 3 as a
 * little-endian uint32:
 *
 *     byte:   0      4      8      12     16     20     24     28           16*width
 *           +------+------+------+------+------+------+------+------+- ... -+
 *           |lane 0|lane 1|lane 2|lane 3|lane 0|lane 1|lane 2|lane 3|       |
 *           |word 0|word 0|word 0|word 0|word 1|word 1|word 1|word 1|       |
 *           +------+------+------+------+------+------+------+------+- ... -+
 *
 * So bit t (0 <= t < width) of v[i] (r = i / 4, j = i % 4, b = r*width + t) is bit b % 8 of
 * byte 16*(b / 32) + 4*j + (b % 32) / 8. Example, width 3: lane 0's word 0 is v[0] | v[4] << 3
 * | v[8] << 6 | ... | v[36] << 27 | (v[40] & 3) << 30, and v[40] >> 2 is bit 0 of its word 1
 * (byte 16). Every bit of the block belongs to exactly one value: there is no padding. This is
 * the layout of the simdcomp library's simdpack/simdunpack, so one 128-bit load feeds one row of
 * all 4 lanes and SSE2 decodes a row with a shift, an OR when it straddles, and a mask.
 *
 * ## Doc ids: D1 gaps minus one
 *
 * A block of doc ids d[0..127] (strictly increasing) following the id `base` is stored as
 *
 *     g[0] = d[0] - base - 1,   g[i] = d[i] - d[i-1] - 1   (all mod 2^32, so all >= 0)
 *
 * where base is the last doc id of the previous block, or UINT32_MAX (that is, -1) for the first
 * block of a list, as the variable-byte format's "previous = -1" (CURSOR_END is UINT32_MAX, so no
 * real doc id equals it). Decoding is a prefix sum: d[i] = base + (i + 1) + g[0] + ... + g[i].
 *
 * Why D1 (each gap from the previous id) rather than D4 (from the id four places back, so that
 * the prefix sum is one vector add per row), and why minus one. Measured with
 * bench/bitpack_bench (gcc 12 -O2, SSE2 kernels, 2 shared cores of an AMD EPYC; G integers/s
 * are medians of 11 interleaved runs, best run in brackets) on the full blocks of all lists of a
 * format-0 index of wiki-en (252,244 documents: 176,668 blocks, 22.6 M doc ids) and of a
 * synthetic collection (250,000 documents, df = N / rank, geometric gaps with p = df / N):
 *
 *                            bits per doc id       decode of the wiki-en blocks, G/s
 *                            wiki-en  synthetic
 *     D1 gaps - 1 (chosen)    7.634    7.245       2.83 (3.31) fused
 *     D1 gaps                 7.694    7.405
 *     D4 gaps - 4             8.476    8.031       3.34 (4.43) unpack then add; fused*: 5.27
 *                                                  (6.77), 1.52 (1.90) checking that ids rise
 *     vbyte gaps (format 0)   9.054    9.915       0.51 (0.55)
 *     unpack alone                                 6.94 (8.26)
 *
 *     * prototype kernels, not kept; measured in one run beside D1 fused at 2.57 (3.31)
 *
 *  - Size: D4 makes doc ids 11% larger (each of its gaps spans four D1 gaps). "Minus one" saves
 *    0.8% (2.2% synthetic) and makes a dense run's gaps all 0, so such a block takes 0 bytes.
 *  - Speed: fused D4 decodes twice as fast, but D1 already clears the 2 G/s goal (the issue's
 *    references: SIMD-BP128 about 2.2 G/s here, scalar varint 0.6), and a block costs far less
 *    to decode than to score.
 *  - Safety, which settles it: D1 gaps minus one can only decode to strictly increasing ids
 *    (unless the sum wraps past 2^32, which the check below excludes cheaply), so a cursor can
 *    trust the order of any block it decodes. A corrupt D4 block decodes to ids that go down
 *    without any wrap, and checking every block for that made D4 slower than D1. Plain gaps
 *    (no minus one) would let a corrupt block repeat an id.
 *
 * ## Term frequencies: minus one
 *
 * Frequencies are >= 1 and stored as f - 1 (no delta): a block in which every frequency is 1,
 * the usual case for rare terms, takes 0 bytes. On wiki-en's full blocks: 4.251 bits per
 * frequency, against 4.397 for f itself and 8.005 for vbyte.
 *
 * ## Untrusted input
 *
 * The decoders do no validation: they read exactly bitpack_bytes(width) bytes at src and write
 * 128 values. The caller reads `width` from the file and checks, with its bounds-checked reader,
 * that width <= BITPACK_MAX_WIDTH and that bitpack_bytes(width) bytes remain, returning
 * QUARRY_ECORRUPT otherwise. A width above 32 reaching a decoder reads nothing and decodes as
 * width 0, so a missed check cannot read out of bounds. For doc ids: when width <= 25 and the
 * decoded d[127] equals the block's last id recorded elsewhere (skip data) and that id is above
 * base (or base is UINT32_MAX), then d[0..127] strictly increase and lie in (base, d[127]]; the
 * 128 gaps plus ones then sum to at most 2^32, so they cannot wrap and still land on d[127]. A
 * block of width 26 or more needs an explicit scan to prove it does not wrap.
 *
 * ## Threads, memory, speed
 *
 * Pure functions: no state, no allocation, any thread. dst and src must not overlap. No
 * alignment is required. On x86-64 the SSE2 kernels are used (every x86-64 CPU has SSE2); the
 * *_scalar functions are the portable kernels, exported so tests can compare them byte for
 * byte. Every width has its own straight-line kernel, generated by macros in bitpack.c.
 *
 * Example, encoding and decoding one block of doc ids:
 *
 *     uint32_t gaps[BITPACK_BLOCK], back[BITPACK_BLOCK];
 *     uint8_t packed[BITPACK_MAX_BYTES];
 *     bitpack_delta_encode(gaps, docs, prev_last);            // prev_last = UINT32_MAX at first
 *     unsigned w = bitpack_width(gaps, BITPACK_BLOCK);        // store w in the block header
 *     bitpack_pack(packed, gaps, w);                          // then bitpack_bytes(w) bytes
 *     bitpack_unpack_delta(back, packed, w, prev_last);       // back[i] == docs[i]
 */
#ifndef QUARRY_COMMON_BITPACK_H
#define QUARRY_COMMON_BITPACK_H

#include <stddef.h>
#include <stdint.h>

#define BITPACK_BLOCK     128                      /* values in a block */
#define BITPACK_MAX_WIDTH 32                       /* largest width, in bits per value */
#define BITPACK_MAX_BYTES (16 * BITPACK_MAX_WIDTH) /* bytes of a block at the largest width */

/*
 * Bytes of a packed block of the given width: 128 * width / 8 = 16 * width (0 for width 0).
 * Width must be <= BITPACK_MAX_WIDTH.
 */
size_t bitpack_bytes(unsigned width);

/*
 * Bits needed for the largest of v[0..n): 0 when all are 0 (or n == 0), else 1 + the index of
 * the highest set bit, so 0..32. Any n; v may be NULL when n == 0.
 */
unsigned bitpack_width(const uint32_t *v, size_t n);

/*
 * Packs src[0..127] into the bitpack_bytes(width) bytes at dst in the layout above. Each value
 * must be below 2^width (use bitpack_width); only its low `width` bits are stored, so a value
 * that breaks the rule is cut but never spills into its neighbours. Width 0 writes nothing.
 * width must be <= 32 (larger widths write nothing).
 */
void bitpack_pack(uint8_t *dst, const uint32_t *src, unsigned width);

/*
 * Unpacks the 128 values of the block of `width` bits at src (reading bitpack_bytes(width)
 * bytes) into dst[0..127]. Width 0 reads nothing (src may then be NULL) and writes 128 zeros.
 */
void bitpack_unpack(uint32_t *dst, const uint8_t *src, unsigned width);

/*
 * The gaps of doc ids docs[0..127] (strictly increasing, all above base, or base == UINT32_MAX
 * for a list's first block): out_deltas[0] = docs[0] - base - 1 and out_deltas[i] = docs[i] -
 * docs[i-1] - 1, computed mod 2^32. Then pack them with bitpack_width and bitpack_pack.
 */
void bitpack_delta_encode(uint32_t *out_deltas, const uint32_t *docs, uint32_t base);

/*
 * Unpacks a block of gaps written by bitpack_delta_encode + bitpack_pack and returns the doc
 * ids in one pass: dst[i] = base + i + 1 + (gaps 0..i), mod 2^32. `base` is the one given to
 * bitpack_delta_encode. See "Untrusted input" above for what the result guarantees.
 */
void bitpack_unpack_delta(uint32_t *dst, const uint8_t *src, unsigned width, uint32_t base);

/* out[i] = freqs[i] - 1 for i in 0..127 (frequencies are >= 1); then pack out as usual. */
void bitpack_freq_encode(uint32_t *out, const uint32_t *freqs);

/*
 * Unpacks a block written from bitpack_freq_encode's output: dst[i] = stored value + 1. Only a
 * corrupt block of width 32 can decode a 0 (UINT32_MAX + 1); readers that care check for it.
 */
void bitpack_unpack_freq(uint32_t *dst, const uint8_t *src, unsigned width);

/* The kernel family in use: "sse2" or "scalar" (a static string), for benchmark reports. */
const char *bitpack_kernel_name(void);

/*
 * The portable kernels, same contracts and same bytes as the functions above; the public
 * functions call them on CPUs without SSE2. Exported for tests and benchmarks.
 */
void bitpack_pack_scalar(uint8_t *dst, const uint32_t *src, unsigned width);
void bitpack_unpack_scalar(uint32_t *dst, const uint8_t *src, unsigned width);
void bitpack_unpack_delta_scalar(uint32_t *dst, const uint8_t *src, unsigned width, uint32_t base);
void bitpack_unpack_freq_scalar(uint32_t *dst, const uint8_t *src, unsigned width);

#endif
