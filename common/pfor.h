/*
 * pfor: patched frame of reference over bitpack's 128-value blocks, for values whose
 * distribution has a long tail (position gaps, term frequencies): the block is packed at a
 * width b that fits most values, and the few that do not ("exceptions") keep their high bits
 * in a short list after it. One outlier then costs a few bytes instead of widening all 128
 * values (Zukowski et al., "Super-scalar RAM-CPU cache compression", 2006; the byte layout is
 * quarry's own, docs/FORMAT.md "Patched blocks").
 *
 * Layout: u8 b, u8 n, bitpack block of the low b bits of the 128 values (16 * b bytes), then n
 * exceptions {u8 index, vbyte high}, indexes strictly increasing, value = low | high << b.
 */
#ifndef QUARRY_COMMON_PFOR_H
#define QUARRY_COMMON_PFOR_H

#include <stdint.h>

#include "buf.h"
#include "reader.h"

/* Appends v[0..127] to b, at the width that makes the block smallest. */
void pfor_put(buf *b, const uint32_t *v);

/*
 * Decodes one block from r into v[0..127]. Returns QUARRY_OK or QUARRY_ECORRUPT (width over
 * 32, short input, indexes out of order, high bits that overflow 32 bits).
 */
int pfor_get(reader *r, uint32_t *v);

#endif
