/*
 * Layers share one backend context per thread, backend and device
 * (engine/backend_share.c): a layer keeps working after the layers it shared
 * with are destroyed, in any order, and layers created and run on two
 * threads at once give exactly what each gives alone. Lowpass layers are
 * checked against the closed form y_t = 1 - a^(t+1) for a unit step input.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "common.h"

enum { UNITS = 16, BATCH = 3, TIME = 40 };

static nf_layer *lowpass(nf_backend backend, float tau) {
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_LOWPASS, UNITS);
    d.backend = backend;
    d.tau = tau;
    nf_layer *layer = NULL;
    char msg[512] = "";
    nf_status st = nf_layer_create_ex(&d, &layer, msg, sizeof msg);
    cr_assert_eq(st, NF_OK, "%s", msg);
    return layer;
}

/* Applies a unit step to the layer; 1 when every output equals the closed
 * form of a lowpass of time constant tau at dt 1 ms (to 1e-5). */
static int step_response_ok(nf_layer *layer, float tau) {
    float in[BATCH * TIME * UNITS], out[BATCH * TIME * UNITS];
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        in[i] = 1.0f;
    if (nf_layer_reset(layer) != NF_OK ||
        nf_layer_apply(layer, in, out, BATCH, TIME, UNITS, NF_LAYOUT_BATCH_MAJOR,
                       NF_MEMORY_HOST, 1) != NF_OK)
        return 0;
    const double a = exp(-0.001 / tau);
    for (int b = 0; b < BATCH; b++)
        for (int t = 0; t < TIME; t++)
            for (int u = 0; u < UNITS; u++)
                if (!nft_close(1.0 - pow(a, t + 1), out[((size_t)b * TIME + t) * UNITS + u],
                               1e-5, 1e-6))
                    return 0;
    return 1;
}

NFT_BACKEND_TEST(layer_context, survives_the_layers_it_was_shared_with, .timeout = 60) {
    nf_layer *l[4];
    for (int i = 0; i < 4; i++)
        l[i] = lowpass(backend, 0.005f * (float)(i + 1));
    const int order[3] = {2, 0, 3}; /* destroy three, in no particular order */
    for (int k = 0; k < 3; k++) {
        nf_layer_destroy(l[order[k]]);
        l[order[k]] = NULL;
        cr_assert(step_response_ok(l[1], 0.010f), "layer 1 after destroying layer %d",
                  order[k]);
    }
    nf_layer_destroy(l[1]);
    /* a new layer after all are gone starts a fresh context */
    nf_layer *again = lowpass(backend, 0.002f);
    cr_assert(step_response_ok(again, 0.002f));
    nf_layer_destroy(again);
}

typedef struct worker {
    nf_backend backend;
    float tau;
    int ok;
} worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    w->ok = 1;
    for (int round = 0; round < 20 && w->ok; round++) {
        nf_layer *a = lowpass(w->backend, w->tau), *b = lowpass(w->backend, 2.0f * w->tau);
        w->ok = step_response_ok(a, w->tau) && step_response_ok(b, 2.0f * w->tau);
        nf_layer_destroy(round % 2 ? a : b);
        nf_layer_destroy(round % 2 ? b : a);
    }
    return NULL;
}

NFT_BACKEND_TEST(layer_context, threads_do_not_share, .timeout = 60) {
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.backend = backend, .tau = 0.003f * (float)(i + 1)};
        cr_assert_eq(pthread_create(&t[i], NULL, run_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert(w[i].ok, "thread %d", i);
    }
}
