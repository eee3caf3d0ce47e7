/*
 * Allocation-failure sweep: a representative program (every connection kind:
 * dense, sparse, identity, event-driven dense and sparse, output feedback; a
 * readout; each learner kind, with F32 and F64 P; probes of every kind; rate
 * statistics; runs in both modes; probe read and .npy write; energy; a
 * checkpoint saved and loaded; reset;
 * layers of every kind, applied alone and as a chain; .npy read; device
 * query) is run once cleanly, counting the allocations each of its calls
 * makes, and then once for every allocation k of every call s, failing
 * exactly that one. Each time the call must return NF_OK (the library coped)
 * or NF_ERR_OUT_OF_MEMORY with a message that begins with the name of the
 * public function called ("nf_connect: out of host memory (...)", and not
 * another function's name after it), and then:
 *   - nothing it could change has changed (observe.h: every state variable,
 *     weight, P, z, probe count, statistics, energy table, layer state);
 *   - the same call made again succeeds, and the rest of the program gives
 *     exactly the clean run's final observation (so nothing unobservable,
 *     such as an input's cursor or the random stream, moved either);
 *   - after destroying everything, every allocation the library made has been
 *     freed (and, in the sanitizer build, LeakSanitizer agrees).
 * The library never allocates inside an OpenMP parallel region (checked at
 * every allocation).
 *
 * Which allocations: the static library is linked with malloc, calloc,
 * realloc, free, posix_memalign, aligned_alloc, strdup, fopen, fdopen and
 * fclose wrapped (-Wl,--wrap, tests/CMakeLists.txt), which redirects exactly
 * the calls made from the library's own object files. Allocations inside
 * libc (fopen's buffer, counted as the fopen), OpenBLAS and the OpenMP
 * runtime are not failed: they are not the library's, and an interposer
 * failing them would fail those libraries' start-up instead (libgomp exits
 * on its own allocation failures). This program's own buffers come from the
 * __real_ functions. `nft_alloc_sweep -v` lists every call's allocations and
 * the call sites reached; tests/faults/alloc_sites.py maps those to source
 * lines and names any allocation in the library's source the sweep misses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "neurofuse.h"
#include "observe.h"
#include "sweep_program.h"

// --- the wrappers

int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
FILE *__real_fdopen(int fd, const char *mode);

#define LIVE_SLOTS (1 << 16)
#define MAX_SITES 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int tracking;          /* on from the start of main */
static long calls;            /* allocations seen (the library's) */
static long fail_at;          /* fail the allocation with this number; 0: none */
static int failed;            /* the armed failure happened */
static long in_parallel;      /* allocations made inside a parallel region */
static long live;             /* library allocations not freed */
static void **live_set;       /* open addressing: the live pointers */
static int in_step;           /* a step of the clean run is running */
static void *sites[MAX_SITES];/* distinct call sites (return addresses) of those steps */
static int n_sites;

static size_t slot_of(const void *p) {
    return ((uintptr_t)p >> 4) * 2654435761u % LIVE_SLOTS;
}

static void live_add(void *p) {
    if (!p)
        return;
    size_t i = slot_of(p);
    while (live_set[i] && live_set[i] != (void *)1)
        i = (i + 1) % LIVE_SLOTS;
    live_set[i] = p;
    live++;
}

/* Removes p when it is the library's; 1 when it was. */
static int live_remove(const void *p) {
    if (!p)
        return 0;
    for (size_t i = slot_of(p), n = 0; live_set[i] && n < LIVE_SLOTS; i = (i + 1) % LIVE_SLOTS, n++)
        if (live_set[i] == p) {
            live_set[i] = (void *)1; /* a tombstone */
            live--;
            return 1;
        }
    return 0;
}

/* Counts an allocation from `site`; 1 when it must fail. */
static int next_fails(void *site) {
    if (!tracking)
        return 0;
    if (omp_in_parallel())
        in_parallel++;
    calls++;
    int i = 0;
    while (in_step && i < n_sites && sites[i] != site)
        i++;
    if (in_step && i == n_sites && n_sites < MAX_SITES)
        sites[n_sites++] = site;
    if (fail_at && calls == fail_at) {
        failed = 1;
        return 1;
    }
    return 0;
}

