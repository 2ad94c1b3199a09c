/*
 * fileio.c: durable file writing (temp file, fsync, rename) with a running CRC-32, and
 * read-only memory maps. The indexer writes every index file through filew; the searcher maps
 * them with filemap. See common/fileio.h.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc.h"
#include "format.h"
#include "quarry/error.h"

char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = alloc_bytes(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

int filew_open(filew *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    size_t n = strlen(path);
    f->path = alloc_strndup(path, n);
    f->tmp = alloc_bytes(n + 5);
    f->wbuf = alloc_bytes(FILEW_BUFFER);
    if (!f->path || !f->tmp || !f->wbuf) {
        f->rc = errmsg_set(f->err, sizeof f->err, QUARRY_ENOMEM, "out of memory");
        return f->rc;
    }
    memcpy(f->tmp, path, n);
    memcpy(f->tmp + n, ".tmp", 5);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0)
        f->rc = errmsg_set(f->err, sizeof f->err, QUARRY_EIO, "cannot create %s: %s", f->tmp,
                           strerror(errno));
    return f->rc;
}

static void flush(filew *f)
{
    size_t off = 0;
    while (!f->rc && off < f->wlen) {
        ssize_t w = write(f->fd, f->wbuf + off, f->wlen - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            f->rc = errmsg_set(f->err, sizeof f->err, QUARRY_EIO, "cannot write %s: %s", f->tmp,
                               w < 0 ? strerror(errno) : "no progress");
        else
            off += (size_t)w;
    }
    f->wlen = 0;
}

void filew_write(filew *f, const void *p, size_t n)
{
    if (f->rc || n == 0)
        return;
    const uint8_t *s = p;
    f->crc = (uint32_t)crc32_z(f->crc, s, n);
    f->size += n;
    while (n && !f->rc) {
        size_t room = FILEW_BUFFER - f->wlen;
        size_t take = n < room ? n : room;
        memcpy(f->wbuf + f->wlen, s, take);
        f->wlen += take;
        s += take;
        n -= take;
        if (f->wlen == FILEW_BUFFER)
            flush(f);
    }
}

static void put32(uint8_t *d, uint32_t v)
{
    d[0] = (uint8_t)v;
    d[1] = (uint8_t)(v >> 8);
    d[2] = (uint8_t)(v >> 16);
    d[3] = (uint8_t)(v >> 24);
}

void filew_header(filew *f, const char *kind)
{
    uint8_t h[FORMAT_HEADER_SIZE] = {0};
    memcpy(h, FORMAT_MAGIC, FORMAT_MAGIC_LEN);
    memcpy(h + FORMAT_MAGIC_LEN, kind, 2);
    put32(h + 8, FORMAT_VERSION);
    filew_write(f, h, sizeof h);
}

void filew_footer(filew *f, uint64_t tail)
{
    uint8_t t[8];
    put32(t, (uint32_t)tail);
    put32(t + 4, (uint32_t)(tail >> 32));
    filew_write(f, t, 8);
    uint8_t c[8];
    f->sealed_crc = f->crc;
    put32(c, f->crc);
    memcpy(c + 4, FORMAT_END_MAGIC, 4);
    filew_write(f, c, 8);
}

int filew_commit(filew *f, uint64_t *size, uint32_t *crc)
{
    if (!f->rc)
        flush(f);
    if (!f->rc && fsync(f->fd) != 0)
        f->rc = errmsg_set(f->err, sizeof f->err, QUARRY_EIO, "cannot sync %s: %s", f->tmp,
                           strerror(errno));
    if (f->fd >= 0 && close(f->fd) != 0 && !f->rc)
        f->rc = errmsg_set(f->err, sizeof f->err, QUARRY_EIO, "cannot close %s: %s", f->tmp,
                           strerror(errno));
    f->fd = -1;
    if (!f->rc && rename(f->tmp, f->path) != 0)
        f->rc = errmsg_set(f->err, sizeof f->err, QUARRY_EIO, "cannot rename %s: %s", f->tmp,
                           strerror(errno));
    if (!f->rc) {
        if (size)
            *size = f->size;
        if (crc)
            *crc = f->sealed_crc;
        alloc_free(f->tmp);
        f->tmp = NULL;
    }
    int rc = f->rc;
    filew_abort(f);
    return rc;
}

void filew_abort(filew *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp)
        unlink(f->tmp);
    alloc_free(f->tmp);
    alloc_free(f->path);
    alloc_free(f->wbuf);
    f->tmp = f->path = NULL;
    f->wbuf = NULL;
}

int filemap_open(filemap *m, const char *path, char *err, size_t cap)
{
    m->data = NULL;
    m->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errmsg_set(err, cap, errno == ENOENT ? QUARRY_ENOTFOUND : QUARRY_EIO,
                          "cannot open %s: %s", path, strerror(errno));
    int rc = QUARRY_OK;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = errmsg_set(err, cap, QUARRY_EIO, "cannot stat %s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = errmsg_set(err, cap, QUARRY_EIO, "%s is not a regular file", path);
        goto done;
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rc = errmsg_set(err, cap, QUARRY_EIO, "cannot map %s: %s", path, strerror(errno));
            goto done;
        }
        m->data = p;
        m->size = (size_t)st.st_size;
    }
done:
    close(fd);
    return rc;
}

void filemap_close(filemap *m)
{
    if (m->data)
        munmap((void *)(uintptr_t)m->data, m->size);
    m->data = NULL;
    m->size = 0;
}

int fsync_dir(const char *dir, char *err, size_t cap)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errmsg_set(err, cap, QUARRY_EIO, "cannot open folder %s: %s", dir, strerror(errno));
    int rc = QUARRY_OK;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = errmsg_set(err, cap, QUARRY_EIO, "cannot sync folder %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}
