/*
 * invert.c: the in-memory positional inverted index of the segment being built, and its
 * serialisation into the .dict, .post and .pos files (format.h, docs/FORMAT.md).
 *
 * Words are tokenized here and mapped to terms through a cache keyed by the folded word, so a
 * repeated word costs one hash lookup; a new word is stemmed once with analyzer_term, which
 * makes the terms exactly those analyzer_run gives queries.
 * Each distinct term gets a number (vocabulary hash) and two growing byte buffers, already in
 * the on-disk encoding: its postings (docid gap, tf - 1) and its positions (position gaps).
 * Positions are appended as tokens arrive; a document's (gap, tf) pairs are appended when the
 * document ends, for the terms it touched. Writing sorts the terms by their bytes and copies
 * the buffers out, so a commit costs one pass over the postings.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/bitpack.h"
#include "common/format.h"
#include "common/pfor.h"
#include "common/tokenizer.h"
#include "quarry/error.h"

#define NO_DOC UINT32_MAX

/* A growing byte string of one term's postings or positions. Smaller than a buf (no error
 * field: the inverter's rc is sticky for all of them), so that a term fits a cache line. */
typedef struct bytes {
    uint8_t *data; /* NULL until the first append */
    uint32_t len;  /* bytes used */
    uint32_t cap;  /* bytes allocated */
} bytes;

/* Per-term state touched for every token: 64 bytes, one cache line (terms are 64-aligned). */
typedef struct term {
    bytes pos;         /* position gaps, in the .pos encoding */
    bytes post;        /* (gap, tf - 1) pairs, in the .post encoding */
    uint32_t last_doc; /* document the term was last seen in, NO_DOC if none */
    uint32_t doc_tf;   /* occurrences in last_doc so far */
    uint32_t next_pos; /* previous position in last_doc + 1 (base of the next gap) */
    uint32_t next_doc; /* previous posted docid + 1 (base of the next gap) */
    uint32_t df;       /* documents posted */
    uint32_t key_len;  /* bytes of the term */
    uint64_t key_off;  /* offset of the term's bytes in inverter.keys */
} term;

/* cf is not kept: it is the number of positions, counted when the term is written. */

/*
 * A direct-mapped cache in front of `words` for words of up to 8 bytes: 4096 slots of 16
 * bytes (64 KiB, which stays in L2) indexed by a multiplicative hash of the word. Text is
 * Zipfian, so the few thousand most frequent words, most of the tokens, are answered here
 * without touching the large hash table, whose slots miss the cache.
 */
#define FRONT_BITS 12

typedef struct front {
    uint64_t word; /* the word's bytes, zero-padded, little-endian */
    uint32_t len;  /* its length, 0 for an empty slot */
    uint32_t id;   /* its term */
} front;

struct inverter {
    front front[1u << FRONT_BITS]; /* cache of words -> term for short words */
    strmap *vocab;                 /* term bytes -> index in terms */
    strmap *words;      /* folded word -> index in terms (the stem cache of this segment) */
    analyzer *an;       /* analyzer of the document being added */
    term *terms;        /* per term state, 64-byte aligned */
    size_t nterms;      /* terms in use */
    size_t cap;         /* terms allocated */
    buf keys;           /* bytes of every term, in order of first appearance */
    uint32_t *touched;  /* terms seen in the current document */
    size_t ntouched;    /* entries in touched */
    size_t touched_cap; /* entries allocated */
    uint32_t doc;       /* document being added */
    uint64_t postings;  /* postings so far */
    size_t bytes_mem;   /* bytes allocated for the terms' buffers, allocator overhead included */
    uint32_t max_post;  /* capacity of the largest postings buffer */
    uint32_t max_pos;   /* capacity of the largest positions buffer */
    int rc;             /* QUARRY_ENOMEM once an allocation failed */
};

/* What the C allocator adds to each block it hands out (glibc: an 8-byte header, sizes
 * rounded up to 16), counted for the terms' buffers, which are many and small. */
#define ALLOC_OVERHEAD 16

