/*
 * Replacing a file whole or not at all: the bytes go to a temporary file in
 * the destination's folder, which is flushed, fsync'ed and renamed over the
 * destination only when everything was written; on any failure the temporary
 * file is removed and the destination is as it was. A destination that
 * exists but is not a regular file (a folder, a device, a FIFO) is refused;
 * a symbolic link is followed, so the file it points to is replaced and the
 * link stays. Used by the library's file writers and, compiled in, by the
 * neurofuse command. Never prints or exits.
 */
#ifndef NF_ENGINE_ATOMIC_FILE_H
#define NF_ENGINE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "neurofuse.h"

typedef struct nf_atomic_file {
    FILE *f;          /* write here between open and commit */
    char *path;       /* the destination (symbolic links resolved) */
    char *temp_path;  /* the temporary file beside it */
} nf_atomic_file;

/* Starts replacing `path`. On failure nothing exists to clean up and message
 * says why (NF_ERR_IO, or NF_ERR_OUT_OF_MEMORY). */
nf_status nf__atomic_open(nf_atomic_file *af, const char *path, char *message,
                          size_t capacity);

/* Flushes, syncs, closes and renames the temporary file over the destination
 * (then syncs the folder). On failure the destination is untouched and the
 * temporary file removed. Either way af is finished. */
nf_status nf__atomic_commit(nf_atomic_file *af, char *message, size_t capacity);

/* Gives up: closes and removes the temporary file; the destination is untouched. */
void nf__atomic_abort(nf_atomic_file *af);

#endif /* NF_ENGINE_ATOMIC_FILE_H */
