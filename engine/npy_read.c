/*
 * Reading numpy .npy files into float32 (nf_npy_read_f32). A file is the
 * magic "\x93NUMPY", the format version (1.0, 2.0 or 3.0), the header's
 * length (little-endian uint16 in 1.0, uint32 in 2.0 and 3.0), the header: a
 * Python dict literal such as {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), } (latin-1 text; UTF-8 in 3.0) padded with spaces and
 * ended by '\n', then the values in C order. Every length and product is
 * checked, against the file's size when it has one, before anything is
 * allocated; the values are read and converted a chunk at a time.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse.h"

#define NPY_HEADER_MAX 65536 /* header bytes this reader accepts */
#define NPY_CHUNK      8192  /* bytes read and converted at a time (a multiple of 8) */
/* The smallest double that rounds to infinity in float32: 2^128 - 2^103. */
#define NPY_F32_OVERFLOW 0x1.ffffffp127

typedef enum npy_kind { NPY_FLOAT, NPY_SIGNED, NPY_UNSIGNED, NPY_BOOL } npy_kind;

typedef struct npy_header {
    char descr[64];
    npy_kind kind;
    int size; /* bytes per value */
    int fortran;
    int32_t ndim;
    int64_t shape[NF_NPY_MAX_DIMS];
} npy_header;

/* Where a failure is reported: the file (NULL before one is known) and the
 * caller's message buffer. */
typedef struct npy_ctx {
    const char *path;
    char *message;
    size_t capacity;
} npy_ctx;

