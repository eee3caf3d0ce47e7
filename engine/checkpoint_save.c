/*
 * nf_network_save: the network into one .npz archive, written through libzip
 * into the temporary file of atomic_file.h (flushed, fsync'ed and renamed
 * over the destination only when all of it was written). Every member is
 * stored, not compressed: float state and weights gain a few percent from
 * deflate at a small fraction of disk speed, and stored members are read
 * back with no copy but the read. An array member's data comes from the
 * backend only while libzip writes it, so one member at a time is on the
 * host. Members, per object id k (the arrays numpy's np.load lists):
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

static const char *const kind_names[] = {"", "population", "input", "connection",
                                         "readout", "probe", "learner"};

/* Where a member's values come from when libzip asks for them. */
typedef enum member_source {
    SRC_DOWNLOAD,     /* ptr: backend memory as it is */
    SRC_WEIGHTS,      /* nf_connection_get_weights of id (the caller's order) */
    SRC_CSR_ROW_PTR,  /* the sparse connection id's CSR row pointers */
    SRC_CSR_COL,      /* ... and columns */
    SRC_P,            /* the learner id's P, both halves of each block */
    SRC_DESIRED,      /* the learner id's desired connection ids */
    SRC_MASK          /* the learner id's learning synapses, [rows][pre] */
} member_source;

typedef struct saver saver;

typedef struct member {
    saver *s;
    char name[80];
    nf_ckpt_dtype dtype;
    int32_t ndim;
    int64_t shape[NF_CKPT_NPY_MAX_DIMS];
    member_source source;
    const void *ptr;
    int32_t id;
    size_t header_len, bytes; /* header, data */
    char header[256];
    unsigned char *buf; /* header and data while libzip reads it */
    size_t pos;
    zip_error_t error;
} member;

struct saver {
    nf_network *net;
    member *members;
    int32_t count, capacity;
    nf_status st; /* the first failure inside a member's source */
    char why[sizeof ((nf_network *)0)->error + 96];
};

// --- the member list