#define WRAP_ALLOC(call, result)                                                             \
    do {                                                                                     \
        pthread_mutex_lock(&lock);                                                           \
        const int fail_ = next_fails(__builtin_return_address(0));                           \
        pthread_mutex_unlock(&lock);                                                         \
        if (fail_) {                                                                         \
            errno = ENOMEM;                                                                  \
            return NULL;                                                                     \
        }                                                                                    \
        result = call;                                                                       \
        pthread_mutex_lock(&lock);                                                           \
        if (tracking)                                                                        \
            live_add(result);                                                                \
        pthread_mutex_unlock(&lock);                                                         \
    } while (0)

void *__wrap_malloc(size_t n) {
    void *p;
    WRAP_ALLOC(__real_malloc(n), p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size) {
    void *p;
    WRAP_ALLOC(__real_calloc(n, size), p);
    return p;
}

void *__wrap_aligned_alloc(size_t align, size_t n) {
    void *p;
    WRAP_ALLOC(__real_aligned_alloc(align, n), p);
    return p;
}

char *__wrap_strdup(const char *s) {
    char *p;
    WRAP_ALLOC(__real_strdup(s), p);
    return p;
}

void *__wrap_realloc(void *old, size_t n) {
    pthread_mutex_lock(&lock);
    const int fail = next_fails(__builtin_return_address(0));
    pthread_mutex_unlock(&lock);
    if (fail) {
        errno = ENOMEM;
        return NULL; /* old stays valid */
    }
    void *p = __real_realloc(old, n);
    pthread_mutex_lock(&lock);
    if (tracking && p) {
        if (old)
            live_remove(old);
        live_add(p);
    }
    pthread_mutex_unlock(&lock);
    return p;
}

int __wrap_posix_memalign(void **out, size_t align, size_t n) {
    pthread_mutex_lock(&lock);
    const int fail = next_fails(__builtin_return_address(0));
    pthread_mutex_unlock(&lock);
    if (fail)
        return ENOMEM;
    const int r = __real_posix_memalign(out, align, n);
    pthread_mutex_lock(&lock);
    if (tracking && r == 0)
        live_add(*out);
    pthread_mutex_unlock(&lock);
    return r;
}

void __wrap_free(void *p) {
    pthread_mutex_lock(&lock);
    if (tracking)
        live_remove(p);
    pthread_mutex_unlock(&lock);
    __real_free(p);
}

/* A FILE is an allocation too: fopen and fdopen fail as out of memory. */
FILE *__wrap_fopen(const char *path, const char *mode) {
    FILE *f;
    WRAP_ALLOC(__real_fopen(path, mode), f);
    return f;
}

FILE *__wrap_fdopen(int fd, const char *mode) {
    FILE *f;
    WRAP_ALLOC(__real_fdopen(fd, mode), f);
    return f;
}

int __wrap_fclose(FILE *f) {
    pthread_mutex_lock(&lock);
    if (tracking)
        live_remove(f);
    pthread_mutex_unlock(&lock);
    return __real_fclose(f);
}

/* Folders the library opens (O_DIRECTORY: the file writer syncs the folder
 * of the file it renamed) are recorded for the program's checks. */
int __real_open(const char *path, int flags, ...);
char nft_sweep_synced[4096];

int __wrap_open(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (flags & O_DIRECTORY)
        snprintf(nft_sweep_synced, sizeof nft_sweep_synced, "%s", path);
    return __real_open(path, flags, mode);
}

void nft_sweep_count(int on) {
    pthread_mutex_lock(&lock);
    tracking = on;
    pthread_mutex_unlock(&lock);
}

void *nft_obs_realloc(void *p, size_t bytes) { return __real_realloc(p, bytes); }
void nft_obs_release(void *p) { __real_free(p); }

// --- the sweep

#define MAX_STEPS 128

static const char *status_name(nf_status st) { return nf_status_string(st); }

static const char sentinel_net[] = "nf_network_set_mode: mode 99 is not an nf_mode";

/* Puts a known message in place, so that a failure must write its own. */
static void set_sentinel(ctx *c, const step *s) {
    c->msg[0] = '\0';
    if (s->at == AT_NET && c->net)
        nf_network_set_mode(c->net, (nf_mode)99);
    if (s->at == AT_LAYER && c->layers[s->layer].layer)
        nf_layer_set_mode(c->layers[s->layer].layer, (nf_mode)99);
}

static const char *message(const ctx *c, const step *s) {
    if (s->at == AT_NET)
        return c->net ? nf_network_last_error(c->net) : "";
    if (s->at == AT_LAYER)
        return c->layers[s->layer].layer ? nf_layer_last_error(c->layers[s->layer].layer) : "";
    return c->msg;
}

static void observe(ctx *c, nft_obs *o) {
    nft_obs_clear(o);
    nft_observe_network(o, c->net, c->obj, c->n_obj, c->devices, c->n_devices);
    for (int i = 0; i < c->n_layers; i++)
        nft_observe_layer(o, &c->layers[i]);
}

static void teardown(ctx *c) {
    nf_network_destroy(c->net);
    for (int i = 0; i < c->n_layers; i++)
        nf_layer_destroy(c->layers[i].layer);
    nf_npy_free(c->npy);
    const char *dir = c->dir;
    memset(c, 0, sizeof *c);
    c->dir = dir;
}

static int problems;


static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "alloc_sweep: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (++problems > 50) {
        fprintf(stderr, "alloc_sweep: too many problems, stopping\n");
        exit(1);
    }
}

