/*
 * A checkpoint member's bytes, handed to libzip while it writes the archive
 * (checkpoint_save.h): its .npy header, then its values. Backend arrays and
 * P are streamed through the saver's stage, NF_CKPT_STAGE bytes (or a block of
 * whole rows of P) at a time; the rest (event-driven weights in the caller's
 * order, CSR indices, masked P blocks, desired ids, masks) is made whole when
 * libzip opens the member. Values are written little-endian on every host.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

#ifdef NF_HAVE_LIBZIP

#include "checkpoint_save.h"

// --- members made whole

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

static nf_status fill_sparse(nf_network *net, const nf_ckpt_member *m, void *dst) {
    const nf_connection *c = &net->conns.items[net->objects.items[m->id].index];
    const bool ptr = m->source == NF_SRC_CSR_ROW_PTR;
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

static nf_status fill_whole(nf_network *net, const nf_ckpt_member *m, unsigned char *dst) {
    const nf_object *o = &net->objects.items[m->id];
    nf_status st = NF_OK;
    if (m->bytes == 0)
        return NF_OK;
    switch (m->source) {
    case NF_SRC_DOWNLOAD:
    case NF_SRC_P_ROWS: break; /* streamed */
    case NF_SRC_WEIGHTS:
        st = nf__connection_get_weights(net, net->api, m->id, (float *)dst);
        break;
    case NF_SRC_CSR_ROW_PTR:
    case NF_SRC_CSR_COL: st = fill_sparse(net, m, dst); break;
    case NF_SRC_P_BLOCKS:
        st = nf__learner_get_p(net, net->api, m->id, dst, net->learners.items[o->index].f64);
        break;
    case NF_SRC_DESIRED: {
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
    case NF_SRC_MASK: st = fill_mask(net, &net->learners.items[o->index], dst); break;
    }
    if (st == NF_OK)
        nf__ckpt_swap_little_endian(dst, m->bytes, nf__ckpt_dtype_size(m->dtype));
    return st;
}


// --- streamed members

/* Makes the stage (and the strip, never longer) hold at least `bytes`. */
static nf_status stage_room(nf_saver *s, size_t bytes) {
    if (bytes > s->stage_size) {
        free(s->stage);
        free(s->strip);
        s->strip = NULL;
        s->stage_size = 0;
        if (!(s->stage = malloc(bytes)))
            return nf__fail(s->net, NF_ERR_OUT_OF_MEMORY, "out of host memory (%zu bytes)",
                            bytes);
        s->stage_size = bytes;
    }
    if (!s->strip && !(s->strip = malloc(s->stage_size)))
        return nf__fail(s->net, NF_ERR_OUT_OF_MEMORY, "out of host memory (%zu bytes)",
                        s->stage_size);
    return NF_OK;
}

/* Rows [r0, r1) of an n x n symmetric matrix whose upper triangle holds the
 * values (p: the matrix in backend memory), both halves, into stage: the
 * rows as stored, then each row's lower part from the columns of the rows
 * above (a strip of the rows above the block, then inside the block). */
#define P_ROWS(T)                                                                            \
    do {                                                                                     \
        T *rows = (T *)s->stage;                                                             \
        const T *strip = (const T *)s->strip;                                                \
        for (size_t j = 0; j < r0 && st == NF_OK; j++) {                                     \
            st = nf__download(net, s->strip, p + (j * n + r0) * sizeof(T),                  \
                              (r1 - r0) * sizeof(T));                                        \
            for (size_t i = r0; i < r1; i++)                                                 \
                rows[(i - r0) * n + j] = strip[i - r0];                                      \
        }                                                                                    \
        for (size_t j = r0; j < r1; j++)                                                     \
            for (size_t i = j + 1; i < r1; i++)                                              \
                rows[(i - r0) * n + j] = rows[(j - r0) * n + i];                             \
    } while (0)

