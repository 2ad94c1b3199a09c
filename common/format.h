/*
 * format.h: on-disk constants of the quarry index, format version 0. docs/FORMAT.md is the
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
 *   str name, u32 docs, u64 tokens, u32 nfiles, then per file: str suffix, u64 size, u32 crc32.
 * <seg>.dict ("DI"): entries, sorted by term bytes, each: str term, vbyte df, vbyte cf,
 *   vbyte postings offset, vbyte postings length, vbyte positions offset, vbyte positions length;
 *   then at `tail`: u32 nterms, u32 entry offset[nterms].
 * <seg>.post ("PO"): per term, df pairs (vbyte docid gap, vbyte tf - 1); docid = previous + 1 +
 *   gap, previous starting at -1.
 * <seg>.pos ("PS"): per term and posting, tf positions, each vbyte (position - previous - 1),
 *   previous starting at -1 in every document.
 * <seg>.docs ("DT"): u32 ndocs, u32 0, u64 tokens, ndocs records {u32 length, u32 store block,
 *   u64 meta offset}; meta (at those offsets): str id, str title, vbyte offset in block,
 *   vbyte text length.
 * <seg>.store ("DS"): zlib streams of concatenated document texts; at `tail`: u32 nblocks,
 *   nblocks records {u64 offset, u32 compressed length, u32 raw length}.
 */
#ifndef QUARRY_COMMON_FORMAT_H
#define QUARRY_COMMON_FORMAT_H

#define FORMAT_VERSION 0u
#define FORMAT_MAGIC "QUARRY" /* 6 bytes, followed by the 2-byte kind */
#define FORMAT_MAGIC_LEN 6
#define FORMAT_HEADER_SIZE 16u
#define FORMAT_FOOTER_SIZE 16u
#define FORMAT_END_MAGIC "QEND"

#define FORMAT_KIND_MANIFEST "MF"
#define FORMAT_KIND_DICT "DI"
#define FORMAT_KIND_POSTINGS "PO"
#define FORMAT_KIND_POSITIONS "PS"
#define FORMAT_KIND_DOCS "DT"
#define FORMAT_KIND_STORE "DS"

#define FORMAT_MANIFEST_NAME "MANIFEST"

/* Suffixes of a segment's files, in manifest order. */
#define FORMAT_SUFFIX_DICT ".dict"
#define FORMAT_SUFFIX_POSTINGS ".post"
#define FORMAT_SUFFIX_POSITIONS ".pos"
#define FORMAT_SUFFIX_DOCS ".docs"
#define FORMAT_SUFFIX_STORE ".store"
#define FORMAT_SEGMENT_FILES 5

#define FORMAT_DOC_RECORD_SIZE 16u   /* bytes of one .docs record */
#define FORMAT_DOCS_HEADER_SIZE 16u  /* ndocs, reserved, tokens */
#define FORMAT_STORE_RECORD_SIZE 16u /* bytes of one .store block record */
#define FORMAT_STORE_BLOCK 32768u    /* raw bytes a store block is filled to (a longer text
                                        gets a block of its own) */
#define FORMAT_MAX_ID 1024u          /* longest external id, bytes */
#define FORMAT_MAX_LANGUAGE 64u      /* longest language name, bytes */

#endif
