/*
 * strmap.c: the byte-string -> uint32_t hash table of strmap.h, behind the indexer's vocabulary
 * and external-id set and the stemmer's cache.
 *
 * Open addressing with linear probing over a power-of-two table kept at most half full, so a
 * lookup usually reads one or two adjacent slots. Slots are 16 bytes, four to a cache line: the
 * tables of a large vocabulary are most of an indexing buffer's memory and most of its cache
 * misses. A slot holds a tag (28 bits of the key's hash, compared before any key byte and
 * reused when the table doubles, and a length code) and the value; keys of up to 8 bytes (most
 * words) are kept in the slot itself, zero-padded in one word, so that confirming a hit on them
 * is one integer comparison in the slot already loaded. Longer keys are copied, behind their
 * length, into an arena of chunks that never move, and the slot points at the copy: growing
 * the table copies slots, never key bytes.
 */
#include "strmap.h"

#include <string.h>

#include "alloc.h"
#include "quarry/error.h"

#define MIN_SLOTS   16                /* table size of a new map (a power of two) */
#define CHUNK_BYTES 65536             /* key bytes per arena chunk */
#define BIG_KEY     (CHUNK_BYTES / 4) /* longer keys get a chunk of their own */

typedef struct slot {
    uint64_t word;  /* a key of up to INLINE_MAX bytes, zero-padded (see short_word); a longer
                       key: the address of its copy (a u32 length, then the bytes) */
    uint32_t tag;   /* 0 for an empty slot; else the hash's low TAG_HASH_BITS bits above the
                       length code: 1 + len for inline keys, LONG_KEY for longer ones */
    uint32_t value; /* the value */
} slot;

#define INLINE_MAX 8  /* longest key kept in slot.word */
#define LONG_KEY   15 /* length code of a longer key */
/* Hash bits in a tag: they place a key in tables of up to 2^TAG_HASH_BITS slots; larger tables
 * hash keys again when they double. Tests build the map with fewer to reach that path. */
#ifdef STRMAP_TAG_HASH_BITS
#define TAG_HASH_BITS STRMAP_TAG_HASH_BITS
#else
#define TAG_HASH_BITS 28
#endif

/* The tag of a key of len bytes whose hash is h. */
static uint32_t tag_of(uint64_t h, size_t len)
{
    uint32_t code = len <= INLINE_MAX ? (uint32_t)len + 1 : LONG_KEY;
    return (uint32_t)(h & ((1u << TAG_HASH_BITS) - 1)) << 4 | code;
}

/* The first min(len, 8) bytes of key as a little-endian word, zero-padded. */
static uint64_t short_word(const char *key, size_t len)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t w = 0;
    size_t n = len < INLINE_MAX ? len : INLINE_MAX;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

/* The copy of a long key that slot s points at: its length and bytes. */
static const char *long_key(const slot *s, uint32_t *len)
{
    const char *p = (const char *)(uintptr_t)s->word;
    memcpy(len, p, sizeof *len);
    return p + sizeof *len;
}

typedef struct chunk {
    struct chunk *next; /* older chunk, NULL for the last */
    size_t cap;         /* bytes in data */
    size_t used;        /* bytes of data holding keys */
    char data[];        /* key bytes, back to back */
} chunk;

struct strmap {
    slot *slots;        /* mask + 1 slots */
    size_t mask;        /* table size - 1; the size is a power of two */
    size_t size;        /* keys stored, at most half the table size */
    chunk *arena;       /* chunk being filled, heading the list of all chunks */
    size_t arena_bytes; /* bytes allocated for chunks, headers included */
};

