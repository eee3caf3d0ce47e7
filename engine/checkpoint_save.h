/*
 * Saving a checkpoint: the list of array members (checkpoint_save.c) and the
 * libzip source that hands each one's bytes to libzip while it writes the
 * archive (checkpoint_stream.c). Large members are streamed from the backend
 * a stage (at most NF_CKPT_STAGE bytes) at a time, so saving needs no host
 * copy of the network: P is produced in blocks of rows, each row's lower
 * triangle taken from the columns of the rows above (the CPU backend keeps P's
 * upper triangle only; the file holds both halves).
 */
#ifndef NF_ENGINE_CHECKPOINT_SAVE_H
#define NF_ENGINE_CHECKPOINT_SAVE_H

#include <zip.h>

#include "checkpoint.h"
#include "internal.h"

/* Bytes of the host stage through which members are streamed. */
#define NF_CKPT_STAGE ((size_t)16 << 20)

/* Where a member's values come from when libzip asks for them. */
typedef enum nf_ckpt_source {
    NF_SRC_DOWNLOAD,    /* ptr: backend memory as it is (streamed) */
    NF_SRC_P_ROWS,      /* the learner id's P, n x n per copy, both halves (streamed) */
    NF_SRC_WEIGHTS,     /* nf_connection_get_weights of id (event-driven: reordered) */
    NF_SRC_CSR_ROW_PTR, /* the sparse connection id's CSR row pointers */
    NF_SRC_CSR_COL,     /* ... and columns */
    NF_SRC_P_BLOCKS,    /* the MASKED learner id's P_i blocks, both halves */
    NF_SRC_DESIRED,     /* the learner id's desired connection ids */
    NF_SRC_MASK         /* the learner id's learning synapses, [rows][pre] */
} nf_ckpt_source;

typedef struct nf_saver nf_saver;

typedef struct nf_ckpt_member {
    nf_saver *s;
    char name[80];
    nf_ckpt_dtype dtype;
    int32_t ndim;
    int64_t shape[NF_CKPT_NPY_MAX_DIMS];
    nf_ckpt_source source;
    const void *ptr;
    int32_t id;
    size_t header_len, bytes; /* header, data */
    char header[256];
    size_t pos;               /* bytes handed to libzip */
    unsigned char *whole;     /* the data of a member not streamed, while open */
    size_t chunk_from, chunk_to; /* the data bytes in the saver's stage */
    zip_error_t error;
} nf_ckpt_member;

struct nf_saver {
    nf_network *net;
    nf_ckpt_member *members;
    int32_t count, capacity;
    unsigned char *stage; /* NF_CKPT_STAGE bytes or a whole row of P, grown when needed */
    size_t stage_size;
    unsigned char *strip; /* a column piece of P */
    nf_status st;         /* the first failure inside a member's source */
    char why[sizeof ((nf_network *)0)->error + 96];
};

/* The libzip source callback of a member (checkpoint_stream.c). */
zip_int64_t nf__ckpt_member_source(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd);

#endif /* NF_ENGINE_CHECKPOINT_SAVE_H */
