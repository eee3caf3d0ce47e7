/*
 * Checkpoints (nf_network_save, nf_network_load): one .npz archive (a zip of
 * .npy members, numpy's np.load opens it) holding every array that
 * determines the future of a run, named <kind>_<object id>/<array>.npy, plus
 * metadata.txt: `key = value` lines with the format version, the library
 * version and every field of every descriptor (checkpoint_fields.h). Shared
 * here: the field tables, the metadata text (writer and strict parser) and
 * the .npy member headers; the archive itself is checkpoint_save.c and
 * checkpoint_load.c (libzip).
 */
#ifndef NF_ENGINE_CHECKPOINT_H
#define NF_ENGINE_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"

#define NF_CKPT_FORMAT         "neurofuse-checkpoint"
#define NF_CKPT_FORMAT_VERSION 1
#define NF_CKPT_METADATA       "metadata.txt"
/* Every member's modification time (2000-01-01): the same network gives the same bytes. */
#define NF_CKPT_MTIME          946684800
/* The longest .npy header a member may have (format 1.0 and 2.0). */
#define NF_CKPT_NPY_HEADER_MAX 4096
#define NF_CKPT_NPY_MAX_DIMS   4

// --- field tables

typedef enum nf_ckpt_type {
    NF_CKPT_I32,
    NF_CKPT_ENUM,
    NF_CKPT_I64,
    NF_CKPT_U64,
    NF_CKPT_F32,
    NF_CKPT_F64,
    NF_CKPT_BOOL,
    NF_CKPT_STR,
    NF_CKPT_ARRAY
} nf_ckpt_type;

typedef struct nf_ckpt_field {
    const char *name;
    nf_ckpt_type type;
    size_t offset, size;
} nf_ckpt_field;

typedef struct nf_ckpt_table {
    const char *structure; /* the C type the fields belong to */
    const nf_ckpt_field *fields;
    int32_t count;
    size_t size; /* sizeof the structure */
} nf_ckpt_table;

/* A registered energy device as the metadata lists it. */
typedef struct nf_ckpt_energy_device {
    char name[32];
    double e_synop, e_neuron;
    int32_t spiking;
} nf_ckpt_energy_device;

/* The tables of checkpoint_fields.h (checkpoint_fields.c). */
extern const nf_ckpt_table nf__ckpt_network_desc, nf__ckpt_network_run;
extern const nf_ckpt_table nf__ckpt_population_desc, nf__ckpt_population_run;
extern const nf_ckpt_table nf__ckpt_input, nf__ckpt_connection_desc, nf__ckpt_connection_run;
extern const nf_ckpt_table nf__ckpt_readout_desc, nf__ckpt_readout_run;
extern const nf_ckpt_table nf__ckpt_learner_desc, nf__ckpt_learner_run;
extern const nf_ckpt_table nf__ckpt_probe, nf__ckpt_energy_device;

// --- metadata text (checkpoint_meta.c)

/* A growing text; on allocation failure `failed` is set and later appends do nothing. */
typedef struct nf_ckpt_text {
    char *data;
    size_t len, capacity;
    bool failed;
} nf_ckpt_text;

