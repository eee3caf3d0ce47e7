/*
 * A learner's P: finding a learner by id, P's initial value I/alpha (every
 * P_i of a MASKED learner) and the caller's copies in and out, float or double whatever the storage
 * (widened or rounded on the way), and bringing P up to date with an update
 * the CPU still owes it (nf__learner_settle). Layout: [copies][n][n], or MASKED
 * [copies][sum K_i^2] with the K_i x K_i blocks row after row.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t nf__learner_p_size(const nf_learner *l) { return l->f64 ? sizeof(double) : sizeof(float); }

/* Runs the trailing statement for every symmetric block of one copy of P, with
 * off its first value and size its side. */
#define FOR_EACH_BLOCK(l, off, size, ...)                                                   \
    do {                                                                                     \
        const bool masked_ = (l)->desc.kind == NF_LEARNER_MASKED;                            \
        const int32_t blocks_ = masked_ ? (l)->rows : 1;                                     \
        int64_t off = 0;                                                                     \
        for (int32_t blk_ = 0; blk_ < blocks_; blk_++) {                                     \
            const int32_t size = masked_ ? (l)->h_row_ptr[blk_ + 1] - (l)->h_row_ptr[blk_]    \
                                         : (l)->n;                                           \
            __VA_ARGS__;                                                                     \
            off += (int64_t)size * size;                                                     \
        }                                                                                    \
    } while (0)

nf_status nf__learner_p_identity(nf_network *net, nf_learner *l) {
    const size_t psize = nf__learner_p_size(l), count = (size_t)l->p_count;
    char *host = calloc(count ? count : 1, psize);
    if (!host)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_learner_add: out of host memory");
    const double v = 1.0 / (double)l->desc.alpha;
    FOR_EACH_BLOCK(l, off, size, {
        for (int32_t i = 0; i < size; i++) {
            const size_t at = (size_t)off + (size_t)i * size + i;
            if (l->f64)
                ((double *)host)[at] = v;
            else
                ((float *)host)[at] = (float)v;
        }
    });
    nf_status st = NF_OK;
    for (int32_t c = 0; c < l->copies && st == NF_OK; c++)
        st = nf__upload(net, (char *)l->p + (size_t)c * count * psize, host, count * psize);
    free(host);
    return st;
}

nf_status nf_learner_p_count(const nf_network *net, int32_t learner, int64_t *count) {
    NF_ENTER(net);
    nf_learner *l = NULL;
    nf_network *mnet = (nf_network *)net; /* only the error message changes */
    nf_status st = net ? nf__learner_find(mnet, "nf_learner_p_count", learner, &l)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    if (!count)
        return nf__fail(mnet, NF_ERR_INVALID_ARGUMENT, "nf_learner_p_count: count must not be "
                                                       "NULL");
    *count = (int64_t)l->copies * l->p_count;
    return NF_OK;
}

/* Widens float to double (to64) or rounds double to float, count values. */
static void convert_p(void *dst, const void *src, size_t count, bool to64) {
    for (size_t i = 0; i < count; i++) {
        if (to64)
            ((double *)dst)[i] = ((const float *)src)[i];
        else
            ((float *)dst)[i] = (float)((const double *)src)[i];
    }
}

/* Copies every block's upper triangle onto its lower one, in dst (float or
 * double). The upper triangle is what the RLS kernels keep up to date (the
 * CPU's updates write nothing else; CUDA's keep both halves equal). */
static void mirror_upper(const nf_learner *l, void *dst, bool f64) {
    for (int32_t c = 0; c < l->copies; c++) {
        const size_t base = (size_t)c * l->p_count;
        FOR_EACH_BLOCK(l, off, size, {
            for (int32_t i = 1; i < size; i++)
                for (int32_t j = 0; j < i; j++) {
                    const size_t lo = base + off + (size_t)i * size + j;
                    const size_t up = base + off + (size_t)j * size + i;
                    if (f64)
                        ((double *)dst)[lo] = ((const double *)dst)[up];
                    else
                        ((float *)dst)[lo] = ((const float *)dst)[up];
                }
        });
    }
}

nf_status nf__learner_settle(nf_network *net, nf_learner *l, bool apply) {
    if (!l->owed)
        return NF_OK;
    nf_status st = net->be->rls_settle(net->ctx, l->p, l->owed, l->n, l->copies, l->f64, apply);
    return st == NF_OK ? NF_OK : nf__backend_fail(net, st, "settling P");
}

