/*
 * Shared test helpers: the backend parameterisation every behavioural test
 * uses (CPU always; CUDA skipped with a reason where no device is usable),
 * network construction that asserts success, and float comparisons
 * |ref - x| <= atol + rtol |ref| in the llm.c style.
 */
#ifndef NFT_COMMON_H
#define NFT_COMMON_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"

/* Defines a test run once per backend; the body sees `nf_backend backend`. */
#define NFT_BACKEND_TEST(suite, name, ...)                                              \
    ParameterizedTestParameters(suite, name) {                                          \
        static nf_backend nft_backends_[] = {NF_BACKEND_CPU, NF_BACKEND_CUDA};          \
        return cr_make_param_array(nf_backend, nft_backends_, 2);                       \
    }                                                                                   \
    static void nft_body_##suite##_##name(nf_backend backend);                          \
    ParameterizedTest(nf_backend *nft_param_, suite, name, __VA_ARGS__) {              \
        nft_require_backend(*nft_param_);                                               \
        nft_body_##suite##_##name(*nft_param_);                                         \
    }                                                                                   \
    static void nft_body_##suite##_##name(nf_backend backend)

/* Skips the current test (Criterion skip, with the reason) when b is unusable. */
void nft_require_backend(nf_backend b);

/* Creates a network on backend b; fails the test (with the message) if it cannot. */
nf_network *nft_network(nf_backend b, double dt, int32_t batch, uint64_t seed);

/* Asserts st == NF_OK, printing the network's last error otherwise. */
#define NFT_OK(net, call)                                                                 \
    do {                                                                                  \
        nf_status nft_st_ = (call);                                                       \
        cr_assert_eq(nft_st_, NF_OK, "%s -> %s: %s", #call, nf_status_string(nft_st_),    \
                     (net) ? nf_network_last_error(net) : "(no network)");                \
    } while (0)

/* Tolerances for float32 results. */
#define NFT_RTOL 1e-5
#define NFT_ATOL 1e-6

/* 1 when |ref - x| <= atol + rtol |ref|. */
int nft_close(double ref, double x, double rtol, double atol);

/* Asserts every element close; reports the first offender and the seed-free index. */
void nft_assert_all_close(const float *ref, const float *x, size_t n, double rtol, double atol,
                          const char *what);

/* Asserts every element bit-identical. */
void nft_assert_all_equal(const float *ref, const float *x, size_t n, const char *what);

/* Reads exactly `rows` rows of `row_size` floats from a probe into a new
 * buffer (free it); fails the test if the probe holds another count. */
float *nft_probe_take(nf_network *net, int32_t probe, int64_t rows, int64_t row_size);

/* A readout learner on given presynaptic rates: input rows r [T][batch][n]
 * (>= 0) drive a RELU population through an identity connection, so its
 * output is r; a readout of dim 1 learns target f [T][batch] with `alpha` and
 * P in `precision`; runs the T steps. */
void nft_readout_rls_on_rows(nf_network *net, int32_t n, int64_t T, const float *r,
                             const float *f, float alpha, nf_precision precision,
                             int32_t *readout, int32_t *learner);

/* calloc that fails the test on failure. */
void *nft_alloc(size_t count, size_t size);

#endif /* NFT_COMMON_H */
