/*
 * invert.c: the in-memory positional inverted index of the segment being built, written out
 * through the termwriter as the segment's .dict, .post and .pos files (docs/FORMAT.md).
 *
 * Words are tokenized here and mapped to terms through a cache keyed by the folded word, so a
 * repeated word costs one hash lookup; a new word is stemmed once with analyzer_term, which
 * makes the terms exactly those analyzer_run gives queries.
 * Each distinct term gets a number (vocabulary hash) and two growing byte buffers, already in
 * the on-disk encoding: its postings (docid gap, tf - 1) and its positions (position gaps).
 * Positions are appended as tokens arrive; a document's (gap, tf) pairs are appended when the
 * document ends, for the terms it touched. Writing sorts the terms by their bytes and feeds
 * each term's postings, decoded a block of 128 at a time, to the termwriter (termwriter.c),
 * which encodes the files: a commit costs one pass over the postings, and its memory beyond
 * the inverter's is one block's positions and one term's encoded bytes.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
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
     * termwriter's encoded areas of the longest term (no larger than twice its vbytes, in
     * buffers that double) and the three files' write buffers; the rest is counted as if the
     * longest list were decoded whole, which the streaming termwriter no longer does (a
     * bound, not an estimate). */
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

/* Postings decoded from a term's vbytes, handed to the termwriter BATCH at a time (a block's
 * worth: the scratch holds the position gaps of one block). */
#define BATCH 128

typedef struct batch {
    uint32_t docs[BATCH]; /* documents */
    uint32_t tfs[BATCH];  /* their frequencies */
    uint32_t *gaps;       /* their position gaps, document after document */
    size_t cap;           /* entries allocated in gaps */
} batch;

/*
 * Feeds term e to tw: its postings decoded from the in-RAM vbytes (written by this file: no
 * checks needed), BATCH at a time, with their position gaps (the termwriter's input format
 * already). Returns QUARRY_OK, or QUARRY_ENOMEM for the scratch with a message in err, or tw's
 * sticky rc with its message in err.
 */
static int put_term(termwriter *tw, const inverter *inv, const term *e, batch *b, char *err,
                    size_t errcap)
{
    termwriter_begin(tw, inv->keys.data + e->key_off, e->key_len);
    const uint8_t *p = e->post.data, *end = p + e->post.len;
    const uint8_t *q = e->pos.data, *qend = q + e->pos.len;
    uint32_t next = 0;
    for (uint32_t done = 0; done < e->df;) {
        uint32_t n = e->df - done < BATCH ? e->df - done : BATCH;
        size_t npos = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t gap = 0, tf1 = 0;
            vbyte_get(&p, end, &gap);
            vbyte_get(&p, end, &tf1);
            b->docs[i] = next + (uint32_t)gap;
            b->tfs[i] = (uint32_t)tf1 + 1;
            next = b->docs[i] + 1;
            npos += b->tfs[i];
        }
        if (npos > b->cap) {
            size_t cap = b->cap * 2 > npos ? b->cap * 2 : npos;
            uint32_t *grown = alloc_resize(b->gaps, cap, sizeof *grown);
            if (!grown)
                return errmsg_set(err, errcap, QUARRY_ENOMEM, "out of memory");
            b->gaps = grown;
            b->cap = cap;
        }
        for (size_t j = 0; j < npos; j++) {
            uint64_t g = 0;
            vbyte_get(&q, qend, &g);
            b->gaps[j] = (uint32_t)g;
        }
        termwriter_postings(tw, b->docs, b->tfs, b->gaps, n);
        done += n;
    }
    int rc = termwriter_end(tw);
    return rc ? errmsg_set(err, errcap, rc, "%s", termwriter_errmsg(tw)) : QUARRY_OK;
}

int inverter_write(inverter *inv, const char *dir, const char *seg, const uint32_t *lengths,
                   uint32_t ndocs, manifest_file files[3], char *err, size_t cap)
{
    int rc = inv->rc;
    sortkey *keys = NULL;
    termwriter *tw = NULL;
    batch b;
    b.gaps = NULL;
    b.cap = 0;
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
    rc = termwriter_open(&tw, dir, seg, lengths, ndocs, err, cap);
    for (size_t i = 0; !rc && i < inv->nterms; i++)
        rc = put_term(tw, inv, &inv->terms[keys[i].id], &b, err, cap);
    if (!rc) {
        rc = termwriter_finish(tw, files);
        if (rc)
            errmsg_set(err, cap, rc, "%s", termwriter_errmsg(tw));
    }
done:
    termwriter_free(tw);
    alloc_free(b.gaps);
    alloc_free(keys);
    return rc;
}
