/*
 * The CPU sparse product (kernels/cpu/sparse.c, compiled into this test) sums
 * every CSR row in the lane order of kernels/math/csr_row.h: y[b][i] plus the
 * row's sum equals, bit for bit, a reference written here in plain C (entry k
 * in lane (k - row_ptr[i]) % 8, lanes added pairwise), for rows of every
 * length around the lane count and a FORCE-sized matrix, shared and per-batch
 * values, on 1 to 3 OpenMP threads (the AVX2 row sum where the CPU has AVX2)
 * and through the portable row sum; and that order is not the serial chain
 * sum += val[k] x[col[k]] (some rows differ), so the comparison can fail.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/cpu/sparse.c"
#include "common.h"

TestSuite(sparse_order, .timeout = 60);

/* The library's setting, read as backend_cpu.c does (that file is not in this test). */
int nf_cpu_threads(void) { return omp_get_max_threads(); }

#define REFERENCE_LANES 8

static uint64_t next_bits(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

/* A value in [-0.5, 0.5) times 2^(0 .. 15): magnitudes that make the order of
 * the additions show in the rounding. */
static float next_value(uint64_t *s) {
    const double u = (double)next_bits(s) / 9007199254740992.0 - 0.5;
    return (float)ldexp(u, (int)(next_bits(s) % 16));
}

static float lane_sum(const int32_t *col, const float *val, const float *x, int32_t begin,
                      int32_t end) {
    float lane[REFERENCE_LANES] = {0};
    for (int32_t k = begin; k < end; k++)
        lane[(k - begin) % REFERENCE_LANES] += val[k] * x[col[k]];
    for (int32_t w = REFERENCE_LANES / 2; w > 0; w /= 2)
        for (int32_t l = 0; l < w; l++)
            lane[l] += lane[l + w];
    return lane[0];
}

static float serial_sum(const int32_t *col, const float *val, const float *x, int32_t begin,
                        int32_t end) {
    float sum = 0.0f;
    for (int32_t k = begin; k < end; k++)
        sum += val[k] * x[col[k]];
    return sum;
}

/* A CSR matrix of `rows` rows: row i has length lengths(i) (columns drawn
 * with repeats allowed, as the order does not care), values per batch
 * element when per_batch; with nan_x0, no entry in column 0 and x[0] NaN in
 * every batch element (a partial block that let its unused lanes, which
 * read index 0, into the sum would turn the row into NaN). Checks
 * nf_cpu_sparse against the reference on 1 to 3 threads; returns how many
 * rows the serial chain sums differently. */
static int64_t check(int32_t batch, int32_t rows, int32_t cols, int per_batch,
                     int32_t (*length)(int32_t i, uint64_t *s), uint64_t seed, int nan_x0) {
    int32_t *row_ptr = malloc(sizeof(int32_t) * (size_t)(rows + 1));
    cr_assert(row_ptr);
    row_ptr[0] = 0;
    for (int32_t i = 0; i < rows; i++)
        row_ptr[i + 1] = row_ptr[i] + length(i, &seed);
    const int64_t nnz = row_ptr[rows];
    const size_t nval = (size_t)nnz * (per_batch ? (size_t)batch : 1);
    const size_t ny = (size_t)batch * rows;
    int32_t *col = malloc(sizeof(int32_t) * (size_t)nnz + 1);
    float *val = malloc(sizeof(float) * nval + 1), *x = malloc(sizeof(float) * batch * cols);
    float *y0 = malloc(sizeof(float) * ny), *want = malloc(sizeof(float) * ny);
    float *y = malloc(sizeof(float) * ny);
    cr_assert(col && val && x && y0 && want && y);
    for (int64_t k = 0; k < nnz; k++)
        col[k] = nan_x0 ? 1 + (int32_t)(next_bits(&seed) % (uint64_t)(cols - 1))
                        : (int32_t)(next_bits(&seed) % (uint64_t)cols);
    for (size_t k = 0; k < nval; k++)
        val[k] = next_value(&seed);
    for (size_t j = 0; j < (size_t)batch * cols; j++)
        x[j] = nan_x0 && j % (size_t)cols == 0 ? NAN : next_value(&seed);
    int64_t differ = 0;
    for (size_t e = 0; e < ny; e++) {
        y0[e] = next_value(&seed);
        const size_t b = e / (size_t)rows;
        const int32_t i = (int32_t)(e % (size_t)rows);
        const float *v = val + (per_batch ? b * (size_t)nnz : 0);
        const float *xb = x + b * (size_t)cols;
        const float lanes = lane_sum(col, v, xb, row_ptr[i], row_ptr[i + 1]);
        want[e] = y0[e] + lanes;
        differ += lanes != serial_sum(col, v, xb, row_ptr[i], row_ptr[i + 1]);
    }
    const nf_sparse_args a = {.batch = batch, .rows = rows, .cols = cols,
                              .per_batch = per_batch, .nnz = nnz, .row_ptr = row_ptr,
                              .col = col, .val = val, .x = x, .y = y};
    /* threads 1 .. 3 through nf_cpu_sparse (AVX2 where the CPU has it), then
     * "threads" 0: the portable row sum, on one thread. */
    for (int threads = 0; threads <= 3; threads++) {
        memcpy(y, y0, sizeof(float) * ny);
        if (threads > 0) {
            omp_set_num_threads(threads);
            cr_assert_eq(nf_cpu_sparse(NULL, &a), NF_OK);
        } else {
            sparse_rows(&a, 0, (int64_t)ny, 0);
        }
        for (size_t e = 0; e < ny; e++)
            cr_assert(memcmp(&y[e], &want[e], sizeof(float)) == 0,
                      "%d x %d, batch %d%s, %d threads%s: y[%zu] = %a, the lane order gives %a",
                      rows, cols, batch, per_batch ? " per batch" : "", threads,
                      threads ? "" : " (portable row sum)", e, (double)y[e], (double)want[e]);
    }
    free(row_ptr);
    free(col);
    free(val);
    free(x);
    free(y0);
    free(want);
    free(y);
    return differ;
}

/* Row i has i % 41 entries: empty rows, partial blocks of every size, several full blocks. */
static int32_t every_length(int32_t i, uint64_t *s) {
    (void)s;
    return i % 41;
}

/* About 100 entries a row, as the Sussillo & Abbott network's N = 1000, p = 0.1. */
static int32_t force_length(int32_t i, uint64_t *s) {
    (void)i;
    return 90 + (int32_t)(next_bits(s) % 21);
}

Test(sparse_order, rows_sum_in_the_lane_order) {
    int64_t differ = 0;
    for (int per_batch = 0; per_batch <= 1; per_batch++) {
        differ += check(3, 123, 37, per_batch, every_length, 16u + (uint64_t)per_batch, 0);
        differ += check(1, 1000, 1000, per_batch, force_length, 2009u, 0);
    }
    cr_assert(differ > 0, "no row sums differently in the serial chain: the test cannot fail");
}

/* Large enough (nnz x batch >= NF_CPU_PARALLEL_MIN / 4) for the OpenMP region,
 * with per-batch values. */
Test(sparse_order, threads_do_not_change_the_sums) {
    cr_assert(check(11, 1000, 1000, 1, force_length, 7u, 0) > 0);
}

/* Rows ending in a partial block of every size, x[0] NaN and never used:
 * every sum stays the reference's (finite). */
Test(sparse_order, lanes_past_a_row_add_nothing) {
    for (int per_batch = 0; per_batch <= 1; per_batch++)
        cr_assert(check(3, 123, 37, per_batch, every_length, 41u + (uint64_t)per_batch, 1) > 0);
}
