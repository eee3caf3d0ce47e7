/*
 * The sequence layer object shared by engine/sequence.c (creation, state,
 * apply) and engine/rate_stats.c (its statistics).
 */
#ifndef NF_ENGINE_SEQUENCE_LAYER_H
#define NF_ENGINE_SEQUENCE_LAYER_H

#include "internal.h"

struct nf_layer {
    nf_layer_desc desc;      /* pointers cleared, zero fields replaced by defaults */
    nf_backend backend;
    const nf_backend_i *be;
    nf_backend_ctx *ctx;
    nf_mode mode;
    float *initial;          /* host [units], or NULL */
    nf_filter_params *fp;    /* backend [units] (filters) */
    float *s0, *s1;          /* backend [state_batch][units] (s1: ALPHA x0) */
    int32_t state_batch;     /* rows allocated (0: none) */
    int32_t state_valid;     /* the next apply continues from s0, s1 */
    double *abs_sum;         /* backend [stats_batch][units], rate statistics */
    int32_t stats_batch;
    int64_t stats_steps;     /* steps of the last apply (0: none) */
    float *stage_in, *stage_out; /* backend staging of host memory (CUDA) */
    size_t stage_in_bytes, stage_out_bytes;
    const char *api;         /* the public function called last: its name begins every
                                message nf__layer_fail records */
    char error[NF_MESSAGE_MAX];
};

/* Records a formatted message on the layer (beginning with layer->api's
 * name) and returns st. */
nf_status nf__layer_fail(nf_layer *layer, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* NF_OK, or st recorded with the backend's text (or "out of memory"). */
nf_status nf__layer_backend_status(nf_layer *layer, nf_status st, const char *fn);
/* The SpikingActivation constants in the layer's current mode. */
nf_model_params nf__layer_model_params(const nf_layer *layer);
/* What a layer's state for `batch` rows needs allocated: new state rows (when
 * the batch changes), new statistics rows, the initial state to upload. It is
 * all allocated before anything changes, so that a call failing for memory
 * leaves the layer as it was. */
typedef struct nf_layer_reserve {
    int32_t batch;
    float *s0, *s1;   /* backend, or NULL: the layer's rows are kept */
    double *abs_sum;  /* backend, or NULL */
    float *host;      /* [batch][units] initial state, or NULL */
} nf_layer_reserve;

/* Allocates what the state (and, with stats, the statistics) of `batch` rows
 * needs; on failure nothing is held and the layer is unchanged. */
nf_status nf__layer_reserve(nf_layer *layer, int32_t batch, bool stats, nf_layer_reserve *r,
                            const char *fn);
/* Installs r (taking its buffers) and sets the initial state unless the
 * layer continues from its current one; r is emptied either way. */
nf_status nf__layer_prepare_state(nf_layer *layer, nf_layer_reserve *r, const char *fn);
/* Frees what r still holds. */
void nf__layer_reserve_free(nf_layer *layer, nf_layer_reserve *r);

#endif /* NF_ENGINE_SEQUENCE_LAYER_H */