/* Little-endian loads: strmap_hash is the same on every platform. */
static uint64_t load64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static uint64_t load32(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static uint64_t rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

#define P1 0x9E3779B185EBCA87u /* odd 64-bit constants of xxHash64 */
#define P2 0xC2B2AE3D27D4EB4Fu
#define P3 0x165667B19E3779F9u

/*
 * Multiply-rotate over 8-byte words, in the manner of xxHash64's short-input path; the tail
 * of 1..7 bytes is read as two overlapping words (or three bytes), which is unambiguous because
 * the length is mixed in first. The final avalanche makes the low bits, which pick the slot,
 * depend on every input bit.
 */
uint64_t strmap_hash(const char *key, size_t len)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = P3 + (uint64_t)len * P1;
    for (; len >= 8; p += 8, len -= 8) {
        h ^= rotl(load64(p) * P2, 31) * P1;
        h = rotl(h, 27) * P1 + P3;
    }
    uint64_t w = 0;
    if (len >= 4)
        w = load32(p) << 32 | load32(p + len - 4);
    else if (len > 0)
        w = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
    h ^= rotl(w * P2, 31) * P1;
    h = rotl(h, 27) * P1 + P3;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* Tables of at least this many slots come straight from the system (alloc_pages), mapped at
 * once: a large table is written all over as soon as it is made (rehashing), and mapping its
 * pages together costs far less than a page fault each. */
#define PAGES_SLOTS 32768

/* A zeroed table of n slots (a power of two), or NULL. */
static slot *table_alloc(size_t n)
{
    if (n >= PAGES_SLOTS)
        return n > SIZE_MAX / sizeof(slot) ? NULL : alloc_pages(n * sizeof(slot));
    return alloc_array(n, sizeof(slot));
}

/* Frees a table of n slots from table_alloc. */
static void table_free(slot *t, size_t n)
{
    if (n >= PAGES_SLOTS)
        alloc_pages_free(t, n * sizeof(slot));
    else
        alloc_free(t);
}

int strmap_create(strmap **out)
{
    *out = NULL;
    strmap *m = alloc_array(1, sizeof *m);
    if (!m)
        return QUARRY_ENOMEM;
    m->slots = alloc_array(MIN_SLOTS, sizeof *m->slots);
    if (!m->slots) {
        alloc_free(m);
        return QUARRY_ENOMEM;
    }
    m->mask = MIN_SLOTS - 1;
    *out = m;
    return QUARRY_OK;
}

/* Frees the chunks from c on. */
static void free_chunks(chunk *c)
{
    while (c) {
        chunk *next = c->next;
        alloc_free(c);
        c = next;
    }
}

void strmap_free(strmap *m)
{
    if (!m)
        return;
    free_chunks(m->arena);
    table_free(m->slots, m->mask + 1);
    alloc_free(m);
}

/* The slot holding key, or the empty slot where it would go. The table is never full. */
static size_t probe(const strmap *m, const char *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & m->mask;
    uint32_t tag = tag_of(h, len);
    uint64_t w = len <= INLINE_MAX ? short_word(key, len) : 0;
    for (;;) {
        const slot *s = &m->slots[i];
        if (!s->tag)
            return i;
        if (s->tag == tag) {
            if (len <= INLINE_MAX) {
                if (s->word == w)
                    return i;
            } else {
                uint32_t n;
                const char *k = long_key(s, &n);
                if (n == len && memcmp(k, key, len) == 0)
                    return i;
            }
        }
        i = (i + 1) & m->mask;
    }
}

int strmap_get(const strmap *m, const char *key, size_t len, uint32_t *value)
{
    if (len > UINT32_MAX)
        return 0;
    const slot *s = &m->slots[probe(m, key, len, strmap_hash(key, len))];
    if (!s->tag)
        return 0;
    *value = s->value;
    return 1;
}

uint32_t *strmap_find(strmap *m, const char *key, size_t len)
{
    if (len > UINT32_MAX)
        return NULL;
    slot *s = &m->slots[probe(m, key, len, strmap_hash(key, len))];
    return s->tag ? &s->value : NULL;
}

/* Where slot s goes in a table of mask + 1 slots: its tag holds the hash bits that place it,
 * except in tables larger than 2^TAG_HASH_BITS slots, where the key is hashed again. */
static size_t home(const slot *s, size_t mask)
{
    if (mask >> TAG_HASH_BITS == 0)
        return (size_t)(s->tag >> 4) & mask;
    if ((s->tag & 15) != LONG_KEY) {
        char k[INLINE_MAX];
        size_t len = (s->tag & 15) - 1;
        for (size_t i = 0; i < len; i++)
            k[i] = (char)(s->word >> (8 * i));
        return (size_t)strmap_hash(k, len) & mask;
    }
    uint32_t n;
    const char *k = long_key(s, &n);
    return (size_t)strmap_hash(k, n) & mask;
}

/* Doubles the table. Returns QUARRY_OK or QUARRY_ENOMEM (the map is unchanged). */
static int grow(strmap *m)
{
    size_t mask = m->mask * 2 + 1;
    slot *t = table_alloc(mask + 1);
    if (!t)
        return QUARRY_ENOMEM;
    for (size_t i = 0; i <= m->mask; i++) {
        if (!m->slots[i].tag)
            continue;
        size_t j = home(&m->slots[i], mask);
        while (t[j].tag)
            j = (j + 1) & mask;
        t[j] = m->slots[i];
    }
    table_free(m->slots, m->mask + 1);
    m->slots = t;
    m->mask = mask;
    return QUARRY_OK;
}

/*
 * Copies key[0..len) into the arena behind its length as a u32 and returns the copy's start
 * (the length), or NULL if memory runs out. A key longer than BIG_KEY gets its own chunk,
 * slotted behind the one being filled so that the latter's free space is not lost.
 */
static const char *arena_copy(strmap *m, const char *key, size_t len)
{
    chunk *c = m->arena;
    size_t need = sizeof(uint32_t) + len;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > BIG_KEY ? need : CHUNK_BYTES;
        if (cap > SIZE_MAX - sizeof *c)
            return NULL;
        c = alloc_bytes(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        m->arena_bytes += sizeof *c + cap;
        if (need > BIG_KEY && m->arena) {
            c->next = m->arena->next;
            m->arena->next = c;
        } else {
            c->next = m->arena;
            m->arena = c;
        }
    }
    char *d = c->data + c->used;
    uint32_t n = (uint32_t)len;
    memcpy(d, &n, sizeof n);
    memcpy(d + sizeof n, key, len);
    c->used += need;
    return d;
}

int strmap_upsert(strmap *m, const char *key, size_t len, uint32_t value, uint32_t **slot_value,
                  int *inserted)
{
    if (len > UINT32_MAX) /* copies hold 32-bit lengths; no such key could be stored anyway */
        return QUARRY_ENOMEM;
    uint64_t h = strmap_hash(key, len);
    size_t i = probe(m, key, len, h);
    int is_new = m->slots[i].tag == 0;
    if (is_new) {
        if (m->size + 1 > (m->mask + 1) / 2) {
            if (grow(m))
                return QUARRY_ENOMEM;
            i = probe(m, key, len, h);
        }
        uint64_t word;
        if (len <= INLINE_MAX) {
            word = short_word(key, len);
        } else {
            const char *copy = arena_copy(m, key, len);
            if (!copy)
                return QUARRY_ENOMEM;
            word = (uint64_t)(uintptr_t)copy;
        }
        m->slots[i] = (slot){word, tag_of(h, len), value};
        m->size++;
    }
    if (slot_value)
        *slot_value = &m->slots[i].value;
    if (inserted)
        *inserted = is_new;
    return QUARRY_OK;
}

size_t strmap_size(const strmap *m)
{
    return m->size;
}

/* Keeps the table and the chunk being filled; older chunks are freed. */
void strmap_clear(strmap *m)
{
    memset(m->slots, 0, (m->mask + 1) * sizeof *m->slots);
    m->size = 0;
    if (m->arena) {
        free_chunks(m->arena->next);
        m->arena->next = NULL;
        m->arena->used = 0;
        m->arena_bytes = sizeof *m->arena + m->arena->cap;
    }
}

size_t strmap_memory(const strmap *m)
{
    return sizeof *m + (m->mask + 1) * sizeof *m->slots + m->arena_bytes;
}

size_t strmap_growth(const strmap *m, size_t keys, size_t key_bytes)
{
    /* Each doubling allocates the new table while the old one is held; the table the map
     * starts from is already in strmap_memory, the intermediate ones are not. */
    size_t slots = m->mask + 1, size = m->size, peak = 0, held = 0;
    while (size + keys > slots / 2) {
        size_t bytes = 2 * slots * sizeof(slot);
        if (held + bytes > peak)
            peak = held + bytes;
        held = bytes;
        slots *= 2;
    }
    /* Keys go to the arena behind a 4-byte length (only those longer than INLINE_MAX, but
     * the bound does not know which). */
    size_t arena = 0, bytes = key_bytes + keys * sizeof(uint32_t);
    if (bytes > 0) {
        size_t room = m->arena ? m->arena->cap - m->arena->used : 0;
        if (bytes > room)
            arena = (bytes / CHUNK_BYTES + 2) * (sizeof(chunk) + CHUNK_BYTES);
    }
    return peak + arena;
}
