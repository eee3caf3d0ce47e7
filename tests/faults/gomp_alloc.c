/*
 * The OpenMP runtime's own allocations cannot end the process: libgomp exits
 * ("Out of memory allocating ...") when an allocation of its per-region
 * bookkeeping fails, so the library must not enter a parallel region whose
 * team libgomp has to allocate at run time (a region that ends up with one
 * thread allocates a team every time; regions of the full thread count reuse
 * the team the CPU backend makes when a network is created). This program
 * replaces malloc, calloc, realloc and the aligned allocators for the whole
 * process, builds a network
 * (every CPU path: dense, sparse, identity and event-driven connections, a
 * learner, probes, a layer chain), then fails every allocation that libgomp
 * makes and runs the same paths again, plus a new event-driven connection:
 * every call must still succeed. Run with OMP_NUM_THREADS=1 and 2 (ctest).
 * Exit status 0 on success; libgomp's exit(1) or a failed call otherwise.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static int armed;
static __thread int inside; /* dladdr may allocate: never recurse */
static long refused;

/* 1 when the caller at `ret` lies in libgomp and the trap is armed. */
static int from_gomp(void *ret) {
    if (!armed || inside)
        return 0;
    inside = 1;
    Dl_info info;
    const int hit = dladdr(ret, &info) && info.dli_fname && strstr(info.dli_fname, "libgomp");
    inside = 0;
    if (hit)
        __atomic_add_fetch(&refused, 1, __ATOMIC_RELAXED);
    return hit;
}

void *malloc(size_t n) {
    return from_gomp(__builtin_return_address(0)) ? NULL : __libc_malloc(n);
}

void *calloc(size_t a, size_t b) {
    return from_gomp(__builtin_return_address(0)) ? NULL : __libc_calloc(a, b);
}

void *realloc(void *p, size_t n) {
    return from_gomp(__builtin_return_address(0)) ? NULL : __libc_realloc(p, n);
}

/* libgomp allocates its teams aligned (gomp_aligned_alloc). */
void *aligned_alloc(size_t align, size_t n) {
    return from_gomp(__builtin_return_address(0)) ? NULL : __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n) {
    if (from_gomp(__builtin_return_address(0)))
        return 12; /* ENOMEM */
    *out = __libc_memalign(align, n);
    return *out ? 0 : 12;
}

void *memalign(size_t align, size_t n) {
    return from_gomp(__builtin_return_address(0)) ? NULL : __libc_memalign(align, n);
}

#define CHECK(net, call)                                                                      \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        if (st_ != NF_OK) {                                                                  \
            fprintf(stderr, "%s: %s: %s\n", #call, nf_status_string(st_),                   \
                    (net) ? nf_network_last_error(net) : "");                                \
            return 1;                                                                        \
        }                                                                                    \
    } while (0)

/* One round of every path, on a network of `batch` elements. */
static int exercise(nf_network *net, int32_t lif, int32_t relu, nf_layer **chain) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_NORMAL;
    d.p = 0.3f;
    d.propagation = NF_PROPAGATION_EVENT;
    int32_t c;
    CHECK(net, nf_connect(net, lif, relu, &d, &c));
    CHECK(net, nf_network_run(net, 300));
    CHECK(net, nf_network_reset(net));
    CHECK(net, nf_network_run(net, 40));
    float in[4 * 16 * 32], out[4 * 16 * 32];
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        in[i] = (float)(i % 7) * 20.0f;
    CHECK(NULL, nf_layer_chain_apply(chain, 2, in, out, 4, 16, 32, NF_LAYOUT_BATCH_MAJOR,
                                     NF_MEMORY_HOST, 1));
    return 0;
}

int main(void) {
    nf_network_desc nd = nf_network_defaults();
    nd.backend = NF_BACKEND_CPU;
    nd.batch = 4;
    nf_network *net = NULL;
    CHECK(NULL, nf_network_create(&nd, &net));
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 200);
    pd.bias = 2.0f;
    int32_t lif, relu, readout, learner, probe, in;
    CHECK(net, nf_population_add(net, &pd, &lif));
    pd = nf_population_defaults(NF_MODEL_RELU, 100);
    pd.filter.kind = NF_FILTER_LOWPASS;
    pd.filter.tau = 0.01f;
    CHECK(net, nf_population_add(net, &pd, &relu));
    CHECK(net, nf_input_add(net, 100, &in));
    nf_connection_desc d = nf_connection_defaults();
    d.kind = NF_CONNECTION_IDENTITY;
    d.init = NF_WEIGHTS_ZERO;
    CHECK(net, nf_connect(net, in, relu, &d, &readout));
    d = nf_connection_defaults();
    d.kind = NF_CONNECTION_SPARSE;
    d.init = NF_WEIGHTS_UNIFORM;
    d.low = -0.1f;
    d.high = 0.1f;
    d.p = 0.2f;
    d.propagation = NF_PROPAGATION_DENSE;
    CHECK(net, nf_connect(net, lif, relu, &d, &readout));
    CHECK(net, nf_readout_add(net, relu, 1, NULL, &readout));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    int32_t target;
    CHECK(net, nf_input_add(net, 1, &target));
    ld.target = target;
    CHECK(net, nf_learner_add(net, &ld, &learner));
    CHECK(net, nf_probe_add(net, relu, NF_PROBE_FILTERED, 3, &probe));
    nf_layer *chain[2];
    nf_layer_desc a = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, 32);
    nf_layer_desc f = nf_layer_defaults(NF_LAYER_LOWPASS, 32);
    a.backend = f.backend = NF_BACKEND_CPU;
    CHECK(NULL, nf_layer_create(&a, &chain[0]));
    CHECK(NULL, nf_layer_create(&f, &chain[1]));
    if (exercise(net, lif, relu, chain)) /* unarmed: whatever libgomp sets up once */
        return 1;
    armed = 1;
    if (exercise(net, lif, relu, chain))
        return 1;
    armed = 0;
    nf_layer_destroy(chain[0]);
    nf_layer_destroy(chain[1]);
    nf_network_destroy(net);
    printf("gomp_alloc: every call succeeded with libgomp's allocations failing (%ld refused)\n",
           refused);
    return 0;
}
