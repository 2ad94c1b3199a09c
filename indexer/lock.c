/*
 * lock.c: the writer lock of an index folder, so that one quarry_writer at a time builds an index
 * in it (quarry/writer.h, docs/FORMAT.md "LOCK"). quarry_writer_open takes it before it looks at
 * the folder's generations and quarry_writer_free releases it.
 *
 * The lock is an flock(2) exclusive lock on the file LOCK in the folder, not the file's existence.
 * The kernel drops an flock lock when the last descriptor of its open file description closes, so
 * a writer that dies without quarry_writer_free (crash, SIGKILL) leaves at most a LOCK file that
 * nobody holds, and the next writer takes it over; there is no stale pid to judge. flock is chosen
 * over fcntl(F_SETLK) because fcntl locks belong to a process: a second writer in the same process
 * would be granted the lock, and closing any descriptor of the file would drop it. flock locks
 * belong to an open file description, so two writers of one process exclude each other too.
 *
 * The holder writes its pid into LOCK for the message of a writer that is refused; the pid is
 * informational only. On release the holder unlinks LOCK before closing it; a writer that opened
 * the old file just before the unlink then locks an unlinked file, so after locking it checks that
 * the path still names the file it holds, and starts again if not.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/format.h"

/* Attempts of the open-lock-check cycle before giving up; each failed attempt means that another
 * writer released the lock in between, so more than a few happen only under heavy churn. */
#define LOCK_ATTEMPTS 16

/* Fills `dst` with " (pid N)" read from the LOCK file open at fd, or "" when it holds no pid
 * (its holder has not written it yet, or it was written by another program). */
static void read_owner(int fd, char *dst, size_t cap)
{
    char text[32];
    dst[0] = '\0';
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0)
        return;
    text[n] = '\0';
    char *end;
    long pid = strtol(text, &end, 10);
    if (end == text || pid <= 0 || *end != '\n')
        return;
    snprintf(dst, cap, " (pid %ld%s)", pid, pid == (long)getpid() ? ", this process" : "");
}

/* Writes "<pid>\n" over the content of the LOCK file open at fd. Returns 0, or -1 when it
 * could not, which the caller ignores: the pid only improves the message of a refused writer, and
 * read_owner accepts only a complete line. */
static int write_owner(int fd)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n)
        return -1;
    return 0;
}

/* Whether the path still names the file open at fd (see the file comment). */
static int still_named(int fd, const char *path)
{
    struct stat held, named;
    return fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
           held.st_ino == named.st_ino;
}

int lock_acquire(lock *l, const char *dir, char *err, size_t cap)
{
    int rc = QUARRY_OK, fd = -1;
    l->fd = -1;
    l->path = path_join(dir, FORMAT_LOCK_NAME);
    if (!l->path) {
        rc = errmsg_set(err, cap, QUARRY_ENOMEM, "out of memory");
        goto done;
    }
    for (int attempt = 0; l->fd < 0; attempt++) {
        if (attempt == LOCK_ATTEMPTS) {
            rc = errmsg_set(err, cap, QUARRY_ELOCKED,
                            "%s: locked by another writer (%s kept changing while it was taken)",
                            dir, FORMAT_LOCK_NAME);
            goto done;
        }
        fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = errmsg_set(err, cap, QUARRY_EIO, "cannot create lock file %s: %s", l->path,
                            strerror(errno));
            goto done;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            char owner[64];
            if (errno != EWOULDBLOCK) {
                rc = errmsg_set(err, cap, QUARRY_EIO, "cannot lock %s: %s", l->path,
                                strerror(errno));
                goto done;
            }
            read_owner(fd, owner, sizeof owner);
            rc = errmsg_set(err, cap, QUARRY_ELOCKED, "%s: locked by another writer%s", dir, owner);
            goto done;
        }
        if (still_named(fd, l->path)) {
            write_owner(fd);
            l->fd = fd;
        } else {
            close(fd);
        }
        fd = -1;
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc)
        lock_release(l);
    return rc;
}

void lock_release(lock *l)
{
    if (l->fd >= 0) {
        unlink(l->path); /* while still holding it: see the file comment */
        close(l->fd);
    }
    l->fd = -1;
    alloc_free(l->path);
    l->path = NULL;
}
