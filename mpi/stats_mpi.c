/*
 * Rate statistics and energy estimates of a sharded network, reduced over the
 * ranks. Rate statistics: neuron i's rate is sum_b sum_t |out_b,i| / (batch
 * steps) over the whole batch; the sums over the batch are added in element
 * order, rank after rank (a chain: rank r continues rank r-1's running sums
 * with its own elements), so the totals, and the statistics the core computes
 * from them (nf_rate_stats_from_sums), are the bits one process with the
 * whole batch gets. Energy: each source rate the estimate reads (a mean over
 * the batch) is the mean of the ranks' rates weighted by their element counts
 * (one MPI_Allreduce), then the core estimates from those rates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

/* Chain-adds every rank's sums[count][n] to totals[n] in element order and
 * gives every rank the result. */
static nf_status chain_totals(const char *fn, const double *sums, const nfm_layout *lay,
                              int32_t n, double *totals, MPI_Comm comm, char *why) {
    int rc = MPI_SUCCESS;
    if (lay->rank == 0) {
        for (int32_t i = 0; i < n; i++)
            totals[i] = 0.0;
    } else {
        rc = MPI_Recv(totals, n, MPI_DOUBLE, lay->rank - 1, NFM_TAG, comm, MPI_STATUS_IGNORE);
    }
    if (rc != MPI_SUCCESS)
        return nfm__mpi_why(why, rc, fn, "MPI_Recv");
    for (int32_t b = 0; b < lay->count; b++)
        for (int32_t i = 0; i < n; i++)
            totals[i] += sums[(size_t)b * n + i];
    if (lay->rank + 1 < lay->ranks &&
        (rc = MPI_Send(totals, n, MPI_DOUBLE, lay->rank + 1, NFM_TAG, comm)) != MPI_SUCCESS)
        return nfm__mpi_why(why, rc, fn, "MPI_Send");
    if ((rc = MPI_Bcast(totals, n, MPI_DOUBLE, lay->ranks - 1, comm)) != MPI_SUCCESS)
        return nfm__mpi_why(why, rc, fn, "MPI_Bcast");
    return NF_OK;
}

nf_status nf_mpi_population_rate_stats(nf_network *net, int32_t pop, const double *q, int32_t nq,
                                       nf_rate_stats *stats, float *rates, MPI_Comm comm) {
    static const char fn[] = "nf_mpi_population_rate_stats";
    char why[NFM_MESSAGE] = "";
    nfm_layout lay;
    int32_t n = 0;
    int64_t steps = 0;
    double *sums = NULL, *totals = NULL;
    nf_status st = nfm__layout(fn, net, comm, &lay, why);
    if (st == NF_OK && nf_population_size(net, pop, &n) != NF_OK)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: %s", fn, nf_network_last_error(net));
    if (st == NF_OK && (nq < 0 || nq > NF_RATE_STATS_MAX_PERCENTILES || (nq > 0 && !q)))
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                      "%s: nq must be in 0..%d with q not NULL, got %d (q %s)", fn,
                      NF_RATE_STATS_MAX_PERCENTILES, nq, q ? "given" : "NULL");
    if (st == NF_OK) {
        sums = malloc((size_t)lay.count * n * sizeof *sums);
        totals = malloc((size_t)n * sizeof *totals);
        if (!sums || !totals)
            st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory (%lld doubles)", fn,
                          (long long)(lay.count + 1) * n);
    }
    if (st == NF_OK) {
        const nf_status got =
            nf_population_rate_sums(net, pop, sums, (size_t)lay.count * n, &steps);
        if (got != NF_OK)
            st = nfm__why(why, got, "%s: %s", fn, nf_network_last_error(net));
    }
    st = nfm__agree(comm, st, why);
    if (st == NF_OK) {
        const int64_t same[] = {lay.global, pop, n, steps, nq};
        const char *const names[] = {"the batch", "the population", "its size",
                                     "the steps counted", "nq"};
        if (!nfm__same(comm, fn, same, names, 5) ||
            !nfm__same_bytes(comm, fn, "q", q, (size_t)nq * sizeof *q))
            st = NF_ERR_INVALID_ARGUMENT;
    }
    if (st == NF_OK) {
        st = nfm__agree(comm, chain_totals(fn, sums, &lay, n, totals, comm, why), why);
    }
    if (st == NF_OK) {
        char message[NFM_MESSAGE - 64];
        const nf_status done = nf_rate_stats_from_sums(totals, n, lay.global, steps, q, nq, stats,
                                                       rates, message, sizeof message);
        if (done != NF_OK)
            nfm__why(why, done, "%s: %s", fn, message);
        st = nfm__agree(comm, done, why);
    }
    free(sums);
    free(totals);
    return st;
}

/* Collective: the source rates of the whole batch, new rates[*count] (freed by
 * the caller): each rank's rates (nf_energy_source_rates) weighted by its
 * share of the batch and summed over the ranks; NaN (not measured) anywhere
 * stays NaN. */
