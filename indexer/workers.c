/*
 * workers.c: indexing on several threads, for writer.c when the options ask for more than one.
 *
 * The calling thread (quarry_writer_add and the intake functions) checks each document and
 * copies it into the current batch: a run of consecutive documents meant to make one segment.
 * N worker threads each own a segbuilder (with its own analyzer: stemmers are not thread-safe)
 * and do everything else: analysis, inversion, compression of the document store and the
 * writing of the segment files. A batch goes to whichever worker is idle; the calling thread
 * collects the batches' segments in batch order, so documents keep their input order across
 * segments. The copies travel in chunks of CHUNK_BYTES: a worker starts on a batch as soon as
 * its first chunk is full, and while it works the calling thread reads on and fills the next
 * batch for the next idle worker.
 *
 * Memory: batch j gets a share of the memory available to buffers, available / N, taken when
 * it starts. The share covers both the copies waiting in the worker's queue and the worker's
 * buffer: the worker gives its segbuilder the limit share - (target - consumed), where target
 * is the batch's planned size in copied bytes and consumed what the worker has added so far.
 * The target is what should fill the share once inverted: a segment's load (segbuilder_load)
 * is about fixed + ratio * bytes, as measured on the largest segment of each batch; batch j
 * takes the largest fixed part and ratio of batches 0 .. j - 2N (INITIAL_FIXED and
 * INITIAL_RATIO for the first 2N batches: the ratio varies with the documents, by half on
 * Wikipedia, and an estimate too low splits a batch into two segments), and the target is
 * FILL of (share - fixed) / max(1, ratio). A batch whose documents need more than its share is split by
 * its worker into several segments. When the size of the input left is known, it is split
 * evenly into the fewest batches that hold it (target_of).
 *
 * Determinism: the batches' boundaries, targets and limits depend only on the documents, the
 * input's size, the budget and N, never on timing or on which worker takes a batch, so a given
 * input gives the same segments with the same documents in the same order every time. That is
 * why batch j is sized after batch j - 2N, not after the last batch that happened to finish:
 * before starting batch j the calling thread waits until batch j - 2N is finished, which it
 * nearly always is already (N batches at most run at once), whereas waiting for batch j - N
 * would often idle a worker that finished early. Only the names of the extra segments of a
 * split batch are taken at run time (the first segment of each batch is named when the batch
 * starts).
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "quarry/error.h"

/* Part of its share a batch aims to fill: the measured ratio is an estimate. */
#define FILL 0.9

/* Smallest target that evening out the input left gives a batch (see target_of): below it a
 * few hundred milliseconds of work, not worth a segment. */
#define MIN_TARGET ((size_t)4 << 20)

/* The cost of a segment (segment_cost) before any batch was measured: measured on Wikipedia
 * articles and rounded up, so that first batches split rarely. */
#define INITIAL_FIXED ((size_t)3 << 20)
#define INITIAL_RATIO 2.5

/* Bytes of a chunk of copied documents, unless one document needs more. */
#define CHUNK_BYTES ((size_t)1 << 20)

/* Consumed chunks kept for reuse rather than returned to the system: mapping fresh pages costs
 * a page fault each, and unmapping, in a process with several threads, an interrupt to every
 * other CPU to flush its address translations. The pool takes them for its memory constant. */
#define SPARE_CHUNKS 4

/*
 * Copied documents waiting for their worker, in chunks of CHUNK_BYTES taken from the system
 * (alloc_pages) and given back as soon as the worker has added their last document: with one
 * C allocator block per document, the calling thread's heap would keep the high-water mark of
 * every batch ever queued while the workers' buffers grow elsewhere. A chunk holds records
 * back to back, each a header and then the id, title and text, padded to 8 bytes.
 */
typedef struct chunk {
    struct chunk *next; /* next in the worker's queue */
    size_t size;        /* bytes mapped */
    size_t used;        /* bytes of records from data on */
    unsigned char data[];
} chunk;

typedef struct record {
    size_t id_len;    /* bytes of id, then title, then text in bytes[] */
    size_t title_len; /* bytes of title */
    size_t text_len;  /* bytes of text */
    char bytes[];     /* id, title and text, back to back */
} record;

/* Bytes a document takes in a chunk. */
static size_t record_size(const quarry_document *doc)
{
    return (sizeof(record) + doc->id_len + doc->title_len + doc->text_len + 7) & ~(size_t)7;
}

