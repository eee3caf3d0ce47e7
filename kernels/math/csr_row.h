/*
 * The sum of one CSR row, sum_k val[k] x[col[k]] over k in [begin, end), in
 * the one order both backends use: entry k goes to partial sum (lane)
 * (k - begin) % NF_CSR_LANES, each lane adds its products in k order
 * starting from 0, and the lanes are added pairwise at the end (lane l with
 * l + w, w = 4, 2, 1). The lanes are independent chains of additions, so a
 * CPU core overlaps them (one chain per row was bound by the latency of the
 * additions); the CPU (kernels/cpu/sparse.c) and the CUDA kernel
 * (kernels/cuda/products.cu) both call this function, so their floats agree
 * by construction. Every lane index is a constant once the loops are
 * unrolled: the lanes stay in registers on both.
 */
#ifndef NF_MATH_CSR_ROW_H
#define NF_MATH_CSR_ROW_H

#include "hd.h"

/* 8 measured faster than 16 on the CPU (a 1000 x 1000 row set of density 0.1:
 * 16 lanes spend more on the partial block at each row's end). */
#define NF_CSR_LANES 8

#ifdef __CUDACC__
#define NF_CSR_UNROLL _Pragma("unroll")
#else
#define NF_CSR_UNROLL
#endif

NF_HD static inline float nf_csr_row_sum(const int32_t *col, const float *val, const float *x,
                                         int32_t begin, int32_t end) {
    float acc[NF_CSR_LANES];
    NF_CSR_UNROLL
    for (int32_t l = 0; l < NF_CSR_LANES; l++)
        acc[l] = 0.0f;
    int32_t k = begin;
    for (; end - k >= NF_CSR_LANES; k += NF_CSR_LANES) {
        NF_CSR_UNROLL
        for (int32_t l = 0; l < NF_CSR_LANES; l++)
            acc[l] += val[k + l] * x[col[k + l]];
    }
    NF_CSR_UNROLL
    for (int32_t l = 0; l < NF_CSR_LANES; l++) /* the partial block: lanes 0 .. end - k - 1 */
        if (l < end - k)
            acc[l] += val[k + l] * x[col[k + l]];
    NF_CSR_UNROLL
    for (int32_t w = NF_CSR_LANES / 2; w > 0; w /= 2) {
        NF_CSR_UNROLL
        for (int32_t l = 0; l < w; l++)
            acc[l] += acc[l + w];
    }
    return acc[0];
}

#endif /* NF_MATH_CSR_ROW_H */