static nf_status global_rates(const char *fn, nf_network *net, MPI_Comm comm, double **rates,
                              int32_t *count) {
    char why[NFM_MESSAGE] = "";
    nfm_layout lay;
    double *local = NULL;
    *rates = NULL;
    *count = 0;
    nf_status st = nfm__layout(fn, net, comm, &lay, why);
    if (st == NF_OK) {
        nf_energy_source_rates(net, NULL, 0, count); /* the object count */
        local = malloc(((size_t)*count + 1) * sizeof *local);
        *rates = malloc(((size_t)*count + 1) * sizeof **rates);
        if (!local || !*rates)
            st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    if (st == NF_OK) {
        const nf_status got = nf_energy_source_rates(net, local, *count, count);
        if (got != NF_OK)
            st = nfm__why(why, got, "%s: %s", fn, nf_network_last_error(net));
    }
    st = nfm__agree(comm, st, why);
    if (st == NF_OK) {
        const int64_t same[] = {lay.global, *count};
        const char *const names[] = {"the batch", "the network's object count"};
        if (!nfm__same(comm, fn, same, names, 2))
            st = NF_ERR_INVALID_ARGUMENT;
    }
    if (st == NF_OK) {
        /* count / global is 1.0 exactly on one rank: there the rates are the measured ones */
        const double share = (double)lay.count / (double)lay.global;
        for (int32_t id = 0; id < *count; id++)
            local[id] *= share;
        const int rc =
            MPI_Allreduce(local, *rates, *count, MPI_DOUBLE, MPI_SUM, comm);
        if (rc != MPI_SUCCESS)
            nfm__mpi_why(why, rc, fn, "MPI_Allreduce");
        st = nfm__agree(comm, rc == MPI_SUCCESS ? NF_OK : NF_ERR_BACKEND, why);
    }
    free(local);
    if (st != NF_OK) {
        free(*rates);
        *rates = NULL;
    }
    return st;
}

nf_status nf_mpi_energy_estimate(nf_network *net, const char *device,
                                 int64_t steps_per_inference, double dt, double *joules,
                                 MPI_Comm comm) {
    static const char fn[] = "nf_mpi_energy_estimate";
    char why[NFM_MESSAGE] = "";
    double *rates = NULL, e = 0.0;
    int32_t count = 0;
    nf_status st = global_rates(fn, net, comm, &rates, &count);
    if (st != NF_OK)
        return st;
    const nf_status done =
        nf_energy_estimate_rates(net, device, steps_per_inference, dt, rates, count, &e);
    if (done != NF_OK)
        nfm__why(why, done, "%s: %s", fn, nf_network_last_error(net));
    free(rates);
    if ((st = nfm__agree(comm, done, why)) != NF_OK)
        return st;
    if (!nfm__same_bytes(comm, fn, "the estimates (device, steps or dt)", &e, sizeof e))
        return NF_ERR_INVALID_ARGUMENT;
    *joules = e;
    return NF_OK;
}

nf_status nf_mpi_energy_summary(nf_network *net, const char *const *devices, int32_t n_devices,
                                int64_t steps_per_inference, double dt, char *buf,
                                size_t capacity, size_t *needed, MPI_Comm comm) {
    static const char fn[] = "nf_mpi_energy_summary";
    char why[NFM_MESSAGE] = "";
    double *rates = NULL;
    int32_t count = 0;
    size_t need = 0;
    nf_status st = global_rates(fn, net, comm, &rates, &count);
    if (st != NF_OK)
        return st;
    /* the table into a buffer of this layer's first, so that a refusal leaves buf as it was */
    nf_status done = nf_energy_summary_rates(net, devices, n_devices, steps_per_inference, dt,
                                             rates, count, NULL, 0, &need);
    char *table = NULL;
    if (need > 0) {
        table = malloc(need);
        done = table ? nf_energy_summary_rates(net, devices, n_devices, steps_per_inference, dt,
                                               rates, count, table, need, &need)
                     : NF_ERR_OUT_OF_MEMORY;
    }
    free(rates);
    if (done == NF_OK && !buf && capacity > 0)
        done = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: buf is NULL with capacity %zu", fn,
                        capacity);
    else if (done == NF_OK && need > capacity)
        done = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                        "%s: capacity %zu is too small, the table needs %zu bytes", fn, capacity,
                        need);
    else if (done == NF_ERR_OUT_OF_MEMORY && !table)
        nfm__why(why, done, "%s: out of host memory (%zu bytes)", fn, need);
    else if (done != NF_OK)
        nfm__why(why, done, "%s: %s", fn, nf_network_last_error(net));
    if (needed && need > 0)
        *needed = need;
    st = nfm__agree(comm, done, why);
    if (st == NF_OK && !nfm__same_bytes(comm, fn, "the tables (devices, steps or dt)", table,
                                        need))
        st = NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        memcpy(buf, table, need);
    free(table);
    return st;
}
