/*
 * Every field a checkpoint records, listed once per structure: nf_network_save
 * writes each as a metadata line `<object>.<field> = <value>` and
 * nf_network_load reads it back through the same list, so a field added to a
 * descriptor is one line here (tests/test_checkpoint.c checks that these
 * lists cover every byte of the public descriptors).
 * X(TYPE, field): I32 (int32_t), ENUM (an enum, written as its int value),
 * I64, U64, F32, F64 (written exactly: the shortest decimal that reads back
 * to the same bits), BOOL, STR (a char array, escaped), ARRAY (a pointer
 * whose values are an array member of the object, written and read by
 * checkpoint_save.c / checkpoint_load.c, not a metadata line).
 */
#ifndef NF_ENGINE_CHECKPOINT_FIELDS_H
#define NF_ENGINE_CHECKPOINT_FIELDS_H

/* nf_network_desc, keys network.<field> (dt: the dt the network was created with). */
#define NF_CKPT_NETWORK_DESC_FIELDS(X)                                                       \
    X(F64, dt) X(I32, batch) X(U64, seed) X(ENUM, backend) X(I32, device)

/* struct nf_network, keys run.<field>: the dt now (nf_network_set_dt), the mode,
 * the step count, the next free position of the random stream and the batch
 * window (nf_network_create_window: network.batch is the window's count). */
#define NF_CKPT_NETWORK_RUN_FIELDS(X)                                                        \
    X(F64, dt) X(ENUM, mode) X(I64, step) X(U64, rng_next) X(I32, batch_first)               \
    X(I32, batch_global) X(BOOL, window)

/* nf_population_desc, keys population_<id>.<field>; the fields models appended
 * come from the model table (NF_MODEL_DESC_FIELDS, kernels/math/models.h). */
#define NF_CKPT_POPULATION_DESC_FIELDS(X)                                                    \
    X(ENUM, model) X(I32, n) X(I32, spiking) X(F32, amplitude) X(F32, gain) X(F32, bias)     \
    X(ARRAY, gains) X(ARRAY, biases)                                                         \
    X(F32, tau_rc) X(F32, tau_ref) X(F32, min_voltage) X(F32, sigma) X(F32, tau)             \
    X(F32, x_init_scale)                                                                     \
    X(ENUM, lif_form) X(F32, nc_lif.tau_m) X(F32, nc_lif.v_reset) X(F32, nc_lif.v_peak)      \
    X(F32, nc_lif.v_init_max)                                                                \
    X(ENUM, izh.order) X(F32, izh.C) X(F32, izh.k) X(F32, izh.v_r) X(F32, izh.v_t)           \
    X(F32, izh.a) X(F32, izh.b) X(F32, izh.c) X(F32, izh.d) X(F32, izh.v_peak)               \
    X(ENUM, filter.kind) X(F32, filter.tau) X(F32, filter.tau_rise)                          \
    X(F32, filter.tau_decay) X(I32, filter.spiking_only) NF_MODEL_DESC_FIELDS(X)

/* nf_population: where its initial-state draws start, when its rate statistics began. */
#define NF_CKPT_POPULATION_RUN_FIELDS(X) X(U64, rng_offset) X(I64, rate_from)

/* nf_input: rows held (values [steps][batch][dim]) and the row the next step uses. */
#define NF_CKPT_INPUT_FIELDS(X) X(I32, dim) X(I64, steps) X(I64, cursor)

/* nf_connection_desc, keys connection_<id>.<field>. */
#define NF_CKPT_CONNECTION_DESC_FIELDS(X)                                                    \
    X(ENUM, kind) X(ENUM, init) X(I32, per_batch) X(ARRAY, weights) X(ARRAY, row_ptr)        \
    X(ARRAY, col_idx) X(I64, nnz) X(F32, g) X(F32, p) X(F32, scale) X(F32, low)              \
    X(F32, high) X(I32, zero_mean_rows) X(ENUM, propagation)

/* nf_connection: its pre and post object ids. */
#define NF_CKPT_CONNECTION_RUN_FIELDS(X) X(I32, pre) X(I32, post)

/* nf_readout_desc, keys readout_<id>.<field>. */
#define NF_CKPT_READOUT_DESC_FIELDS(X) X(I32, per_batch) X(ARRAY, weights) X(F32, z_init_scale)

/* nf_readout: its population, dim and where its initial z draw starts. */
#define NF_CKPT_READOUT_RUN_FIELDS(X) X(I32, pop) X(I32, dim) X(U64, rng_offset)

/* nf_learner_desc, keys learner_<id>.<field>. */
#define NF_CKPT_LEARNER_DESC_FIELDS(X)                                                       \
    X(ENUM, kind) X(I32, readout) X(I32, target) X(I32, connection) X(ARRAY, row_scale)      \
    X(ARRAY, desired) X(I32, n_desired) X(ARRAY, mask) X(F32, alpha) X(I32, every)           \
    X(I64, start) X(I64, stop) X(ENUM, rule) X(ENUM, p_precision)

/* nf_learner: nf_learner_set_enabled. */
#define NF_CKPT_LEARNER_RUN_FIELDS(X) X(BOOL, enabled)

/* nf_probe, keys probe_<id>.<field>: its definition, the step count when it
 * started recording and the unread rows (the member rows.npy). */
#define NF_CKPT_PROBE_FIELDS(X)                                                              \
    X(I32, target) X(ENUM, what) X(ENUM, state) X(I32, every) X(I64, start) X(I64, rows)

/* A registered energy device (nf_energy_device_register), keys energy_device_<i>.<field>. */
#define NF_CKPT_ENERGY_DEVICE_FIELDS(X)                                                      \
    X(STR, name) X(F64, e_synop) X(F64, e_neuron) X(I32, spiking)

#endif /* NF_ENGINE_CHECKPOINT_FIELDS_H */