/* Makes room for 5 more bytes (the longest vbyte of a 32-bit value), counting the memory in
 * inv->bytes_mem and the largest capacity in *max. Returns 0 or ENOMEM. */
static int bytes_room(inverter *inv, bytes *b, uint32_t *max)
{
    if (b->cap - b->len >= 5)
        return 0;
    if (b->cap > UINT32_MAX / 2)
        return QUARRY_ENOMEM;
    uint32_t cap = b->cap ? b->cap * 2 : 16;
    uint8_t *d = alloc_resize(b->data, cap, 1);
    if (!d)
        return QUARRY_ENOMEM;
    inv->bytes_mem += cap - b->cap + (b->cap ? 0 : ALLOC_OVERHEAD);
    if (cap > *max)
        *max = cap;
    b->data = d;
    b->cap = cap;
    return 0;
}

/* Appends v as a vbyte to b, one of the buffers whose largest capacity is *max. */
static inline int bytes_vbyte(inverter *inv, bytes *b, uint32_t *max, uint32_t v)
{
    if (b->cap - b->len < 5 && bytes_room(inv, b, max))
        return QUARRY_ENOMEM;
    b->len += (uint32_t)vbyte_put(b->data + b->len, v);
    return 0;
}

/* Term arrays of this many entries or more come straight from the system, mapped at once: a
 * new array is filled right away (the old one is copied into it), and mapping its pages
 * together costs far less than a page fault each. Pages are aligned far beyond 64 bytes. */
#define PAGES_TERMS 16384

/* An array of n terms, 64-byte aligned, not zeroed; NULL on failure. */
static term *terms_alloc(size_t n)
{
    if (n >= PAGES_TERMS)
        return n > SIZE_MAX / sizeof(term) ? NULL : alloc_pages(n * sizeof(term));
    return alloc_aligned(64, n, sizeof(term));
}

/* Frees an array of n terms from terms_alloc (NULL is a no-op). */
static void terms_free(term *t, size_t n)
{
    if (n >= PAGES_TERMS)
        alloc_pages_free(t, n * sizeof(term));
    else
        alloc_free(t);
}

int inverter_create(inverter **out)
{
    *out = NULL;
    inverter *inv = alloc_array(1, sizeof *inv);
    if (!inv || strmap_create(&inv->vocab) || strmap_create(&inv->words)) {
        inverter_free(inv);
        return QUARRY_ENOMEM;
    }
    *out = inv;
    return QUARRY_OK;
}

void inverter_free(inverter *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->nterms; i++) {
        alloc_free(inv->terms[i].post.data);
        alloc_free(inv->terms[i].pos.data);
    }
    terms_free(inv->terms, inv->cap);
    alloc_free(inv->touched);
    buf_free(&inv->keys);
    strmap_free(inv->vocab);
    strmap_free(inv->words);
    alloc_free(inv);
}

uint64_t inverter_terms(const inverter *inv)
{
    return inv->nterms;
}

uint64_t inverter_postings(const inverter *inv)
{
    return inv->postings;
}

size_t inverter_memory(const inverter *inv)
{
    return sizeof *inv + strmap_memory(inv->vocab) + strmap_memory(inv->words) +
           inv->cap * sizeof(term) + inv->keys.cap + inv->touched_cap * sizeof(uint32_t) +
           inv->bytes_mem;
}

/* Bytes of the array that `n` more elements of `size` bytes make a doubling array of `cap`
 * elements (starting at `first`) allocate while the old one is still held: the peak, as in
 * strmap_growth; 0 if no doubling is due. */
static size_t doubling(size_t len, size_t cap, size_t first, size_t n, size_t size)
{
    size_t peak = 0, held = 0;
    if (cap == 0)
        cap = first / 2;
    while (len + n > cap) {
        cap = cap ? cap * 2 : first;
        if (held + cap * size > peak)
            peak = held + cap * size;
        held = cap * size;
    }
    return peak;
}

/* tokenizer_run callback of inverter_count. */
typedef struct counter {
    const inverter *inv; /* whose words are known */
    doc_bound *out;      /* the counts */
} counter;

