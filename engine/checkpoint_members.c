/*
 * A checkpoint's members (checkpoint_load.h): finding one, checking its size
 * before anything is allocated for it, reading it whole (libzip compares its
 * CRC at the end) after its .npy header's dtype and shape equal those the
 * metadata calls for, and the metadata member itself. A member whose header
 * is wrong is still read to its end, so that corruption is reported as such.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

#ifdef NF_HAVE_LIBZIP

#include "checkpoint_load.h"

nf_status nf__load_fail(nf_loader *ld, nf_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->why, sizeof ld->why, fmt, ap);
    va_end(ap);
    return st;
}

nf_status nf__load_object_fail(nf_loader *ld, int32_t id, const char *kind, nf_status st) {
    return nf__load_fail(ld, st, "%s_%d: %s", kind, id, ld->net ? ld->net->error : "");
}

bool nf__load_bytes(nf_ckpt_dtype t, int32_t ndim, const int64_t *shape, size_t *bytes) {
    size_t n = nf__ckpt_dtype_size(t);
    for (int32_t i = 0; i < ndim; i++)
        if (shape[i] < 0 || nf__mul_size(n, (size_t)shape[i], &n))
            return false;
    *bytes = n;
    return n <= (size_t)PTRDIFF_MAX;
}

/* The member's index, or -1. */
static int64_t locate(nf_loader *ld, const char *name) {
    return zip_name_locate(ld->za, name, ZIP_FL_ENC_RAW);
}

bool nf__load_has(nf_loader *ld, const char *name) { return locate(ld, name) >= 0; }

nf_status nf__load_precheck(nf_loader *ld, const char *name, size_t bytes) {
    const int64_t idx = locate(ld, name);
    zip_stat_t st;
    if (idx < 0)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s' is missing", name);
    if (zip_stat_index(ld->za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return nf__load_fail(ld, NF_ERR_IO, "member '%s': cannot read its size: %s", name,
                             zip_strerror(ld->za));
    if (st.size < bytes || st.size - bytes > NF_CKPT_NPY_HEADER_MAX)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s' is %llu bytes, not the %zu bytes of data (and a "
                             "header) the metadata calls for",
                             name, (unsigned long long)st.size, bytes);
    return NF_OK;
}

/* Reads exactly n bytes (a read error or an early end fails). */
static nf_status read_exact(nf_loader *ld, zip_file_t *zf, const char *name, void *dst,
                            size_t n) {
    size_t done = 0;
    while (done < n) {
        const zip_int64_t got = zip_fread(zf, (char *)dst + done, n - done);
        if (got < 0)
            return nf__load_fail(ld, NF_ERR_IO, "member '%s': %s", name, zip_file_strerror(zf));
        if (got == 0)
            return nf__load_fail(ld, NF_ERR_IO, "member '%s' ends early", name);
        done += (size_t)got;
    }
    return NF_OK;
}

/* Reads the rest of a member (none is expected when `empty`) so that libzip
 * compares the CRC of all of it: a corrupted member is reported as such. */
static nf_status read_end(nf_loader *ld, zip_file_t *zf, const char *name, bool empty) {
    char rest[4096];
    for (;;) {
        const zip_int64_t got = zip_fread(zf, rest, empty ? 1 : sizeof rest);
        if (got < 0) {
            const int code = zip_error_code_zip(zip_file_get_error(zf));
            return nf__load_fail(ld, NF_ERR_IO, "member '%s': %s%s", name,
                                 zip_file_strerror(zf),
                                 code == ZIP_ER_CRC ? " (its bytes are not those written: the "
                                                      "file is corrupted)"
                                                    : "");
        }
        if (got == 0)
            return NF_OK;
        if (empty)
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                                 "member '%s' is longer than its data", name);
    }
}

/* Opens a member (marking it read) and checks its size; *size its bytes. */
static nf_status open_member(nf_loader *ld, const char *name, zip_file_t **zf, size_t *size) {
    const int64_t idx = locate(ld, name);
    zip_stat_t st;
    *zf = NULL;
    if (idx < 0)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s' is missing", name);
    if (zip_stat_index(ld->za, (zip_uint64_t)idx, 0, &st) != 0 || st.size > (size_t)PTRDIFF_MAX)
        return nf__load_fail(ld, NF_ERR_IO, "member '%s': %s", name, zip_strerror(ld->za));
    if (!(*zf = zip_fopen_index(ld->za, (zip_uint64_t)idx, 0)))
        return nf__load_fail(ld, NF_ERR_IO, "member '%s': cannot open: %s", name,
                             zip_strerror(ld->za));
    ld->consumed[idx] = 1;
    *size = (size_t)st.size;
    return NF_OK;
}

