/*
 * stemmer.c: Snowball stemming through libstemmer (UTF-8), behind a bounded cache, for
 * analyzer.c, which calls it once per word of every document and query.
 *
 * The cache is a strmap from word to the offset of its stem in an arena buffer holding each
 * stem as a vbyte length then its bytes. Once it holds CACHE_WORDS words or CACHE_BYTES bytes
 * of stems it is emptied and refills. By Zipf's law the frequent words are back within a few
 * thousand tokens, so the hit rate stays high while memory stays bounded (a few megabytes)
 * and there is no eviction bookkeeping on the hot path.
 */
#include "stemmer.h"

#include <libstemmer.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "quarry/error.h"
#include "strmap.h"
#include "vbyte.h"

#define CACHE_WORDS 65536      /* words cached before the cache is emptied */
#define CACHE_BYTES (4u << 20) /* bytes of stems cached before it is emptied */
#define LANG_CAP    32         /* longest language name accepted, plus one */

static const char none_name[] = "none";

/*
 * The ISO 639 codes libstemmer 2.2 accepts as aliases, with the algorithm each selects
 * (libstemmer's modules.txt). sb_stemmer_list() names only the algorithms, and a NULL from
 * sb_stemmer_new() means either "unknown" or "out of memory"; resolving names here first lets
 * stemmer_create tell the two apart and report the canonical name.
 */
static const struct {
    const char *code; /* ISO 639-1 or 639-2 code */
    const char *name; /* canonical libstemmer name */
} iso_codes[] = {
    {"ar", "arabic"},     {"ara", "arabic"},     {"hy", "armenian"},   {"hye", "armenian"},
    {"arm", "armenian"},  {"eu", "basque"},      {"eus", "basque"},    {"baq", "basque"},
    {"ca", "catalan"},    {"cat", "catalan"},    {"da", "danish"},     {"dan", "danish"},
    {"nl", "dutch"},      {"nld", "dutch"},      {"dut", "dutch"},     {"en", "english"},
    {"eng", "english"},   {"fi", "finnish"},     {"fin", "finnish"},   {"fr", "french"},
    {"fra", "french"},    {"fre", "french"},     {"de", "german"},     {"deu", "german"},
    {"ger", "german"},    {"el", "greek"},       {"ell", "greek"},     {"gre", "greek"},
    {"hi", "hindi"},      {"hin", "hindi"},      {"hu", "hungarian"},  {"hun", "hungarian"},
    {"id", "indonesian"}, {"ind", "indonesian"}, {"ga", "irish"},      {"gle", "irish"},
    {"it", "italian"},    {"ita", "italian"},    {"lt", "lithuanian"}, {"lit", "lithuanian"},
    {"ne", "nepali"},     {"nep", "nepali"},     {"no", "norwegian"},  {"nor", "norwegian"},
    {"pt", "portuguese"}, {"por", "portuguese"}, {"ro", "romanian"},   {"ron", "romanian"},
    {"rum", "romanian"},  {"ru", "russian"},     {"rus", "russian"},   {"sr", "serbian"},
    {"srp", "serbian"},   {"es", "spanish"},     {"spa", "spanish"},   {"esl", "spanish"},
    {"sv", "swedish"},    {"swe", "swedish"},    {"ta", "tamil"},      {"tam", "tamil"},
    {"tr", "turkish"},    {"tur", "turkish"},    {"yi", "yiddish"},    {"yid", "yiddish"},
};

struct stemmer {
    struct sb_stemmer *sb; /* libstemmer's stemmer; NULL for "none" */
    const char *language;  /* canonical name: none_name or an entry of sb_stemmer_list() */
    strmap *cache;         /* word -> offset of its stem in `stems`; NULL for "none" */
    buf stems;             /* cached stems, each a vbyte length then the bytes */
};

/* The entry of sb_stemmer_list() equal to name (a static string), or NULL. */
static const char *listed(const char *name)
{
    for (const char **l = sb_stemmer_list(); *l; l++) {
        if (strcmp(*l, name) == 0)
            return *l;
    }
    return NULL;
}

/* The canonical name for the lowercase language name or code `lang`, or NULL if unknown. */
static const char *canonical(const char *lang)
{
    if (strcmp(lang, none_name) == 0)
        return none_name;
    const char *name = listed(lang);
    for (size_t i = 0; !name && i < sizeof iso_codes / sizeof iso_codes[0]; i++) {
        if (strcmp(iso_codes[i].code, lang) == 0)
            name = listed(iso_codes[i].name);
    }
    return name;
}