/* Puts the chunk of the member's data that holds byte d into the stage. */
static nf_status produce(nf_saver *s, nf_ckpt_member *m, size_t d) {
    nf_network *net = s->net;
    nf_status st;
    if (m->source == NF_SRC_DOWNLOAD) {
        const size_t from = d - d % NF_CKPT_STAGE;
        const size_t to = m->bytes - from < NF_CKPT_STAGE ? m->bytes : from + NF_CKPT_STAGE;
        if ((st = stage_room(s, to - from)) == NF_OK)
            st = nf__download(net, s->stage, (const unsigned char *)m->ptr + from, to - from);
        m->chunk_from = from, m->chunk_to = to;
    } else {
        const nf_learner *l = &net->learners.items[net->objects.items[m->id].index];
        const size_t ps = nf__learner_p_size(l), n = (size_t)l->n, row = n * ps;
        const size_t per = row > NF_CKPT_STAGE ? 1 : NF_CKPT_STAGE / row;
        const size_t g = d / row, copy = g / n, at = g % n;
        const size_t r0 = at - at % per, r1 = r0 + per < n ? r0 + per : n;
        const unsigned char *p = (const unsigned char *)l->p + copy * n * row;
        if ((st = stage_room(s, (r1 - r0) * row)) == NF_OK)
            st = nf__download(net, s->stage, p + r0 * row, (r1 - r0) * row);
        if (st == NF_OK && ps == sizeof(double))
            P_ROWS(double);
        else if (st == NF_OK)
            P_ROWS(float);
        m->chunk_from = (copy * n + r0) * row, m->chunk_to = (copy * n + r1) * row;
    }
    if (st == NF_OK)
        nf__ckpt_swap_little_endian(s->stage, m->chunk_to - m->chunk_from, nf__ckpt_dtype_size(m->dtype));
    else
        m->chunk_from = m->chunk_to = 0;
    return st;
}

static bool streamed(const nf_ckpt_member *m) {
    return m->source == NF_SRC_DOWNLOAD || m->source == NF_SRC_P_ROWS;
}

/* Records the first failure of a member's source, for nf_network_save's message. */
static zip_int64_t source_failed(nf_ckpt_member *m, nf_status st) {
    nf_saver *s = m->s;
    if (s->st == NF_OK) {
        s->st = st;
        snprintf(s->why, sizeof s->why, "%s: %s", m->name,
                 nf__message_detail(s->net->error, s->net->api));
    }
    zip_error_set(&m->error, st == NF_ERR_OUT_OF_MEMORY ? ZIP_ER_MEMORY : ZIP_ER_READ, 0);
    return -1;
}

zip_int64_t nf__ckpt_member_source(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
    nf_ckpt_member *m = ud;
    nf_saver *s = m->s;
    switch (cmd) {
    case ZIP_SOURCE_OPEN: {
        m->pos = m->chunk_from = m->chunk_to = 0;
        if (streamed(m) || !m->bytes)
            return 0;
        nf_status st = (m->whole = malloc(m->bytes))
                           ? fill_whole(s->net, m, m->whole)
                           : nf__fail(s->net, NF_ERR_OUT_OF_MEMORY,
                                      "out of host memory (%zu bytes)", m->bytes);
        if (st != NF_OK) {
            free(m->whole);
            m->whole = NULL;
            return source_failed(m, st);
        }
        return 0;
    }
    case ZIP_SOURCE_READ: {
        unsigned char *out = data;
        size_t done = 0;
        while (done < len && m->pos < m->header_len + m->bytes) {
            size_t n;
            if (m->pos < m->header_len) {
                n = m->header_len - m->pos;
                n = n < len - done ? n : (size_t)len - done;
                memcpy(out + done, m->header + m->pos, n);
            } else {
                const size_t d = m->pos - m->header_len;
                const unsigned char *from;
                if (!streamed(m)) {
                    from = m->whole + d;
                    n = m->bytes - d;
                } else {
                    nf_status st = NF_OK;
                    if (d < m->chunk_from || d >= m->chunk_to)
                        st = produce(s, m, d);
                    if (st != NF_OK)
                        return source_failed(m, st);
                    from = s->stage + (d - m->chunk_from);
                    n = m->chunk_to - d;
                }
                n = n < len - done ? n : (size_t)len - done;
                memcpy(out + done, from, n);
            }
            done += n;
            m->pos += n;
        }
        return (zip_int64_t)done;
    }
    case ZIP_SOURCE_CLOSE:
        free(m->whole);
        m->whole = NULL;
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

#endif /* NF_HAVE_LIBZIP */