/* The first non-finite value of a float member, or -1. */
static int64_t first_non_finite(const void *v, nf_ckpt_dtype t, size_t bytes) {
    if (t == NF_CKPT_F4) {
        const float *f = v;
        for (size_t i = 0; i < bytes / 4; i++)
            if (!isfinite(f[i]))
                return (int64_t)i;
    } else if (t == NF_CKPT_F8) {
        const double *d = v;
        for (size_t i = 0; i < bytes / 8; i++)
            if (!isfinite(d[i]))
                return (int64_t)i;
    }
    return -1;
}

static void shape_text(char *buf, size_t cap, int32_t ndim, const int64_t *shape) {
    int n = snprintf(buf, cap, "(");
    for (int32_t i = 0; i < ndim && n > 0 && (size_t)n < cap; i++)
        n += snprintf(buf + n, cap - (size_t)n, "%s%lld%s", i ? ", " : "", (long long)shape[i],
                      ndim == 1 ? "," : "");
    if (n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ")");
}

/* Reads and checks a member's .npy header against the dtype and shape expected. */
static nf_status read_header(nf_loader *ld, zip_file_t *zf, const char *name, size_t size,
                             nf_ckpt_dtype t, int32_t ndim, const int64_t *shape, size_t bytes) {
    unsigned char head[NF_CKPT_NPY_HEADER_MAX];
    size_t len = 0;
    char why[160], want[96], got[96];
    if (size < 12)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s' is too short for a .npy array (%zu bytes)", name, size);
    nf_status st = read_exact(ld, zf, name, head, 12);
    if (st != NF_OK)
        return st;
    if (!(len = nf__ckpt_npy_header_len(head, 12, why, sizeof why)))
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': %s", name, why);
    if (len > size || len < 12)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s': its .npy header (%zu bytes) does not fit the member "
                             "(%zu)", name, len, size);
    if ((st = read_exact(ld, zf, name, head + 12, len - 12)) != NF_OK)
        return st;
    nf_ckpt_npy h;
    if (nf__ckpt_npy_parse(head, len, &h, why, sizeof why) != NF_OK)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': %s", name, why);
    if (strcmp(h.descr, nf__ckpt_dtype_descr(t)) || h.ndim != ndim ||
        memcmp(h.shape, shape, (size_t)ndim * sizeof *shape)) {
        shape_text(want, sizeof want, ndim, shape);
        shape_text(got, sizeof got, h.ndim, h.shape);
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s' holds dtype '%s' shape %s; the metadata calls for "
                             "'%s' %s", name, h.descr, got, nf__ckpt_dtype_descr(t), want);
    }
    if (size - len != bytes)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s' has %zu bytes of data, its shape %zu", name,
                             size - len, bytes);
    return NF_OK;
}

/* Reads a member's values into host memory `host` (all of them), or, when
 * host is NULL, into backend memory `dev` through the loader's stage a chunk
 * at a time: the header checked first, with `finite` every value checked
 * finite (float dtypes), little-endian turned into the host's order, the CRC
 * checked at the end. */