int stemmer_create(stemmer **out, const char *language)
{
    *out = NULL;
    if (!language)
        language = "english";
    size_t n = strlen(language);
    if (n >= LANG_CAP)
        return QUARRY_ENOTFOUND;
    char lang[LANG_CAP]; /* libstemmer's names are lowercase; accept "English" too */
    for (size_t i = 0; i <= n; i++) {
        char c = language[i];
        lang[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    const char *name = canonical(lang);
    if (!name)
        return QUARRY_ENOTFOUND;

    stemmer *s = alloc_array(1, sizeof *s);
    if (!s)
        return QUARRY_ENOMEM;
    s->language = name;
    s->stems = (buf)BUF_INIT;
    int rc = QUARRY_OK;
    if (name != none_name) {
        /* The name is known and every algorithm has UTF-8, so NULL means out of memory. */
        s->sb = sb_stemmer_new(name, "UTF_8");
        rc = s->sb ? strmap_create(&s->cache) : QUARRY_ENOMEM;
    }
    if (rc) {
        stemmer_free(s);
        return rc;
    }
    *out = s;
    return QUARRY_OK;
}

void stemmer_free(stemmer *s)
{
    if (!s)
        return;
    sb_stemmer_delete(s->sb);
    strmap_free(s->cache);
    buf_free(&s->stems);
    alloc_free(s);
}

/*
 * Caches stem[0..n) as the stem of w[0..len), emptying the cache first if it is full.
 * Returns QUARRY_OK or QUARRY_ENOMEM (then the cache may have been emptied).
 */
static int remember(stemmer *s, const char *w, size_t len, const char *stem, size_t n)
{
    if (strmap_size(s->cache) >= CACHE_WORDS || s->stems.len >= CACHE_BYTES) {
        strmap_clear(s->cache);
        s->stems.len = 0;
    }
    size_t off = s->stems.len; /* < CACHE_BYTES, so it fits the map's uint32_t values */
    buf_put_str(&s->stems, stem, n);
    if (s->stems.rc) { /* the buffer's error is sticky: start it, and the cache, afresh */
        buf_free(&s->stems);
        strmap_clear(s->cache);
        return QUARRY_ENOMEM;
    }
    int rc = strmap_upsert(s->cache, w, len, (uint32_t)off, NULL, NULL);
    if (rc)
        s->stems.len = off;
    return rc;
}

/*
 * A word longer than INT_MAX bytes (libstemmer's limit) is returned unchanged, and so is a word
 * whose stem would be empty, which keeps *out_len > 0.
 */
int stemmer_stem(stemmer *s, const char *w, size_t len, const char **out, size_t *out_len)
{
    *out = w;
    *out_len = len;
    if (!s->sb || len == 0 || len > INT_MAX)
        return QUARRY_OK;
    uint32_t off;
    if (strmap_get(s->cache, w, len, &off)) {
        const uint8_t *p = s->stems.data + off;
        uint64_t n = 0;
        vbyte_get(&p, s->stems.data + s->stems.len, &n); /* written by remember: cannot fail */
        *out = (const char *)p;
        *out_len = (size_t)n;
        return QUARRY_OK;
    }
    const sb_symbol *stem = sb_stemmer_stem(s->sb, (const sb_symbol *)w, (int)len);
    if (!stem)
        return QUARRY_ENOMEM;
    int n = sb_stemmer_length(s->sb);
    if (n > 0) {
        *out = (const char *)stem;
        *out_len = (size_t)n;
    }
    return remember(s, w, len, *out, *out_len);
}

const char *stemmer_language(const stemmer *s)
{
    return s->language;
}

/* Appends as much of str as fits to dst[0..*n), keeping dst NUL-terminated (cap > *n). */
static void put(char *dst, size_t cap, size_t *n, const char *str)
{
    size_t k = strlen(str);
    if (k > cap - 1 - *n)
        k = cap - 1 - *n;
    memcpy(dst + *n, str, k);
    *n += k;
    dst[*n] = '\0';
}

void stemmer_list(char *dst, size_t cap)
{
    if (cap == 0)
        return;
    size_t n = 0;
    dst[0] = '\0';
    const char **l = sb_stemmer_list();
    for (size_t i = 0; l[i]; i++) {
        if (i > 0)
            put(dst, cap, &n, ", ");
        put(dst, cap, &n, l[i]);
    }
}
