/*
 * A checkpoint's metadata member: `key = value` lines, every number written
 * exactly and read back strictly, in the C locale whatever the program's.
 * Nothing here reads or writes files.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "internal.h"

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

// --- numbers in the C locale

/* Runs with the "C" numeric locale on this thread (printf and strtod read
 * and write '.' whatever setlocale said), then puts the previous one back. */
typedef struct c_numeric {
    locale_t c, previous;
} c_numeric;

static c_numeric numeric_begin(void) {
    c_numeric n = {newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), (locale_t)0};
    if (n.c)
        n.previous = uselocale(n.c);
    return n;
}

static void numeric_end(c_numeric n) {
    if (!n.c)
        return;
    uselocale(n.previous);
    freelocale(n.c);
}

/* The shortest decimal that reads back to the same float (or double). */
static void format_float(char *buf, size_t cap, double v, bool single) {
    if (isnan(v)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            return;
    }
}

// --- the growing text

void nf__ckpt_text_printf(nf_ckpt_text *t, const char *fmt, ...) {
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const size_t room = t->capacity - t->len;
        const int n = vsnprintf(t->data ? t->data + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->capacity ? t->capacity : 4096;
        while (cap - t->len <= (size_t)n)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (!grown) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->capacity = cap;
    }
}

void nf__ckpt_text_free(nf_ckpt_text *t) {
    free(t->data);
    memset(t, 0, sizeof *t);
}

/* A string with bytes outside printable ASCII, and '\', as \xHH. */
static void write_escaped(nf_ckpt_text *t, const char *s) {
    for (; *s; s++) {
        const unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch <= 0x7e && ch != '\\')
            nf__ckpt_text_printf(t, "%c", ch);
        else
            nf__ckpt_text_printf(t, "\\x%02x", ch);
    }
}

void nf__ckpt_write_fields(nf_ckpt_text *t, const char *prefix, const nf_ckpt_table *table,
                           const void *object) {
    const c_numeric numeric = numeric_begin();
    for (int32_t i = 0; i < table->count; i++) {
        const nf_ckpt_field *f = &table->fields[i];
        const char *at = (const char *)object + f->offset;
        char num[64] = "";
        int32_t i32;
        int64_t i64;
        uint64_t u64;
        float f32;
        double f64;
        bool b;
        switch (f->type) {
        case NF_CKPT_I32:
        case NF_CKPT_ENUM: memcpy(&i32, at, 4); snprintf(num, sizeof num, "%d", i32); break;
        case NF_CKPT_I64:
            memcpy(&i64, at, 8);
            snprintf(num, sizeof num, "%lld", (long long)i64);
            break;
        case NF_CKPT_U64:
            memcpy(&u64, at, 8);
            snprintf(num, sizeof num, "%llu", (unsigned long long)u64);
            break;
        case NF_CKPT_F32: memcpy(&f32, at, 4); format_float(num, sizeof num, f32, true); break;
        case NF_CKPT_F64: memcpy(&f64, at, 8); format_float(num, sizeof num, f64, false); break;
        case NF_CKPT_BOOL: memcpy(&b, at, sizeof b); snprintf(num, sizeof num, "%d", b); break;
        case NF_CKPT_STR: {
            char s[256];
            size_t n = strnlen(at, f->size);
            n = n < sizeof s ? n : sizeof s - 1;
            memcpy(s, at, n);
            s[n] = '\0';
            nf__ckpt_text_printf(t, "%s.%s = ", prefix, f->name);
            write_escaped(t, s);
            nf__ckpt_text_printf(t, "\n");
            continue;
        }
        case NF_CKPT_ARRAY: continue;
        }
        nf__ckpt_text_printf(t, "%s.%s = %s\n", prefix, f->name, num);
    }
    numeric_end(numeric);
}

// --- parsing the metadata

static int compare_entries(const void *a, const void *b) {
    return strcmp(((const nf_ckpt_entry *)a)->key, ((const nf_ckpt_entry *)b)->key);
}

static bool key_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.';
}

/* Up to 40 bytes of s, non-printable ones as '?', for messages. */
static const char *shown(const char *s, char *buf, size_t cap) {
    size_t n = 0;
    for (; s[n] && n + 1 < cap && n < 40; n++)
        buf[n] = s[n] >= ' ' && s[n] <= '~' ? s[n] : '?';
    buf[n] = '\0';
    return buf;
}

