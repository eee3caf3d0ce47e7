/*
 * libFuzzer target for the checkpoint loader (nf_network_load): each input is
 * a file's bytes, loaded from memory through nf__network_load_buffer (the
 * same code as from a file, engine/checkpoint_load.c). The first byte picks
 * how: odd, the bytes as they are; even, with every member's CRC-32 in both
 * the local header and the central directory recomputed first, so that a
 * mutation inside a member reaches the metadata and .npy parsers and the
 * rebuilding instead of stopping at the CRC check. Promises checked: the
 * status is an nf_status; a refusal leaves *out NULL and a message naming the
 * file; a network that loads runs a few steps (any status), saves, and its
 * saved file loads again. Sanitizers (ASan, UBSan) catch the rest.
 * Seed corpus: tests/fuzz/corpus/load (real checkpoints of small networks of
 * every kind, made by load_corpus.c). Build and run: scripts/fuzz_load.sh.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/checkpoint.h"
#include "neurofuse.h"

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "load_fuzz: promise broken: " __VA_ARGS__);                     \
            fprintf(stderr, "\n");                                                           \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static uint32_t u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
            table[i] = c;
        }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

/* Recomputes every member's CRC-32 where the records can be followed (every
 * offset bounds-checked; anything odd is left as it is). */
static void fix_crcs(uint8_t *b, size_t size) {
    if (size < 22)
        return;
    size_t eocd = size - 22;
    while (eocd > 0 && u32(b + eocd) != 0x06054b50u && size - eocd < 22 + 65535)
        eocd--;
    if (u32(b + eocd) != 0x06054b50u)
        return;
    size_t at = u32(b + eocd + 16);
    const unsigned count = (unsigned)(b[eocd + 10] | b[eocd + 11] << 8);
    for (unsigned i = 0; i < count; i++) {
        if (at > size || size - at < 46 || u32(b + at) != 0x02014b50u)
            return;
        const size_t name = (size_t)(b[at + 28] | b[at + 29] << 8),
                     extra = (size_t)(b[at + 30] | b[at + 31] << 8),
                     comment = (size_t)(b[at + 32] | b[at + 33] << 8);
        const size_t local = u32(b + at + 42), len = u32(b + at + 20);
        if (local <= size && size - local >= 30 && u32(b + local) == 0x04034b50u) {
            const size_t data =
                local + 30 + (size_t)(b[local + 26] | b[local + 27] << 8) +
                (size_t)(b[local + 28] | b[local + 29] << 8);
            if (data <= size && size - data >= len) {
                const uint32_t crc = crc32_of(b + data, len);
                put32(b + local + 14, crc);
                put32(b + at + 16, crc);
            }
        }
        at += 46 + name + extra + comment;
    }
}

/* Saves a loaded network and loads the file again. */
static void save_and_reload(nf_network *net) {
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/nft-load-fuzz-%d.npz", (int)getpid());
    const nf_status st = nf_network_save(net, path);
    CHECK(st == NF_OK || st == NF_ERR_OUT_OF_MEMORY || st == NF_ERR_IO, "save gave %d: %s",
          (int)st, nf_network_last_error(net));
    if (st != NF_OK)
        return;
    nf_network *again = NULL;
    char msg[1024];
    const nf_status st2 = nf_network_load(path, NF_BACKEND_CPU, 0, &again, msg, sizeof msg);
    CHECK(st2 == NF_OK || st2 == NF_ERR_OUT_OF_MEMORY, "a saved network does not load: %s", msg);
    nf_network_destroy(again);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    uint8_t *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    if (!(data[0] & 1))
        fix_crcs(copy, size - 1);
    nf_network *net = (nf_network *)copy; /* must become NULL or a network */
    char msg[1024] = "";
    const nf_status st =
        nf__network_load_buffer(copy, size - 1, NF_BACKEND_CPU, 0, &net, msg, sizeof msg);
    CHECK(st >= NF_OK && st <= NF_ERR_UNSUPPORTED, "status %d", (int)st);
    if (st != NF_OK) {
        CHECK(net == NULL, "a refused load left *out set");
        CHECK(st == NF_ERR_UNSUPPORTED || strstr(msg, "nf_network_load: '(memory)': "),
              "the message: '%s'", msg);
        free(copy);
        return 0;
    }
    CHECK(net != NULL && msg[0] == '\0', "a load left no network or a message");
    free(copy); /* the network keeps nothing of the input */
    const nf_status run = nf_network_run(net, 3);
    CHECK(run >= NF_OK && run <= NF_ERR_UNSUPPORTED, "run status %d", (int)run);
    save_and_reload(net);
    nf_network_destroy(net);
    return 0;
}