/* Returns a list of chunks to the system. */
static void free_chunks(chunk *c)
{
    while (c) {
        chunk *next = c->next;
        alloc_pages_free(c, c->size);
        c = next;
    }
}

typedef struct worker {
    struct workers *ws; /* the pool */
    pthread_t thread;   /* its thread */
    int started;        /* the thread was created */
    segbuilder *sb;     /* its buffer */
    seglist out;        /* segments of its batch so far (the worker's own) */
    pthread_cond_t cv;  /* signalled when chunks are queued, the batch closes or quitting */
    /* The fields below are shared, under ws->mu. */
    chunk *head, *tail; /* queued chunks of its batch */
    int busy;           /* a batch is assigned and not finished */
    int closed;         /* the batch has all its records (some may still be queued) */
    uint64_t batch;     /* number of the batch assigned (valid once busy was set) */
    size_t share;       /* the batch's memory share */
    size_t target;      /* its size in record bytes, as planned */
    char first[64];     /* name of the batch's first segment */
    int first_used;     /* that name was taken */
} worker;

/* A batch's outcome, from the moment it starts until the calling thread collects it. */
typedef struct outcome {
    int done;          /* its worker finished it */
    seglist segs;      /* its segments */
    segment_cost cost; /* the cost of its largest segment (raw 0: none measured) */
} outcome;

struct workers {
    pthread_mutex_t mu;   /* guards the workers' shared fields, outcomes, rc, err and the name
                             callback */
    pthread_cond_t done;  /* signalled when a worker finishes a batch */
    worker *w;            /* the workers */
    unsigned n;           /* how many */
    outcome *ring;        /* outcome of batch j in ring[j % (2 * n)] (under mu) */
    segment_cost *seen;   /* cost of batch j in seen[j % (2 * n)], once collected (under mu) */
    segment_cost worst;   /* largest fixed part and ratio of the batches up to j - 2N (raw 0:
                             none measured yet), under mu */
    segname_fn name;      /* the writer's segment names (called under mu) */
    void *name_ctx;       /* passed to name */
    int quit;             /* workers must stop (set by workers_free) */
    int rc;               /* first failure of a worker (under mu) */
    char err[ERRMSG_CAP]; /* its message (under mu) */
    /* The calling thread's own fields. */
    uint64_t batches;    /* batches started */
    uint64_t collected;  /* batches collected into segs */
    worker *current;     /* worker of the open batch */
    int open;            /* the last batch started still takes documents */
    size_t filled;       /* record bytes of the open batch so far */
    chunk *fill;         /* its chunk being filled, not yet queued (NULL: none) */
    chunk *spare;        /* chunks of CHUNK_BYTES consumed, for reuse (under mu) */
    unsigned nspare;     /* how many (at most SPARE_CHUNKS) */
    seglist segs;        /* segments of the batches collected, in batch order */
};

/* Segment names for a worker's segbuilder: the batch's first segment takes the name given
 * when the batch started, further ones (a split) the writer's next. */
static int worker_name(void *ctx, char *name, size_t cap)
{
    worker *w = ctx;
    workers *ws = w->ws;
    pthread_mutex_lock(&ws->mu);
    int rc = QUARRY_OK;
    if (!w->first_used) {
        snprintf(name, cap, "%s", w->first);
        w->first_used = 1;
    } else {
        rc = ws->name(ws->name_ctx, name, cap);
    }
    pthread_mutex_unlock(&ws->mu);
    return rc;
}

/* Records the first failure of the pool (under mu). */
static void fail(workers *ws, int rc, const char *msg)
{
    if (!ws->rc) {
        ws->rc = rc;
        snprintf(ws->err, sizeof ws->err, "%s", msg);
    }
}

/* Keeps chunk c for reuse if it has the usual size and room is left, else returns it to the
 * system. */
static void recycle(workers *ws, chunk *c)
{
    pthread_mutex_lock(&ws->mu);
    if (c->size == CHUNK_BYTES && ws->nspare < SPARE_CHUNKS) {
        c->next = ws->spare;
        ws->spare = c;
        ws->nspare++;
        c = NULL;
    }
    pthread_mutex_unlock(&ws->mu);
    if (c)
        alloc_pages_free(c, c->size);
}

/* A worker's thread: takes the queued records of its batch, adds them to its segbuilder, and
 * flushes it when the batch is closed and drained. After a failure it only drains. */
