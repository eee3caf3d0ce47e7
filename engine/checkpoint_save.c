/*
 * nf_network_save: the network into one .npz archive, written through libzip
 * into the temporary file of atomic_file.h (flushed, fsync'ed and renamed
 * over the destination only when all of it was written). Every member is
 * stored, not compressed: float state and weights gain a few percent from
 * deflate at a small fraction of disk speed, and stored members are read
 * back with no copy but the read. An array member's data comes from the
 * backend only while libzip writes it, through a stage of a few MB
 * (checkpoint_stream.c), so saving holds no host copy of the network.
 * Members, per object id k (the arrays numpy's np.load lists):
 *   population_k/gains, biases [n]; <state> [batch][n] for every state
 *     variable the population has (voltage, refractory, recovery, x,
 *     spike_accumulator, output, filter, filter_aux, ...); rate_sums f8
 *   input_k/values [steps][batch][dim]
 *   connection_k/weights [post][pre] (dense) or [nnz] with row_ptr, col_idx
 *     (CSR, int32), [batch] first when per batch; event-driven: acc,
 *     post_filter, post_filter_aux [batch][post]
 *   readout_k/weights [dim][n] ([batch] first when per batch), z [batch][dim]
 *   learner_k/P f4 or f8 [n][n] (MASKED: the blocks, flat), [copies] first
 *     when per batch; row_scale [rows][dim]; desired int32; mask u1 [rows][pre]
 *   probe_k/rows [rows][batch][dim], the rows not yet read
 * and metadata.txt (see checkpoint.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "internal.h"

#ifndef NF_HAVE_LIBZIP

nf_status nf_network_save(nf_network *net, const char *path) {
    NF_ENTER(net);
    (void)path;
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    return nf__fail(net, NF_ERR_UNSUPPORTED,
                    "nf_network_save: this neurofuse was built without libzip, which writes "
                    "checkpoints (install libzip-dev and rebuild)");
}

#else

#include <zip.h>

#include "atomic_file.h"
#include "checkpoint_save.h"

static const char *const kind_names[] = {"", "population", "input", "connection",
                                         "readout", "probe", "learner"};

// --- the member list

static nf_status add_member(nf_saver *s, int32_t id, const char *array, nf_ckpt_dtype dtype,
                            int32_t ndim, const int64_t *shape, nf_ckpt_source source,
                            const void *ptr) {
    nf_network *net = s->net;
    if (s->count == s->capacity) {
        const int32_t cap = s->capacity ? 2 * s->capacity : 64;
        nf_ckpt_member *grown = realloc(s->members, (size_t)cap * sizeof *grown);
        if (!grown)
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_save: out of host memory");
        s->members = grown;
        s->capacity = cap;
    }
    nf_ckpt_member *m = &s->members[s->count];
    memset(m, 0, sizeof *m);
    m->s = s;
    snprintf(m->name, sizeof m->name, "%s_%d/%s.npy",
             kind_names[net->objects.items[id].kind], id, array);
    m->dtype = dtype;
    m->ndim = ndim;
    memcpy(m->shape, shape, (size_t)ndim * sizeof *shape);
    m->source = source;
    m->ptr = ptr;
    m->id = id;
    size_t count = 1;
    for (int32_t i = 0; i < ndim; i++)
        if (nf__mul_size(count, (size_t)shape[i], &count))
            return nf__fail(net, NF_ERR_INVALID_ARGUMENT, "nf_network_save: %s is too large",
                            m->name);
    m->bytes = count * nf__ckpt_dtype_size(dtype);
    m->header_len = nf__ckpt_npy_header(m->header, sizeof m->header, dtype, ndim, shape);
    zip_error_init(&m->error);
    s->count++;
    return NF_OK;
}

static nf_status population_members(nf_saver *s, int32_t id, const nf_population *p) {
    const int64_t batch = s->net->desc.batch, n = p->desc.n;
    const int64_t one[1] = {n}, two[2] = {batch, n};
    nf_status st = add_member(s, id, "gains", NF_CKPT_F4, 1, one, NF_SRC_DOWNLOAD, p->gain);
    if (st == NF_OK)
        st = add_member(s, id, "biases", NF_CKPT_F4, 1, one, NF_SRC_DOWNLOAD, p->bias);
    for (int k = 0; k < NF_STATE_KIND_COUNT && st == NF_OK; k++) {
        const float *slot = nf__state_slot(p, (nf_state_kind)k);
        char name[48];
        nf__ckpt_state_member((nf_state_kind)k, name, sizeof name);
        if (slot)
            st = add_member(s, id, name, NF_CKPT_F4, 2, two, NF_SRC_DOWNLOAD, slot);
    }
    if (st == NF_OK && p->abs_sum)
        st = add_member(s, id, "rate_sums", NF_CKPT_F8, 2, two, NF_SRC_DOWNLOAD, p->abs_sum);
    return st;
}

static nf_status connection_members(nf_saver *s, int32_t id, const nf_connection *c) {
    const int64_t batch = s->net->desc.batch, copies = c->copies;
    nf_status st = NF_OK;
    /* stored in the caller's order unless event-driven (transposed) */
    const nf_ckpt_source weights = c->event ? NF_SRC_WEIGHTS : NF_SRC_DOWNLOAD;
    if (c->desc.kind == NF_CONNECTION_DENSE) {
        const int64_t shape[3] = {copies, c->n_post, c->n_pre};
        st = copies > 1 ? add_member(s, id, "weights", NF_CKPT_F4, 3, shape, weights, c->w)
                        : add_member(s, id, "weights", NF_CKPT_F4, 2, shape + 1, weights, c->w);
    } else if (c->desc.kind == NF_CONNECTION_SPARSE) {
        const int64_t ptr[1] = {(int64_t)c->n_post + 1}, shape[2] = {copies, c->nnz};
        st = add_member(s, id, "row_ptr", NF_CKPT_I4, 1, ptr, NF_SRC_CSR_ROW_PTR, NULL);
        if (st == NF_OK)
            st = add_member(s, id, "col_idx", NF_CKPT_I4, 1, shape + 1, NF_SRC_CSR_COL, NULL);
        if (st == NF_OK)
            st = copies > 1
                     ? add_member(s, id, "weights", NF_CKPT_F4, 2, shape, weights, c->w)
                     : add_member(s, id, "weights", NF_CKPT_F4, 1, shape + 1, weights, c->w);
    }
    if (!c->event)
        return st;
    const int64_t post[2] = {batch, c->n_post};
    if (st == NF_OK)
        st = add_member(s, id, "acc", NF_CKPT_F4, 2, post, NF_SRC_DOWNLOAD, c->acc);
    if (st == NF_OK && c->pf0)
        st = add_member(s, id, "post_filter", NF_CKPT_F4, 2, post, NF_SRC_DOWNLOAD, c->pf0);
    if (st == NF_OK && c->pf1)
        st = add_member(s, id, "post_filter_aux", NF_CKPT_F4, 2, post, NF_SRC_DOWNLOAD, c->pf1);
    return st;
}

