/*
 * The CPU's nengo LIF step (kernels/math/lif.h) over a run of elements of one
 * row of [batch][n], in branch-free vectorised passes. The first finishes
 * every neuron that neither spikes nor leaves its refractory period inside
 * this step (its decay is the constant expm1_dt, or 0 while refractory) and
 * lists the others' indices in two lists: those leaving refractoriness (their
 * decay is the expm1 of a partial step) and those spiking after a whole or no
 * decay. The second pass runs the partial steps and adds the neurons among
 * them that spike to the spiking list; the third gives every spiking neuron
 * its spike time (a log1p). expm1 and log1p are kernels/cpu/vec_math.h's, in
 * double (within one ulp of the correctly rounded float, as glibc's log1pf /
 * expm1f are; the two differ in the last bit for about 0.3% of arguments),
 * each taken only by the neurons that need it. The other float operations are
 * nf_lif_nengo_step's, in its order. A spike whose log1p argument lies outside
 * (-1, inf) (J = 1, or a voltage set above 1 with J below it) takes log1pf.
 *
 * The first pass stores a listed neuron's voltage as it was (leaving
 * refractoriness) or as decayed (spiking), and its refractory time less dt,
 * for the later passes to read. On x86-64 CPUs with AVX-512 it writes the
 * lists with compress instructions; elsewhere it marks the neurons and a
 * branch-free loop lists them. Either way the lists and the floats are the
 * same.
 */
#include "cpu.h"
#include "kernels/math/lif.h"
#include "vec_math.h"

#define LIF_AVX512 NF_CPU_X86
#if LIF_AVX512
#include <immintrin.h>
#endif

/* The lists' room: a chunk, padded to whole vectors (LIST_PAD) with harmless
 * entries so that the vectorised passes need no scalar remainder. */
#define LIST_PAD 16
#define MARK_BLOCK 32
#define LIST_ROOM (NF_CPU_STEP_CHUNK + LIST_PAD)

typedef struct lif_run_args {
    float dt, expm1_dt, min_voltage;
    const float *restrict input, *restrict gain, *restrict bias;
    float *restrict v, *restrict ref, *restrict out;
    int32_t len;
} lif_run_args;

/* The neurons of a run that need more than the first pass: index, J, voltage
 * (as it was when leaving refractoriness, as decayed when spiking) and, when
 * leaving, refractory time less dt. */
typedef struct lif_lists {
    int32_t leaving, spiking; /* the counts */
    int32_t leave[LIST_ROOM], spike[LIST_ROOM];
    float leave_J[LIST_ROOM], leave_v[LIST_ROOM], leave_r[LIST_ROOM];
    float spike_J[LIST_ROOM], spike_v[LIST_ROOM];
} lif_lists;

/* The first pass without AVX-512: marks (1 leaving, 2 spiking), then the lists. */
NF_CPU_CLONES static void first_pass_marks(const lif_run_args *a, lif_lists *l) {
    const float dt = a->dt, expm1_dt = a->expm1_dt, min_voltage = a->min_voltage;
    const float *restrict input = a->input, *restrict gain = a->gain, *restrict bias = a->bias;
    float *restrict v = a->v, *restrict ref = a->ref, *restrict out = a->out;
    const int32_t len = a->len;
    int marks[NF_CPU_STEP_CHUNK];
#pragma omp simd
    for (int32_t j = 0; j < len; j++) {
        const float J = bias[j] + gain[j] * input[j];
        const float v0 = v[j];
        const float r = ref[j] - dt;
        const float d = dt - r;
        const float delta = nf_at_most(nf_at_least(d, 0.0f), dt);
        const float vv = v0 - (J - v0) * (delta < dt ? 0.0f : expm1_dt);
        const int leaving = (d > 0.0f) & (d < dt);
        const int spiking = !leaving & (vv > 1.0f);
        marks[j] = leaving | spiking << 1;
        v[j] = leaving ? v0 : spiking ? vv : nf_at_least(vv, min_voltage);
        ref[j] = r;
        out[j] = 0.0f;
    }
    /* a block's marks as two words (GCC vectorises this), then their set bits */
    int32_t leaving = 0, spiking = 0;
    for (int32_t j0 = 0; j0 < len; j0 += MARK_BLOCK) {
        const int32_t width = len - j0 < MARK_BLOCK ? len - j0 : MARK_BLOCK;
        uint32_t leave_bits = 0, spike_bits = 0;
        for (int32_t j = 0; j < width; j++) {
            leave_bits |= (uint32_t)(marks[j0 + j] & 1) << j;
            spike_bits |= (uint32_t)(marks[j0 + j] >> 1) << j;
        }
        for (; leave_bits; leave_bits &= leave_bits - 1)
            l->leave[leaving++] = j0 + __builtin_ctz(leave_bits);
        for (; spike_bits; spike_bits &= spike_bits - 1)
            l->spike[spiking++] = j0 + __builtin_ctz(spike_bits);
    }
    l->leaving = leaving;
    l->spiking = spiking;
    for (int32_t k = 0; k < leaving; k++) {
        const int32_t j = l->leave[k];
        l->leave_J[k] = bias[j] + gain[j] * input[j];
        l->leave_v[k] = v[j];
        l->leave_r[k] = ref[j];
    }
    for (int32_t k = 0; k < spiking; k++) {
        const int32_t j = l->spike[k];
        l->spike_J[k] = bias[j] + gain[j] * input[j];
        l->spike_v[k] = v[j];
    }
}