void nf__ckpt_text_printf(nf_ckpt_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void nf__ckpt_text_free(nf_ckpt_text *t);
/* Appends `<prefix>.<field> = <value>` for every field of the table but ARRAY ones. */
void nf__ckpt_write_fields(nf_ckpt_text *t, const char *prefix, const nf_ckpt_table *table,
                           const void *object);

/* The parsed metadata: its lines sorted by key. */
typedef struct nf_ckpt_entry {
    const char *key, *value;
    int32_t line;
    bool used;
} nf_ckpt_entry;

typedef struct nf_ckpt_meta {
    char *text; /* owned: the member's bytes, split in place */
    nf_ckpt_entry *entries;
    size_t count;
} nf_ckpt_meta;

/* Parses `len` bytes of text (taking ownership of text, malloc'ed with room
 * for one more byte): lines `key = value` (key of [A-Za-z0-9_.], value any
 * bytes but NUL and newline), comments starting with '#', empty lines; a
 * duplicate key or any other line is refused with why (NF_ERR_INVALID_ARGUMENT). */
nf_status nf__ckpt_meta_parse(char *text, size_t len, nf_ckpt_meta *m, char *why, size_t cap);
void nf__ckpt_meta_free(nf_ckpt_meta *m);
/* The value of key (marked used), or NULL when absent. */
const char *nf__ckpt_meta_find(nf_ckpt_meta *m, const char *key);
/* Typed values of a required key; a missing or malformed one fails with why. */
nf_status nf__ckpt_meta_i64(nf_ckpt_meta *m, const char *key, int64_t lo, int64_t hi,
                            int64_t *out, char *why, size_t cap);
nf_status nf__ckpt_meta_string(nf_ckpt_meta *m, const char *key, char *out, size_t size,
                               char *why, size_t cap);
/* Reads every field of the table present as `<prefix>.<field>` into object
 * (absent fields keep their value: the caller starts from the defaults);
 * a malformed value fails with why naming the key and line. */
nf_status nf__ckpt_read_fields(nf_ckpt_meta *m, const char *prefix, const nf_ckpt_table *table,
                               void *object, char *why, size_t cap);
/* The first key never looked up, or NULL. */
const nf_ckpt_entry *nf__ckpt_meta_unused(const nf_ckpt_meta *m);

// --- .npy member headers (checkpoint_npy.c)

/* dtypes of the members: '<f4', '<f8', '<i4', '<i8', '|u1'. */
typedef enum nf_ckpt_dtype {
    NF_CKPT_F4 = 0,
    NF_CKPT_F8,
    NF_CKPT_I4,
    NF_CKPT_I8,
    NF_CKPT_U1
} nf_ckpt_dtype;

const char *nf__ckpt_dtype_descr(nf_ckpt_dtype t);
size_t nf__ckpt_dtype_size(nf_ckpt_dtype t);

/* Members hold little-endian values: on a big-endian host, reverses the bytes
 * of each `size`-byte value of data (bytes long), which turns host order into
 * the file's and back; a no-op on little-endian hosts. */
void nf__ckpt_swap_little_endian(unsigned char *data, size_t bytes, size_t size);

/* Writes a format 1.0 header for a C-order array into h (capacity bytes);
 * returns its length (a multiple of 64), 0 when it does not fit. */
size_t nf__ckpt_npy_header(char *h, size_t capacity, nf_ckpt_dtype t, int32_t ndim,
                           const int64_t *shape);

/* A parsed header. */
typedef struct nf_ckpt_npy {
    size_t header_len; /* bytes before the data */
    char descr[16];
    int32_t ndim;
    int64_t shape[NF_CKPT_NPY_MAX_DIMS];
} nf_ckpt_npy;

/* The length of the header that starts with the 12 bytes `prefix` (format
 * 1.0, 2.0 or 3.0), or 0 with why when it is not a .npy header or longer
 * than NF_CKPT_NPY_HEADER_MAX. */
size_t nf__ckpt_npy_header_len(const unsigned char *prefix, size_t have, char *why, size_t cap);
/* Parses a whole header (len bytes, from nf__ckpt_npy_header_len): its dict
 * {'descr': ..., 'fortran_order': False, 'shape': (...)} in any key order. */
nf_status nf__ckpt_npy_parse(const unsigned char *h, size_t len, nf_ckpt_npy *out, char *why,
                             size_t cap);

// --- access the engine's files give the checkpoint

/* The member name of a state variable: NF_STATE_VOLTAGE -> "voltage" (checkpoint_meta.c). */
void nf__ckpt_state_member(nf_state_kind which, char *out, size_t cap);

/* Energy devices registered on net (energy.c). */
int32_t nf__energy_device_count(const nf_network *net);
void nf__energy_device_get(const nf_network *net, int32_t i, nf_ckpt_energy_device *out);

/* Loads a checkpoint held in memory (the fuzz target's entry; checkpoint_load.c). */
nf_status nf__network_load_buffer(const void *data, size_t size, nf_backend backend,
                                  int32_t device, nf_network **out, char *message,
                                  size_t capacity);

#endif /* NF_ENGINE_CHECKPOINT_H */