static void *work(void *arg)
{
    worker *w = arg;
    workers *ws = w->ws;
    size_t consumed = 0;
    pthread_mutex_lock(&ws->mu);
    for (;;) {
        while (!ws->quit && !w->head && !(w->busy && w->closed))
            pthread_cond_wait(&w->cv, &ws->mu);
        if (ws->quit)
            break;
        if (w->head) {
            chunk *list = w->head;
            w->head = w->tail = NULL;
            size_t share = w->share, target = w->target;
            int rc = ws->rc;
            pthread_mutex_unlock(&ws->mu);
            /* Each chunk goes back to the system once its documents are added: the limit
             * counts the documents still waiting (and the one chunk being read, not at all:
             * it is part of the constant writer.h documents). */
            while (list) {
                chunk *c = list;
                for (size_t at = 0; at < c->used && !rc;) {
                    record *r = (record *)(c->data + at);
                    quarry_document d = {r->bytes,
                                         r->id_len,
                                         r->bytes + r->id_len,
                                         r->title_len,
                                         r->bytes + r->id_len + r->title_len,
                                         r->text_len};
                    size_t pending = target > consumed ? target - consumed : 0;
                    size_t limit = share > pending ? share - pending : 0;
                    uint32_t length;
                    rc = segbuilder_add(w->sb, &d, limit, &w->out, &length);
                    consumed += record_size(&d);
                    at += record_size(&d);
                }
                list = c->next;
                recycle(ws, c);
            }
            pthread_mutex_lock(&ws->mu);
            if (rc)
                fail(ws, rc, segbuilder_errmsg(w->sb));
            continue;
        }
        /* The batch is closed and every record taken: write its (last) segment. */
        int rc = ws->rc;
        pthread_mutex_unlock(&ws->mu);
        if (!rc)
            rc = segbuilder_flush(w->sb, &w->out);
        segment_cost cost;
        segbuilder_cost(w->sb, &cost);
        consumed = 0;
        pthread_mutex_lock(&ws->mu);
        if (rc)
            fail(ws, rc, segbuilder_errmsg(w->sb));
        outcome *o = &ws->ring[w->batch % (2 * ws->n)];
        o->segs = w->out;
        o->cost = cost;
        o->done = 1;
        memset(&w->out, 0, sizeof w->out);
        w->busy = 0;
        pthread_cond_broadcast(&ws->done);
    }
    pthread_mutex_unlock(&ws->mu);
    return NULL;
}

int workers_start(workers **out, unsigned n, const char *dir, const char *language, segname_fn name,
                  void *name_ctx, char *err, size_t cap)
{
    *out = NULL;
    workers *ws = alloc_array(1, sizeof *ws);
    if (!ws || !(ws->w = alloc_array(n, sizeof *ws->w)) ||
        !(ws->ring = alloc_array(2 * (size_t)n, sizeof *ws->ring)) ||
        !(ws->seen = alloc_array(2 * (size_t)n, sizeof *ws->seen))) {
        if (ws) {
            alloc_free(ws->w);
            alloc_free(ws->ring);
        }
        alloc_free(ws);
        return errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
    }
    ws->name = name;
    ws->name_ctx = name_ctx;
    if (pthread_mutex_init(&ws->mu, NULL) || pthread_cond_init(&ws->done, NULL)) {
        alloc_free(ws->seen);
        alloc_free(ws->ring);
        alloc_free(ws->w);
        alloc_free(ws);
        return errmsg_set(err, cap, QUARRY_ENOMEM, "cannot create a lock for the workers");
    }
    int rc = QUARRY_OK;
    for (unsigned i = 0; i < n && !rc; i++) {
        worker *w = &ws->w[i];
        w->ws = ws;
        if (pthread_cond_init(&w->cv, NULL)) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "cannot create a condition variable");
            break;
        }
        ws->n = i + 1; /* workers_free cleans up this one from here on */
        rc = segbuilder_create(&w->sb, dir, language, worker_name, w);
        if (rc) {
            errmsg_set(err, cap, rc, "out of memory");
            break;
        }
        if (pthread_create(&w->thread, NULL, work, w) != 0) {
            rc = errmsg_set(err, cap, QUARRY_ENOMEM, "cannot start indexing thread %u", i + 1);
            break;
        }
        w->started = 1;
    }
    *out = ws;
    return rc;
}

