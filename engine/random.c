/*
 * Random draws from the network seed. The stream is the library's
 * Philox4x32-10 for `seed` (kernels/math/philox.h), equal bit for bit to the
 * stream of cuRAND's Philox4_32_10 host generator. Draws take stream
 * positions in the order objects are created (a population's initial state,
 * a connection's generated weights, a readout's initial z), each draw of
 * `count` values taking the next ceil(count / 4) * 4 positions. Uniform draws
 * u in (0, 1] become lo + (hi - lo)(1 - u), so they lie in [lo, hi). Normals
 * come in pairs (two stream positions); a draw of an odd count ends with the
 * first value of its last pair.
 *
 * Batch windows (nf_network_create_window): a draw of per-batch-element values
 * [batch][k] is keyed by the global element, element g of the whole batch
 * always at positions offset + g k .. offset + (g + 1) k, and it takes the
 * whole batch's span, so a window of elements [first, first + count) draws
 * positions offset + first k .. offset + (first + count) k and every later
 * object's offset is the same in every window. Uniforms depend only on their
 * position and normals pair positions 2j and 2j + 1 by absolute position
 * (kernels/math/philox.h), so a sub-range equals that part of the whole draw.
 */
#include "internal.h"

uint64_t nf__rng_span(size_t count) { return ((uint64_t)count + 3u) & ~(uint64_t)3u; }

nf_status nf__draw_uniform(nf_network *net, uint64_t offset, float *dst, size_t count, float lo,
                           float hi) {
    nf_status st = net->be->rng_uniform(net->ctx, net->desc.seed, offset, dst, count);
    if (st == NF_OK)
        st = net->be->affine_flip(net->ctx, dst, count, lo, hi);
    return st == NF_OK ? st : nf__backend_fail(net, st, "drawing uniform numbers");
}

nf_status nf__draw_normal(nf_network *net, uint64_t offset, float *dst, size_t count,
                          float std) {
    nf_status st = net->be->rng_normal(net->ctx, net->desc.seed, offset, dst, count, 0.0f, std);
    return st == NF_OK ? st : nf__backend_fail(net, st, "drawing normal numbers");
}

/* Where a window's part of a per-batch draw of k values per element begins. */
static uint64_t window_offset(const nf_network *net, uint64_t offset, size_t per_element) {
    return offset + (uint64_t)net->batch_first * per_element;
}

uint64_t nf__rng_span_batched(const nf_network *net, size_t per_element) {
    return nf__rng_span((size_t)net->batch_global * per_element);
}

nf_status nf__draw_uniform_batched(nf_network *net, uint64_t offset, float *dst,
                                   size_t per_element, float lo, float hi) {
    return nf__draw_uniform(net, window_offset(net, offset, per_element), dst,
                            (size_t)net->desc.batch * per_element, lo, hi);
}

nf_status nf__draw_normal_batched(nf_network *net, uint64_t offset, float *dst,
                                  size_t per_element, float std) {
    return nf__draw_normal(net, window_offset(net, offset, per_element), dst,
                           (size_t)net->desc.batch * per_element, std);
}
