/*
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as
 * easy as 1, 2, 3", SC 2011) and the library's random stream built on it,
 * which is, bit for bit, the stream of cuRAND's host generator
 * CURAND_RNG_PSEUDO_PHILOX4_32_10 (default ordering) after
 * curandSetPseudoRandomGeneratorSeed(seed) and curandSetGeneratorOffset(offset):
 * curandGenerateUniform and curandGenerateNormal(mean, std) give the same
 * floats for any seed, offset and count. The layout below was found by
 * comparing with that generator and is checked by tests/test_philox.c.
 *
 * Stream layout. The key is the 64-bit seed: key word 0 its low 32 bits,
 * word 1 its high 32 bits. Output i of a draw from `offset` is stream
 * position q = offset + i (not wrapped at 2^64). Position q is word q % 4 of the four words Philox
 * gives for block b = q / 4, whose 128-bit counter is
 *   (word 0, 1) = b / 65536 as a 64-bit number (low word first),
 *   word 2      = b % 65536,
 *   word 3      = 0
 * (cuRAND lays its stream out as 65536 subsequences, counter words 2..3, each
 * advancing counter words 0..1, taken one block from each in turn).
 *
 * Uniform floats: u = (float)x * 2^-32 + 2^-33, in float arithmetic, for the
 * 32-bit word x at the position (so u is in (0, 1]; the product is exact, so
 * the only rounding is in (float)x and the sum).
 *
 * Normal floats: positions 2k and 2k + 1 form a pair (x, y) whatever the
 * offset's parity; a draw from an odd offset starts with the second value of
 * a pair. Box-Muller in float arithmetic with the C library's functions:
 *   r = sqrtf(-2 logf(u(x))),  a = (float)y * (2 pi 2^-32) + (2 pi 2^-33),
 *   position 2k: r sinf(a), position 2k + 1: r cosf(a),
 * where 2 pi is the float 6.2831855f, and the value is z * std + mean, the
 * product rounded before the sum (never fused: host code that includes this
 * must be compiled without floating-point contraction, as ISO C mode is).
 * cuRAND's host generator calls the C library's logf, sincosf and sqrtf, so
 * the two agree wherever sinf and cosf equal sincosf (glibc 2.36: checked for
 * every angle a can take). A device's logf and sinf round differently, so the
 * normal functions are host-only (the CUDA backend draws normals on the host
 * and uploads them); uniforms are exact integer-to-float arithmetic and run
 * on either side.
 */
#ifndef NF_MATH_PHILOX_H
#define NF_MATH_PHILOX_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "hd.h"

/* The round multipliers and the key schedule's Weyl increments. */
#define NF_PHILOX_M0 0xD2511F53u
#define NF_PHILOX_M1 0xCD9E8D57u
#define NF_PHILOX_W0 0x9E3779B9u
#define NF_PHILOX_W1 0xBB67AE85u

/* Stream block b is block b / 65536 of cuRAND's subsequence b % 65536. */
#define NF_PHILOX_SUBSEQUENCES 65536u

/* Philox4x32 with 10 rounds: out = the bijection of ctr under key. Each round
 * multiplies words 0 and 2 by M0 and M1 (64-bit products split in high and
 * low halves), mixes the high halves with words 1 and 3 and the key, and
 * permutes; the key advances by (W0, W1) between rounds. */
NF_HD static inline void nf_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                                          uint32_t out[4]) {
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        const uint64_t p0 = (uint64_t)NF_PHILOX_M0 * c0;
        const uint64_t p1 = (uint64_t)NF_PHILOX_M1 * c2;
        const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        const uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
        k0 += NF_PHILOX_W0;
        k1 += NF_PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/* The four words of stream block b (positions 4b .. 4b + 3) for seed. */
NF_HD static inline void nf_philox_stream_block(uint64_t seed, uint64_t b, uint32_t out[4]) {
    const uint64_t major = b / NF_PHILOX_SUBSEQUENCES;
    const uint32_t ctr[4] = {(uint32_t)major, (uint32_t)(major >> 32),
                             (uint32_t)(b % NF_PHILOX_SUBSEQUENCES), 0u};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    nf_philox4x32_10(ctr, key, out);
}

/* A 32-bit word to a uniform float in (0, 1]. */
NF_HD static inline float nf_philox_uniform_float(uint32_t x) {
    return (float)x * 0x1p-32f + 0x1p-33f;
}

/* Box-Muller of the pair (x, y): *first = r sin a, *second = r cos a. Host
 * only: the result is the C library's logf, sinf and cosf. */
static inline void nf_philox_box_muller(uint32_t x, uint32_t y, float *first, float *second) {
    const float two_pi_scale = 0x1p-32f * 6.2831855f; /* exact: a power of two times a float */
    const float u = nf_philox_uniform_float(x);
    const float a = (float)y * two_pi_scale + two_pi_scale * 0.5f;
    const float r = sqrtf(-2.0f * logf(u));
    *first = sinf(a) * r;
    *second = cosf(a) * r;
}

/* How many stream blocks a draw of count values from offset touches. Block j
 * of the draw is stream block offset / 4 + j. */
NF_HD static inline uint64_t nf_philox_draw_blocks(uint64_t offset, size_t count) {
    return count ? ((offset & 3u) + (uint64_t)count + 3u) >> 2 : 0u;
}

/* Writes the uniforms of the draw (seed, offset, count) that fall in its
 * block j: dst[i] for the i whose position offset + i lies in that block. */
NF_HD static inline void nf_philox_uniform_block(uint64_t seed, uint64_t offset, float *dst,
                                                 size_t count, uint64_t j) {
    uint32_t w[4];
    nf_philox_stream_block(seed, (offset >> 2) + j, w);
    /* Output index of the block's word 0 (may be "negative" for j = 0). */
    const int64_t first = (int64_t)(j * 4u) - (int64_t)(offset & 3u);
    for (int k = 0; k < 4; k++) {
        const int64_t i = first + k;
        if (i >= 0 && (uint64_t)i < (uint64_t)count)
            dst[i] = nf_philox_uniform_float(w[k]);
    }
}

/* As nf_philox_uniform_block for normals: z * std + mean. Host only. Block
 * boundaries are pair boundaries, so a block is computed on its own. */
static inline void nf_philox_normal_block(uint64_t seed, uint64_t offset, float *dst,
                                          size_t count, float mean, float std, uint64_t j) {
    uint32_t w[4];
    float z[4];
    nf_philox_stream_block(seed, (offset >> 2) + j, w);
    nf_philox_box_muller(w[0], w[1], &z[0], &z[1]);
    nf_philox_box_muller(w[2], w[3], &z[2], &z[3]);
    const int64_t first = (int64_t)(j * 4u) - (int64_t)(offset & 3u);
    for (int k = 0; k < 4; k++) {
        const int64_t i = first + k;
        if (i >= 0 && (uint64_t)i < (uint64_t)count) {
            const float scaled = z[k] * std; /* rounded before the sum (see the top) */
            dst[i] = scaled + mean;
        }
    }
}

#endif /* NF_MATH_PHILOX_H */