static nf_status add_member(saver *s, int32_t id, const char *array, nf_ckpt_dtype dtype,
                            int32_t ndim, const int64_t *shape, member_source source,
                            const void *ptr) {
    nf_network *net = s->net;
    if (s->count == s->capacity) {
        const int32_t cap = s->capacity ? 2 * s->capacity : 64;
        member *grown = realloc(s->members, (size_t)cap * sizeof *grown);
        if (!grown)
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_save: out of host memory");
        s->members = grown;
        s->capacity = cap;
    }
    member *m = &s->members[s->count];
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

static nf_status population_members(saver *s, int32_t id, const nf_population *p) {
    const int64_t batch = s->net->desc.batch, n = p->desc.n;
    const int64_t one[1] = {n}, two[2] = {batch, n};
    nf_status st = add_member(s, id, "gains", NF_CKPT_F4, 1, one, SRC_DOWNLOAD, p->gain);
    if (st == NF_OK)
        st = add_member(s, id, "biases", NF_CKPT_F4, 1, one, SRC_DOWNLOAD, p->bias);
    for (int k = 0; k < NF_STATE_KIND_COUNT && st == NF_OK; k++) {
        const float *slot = nf__state_slot(p, (nf_state_kind)k);
        char name[48];
        nf__ckpt_state_member((nf_state_kind)k, name, sizeof name);
        if (slot)
            st = add_member(s, id, name, NF_CKPT_F4, 2, two, SRC_DOWNLOAD, slot);
    }
    if (st == NF_OK && p->abs_sum)
        st = add_member(s, id, "rate_sums", NF_CKPT_F8, 2, two, SRC_DOWNLOAD, p->abs_sum);
    return st;
}

static nf_status connection_members(saver *s, int32_t id, const nf_connection *c) {
    const int64_t batch = s->net->desc.batch, copies = c->copies;
    nf_status st = NF_OK;
    if (c->desc.kind == NF_CONNECTION_DENSE) {
        const int64_t shape[3] = {copies, c->n_post, c->n_pre};
        st = copies > 1 ? add_member(s, id, "weights", NF_CKPT_F4, 3, shape, SRC_WEIGHTS, NULL)
                        : add_member(s, id, "weights", NF_CKPT_F4, 2, shape + 1, SRC_WEIGHTS,
                                     NULL);
    } else if (c->desc.kind == NF_CONNECTION_SPARSE) {
        const int64_t ptr[1] = {(int64_t)c->n_post + 1}, shape[2] = {copies, c->nnz};
        st = add_member(s, id, "row_ptr", NF_CKPT_I4, 1, ptr, SRC_CSR_ROW_PTR, NULL);
        if (st == NF_OK)
            st = add_member(s, id, "col_idx", NF_CKPT_I4, 1, shape + 1, SRC_CSR_COL, NULL);
        if (st == NF_OK)
            st = copies > 1
                     ? add_member(s, id, "weights", NF_CKPT_F4, 2, shape, SRC_WEIGHTS, NULL)
                     : add_member(s, id, "weights", NF_CKPT_F4, 1, shape + 1, SRC_WEIGHTS, NULL);
    }
    if (!c->event)
        return st;
    const int64_t post[2] = {batch, c->n_post};
    if (st == NF_OK)
        st = add_member(s, id, "acc", NF_CKPT_F4, 2, post, SRC_DOWNLOAD, c->acc);
    if (st == NF_OK && c->pf0)
        st = add_member(s, id, "post_filter", NF_CKPT_F4, 2, post, SRC_DOWNLOAD, c->pf0);
    if (st == NF_OK && c->pf1)
        st = add_member(s, id, "post_filter_aux", NF_CKPT_F4, 2, post, SRC_DOWNLOAD, c->pf1);
    return st;
}

static nf_status learner_members(saver *s, int32_t id, const nf_learner *l) {
    const bool masked = l->desc.kind == NF_LEARNER_MASKED;
    const int64_t p3[3] = {l->copies, l->n, l->n}, p2[2] = {l->copies, l->p_count};
    const nf_ckpt_dtype pt = l->f64 ? NF_CKPT_F8 : NF_CKPT_F4;
    nf_status st;
    if (masked)
        st = l->copies > 1 ? add_member(s, id, "P", pt, 2, p2, SRC_P, NULL)
                           : add_member(s, id, "P", pt, 1, p2 + 1, SRC_P, NULL);
    else
        st = l->copies > 1 ? add_member(s, id, "P", pt, 3, p3, SRC_P, NULL)
                           : add_member(s, id, "P", pt, 2, p3 + 1, SRC_P, NULL);
    const int64_t scale[2] = {l->rows, l->dim}, desired[1] = {l->desc.n_desired};
    if (st == NF_OK && l->row_scale)
        st = add_member(s, id, "row_scale", NF_CKPT_F4, 2, scale, SRC_DOWNLOAD, l->row_scale);
    if (st == NF_OK && l->desc.n_desired > 0)
        st = add_member(s, id, "desired", NF_CKPT_I4, 1, desired, SRC_DESIRED, NULL);
    if (st == NF_OK && masked &&
        s->net->conns.items[l->conn_index].desc.kind == NF_CONNECTION_DENSE) {
        const int64_t mask[2] = {l->rows, l->n};
        st = add_member(s, id, "mask", NF_CKPT_U1, 2, mask, SRC_MASK, NULL);
    }
    return st;
}

static nf_status list_members(saver *s) {
    nf_network *net = s->net;
    nf_status st = NF_OK;
    for (int32_t id = 0; id < net->objects.count && st == NF_OK; id++) {
        const nf_object *o = &net->objects.items[id];
        switch (o->kind) {
        case NF_OBJ_POPULATION: st = population_members(s, id, &net->pops.items[o->index]); break;
        case NF_OBJ_INPUT: {
            const nf_input *in = &net->inputs.items[o->index];
            const int64_t shape[3] = {in->steps, net->desc.batch, in->dim};
            st = add_member(s, id, "values", NF_CKPT_F4, 3, shape, SRC_DOWNLOAD, in->values);
            break;
        }
        case NF_OBJ_CONNECTION: st = connection_members(s, id, &net->conns.items[o->index]); break;
        case NF_OBJ_READOUT: {
            const nf_readout *r = &net->readouts.items[o->index];
            const int64_t w[3] = {r->copies, r->dim, r->n}, z[2] = {net->desc.batch, r->dim};
            st = r->copies > 1 ? add_member(s, id, "weights", NF_CKPT_F4, 3, w, SRC_DOWNLOAD, r->w)
                               : add_member(s, id, "weights", NF_CKPT_F4, 2, w + 1, SRC_DOWNLOAD,
                                            r->w);
            if (st == NF_OK)
                st = add_member(s, id, "z", NF_CKPT_F4, 2, z, SRC_DOWNLOAD, r->z);
            break;
        }
        case NF_OBJ_LEARNER: st = learner_members(s, id, &net->learners.items[o->index]); break;
        case NF_OBJ_PROBE: {
            const nf_probe *p = &net->probes.items[o->index];
            const int64_t shape[3] = {p->rows, net->desc.batch, p->row_floats / net->desc.batch};
            st = add_member(s, id, "rows", NF_CKPT_F4, 3, shape, SRC_DOWNLOAD, p->buf);
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

// --- member values

/* CSR row pointers and columns of a sparse connection (event-driven ones
 * store CSC and the CSC -> CSR permutation). */
static nf_status sparse_csr(nf_network *net, const nf_connection *c, int32_t *row_ptr,
                            int32_t *col) {
    const size_t nnz = (size_t)c->nnz;
    if (!c->event) {
        nf_status st = nf__download(net, row_ptr, c->index_ptr, ((size_t)c->n_post + 1) * 4);
        return st == NF_OK ? nf__download(net, col, c->index, nnz * 4) : st;
    }
    int32_t *col_ptr = malloc(((size_t)c->n_pre + 1) * sizeof *col_ptr);
    int32_t *row = malloc(nnz * sizeof *row + 1);
    nf_status st = col_ptr && row ? NF_OK
                                  : nf__fail(net, NF_ERR_OUT_OF_MEMORY,
                                             "nf_network_save: out of host memory");
    if (st == NF_OK)
        st = nf__download(net, col_ptr, c->index_ptr, ((size_t)c->n_pre + 1) * 4);
    if (st == NF_OK)
        st = nf__download(net, row, c->index, nnz * 4);
    if (st == NF_OK) {
        memset(row_ptr, 0, ((size_t)c->n_post + 1) * sizeof *row_ptr);
        for (size_t q = 0; q < nnz; q++)
            row_ptr[row[q] + 1]++;
        for (int32_t i = 0; i < c->n_post; i++)
            row_ptr[i + 1] += row_ptr[i];
        for (int32_t j = 0; j < c->n_pre; j++)
            for (int32_t q = col_ptr[j]; q < col_ptr[j + 1]; q++)
                col[c->perm[q]] = j;
    }
    free(col_ptr);
    free(row);
    return st;
}

static nf_status fill_sparse(nf_network *net, const member *m, void *dst) {
    const nf_connection *c = &net->conns.items[net->objects.items[m->id].index];
    const bool ptr = m->source == SRC_CSR_ROW_PTR;
    void *other = malloc(ptr ? (size_t)c->nnz * 4 + 1 : ((size_t)c->n_post + 1) * 4);
    if (!other)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_save: out of host memory");
    nf_status st = ptr ? sparse_csr(net, c, dst, other) : sparse_csr(net, c, other, dst);
    free(other);
    return st;
}

static nf_status fill_mask(nf_network *net, const nf_learner *l, uint8_t *mask) {
    int32_t *col = malloc((size_t)l->nnz * sizeof *col + 1);
    if (!col)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_save: out of host memory");
    nf_status st = nf__download(net, col, l->col, (size_t)l->nnz * sizeof *col);
    memset(mask, 0, (size_t)l->rows * l->n);
    for (int32_t i = 0; i < l->rows && st == NF_OK; i++)
        for (int32_t s = l->h_row_ptr[i]; s < l->h_row_ptr[i + 1]; s++)
            mask[(size_t)i * l->n + col[s]] = 1;
    free(col);
    return st;
}

/* Reverses each value's bytes on a big-endian host (members are little-endian). */
static void to_little_endian(unsigned char *data, size_t bytes, size_t size) {
    const uint32_t probe = 1;
    unsigned char little;
    memcpy(&little, &probe, 1);
    if (little || size == 1)
        return;
    for (size_t i = 0; i + size <= bytes; i += size)
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            const unsigned char t = data[i + a];
            data[i + a] = data[i + b];
            data[i + b] = t;
        }
}

static nf_status fill(nf_network *net, const member *m, unsigned char *dst) {
    const nf_object *o = &net->objects.items[m->id];
    nf_status st = NF_OK;
    if (m->bytes == 0)
        return NF_OK;
    switch (m->source) {
    case SRC_DOWNLOAD: st = nf__download(net, dst, m->ptr, m->bytes); break;
    case SRC_WEIGHTS: st = nf_connection_get_weights(net, m->id, (float *)dst); break;
    case SRC_CSR_ROW_PTR:
    case SRC_CSR_COL: st = fill_sparse(net, m, dst); break;
    case SRC_P:
        st = net->learners.items[o->index].f64 ? nf_learner_get_p_f64(net, m->id, (double *)dst)
                                               : nf_learner_get_p(net, m->id, (float *)dst);
        break;
    case SRC_DESIRED: {
        const nf_learner *l = &net->learners.items[o->index];
        for (int32_t i = 0; i < l->desc.n_desired; i++) {
            int32_t conn_id = -1;
            for (int32_t k = 0; k < net->objects.count && conn_id < 0; k++)
                if (net->objects.items[k].kind == NF_OBJ_CONNECTION &&
                    net->objects.items[k].index == l->desired[i])
                    conn_id = k;
            memcpy(dst + 4 * (size_t)i, &conn_id, 4);
        }
        break;
    }
    case SRC_MASK: st = fill_mask(net, &net->learners.items[o->index], dst); break;
    }
    if (st == NF_OK)
        to_little_endian(dst, m->bytes, nf__ckpt_dtype_size(m->dtype));
    return st;
}

// --- libzip sources: the members, and the archive into the temporary file

static zip_int64_t member_source_cb(void *ud, void *data, zip_uint64_t len,
                                    zip_source_cmd_t cmd) {
    member *m = ud;
    saver *s = m->s;
    switch (cmd) {
    case ZIP_SOURCE_OPEN: {
        m->buf = malloc(m->header_len + m->bytes + 1);
        nf_status st = m->buf ? NF_OK
                              : nf__fail(s->net, NF_ERR_OUT_OF_MEMORY,
                                         "out of host memory (%zu bytes)", m->bytes);
        if (st == NF_OK) {
            memcpy(m->buf, m->header, m->header_len);
            st = fill(s->net, m, m->buf + m->header_len);
        }
        if (st != NF_OK) {
            free(m->buf);
            m->buf = NULL;
            if (s->st == NF_OK) {
                s->st = st;
                snprintf(s->why, sizeof s->why, "%s: %s", m->name, s->net->error);
            }
            zip_error_set(&m->error, st == NF_ERR_OUT_OF_MEMORY ? ZIP_ER_MEMORY : ZIP_ER_READ, 0);
            return -1;
        }
        m->pos = 0;
        return 0;
    }
    case ZIP_SOURCE_READ: {
        const size_t total = m->header_len + m->bytes;
        const size_t n = len < total - m->pos ? (size_t)len : total - m->pos;
        memcpy(data, m->buf + m->pos, n);
        m->pos += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
        free(m->buf);
        m->buf = NULL;
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &m->error);
        if (!st)
            return -1;
        zip_stat_init(st);
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        st->size = m->header_len + m->bytes;
        st->mtime = NF_CKPT_MTIME;
        return sizeof *st;
    }
    case ZIP_SOURCE_ERROR: return zip_error_to_data(&m->error, data, len);
    case ZIP_SOURCE_FREE: return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              -1);
    default: zip_error_set(&m->error, ZIP_ER_OPNOTSUPP, 0); return -1;
    }
}

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
static nf_status write_archive(saver *s, nf_atomic_file *af, const nf_ckpt_text *meta,
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
                        zip_source_function(za, member_source_cb, &s->members[i]));
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
    static const char fn[] = "nf_network_save";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(path && *path, "%s: path must be a non-empty string", fn);
    saver s = {.net = net};
    nf_ckpt_text meta = {0};
    write_metadata(net, &meta);
    nf_status st = meta.failed ? nf__fail(net, NF_ERR_OUT_OF_MEMORY,
                                          "%s: out of host memory for the metadata", fn)
                               : list_members(&s);
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
    for (int32_t i = 0; i < s.count; i++)
        free(s.members[i].buf);
    free(s.members);
    nf__ckpt_text_free(&meta);
    return st;
}

#endif /* NF_HAVE_LIBZIP */
