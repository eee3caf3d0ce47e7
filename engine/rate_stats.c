/*
 * Firing-rate statistics. A population with statistics on keeps a backend
 * accumulator abs_sum[b][i] += |out[b][i]| that its fused step updates
 * (nf_pop_step_args.abs_sum; no cost when off); a sequence layer sums |out|
 * in the same pass. Neuron i's rate is
 *   rate_i = sum_b abs_sum[b][i] / (batch * steps)
 * (Hz when the output is spikes of height 1/dt), and the statistics are the
 * mean, min, max and linearly interpolated percentiles of rate_i over i:
 *   p(q) = r_(k) + f (r_(k+1) - r_(k)), k + f = q/100 (n - 1), r sorted.
 * The rule is here once: nf_rate_stats_from_sums applies it to sums over the
 * batch added up elsewhere (neurofuse_mpi: over the ranks).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequence_layer.h"

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Checks the percentile request; writes the reason into why. */
static bool bad_request(const double *q, int32_t nq, const void *stats, char *why, size_t cap,
                        const char *fn) {
    if (!stats) {
        snprintf(why, cap, "%s: stats must not be NULL", fn);
        return true;
    }
    if (nq < 0 || nq > NF_RATE_STATS_MAX_PERCENTILES || (nq > 0 && !q)) {
        snprintf(why, cap, "%s: nq must be in 0..%d with q not NULL, got %d (q %s)", fn,
                 NF_RATE_STATS_MAX_PERCENTILES, nq, q ? "given" : "NULL");
        return true;
    }
    for (int32_t i = 0; i < nq; i++)
        if (!(q[i] >= 0.0 && q[i] <= 100.0)) {
            snprintf(why, cap, "%s: q[%d] must be in [0, 100], got %g", fn, i, q[i]);
            return true;
        }
    return false;
}

/* The statistics from per-neuron sums totals[n] over `batch` elements and
 * `steps` steps (checked by the callers); false when out of memory. */
static bool from_totals(const double *totals, int32_t n, int32_t batch, int64_t steps,
                        const double *q, int32_t nq, nf_rate_stats *stats, float *rates) {
    double *r = malloc((size_t)n * sizeof *r);
    if (!r)
        return false;
    memset(stats, 0, sizeof *stats);
    stats->steps = steps;
    stats->neurons = n;
    stats->n_percentiles = nq;
    const double scale = 1.0 / ((double)batch * (double)steps);
    double total = 0.0;
    for (int32_t i = 0; i < n; i++) {
        r[i] = totals[i] * scale;
        total += r[i];
        if (rates)
            rates[i] = (float)r[i];
    }
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    stats->mean = total / n;
    stats->min = r[0];
    stats->max = r[n - 1];
    for (int32_t k = 0; k < nq; k++) {
        const double pos = q[k] / 100.0 * (n - 1);
        const int32_t lo = (int32_t)floor(pos);
        const int32_t hi = lo + 1 < n ? lo + 1 : lo;
        stats->percentile[k] = r[lo] + (pos - lo) * (r[hi] - r[lo]);
    }
    free(r);
    return true;
}

/* The statistics from host sums [batch][n], summed over the batch in element
 * order (nf_rate_stats_from_sums gets the same bits from totals summed so);
 * false when out of memory. */
static bool compute(const double *sums, int32_t batch, int32_t n, int64_t steps, const double *q,
                    int32_t nq, nf_rate_stats *stats, float *rates) {
    double *totals = malloc((size_t)n * sizeof *totals);
    if (!totals)
        return false;
    for (int32_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int32_t b = 0; b < batch; b++)
            s += sums[(size_t)b * n + i];
        totals[i] = s;
    }
    const bool ok = from_totals(totals, n, batch, steps, q, nq, stats, rates);
    free(totals);
    return ok;
}