/* Takes the finished batches that follow the last one collected into ws->segs, in batch
 * order. Under mu. */
static void collect(workers *ws)
{
    while (ws->collected < ws->batches && !ws->rc) {
        outcome *o = &ws->ring[ws->collected % (2 * ws->n)];
        if (!o->done)
            break;
        if (seglist_append(&ws->segs, &o->segs))
            fail(ws, QUARRY_ENOMEM, "out of memory");
        ws->seen[ws->collected % (2 * ws->n)] = o->cost;
        seglist_free(&o->segs);
        o->done = 0;
        ws->collected++;
    }
}

/*
 * The target of the next batch, whose share is `share`, given the cost c it expects: the
 * batch's documents wait in its queue while its buffer fills, so that a buffer of
 * c->fixed + c->ratio * raw and the documents still queued fit the share at every moment if
 * the target is (share - fixed) / max(1, ratio). FILL of that, `full`, is aimed at.
 * With `left` bytes of input known to remain (0: unknown), what remains is split evenly into
 * the fewest batches of at most `full` that hold it, so the last batches are not left small:
 * every segment more is one more dictionary to write and, once a tier holds ten, a merge,
 * which costs more than a worker idling while the last batch finishes.
 */
static size_t target_of(size_t share, const segment_cost *c, uint64_t left)
{
    double room = share > c->fixed ? (double)(share - c->fixed) : 0;
    size_t full = (size_t)(FILL * room / (c->ratio > 1 ? c->ratio : 1));
    if (left == 0 || full == 0)
        return full;
    uint64_t batches = (left + full - 1) / full;
    size_t even = (size_t)((left + batches - 1) / batches);
    if (even < MIN_TARGET)
        even = MIN_TARGET;
    return even < full ? even : full;
}

/* Starts the next batch, j, with `available` bytes for all buffers and `left` bytes of input
 * known to remain: waits until batch j - 2N is finished and a worker is idle, sizes the batch
 * from j - 2N's cost and gives it to that worker. */
static int start_batch(workers *ws, size_t available, uint64_t left)
{
    uint64_t j = ws->batches, ring = 2 * (uint64_t)ws->n;
    worker *w = NULL;
    pthread_mutex_lock(&ws->mu);
    for (;;) {
        collect(ws);
        if (ws->rc || j < ring || ws->collected > j - ring) {
            for (unsigned i = 0; i < ws->n && !w; i++)
                if (!ws->w[i].busy)
                    w = &ws->w[i];
            if (w || ws->rc)
                break;
        }
        pthread_cond_wait(&ws->done, &ws->mu);
    }
    int rc = ws->rc;
    if (!rc) {
        /* Batch j - 2N is collected (its slot is now batch j's) and its cost kept in seen:
         * it joins the worst cost measured, taken over batches 0 .. j - 2N in order. */
        const segment_cost *seen = j >= ring ? &ws->seen[j % ring] : NULL;
        if (seen && seen->raw > 0) {
            if (ws->worst.raw == 0 || seen->ratio > ws->worst.ratio)
                ws->worst.ratio = seen->ratio;
            if (ws->worst.raw == 0 || seen->fixed > ws->worst.fixed)
                ws->worst.fixed = seen->fixed;
            ws->worst.raw = 1;
        }
        static const segment_cost initial = {INITIAL_FIXED, INITIAL_RATIO, 0};
        w->share = available / ws->n;
        w->target = target_of(w->share, ws->worst.raw ? &ws->worst : &initial, left);
        w->batch = j;
        w->busy = 1;
        w->closed = 0;
        w->first_used = 0;
        rc = ws->name(ws->name_ctx, w->first, sizeof w->first);
        if (rc)
            fail(ws, rc, "too many segments in one commit");
    }
    pthread_mutex_unlock(&ws->mu);
    if (!rc) {
        ws->batches++;
        ws->current = w;
        ws->open = 1;
        ws->filled = 0;
    }
    return rc;
}

/* Appends chunk c (may be NULL) to w's queue and wakes w. Under mu. After a failure the
 * chunk is dropped: nothing more is indexed. */
static void queue(worker *w, chunk *c)
{
    if (!c)
        return;
    if (w->ws->rc) {
        free_chunks(c);
        return;
    }
    if (w->tail)
        w->tail->next = c;
    else
        w->head = c;
    w->tail = c;
    pthread_cond_signal(&w->cv);
}