nf_status nf__ckpt_meta_parse(char *text, size_t len, nf_ckpt_meta *m, char *why, size_t cap) {
    memset(m, 0, sizeof *m);
    m->text = text;
    text[len] = '\0';
    if (memchr(text, '\0', len))
        return failf(why, cap, "the text holds a NUL byte at offset %zu",
                     (size_t)((char *)memchr(text, '\0', len) - text));
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (!(m->entries = calloc(lines, sizeof *m->entries)))
        return NF_ERR_OUT_OF_MEMORY;
    char *p = text, *end = text + len;
    for (int32_t line = 1; p < end; line++) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        *eol = '\0';
        if (eol > p && eol[-1] == '\r')
            eol[-1] = '\0';
        char *sep = strstr(p, " = ");
        if (*p && *p != '#') {
            char buf[48];
            if (!sep || sep == p)
                return failf(why, cap, "line %d ('%s') is not 'key = value'", line,
                             shown(p, buf, sizeof buf));
            for (const char *k = p; k < sep; k++)
                if (!key_char(*k))
                    return failf(why, cap, "line %d: the key '%s' has a character outside "
                                 "[A-Za-z0-9_.]", line, shown(p, buf, sizeof buf));
            *sep = '\0';
            m->entries[m->count++] = (nf_ckpt_entry){.key = p, .value = sep + 3, .line = line};
        }
        p = eol + 1;
    }
    qsort(m->entries, m->count, sizeof *m->entries, compare_entries);
    for (size_t i = 1; i < m->count; i++)
        if (!strcmp(m->entries[i].key, m->entries[i - 1].key)) {
            char buf[48];
            return failf(why, cap, "the key '%s' appears twice (lines %d and %d)",
                         shown(m->entries[i].key, buf, sizeof buf), m->entries[i - 1].line,
                         m->entries[i].line);
        }
    return NF_OK;
}

void nf__ckpt_meta_free(nf_ckpt_meta *m) {
    free(m->text);
    free(m->entries);
    memset(m, 0, sizeof *m);
}

static nf_ckpt_entry *find_entry(nf_ckpt_meta *m, const char *key) {
    const nf_ckpt_entry probe = {.key = key};
    nf_ckpt_entry *e = m->count ? bsearch(&probe, m->entries, m->count, sizeof *m->entries,
                                          compare_entries)
                                : NULL;
    if (e)
        e->used = true;
    return e;
}

const char *nf__ckpt_meta_find(nf_ckpt_meta *m, const char *key) {
    nf_ckpt_entry *e = find_entry(m, key);
    return e ? e->value : NULL;
}

const nf_ckpt_entry *nf__ckpt_meta_unused(const nf_ckpt_meta *m) {
    for (size_t i = 0; i < m->count; i++)
        if (!m->entries[i].used)
            return &m->entries[i];
    return NULL;
}