static nf_status learner_members(nf_saver *s, int32_t id, const nf_learner *l) {
    const bool masked = l->desc.kind == NF_LEARNER_MASKED;
    const int64_t p3[3] = {l->copies, l->n, l->n}, p2[2] = {l->copies, l->p_count};
    const nf_ckpt_dtype pt = l->f64 ? NF_CKPT_F8 : NF_CKPT_F4;
    nf_status st;
    if (masked)
        st = l->copies > 1 ? add_member(s, id, "P", pt, 2, p2, NF_SRC_P_BLOCKS, NULL)
                           : add_member(s, id, "P", pt, 1, p2 + 1, NF_SRC_P_BLOCKS, NULL);
    else
        st = l->copies > 1 ? add_member(s, id, "P", pt, 3, p3, NF_SRC_P_ROWS, NULL)
                           : add_member(s, id, "P", pt, 2, p3 + 1, NF_SRC_P_ROWS, NULL);
    const int64_t scale[2] = {l->rows, l->dim}, desired[1] = {l->desc.n_desired};
    if (st == NF_OK && l->row_scale)
        st = add_member(s, id, "row_scale", NF_CKPT_F4, 2, scale, NF_SRC_DOWNLOAD, l->row_scale);
    if (st == NF_OK && l->desc.n_desired > 0)
        st = add_member(s, id, "desired", NF_CKPT_I4, 1, desired, NF_SRC_DESIRED, NULL);
    if (st == NF_OK && masked &&
        s->net->conns.items[l->conn_index].desc.kind == NF_CONNECTION_DENSE) {
        const int64_t mask[2] = {l->rows, l->n};
        st = add_member(s, id, "mask", NF_CKPT_U1, 2, mask, NF_SRC_MASK, NULL);
    }
    return st;
}