/* Runs steps [from, to) without failures; 0 when one failed (reported). */
static int run_clean(ctx *c, int from, int to, const char *why) {
    for (int i = from; i < to; i++) {
        set_sentinel(c, &nft_sweep_steps[i]);
        const nf_status st = nft_sweep_steps[i].fn(c);
        if (st != NF_OK) {
            problem("%s: step %d %s failed: %s: %s", why, i, nft_sweep_steps[i].name,
                    status_name(st),
                    message(c, &nft_sweep_steps[i]));
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    const int verbose = argc > 1 && !strcmp(argv[1], "-v");
    live_set = __real_calloc(LIVE_SLOTS, sizeof *live_set);
    char dir[] = "/tmp/nft_alloc_sweep_XXXXXX";
    if (!live_set || !mkdtemp(dir)) {
        fprintf(stderr, "alloc_sweep: cannot start: %s\n", strerror(errno));
        return 1;
    }
    nft_sweep_write_doubles(dir);
    char sub[256], link[256], chain[256];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(link, sizeof link, "%s/link.npy", dir);
    snprintf(chain, sizeof chain, "%s/chain.npy", dir);
    if (mkdir(sub, 0755) != 0 || symlink("sub/target.npy", link) != 0 ||
        symlink(link, chain) != 0) {
        fprintf(stderr, "alloc_sweep: cannot make links in %s: %s\n", dir, strerror(errno));
        return 1;
    }
    /* The runtimes start outside the sweep (their first-use allocations are theirs). */
    nf_device_info info;
    nf_device_query(NF_BACKEND_CPU, 0, &info);
    tracking = 1;

    ctx c = {.dir = dir};
    nft_obs final_clean = {0}, before = {0}, after = {0};
    long per_step[MAX_STEPS];
    if (nft_sweep_n_steps > MAX_STEPS) {
        fprintf(stderr, "alloc_sweep: more than %d steps\n", MAX_STEPS);
        return 1;
    }
    /* the clean run: each step's allocations */
    long clean_calls = 0;
    for (int i = 0; i < nft_sweep_n_steps; i++) {
        const long c0 = calls;
        in_step = 1;
        const int ok = run_clean(&c, i, i + 1, "clean run");
        in_step = 0;
        if (!ok)
            return 1;
        per_step[i] = calls - c0;
        clean_calls += per_step[i];
    }
    observe(&c, &final_clean);
    teardown(&c);
    if (live != 0)
        problem("the clean run leaves %ld allocations after destroying everything", live);

    long coped = 0, oom = 0;
    for (int s = 0; s < nft_sweep_n_steps; s++) {
        for (long k = 1; k <= per_step[s]; k++) {
            if (!run_clean(&c, 0, s, "before the failing call")) {
                teardown(&c);
                continue;
            }
            observe(&c, &before);
            set_sentinel(&c, &nft_sweep_steps[s]);
            failed = 0;
            fail_at = calls + k;
            c.called = NULL;
            const nf_status st = nft_sweep_steps[s].fn(&c);
            fail_at = 0;
            const char *what = nft_sweep_steps[s].name;
            if (!failed)
                problem("%s: allocation %ld of %ld was never made (not deterministic)", what, k,
                        per_step[s]);
            if (st == NF_OK) {
                coped++;
                if (verbose)
                    fprintf(stderr, "%s: allocation %ld failed, the call coped\n", what, k);
                /* it succeeded: the rest must still go as in the clean run */
            } else if (st != NF_ERR_OUT_OF_MEMORY) {
                problem("%s: allocation %ld failed: %s instead of NF_ERR_OUT_OF_MEMORY (%s)", what,
                        k, status_name(st), message(&c, &nft_sweep_steps[s]));
                teardown(&c);
                continue;
            } else {
                oom++;
                const char *m = message(&c, &nft_sweep_steps[s]);
                if (!m[0] || !strcmp(m, sentinel_net) || strstr(m, "mode 99"))
                    problem("%s: allocation %ld failed: NF_ERR_OUT_OF_MEMORY without a message",
                            what, k);
                else if (!c.called || !nft_message_names(m, c.called))
                    problem("%s: allocation %ld failed: the message does not begin with "
                            "\"%s: \": %s", what, k, c.called ? c.called : "(no call)", m);
                else if (verbose)
                    fprintf(stderr, "%s: allocation %ld: %s\n", what, k, m);
                observe(&c, &after);
                char where_[160];
                if (nft_obs_diff(&before, &after, where_, sizeof where_))
                    problem("%s: allocation %ld failed and the call changed %s (%s)", what, k,
                            where_, m);
                /* the same call again, now with memory */
                set_sentinel(&c, &nft_sweep_steps[s]);
                const nf_status again = nft_sweep_steps[s].fn(&c);
                if (again != NF_OK) {
                    problem("%s: allocation %ld failed; the call made again gives %s: %s", what,
                            k, status_name(again), message(&c, &nft_sweep_steps[s]));
                    teardown(&c);
                    continue;
                }
            }
            if (run_clean(&c, s + 1, nft_sweep_n_steps, "after the failing call")) {
                observe(&c, &after);
                char where_[160];
                if (nft_obs_diff(&final_clean, &after, where_, sizeof where_))
                    problem("%s: allocation %ld failed; the program then ends with another %s "
                            "than the clean run", what, k, where_);
            }
            teardown(&c);
            if (live != 0) {
                problem("%s: allocation %ld failed: %ld allocations leaked", what, k, live);
                live = 0;
                memset(live_set, 0, LIVE_SLOTS * sizeof *live_set);
            }
        }
    }
    if (in_parallel)
        problem("%ld allocations were made inside OpenMP parallel regions", in_parallel);
    tracking = 0;
    nft_obs_free(&final_clean);
    nft_obs_free(&before);
    nft_obs_free(&after);
    static const char *const made[] = {"leaky.npy", "direct.npy", "doubles.npy", "chain.npy",
                                       "link.npy", "sub/target.npy", "sub", "net.npz"};
    for (size_t i = 0; i < sizeof made / sizeof *made; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, made[i]);
        remove(path);
    }
    rmdir(dir);
    printf("alloc_sweep: %d calls making %ld allocations at %d call sites of the library "
           "(%ld allocations in all while sweeping); each failed once: %ld gave "
           "NF_ERR_OUT_OF_MEMORY (each message checked to begin with the called function's "
           "name), %ld coped; %d problems\n",
           nft_sweep_n_steps, clean_calls, n_sites, calls, oom, coped, problems);
    if (verbose) {
        for (int i = 0; i < nft_sweep_n_steps; i++)
            printf("  %-24s %ld allocations\n", nft_sweep_steps[i].name, per_step[i]);
        for (int i = 0; i < n_sites; i++)
            printf("  site main%+ld\n", (long)((char *)sites[i] - (char *)(uintptr_t)main));
    }
    return problems ? 1 : 0;
}