nf_status nf__learners_settle(nf_network *net) {
    nf_status st = NF_OK;
    for (int32_t i = 0; i < net->learners.count && st == NF_OK; i++)
        st = nf__learner_settle(net, &net->learners.items[i], true);
    return st;
}

nf_status nf__learner_get_p(nf_network *net, const char *fn, int32_t learner, void *dst,
                            bool want64) {
    nf_learner *l = NULL;
    nf_status st = net ? nf__learner_find(net, fn, learner, &l) : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        st = nf__learner_settle(net, l, true);
    if (st != NF_OK)
        return st;
    REQUIRE(dst, "%s: p must not be NULL", fn);
    const size_t count = (size_t)l->copies * l->p_count, psize = nf__learner_p_size(l);
    if (want64 == l->f64) {
        st = nf__download(net, dst, l->p, count * psize);
    } else {
        void *tmp = malloc(count * psize + 1);
        if (!tmp)
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        if ((st = nf__download(net, tmp, l->p, count * psize)) == NF_OK)
            convert_p(dst, tmp, count, want64);
        free(tmp);
    }
    if (st == NF_OK)
        mirror_upper(l, dst, want64);
    return st;
}

nf_status nf_learner_get_p(nf_network *net, int32_t learner, float *p) {
    NF_ENTER(net);
    return nf__learner_get_p(net, "nf_learner_get_p", learner, p, false);
}

nf_status nf_learner_get_p_f64(nf_network *net, int32_t learner, double *p) {
    NF_ENTER(net);
    return nf__learner_get_p(net, "nf_learner_get_p_f64", learner, p, true);
}

static double value_at(const void *p, bool f64, size_t i) {
    return f64 ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

/* Refuses non-finite or non-symmetric values of v (in P's storage type). */
static nf_status check_p(nf_network *net, const char *fn, const nf_learner *l, const void *v) {
    const size_t count = (size_t)l->copies * l->p_count;
    for (size_t i = 0; i < count; i++)
        REQUIRE(isfinite(value_at(v, l->f64, i)),
                "%s: p[%zu] must be finite (in P's precision), got %g", fn, i,
                value_at(v, l->f64, i));
    for (int32_t c = 0; c < l->copies; c++) {
        const size_t base = (size_t)c * l->p_count;
        FOR_EACH_BLOCK(l, off, size, {
            for (int32_t i = 0; i < size; i++)
                for (int32_t j = 0; j < i; j++) {
                    const size_t a = base + off + (size_t)i * size + j;
                    const size_t b = base + off + (size_t)j * size + i;
                    REQUIRE(value_at(v, l->f64, a) == value_at(v, l->f64, b),
                            "%s: p must be symmetric, copy %d block %d has [%d][%d] = %g != "
                            "[%d][%d] = %g", fn, c, blk_, i, j, value_at(v, l->f64, a), j, i,
                            value_at(v, l->f64, b));
                }
        });
    }
    return NF_OK;
}

/* Copies src (double when from64, else float) into P. */
static nf_status set_p(nf_network *net, const char *fn, int32_t learner, const void *src,
                       bool from64) {
    nf_learner *l = NULL;
    nf_status st = net ? nf__learner_find(net, fn, learner, &l) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    REQUIRE(src, "%s: p must not be NULL", fn);
    const size_t count = (size_t)l->copies * l->p_count, psize = nf__learner_p_size(l);
    void *tmp = NULL;
    if (from64 != l->f64) {
        if (!(tmp = malloc(count * psize + 1)))
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        convert_p(tmp, src, count, l->f64);
    }
    const void *v = tmp ? tmp : src;
    if ((st = check_p(net, fn, l, v)) == NF_OK)
        st = nf__learner_settle(net, l, false);
    if (st == NF_OK)
        st = nf__upload(net, l->p, v, count * psize);
    free(tmp);
    return st;
}

nf_status nf_learner_set_p(nf_network *net, int32_t learner, const float *p) {
    NF_ENTER(net);
    return set_p(net, "nf_learner_set_p", learner, p, false);
}

nf_status nf_learner_set_p_f64(nf_network *net, int32_t learner, const double *p) {
    NF_ENTER(net);
    return set_p(net, "nf_learner_set_p_f64", learner, p, true);
}

nf_status nf__learner_find(nf_network *net, const char *fn, int32_t learner, nf_learner **out) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "learner", learner, NF_OBJ_LEARNER, &o);
    if (st == NF_OK)
        *out = &net->learners.items[o->index];
    return st;
}
