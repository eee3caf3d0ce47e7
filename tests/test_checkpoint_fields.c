/*
 * A checkpoint's text parts, compiled in from engine/ (checkpoint_fields.c,
 * checkpoint_meta.c): the field tables of engine/checkpoint_fields.h cover
 * every byte of the public descriptors (a field added to nf_population_desc
 * and friends without its line there fails here, naming the bytes; gaps
 * narrower than the next field's alignment are padding); every float and
 * double, random bit patterns and the edge values, is written and read back
 * bit for bit, in the C locale whatever the program's; strings with any
 * bytes come back; the metadata parser refuses what is not `key = value`,
 * a repeated key, a NUL byte, malformed numbers; the .npy header parser
 * reads numpy's headers (format 1.0 and 2.0, keys in any order) and refuses
 * Fortran order and malformed ones.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "engine/checkpoint.h"
#include "engine/internal.h"

TestSuite(checkpoint_fields, .timeout = 60);

/* checkpoint_meta.c names state members through state.c, which is not here. */
const char *nf__state_name(nf_state_kind which) {
    return which == NF_STATE_VOLTAGE ? "NF_STATE_VOLTAGE" : "NF_STATE_FILTER_AUX";
}

static size_t alignment_of(const nf_ckpt_field *f) {
    return f->size >= 8 ? 8 : f->size >= 4 ? 4 : f->size;
}