static nf_status list_members(nf_saver *s) {
    nf_network *net = s->net;
    nf_status st = NF_OK;
    for (int32_t id = 0; id < net->objects.count && st == NF_OK; id++) {
        const nf_object *o = &net->objects.items[id];
        switch (o->kind) {
        case NF_OBJ_POPULATION: st = population_members(s, id, &net->pops.items[o->index]); break;
        case NF_OBJ_INPUT: {
            const nf_input *in = &net->inputs.items[o->index];
            const int64_t shape[3] = {in->steps, net->desc.batch, in->dim};
            st = add_member(s, id, "values", NF_CKPT_F4, 3, shape, NF_SRC_DOWNLOAD, in->values);
            break;
        }
        case NF_OBJ_CONNECTION: st = connection_members(s, id, &net->conns.items[o->index]); break;
        case NF_OBJ_READOUT: {
            const nf_readout *r = &net->readouts.items[o->index];
            const int64_t w[3] = {r->copies, r->dim, r->n}, z[2] = {net->desc.batch, r->dim};
            st = r->copies > 1 ? add_member(s, id, "weights", NF_CKPT_F4, 3, w, NF_SRC_DOWNLOAD, r->w)
                               : add_member(s, id, "weights", NF_CKPT_F4, 2, w + 1, NF_SRC_DOWNLOAD,
                                            r->w);
            if (st == NF_OK)
                st = add_member(s, id, "z", NF_CKPT_F4, 2, z, NF_SRC_DOWNLOAD, r->z);
            break;
        }
        case NF_OBJ_LEARNER: st = learner_members(s, id, &net->learners.items[o->index]); break;
        case NF_OBJ_PROBE: {
            const nf_probe *p = &net->probes.items[o->index];
            const int64_t shape[3] = {p->rows, net->desc.batch, p->row_floats / net->desc.batch};
            st = add_member(s, id, "rows", NF_CKPT_F4, 3, shape, NF_SRC_DOWNLOAD, p->buf);
            break;
        }
        }
    }
    return st;
}

// --- the metadata

