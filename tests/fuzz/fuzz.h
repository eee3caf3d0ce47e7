/*
 * The fuzz target's shared parts: reading choices from the fuzzer's bytes
 * (sizes, floats, ids, enums, each with hostile values mixed in), the
 * checks of the library's promises (a status is one of nf_status, a failure
 * sets a message and changes nothing observable), and the state one input
 * builds up (a network, the objects it holds, layers).
 *
 * Sizes: ordinary ones are small; hostile ones are invalid (0, negative) or
 * so large that the library must refuse them (the products overflow, or a
 * buffer would exceed the allocation limit the fuzzer runs with, 2 GiB,
 * scripts/fuzz.sh); sizes between are not asked for, so that memory and time
 * per input stay bounded.
 */
#ifndef NFT_FUZZ_H
#define NFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "neurofuse.h"
#include "observe.h"

// --- reading the input

typedef struct fz_reader {
    const uint8_t *p;
    size_t n;
} fz_reader;

uint8_t fz_u8(fz_reader *r);
uint32_t fz_u32(fz_reader *r);
/* 1 with probability about num / 256. */
int fz_chance(fz_reader *r, int num);
/* A count: mostly 1..small, sometimes 0 or negative, sometimes one of
 * `huge` (values the library must refuse), never anything in between. */
int32_t fz_size(fz_reader *r, int32_t small);
/* A step count for runs and inputs: small, 0, negative, or huge (>= 2^61). */
int64_t fz_steps(fz_reader *r, int64_t small);
/* Any float, hostile ones (NaN, +-inf, +-3e38, subnormal, -0) often. */
float fz_float(fz_reader *r);
/* `sane` most of the time, else fz_float. */
float fz_param(fz_reader *r, float sane);
/* A double for dt: sane, or 0, negative, NaN, inf, 1e300, 1e-300, 3.5e38. */
double fz_dt(fz_reader *r);
/* An enum value: mostly 0..count-1, sometimes -1, count or a large one. */
int fz_enum(fz_reader *r, int count);

// --- checks

/* Reports a broken promise and aborts (libFuzzer keeps the input). */
#define FZ_FAIL(...)                                                                         \
    do {                                                                                     \
        fprintf(stderr, "fuzz_api: broken promise at %s:%d: ", __FILE__, __LINE__);         \
        fprintf(stderr, __VA_ARGS__);                                                        \
        fprintf(stderr, "\n");                                                               \
        abort();                                                                             \
    } while (0)

#define FZ_CHECK(cond, ...)                                                                  \
    do {                                                                                     \
        if (!(cond))                                                                         \
            FZ_FAIL(__VA_ARGS__);                                                            \
    } while (0)

/* A status is one of nf_status. */
void fz_status_valid(nf_status st, const char *call);
/* A failure's message m begins with the name of the function called, "call: "
 * ("nf_connect: out of host memory (...)"), and names no other function right
 * after it; one cut short by a buffer of `cap` bytes (0: not cut) must be the
 * beginning of that. */
void fz_message_names(const char *m, const char *call, size_t cap);
/* Makes a public call, naming it in `call` for the checks. */
#define FZ_CALL(call, f, ...) ((call) = #f, f(__VA_ARGS__))

/* Set NFT_FUZZ_TRACE=1 to see every call of an input replayed (for triage). */
extern int fz_trace;
#define FZ_TRACE(...)                                                                        \
    do {                                                                                     \
        if (fz_trace)                                                                        \
            fprintf(stderr, __VA_ARGS__);                                                    \
    } while (0)

// --- what one input builds

#define FZ_MAX_OBJECTS 48
#define FZ_MAX_LAYERS 4
/* Values in one buffer the target allocates, at most. */
#define FZ_MAX_VALUES (1 << 16)

typedef struct fz_state {
    nf_network *net;
    int32_t batch;
    nft_object obj[FZ_MAX_OBJECTS];
    int n_obj;
    const char *devices[4];   /* registered energy devices */
    char device_names[4][32];
    int n_devices;
    nft_layer layers[FZ_MAX_LAYERS];
    int n_layers;
    const char *dir;          /* a scratch folder of this process */
    nft_obs before, after;    /* observations around a call */
} fz_state;

/* The id of an object of `kind` (mostly one that exists; sometimes any id or
 * a bad one); -1 when it picked "none of that kind". */
int32_t fz_pick(fz_reader *r, const fz_state *s, nft_kind kind);
/* The tracked object with this id, or NULL. */
const nft_object *fz_find(const fz_state *s, int32_t id);
/* A buffer of `count` floats from the input (malloc'd with exactly that
 * size, so that a read past it is caught); NULL for count 0 or above
 * FZ_MAX_VALUES. */
float *fz_floats(fz_reader *r, int64_t count);

/* Before a call on the network: observes it and puts a known message in place. */
void fz_before(fz_state *s);
/* After it: a failure must have set a message and changed nothing observable
 * (`may_change`: the call's documented partial effect, e.g. a numeric failure). */
void fz_after(fz_state *s, nf_status st, const char *call, int may_change);
/* The same for a layer. */
void fz_layer_before(fz_state *s, nft_layer *l);
void fz_layer_after(fz_state *s, nft_layer *l, nf_status st, const char *call);

// --- the operations (fuzz_ops.c, fuzz_more.c)

void fz_op_network(fz_reader *r, fz_state *s, int op);
int fz_network_ops(void);
void fz_op_layer(fz_reader *r, fz_state *s);
void fz_op_files(fz_reader *r, fz_state *s);
void fz_op_pure(fz_reader *r, fz_state *s);
void fz_op_null(fz_reader *r, fz_state *s);

#endif /* NFT_FUZZ_H */
