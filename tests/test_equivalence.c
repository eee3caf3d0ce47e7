/*
 * CPU-versus-CUDA equivalence on random networks of every model, filter and
 * connection kind: each spec of the table (equivalence_specs.c) builds the same
 * network on both backends from the same seed, and the harness
 * (equivalence_common.h, which says what is compared and within what) checks
 * the initial draws bit for bit and the runs within the tolerances. Without a
 * GPU the CPU-vs-CUDA test skips; the same machinery then runs CPU against CPU,
 * bit for bit, and with rounding-level perturbations within the tolerances.
 * The harness's own checks: test_equivalence_harness.c.
 */
#include <stddef.h>

#include "equivalence_common.h"

TestSuite(equivalence, .timeout = 120);

ParameterizedTestParameters(equivalence, cpu_vs_cuda) {
    return cr_make_param_array(eq_spec, EQ_SPECS, EQ_SPEC_COUNT);
}

/* The same random network on CPU and CUDA. */
ParameterizedTest(eq_spec *spec, equivalence, cpu_vs_cuda, .timeout = 120) {
    if (!nf_backend_available(NF_BACKEND_CUDA))
        cr_skip_test("no CUDA device: CPU-vs-CUDA equivalence needs a GPU");
    eq_check(spec, NF_BACKEND_CPU, NF_BACKEND_CUDA, EQ_CLOSE, 0);
}

/* The whole machinery on two CPU networks, where there is no GPU: a rate network
 * (per-batch weights, sparse recurrence, every comparison in value) and a spiking one
 * (event-driven CSC propagation, spike counts), bit-identical, and through the
 * tolerance comparisons too; small enough for valgrind. */
Test(equivalence, cpu_vs_cpu_harness, .timeout = 300) {
    static const char *const names[] = {"relu_rate_none_sparse_pb_b5",
                                        "lif_nc_dexp_event_sparse_b5"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        eq_check(eq_find_spec(names[i]), NF_BACKEND_CPU, NF_BACKEND_CPU, EQ_EXACT, 0);
}

ParameterizedTestParameters(equivalence, every_spec_cpu_vs_cpu_slow) {
    return cr_make_param_array(eq_spec, EQ_SPECS, EQ_SPEC_COUNT);
}

/* Every spec of the table on two CPU networks: each builds and runs here, fires
 * enough spikes for its count comparison, and agrees bit for bit. (_slow: left out
 * under valgrind, where the table takes many minutes; cpu_vs_cpu_harness covers the
 * same code there.) */
ParameterizedTest(eq_spec *spec, equivalence, every_spec_cpu_vs_cpu_slow, .timeout = 120) {
    eq_check(spec, NF_BACKEND_CPU, NF_BACKEND_CPU, EQ_EXACT, 0);
}

ParameterizedTestParameters(equivalence, rounding_differences_stay_within_tolerance_slow) {
    return cr_make_param_array(eq_spec, EQ_SPECS, EQ_SPEC_COUNT);
}

/* The premise of the CUDA comparison, checked where there is no GPU: the specs are
 * not chaotic, so differences at the rounding level (here every bias and gain moved
 * by EQ_PERTURB_ULPS ulps on one of two CPU networks; cuBLAS against OpenBLAS and
 * device against libm transcendentals move currents by about one ulp) stay within
 * the tolerances over the whole run. */
ParameterizedTest(eq_spec *spec, equivalence, rounding_differences_stay_within_tolerance_slow,
                  .timeout = 120) {
    eq_check(spec, NF_BACKEND_CPU, NF_BACKEND_CPU, EQ_CLOSE, EQ_PERTURB_ULPS);
}
