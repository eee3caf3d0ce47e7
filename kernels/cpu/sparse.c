/*
 * The CPU sparse product y[b][i] += sum_k val[k] x[b][col[k]] over CSR rows,
 * each row summed in the fixed lane order of kernels/math/csr_row.h (the
 * CUDA kernel sums the same way), so the floats do not depend on the thread
 * count, on the clone that runs, or on the backend.
 */
#include <omp.h>

#include "cpu.h"
#include "kernels/math/csr_row.h"

/* Not vectorised by GCC: GCC 12 turns the eight lanes into vector code that
 * assembles x[col[k]] element by element and runs slower (45 against 31 us for
 * 1000 rows of ~100 entries) than the scalar chains, which are bound by the
 * three loads per entry. (clang has no such attribute and warns about it.) */
#if defined(__GNUC__) && !defined(__clang__)
#define NF_SPARSE_SCALAR __attribute__((optimize("no-tree-vectorize")))
#else
#define NF_SPARSE_SCALAR
#endif

/* Rows [e0, e1) of [batch][rows]. */
NF_SPARSE_SCALAR static void sparse_rows(const nf_sparse_args *a, int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; e++) {
        const int64_t b = e / a->rows;
        const int32_t i = (int32_t)(e % a->rows);
        const float *val = a->per_batch ? a->val + b * a->nnz : a->val;
        a->y[e] += nf_csr_row_sum(a->col, val, a->x + b * a->cols, a->row_ptr[i],
                                  a->row_ptr[i + 1]);
    }
}

nf_status nf_cpu_sparse(nf_backend_ctx *ctx, const nf_sparse_args *a) {
    (void)ctx;
    const int64_t total = (int64_t)a->batch * a->rows;
    NF_CPU_PARALLEL(a->nnz * (int64_t)a->batch >= 4 * NF_CPU_PARALLEL_MIN,
                    "omp parallel", {
                        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
                        sparse_rows(a, total * t / threads, total * (t + 1) / threads);
                    });
    return NF_OK;
}
