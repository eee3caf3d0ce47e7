/*
 * What the error-path tests (test_errors_network.c, _connections.c, _run.c)
 * share. Error paths of every public function: each bad argument is refused
 * with the exact status and a non-empty nf_network_last_error() naming the
 * argument (a whole word, any case: mentions()), and leaves the network as it
 * was. TWINS() builds two identical small networks (LIF + lowpass fed by an
 * input sequence and readout feedback, RELU fed by event, dense and identity
 * connections, a learner, probes) run REF_PRE steps; bad calls go to `a` only;
 * ref_finish() adds the same late objects to both (seed draws and ids show),
 * runs REF_POST steps and compares every probe row, state, weight and P bit for
 * bit. The message is primed with another failure before each call, so a
 * failure that writes no message of its own is caught.
 */
#ifndef NFT_ERRORS_COMMON_H
#define NFT_ERRORS_COMMON_H

#include <stdint.h>

#include "common.h"

// --- message and status checks ------------------------------------------------------

/* 1 when msg mentions one of the '|'-separated words as a whole word (bounded by
 * anything but a letter or digit: "filter.tau", "NF_STATE_X", "w[3]"), any case. */
int mentions(const char *msg, const char *words);
/* Writes a known failure message into net, one `call` cannot write. */
void prime_error(nf_network *net, const char *call);
/* got must be want, with a new message naming one of `words` (NULL: any). */
void expect_fail_(nf_network *net, nf_status got, nf_status want, const char *words,
                  const char *what, int line);

/* call must return `want` and leave a message naming one of `words` (NULL: any). */
#define FAILS_AS(net, want, words, what, call)                                                     \
    do {                                                                                           \
        prime_error((net), what);                                                                  \
        nf_status fs_ = (call);                                                                    \
        expect_fail_((net), fs_, (want), (words), what, __LINE__);                                 \
    } while (0)
/* call must be refused (NF_ERR_INVALID_ARGUMENT) by `net`, with a message naming `words`. */
#define REFUSED(words, call) FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #call, call)

/* For calls that cannot leave a message (a const network, or none). */
#define STATUS_IS(want, call)                                                                      \
    do {                                                                                           \
        nf_status ss_ = (call);                                                                    \
        cr_assert_eq(ss_, (want), "%s returned %s, expected %s", #call, nf_status_string(ss_),     \
                     nf_status_string(want));                                                      \
    } while (0)

// --- the reference network ----------------------------------------------------------

#define REF_BATCH  2
#define REF_DT     1e-3
#define REF_SEED   20240611u
#define REF_N      4  /* LIF and RELU neurons */
#define REF_DIM    2  /* input and readout dimension */
#define REF_ROWS   40 /* input sequence rows */
#define REF_PRE    5  /* steps both twins run before the bad calls */
#define REF_POST   10 /* steps both run after */
#define REF_LATE_N 3  /* neurons of the population added after the bad calls */

enum { P_LIF_OUT, P_LIF_FILTERED, P_LIF_STATE, P_RELU_OUT, P_READOUT, P_INPUT, P_ERROR, NPROBE };

typedef struct ref_net {
    nf_network *net;
    int32_t in, in3, lif, relu, c_in, c_event, c_dense, c_identity, readout, c_feedback, learner,
        probe[NPROBE], late_pop, late_conn, late_probe;
} ref_net;

/* Valid weights for any connection of the tests (up to 2 x 4 x 4). */
const float *ok_weights(void);
/* Builds the reference network into r and runs it REF_PRE steps. */
void ref_build(ref_net *r);

/* Runs the next statement once per id in the list, *id being the id. */
#define EACH_ID(id, ...)                                                                           \
    for (const int32_t *id = (const int32_t[]){__VA_ARGS__, INT32_MIN}; *id != INT32_MIN; id++)

/* Two identical reference networks a and b (run REF_PRE steps), and net = a.net. */
#define TWINS()                                                                                    \
    ref_net a, b;                                                                                  \
    ref_build(&a);                                                                                 \
    ref_build(&b);                                                                                 \
    nf_network *net = a.net

/* a saw the bad calls, b did not: after the same late objects and steps they must
 * agree bit for bit. Destroys both. */
void ref_finish(ref_net *a, ref_net *b);

#endif /* NFT_ERRORS_COMMON_H */