static int count_token(void *ctx, const tok_token *tk)
{
    counter *c = ctx;
    uint32_t ignored;
    c->out->tokens++;
    if (!strmap_get(c->inv->words, tk->term, tk->len, &ignored)) {
        c->out->new_words++;
        c->out->folded += tk->len;
    }
    return 0;
}

void inverter_count(const inverter *inv, const char *title, size_t title_len, const char *text,
                    size_t text_len, doc_bound *out)
{
    memset(out, 0, sizeof *out);
    counter c = {inv, out};
    tokenizer_run(title, title_len, 0, count_token, &c, NULL);
    tokenizer_run(text, text_len, 0, count_token, &c, NULL);
}

size_t inverter_reserve(const inverter *inv, const doc_bound *d)
{
    /* New words and new terms are at most d->new_words, whose folded forms take d->folded
     * bytes; positions and postings at most d->tokens. */
    size_t u = d->new_words, t = d->tokens;
    size_t stems = u * TOKENIZER_MAX_TERM; /* a stem may be longer than its word */
    size_t grow = strmap_growth(inv->vocab, u, stems) + strmap_growth(inv->words, u, d->folded) +
                  doubling(inv->nterms, inv->cap, 1024, u, sizeof(term)) +
                  doubling(inv->keys.len, inv->keys.cap, 64, stems, 1) +
                  doubling(inv->ntouched, inv->touched_cap, 256, t, sizeof(uint32_t));
    /* The buffers: every new term opens two, and existing ones double when full (reallocating:
     * old and new are held at once). The largest of each kind doubling is counted, and twice
     * the bytes the document appends (at most 5 per position and 10 per posting). */
    grow += u * 2 * (16 + ALLOC_OVERHEAD) + 2 * (size_t)inv->max_post + 2 * (size_t)inv->max_pos +
            2 * 15 * t;
    /* inverter_write: the sort keys of every term (16 bytes) and qsort's merge buffer, the
     * decoded lists of the longest term (a docid and a frequency per posting, which takes at
     * least 2 bytes in RAM; a gap per position, at least 1 byte), its encoded areas (no larger
     * than twice its vbytes, in buffers that double) and the three files' write buffers. */
    size_t terms = inv->nterms + u, post = (size_t)inv->max_post + 10 * t,
           pos = (size_t)inv->max_pos + 5 * t;
    size_t write = 2 * terms * 16 + 4 * post + 4 * pos + 4 * (post + pos) + terms / 4 +
                   3 * (size_t)FILEW_BUFFER;
    return grow + write;
}

/* Returns the state of term t (creating it), or NULL on ENOMEM. */
static term *lookup(inverter *inv, const char *t, size_t len)
{
    uint32_t *slot;
    int inserted;
    if (strmap_upsert(inv->vocab, t, len, (uint32_t)inv->nterms, &slot, &inserted))
        return NULL;
    if (!inserted)
        return &inv->terms[*slot];
    if (inv->nterms == inv->cap) {
        size_t cap = inv->cap ? inv->cap * 2 : 1024;
        term *n = terms_alloc(cap);
        if (!n)
            return NULL; /* the vocabulary now names a term that does not exist: rc is sticky */
        if (inv->nterms)
            memcpy(n, inv->terms, inv->nterms * sizeof *n);
        terms_free(inv->terms, inv->cap);
        inv->terms = n;
        inv->cap = cap;
    }
    term *e = &inv->terms[inv->nterms++];
    memset(e, 0, sizeof *e);
    e->key_off = inv->keys.len;
    e->key_len = (uint32_t)len;
    e->last_doc = NO_DOC;
    buf_append(&inv->keys, t, len);
    return inv->keys.rc ? NULL : e;
}

