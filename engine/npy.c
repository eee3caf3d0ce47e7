/*
 * numpy .npy files, format 1.0: the magic "\x93NUMPY", version 1 0, a
 * little-endian uint16 header length, then an ASCII dict
 * {'descr': '<f4', 'fortran_order': False, 'shape': (d0, d1), } padded with
 * spaces and ended by '\n' so that the data starts at a multiple of 64 bytes,
 * then the float32 values in C order, little-endian whatever the host.
 * Written whole or not at all (atomic_file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "internal.h"

#define NPY_ALIGN    64
#define NPY_CHUNK    4096 /* floats converted and written at a time */

static nf_status npy_fail(char *message, size_t capacity, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static nf_status npy_fail(char *message, size_t capacity, nf_status st, const char *fmt, ...) {
    if (message && capacity) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, capacity, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* The header (magic to '\n'); returns its length, or 0 if it does not fit. */
static size_t npy_header(char *h, size_t capacity, int32_t ndim, const int64_t *shape) {
    int len =
        snprintf(h + 10, capacity - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int32_t i = 0; i < ndim && len > 0 && (size_t)len < capacity - 10; i++)
        len += snprintf(h + 10 + len, capacity - 10 - len, "%s%lld%s", i ? ", " : "",
                        (long long)shape[i], ndim == 1 ? "," : "");
    if (len <= 0 || (size_t)len >= capacity - 10)
        return 0;
    len += snprintf(h + 10 + len, capacity - 10 - len, "), }");
    size_t total = 10 + (size_t)len + 1; /* + '\n' */
    total = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total > capacity || total - 10 > 65535)
        return 0;
    memset(h + 10 + len, ' ', total - 10 - (size_t)len);
    h[total - 1] = '\n';
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)((total - 10) & 0xff);
    h[9] = (char)((total - 10) >> 8);
    return total;
}

/* Writes count floats little-endian. */
static int write_le(FILE *f, const float *data, size_t count) {
    const uint32_t probe = 1;
    unsigned char little;
    memcpy(&little, &probe, 1);
    if (little)
        return fwrite(data, sizeof *data, count, f) == count;
    unsigned char buf[NPY_CHUNK * 4];
    for (size_t done = 0; done < count;) {
        const size_t m = count - done < NPY_CHUNK ? count - done : NPY_CHUNK;
        for (size_t i = 0; i < m; i++) {
            uint32_t u;
            memcpy(&u, &data[done + i], 4);
            for (int b = 0; b < 4; b++)
                buf[4 * i + b] = (unsigned char)(u >> (8 * b));
        }
        if (fwrite(buf, 4, m, f) != m)
            return 0;
        done += m;
    }
    return 1;
}

/* nf_npy_write_f32 for the public function fn (its messages name fn). */
static nf_status npy_write(const char *fn, const char *path, const float *data, int32_t ndim,
                           const int64_t *shape, char *message, size_t capacity) {
    if (!path || !*path)
        return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                        "%s: path must be a non-empty string", fn);
    if (ndim < 0 || ndim > NF_NPY_MAX_DIMS)
        return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                        "%s: ndim must be in 0..%d, got %d", fn, NF_NPY_MAX_DIMS, ndim);
    if (ndim > 0 && !shape)
        return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                        "%s: shape must not be NULL for ndim %d", fn, ndim);
    /* the reader's (and numpy's) rule: the product of the nonzero dimensions
     * must fit, even when a 0 empties the array */
    const uint64_t limit = (SIZE_MAX < INT64_MAX ? (uint64_t)SIZE_MAX : (uint64_t)INT64_MAX) / 8;
    size_t count = 1;
    uint64_t nonzero = 1;
    for (int32_t i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                            "%s: shape[%d] must be >= 0, got %lld", fn, i, (long long)shape[i]);
        if (shape[i] > 0 && nonzero > limit / (uint64_t)shape[i])
            return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                            "%s: the shape's product overflows at shape[%d] = %lld", fn, i,
                            (long long)shape[i]);
        count *= (size_t)shape[i];
        nonzero *= shape[i] > 0 ? (uint64_t)shape[i] : 1;
    }
    if (count > 0 && !data)
        return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                        "%s: data must not be NULL (%zu values)", fn, count);
    char header[1024];
    const size_t header_len = npy_header(header, sizeof header, ndim, shape);
    if (!header_len)
        return npy_fail(message, capacity, NF_ERR_INVALID_ARGUMENT,
                        "%s: the shape does not fit a format 1.0 header", fn);

    /* whole or nothing: a failure leaves an existing file as it was */
    nf_atomic_file af;
    char why[384];
    nf_status st = nf__atomic_open(&af, path, why, sizeof why);
    if (st != NF_OK)
        return npy_fail(message, capacity, st, "%s: cannot write: %s", fn, why);
    errno = 0;
    const int ok = fwrite(header, 1, header_len, af.f) == header_len &&
                   (count == 0 || write_le(af.f, data, count));
    if (!ok) {
        const int err = errno;
        nf__atomic_abort(&af);
        return npy_fail(message, capacity, err == ENOMEM ? NF_ERR_OUT_OF_MEMORY : NF_ERR_IO,
                        "%s: writing '%s' failed (%s); the file is unchanged", fn, path,
                        err ? strerror(err) : "short write");
    }
    st = nf__atomic_commit(&af, why, sizeof why);
    if (st != NF_OK)
        return npy_fail(message, capacity, st, "%s: %s", fn, why);
    return NF_OK;
}

nf_status nf_npy_write_f32(const char *path, const float *data, int32_t ndim, const int64_t *shape,
                           char *message, size_t capacity) {
    return npy_write(__func__, path, data, ndim, shape, message, capacity);
}

nf_status nf_probe_write_npy(nf_network *net, int32_t probe, const char *path) {
    NF_ENTER(net);
    static const char fn[] = "nf_probe_write_npy";
    nf_probe *p;
    nf_status st = net ? nf__probe_find(net, fn, probe, &p) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    REQUIRE(path && *path, "%s: path must be a non-empty string", fn);
    const int32_t batch = net->desc.batch;
    const size_t count = (size_t)(p->rows * p->row_floats);
    float *host = count ? malloc(count * sizeof *host) : NULL;
    if (count && !host)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory for %zu floats", fn,
                        count);
    if (count && (st = nf__download(net, host, p->buf, count * sizeof *host)) != NF_OK) {
        free(host);
        return st;
    }
    const int64_t shape[3] = {p->rows, batch, p->row_floats / batch};
    char message[sizeof net->error];
    st = npy_write(fn, path, host, 3, shape, message, sizeof message);
    free(host);
    if (st != NF_OK)
        return nf__fail(net, st, "%s", message);
    nf__probe_clear(p);
    return NF_OK;
}