nf_status nf_rate_stats_from_sums(const double *totals, int32_t n, int32_t batch, int64_t steps,
                                  const double *q, int32_t nq, nf_rate_stats *stats,
                                  float *rates, char *message, size_t capacity) {
    static const char fn[] = "nf_rate_stats_from_sums";
    char why[256] = "";
    nf_status st = NF_ERR_INVALID_ARGUMENT;
    if (!bad_request(q, nq, stats, why, sizeof why, fn)) {
        if (!totals || n < 1 || batch < 1 || steps < 1)
            snprintf(why, sizeof why,
                     "%s: totals must not be NULL and n, batch, steps must be >= 1, got totals "
                     "%s, n %d, batch %d, steps %lld",
                     fn, totals ? "given" : "NULL", n, batch, (long long)steps);
        else if (from_totals(totals, n, batch, steps, q, nq, stats, rates))
            st = NF_OK;
        else {
            snprintf(why, sizeof why, "%s: out of host memory", fn);
            st = NF_ERR_OUT_OF_MEMORY;
        }
    }
    if (message && capacity)
        snprintf(message, capacity, "%s", why);
    return st;
}

/* Downloads backend sums [batch][n] and computes; errors through the callback's target. */
static nf_status from_backend(const nf_backend_i *be, nf_backend_ctx *ctx, const double *dev,
                              int32_t batch, int32_t n, int64_t steps, const double *q,
                              int32_t nq, nf_rate_stats *stats, float *rates) {
    const size_t count = (size_t)batch * n;
    double *host = malloc(count * sizeof *host);
    if (!host)
        return NF_ERR_OUT_OF_MEMORY;
    nf_status st = be->download(ctx, host, dev, count * sizeof *host);
    if (st == NF_OK && !compute(host, batch, n, steps, q, nq, stats, rates))
        st = NF_ERR_OUT_OF_MEMORY;
    free(host);
    return st;
}

// --- populations

nf_status nf__rate_stats_restart(nf_network *net, nf_population *p) {
    p->rate_from = 0;
    if (!p->abs_sum)
        return NF_OK;
    /* zero bits are 0.0 in either type: the doubles are filled as twice as many floats */
    return nf__fill(net, (float *)p->abs_sum, 0.0f, 2 * (size_t)net->desc.batch * p->desc.n);
}

/* The population `pop` of net (NF_ERR_INVALID_ARGUMENT for a NULL net). */
static nf_status find_pop(nf_network *net, const char *fn, int32_t pop, nf_population **p) {
    nf_object *o;
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_status st = nf__lookup(net, fn, "pop", pop, NF_OBJ_POPULATION, &o);
    if (st == NF_OK)
        *p = &net->pops.items[o->index];
    return st;
}

nf_status nf_population_rate_stats_enable(nf_network *net, int32_t pop, int32_t enabled) {
    NF_ENTER(net);
    static const char fn[] = "nf_population_rate_stats_enable";
    nf_population *p;
    nf_status st = find_pop(net, fn, pop, &p);
    if (st != NF_OK)
        return st;
    nf__guard_free(net); /* the run checks' state table lists the sums */
    if (!enabled) {
        nf__free(net, p->abs_sum);
        p->abs_sum = NULL;
        return NF_OK;
    }
    if (!p->abs_sum) {
        void *buf;
        st = nf__alloc_bytes(net, (size_t)net->desc.batch * p->desc.n * sizeof(double), &buf);
        if (st != NF_OK)
            return st;
        p->abs_sum = buf; /* zeroed by the allocation */
    } else if ((st = nf__rate_stats_restart(net, p)) != NF_OK) {
        return st;
    }
    p->rate_from = net->step;
    return NF_OK;
}

/* The steps a population's statistics counted; NF_ERR_STATE (naming fn) when
 * counting is off or no step ran. */
static nf_status counted_steps(nf_network *net, const char *fn, int32_t pop,
                               const nf_population *p, int64_t *steps) {
    *steps = net->step - p->rate_from;
    if (!p->abs_sum || *steps < 1)
        return nf__fail(net, NF_ERR_STATE,
                        "%s: population %d has %s (nf_population_rate_stats_enable, then run)",
                        fn, pop, p->abs_sum ? "counted no step yet" : "no rate statistics");
    return NF_OK;
}

