/*
 * error.c: the generic texts of quarry's return codes (quarry_strerror) and the formatting
 * helper every handle uses to keep its own detailed message.
 */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

#include "quarry/error.h"
#include "quarry/version.h"

const char *quarry_strerror(int code)
{
    switch (code) {
    case QUARRY_OK:
        return "success";
    case QUARRY_ERROR:
        return "error";
    case QUARRY_ENOMEM:
        return "out of memory";
    case QUARRY_EIO:
        return "input/output error";
    case QUARRY_ECORRUPT:
        return "index is corrupt";
    case QUARRY_EVERSION:
        return "unsupported index format version";
    case QUARRY_EQUERY:
        return "query syntax error";
    case QUARRY_ENOTFOUND:
        return "not found";
    case QUARRY_EINPUT:
        return "invalid input";
    case QUARRY_ELOCKED:
        return "index folder is locked by another writer";
    default:
        return "unknown error";
    }
}

const char *quarry_version_string(void)
{
    return QUARRY_VERSION_STRING;
}

int errmsg_set(char *dst, size_t cap, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    return code;
}
