/*
 * What the tasks share: their target (and input) sequences, one value per step
 * held for every batch element; and scoring a task's run: after `steps` steps
 * the learner's error probe e(t) = z(t) - f(t) (one value per step and batch
 * element) gives the training error mean |e| over [train_from, train_to) and
 * the testing error mean |e| over [test_from, steps).
 */
#include <math.h>
#include <stdlib.h>

#include "tasks.h"

nf_status nftask_add_sequence(nf_network *net, const float *v, int64_t steps, int32_t *id) {
    const int32_t batch = nf_network_batch(net);
    float *rows = malloc(sizeof *rows * (size_t)steps * batch + 1);
    if (!rows)
        return NF_ERR_OUT_OF_MEMORY;
    for (int64_t t = 0; t < steps; t++)
        for (int32_t b = 0; b < batch; b++)
            rows[t * batch + b] = v[t];
    nf_status st = nf_input_add(net, 1, id);
    if (st == NF_OK)
        st = nf_input_set(net, *id, steps, rows);
    free(rows);
    return st;
}

nf_status nftask_score_each(nf_network *net, int32_t error_probe, int64_t steps, int64_t train_from,
                            int64_t train_to, int64_t test_from, double *train, double *test) {
    if (train_from < 0 || train_to < train_from || train_to > steps || test_from < 0 ||
        test_from > steps)
        return NF_ERR_INVALID_ARGUMENT;
    const int32_t batch = nf_network_batch(net);
    nf_status st;
    float *e = malloc(sizeof *e * (size_t)steps * batch + 1);
    if (!e)
        return NF_ERR_OUT_OF_MEMORY;
    int64_t rows = 0;
    st = nf_probe_read(net, error_probe, e, (size_t)steps * batch, &rows);
    if (st == NF_OK && rows != steps)
        st = NF_ERR_STATE;
    for (int32_t b = 0; b < batch && st == NF_OK; b++) {
        double sum_train = 0.0, sum_test = 0.0;
        for (int64_t t = train_from; t < train_to; t++)
            sum_train += fabs(e[t * batch + b]);
        for (int64_t t = test_from; t < steps; t++)
            sum_test += fabs(e[t * batch + b]);
        train[b] = train_to > train_from ? sum_train / (double)(train_to - train_from) : 0.0;
        test[b] = steps > test_from ? sum_test / (double)(steps - test_from) : 0.0;
    }
    free(e);
    return st;
}

nf_status nftask_score(nf_network *net, int32_t error_probe, int64_t steps, int64_t train_from,
                       int64_t train_to, int64_t test_from, nftask_errors *out) {
    const int32_t batch = nf_network_batch(net);
    double *train = malloc(sizeof *train * (size_t)batch * 2);
    if (!train)
        return NF_ERR_OUT_OF_MEMORY;
    double *test = train + batch;
    nf_status st =
        nftask_score_each(net, error_probe, steps, train_from, train_to, test_from, train, test);
    out->train = out->test = 0.0;
    for (int32_t b = 0; b < batch && st == NF_OK; b++) {
        out->train += train[b] / batch;
        out->test += test[b] / batch;
    }
    free(train);
    return st;
}

nf_status nftask_run(nf_network *net, int32_t error_probe, int64_t steps, int64_t train_from,
                     int64_t train_to, int64_t test_from, nftask_errors *out) {
    nf_status st = nf_network_run(net, steps);
    return st == NF_OK ? nftask_score(net, error_probe, steps, train_from, train_to, test_from, out)
                       : st;
}
