/*
 * Connection weights on the host side: generating them from the seed,
 * moving them to and from the backend in the caller's order ([post][pre] or
 * CSR) while event-driven connections store them transposed.
 */
#ifndef NF_ENGINE_WEIGHTS_H
#define NF_ENGINE_WEIGHTS_H

#include "internal.h"

/* Weights in the caller's order: dense [copies][post][pre], or CSR with
 * values [copies][nnz]. */
typedef struct nf_host_weights {
    int64_t nnz;
    int32_t *row_ptr, *col;
    float *values;
} nf_host_weights;

/* Builds the host weights a descriptor asks for (copying, zero-filling or
 * drawing from stream position `offset`); *span is the stream used. */
nf_status nf__weights_build(nf_network *net, const nf_connection_desc *d, const nf_connection *c,
                            uint64_t offset, nf_host_weights *h, uint64_t *span);
void nf__host_weights_free(nf_host_weights *h);
/* Event sparse: builds the CSC index and c->perm from the CSR in h and uploads it. */
nf_status nf__sparse_transpose_index(nf_network *net, nf_connection *c, const nf_host_weights *h);
/* Uploads weights given in the caller's order into c->w. */
nf_status nf__weights_store(nf_network *net, nf_connection *c, const float *values);
#endif /* NF_ENGINE_WEIGHTS_H */