static nf_status npy_error(const npy_ctx *x, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static nf_status npy_error(const npy_ctx *x, nf_status st, const char *fmt, ...) {
    if (!x->message || !x->capacity)
        return st;
    const int n = x->path ? snprintf(x->message, x->capacity, "nf_npy_read_f32: '%s': ", x->path)
                          : snprintf(x->message, x->capacity, "nf_npy_read_f32: ");
    if (n >= 0 && (size_t)n < x->capacity) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->message + n, x->capacity - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return st;
}

static const char *io_text(FILE *f, int err) {
    return ferror(f) && err ? strerror(err) : "read error";
}

// --- the header's dict literal

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int next_is(cursor *c, char ch) {
    skip_space(c);
    return c->p < c->end && *c->p == ch;
}

static int accept(cursor *c, char ch) {
    if (!next_is(c, ch))
        return 0;
    c->p++;
    return 1;
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* "malformed header near '...': what", the text shown printable. */
static nf_status malformed(const npy_ctx *x, const cursor *c, const char *what) {
    char near[24];
    size_t n = 0;
    for (const char *p = c->p; p < c->end && n + 1 < sizeof near; p++)
        near[n++] = *p >= ' ' && *p <= '~' ? *p : '?';
    near[n] = '\0';
    return npy_error(x, NF_ERR_INVALID_ARGUMENT, "malformed header near '%s': %s", near, what);
}

/* A quoted string without escapes into out; 0 when malformed or too long. */
static int parse_string(cursor *c, char *out, size_t capacity) {
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    const char quote = *c->p++;
    size_t n = 0;
    for (; c->p < c->end && *c->p != quote; c->p++) {
        if (*c->p == '\\' || *c->p == '\n' || n + 1 >= capacity)
            return 0;
        out[n++] = *c->p;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    out[n] = '\0';
    return 1;
}

/* The dtype of descr: numbers only, little-endian (any order for one byte). */
static nf_status parse_dtype(const npy_ctx *x, npy_header *h) {
    const char *d = h->descr, order = d[0];
    if (order == '<' || order == '>' || order == '|' || order == '=')
        d++;
    if (!strcmp(d, "O"))
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "dtype '%s' holds Python objects; only numeric arrays are read", h->descr);
    const char type = d[0];
    const int size = d[0] && d[1] >= '1' && d[1] <= '8' && !d[2] ? d[1] - '0' : 0;
    const int known =
        (type == 'f' && (size == 4 || size == 8)) ||
        ((type == 'i' || type == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
        (type == 'b' && size == 1);
    if (known && size > 1 && order == '>')
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "dtype '%s' is big-endian; only little-endian ('<') data is read "
                         "(numpy: a.astype(a.dtype.newbyteorder('<')))",
                         h->descr);
    const int order_ok = size > 1 ? order == '<' : order == '|' || order == '<' || order == '>';
    if (!known || !order_ok)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "dtype '%s' is not supported (float32 is read from <f4, <f8, |i1, <i2, "
                         "<i4, <i8, |u1, <u2, <u4, <u8 and |b1)",
                         h->descr);
    h->size = size;
    h->kind = type == 'f'   ? NPY_FLOAT
              : type == 'i' ? NPY_SIGNED
              : type == 'u' ? NPY_UNSIGNED
                            : NPY_BOOL;
    return NF_OK;
}

static nf_status parse_descr(const npy_ctx *x, cursor *c, npy_header *h) {
    if (next_is(c, '['))
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "structured dtypes (a list of fields as 'descr') are not supported");
    if (!parse_string(c, h->descr, sizeof h->descr))
        return malformed(x, c, "'descr' must be a quoted dtype such as '<f4'");
    return parse_dtype(x, h);
}

static nf_status parse_fortran(const npy_ctx *x, cursor *c, npy_header *h) {
    skip_space(c);
    const size_t left = (size_t)(c->end - c->p);
    for (int v = 0; v < 2; v++) {
        const char *word = v ? "True" : "False";
        const size_t n = strlen(word);
        if (left >= n && !memcmp(c->p, word, n) &&
            (left == n || !(isalnum((unsigned char)c->p[n]) || c->p[n] == '_'))) {
            c->p += n;
            h->fortran = v;
            return NF_OK;
        }
    }
    return malformed(x, c, "'fortran_order' must be True or False");
}

static nf_status parse_shape(const npy_ctx *x, cursor *c, npy_header *h) {
    if (!accept(c, '('))
        return malformed(x, c, "'shape' must be a tuple such as (2, 3)");
    int comma = 0;
    h->ndim = 0;
    while (!accept(c, ')')) {
        skip_space(c);
        if (c->p < c->end && *c->p == '-')
            return npy_error(x, NF_ERR_INVALID_ARGUMENT, "shape[%d] is negative", h->ndim);
        if (c->p >= c->end || !is_digit(*c->p))
            return malformed(x, c, "expected a dimension or ')' in the shape");
        if (h->ndim == NF_NPY_MAX_DIMS)
            return npy_error(x, NF_ERR_INVALID_ARGUMENT, "the shape has more than %d dimensions",
                             NF_NPY_MAX_DIMS);
        int64_t v = 0;
        for (; c->p < c->end && is_digit(*c->p); c->p++) {
            const int digit = *c->p - '0';
            if (v > (INT64_MAX - digit) / 10)
                return npy_error(x, NF_ERR_INVALID_ARGUMENT, "shape[%d] overflows int64", h->ndim);
            v = 10 * v + digit;
        }
        if (c->p < c->end && (*c->p == 'L' || *c->p == 'l')) /* Python 2 wrote 3L */
            c->p++;
        h->shape[h->ndim++] = v;
        if (!(comma = accept(c, ','))) {
            if (!accept(c, ')'))
                return malformed(x, c, "expected ',' or ')' in the shape");
            break;
        }
    }
    if (h->ndim == 1 && !comma)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "'shape': (%lld) is not a tuple; one dimension is written (%lld,)",
                         (long long)h->shape[0], (long long)h->shape[0]);
    return NF_OK;
}