static nf_status load_member(nf_loader *ld, const char *name, nf_ckpt_dtype t, int32_t ndim,
                             const int64_t *shape, size_t bytes, unsigned char *host,
                             void *dev, bool finite) {
    zip_file_t *zf;
    size_t size;
    nf_status st = open_member(ld, name, &zf, &size);
    if (st == NF_OK && (st = read_header(ld, zf, name, size, t, ndim, shape, bytes)) ==
                           NF_ERR_INVALID_ARGUMENT) {
        /* a header made wrong by corruption is reported as the corruption */
        char why[sizeof ld->why];
        memcpy(why, ld->why, sizeof why);
        const nf_status crc = read_end(ld, zf, name, false);
        if (crc == NF_OK)
            memcpy(ld->why, why, sizeof why);
        else
            st = crc;
    }
    const size_t chunk = host ? bytes : bytes < NF_CKPT_LOAD_STAGE ? bytes : NF_CKPT_LOAD_STAGE;
    if (st == NF_OK && !host && chunk > ld->stage_size) {
        free(ld->stage);
        ld->stage_size = 0;
        if (!(ld->stage = malloc(chunk)))
            st = nf__load_fail(ld, NF_ERR_OUT_OF_MEMORY, "member '%s': out of host memory "
                               "(%zu bytes)", name, chunk);
        else
            ld->stage_size = chunk;
    }
    for (size_t at = 0; st == NF_OK && at < bytes; at += chunk) {
        const size_t n = bytes - at < chunk ? bytes - at : chunk;
        unsigned char *to = host ? host + at : ld->stage;
        if ((st = read_exact(ld, zf, name, to, n)) != NF_OK)
            break;
        nf__ckpt_swap_little_endian(to, n, nf__ckpt_dtype_size(t));
        const int64_t bad = finite ? first_non_finite(to, t, n) : -1;
        if (bad >= 0)
            st = nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': value %lld is not "
                               "finite", name, (long long)(at / nf__ckpt_dtype_size(t)) + bad);
        else if (!host && (st = nf__upload(ld->net, (unsigned char *)dev + at, to, n)) != NF_OK)
            st = nf__load_fail(ld, st, "member '%s': %s", name,
                               nf__message_detail(ld->net->error, ld->net->api));
    }
    if (st == NF_OK)
        st = read_end(ld, zf, name, true);
    if (zf)
        zip_fclose(zf);
    return st;
}

nf_status nf__load_array(nf_loader *ld, const char *name, nf_ckpt_dtype t, int32_t ndim,
                         const int64_t *shape, void **out) {
    *out = NULL;
    size_t bytes;
    if (!nf__load_bytes(t, ndim, shape, &bytes))
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s': the metadata calls for an array too large to hold",
                             name);
    /* the member's size is checked against `bytes` before anything is allocated */
    nf_status st = nf__load_precheck(ld, name, bytes);
    unsigned char *data = NULL;
    if (st == NF_OK && !(data = malloc(bytes + 1)))
        st = nf__load_fail(ld, NF_ERR_OUT_OF_MEMORY, "member '%s': out of host memory (%zu "
                           "bytes)", name, bytes);
    if (st == NF_OK)
        st = load_member(ld, name, t, ndim, shape, bytes, data, NULL, true);
    if (st != NF_OK) {
        free(data);
        return st;
    }
    *out = data;
    return NF_OK;
}

nf_status nf__load_upload(nf_loader *ld, const char *name, nf_ckpt_dtype t, int32_t ndim,
                          const int64_t *shape, void *dst, nf_ckpt_values values) {
    size_t bytes;
    if (!nf__load_bytes(t, ndim, shape, &bytes))
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s': the metadata calls for an array too large to hold",
                             name);
    return load_member(ld, name, t, ndim, shape, bytes, NULL, dst, values == NF_CKPT_FINITE);
}

nf_status nf__load_metadata(nf_loader *ld) {
    zip_file_t *zf;
    size_t size;
    if (locate(ld, NF_CKPT_METADATA) < 0)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "no member '%s': a zip archive, but not a neurofuse checkpoint",
                             NF_CKPT_METADATA);
    nf_status st = open_member(ld, NF_CKPT_METADATA, &zf, &size);
    char *text = NULL;
    if (st == NF_OK && !(text = malloc(size + 1)))
        st = nf__load_fail(ld, NF_ERR_OUT_OF_MEMORY, "out of host memory for the metadata");
    if (st == NF_OK)
        st = read_exact(ld, zf, NF_CKPT_METADATA, text, size);
    if (st == NF_OK)
        st = read_end(ld, zf, NF_CKPT_METADATA, true);
    if (zf)
        zip_fclose(zf);
    if (st != NF_OK) {
        free(text);
        return st;
    }
    char why[256];
    st = nf__ckpt_meta_parse(text, size, &ld->meta, why, sizeof why); /* owns text now */
    if (st == NF_ERR_OUT_OF_MEMORY)
        return nf__load_fail(ld, st, "out of host memory for the metadata");
    if (st != NF_OK)
        return nf__load_fail(ld, st, "member '%s': %s", NF_CKPT_METADATA, why);
    return NF_OK;
}

#endif /* NF_HAVE_LIBZIP */
