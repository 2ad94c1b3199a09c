/*
 * format.h: on-disk constants of the quarry index, format version 3. docs/FORMAT.md is the
 * full specification; the shortened diagrams here are for readers of the code.
 *
 * All integers are little-endian. "vbyte" is common/vbyte.h's variable-byte integer; "str" is
 * a vbyte length followed by that many bytes.
 *
 * Every file:                           header (16 bytes)
 *   +--------------------+---------+-------+
 *   | magic "QUARRY"+kind| version | flags |   kind: 2 ASCII letters, version u32, flags u32 = 0
 *   +--------------------+---------+-------+
 *   | body ...                            |
 *   +--------+-------+--------+            footer (16 bytes)
 *   | tail   | crc32 | "QEND" |            tail u64: file-specific offset (0 if unused);
 *   +--------+-------+--------+            crc32: zlib CRC-32 of every byte before it
 *
 * MANIFEST ("MF"): body = u64 generation, str language, u32 nsegments, then per segment:
 *   str name, u32 docs, u64 tokens, u32 nfiles, then per file: str suffix, u64 size, u32 crc32,
 *   then u32 deleted and, if deleted > 0, the deletion file: str suffix, u64 size, u32 crc32.
 * <seg>.<G>.del ("DL"): u32 ndocs, u32 ndeleted, bitmap of ceil(ndocs / 8) bytes (bit d % 8 of
 *   byte d / 8 set: document d deleted; bits past ndocs zero).
 * <seg>.dict ("DI"): front-coded blocks of FORMAT_DICT_BLOCK entries, sorted by term bytes:
 *   entry = vbyte shared-prefix, str suffix, [first of block: vbyte post_off, vbyte pos_off],
 *   vbyte df, vbyte cf - df, vbyte post_len, vbyte pos_len, [df >= 128: vbyte max_tf,
 *   vbyte min_dl];
 *   at `tail`: u32 nterms, u32 nblocks, u64 block offset[nblocks].
 * <seg>.post ("PO"): per term, nfull = df / 128 full blocks and df % 128 tail postings:
 *   [if nfull: skip[nfull] {u32 last_doc, u32 block_off, u32 pos_off, u16 max_tf, u16 min_dl}
 *   (impacts saturated at 65535), u32 tail_pos_off, u32 tail_off], blocks {u8 doc_width,
 *   packed doc gaps (D1, minus one), pfor block of tf - 1}, tail = per posting vbyte
 *   (gap * 2 + (tf == 1)) and, if tf > 1, vbyte tf - 2. Offsets relative to the term's areas.
 *   Packed = common/bitpack.h's 128-value layout; pfor = common/pfor.h.
 * <seg>.pos ("PS"): per term, one chunk per block (and the tail): the block's position gaps
 *   (position - previous - 1, previous = -1 at each document) as 128-value pfor blocks, then a
 *   vbyte for each of the last (count % 128).
 * <seg>.docs ("DT"): u32 ndocs, u8 length width, 3 zero bytes, u64 tokens; lengths packed at
 *   that width (bit i*width, LSB first) plus 8 zero bytes; ceil(ndocs / 16) + 1 u64 offsets of
 *   the id groups (the last one: their end); ceil(ndocs / 64) meta block records {u64 offset,
 *   u32 compressed length, u32 raw length}; id groups of 16 documents, each {vbyte shared
 *   prefix with the previous id of the group, str rest of the id, vbyte store block, vbyte
 *   offset in block, vbyte text length}; meta blocks: zlib streams of 64 titles (str).
 * <seg>.store ("DS"): zlib streams of concatenated document texts; at `tail`: u32 nblocks,
 *   nblocks records {u64 offset, u32 compressed length, u32 raw length}.
 */
#ifndef QUARRY_COMMON_FORMAT_H
#define QUARRY_COMMON_FORMAT_H

#define FORMAT_VERSION     3u
#define FORMAT_MAGIC       "QUARRY" /* 6 bytes, followed by the 2-byte kind */
#define FORMAT_MAGIC_LEN   6
#define FORMAT_HEADER_SIZE 16u
#define FORMAT_FOOTER_SIZE 16u
#define FORMAT_END_MAGIC   "QEND"

#define FORMAT_KIND_MANIFEST  "MF"
#define FORMAT_KIND_DICT      "DI"
#define FORMAT_KIND_POSTINGS  "PO"
#define FORMAT_KIND_POSITIONS "PS"
#define FORMAT_KIND_DOCS      "DT"
#define FORMAT_KIND_STORE     "DS"
#define FORMAT_KIND_DELETIONS "DL"

#define FORMAT_MANIFEST_NAME "MANIFEST"
#define FORMAT_LOCK_NAME     "LOCK" /* writer lock: flock(2)ed, holds "<pid>\n"; not index data */

/* Suffixes of a segment's files, in manifest order. */
#define FORMAT_SUFFIX_DICT      ".dict"
#define FORMAT_SUFFIX_POSTINGS  ".post"
#define FORMAT_SUFFIX_POSITIONS ".pos"
#define FORMAT_SUFFIX_DOCS      ".docs"
#define FORMAT_SUFFIX_STORE     ".store"
#define FORMAT_SEGMENT_FILES    5
#define FORMAT_SUFFIX_DELETIONS ".del" /* a deletion file is <seg>.<G>.del */

#define FORMAT_META_BLOCK        64u /* documents per compressed meta (title) block of .docs */
#define FORMAT_ID_GROUP          16u /* documents per front-coded id group of .docs */
#define FORMAT_META_RECORD       16u /* bytes of a meta block record {u64 off, u32 clen, u32 raw} */
#define FORMAT_DOCS_HEADER_SIZE  16u /* ndocs, length width, 3 zero bytes, tokens */
#define FORMAT_BLOCK             128u /* postings per block (= BITPACK_BLOCK) */
#define FORMAT_SKIP_ENTRY        16u  /* bytes of one skip entry in .post */
#define FORMAT_DICT_BLOCK        32u  /* dictionary entries per front-coded block */
#define FORMAT_STORE_RECORD_SIZE 16u  /* bytes of one .store block record */
#define FORMAT_STORE_BLOCK                                                                         \
    32768u                              /* raw bytes a store block is filled to (a longer text     \
                                           gets a block of its own) */
#define FORMAT_MAX_ID       1024u       /* longest external id, bytes */
#define FORMAT_MAX_DOCS     4294967294u /* documents of all segments together (docids are u32) */
#define FORMAT_MAX_LANGUAGE 64u         /* longest language name, bytes */

#include <stddef.h>
#include <stdint.h>

/* Bytes of the packed document-length array: ndocs values of `width` bits, plus 8 bytes of
 * zero padding so that a reader can load 8 bytes at any value's first byte. */
static inline size_t format_lengths_bytes(uint32_t ndocs, unsigned width)
{
    return (size_t)(((uint64_t)ndocs * width + 7) / 8) + 8;
}

#endif