static int on_token(void *ctx, const tok_token *tk)
{
    inverter *inv = ctx;
    uint32_t *slot;
    int inserted;
    term *e;
    front *f = NULL;
    uint64_t w = 0;
    if (tk->len <= 8) {
        for (size_t i = 0; i < tk->len; i++)
            w |= (uint64_t)(unsigned char)tk->term[i] << (8 * i);
        f = &inv->front[((w ^ tk->len) * 0x9E3779B97F4A7C15u) >> (64 - FRONT_BITS)];
        if (f->word == w && f->len == tk->len) {
            e = &inv->terms[f->id];
            goto found;
        }
    }
    if (strmap_upsert(inv->words, tk->term, tk->len, 0, &slot, &inserted))
        return QUARRY_ENOMEM;
    if (!inserted) {
        e = &inv->terms[*slot];
    } else {
        const char *t;
        size_t n;
        int rc = analyzer_term(inv->an, tk->term, tk->len, &t, &n);
        if (rc)
            return rc;
        if (!(e = lookup(inv, t, n)))
            return QUARRY_ENOMEM;
        *slot = (uint32_t)(e - inv->terms);
    }
    if (f) {
        f->word = w;
        f->len = (uint32_t)tk->len;
        f->id = (uint32_t)(e - inv->terms);
    }
found:
    if (e->last_doc != inv->doc) {
        if (inv->ntouched == inv->touched_cap) {
            size_t cap = inv->touched_cap ? inv->touched_cap * 2 : 256;
            uint32_t *n = alloc_resize(inv->touched, cap, sizeof *n);
            if (!n)
                return QUARRY_ENOMEM;
            inv->touched = n;
            inv->touched_cap = cap;
        }
        inv->touched[inv->ntouched++] = (uint32_t)(e - inv->terms);
        e->last_doc = inv->doc;
        e->doc_tf = 0;
        e->next_pos = 0;
    }
    if (bytes_vbyte(inv, &e->pos, &inv->max_pos, tk->pos - e->next_pos))
        return QUARRY_ENOMEM;
    e->next_pos = tk->pos + 1;
    e->doc_tf++;
    return 0;
}

int inverter_add(inverter *inv, analyzer *an, uint32_t docid, const char *title, size_t title_len,
                 const char *text, size_t text_len, uint32_t *length)
{
    if (inv->rc)
        return inv->rc;
    inv->doc = docid;
    inv->ntouched = 0;
    inv->an = an;
    uint32_t next = 0, ntitle;
    int rc = tokenizer_run(title, title_len, 0, on_token, inv, &ntitle);
    if (!rc)
        rc = tokenizer_run(text, text_len, ntitle + 1, on_token, inv, &next);
    if (rc) {
        inv->rc = rc;
        return rc;
    }
    *length = ntitle + (next > ntitle + 1 ? next - ntitle - 1 : 0);
    for (size_t i = 0; i < inv->ntouched; i++) {
        term *e = &inv->terms[inv->touched[i]];
        if (bytes_vbyte(inv, &e->post, &inv->max_post, docid - e->next_doc) ||
            bytes_vbyte(inv, &e->post, &inv->max_post, e->doc_tf - 1)) {
            inv->rc = QUARRY_ENOMEM;
            return inv->rc;
        }
        e->next_doc = docid + 1;
        e->df++;
    }
    inv->postings += inv->ntouched;
    return QUARRY_OK;
}

/* qsort context: the key arena (qsort has no context argument, so keys are sorted as
 * (pointer, length, index) triples instead). */
typedef struct sortkey {
    const uint8_t *p; /* term bytes */
    uint32_t len;     /* bytes */
    uint32_t id;      /* index in terms */
} sortkey;

