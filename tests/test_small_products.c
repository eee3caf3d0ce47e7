/*
 * The CPU's small dense products (kernels/cpu/products.c, compiled into this
 * test): y = beta y + W x for one batch element sums each row in the fixed
 * lane order of kernels/cpu/lane_dot.h, whether the row is short (cols under
 * NF_LANES, done for several rows at once) or long, bit for bit, signed zeros
 * included; and the result is W x within float rounding of a double sum.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/cpu/products.c"
#include "common.h"

TestSuite(small_products, .timeout = 60);

/* The library's setting (backend_cpu.c, not in this test): the products here run on one thread. */
int nf_cpu_threads(void) { return 1; }

/* A fixed LCG in [-0.5, 0.5), with every 7th weight -0.0 or +0.0. */
static float next_value(uint64_t *s, int32_t i) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    if (i % 7 == 3)
        return (*s >> 63) ? -0.0f : 0.0f;
    return (float)((double)(*s >> 40) / 16777216.0 - 0.5);
}

static void check_shape(int32_t rows, int32_t cols, float beta) {
    uint64_t seed = 17u + (uint64_t)rows * 131u + (uint64_t)cols;
    float *w = malloc(sizeof(float) * (size_t)rows * cols), *x = malloc(sizeof(float) * cols);
    float *y = malloc(sizeof(float) * rows), *y0 = malloc(sizeof(float) * rows);
    cr_assert(w && x && y && y0);
    for (int32_t i = 0; i < rows * cols; i++)
        w[i] = next_value(&seed, i);
    for (int32_t j = 0; j < cols; j++)
        x[j] = next_value(&seed, j + 1);
    for (int32_t i = 0; i < rows; i++)
        y[i] = y0[i] = next_value(&seed, i + 2);
    nf_dense_args a = {.batch = 1, .rows = rows, .cols = cols, .beta = beta,
                       .w = w, .x = x, .y = y};
    cr_assert_eq(nf_cpu_dense(NULL, &a), NF_OK);
    for (int32_t i = 0; i < rows; i++) {
        const float sum = nf_lane_dot_f32(w + (size_t)i * cols, x, 0, cols);
        const float want = beta == 0.0f ? sum : beta * y0[i] + sum;
        cr_assert(memcmp(&y[i], &want, sizeof want) == 0,
                  "rows %d cols %d beta %g: y[%d] = %a, the lane order gives %a", rows, cols,
                  (double)beta, i, (double)y[i], (double)want);
        double exact = beta * (double)y0[i], mag = fabs(exact);
        for (int32_t j = 0; j < cols; j++) {
            exact += (double)w[(size_t)i * cols + j] * x[j];
            mag += fabs((double)w[(size_t)i * cols + j] * x[j]);
        }
        cr_assert(fabs(y[i] - exact) <= 1e-6 * (mag + 1e-30), "rows %d cols %d: y[%d] %g vs %g",
                  rows, cols, i, (double)y[i], exact);
    }
    free(w), free(x), free(y), free(y0);
}

Test(small_products, short_and_long_rows_sum_in_the_lane_order) {
    const int32_t row_counts[] = {1, 5, 16, 17, 33, 2000};
    for (size_t r = 0; r < sizeof row_counts / sizeof *row_counts; r++)
        for (int32_t cols = 1; cols <= 2 * NF_LANES + 1; cols++) {
            if ((int64_t)row_counts[r] * cols > SMALL_PRODUCT)
                continue;
            check_shape(row_counts[r], cols, 0.0f);
            check_shape(row_counts[r], cols, 0.5f);
        }
}

/* A one-column product of -0.0 gives +0.0, as the 16 lanes starting at +0
 * do (the short path must not return the bare product). */
Test(small_products, a_negative_zero_product_comes_out_positive) {
    const float w[3] = {-1.0f, 2.0f, -0.0f}, x = 0.0f;
    float y[3];
    nf_dense_args a = {.batch = 1, .rows = 3, .cols = 1, .w = w, .x = &x, .y = y};
    cr_assert_eq(nf_cpu_dense(NULL, &a), NF_OK);
    for (int i = 0; i < 3; i++)
        cr_assert(y[i] == 0.0f && !signbit(y[i]), "y[%d] = %g", i, (double)y[i]);
}
