/*
 * quarry/error.h: error codes shared by every quarry function.
 *
 * Every public function that can fail returns an int: QUARRY_OK (0) on success or one of the
 * negative codes below. quarry_strerror() turns a code into a short generic text; the handle
 * that failed (quarry_writer, quarry_index, quarry_searcher) also keeps a detailed message
 * naming the file, line or query position involved: see quarry_writer_errmsg(),
 * quarry_index_errmsg() and quarry_searcher_errmsg().
 *
 * Codes are part of the ABI: a released code is never renumbered or reused.
 */
#ifndef QUARRY_ERROR_H
#define QUARRY_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
enum quarry_error {
    QUARRY_OK = 0,         /* success */
    QUARRY_ERROR = -1,     /* generic failure (bad argument, unsupported request) */
    QUARRY_ENOMEM = -2,    /* memory allocation failed */
    QUARRY_EIO = -3,       /* a system call on a file failed (see the handle's message) */
    QUARRY_ECORRUPT = -4,  /* an index file or an input record is malformed */
    QUARRY_EVERSION = -5,  /* the index was written by an unknown format version: rebuild it */
    QUARRY_EQUERY = -6,    /* the query text could not be parsed */
    QUARRY_ENOTFOUND = -7, /* a named thing does not exist (index folder, stemmer language) */
    QUARRY_EINPUT = -8,    /* an input document was rejected (invalid UTF-8, bad JSON) */
    QUARRY_ELOCKED = -9    /* another writer is building an index in the same folder */
};

/*
 * Returns a static, generic English description of `code` ("index is corrupt"). Never NULL;
 * unknown codes give "unknown error". Thread-safe.
 */
const char *quarry_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif /* QUARRY_ERROR_H */
