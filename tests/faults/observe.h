/*
 * What a program can observe of a network or a layer through the public API,
 * recorded as labelled bytes so that two observations compare with memcmp:
 * step count, batch, dt, mode, backend; every population's size, state
 * variables and rate statistics; every connection's weights; every readout's
 * weights and z; every learner's P; every probe's row count and row size;
 * the energy summary and the registered devices' estimates; a layer's state
 * and statistics. Reading never changes anything (the API's getters), so a
 * failed call is checked by observing before and after it. Used by the
 * allocation sweep (alloc_sweep.c) and the fuzz target (tests/fuzz).
 */
#ifndef NFT_OBSERVE_H
#define NFT_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"

/* The allocator the recorder uses for its own buffers (each program defines
 * it: the allocation sweep keeps it out of the allocations it counts). */
void *nft_obs_realloc(void *p, size_t bytes);
void nft_obs_release(void *p);

typedef enum nft_kind {
    NFT_POP = 1,
    NFT_INPUT,
    NFT_CONN,
    NFT_READOUT,
    NFT_LEARNER,
    NFT_PROBE
} nft_kind;

/* An object the program made, as it knows it. */
typedef struct nft_object {
    int32_t id;
    nft_kind kind;
    int32_t size;   /* POP: n; INPUT, READOUT: dim */
    int32_t n;      /* READOUT: its population's n */
    int32_t copies; /* READOUT: batch when per_batch, else 1 */
} nft_object;

/* A layer the program made; batch is the state's batch (0: none yet). */
typedef struct nft_layer {
    nf_layer *layer;
    nf_layer_kind kind;
    int32_t units;
    int32_t batch;
    int flags; /* the program's own (the fuzz target: fed non-finite values) */
} nft_layer;

typedef struct nft_obs {
    unsigned char *data;
    size_t len, cap;
    struct nft_obs_field { size_t at; char label[48]; } *fields;
    size_t n_fields, fields_cap;
    size_t max_values; /* values read per variable at most; larger ones: size only */
} nft_obs;

/* Appends the network's observable state (objects[count] as made; devices:
 * the names registered with nf_energy_device_register). */
void nft_observe_network(nft_obs *o, nf_network *net, const nft_object *objects, int count,
                         const char *const *devices, int n_devices);
void nft_observe_layer(nft_obs *o, const nft_layer *l);

/* 0 when a and b hold the same bytes; else 1 and `where` names the first
 * field that differs. */
int nft_obs_diff(const nft_obs *a, const nft_obs *b, char *where, size_t cap);
void nft_obs_clear(nft_obs *o); /* empties it, keeping its buffers */

/* 1 when a failure's message m names the public function fn called, as the
 * library promises: it begins "fn: " and names no other function right
 * after ("nf_connect: out of host memory (...)"). */
int nft_message_names(const char *m, const char *fn);
void nft_obs_free(nft_obs *o);

#endif /* NFT_OBSERVE_H */
