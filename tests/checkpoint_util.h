/*
 * Helpers of the checkpoint tests (test_checkpoint*.c): a scratch folder,
 * whole-file reads and writes, a walk over a .npz's zip records (local
 * headers and central directory, stored members) that finds a member's
 * bytes, edits them with the CRC-32 recomputed (so that only the edit is
 * wrong) or renames a member, and the continuation check every kind of
 * object goes through: run, save, load, run both, compare.
 */
#ifndef NFT_CHECKPOINT_UTIL_H
#define NFT_CHECKPOINT_UTIL_H

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

// --- files

static char ckpt_dir_[64];

static inline int ckpt_remove_(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes the scratch folder (registered with atexit by ckpt_path). */
static inline void ckpt_cleanup(void) {
    if (ckpt_dir_[0])
        nftw(ckpt_dir_, ckpt_remove_, 16, FTW_DEPTH | FTW_PHYS);
    ckpt_dir_[0] = '\0';
}

/* Skips the test in a library built without libzip (nf_network_save and
 * nf_network_load then return NF_ERR_UNSUPPORTED, as test_checkpoint_files
 * checks). */
static inline void ckpt_require_libzip(void) {
    nf_network *m = NULL;
    char msg[256] = "";
    if (nf_network_load("/", NF_BACKEND_CPU, 0, &m, msg, sizeof msg) == NF_ERR_UNSUPPORTED)
        cr_skip_test("%s", msg);
}

/* A path in this test's scratch folder (a static buffer per call slot); skips
 * the test without libzip. */
static inline const char *ckpt_path(const char *name) {
    static char paths[8][256];
    static int next;
    if (!ckpt_dir_[0]) {
        ckpt_require_libzip();
        /* a memory file system when there is one: saves fsync, which costs there nothing */
        snprintf(ckpt_dir_, sizeof ckpt_dir_, "%s/nft-checkpoint-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        cr_assert_not_null(mkdtemp(ckpt_dir_), "mkdtemp");
        atexit(ckpt_cleanup);
    }
    char *p = paths[next++ % 8];
    snprintf(p, 256, "%s/%s", ckpt_dir_, name);
    return p;
}

static inline unsigned char *ckpt_read(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*size + 1);
    cr_assert(b && fread(b, 1, *size, f) == *size, "cannot read %s", path);
    fclose(f);
    return b;
}

static inline void ckpt_write(const char *path, const void *bytes, size_t size) {
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(bytes, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

// --- the zip records of a checkpoint (stored members, no zip64: small files)

static inline uint32_t ckpt_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t ckpt_u16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void ckpt_put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t ckpt_crc32(const unsigned char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Where a member lies: its local header, its data and its central entry. */
typedef struct ckpt_member {
    size_t local, data, len, central;
    char name[128];
} ckpt_member;

/* Offset of the end-of-central-directory record. */
static inline size_t ckpt_eocd(const unsigned char *b, size_t size) {
    for (size_t i = size - 22 + 1; i-- > 0;)
        if (ckpt_u32(b + i) == 0x06054b50u)
            return i;
    cr_assert_fail("no end of central directory");
    return 0;
}

/* The members in directory order; returns their count (at most cap). */
static inline int ckpt_members(const unsigned char *b, size_t size, ckpt_member *m, int cap) {
    const size_t eocd = ckpt_eocd(b, size);
    size_t at = ckpt_u32(b + eocd + 16);
    const int count = ckpt_u16(b + eocd + 10);
    cr_assert_leq(count, cap);
    for (int i = 0; i < count; i++) {
        cr_assert_eq(ckpt_u32(b + at), 0x02014b50u, "central entry %d", i);
        const size_t nlen = ckpt_u16(b + at + 28), extra = ckpt_u16(b + at + 30),
                     comment = ckpt_u16(b + at + 32);
        m[i].central = at;
        m[i].local = ckpt_u32(b + at + 42);
        m[i].len = ckpt_u32(b + at + 20);
        memcpy(m[i].name, b + at + 46, nlen < 127 ? nlen : 127);
        m[i].name[nlen < 127 ? nlen : 127] = '\0';
        const size_t l = m[i].local;
        m[i].data = l + 30 + ckpt_u16(b + l + 26) + ckpt_u16(b + l + 28);
        at += 46 + nlen + extra + comment;
    }
    return count;
}

static inline ckpt_member ckpt_find(const unsigned char *b, size_t size, const char *name) {
    ckpt_member m[256];
    const int n = ckpt_members(b, size, m, 256);
    for (int i = 0; i < n; i++)
        if (!strcmp(m[i].name, name))
            return m[i];
    cr_assert_fail("no member %s", name);
    return m[0];
}

/* Replaces n bytes at `offset` of a member's data and fixes its CRC-32 in
 * both headers, so that the archive is consistent and only the edit differs. */
static inline void ckpt_patch(unsigned char *b, size_t size, const char *name, size_t offset,
                       const void *bytes, size_t n) {
    ckpt_member m = ckpt_find(b, size, name);
    cr_assert_leq(offset + n, m.len);
    memcpy(b + m.data + offset, bytes, n);
    const uint32_t crc = ckpt_crc32(b + m.data, m.len);
    ckpt_put32(b + m.local + 14, crc);
    ckpt_put32(b + m.central + 16, crc);
}

/* Replaces the first occurrence of `from` in a member's data with `to` (same length). */
static inline void ckpt_replace(unsigned char *b, size_t size, const char *name, const char *from,
                         const char *to) {
    ckpt_member m = ckpt_find(b, size, name);
    cr_assert_eq(strlen(from), strlen(to));
    const size_t n = strlen(from);
    for (size_t i = 0; i + n <= m.len; i++)
        if (!memcmp(b + m.data + i, from, n)) {
            ckpt_patch(b, size, name, i, to, n);
            return;
        }
    cr_assert_fail("'%s' is not in member %s", from, name);
}

/* Renames a member (same length) in its local header and its central entry. */
static inline void ckpt_rename(unsigned char *b, size_t size, const char *name, const char *to) {
    ckpt_member m = ckpt_find(b, size, name);
    cr_assert_eq(strlen(name), strlen(to));
    memcpy(b + m.local + 30, to, strlen(to));
    memcpy(b + m.central + 46, to, strlen(to));
}

/* Asserts two checkpoint files byte-identical, naming the first member that differs. */
static inline void ckpt_assert_same_files(const char *a, const char *b, const char *what) {
    size_t na, nb;
    unsigned char *x = ckpt_read(a, &na), *y = ckpt_read(b, &nb);
    size_t at = 0;
    while (at < na && at < nb && x[at] == y[at])
        at++;
    if (at < na || at < nb) {
        ckpt_member m[256];
        const int n = ckpt_members(x, na, m, 256);
        const char *where = "the zip records";
        for (int i = 0; i < n; i++)
            if (at >= m[i].data && at < m[i].data + m[i].len)
                where = m[i].name;
        cr_assert_fail("%s: the checkpoints differ (%zu and %zu bytes) from byte %zu, in %s",
                       what, na, nb, at, where);
    }
    free(x);
    free(y);
}

// --- continuing from a checkpoint

/* Asserts that every probe in probes[] holds the same rows in a and b, and reads them. */
static inline void ckpt_assert_same_probes(nf_network *a, nf_network *b, const int32_t *probes,
                                    int count) {
    for (int i = 0; i < count; i++) {
        int64_t ra, rb, size;
        NFT_OK(a, nf_probe_rows(a, probes[i], &ra));
        NFT_OK(b, nf_probe_rows(b, probes[i], &rb));
        NFT_OK(a, nf_probe_row_size(a, probes[i], &size));
        cr_assert_eq(ra, rb, "probe %d: %lld rows against %lld", probes[i], (long long)ra,
                     (long long)rb);
        float *x = nft_probe_take(a, probes[i], ra, size);
        float *y = nft_probe_take(b, probes[i], rb, size);
        char what[64];
        snprintf(what, sizeof what, "probe %d", probes[i]);
        nft_assert_all_equal(x, y, (size_t)(ra * size), what);
        free(x);
        free(y);
    }
}

/* Loads path on backend, failing the test with the message if it cannot. */
static inline nf_network *ckpt_load(const char *path, nf_backend backend) {
    nf_network *m = NULL;
    char msg[1024] = "";
    nf_status st = nf_network_load(path, backend, 0, &m, msg, sizeof msg);
    cr_assert_eq(st, NF_OK, "nf_network_load -> %s: %s", nf_status_string(st), msg);
    cr_assert_not_null(m);
    cr_assert_str_empty(msg);
    return m;
}

/* The continuation check: net runs `before` steps and is saved; the loaded
 * copy, saved at once, gives the same file; both run `after` more steps (in
 * `chunks` runs) and are then equal byte for byte (every state, weight, P,
 * rate sum, unread probe row, stream position and the step count: their
 * checkpoints are compared), and the probes listed read the same rows.
 * Returns the loaded network (the caller destroys it). */
static inline nf_network *ckpt_continue(nf_network *net, nf_backend backend, int64_t before,
                                 int64_t after, int chunks, const int32_t *probes, int count) {
    if (before)
        NFT_OK(net, nf_network_run(net, before));
    const char *saved = ckpt_path("saved.npz"), *again = ckpt_path("again.npz");
    NFT_OK(net, nf_network_save(net, saved));
    nf_network *m = ckpt_load(saved, backend);
    NFT_OK(m, nf_network_save(m, again));
    ckpt_assert_same_files(saved, again, "saved, and loaded then saved");
    cr_assert_eq(nf_network_step_count(m), nf_network_step_count(net));
    cr_assert_eq(nf_network_backend(m), nf_network_backend(net));
    for (int c = 0; c < chunks; c++) {
        const int64_t n = after / chunks + (c < after % chunks);
        NFT_OK(net, nf_network_run(net, n));
        NFT_OK(m, nf_network_run(m, n));
    }
    const char *x = ckpt_path("continued.npz"), *y = ckpt_path("loaded_continued.npz");
    NFT_OK(net, nf_network_save(net, x));
    NFT_OK(m, nf_network_save(m, y));
    ckpt_assert_same_files(x, y, "after the same steps");
    ckpt_assert_same_probes(net, m, probes, count);
    return m;
}

#endif /* NFT_CHECKPOINT_UTIL_H */