#if LIF_AVX512
/* Stores the lanes of x that `keep` selects, in order, at p. */
__attribute__((target("avx512f"))) static inline void compress_ps(float *p, __mmask16 keep,
                                                                  __m512 x) {
    _mm512_storeu_ps(p, _mm512_maskz_compress_ps(keep, x));
}

/* The first pass with AVX-512: the same operations, 16 neurons at a time, each
 * vector's listed neurons compressed onto the end of their lists. The voltage
 * it stores for a listed neuron is replaced by the later passes. */
__attribute__((target("avx512f"))) static void first_pass_avx512(const lif_run_args *a,
                                                                 lif_lists *restrict l) {
    const float *restrict input_p = a->input, *restrict gain_p = a->gain,
                          *restrict bias_p = a->bias;
    float *restrict v = a->v, *restrict ref = a->ref, *restrict out = a->out;
    const int32_t len = a->len;
    const __m512 dt = _mm512_set1_ps(a->dt), expm1_dt = _mm512_set1_ps(a->expm1_dt);
    const __m512 min_voltage = _mm512_set1_ps(a->min_voltage);
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    const __m512i sixteen = _mm512_set1_epi32(16);
    __m512i index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int32_t leaving = 0, spiking = 0;
    for (int32_t j = 0; j < len; j += 16) {
        const __mmask16 live =
            len - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (len - j)) - 1);
        const __m512 gain = _mm512_maskz_loadu_ps(live, gain_p + j);
        const __m512 input = _mm512_maskz_loadu_ps(live, input_p + j);
        const __m512 bias = _mm512_maskz_loadu_ps(live, bias_p + j);
        const __m512 J = _mm512_add_ps(bias, _mm512_mul_ps(gain, input));
        const __m512 v0 = _mm512_maskz_loadu_ps(live, v + j);
        const __m512 r = _mm512_sub_ps(_mm512_maskz_loadu_ps(live, ref + j), dt);
        const __m512 d = _mm512_sub_ps(dt, r);
        /* delta = nf_at_most(nf_at_least(d, 0), dt) is below dt exactly when d
         * is (NaN included): the whole step's decay elsewhere */
        const __mmask16 partial = _mm512_cmp_ps_mask(d, dt, _CMP_LT_OQ);
        const __m512 decay = _mm512_mask_mov_ps(expm1_dt, partial, zero);
        const __m512 vv = _mm512_sub_ps(v0, _mm512_mul_ps(_mm512_sub_ps(J, v0), decay));
        const __mmask16 leave = _mm512_cmp_ps_mask(d, zero, _CMP_GT_OQ) & partial & live;
        const __mmask16 spike = _mm512_cmp_ps_mask(vv, one, _CMP_GT_OQ) & ~leave & live;
        _mm512_mask_storeu_ps(v + j, live, _mm512_max_ps(min_voltage, vv));
        _mm512_mask_storeu_ps(ref + j, live, r);
        _mm512_mask_storeu_ps(out + j, live, zero);
        _mm512_storeu_si512(l->leave + leaving, _mm512_maskz_compress_epi32(leave, index));
        compress_ps(l->leave_J + leaving, leave, J);
        compress_ps(l->leave_v + leaving, leave, v0);
        compress_ps(l->leave_r + leaving, leave, r);
        _mm512_storeu_si512(l->spike + spiking, _mm512_maskz_compress_epi32(spike, index));
        compress_ps(l->spike_J + spiking, spike, J);
        compress_ps(l->spike_v + spiking, spike, vv);
        leaving += __builtin_popcount(leave);
        spiking += __builtin_popcount(spike);
        index = _mm512_add_epi32(index, sixteen);
    }
    l->leaving = leaving;
    l->spiking = spiking;
}