/* Closes the open batch: its worker writes its last segment once the queue is drained. */
static void close_batch(workers *ws)
{
    worker *w = ws->current;
    pthread_mutex_lock(&ws->mu);
    queue(w, ws->fill);
    ws->fill = NULL;
    w->closed = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&ws->mu);
    ws->open = 0;
}

int workers_add(workers *ws, const quarry_document *doc, size_t available, uint64_t left)
{
    int rc;
    if (!ws->open && (rc = start_batch(ws, available, left)))
        return rc;
    size_t size = record_size(doc);
    worker *w = ws->current;
    if (ws->fill && ws->fill->size - sizeof(chunk) - ws->fill->used < size) {
        pthread_mutex_lock(&ws->mu);
        queue(w, ws->fill);
        rc = ws->rc;
        pthread_mutex_unlock(&ws->mu);
        ws->fill = NULL;
        if (rc)
            return rc;
    }
    if (!ws->fill && sizeof(chunk) + size <= CHUNK_BYTES) {
        pthread_mutex_lock(&ws->mu);
        if ((ws->fill = ws->spare) != NULL) {
            ws->spare = ws->fill->next;
            ws->nspare--;
            ws->fill->next = NULL;
            ws->fill->used = 0;
        }
        pthread_mutex_unlock(&ws->mu);
    }
    if (!ws->fill) {
        size_t bytes = sizeof(chunk) + size > CHUNK_BYTES ? sizeof(chunk) + size : CHUNK_BYTES;
        if (!(ws->fill = alloc_pages(bytes))) {
            pthread_mutex_lock(&ws->mu);
            fail(ws, QUARRY_ENOMEM, "out of memory");
            pthread_mutex_unlock(&ws->mu);
            return QUARRY_ENOMEM;
        }
        ws->fill->size = bytes;
    }
    record *r = (record *)(ws->fill->data + ws->fill->used);
    r->id_len = doc->id_len;
    r->title_len = doc->title_len;
    r->text_len = doc->text_len;
    if (doc->id_len)
        memcpy(r->bytes, doc->id, doc->id_len);
    if (doc->title_len)
        memcpy(r->bytes + doc->id_len, doc->title, doc->title_len);
    if (doc->text_len)
        memcpy(r->bytes + doc->id_len + doc->title_len, doc->text, doc->text_len);
    ws->fill->used += size;
    ws->filled += size;
    if (ws->filled >= w->target)
        close_batch(ws);
    return QUARRY_OK;
}

int workers_finish(workers *ws, seglist *out)
{
    if (ws->open)
        close_batch(ws);
    pthread_mutex_lock(&ws->mu);
    for (;;) {
        collect(ws);
        if (ws->rc || ws->collected == ws->batches)
            break;
        pthread_cond_wait(&ws->done, &ws->mu);
    }
    int rc = ws->rc;
    pthread_mutex_unlock(&ws->mu);
    if (!rc && seglist_append(out, &ws->segs))
        rc = QUARRY_ENOMEM;
    return rc;
}

size_t workers_memory(const workers *ws)
{
    return ws->segs.cap * sizeof(manifest_segment);
}

const char *workers_errmsg(workers *ws)
{
    pthread_mutex_lock(&ws->mu);
    const char *m = ws->rc ? ws->err : "";
    pthread_mutex_unlock(&ws->mu);
    return m;
}

void workers_free(workers *ws)
{
    if (!ws)
        return;
    pthread_mutex_lock(&ws->mu);
    ws->quit = 1;
    for (unsigned i = 0; i < ws->n; i++)
        pthread_cond_signal(&ws->w[i].cv);
    pthread_mutex_unlock(&ws->mu);
    for (unsigned i = 0; i < ws->n; i++) {
        worker *w = &ws->w[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        free_chunks(w->head);
        segbuilder_free(w->sb); /* removes the temporary file of an unfinished segment */
        seglist_free(&w->out);
        pthread_cond_destroy(&w->cv);
    }
    free_chunks(ws->fill);
    free_chunks(ws->spare);
    for (unsigned i = 0; i < 2 * ws->n; i++)
        seglist_free(&ws->ring[i].segs);
    seglist_free(&ws->segs);
    pthread_cond_destroy(&ws->done);
    pthread_mutex_destroy(&ws->mu);
    alloc_free(ws->seen);
    alloc_free(ws->ring);
    alloc_free(ws->w);
    alloc_free(ws);
}
