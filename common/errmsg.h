/*
 * errmsg: the detailed-message buffer every handle (writer, index, searcher) carries.
 */
#ifndef QUARRY_COMMON_ERRMSG_H
#define QUARRY_COMMON_ERRMSG_H

#include <stddef.h>

/* Size of a handle's message buffer. */
#define ERRMSG_CAP 512

/*
 * printf-formats a message into dst (cap bytes, always NUL-terminated, cut if long) and
 * returns `code`, so a failure reads: return errmsg_set(w->err, sizeof w->err, QUARRY_EIO, ...).
 */
int errmsg_set(char *dst, size_t cap, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
