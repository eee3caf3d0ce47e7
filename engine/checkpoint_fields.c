/*
 * The field tables of checkpoint_fields.h: for each structure a checkpoint
 * records, every field's name, type, offset and size. A field whose size does
 * not match its listed type is a compile error here.
 */
#include <stdbool.h>
#include <stddef.h>

#include "checkpoint.h"
#include "checkpoint_fields.h"
#include "internal.h"

#define NF_CKPT_SIZE_I32   4
#define NF_CKPT_SIZE_ENUM  4
#define NF_CKPT_SIZE_I64   8
#define NF_CKPT_SIZE_U64   8
#define NF_CKPT_SIZE_F32   4
#define NF_CKPT_SIZE_F64   8
#define NF_CKPT_SIZE_BOOL  sizeof(bool)
#define NF_CKPT_SIZE_STR   sizeof(((nf_ckpt_energy_device *)0)->name)
#define NF_CKPT_SIZE_ARRAY sizeof(void *)

#define FIELD(T, f) {#f, NF_CKPT_##T, offsetof(STRUCT, f), sizeof(((STRUCT *)0)->f)},
#define CHECK(T, f)                                                                          \
    _Static_assert(sizeof(((STRUCT *)0)->f) == NF_CKPT_SIZE_##T, "checkpoint field " #f      \
                                                                 " is not of type " #T);
#define QUOTE_(x) #x
#define QUOTE(x)  QUOTE_(x)
#define TABLE(var, list)                                                                     \
    list(CHECK) static const nf_ckpt_field var##_fields[] = {list(FIELD)};                  \
    const nf_ckpt_table var = {QUOTE(STRUCT), var##_fields,                                  \
                               (int32_t)(sizeof var##_fields / sizeof *var##_fields),        \
                               sizeof(STRUCT)};

#define STRUCT nf_network_desc
TABLE(nf__ckpt_network_desc, NF_CKPT_NETWORK_DESC_FIELDS)
#undef STRUCT
#define STRUCT struct nf_network
TABLE(nf__ckpt_network_run, NF_CKPT_NETWORK_RUN_FIELDS)
#undef STRUCT
#define STRUCT nf_population_desc
TABLE(nf__ckpt_population_desc, NF_CKPT_POPULATION_DESC_FIELDS)
#undef STRUCT
#define STRUCT nf_population
TABLE(nf__ckpt_population_run, NF_CKPT_POPULATION_RUN_FIELDS)
#undef STRUCT
#define STRUCT nf_input
TABLE(nf__ckpt_input, NF_CKPT_INPUT_FIELDS)
#undef STRUCT
#define STRUCT nf_connection_desc
TABLE(nf__ckpt_connection_desc, NF_CKPT_CONNECTION_DESC_FIELDS)
#undef STRUCT
#define STRUCT nf_connection
TABLE(nf__ckpt_connection_run, NF_CKPT_CONNECTION_RUN_FIELDS)
#undef STRUCT
#define STRUCT nf_readout_desc
TABLE(nf__ckpt_readout_desc, NF_CKPT_READOUT_DESC_FIELDS)
#undef STRUCT
#define STRUCT nf_readout
TABLE(nf__ckpt_readout_run, NF_CKPT_READOUT_RUN_FIELDS)
#undef STRUCT
#define STRUCT nf_learner_desc
TABLE(nf__ckpt_learner_desc, NF_CKPT_LEARNER_DESC_FIELDS)
#undef STRUCT
#define STRUCT nf_learner
TABLE(nf__ckpt_learner_run, NF_CKPT_LEARNER_RUN_FIELDS)
#undef STRUCT
#define STRUCT nf_probe
TABLE(nf__ckpt_probe, NF_CKPT_PROBE_FIELDS)
#undef STRUCT
#define STRUCT nf_ckpt_energy_device
TABLE(nf__ckpt_energy_device, NF_CKPT_ENERGY_DEVICE_FIELDS)
#undef STRUCT
