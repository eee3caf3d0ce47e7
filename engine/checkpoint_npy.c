/*
 * The .npy headers of a checkpoint's array members: numpy format 1.0 written
 * (the dict padded so that the data starts at a multiple of 64 bytes, as
 * numpy writes it); 1.0, 2.0 or 3.0 read, the dict's keys in any order, a
 * C-order array of at most NF_CKPT_NPY_MAX_DIMS dimensions. Nothing here
 * reads or writes files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

static nf_status failf(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static nf_status failf(char *why, size_t cap, const char *fmt, ...) {
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return NF_ERR_INVALID_ARGUMENT;
}

static const struct {
    const char *descr;
    size_t size;
} dtypes[] = {{"<f4", 4}, {"<f8", 8}, {"<i4", 4}, {"<i8", 8}, {"|u1", 1}};

const char *nf__ckpt_dtype_descr(nf_ckpt_dtype t) { return dtypes[t].descr; }

size_t nf__ckpt_dtype_size(nf_ckpt_dtype t) { return dtypes[t].size; }

void nf__ckpt_swap_little_endian(unsigned char *data, size_t bytes, size_t size) {
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

size_t nf__ckpt_npy_header(char *h, size_t capacity, nf_ckpt_dtype t, int32_t ndim,
                           const int64_t *shape) {
    if (capacity < 64)
        return 0;
    int len = snprintf(h + 10, capacity - 10, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                       dtypes[t].descr);
    for (int32_t i = 0; i < ndim && len > 0 && (size_t)len < capacity - 10; i++)
        len += snprintf(h + 10 + len, capacity - 10 - (size_t)len, "%s%lld%s", i ? ", " : "",
                        (long long)shape[i], ndim == 1 ? "," : "");
    if (len <= 0 || (size_t)len >= capacity - 10)
        return 0;
    len += snprintf(h + 10 + len, capacity - 10 - (size_t)len, "), }");
    size_t total = 10 + (size_t)len + 1;
    total = (total + 63) / 64 * 64;
    if (total > capacity || total - 10 > 65535)
        return 0;
    memset(h + 10 + len, ' ', total - 10 - (size_t)len);
    h[total - 1] = '\n';
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)((total - 10) & 0xff);
    h[9] = (char)((total - 10) >> 8);
    return total;
}

size_t nf__ckpt_npy_header_len(const unsigned char *prefix, size_t have, char *why, size_t cap) {
    if (have < 10 || memcmp(prefix, "\x93NUMPY", 6)) {
        failf(why, cap, "not a .npy array (no \\x93NUMPY magic)");
        return 0;
    }
    const unsigned major = prefix[6], minor = prefix[7];
    if (major < 1 || major > 3 || minor != 0) {
        failf(why, cap, ".npy format version %u.%u is not 1.0, 2.0 or 3.0", major, minor);
        return 0;
    }
    size_t len;
    if (major == 1) {
        len = 10 + ((size_t)prefix[8] | (size_t)prefix[9] << 8);
    } else {
        if (have < 12) {
            failf(why, cap, "the .npy header is cut short");
            return 0;
        }
        len = 12 + ((size_t)prefix[8] | (size_t)prefix[9] << 8 | (size_t)prefix[10] << 16 |
                    (size_t)prefix[11] << 24);
    }
    if (len > NF_CKPT_NPY_HEADER_MAX) {
        failf(why, cap, "the .npy header is %zu bytes, more than %d", len,
              NF_CKPT_NPY_HEADER_MAX);
        return 0;
    }
    return len;
}

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static bool accept(cursor *c, char ch) {
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool quoted(cursor *c, char *out, size_t size) {
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return false;
    const char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (n + 1 >= size)
            return false;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    out[n] = '\0';
    return true;
}

static bool word(cursor *c, const char *w) {
    skip_space(c);
    const size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
        return false;
    c->p += n;
    return true;
}

static bool shape_tuple(cursor *c, nf_ckpt_npy *h) {
    if (!accept(c, '('))
        return false;
    h->ndim = 0;
    for (;;) {
        if (accept(c, ')'))
            return true;
        if (h->ndim >= NF_CKPT_NPY_MAX_DIMS)
            return false;
        skip_space(c);
        int64_t v = 0;
        const char *start = c->p;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (*c->p++ - '0');
        }
        if (c->p == start)
            return false;
        h->shape[h->ndim++] = v;
        if (!accept(c, ',')) {
            if (!accept(c, ')') || h->ndim == 1) /* (n) is not a tuple */
                return false;
            return true;
        }
    }
}

nf_status nf__ckpt_npy_parse(const unsigned char *h, size_t len, nf_ckpt_npy *out, char *why,
                             size_t cap) {
    memset(out, 0, sizeof *out);
    const size_t start = h[6] == 1 ? 10 : 12;
    if (len <= start || h[len - 1] != '\n')
        return failf(why, cap, "the .npy header does not end with a newline");
    cursor c = {(const char *)h + start, (const char *)h + len - 1};
    bool descr = false, order = false, shape = false;
    if (!accept(&c, '{'))
        return failf(why, cap, "the .npy header is not a dict");
    while (!accept(&c, '}')) {
        char key[32];
        if (!quoted(&c, key, sizeof key) || !accept(&c, ':'))
            return failf(why, cap, "the .npy header is not a dict of quoted keys");
        if (!strcmp(key, "descr") && !descr) {
            descr = quoted(&c, out->descr, sizeof out->descr);
            if (!descr)
                return failf(why, cap, "the .npy header's descr is not a short string");
        } else if (!strcmp(key, "fortran_order") && !order) {
            if (word(&c, "True"))
                return failf(why, cap, "the array is in Fortran order");
            if (!(order = word(&c, "False")))
                return failf(why, cap, "the .npy header's fortran_order is not False");
        } else if (!strcmp(key, "shape") && !shape) {
            if (!(shape = shape_tuple(&c, out)))
                return failf(why, cap, "the .npy header's shape is not a tuple of at most %d "
                             "integers", NF_CKPT_NPY_MAX_DIMS);
        } else {
            return failf(why, cap, "the .npy header has an unknown or repeated key '%s'", key);
        }
        if (!accept(&c, ',') && !(skip_space(&c), c.p < c.end && *c.p == '}'))
            return failf(why, cap, "the .npy header's dict is malformed");
    }
    skip_space(&c);
    if (c.p != c.end || !descr || !order || !shape)
        return failf(why, cap, "the .npy header lacks descr, fortran_order or shape, or has "
                     "text after its dict");
    out->header_len = len;
    return NF_OK;
}