static int cmp_key(const void *a, const void *b)
{
    const sortkey *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Scratch of the term being encoded: its postings decoded from the in-RAM vbytes. */
typedef struct encoder {
    uint32_t *docs;              /* docids of the term */
    uint32_t *freqs;             /* their frequencies */
    uint32_t *gaps;              /* position gaps (position - previous - 1, previous -1 per doc) */
    size_t cap, gcap;            /* entries allocated in docs/freqs and in gaps */
    buf area;                    /* the term's .post area being built */
    buf posbuf;                  /* the term's .pos area being built */
    uint32_t tmp[BITPACK_BLOCK]; /* a block of values to pack */
    uint8_t packed[BITPACK_MAX_BYTES]; /* their packed bytes */
} encoder;

/* Appends a position chunk: n gaps as 128-value patched blocks (common/pfor.h), then the last
 * n % 128 as vbytes. */
static void put_chunk(encoder *en, const uint32_t *g, size_t n)
{
    size_t i = 0;
    for (; i + BITPACK_BLOCK <= n; i += BITPACK_BLOCK)
        pfor_put(&en->posbuf, g + i);
    for (; i < n; i++)
        buf_put_vbyte(&en->posbuf, g[i]);
}

static void put_u32_at(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/*
 * Encodes term e into en->area (.post) and en->posbuf (.pos) in the block format of format.h;
 * *max_tf and *min_dl receive the term's impact bounds. Returns QUARRY_OK or QUARRY_ENOMEM.
 */
static int encode_term(encoder *en, const term *e, const uint32_t *lengths, uint32_t *max_tf,
                       uint32_t *min_dl)
{
    uint32_t df = e->df;
    if (df > en->cap) {
        uint32_t *d = alloc_resize(en->docs, df, sizeof *d);
        if (d)
            en->docs = d;
        uint32_t *f = alloc_resize(en->freqs, df, sizeof *f);
        if (f)
            en->freqs = f;
        if (!d || !f)
            return QUARRY_ENOMEM;
        en->cap = df;
    }
    /* Decode the in-RAM postings (they were written by this file: no checks needed). */
    const uint8_t *p = e->post.data, *end = p + e->post.len;
    uint32_t next = 0;
    uint64_t npos = 0;
    for (uint32_t i = 0; i < df; i++) {
        uint64_t gap = 0, tf = 0;
        vbyte_get(&p, end, &gap);
        vbyte_get(&p, end, &tf);
        en->docs[i] = next + (uint32_t)gap;
        en->freqs[i] = (uint32_t)tf + 1;
        next = en->docs[i] + 1;
        npos += en->freqs[i];
    }
    if (npos > en->gcap) {
        uint32_t *g = alloc_resize(en->gaps, npos, sizeof *g);
        if (!g)
            return QUARRY_ENOMEM;
        en->gaps = g;
        en->gcap = npos;
    }
    p = e->pos.data;
    end = p + e->pos.len;
    for (uint64_t i = 0; i < npos; i++) {
        uint64_t g = 0;
        vbyte_get(&p, end, &g);
        en->gaps[i] = (uint32_t)g;
    }

    en->area.len = 0;
    en->posbuf.len = 0;
    uint32_t nfull = df / BITPACK_BLOCK, ntail = df % BITPACK_BLOCK;
    size_t skip_bytes = nfull ? (size_t)nfull * FORMAT_SKIP_ENTRY + 8 : 0;
    if (buf_reserve(&en->area, skip_bytes))
        return QUARRY_ENOMEM;
    en->area.len = skip_bytes; /* filled in below, once the offsets are known */
    *max_tf = 0;
    *min_dl = UINT32_MAX;
    uint64_t gi = 0; /* next position gap */
    for (uint32_t b = 0; b <= nfull; b++) {
        uint32_t first = b * BITPACK_BLOCK, n = b < nfull ? BITPACK_BLOCK : ntail;
        if (n == 0)
            break;
        uint32_t bmax = 0, bmin = UINT32_MAX;
        uint64_t bpos = 0;
        for (uint32_t i = first; i < first + n; i++) {
            if (en->freqs[i] > bmax)
                bmax = en->freqs[i];
            if (lengths[en->docs[i]] < bmin)
                bmin = lengths[en->docs[i]];
            bpos += en->freqs[i];
        }
        if (bmax > *max_tf)
            *max_tf = bmax;
        if (bmin < *min_dl)
            *min_dl = bmin;
        uint32_t pos_off = (uint32_t)en->posbuf.len;
        put_chunk(en, en->gaps + gi, bpos);
        gi += bpos;
        if (b < nfull) {
            uint8_t *sk = en->area.data + (size_t)b * FORMAT_SKIP_ENTRY;
            put_u32_at(sk, en->docs[first + n - 1]);
            put_u32_at(sk + 4, (uint32_t)en->area.len);
            put_u32_at(sk + 8, pos_off);
            /* Impacts as u16, saturated: 65535 reads as "65535 or more" for max_tf (bound it
             * by tf -> infinity) and a smaller min_dl only raises the bound: both stay safe. */
            uint32_t t16 = bmax < 65535 ? bmax : 65535, d16 = bmin < 65535 ? bmin : 65535;
            sk[12] = (uint8_t)t16;
            sk[13] = (uint8_t)(t16 >> 8);
            sk[14] = (uint8_t)d16;
            sk[15] = (uint8_t)(d16 >> 8);
            uint32_t base = first ? en->docs[first - 1] : UINT32_MAX;
            bitpack_delta_encode(en->tmp, en->docs + first, base);
            unsigned dw = bitpack_width(en->tmp, BITPACK_BLOCK);
            bitpack_pack(en->packed, en->tmp, dw);
            buf_put_u8(&en->area, (uint8_t)dw);
            buf_append(&en->area, en->packed, bitpack_bytes(dw));
            bitpack_freq_encode(en->tmp, en->freqs + first);
            pfor_put(&en->area, en->tmp);
        } else {
            if (nfull) {
                put_u32_at(en->area.data + (size_t)nfull * FORMAT_SKIP_ENTRY, pos_off);
                put_u32_at(en->area.data + (size_t)nfull * FORMAT_SKIP_ENTRY + 4,
                           (uint32_t)en->area.len);
            }
            uint32_t prev_next = first ? en->docs[first - 1] + 1 : 0;
            for (uint32_t i = first; i < first + n; i++) {
                /* gap * 2 + (tf == 1), then tf - 2 only when tf > 1: most tail postings
                 * (rare terms) occur once, and then cost one vbyte instead of two. */
                uint64_t gap = en->docs[i] - prev_next;
                buf_put_vbyte(&en->area, gap * 2 + (en->freqs[i] == 1));
                if (en->freqs[i] > 1)
                    buf_put_vbyte(&en->area, en->freqs[i] - 2);
                prev_next = en->docs[i] + 1;
            }
        }
    }
    if (nfull && ntail == 0) { /* no tail: it would start at the ends */
        put_u32_at(en->area.data + (size_t)nfull * FORMAT_SKIP_ENTRY, (uint32_t)en->posbuf.len);
        put_u32_at(en->area.data + (size_t)nfull * FORMAT_SKIP_ENTRY + 4, (uint32_t)en->area.len);
    }
    if (en->area.len > UINT32_MAX || en->posbuf.len > UINT32_MAX)
        return QUARRY_ENOMEM; /* offsets are 32-bit within a term */
    return en->area.rc || en->posbuf.rc ? QUARRY_ENOMEM : QUARRY_OK;
}

int inverter_write(inverter *inv, const char *dir, const char *seg, const uint32_t *lengths,
                   manifest_file files[3], char *err, size_t cap)
{
    static const char *const kinds[3] = {FORMAT_KIND_DICT, FORMAT_KIND_POSTINGS,
                                         FORMAT_KIND_POSITIONS};
    static const char *const suffixes[3] = {FORMAT_SUFFIX_DICT, FORMAT_SUFFIX_POSTINGS,
                                            FORMAT_SUFFIX_POSITIONS};
    filew fw[3];
    int opened = 0, rc = inv->rc;
    sortkey *keys = NULL;
    buf entry = BUF_INIT, blocks = BUF_INIT;
    encoder en;
    memset(&en, 0, sizeof en);
    if (rc)
        return errmsg_set(err, cap, rc, "out of memory while inverting documents");
    if (inv->nterms > UINT32_MAX)
        return errmsg_set(err, cap, QUARRY_ENOMEM, "too many distinct terms in one segment");
    keys = alloc_array(inv->nterms, sizeof *keys);
    if (!keys) {
        rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < inv->nterms; i++) {
        keys[i].p = inv->keys.data + inv->terms[i].key_off;
        keys[i].len = inv->terms[i].key_len;
        keys[i].id = (uint32_t)i;
    }
    qsort(keys, inv->nterms, sizeof *keys, cmp_key);

    for (; opened < 3; opened++) {
        char name[96];
        snprintf(name, sizeof name, "%s%s", seg, suffixes[opened]);
        char *path = path_join(dir, name);
        if (!path) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        rc = filew_open(&fw[opened], path);
        alloc_free(path);
        if (rc) {
            errmsg_set(err, cap, rc, "%s", fw[opened].err);
            opened++;
            goto done;
        }
        filew_header(&fw[opened], kinds[opened]);
    }
    /* Dictionary: front-coded blocks of FORMAT_DICT_BLOCK entries (format.h). */
    const uint8_t *prev = NULL;
    uint32_t prev_len = 0;
    for (size_t i = 0; i < inv->nterms; i++) {
        const term *e = &inv->terms[keys[i].id];
        uint32_t max_tf, min_dl;
        rc = encode_term(&en, e, lengths, &max_tf, &min_dl);
        if (rc) {
            errmsg_set(err, cap, rc, "out of memory encoding postings");
            goto done;
        }
        uint64_t cf = 0;
        for (uint32_t j = 0; j < e->df; j++)
            cf += en.freqs[j];
        int first = i % FORMAT_DICT_BLOCK == 0;
        if (first) {
            buf_put_u64(&blocks, fw[0].size);
            prev_len = 0;
        }
        uint32_t shared = 0;
        while (shared < prev_len && shared < keys[i].len && prev[shared] == keys[i].p[shared])
            shared++;
        entry.len = 0;
        buf_put_vbyte(&entry, shared);
        buf_put_str(&entry, keys[i].p + shared, keys[i].len - shared);
        if (first) {
            buf_put_vbyte(&entry, fw[1].size);
            buf_put_vbyte(&entry, fw[2].size);
        }
        buf_put_vbyte(&entry, e->df);
        buf_put_vbyte(&entry, cf - e->df);
        buf_put_vbyte(&entry, en.area.len);
        buf_put_vbyte(&entry, en.posbuf.len);
        if (e->df >= BITPACK_BLOCK) { /* short lists are bounded by reading them */
            buf_put_vbyte(&entry, max_tf);
            buf_put_vbyte(&entry, min_dl);
        }
        if (entry.rc || blocks.rc) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
            goto done;
        }
        filew_write(&fw[0], entry.data, entry.len);
        filew_write(&fw[1], en.area.data, en.area.len);
        filew_write(&fw[2], en.posbuf.data, en.posbuf.len);
        prev = keys[i].p;
        prev_len = keys[i].len;
    }
    uint64_t table = fw[0].size;
    uint8_t h[8];
    put_u32_at(h, (uint32_t)inv->nterms);
    put_u32_at(h + 4, (uint32_t)(blocks.len / 8));
    filew_write(&fw[0], h, 8);
    filew_write(&fw[0], blocks.data, blocks.len);
    filew_footer(&fw[0], table);
    filew_footer(&fw[1], 0);
    filew_footer(&fw[2], 0);
    for (int i = 0; i < 3; i++) {
        memcpy(files[i].suffix, suffixes[i], strlen(suffixes[i]) + 1);
        int frc = filew_commit(&fw[i], &files[i].size, &files[i].crc);
        if (frc && !rc)
            rc = errmsg_set(err, cap, frc, "%s", fw[i].err);
    }
    opened = 0;
done:
    for (int i = 0; i < opened; i++)
        filew_abort(&fw[i]);
    buf_free(&entry);
    buf_free(&blocks);
    buf_free(&en.area);
    buf_free(&en.posbuf);
    alloc_free(en.docs);
    alloc_free(en.freqs);
    alloc_free(en.gaps);
    alloc_free(keys);
    return rc;
}
