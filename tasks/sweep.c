/*
 * A batched parameter sweep of Sussillo & Abbott's task: every batch element
 * is an independent network (per-batch recurrent, feedback and readout
 * weights, one P per element). Element b gets the gain g[b] by scaling its
 * generated recurrent weights (drawn as g/sqrt(p N) N(0,1)) by g[b]/g, and
 * P(0) = I/alpha[b].
 */
#include <stdlib.h>

#include "tasks.h"

nf_status nftask_sweep_apply(nf_network *net, const nftask_sussillo_task *task,
                             const nftask_sussillo_net *ids, const float *g, const float *alpha) {
    const int32_t batch = nf_network_batch(net);
    if (!task->per_batch || !(task->g > 0.0f))
        return NF_ERR_INVALID_ARGUMENT;
    for (int32_t b = 0; b < batch; b++)
        if (!(alpha[b] > 0.0f))
            return NF_ERR_INVALID_ARGUMENT;
    int64_t count = 0;
    nf_status st = nf_connection_weight_count(net, ids->recurrent, &count);
    if (st != NF_OK)
        return st;
    const size_t n = (size_t)task->n, per = (size_t)count / batch;
    float *w = malloc(sizeof *w * (size_t)count + 1);
    float *p = calloc((size_t)batch * n * n + 1, sizeof *p);
    if (!w || !p) {
        free(w);
        free(p);
        return NF_ERR_OUT_OF_MEMORY;
    }
    st = nf_connection_get_weights(net, ids->recurrent, w);
    for (int32_t b = 0; b < batch; b++) {
        for (size_t i = 0; i < per; i++)
            w[b * per + i] *= g[b] / task->g;
        for (size_t i = 0; i < n; i++)
            p[(b * n + i) * n + i] = 1.0f / alpha[b];
    }
    if (st == NF_OK)
        st = nf_connection_set_weights(net, ids->recurrent, w);
    if (st == NF_OK)
        st = nf_learner_set_p(net, ids->learner, p);
    free(w);
    free(p);
    return st;
}