/* The dict: exactly the keys descr, fortran_order and shape, then only spaces. */
static nf_status parse_header(const npy_ctx *x, const char *text, size_t len, npy_header *h) {
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    cursor c = {text, text + len};
    int seen[3] = {0, 0, 0};
    if (!accept(&c, '{'))
        return malformed(x, &c, "the header must be a dict starting with '{'");
    while (!accept(&c, '}')) {
        char key[32];
        if (!parse_string(&c, key, sizeof key))
            return malformed(x, &c, "expected a quoted key or '}'");
        int k = 0;
        while (k < 3 && strcmp(key, keys[k]))
            k++;
        if (k == 3)
            return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                             "the header has the unexpected key '%s' (only descr, "
                             "fortran_order and shape belong there)",
                             key);
        if (seen[k]++)
            return npy_error(x, NF_ERR_INVALID_ARGUMENT, "the header repeats the key '%s'", key);
        if (!accept(&c, ':'))
            return malformed(x, &c, "expected ':' after a key");
        const nf_status st = k == 0   ? parse_descr(x, &c, h)
                             : k == 1 ? parse_fortran(x, &c, h)
                                      : parse_shape(x, &c, h);
        if (st != NF_OK)
            return st;
        if (!accept(&c, ',')) {
            if (!accept(&c, '}'))
                return malformed(x, &c, "expected ',' or '}' after a value");
            break;
        }
    }
    skip_space(&c);
    if (c.p != c.end)
        return malformed(x, &c, "text after the dict's closing '}'");
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return npy_error(x, NF_ERR_INVALID_ARGUMENT, "the header lacks the key '%s'", keys[k]);
    return NF_OK;
}

// --- the file

/* The file's size in bytes, the position kept; -1 when it has none (a pipe). */
static long long file_size(FILE *f) {
    const long here = ftell(f);
    if (here < 0 || fseek(f, 0, SEEK_END) != 0)
        return -1;
    const long end = ftell(f);
    if (fseek(f, here, SEEK_SET) != 0)
        return -2;
    return end < 0 ? -1 : (long long)end;
}

/* Reads the preamble and the header; *left: the bytes after the header (-1: unknown). */
static nf_status read_header(const npy_ctx *x, FILE *f, npy_header *h, long long *left) {
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    unsigned char pre[12];
    errno = 0;
    size_t got = fread(pre, 1, 8, f);
    if (got < 8 && ferror(f))
        return npy_error(x, NF_ERR_IO, "cannot read: %s", io_text(f, errno));
    if (memcmp(pre, magic, got < 6 ? got : 6) != 0)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "not a .npy file: it does not start with \"\\x93NUMPY\"");
    if (got < 8)
        return npy_error(x, NF_ERR_IO,
                         "truncated: the file ends after %zu bytes, inside the preamble", got);
    const int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         ".npy format version %d.%d is not supported (1.0, 2.0 and 3.0 are)", major,
                         minor);
    const size_t len_bytes = major == 1 ? 2 : 4, header_at = 8 + len_bytes;
    errno = 0;
    got = fread(pre + 8, 1, len_bytes, f);
    if (got < len_bytes)
        return ferror(f) ? npy_error(x, NF_ERR_IO, "cannot read: %s", io_text(f, errno))
                         : npy_error(x, NF_ERR_IO,
                                     "truncated: the file ends after %zu bytes, inside the "
                                     "preamble",
                                     8 + got);
    uint32_t hlen = pre[8] | (uint32_t)pre[9] << 8;
    if (major > 1)
        hlen |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    const long long size = file_size(f);
    if (size == -2)
        return npy_error(x, NF_ERR_IO, "cannot seek: %s", strerror(errno));
    if (hlen > NPY_HEADER_MAX)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "the header length %lu is over this reader's limit of %d bytes",
                         (unsigned long)hlen, NPY_HEADER_MAX);
    if (size >= 0 && (long long)hlen > size - (long long)header_at)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "the header length %lu runs past the end of the file (%lld bytes)",
                         (unsigned long)hlen, size);
    char *text = malloc((size_t)hlen + 1);
    if (!text)
        return npy_error(x, NF_ERR_OUT_OF_MEMORY, "out of memory for a %lu-byte header",
                         (unsigned long)hlen);
    errno = 0;
    got = fread(text, 1, hlen, f);
    nf_status st = NF_OK;
    if (got < hlen)
        st = ferror(f) ? npy_error(x, NF_ERR_IO, "cannot read: %s", io_text(f, errno))
                       : npy_error(x, NF_ERR_INVALID_ARGUMENT,
                                   "the header length %lu runs past the end of the file",
                                   (unsigned long)hlen);
    if (st == NF_OK)
        st = parse_header(x, text, hlen, h);
    free(text);
    *left = size >= 0 ? size - (long long)header_at - (long long)hlen : -1;
    return st;
}

