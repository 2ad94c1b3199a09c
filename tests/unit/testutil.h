/*
 * testutil: small file and process helpers shared by the unit tests (temporary index folders and
 * the files in them). They fail the running CMocka test on any error, except testutil_rm_rf, which
 * removes what it can.
 */
#ifndef QUARRY_TESTS_TESTUTIL_H
#define QUARRY_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Removes the file or folder tree at path (no error if absent). */
void testutil_rm_rf(const char *path);

/* "dir/name" in a new malloc'd string (free it). */
char *testutil_join(const char *dir, const char *name);

/* The whole file at path in a new malloc'd buffer (one spare byte at the end); *size its size. */
uint8_t *testutil_read_all(const char *path, size_t *size);

/* Writes v little-endian into p[0..3]. */
void testutil_set_u32(uint8_t *p, uint32_t v);

/* Recomputes the footer checksum of an index file image (CRC-32 of every byte before the last
 * 8) and returns it. */
uint32_t testutil_fix_crc(uint8_t *data, size_t size);

/* Waits for child process pid (retrying on EINTR) and returns its wait status. */
int testutil_reap(int pid);

/* Writes the text of synthetic document i (NUL-terminated, at most cap bytes): Zipf-like
 * words of a news vocabulary, repeated pairs (phrases), short and long documents, one word
 * repeated hundreds of times in every 37th document, a rarer word per document class and a
 * word of its own in every 50th document (i = 7, 57, ...). The same i always gives the same
 * text. */
void testutil_doc_text(char *dst, size_t cap, uint32_t i);

#endif
