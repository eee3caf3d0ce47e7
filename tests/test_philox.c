/*
 * The library's Philox4x32-10 stream (kernels/math/philox.h): the raw block
 * function against the published Random123 known-answer vectors; the stream
 * of uniforms and normals against cuRAND's host Philox4_32_10 generator,
 * compared bit for bit over several million draws (seeds, offsets of every
 * residue mod 4, odd counts, counter words past 32 bits) when the build has
 * CUDA, skipped otherwise; and the library's own (multithreaded) draws, seen
 * through a network's initial state, against the header's serial values.
 */
#include <stdlib.h>
#include <string.h>

#include "../kernels/math/philox.h"
#include "common.h"

#if NFT_HAVE_CUDA
#include <curand.h>
#endif

TestSuite(philox, .timeout = 60);

/* The header's values, one block at a time, in order. */
static void ref_uniform(uint64_t seed, uint64_t offset, float *dst, size_t count) {
    for (uint64_t j = 0; j < nf_philox_draw_blocks(offset, count); j++)
        nf_philox_uniform_block(seed, offset, dst, count, j);
}

static void ref_normal(uint64_t seed, uint64_t offset, float *dst, size_t count, float mean,
                       float std) {
    for (uint64_t j = 0; j < nf_philox_draw_blocks(offset, count); j++)
        nf_philox_normal_block(seed, offset, dst, count, mean, std, j);
}

/* Asserts the two arrays equal bit for bit, naming the first difference. */
static void assert_bits_equal(const float *want, const float *got, size_t count,
                              const char *what, uint64_t seed, uint64_t offset) {
    if (memcmp(want, got, count * sizeof *got) == 0)
        return;
    size_t i = 0;
    while (memcmp(&want[i], &got[i], sizeof *got) == 0)
        i++;
    cr_assert_fail("%s (seed %llu, offset %llu, count %zu): value %zu is %a, expected %a", what,
                   (unsigned long long)seed, (unsigned long long)offset, count, i,
                   (double)got[i], (double)want[i]);
}

// --- the block function

Test(philox, block_function_matches_random123_known_answers) {
    /* Random123's kat_vectors for philox4x32 with 10 rounds: counter, key, result. */
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
        {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
         {0xffffffffu, 0xffffffffu},
         {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
        {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
         {0xa4093822u, 0x299f31d0u},
         {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
    };
    for (size_t k = 0; k < sizeof kat / sizeof *kat; k++) {
        uint32_t out[4];
        nf_philox4x32_10(kat[k].ctr, kat[k].key, out);
        for (int w = 0; w < 4; w++)
            cr_assert_eq(out[w], kat[k].out[w], "vector %zu word %d: %08x, expected %08x", k, w,
                         out[w], kat[k].out[w]);
    }
}

Test(philox, stream_positions_follow_the_documented_counter_layout) {
    /* Block b = 65536 * 3 + 5 of seed 0x0000000100000002: counter (3, 0, 5, 0), key (2, 1). */
    const uint64_t seed = UINT64_C(0x0000000100000002), b = 65536u * 3u + 5u;
    const uint32_t ctr[4] = {3, 0, 5, 0}, key[2] = {2, 1};
    uint32_t want[4], got[4];
    nf_philox4x32_10(ctr, key, want);
    nf_philox_stream_block(seed, b, got);
    cr_assert(memcmp(want, got, sizeof got) == 0);
    /* Past 2^48 blocks the major count reaches counter word 1. */
    const uint32_t ctr_hi[4] = {7, 1, 9, 0};
    nf_philox4x32_10(ctr_hi, key, want);
    nf_philox_stream_block(seed, (UINT64_C(1) << 48) + 7u * 65536u + 9u, got);
    cr_assert(memcmp(want, got, sizeof got) == 0);
    /* A draw from offset 4b + 3 starts with word 3 of block b. */
    float u[2];
    ref_uniform(seed, 4 * b + 3, u, 2);
    nf_philox_stream_block(seed, b, got);
    cr_assert_eq(u[0], nf_philox_uniform_float(got[3]));
    nf_philox_stream_block(seed, b + 1, got);
    cr_assert_eq(u[1], nf_philox_uniform_float(got[0]));
    /* Uniforms lie in (0, 1]; the largest words round up to exactly 1. */
    cr_assert_eq(nf_philox_uniform_float(0), 0x1p-33f);
    cr_assert_eq(nf_philox_uniform_float(0xffffffffu), 1.0f);
}

// --- the stream against cuRAND's host generator

#if NFT_HAVE_CUDA
/* The draws compared: every seed with every (offset, count). */
static const uint64_t seeds[] = {0u, 1u, UINT64_C(0x100000000), UINT64_C(0x123456789abcdef0),
                                 UINT64_MAX};
static const struct {
    uint64_t offset;
    size_t count;
} draws[] = {
    {0, 1},
    {0, 2},
    {1, 3},
    {2, 7},
    {3, 4097},
    {5, 65539},
    {262143, 262150},                /* across the first wrap of the subsequence index */
    {4 * 65536 * 7 + 2, 100001},
    {UINT64_C(1000000000003), 33335},
    {(UINT64_C(1) << 50) + 1, 4099}, /* counter word 1 nonzero */
    {UINT64_MAX - 5, 11},            /* positions past 2^64 go on counting */
    {1, 1000003},
};
#define DRAW_COUNT (sizeof draws / sizeof *draws)

static size_t largest_draw(void) {
    size_t n = 0;
    for (size_t k = 0; k < DRAW_COUNT; k++)
        n = draws[k].count > n ? draws[k].count : n;
    return n;
}

static curandGenerator_t host_generator(void) {
    curandGenerator_t g;
    cr_assert_eq(curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10),
                 CURAND_STATUS_SUCCESS);
    return g;
}

static void curand_position(curandGenerator_t g, uint64_t seed, uint64_t offset) {
    cr_assert_eq(curandSetPseudoRandomGeneratorSeed(g, seed), CURAND_STATUS_SUCCESS);
    cr_assert_eq(curandSetGeneratorOffset(g, offset), CURAND_STATUS_SUCCESS);
}
#endif

Test(philox, uniforms_equal_curand_host_generator_bit_for_bit) {
#if NFT_HAVE_CUDA
    curandGenerator_t g = host_generator();
    const size_t cap = largest_draw();
    float *want = nft_alloc(cap, sizeof(float)), *got = nft_alloc(cap, sizeof(float));
    size_t total = 0;
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++)
        for (size_t k = 0; k < DRAW_COUNT; k++) {
            curand_position(g, seeds[s], draws[k].offset);
            cr_assert_eq(curandGenerateUniform(g, want, draws[k].count), CURAND_STATUS_SUCCESS);
            ref_uniform(seeds[s], draws[k].offset, got, draws[k].count);
            assert_bits_equal(want, got, draws[k].count, "uniform", seeds[s], draws[k].offset);
            total += draws[k].count;
        }
    cr_assert_gt(total, 5000000u);
    curandDestroyGenerator(g);
    free(want);
    free(got);
#else
    cr_skip_test("built without CUDA: no cuRAND to compare with");
#endif
}

Test(philox, normals_equal_curand_host_generator_bit_for_bit) {
#if NFT_HAVE_CUDA
    static const float params[][2] = {{0.0f, 1.0f}, {0.25f, 1.7f}, {-3.0f, 0.01f}};
    curandGenerator_t g = host_generator();
    const size_t cap = largest_draw();
    float *want = nft_alloc(cap, sizeof(float)), *got = nft_alloc(cap, sizeof(float));
    size_t total = 0;
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++)
        for (size_t k = 0; k < DRAW_COUNT; k++) {
            const float mean = params[(s + k) % 3][0], std = params[(s + k) % 3][1];
            curand_position(g, seeds[s], draws[k].offset);
            cr_assert_eq(curandGenerateNormal(g, want, draws[k].count, mean, std),
                         CURAND_STATUS_SUCCESS);
            ref_normal(seeds[s], draws[k].offset, got, draws[k].count, mean, std);
            assert_bits_equal(want, got, draws[k].count, "normal", seeds[s], draws[k].offset);
            total += draws[k].count;
        }
    cr_assert_gt(total, 5000000u);
    curandDestroyGenerator(g);
    free(want);
    free(got);
#else
    cr_skip_test("built without CUDA: no cuRAND to compare with");
#endif
}