static void write_metadata(const nf_network *net, nf_ckpt_text *t) {
    nf__ckpt_text_printf(t,
                         "# A neurofuse checkpoint (nf_network_save). numpy: np.load(path) lists "
                         "its arrays,\n# named <kind>_<object id>/<array>; this member lists, "
                         "as 'key = value' lines,\n# the format, the library and every field "
                         "of every object (enums as integers).\n");
    nf__ckpt_text_printf(t, "format = %s\nformat_version = %d\nlibrary_version = %s\n",
                         NF_CKPT_FORMAT, NF_CKPT_FORMAT_VERSION, nf_version());
    nf__ckpt_text_printf(t, "saved_on = %s\nobjects = %d\nenergy_devices = %d\n",
                         nf_backend_name(net->backend), net->objects.count,
                         nf__energy_device_count(net));
    nf__ckpt_write_fields(t, "network", &nf__ckpt_network_desc, &net->desc);
    nf__ckpt_write_fields(t, "run", &nf__ckpt_network_run, net);
    for (int32_t id = 0; id < net->objects.count; id++) {
        const nf_object *o = &net->objects.items[id];
        char prefix[48];
        snprintf(prefix, sizeof prefix, "%s_%d", kind_names[o->kind], id);
        nf__ckpt_text_printf(t, "object_%d = %s\n", id, kind_names[o->kind]);
        switch (o->kind) {
        case NF_OBJ_POPULATION: {
            const nf_population *p = &net->pops.items[o->index];
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_population_desc, &p->desc);
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_population_run, p);
            nf__ckpt_text_printf(t, "%s.rate_stats = %d\n", prefix, p->abs_sum != NULL);
            break;
        }
        case NF_OBJ_INPUT:
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_input, &net->inputs.items[o->index]);
            break;
        case NF_OBJ_CONNECTION: {
            const nf_connection *c = &net->conns.items[o->index];
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_connection_desc, &c->desc);
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_connection_run, c);
            break;
        }
        case NF_OBJ_READOUT: {
            const nf_readout *r = &net->readouts.items[o->index];
            const nf_readout_desc d = {.per_batch = r->per_batch,
                                       .z_init_scale = r->z_init_scale};
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_readout_desc, &d);
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_readout_run, r);
            break;
        }
        case NF_OBJ_LEARNER: {
            const nf_learner *l = &net->learners.items[o->index];
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_learner_desc, &l->desc);
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_learner_run, l);
            break;
        }
        case NF_OBJ_PROBE:
            nf__ckpt_write_fields(t, prefix, &nf__ckpt_probe, &net->probes.items[o->index]);
            break;
        }
    }
    for (int32_t i = 0; i < nf__energy_device_count(net); i++) {
        nf_ckpt_energy_device d;
        char prefix[48];
        nf__energy_device_get(net, i, &d);
        snprintf(prefix, sizeof prefix, "energy_device_%d", i);
        nf__ckpt_write_fields(t, prefix, &nf__ckpt_energy_device, &d);
    }
}

// --- the archive into the temporary file

/* The archive's output: the atomic writer's temporary file, empty at the start. */
typedef struct writer {
    FILE *f;
    zip_error_t error;
} writer;

static zip_int64_t writer_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
    writer *w = ud;
    switch (cmd) {
    case ZIP_SOURCE_STAT: /* nothing to read: a new archive */
        zip_error_set(&w->error, ZIP_ER_READ, ENOENT);
        return -1;
    case ZIP_SOURCE_BEGIN_WRITE:
    case ZIP_SOURCE_ROLLBACK_WRITE: /* the atomic writer removes the temporary file */
    case ZIP_SOURCE_REMOVE:
    case ZIP_SOURCE_FREE: return 0;
    case ZIP_SOURCE_WRITE:
        errno = 0;
        if (fwrite(data, 1, (size_t)len, w->f) != (size_t)len) {
            zip_error_set(&w->error, ZIP_ER_WRITE, errno ? errno : EIO);
            return -1;
        }
        return (zip_int64_t)len;
    case ZIP_SOURCE_TELL_WRITE: {
        const off_t at = ftello(w->f);
        if (at < 0)
            zip_error_set(&w->error, ZIP_ER_TELL, errno);
        return at < 0 ? -1 : (zip_int64_t)at;
    }
    case ZIP_SOURCE_SEEK_WRITE: {
        zip_source_args_seek_t *a = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len,
                                                        &w->error);
        if (!a)
            return -1;
        if (fseeko(w->f, (off_t)a->offset, a->whence) != 0) {
            zip_error_set(&w->error, ZIP_ER_SEEK, errno);
            return -1;
        }
        return 0;
    }
    case ZIP_SOURCE_COMMIT_WRITE:
        if (fflush(w->f) != 0) {
            zip_error_set(&w->error, ZIP_ER_WRITE, errno ? errno : EIO);
            return -1;
        }
        return 0;
    case ZIP_SOURCE_ERROR: return zip_error_to_data(&w->error, data, len);
    case ZIP_SOURCE_SUPPORTS: return ZIP_SOURCE_SUPPORTS_WRITABLE;
    default: zip_error_set(&w->error, ZIP_ER_OPNOTSUPP, 0); return -1;
    }
}