/* C order (or a Fortran header whose layout is the same) and the value count. */
static nf_status check_shape(const npy_ctx *x, const npy_header *h, size_t *count) {
    int above_one = 0;
    for (int32_t d = 0; d < h->ndim; d++)
        above_one += h->shape[d] > 1;
    if (h->fortran && above_one > 1)
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "the array is in Fortran order ('fortran_order': True); only C order "
                         "is read (numpy: np.ascontiguousarray(a) before saving)");
    /* Bytes of the file's values and of the floats must fit size_t and int64. */
    const uint64_t limit = (SIZE_MAX < INT64_MAX ? (uint64_t)SIZE_MAX : (uint64_t)INT64_MAX) / 8;
    uint64_t n = 1;
    int empty = 0;
    for (int32_t d = 0; d < h->ndim; d++) {
        const uint64_t s = (uint64_t)h->shape[d];
        if (!s) {
            empty = 1;
            continue;
        }
        if (n > limit / s)
            return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                             "the shape's product overflows at shape[%d] = %lld", d,
                             (long long)h->shape[d]);
        n *= s;
    }
    *count = empty ? 0 : (size_t)n;
    return NF_OK;
}

// --- values

static uint64_t load_le(const unsigned char *b, int size) {
    uint64_t u = 0;
    for (int k = size - 1; k >= 0; k--)
        u = u << 8 | b[k];
    return u;
}

/* An integer of magnitude mag, when float32 holds it exactly (its odd part
 * fits the 24-bit significand). */
static int exact_integer(uint64_t mag, int negative, float *out) {
    uint64_t odd = mag;
    while (odd && !(odd & 1))
        odd >>= 1;
    if (odd >= UINT64_C(1) << 24)
        return 0;
    const float f = (float)mag;
    *out = negative ? -f : f;
    return 1;
}

/* The value at b as a signed integer of h->size bytes, sign-extended. */
static int64_t load_signed(const unsigned char *b, int size) {
    uint64_t u = load_le(b, size);
    if (size < 8 && (u >> (8 * size - 1) & 1))
        u |= ~UINT64_C(0) << (8 * size);
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Converts one value; 0 when float32 cannot hold it (see neurofuse.h). */
static int convert(const unsigned char *b, const npy_header *h, float *out) {
    const uint64_t u = load_le(b, h->size);
    switch (h->kind) {
    case NPY_FLOAT:
        if (h->size == 4) {
            const uint32_t w = (uint32_t)u;
            memcpy(out, &w, sizeof w);
        } else {
            double d;
            memcpy(&d, &u, sizeof d);
            if (isfinite(d) && fabs(d) >= NPY_F32_OVERFLOW)
                return 0;
            *out = (float)d;
        }
        return 1;
    case NPY_BOOL: *out = u ? 1.0f : 0.0f; return 1;
    case NPY_UNSIGNED: return exact_integer(u, 0, out);
    case NPY_SIGNED: {
        const int64_t v = load_signed(b, h->size);
        const uint64_t mag = v < 0 ? UINT64_C(0) - (uint64_t)v : (uint64_t)v;
        return exact_integer(mag, v < 0, out);
    }
    }
    return 0;
}

/* Names value `flat` and why it was refused. */
static nf_status refuse_value(const npy_ctx *x, const npy_header *h, size_t flat,
                              const unsigned char *b) {
    char index[NF_NPY_MAX_DIMS * 22 + 4];
    size_t idx[NF_NPY_MAX_DIMS], rest = flat;
    for (int32_t d = h->ndim - 1; d >= 0; d--) {
        idx[d] = rest % (size_t)h->shape[d];
        rest /= (size_t)h->shape[d];
    }
    size_t n = (size_t)snprintf(index, sizeof index, "(");
    for (int32_t d = 0; d < h->ndim; d++)
        n += (size_t)snprintf(index + n, sizeof index - n, "%s%zu", d ? ", " : "", idx[d]);
    snprintf(index + n, sizeof index - n, "%s)", h->ndim == 1 ? "," : "");
    if (h->kind == NPY_FLOAT) {
        const uint64_t u = load_le(b, h->size);
        double d;
        memcpy(&d, &u, sizeof d);
        return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                         "value %zu, index %s, is %.17g, which rounds to infinity in float32", flat,
                         index, d);
    }
    char value[32];
    if (h->kind == NPY_UNSIGNED)
        snprintf(value, sizeof value, "%llu", (unsigned long long)load_le(b, h->size));
    else
        snprintf(value, sizeof value, "%lld", (long long)load_signed(b, h->size));
    return npy_error(x, NF_ERR_INVALID_ARGUMENT,
                     "value %zu, index %s, is %s, which float32 cannot hold exactly (dtype '%s')",
                     flat, index, value, h->descr);
}

