/*
 * The allocation sweep's program (sweep_program.c): the calls it makes, one
 * step each, with what they work on; alloc_sweep.c runs them and fails
 * their allocations one at a time.
 */
#ifndef NFT_SWEEP_PROGRAM_H
#define NFT_SWEEP_PROGRAM_H

#include <stdio.h>

#include "neurofuse.h"
#include "observe.h"

/* The allocators themselves, past the wrappers (-Wl,--wrap): the program's
 * own buffers and files are not the library's allocations. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
FILE *__real_fopen(const char *path, const char *mode);
int __real_fclose(FILE *f);

#define BATCH 2
#define ROWS 64

/* Where a call's message goes. */
typedef enum where { AT_NET, AT_LAYER, AT_CTX } where;

typedef struct ctx {
    nf_network *net;
    nft_object obj[64];
    int n_obj;
    nft_layer layers[3];
    int n_layers;
    const char *devices[1];
    int n_devices;
    char msg[512];            /* AT_CTX calls' messages */
    const char *called;       /* the public function the step called last (CALL) */
    const char *dir;          /* a scratch folder */
    /* ids */
    int32_t lif, leaky, tanh_s, relu, izh;
    int32_t drive, target, rows_target;
    int32_t c_identity, c_event_dense, c_event_sparse, c_recurrent, c_sparse, c_feedback,
        c_learn_currents, c_desired, c_per_batch, c_into_izh, c_unmasked;
    int32_t readout;
    int32_t l_readout, l_currents, l_masked, l_masked_dense, l_masked_weights;
    int32_t p_lif, p_leaky;
    /* .npy read back */
    float *npy;
} ctx;

typedef struct step {
    const char *name;
    nf_status (*fn)(ctx *c);
    where at;
    int layer; /* AT_LAYER: which */
} step;

/* Turns the counting (and failing) of allocations off (0) and on again
 * around the program's own checks (alloc_sweep.c). */
void nft_sweep_count(int on);

/* The folder the library last opened to sync (alloc_sweep.c wraps open). */
extern char nft_sweep_synced[4096];

extern const step nft_sweep_steps[];
extern const int nft_sweep_n_steps;

/* Writes the '<f8' file the program reads (doubles.npy in dir). */
void nft_sweep_write_doubles(const char *dir);

#endif /* NFT_SWEEP_PROGRAM_H */