/* nf_population_rate_stats without entering a call (errors name fn). */
static nf_status rate_stats(nf_network *net, const char *fn, int32_t pop, const double *q,
                            int32_t nq, nf_rate_stats *stats, float *rates) {
    nf_population *p;
    nf_status st;
    if ((st = find_pop(net, fn, pop, &p)) != NF_OK)
        return st;
    char why[256];
    if (bad_request(q, nq, stats, why, sizeof why, fn))
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT, "%s", why);
    int64_t steps = 0;
    if ((st = counted_steps(net, fn, pop, p, &steps)) != NF_OK)
        return st;
    st = from_backend(net->be, net->ctx, p->abs_sum, net->desc.batch, p->desc.n, steps, q, nq,
                      stats, rates);
    if (st == NF_ERR_OUT_OF_MEMORY)
        return nf__fail(net, st, "%s: out of host memory", fn);
    return st == NF_OK ? st : nf__backend_fail(net, st, "summing rates");
}

nf_status nf_population_rate_stats(nf_network *net, int32_t pop, const double *q, int32_t nq,
                                   nf_rate_stats *stats, float *rates) {
    NF_ENTER(net);
    return net ? rate_stats(net, "nf_population_rate_stats", pop, q, nq, stats, rates)
               : NF_ERR_INVALID_ARGUMENT;
}

nf_status nf_population_rate_sums(nf_network *net, int32_t pop, double *sums, size_t capacity,
                                  int64_t *steps) {
    NF_ENTER(net);
    static const char fn[] = "nf_population_rate_sums";
    nf_population *p;
    nf_status st = find_pop(net, fn, pop, &p);
    if (st != NF_OK)
        return st;
    const size_t count = (size_t)net->desc.batch * p->desc.n;
    REQUIRE(sums && steps, "%s: sums and steps must not be NULL", fn);
    REQUIRE(capacity >= count, "%s: sums holds %zu doubles, the population's [%d][%d] need %zu",
            fn, capacity, net->desc.batch, p->desc.n, count);
    int64_t counted = 0;
    if ((st = counted_steps(net, fn, pop, p, &counted)) != NF_OK)
        return st;
    if ((st = nf__download(net, sums, p->abs_sum, count * sizeof *sums)) != NF_OK)
        return st;
    *steps = counted;
    return NF_OK;
}

/* The measured mean rate of a population (for energy.c); NF_ERR_STATE when none. */
nf_status nf__population_mean_rate(nf_network *net, int32_t pop, double *rate) {
    nf_rate_stats s;
    nf_status st = rate_stats(net, net->api, pop, NULL, 0, &s, NULL);
    if (st == NF_OK)
        *rate = s.mean;
    return st;
}

// --- layers

nf_status nf_layer_rate_stats(nf_layer *layer, const double *q, int32_t nq, nf_rate_stats *stats,
                              float *rates) {
    static const char fn[] = "nf_layer_rate_stats";
    if (!layer)
        return NF_ERR_INVALID_ARGUMENT;
    layer->api = fn;
    char why[256];
    if (bad_request(q, nq, stats, why, sizeof why, fn))
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT, "%s", why);
    if (!layer->desc.rate_stats || layer->stats_steps < 1 || !layer->abs_sum)
        return nf__layer_fail(layer, NF_ERR_STATE, "%s: %s", fn,
                              layer->desc.rate_stats
                                  ? "no apply has completed yet"
                                  : "the layer was created without rate_stats");
    nf_status st = from_backend(layer->be, layer->ctx, layer->abs_sum, layer->stats_batch,
                                layer->desc.units, layer->stats_steps, q, nq, stats, rates);
    if (st == NF_ERR_OUT_OF_MEMORY)
        return nf__layer_fail(layer, st, "%s: out of host memory", fn);
    if (st != NF_OK)
        return nf__layer_fail(layer, st, "%s: backend %s: %s", fn, layer->be->name,
                              layer->be->last_error(layer->ctx));
    return NF_OK;
}
