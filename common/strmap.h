/*
 * strmap: an open-addressing hash table from byte strings to uint32_t values, with keys
 * copied into an arena owned by the map. Used for the indexer's vocabulary and external-id set
 * and for the stemmer's cache. Not thread-safe: one owner.
 */
#ifndef QUARRY_COMMON_STRMAP_H
#define QUARRY_COMMON_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap strmap;

/* Creates an empty map. Returns QUARRY_OK or QUARRY_ENOMEM. */
int strmap_create(strmap **out);

/* Frees the map and its keys. NULL is a no-op. */
void strmap_free(strmap *m);

/* Looks key[0..len) up. Returns 1 and sets *value if present, else 0. */
int strmap_get(const strmap *m, const char *key, size_t len, uint32_t *value);

/* Looks key[0..len) up. Returns a pointer to its value, which the caller may change (valid
 * until the next insert), or NULL if absent. */
uint32_t *strmap_find(strmap *m, const char *key, size_t len);

/*
 * Finds key or inserts it with `value` (an existing key keeps its value). *slot_value receives
 * a pointer to the stored value (valid until the next insert), *inserted 1 if the key was new;
 * either may be NULL. Returns QUARRY_OK or QUARRY_ENOMEM (the map is unchanged; also for a key
 * of 4 GiB or more).
 */
int strmap_upsert(strmap *m, const char *key, size_t len, uint32_t value, uint32_t **slot_value,
                  int *inserted);

/* Number of keys. */
size_t strmap_size(const strmap *m);

/* Removes every key (keeps the allocated table, and one chunk of key storage, for reuse). */
void strmap_clear(strmap *m);

/* Bytes of memory held (table and key arena). */
size_t strmap_memory(const strmap *m);

/*
 * Bytes the map may allocate, beyond strmap_memory, while `keys` more keys of `key_bytes`
 * bytes in all are inserted: the larger tables it doubles into (while a table is rehashed the
 * old one is still held, so the peak is counted) and the arena chunks for the keys. An upper
 * bound for memory budgets; 0 when no insertion would allocate.
 */
size_t strmap_growth(const strmap *m, size_t keys, size_t key_bytes);

/* The 64-bit hash used for keys (exposed for tests and for callers hashing the same keys).
 * The same on every platform: it reads bytes, not host-order words. */
uint64_t strmap_hash(const char *key, size_t len);

#endif
