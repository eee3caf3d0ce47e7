/*
 * The CPU sparse product y[b][i] += sum_k val[k] x[b][col[k]] over CSR rows,
 * each row summed in the fixed lane order of kernels/math/csr_row.h (the
 * CUDA kernel sums the same way), so the floats do not depend on the thread
 * count, on the clone that runs, or on the backend. On x86-64 CPUs with AVX2
 * the eight lanes live in one vector register (row_sum_avx2); elsewhere
 * nf_csr_row_sum runs as written.
 */
#include <omp.h>
#include <string.h>

#include "cpu.h"
#include "kernels/math/csr_row.h"

#define SPARSE_AVX2 NF_CPU_X86
#if SPARSE_AVX2
#include <immintrin.h>
#endif

/* Not vectorised by GCC: GCC 12 turns the eight lanes into vector code that
 * assembles x[col[k]] element by element and runs slower (45 against 31 us for
 * 1000 rows of ~100 entries) than the scalar chains, which are bound by the
 * three loads per entry. (clang has no such attribute and warns about it.) */
#if defined(__GNUC__) && !defined(__clang__)
#define NF_SPARSE_SCALAR __attribute__((optimize("no-tree-vectorize")))
#else
#define NF_SPARSE_SCALAR
#endif

#if SPARSE_AVX2
/* nf_csr_row_sum with lane l in element l of one AVX2 register: each block's
 * eight x[col[k]] are loaded one by one (two indices per 64-bit load) and
 * placed by the compiler, one vector multiply and add per block, the partial
 * block's lanes added under a mask, the lanes added pairwise (l + 4, l + 2,
 * l + 1) as there. The same float operations in the same order: the floats
 * are nf_csr_row_sum's. Per entry 1.6 loads instead of 3 (index, value, x);
 * 1000 rows of ~100 entries: 20 against 28 us. AVX2's gather instruction ran
 * slower than the scalar loop on this project's AMD EPYC (50 us). */
__attribute__((target("avx2"))) static float row_sum_avx2(const int32_t *col, const float *val,
                                                          const float *x, int32_t begin,
                                                          int32_t end) {
    __m256 acc = _mm256_setzero_ps();
    int32_t k = begin;
    for (; end - k >= 8; k += 8) {
        /* Four scalar loads of two indices each (an array here went through the
         * stack: a vector store read back by scalar loads, 10% slower than before). */
        uint64_t c0, c1, c2, c3;
        memcpy(&c0, col + k, 8);
        memcpy(&c1, col + k + 2, 8);
        memcpy(&c2, col + k + 4, 8);
        memcpy(&c3, col + k + 6, 8);
        const __m256 xs = _mm256_setr_ps(x[(uint32_t)c0], x[c0 >> 32], x[(uint32_t)c1],
                                         x[c1 >> 32], x[(uint32_t)c2], x[c2 >> 32],
                                         x[(uint32_t)c3], x[c3 >> 32]);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(val + k), xs));
    }
    if (k < end) { /* lanes past the row read index 0 and value 0; the blend drops them */
        const __m256i in = _mm256_cmpgt_epi32(_mm256_set1_epi32(end - k),
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        int32_t c[8];
        _mm256_storeu_si256((__m256i *)c, _mm256_maskload_epi32(col + k, in));
        const __m256 xs = _mm256_setr_ps(x[c[0]], x[c[1]], x[c[2]], x[c[3]], x[c[4]], x[c[5]],
                                         x[c[6]], x[c[7]]);
        const __m256 vs = _mm256_maskload_ps(val + k, in);
        acc = _mm256_blendv_ps(acc, _mm256_add_ps(acc, _mm256_mul_ps(vs, xs)),
                               _mm256_castsi256_ps(in));
    }
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
#endif

/* Rows [e0, e1) of [batch][rows] with ROW_SUM, the batch element and row
 * stepped along (no division per row). */
#define DEFINE_SPARSE_ROWS(name, attributes, ROW_SUM)                                       \
    attributes static void name(const nf_sparse_args *a, int64_t e0, int64_t e1) {          \
        int64_t b = e0 / a->rows;                                                            \
        int32_t i = (int32_t)(e0 % a->rows);                                                 \
        for (int64_t e = e0; e < e1; e++) {                                                  \
            const float *val = a->per_batch ? a->val + b * a->nnz : a->val;                  \
            a->y[e] += ROW_SUM(a->col, val, a->x + b * a->cols, a->row_ptr[i],               \
                               a->row_ptr[i + 1]);                                           \
            if (++i == a->rows) {                                                            \
                i = 0;                                                                       \
                b++;                                                                         \
            }                                                                                \
        }                                                                                    \
    }

DEFINE_SPARSE_ROWS(rows_portable, NF_SPARSE_SCALAR, nf_csr_row_sum)
#if SPARSE_AVX2
DEFINE_SPARSE_ROWS(rows_avx2, __attribute__((target("avx2"))), row_sum_avx2)
#endif

/* Rows [e0, e1): with row_sum_avx2 when avx2, else nf_csr_row_sum. */
static void sparse_rows(const nf_sparse_args *a, int64_t e0, int64_t e1, int avx2) {
#if SPARSE_AVX2
    if (avx2) {
        rows_avx2(a, e0, e1);
        return;
    }
#endif
    (void)avx2;
    rows_portable(a, e0, e1);
}

/* Whether row_sum_avx2 can run here. */
static int sparse_avx2(void) {
#if SPARSE_AVX2
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

nf_status nf_cpu_sparse(nf_backend_ctx *ctx, const nf_sparse_args *a) {
    (void)ctx;
    const int64_t total = (int64_t)a->batch * a->rows;
    const int avx2 = sparse_avx2();
    /* From 2^16 multiply-adds (~13 us on one core): Sussillo & Abbott's 10^5 on 2 threads,
     * 30 -> 13 us per testing step on an idle 2-core machine. */
    NF_CPU_PARALLEL(a->nnz * (int64_t)a->batch >= NF_CPU_PARALLEL_MIN / 4,
                    "omp parallel", {
                        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
                        sparse_rows(a, total * t / threads, total * (t + 1) / threads, avx2);
                    });
    return NF_OK;
}