static int by_offset(const void *a, const void *b) {
    const nf_ckpt_field *x = a, *y = b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Every byte of the structure is in a field of the table, or padding. */
static void assert_covers(const nf_ckpt_table *t) {
    nf_ckpt_field f[64];
    cr_assert_leq(t->count, 64);
    memcpy(f, t->fields, (size_t)t->count * sizeof *f);
    qsort(f, (size_t)t->count, sizeof *f, by_offset);
    size_t at = 0, widest = 1;
    for (int32_t i = 0; i < t->count; i++) {
        const size_t align = alignment_of(&f[i]);
        widest = align > widest ? align : widest;
        cr_assert(f[i].offset < at || f[i].offset - at < align,
                  "%s: bytes [%zu, %zu) are in no field of engine/checkpoint_fields.h (a new "
                  "field? add its line there)", t->structure, at, f[i].offset);
        cr_assert_geq(f[i].offset, at, "%s: %s overlaps the field before it", t->structure,
                      f[i].name);
        at = f[i].offset + f[i].size;
        for (int32_t k = 0; k < i; k++)
            cr_assert_str_neq(f[i].name, f[k].name, "%s: %s listed twice", t->structure,
                              f[i].name);
    }
    cr_assert(t->size - at < widest,
              "%s: bytes [%zu, %zu) at its end are in no field of engine/checkpoint_fields.h",
              t->structure, at, t->size);
}

Test(checkpoint_fields, the_tables_cover_every_descriptor_field) {
    assert_covers(&nf__ckpt_network_desc);
    assert_covers(&nf__ckpt_population_desc);
    assert_covers(&nf__ckpt_connection_desc);
    assert_covers(&nf__ckpt_readout_desc);
    assert_covers(&nf__ckpt_learner_desc);
    assert_covers(&nf__ckpt_energy_device);
}

// --- values written and read back

typedef struct every_type {
    int32_t i;
    int32_t e;
    int64_t l;
    uint64_t u;
    float f;
    double d;
    bool b;
    char s[32];
} every_type;

static const nf_ckpt_field every_fields[] = {
    {"i", NF_CKPT_I32, offsetof(every_type, i), 4},
    {"e", NF_CKPT_ENUM, offsetof(every_type, e), 4},
    {"l", NF_CKPT_I64, offsetof(every_type, l), 8},
    {"u", NF_CKPT_U64, offsetof(every_type, u), 8},
    {"f", NF_CKPT_F32, offsetof(every_type, f), 4},
    {"d", NF_CKPT_F64, offsetof(every_type, d), 8},
    {"b", NF_CKPT_BOOL, offsetof(every_type, b), sizeof(bool)},
    {"s", NF_CKPT_STR, offsetof(every_type, s), 32},
};
static const nf_ckpt_table every_table = {"every_type", every_fields, 8, sizeof(every_type)};

/* Writes v as prefix "x", parses the text and reads it back into *out. */
static void round_trip(const every_type *v, every_type *out) {
    nf_ckpt_text t = {0};
    nf__ckpt_write_fields(&t, "x", &every_table, v);
    cr_assert(!t.failed);
    char *text = malloc(t.len + 1);
    memcpy(text, t.data, t.len);
    nf_ckpt_meta m;
    char why[256];
    cr_assert_eq(nf__ckpt_meta_parse(text, t.len, &m, why, sizeof why), NF_OK, "%s: %s", why,
                 t.data);
    memset(out, 0x5a, sizeof *out);
    cr_assert_eq(nf__ckpt_read_fields(&m, "x", &every_table, out, why, sizeof why), NF_OK,
                 "%s", why);
    cr_assert_null(nf__ckpt_meta_unused(&m));
    nf__ckpt_meta_free(&m);
    nf__ckpt_text_free(&t);
}

static uint64_t next_bits(uint64_t *s) {
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

Test(checkpoint_fields, every_number_comes_back_bit_for_bit) {
    const float floats[] = {0.0f, -0.0f, 1.0f, 0.001f, 1e-45f, FLT_MIN, FLT_MAX, -FLT_MAX,
                            0.1f, 3.14159265f, 16777217.0f, 1.17549421e-38f};
    const double doubles[] = {0.0, -0.0, 0.001, 5e-324, DBL_MIN, DBL_MAX, 0.1, 1.0 / 3.0};
    every_type v = {.i = INT32_MIN, .e = -1, .l = INT64_MIN, .u = UINT64_MAX, .b = true,
                    .s = "a \\x = b\n\t\x7f\xff"};
    every_type w;
    uint64_t bits = 88172645463325252ull;
    for (int k = 0; k < 20000; k++) {
        if (k < (int)(sizeof floats / sizeof *floats))
            v.f = floats[k];
        else
            do {
                const uint32_t r = (uint32_t)next_bits(&bits);
                memcpy(&v.f, &r, 4);
            } while (!isfinite(v.f));
        if (k < (int)(sizeof doubles / sizeof *doubles))
            v.d = doubles[k];
        else
            do {
                const uint64_t r = next_bits(&bits);
                memcpy(&v.d, &r, 8);
            } while (!isfinite(v.d));
        v.i = k % 2 ? INT32_MAX : INT32_MIN + k;
        v.l = k % 2 ? INT64_MAX - k : INT64_MIN;
        round_trip(&v, &w);
        cr_assert(!memcmp(&v.f, &w.f, 4), "float %a came back as %a", (double)v.f, (double)w.f);
        cr_assert(!memcmp(&v.d, &w.d, 8), "double %a came back as %a", v.d, w.d);
        cr_assert(v.i == w.i && v.e == w.e && v.l == w.l && v.u == w.u && v.b == w.b);
        cr_assert_str_eq(v.s, w.s);
    }
    v.f = INFINITY, v.d = -INFINITY;
    round_trip(&v, &w);
    cr_assert(isinf(w.f) && w.f > 0 && isinf(w.d) && w.d < 0);
    v.f = NAN, v.d = NAN;
    round_trip(&v, &w);
    cr_assert(isnan(w.f) && isnan(w.d));
}

Test(checkpoint_fields, numbers_are_written_in_the_c_locale) {
    const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "C.UTF-8"};
    const char *got = NULL;
    for (size_t k = 0; k < sizeof locales / sizeof *locales && !got; k++)
        got = setlocale(LC_NUMERIC, locales[k]);
    if (!got || !strcmp(localeconv()->decimal_point, "."))
        cr_skip_test("no locale with a decimal comma is installed");
    every_type v = {.f = 0.5f, .d = 2.25}, w;
    nf_ckpt_text t = {0};
    nf__ckpt_write_fields(&t, "x", &every_table, &v);
    cr_assert(strstr(t.data, "x.f = 0.5\n") && strstr(t.data, "x.d = 2.25\n"), "%s", t.data);
    nf__ckpt_text_free(&t);
    round_trip(&v, &w);
    cr_assert(w.f == 0.5f && w.d == 2.25);
}

// --- the parser refuses

static nf_status parse(const char *text, char *why, size_t cap) {
    const size_t n = strlen(text);
    char *copy = malloc(n + 1);
    memcpy(copy, text, n);
    nf_ckpt_meta m;
    nf_status st = nf__ckpt_meta_parse(copy, n, &m, why, cap);
    nf__ckpt_meta_free(&m);
    return st;
}

Test(checkpoint_fields, the_metadata_parser_is_strict) {
    char why[256];
    cr_assert_eq(parse("# comment\n\na = 1\r\nb.c_d = x y z\n", why, sizeof why), NF_OK, "%s",
                 why);
    cr_assert_eq(parse("a=1\n", why, sizeof why), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(why, "line 1 ('a=1') is not 'key = value'"), "%s", why);
    cr_assert_eq(parse("a = 1\n = 2\n", why, sizeof why), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(parse("a b = 1\n", why, sizeof why), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(why, "outside [A-Za-z0-9_.]"), "%s", why);
    cr_assert_eq(parse("a = 1\nb = 2\na = 3\n", why, sizeof why), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(why, "'a' appears twice (lines 1 and 3)"), "%s", why);
    char nul[] = "a = 1\nb = \0\n";
    char *copy = malloc(sizeof nul);
    memcpy(copy, nul, sizeof nul);
    nf_ckpt_meta m;
    cr_assert_eq(nf__ckpt_meta_parse(copy, sizeof nul - 1, &m, why, sizeof why),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(why, "NUL"), "%s", why);
    nf__ckpt_meta_free(&m);
    const char *bad[] = {"x.i = 2147483648\n", "x.i = 1.5\n", "x.i = +1\n", "x.i = \n",
                         "x.u = -1\n",         "x.f = 1,5\n", "x.f = 1e\n", "x.b = 2\n",
                         "x.d =  1\n",         "x.s = \\x4\n", "x.s = \\n\n",
                         "x.l = 9223372036854775808\n"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const size_t n = strlen(bad[k]);
        copy = malloc(n + 1);
        memcpy(copy, bad[k], n);
        cr_assert_eq(nf__ckpt_meta_parse(copy, n, &m, why, sizeof why), NF_OK);
        every_type v;
        cr_assert_eq(nf__ckpt_read_fields(&m, "x", &every_table, &v, why, sizeof why),
                     NF_ERR_INVALID_ARGUMENT, "'%s' was accepted", bad[k]);
        cr_assert(strstr(why, "line 1: x."), "%s", why);
        nf__ckpt_meta_free(&m);
    }
}

// --- .npy headers

static nf_status parse_npy(const char *text, nf_ckpt_npy *h, char *why) {
    unsigned char buf[512];
    const size_t n = strlen(text);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(n & 0xff);
    buf[9] = (unsigned char)(n >> 8);
    memcpy(buf + 10, text, n);
    const size_t len = nf__ckpt_npy_header_len(buf, 10 + n, why, 256);
    cr_assert_eq(len, 10 + n, "%s", why);
    return nf__ckpt_npy_parse(buf, len, h, why, 256);
}

Test(checkpoint_fields, npy_headers_are_read_as_numpy_writes_them) {
    char why[256], h[256];
    nf_ckpt_npy p;
    const int64_t shape[3] = {7, 1, 300};
    for (nf_ckpt_dtype t = NF_CKPT_F4; t <= NF_CKPT_U1; t++) {
        const size_t n = nf__ckpt_npy_header(h, sizeof h, t, 3, shape);
        cr_assert(n > 0 && n % 64 == 0);
        cr_assert_eq(nf__ckpt_npy_header_len((unsigned char *)h, n, why, sizeof why), n);
        cr_assert_eq(nf__ckpt_npy_parse((unsigned char *)h, n, &p, why, sizeof why), NF_OK,
                     "%s", why);
        cr_assert(p.ndim == 3 && p.shape[2] == 300 && !strcmp(p.descr, nf__ckpt_dtype_descr(t)));
    }
    cr_assert_eq(parse_npy("{'shape': (3,), 'fortran_order': False, 'descr': '<f8'}   \n", &p,
                           why), NF_OK, "%s", why);
    cr_assert(p.ndim == 1 && p.shape[0] == 3 && !strcmp(p.descr, "<f8"));
    cr_assert_eq(parse_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", &p, why),
                 NF_OK, "%s", why);
    cr_assert_eq(p.ndim, 0);
    const char *bad[] = {
        "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }\n",
        "{'descr': '<f4', 'fortran_order': False, }\n",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5), }\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
        "['descr']\n"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        cr_assert_eq(parse_npy(bad[k], &p, why), NF_ERR_INVALID_ARGUMENT, "'%s' was accepted",
                     bad[k]);
    unsigned char v2[16] = "\x93NUMPY\x02\x00\x10\x00\x00\x00";
    cr_assert_eq(nf__ckpt_npy_header_len(v2, 12, why, sizeof why), 12 + 16);
    unsigned char huge[12] = "\x93NUMPY\x02\x00\x00\x00\x10\x00";
    cr_assert_eq(nf__ckpt_npy_header_len(huge, 12, why, sizeof why), 0);
    unsigned char v9[12] = "\x93NUMPY\x09\x00\x10\x00";
    cr_assert_eq(nf__ckpt_npy_header_len(v9, 12, why, sizeof why), 0);
    cr_assert(strstr(why, "9.0"), "%s", why);
}
