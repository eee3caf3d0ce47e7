/*
 * Loading a checkpoint: the archive (checkpoint_load.c), its members
 * (checkpoint_members.c) and the network rebuilt from them, object by object
 * in id order (checkpoint_build.c). Every member is looked at before the object that
 * needs it allocates anything, so a file never makes the loader allocate
 * more than the arrays it holds; every member is read whole, its CRC checked.
 */
#ifndef NF_ENGINE_CHECKPOINT_LOAD_H
#define NF_ENGINE_CHECKPOINT_LOAD_H

#include <zip.h>

#include "checkpoint.h"
#include "internal.h"

/* Bytes of the host stage through which members are uploaded. */
#define NF_CKPT_LOAD_STAGE ((size_t)16 << 20)

typedef struct nf_loader {
    zip_t *za;
    const char *path;   /* the file, or "(memory)" */
    int64_t entries;
    uint8_t *consumed;  /* [entries]: the member was read */
    nf_ckpt_meta meta;
    nf_network *net;    /* being built */
    int32_t batch;
    struct nf_network run; /* the run fields (dt, mode, step, rng_next) */
    unsigned char *stage; /* NF_CKPT_LOAD_STAGE bytes at most */
    size_t stage_size;
    char why[768];      /* the failure, without the "nf_network_load: 'path': " prefix */
} nf_loader;

/* Records a failure (formatted) in ld->why and returns st. */
nf_status nf__load_fail(nf_loader *ld, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The network's last error as the failure of the object `id` being built. */
nf_status nf__load_object_fail(nf_loader *ld, int32_t id, const char *kind, nf_status st);

/* Bytes of an array of dtype t and the given shape; false when it overflows. */
bool nf__load_bytes(nf_ckpt_dtype t, int32_t ndim, const int64_t *shape, size_t *bytes);
/* True when the member exists (without reading it). */
bool nf__load_has(nf_loader *ld, const char *name);
/* Checks, before anything is allocated for it, that the member exists with a
 * size that can hold `bytes` of data and a header. */
nf_status nf__load_precheck(nf_loader *ld, const char *name, size_t bytes);
/* Reads the member whole into a new host buffer (*out, free it) after
 * checking its dtype and shape against the expected ones, its size, its CRC
 * and (float dtypes) that every value is finite. */
nf_status nf__load_array(nf_loader *ld, const char *name, nf_ckpt_dtype t, int32_t ndim,
                         const int64_t *shape, void **out);
/* What a member's float values may be: NF_CKPT_FINITE for what the API
 * refuses non-finite when given and runs keep finite (gains, biases, input
 * values, weights, P, model and filter states, z; nf__load_array always
 * checks so); NF_CKPT_ANY for what a valid network can hold as inf or NaN
 * (a population's output with extreme parameters and probe rows of it, rate
 * sums, an event connection's product and post-side filter after a run
 * stopped with NF_ERR_NUMERIC): what nf_network_save wrote is read back as
 * it was. */
typedef enum nf_ckpt_values { NF_CKPT_FINITE, NF_CKPT_ANY } nf_ckpt_values;
/* As nf__load_array, into backend memory dst, a stage at a time (no host
 * copy), the values checked as `values` says. */
nf_status nf__load_upload(nf_loader *ld, const char *name, nf_ckpt_dtype t, int32_t ndim,
                          const int64_t *shape, void *dst, nf_ckpt_values values);

/* Reads and parses metadata.txt into ld->meta (checkpoint_members.c). */
nf_status nf__load_metadata(nf_loader *ld);

/* Creates ld->net on backend and device and builds in it the network the
 * metadata describes (checkpoint_build.c). */
nf_status nf__load_build(nf_loader *ld, nf_backend backend, int32_t device);

#endif /* NF_ENGINE_CHECKPOINT_LOAD_H */