/* A decimal integer: an optional '-' (when allowed), digits, nothing else. */
static bool parse_int(const char *s, bool allow_negative, int64_t lo, int64_t hi, int64_t *out) {
    const bool negative = allow_negative && *s == '-';
    s += negative;
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (negative ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    const int64_t x = negative ? (int64_t)(0 - v) : (int64_t)v;
    if (x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out) {
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* A number as format_float writes it (or any decimal strtod reads whole). */
static bool parse_float(const char *s, bool single, double *out) {
    if (!*s || !(*s == '-' || *s == '.' || (*s >= '0' && *s <= '9') || *s == 'i' || *s == 'n'))
        return false;
    char *end;
    errno = 0;
    if (single) {
        const float v = strtof(s, &end);
        *out = v;
    } else {
        *out = strtod(s, &end);
    }
    return end != s && !*end;
}

static int hex_digit(char h) {
    return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
}

static bool parse_escaped(const char *s, char *out, size_t size) {
    size_t n = 0;
    for (; *s; s++) {
        char ch = *s;
        if (ch == '\\') {
            int hi, lo;
            if (s[1] != 'x' || (hi = hex_digit(s[2])) < 0 || (lo = hex_digit(s[3])) < 0)
                return false;
            ch = (char)(hi * 16 + lo);
            s += 3;
        }
        if (!ch || n + 1 >= size)
            return false;
        out[n++] = ch;
    }
    out[n] = '\0';
    return true;
}

nf_status nf__ckpt_meta_i64(nf_ckpt_meta *m, const char *key, int64_t lo, int64_t hi,
                            int64_t *out, char *why, size_t cap) {
    nf_ckpt_entry *e = find_entry(m, key);
    char buf[48];
    if (!e)
        return failf(why, cap, "the key '%s' is missing", key);
    if (!parse_int(e->value, true, lo, hi, out))
        return failf(why, cap, "line %d: %s = '%s' is not an integer in [%lld, %lld]", e->line,
                     key, shown(e->value, buf, sizeof buf), (long long)lo, (long long)hi);
    return NF_OK;
}

nf_status nf__ckpt_meta_string(nf_ckpt_meta *m, const char *key, char *out, size_t size,
                               char *why, size_t cap) {
    nf_ckpt_entry *e = find_entry(m, key);
    char buf[48];
    if (!e)
        return failf(why, cap, "the key '%s' is missing", key);
    if (!parse_escaped(e->value, out, size))
        return failf(why, cap, "line %d: %s = '%s' is not a string of at most %zu bytes",
                     e->line, key, shown(e->value, buf, sizeof buf), size - 1);
    return NF_OK;
}

nf_status nf__ckpt_read_fields(nf_ckpt_meta *m, const char *prefix, const nf_ckpt_table *table,
                               void *object, char *why, size_t cap) {
    const c_numeric numeric = numeric_begin();
    nf_status st = NF_OK;
    for (int32_t i = 0; i < table->count && st == NF_OK; i++) {
        const nf_ckpt_field *f = &table->fields[i];
        if (f->type == NF_CKPT_ARRAY)
            continue;
        char key[160];
        snprintf(key, sizeof key, "%s.%s", prefix, f->name);
        nf_ckpt_entry *e = find_entry(m, key);
        if (!e)
            continue;
        char *at = (char *)object + f->offset;
        int64_t i64;
        uint64_t u64;
        double v;
        bool ok = false;
        const char *what = "";
        switch (f->type) {
        case NF_CKPT_I32:
        case NF_CKPT_ENUM:
            what = "an integer in [-2^31, 2^31)";
            if ((ok = parse_int(e->value, true, INT32_MIN, INT32_MAX, &i64))) {
                const int32_t x = (int32_t)i64;
                memcpy(at, &x, 4);
            }
            break;
        case NF_CKPT_I64:
            what = "a 64-bit integer";
            if ((ok = parse_int(e->value, true, INT64_MIN, INT64_MAX, &i64)))
                memcpy(at, &i64, 8);
            break;
        case NF_CKPT_U64:
            what = "an unsigned 64-bit integer";
            if ((ok = parse_u64(e->value, &u64)))
                memcpy(at, &u64, 8);
            break;
        case NF_CKPT_F32:
            what = "a float";
            if ((ok = parse_float(e->value, true, &v))) {
                const float x = (float)v;
                memcpy(at, &x, 4);
            }
            break;
        case NF_CKPT_F64:
            what = "a double";
            if ((ok = parse_float(e->value, false, &v)))
                memcpy(at, &v, 8);
            break;
        case NF_CKPT_BOOL:
            what = "0 or 1";
            if ((ok = parse_int(e->value, false, 0, 1, &i64))) {
                const bool x = i64 != 0;
                memcpy(at, &x, sizeof x);
            }
            break;
        case NF_CKPT_STR:
            what = "an escaped string that fits";
            ok = parse_escaped(e->value, at, f->size);
            break;
        case NF_CKPT_ARRAY: break;
        }
        if (!ok) {
            char buf[48];
            st = failf(why, cap, "line %d: %s = '%s' is not %s", e->line, key,
                       shown(e->value, buf, sizeof buf), what);
        }
    }
    numeric_end(numeric);
    return st;
}

void nf__ckpt_state_member(nf_state_kind which, char *out, size_t cap) {
    const char *name = nf__state_name(which);
    if (!strncmp(name, "NF_STATE_", 9))
        name += 9;
    size_t n = 0;
    for (; name[n] && n + 1 < cap; n++)
        out[n] = (char)(name[n] >= 'A' && name[n] <= 'Z' ? name[n] - 'A' + 'a'
                        : name[n] == ' '                 ? '_'
                                                         : name[n]);
    out[n] = '\0';
}
