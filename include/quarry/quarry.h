/*
 * quarry.h: the whole public API of quarry, a full-text search engine.
 *
 * quarry indexes UTF-8 documents (folded to lower case without accents, stemmed with Snowball)
 * into a compressed, positional inverted index on disk and answers ranked BM25 queries with
 * words, phrases and boolean operators, with highlighted snippets.
 *
 *   quarry/writer.h   building an index (quarry_writer)
 *   quarry/search.h   opening and searching one (quarry_index, quarry_searcher, quarry_results)
 *   quarry/error.h    return codes and quarry_strerror
 *   quarry/version.h  library version
 *
 * Conventions everywhere: functions return int (QUARRY_OK = 0, negative codes on failure);
 * out-parameters come first; text is passed as pointer and length; every handle has a
 * create/free pair whose free accepts NULL; messages explaining a failure live in the handle.
 * There is no global state: different handles never interfere.
 */
#ifndef QUARRY_H
#define QUARRY_H

#include "error.h"
#include "quarry/version.h"
#include "writer.h"
#include "search.h"

#endif /* QUARRY_H */