static nf_status read_values(const npy_ctx *x, FILE *f, const npy_header *h, size_t count,
                             long long left, float **out) {
    const size_t bytes = count * (size_t)h->size;
    if (left >= 0 && (unsigned long long)left < bytes)
        return npy_error(x, NF_ERR_IO,
                         "truncated: the data takes %zu bytes (%zu values of '%s') but the file "
                         "holds %lld after the header",
                         bytes, count, h->descr, left);
    float *v = malloc((count ? count : 1) * sizeof *v);
    if (!v)
        return npy_error(x, NF_ERR_OUT_OF_MEMORY, "out of memory for %zu float32 values", count);
    unsigned char buf[NPY_CHUNK];
    const size_t per_chunk = NPY_CHUNK / (size_t)h->size;
    for (size_t done = 0; done < count;) {
        const size_t m = count - done < per_chunk ? count - done : per_chunk;
        errno = 0;
        const size_t got = fread(buf, (size_t)h->size, m, f);
        if (got != m) {
            free(v);
            return ferror(f)
                       ? npy_error(x, NF_ERR_IO, "reading the data failed: %s", io_text(f, errno))
                       : npy_error(x, NF_ERR_IO, "truncated: the data ends after %zu of %zu values",
                                   done + got, count);
        }
        for (size_t i = 0; i < m; i++)
            if (!convert(buf + i * (size_t)h->size, h, &v[done + i])) {
                const nf_status st = refuse_value(x, h, done + i, buf + i * (size_t)h->size);
                free(v);
                return st;
            }
        done += m;
    }
    *out = v;
    return NF_OK;
}

nf_status nf_npy_read_f32(const char *path, float **data, int32_t *ndim,
                          int64_t shape[NF_NPY_MAX_DIMS], char *message, size_t capacity) {
    npy_ctx x = {NULL, message, capacity};
    if (data)
        *data = NULL;
    if (ndim)
        *ndim = 0;
    if (message && capacity)
        message[0] = '\0';
    if (!path || !*path)
        return npy_error(&x, NF_ERR_INVALID_ARGUMENT, "path must be a non-empty string");
    if (!data || !ndim || !shape)
        return npy_error(&x, NF_ERR_INVALID_ARGUMENT,
                         "data, ndim and shape must not be NULL (reading '%s')", path);
    x.path = path;
    FILE *f = fopen(path, "rb");
    if (!f)
        return npy_error(&x, errno == ENOMEM ? NF_ERR_OUT_OF_MEMORY : NF_ERR_IO,
                         "cannot open for reading: %s", strerror(errno));
    npy_header h = {.ndim = 0};
    long long left = -1;
    size_t count = 0;
    float *values = NULL;
    nf_status st = read_header(&x, f, &h, &left);
    if (st == NF_OK)
        st = check_shape(&x, &h, &count);
    if (st == NF_OK)
        st = read_values(&x, f, &h, count, left, &values);
    fclose(f);
    if (st != NF_OK)
        return st;
    *data = values;
    *ndim = h.ndim;
    for (int32_t d = 0; d < h.ndim; d++)
        shape[d] = h.shape[d];
    return NF_OK;
}

void nf_npy_free(float *data) { free(data); }