/* Whether the CPU runs AVX-512 (asked once; threads may race to store the
 * same answer). */
static int has_avx512(void) {
    static int known = -1;
    int answer = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&known, answer, __ATOMIC_RELAXED);
    }
    return answer;
}
#endif

/* The partial steps of the neurons leaving refractoriness; those that spike
 * join the spiking list. */
NF_CPU_CLONES static void leaving_pass(const lif_run_args *a, float tau_rc,
                                       lif_lists *restrict l) {
    const float dt = a->dt, min_voltage = a->min_voltage;
    const int32_t count = l->leaving, padded = (count + LIST_PAD - 1) & -LIST_PAD;
    float *restrict J = l->leave_J, *restrict vm = l->leave_v, *restrict rm = l->leave_r;
    for (int32_t k = count; k < padded; k++)
        J[k] = vm[k] = rm[k] = 0.0f;
#pragma omp simd
    for (int32_t k = 0; k < padded; k++) {
        const float delta = nf_at_most(nf_at_least(dt - rm[k], 0.0f), dt);
        const float decay = (float)nf_vm_expm1(-delta / tau_rc);
        vm[k] = vm[k] - (J[k] - vm[k]) * decay;
    }
    int32_t spiking = l->spiking;
    for (int32_t k = 0; k < count; k++) {
        const int32_t j = l->leave[k];
        const int spike = vm[k] > 1.0f;
        a->v[j] = spike ? vm[k] : nf_at_least(vm[k], min_voltage);
        l->spike[spiking] = j;
        l->spike_J[spiking] = J[k];
        l->spike_v[spiking] = vm[k];
        spiking += spike;
    }
    l->spiking = spiking;
}

/* The spikes: spike time, refractory period and output of every spiking
 * neuron. */
NF_CPU_CLONES static void spiking_pass(const lif_run_args *a, float tau_rc, float tau_ref,
                                       float height, lif_lists *restrict l) {
    const float dt = a->dt;
    const int32_t count = l->spiking, padded = (count + LIST_PAD - 1) & -LIST_PAD;
    float *restrict J = l->spike_J, *restrict u = l->spike_v;
    float rm[LIST_ROOM];
    for (int32_t k = count; k < padded; k++)
        J[k] = u[k] = 0.0f;
    int any_special = 0;
#pragma omp simd reduction(| : any_special)
    for (int32_t k = 0; k < padded; k++) {
        u[k] = -(u[k] - 1.0f) / (J[k] - 1.0f);
        const int usable = (u[k] > -1.0f) & (u[k] < INFINITY); /* false for NaN */
        const float lg = (float)nf_vm_log1p(usable ? u[k] : 0.0f);
        rm[k] = tau_ref + (dt + tau_rc * lg);
        any_special |= !usable & (k < count);
    }
    for (int32_t k = 0; k < count; k++) {
        const int32_t j = l->spike[k];
        a->v[j] = 0.0f;
        a->ref[j] = rm[k];
        a->out[j] = height;
    }
    for (int32_t k = 0; any_special && k < count; k++)
        if (!((u[k] > -1.0f) & (u[k] < INFINITY)))
            a->ref[l->spike[k]] = tau_ref + (dt + tau_rc * log1pf(u[k]));
}

void nf_cpu_lif_nengo_run(const nf_model_params *mp, const float *restrict input,
                          const float *restrict gain, const float *restrict bias,
                          float *restrict v, float *restrict ref, float *restrict out,
                          int32_t len) {
    const lif_run_args a = {mp->c.dt, mp->k.lif.expm1_dt, mp->k.lif.min_voltage, input, gain,
                            bias, v, ref, out, len};
    lif_lists l;
#if LIF_AVX512
    if (has_avx512())
        first_pass_avx512(&a, &l);
    else
#endif
        first_pass_marks(&a, &l);
    if (l.leaving)
        leaving_pass(&a, mp->k.lif.tau_rc, &l);
    if (l.spiking)
        spiking_pass(&a, mp->k.lif.tau_rc, mp->k.lif.tau_ref, mp->c.amplitude * mp->c.inv_dt,
                     &l);
}