// --- the library's draws

/* A LIF population's initial voltages are 1 - u (lo 0, hi 1) of the draw at
 * offset 0; a leaky-rate population's x, drawn next, is std * z from the
 * next free position. Large enough that the CPU backend splits them over
 * threads, with odd counts. */
Test(philox, network_draws_equal_the_stream_on_the_cpu_backend) {
    const uint64_t seed = UINT64_C(0xfeedfacecafebeef);
    const int32_t n = 1 << 19, batch = 3; /* 1.5 million values each */
    const size_t count = (size_t)n * batch;
    const float std = 1.25f;
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, batch, seed);
    int32_t lif, leaky;
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, n + 1);
    NFT_OK(net, nf_population_add(net, &d, &lif));
    d = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    d.x_init_scale = std;
    NFT_OK(net, nf_population_add(net, &d, &leaky));

    const size_t lif_count = count + batch;
    float *got = nft_alloc(lif_count, sizeof(float)), *want = nft_alloc(lif_count, sizeof(float));
    NFT_OK(net, nf_population_get_state(net, lif, NF_STATE_VOLTAGE, got));
    ref_uniform(seed, 0, want, lif_count);
    for (size_t i = 0; i < lif_count; i++)
        want[i] = 0.0f + (1.0f - 0.0f) * (1.0f - want[i]);
    assert_bits_equal(want, got, lif_count, "LIF initial voltage", seed, 0);

    const uint64_t next = (lif_count + 3) / 4 * 4;
    NFT_OK(net, nf_population_get_state(net, leaky, NF_STATE_X, got));
    ref_normal(seed, next, want, count, 0.0f, std);
    assert_bits_equal(want, got, count, "leaky-rate initial x", seed, next);
#if NFT_HAVE_CUDA
    curandGenerator_t g = host_generator();
    curand_position(g, seed, next);
    cr_assert_eq(curandGenerateNormal(g, want, count, 0.0f, std), CURAND_STATUS_SUCCESS);
    assert_bits_equal(want, got, count, "leaky-rate initial x vs cuRAND", seed, next);
    curandDestroyGenerator(g);
#endif
    nf_network_destroy(net);
    free(got);
    free(want);
}