/* Adds one stored member with the fixed time; the source is the archive's after. */
static int add_entry(zip_t *za, const char *name, zip_source_t *src) {
    const zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
        zip_source_free(src);
        return -1;
    }
    if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) < 0 ||
        zip_file_set_mtime(za, (zip_uint64_t)idx, NF_CKPT_MTIME, 0) < 0)
        return -1;
    return 0;
}

/* Builds the archive into af's file; on failure the message is the network's. */
static nf_status write_archive(nf_saver *s, nf_atomic_file *af, const nf_ckpt_text *meta,
                               const char *path) {
    nf_network *net = s->net;
    static const char fn[] = "nf_network_save";
    writer w = {.f = af->f};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_error_init(&w.error);
    zip_source_t *out = zip_source_function_create(writer_cb, &w, &ze);
    zip_t *za = out ? zip_open_from_source(out, ZIP_CREATE | ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        nf_status st = nf__fail(net, NF_ERR_IO, "%s: '%s': cannot start the archive: %s", fn,
                                path, zip_error_strerror(&ze));
        zip_source_free(out);
        zip_error_fini(&ze);
        zip_error_fini(&w.error);
        return st;
    }
    int bad = add_entry(za, NF_CKPT_METADATA,
                        zip_source_buffer(za, meta->data, meta->len, 0));
    for (int32_t i = 0; i < s->count && !bad; i++)
        bad = add_entry(za, s->members[i].name,
                        zip_source_function(za, nf__ckpt_member_source, &s->members[i]));
    if (!bad && zip_close(za) == 0) {
        zip_error_fini(&ze);
        zip_error_fini(&w.error);
        return NF_OK;
    }
    nf_status st;
    if (s->st != NF_OK)
        st = nf__fail(net, s->st, "%s: '%s': %s; the file is unchanged", fn, path, s->why);
    else
        st = nf__fail(net, zip_error_code_zip(zip_get_error(za)) == ZIP_ER_MEMORY
                               ? NF_ERR_OUT_OF_MEMORY
                               : NF_ERR_IO,
                      "%s: '%s': writing the archive failed (%s); the file is unchanged", fn,
                      path, zip_strerror(za));
    zip_discard(za);
    zip_error_fini(&ze);
    zip_error_fini(&w.error);
    return st;
}

nf_status nf_network_save(nf_network *net, const char *path) {
    NF_ENTER(net);
    static const char fn[] = "nf_network_save";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(path && *path, "%s: path must be a non-empty string", fn);
    nf_saver s = {.net = net};
    nf_ckpt_text meta = {0};
    write_metadata(net, &meta);
    nf_status st = meta.failed ? nf__fail(net, NF_ERR_OUT_OF_MEMORY,
                                          "%s: out of host memory for the metadata", fn)
                               : nf__learners_settle(net); /* P streams from l->p */
    if (st == NF_OK)
        st = list_members(&s);
    nf_atomic_file af;
    char why[512];
    if (st == NF_OK && (st = nf__atomic_open(&af, path, why, sizeof why)) != NF_OK)
        st = nf__fail(net, st, "%s: cannot write: %s", fn, why);
    else if (st == NF_OK) {
        setvbuf(af.f, NULL, _IOFBF, (size_t)1 << 20);
        st = write_archive(&s, &af, &meta, path);
        if (st != NF_OK)
            nf__atomic_abort(&af);
        else if ((st = nf__atomic_commit(&af, why, sizeof why)) != NF_OK)
            st = nf__fail(net, st, "%s: %s", fn, why);
    }
    for (int32_t i = 0; i < s.count; i++) {
        free(s.members[i].whole);
        zip_error_fini(&s.members[i].error);
    }
    free(s.members);
    free(s.stage);
    free(s.strip);
    nf__ckpt_text_free(&meta);
    return st;
}

#endif /* NF_HAVE_LIBZIP */
