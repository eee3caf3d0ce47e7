/*
 * The CPU sequence pass (see nf_seq_args): for each batch element and block
 * of units, the stages' state is loaded once, every step of the sequence runs
 * through the stages (kernels/math/sequence.h, the code the CUDA kernel runs),
 * and the state is stored back once. Blocks are spread over the cores. Each
 * stage runs over the whole block at a time with its model a constant, so the
 * loop over units vectorises (AVX-512 / AVX2 clones where the CPU has them).
 */
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "kernels/math/sequence.h"

#define SEQ_BLOCK 512

/* A stage's constants, copied out of the arguments so that stores to the
 * output cannot be taken to change them. */
typedef struct stage_consts {
    int32_t filter, pass_through, stats;
    nf_model_params mp;
    const nf_filter_params *fp;
} stage_consts;

/* A spiking activation's step over a block, inlined once per model of the
 * table with `model` a constant, so that the dispatch folds away and the loop
 * over units vectorises. */
static inline __attribute__((always_inline)) void spiking_run(nf_model_params mp, int model,
                                                              float *restrict x,
                                                              float *restrict s0,
                                                              float *restrict s1, int32_t len) {
    mp.model = model;
    for (int32_t j = 0; j < len; j++) {
        float unused = 0.0f;
        x[j] = nf_neuron_step(&mp, x[j], &s0[j], &s1[j], &unused);
    }
}

/* One stage over a block of units (u0 its first) at one step: the stage step
 * of kernels/math/sequence.h, one model or filter for the whole block. */
static inline __attribute__((always_inline)) void stage_run(const stage_consts *c, int32_t u0,
                                                            float *restrict x,
                                                            float *restrict s0,
                                                            float *restrict s1, int32_t len) {
    if (!c->filter) {
        switch (c->mp.model) {
#define NF_SEQ_CASE(value, prefix, consts)                                                   \
    case value: spiking_run(c->mp, value, x, s0, s1, len); break;
            NF_MODEL_TABLE(NF_SEQ_CASE)
#undef NF_SEQ_CASE
        default: break;
        }
        return;
    }
    for (int32_t j = 0; j < len; j++)
        x[j] = nf_seq_stage_step(1, c->pass_through, &c->mp, &c->fp[u0 + j], x[j], &s0[j],
                                 &s1[j]);
}

/* One batch element b and block of units blk through every step and stage. */
NF_CPU_CLONES static void sequence_block(const nf_seq_args *a, const stage_consts *consts, int32_t b,
                           int32_t blk) {
    const int32_t batch = a->batch, units = a->units, stages = a->stages;
    const int64_t time = a->time;
    const float *restrict in = a->in;
    float *restrict out = a->out;
    const int32_t u0 = blk * SEQ_BLOCK;
    const int32_t len = units - u0 < SEQ_BLOCK ? units - u0 : SEQ_BLOCK;
    float s0[NF_SEQ_MAX_STAGES][SEQ_BLOCK], s1[NF_SEQ_MAX_STAGES][SEQ_BLOCK];
    double acc[NF_SEQ_MAX_STAGES][SEQ_BLOCK];
    float last[SEQ_BLOCK];
    for (int32_t k = 0; k < stages; k++) {
        const nf_seq_stage *st = &a->stage[k];
        for (int32_t j = 0; j < len; j++) {
            const size_t e = (size_t)b * units + u0 + j;
            s0[k][j] = st->s0 ? st->s0[e] : 0.0f;
            s1[k][j] = st->s1 ? st->s1[e] : 0.0f;
            acc[k][j] = 0.0;
        }
    }
    for (int32_t j = 0; j < len; j++)
        last[j] = 0.0f;
    for (int64_t t = 0; t < time; t++) {
        const size_t row = a->time_major ? (size_t)(t * batch + b) * units
                                         : (size_t)(b * time + t) * units;
        float x[SEQ_BLOCK];
        memcpy(x, in + row + u0, (size_t)len * sizeof(float));
        for (int32_t k = 0; k < stages; k++) {
            const stage_consts *c = &consts[k];
            stage_run(c, u0, x, s0[k], s1[k], len);
            if (c->stats)
                for (int32_t j = 0; j < len; j++)
                    acc[k][j] += fabsf(x[j]);
        }
        memcpy(a->return_sequences ? out + row + u0 : last, x,
               (size_t)len * sizeof(float));
    }
    for (int32_t k = 0; k < stages; k++) {
        const nf_seq_stage *st = &a->stage[k];
        for (int32_t j = 0; j < len; j++) {
            const size_t e = (size_t)b * units + u0 + j;
            if (st->s0)
                st->s0[e] = s0[k][j];
            if (st->s1)
                st->s1[e] = s1[k][j];
            if (st->abs_sum)
                st->abs_sum[e] += acc[k][j];
        }
    }
    if (!a->return_sequences)
        for (int32_t j = 0; j < len; j++)
            out[(size_t)b * units + u0 + j] = last[j];
}

nf_status nf_cpu_sequence_apply(nf_backend_ctx *ctx, const nf_seq_args *a) {
    (void)ctx;
    const int32_t batch = a->batch, units = a->units, stages = a->stages;
    const int64_t time = a->time;
    const int32_t blocks = (units + SEQ_BLOCK - 1) / SEQ_BLOCK;
    const int64_t work = (int64_t)batch * units * time * stages;
    stage_consts consts[NF_SEQ_MAX_STAGES];
    for (int32_t k = 0; k < stages; k++) {
        consts[k].filter = a->stage[k].filter;
        consts[k].pass_through = a->stage[k].pass_through;
        consts[k].stats = a->stage[k].abs_sum != NULL;
        consts[k].mp = a->stage[k].model;
        consts[k].fp = a->stage[k].fp;
    }
    NF_CPU_PARALLEL(work >= NF_CPU_PARALLEL_MIN, "omp parallel for schedule(static)",
                    for (int64_t i = 0; i < (int64_t)batch * blocks; i++)
                        sequence_block(a, consts, (int32_t)(i / blocks), (int32_t)(i % blocks)););
    return NF_OK;
}

