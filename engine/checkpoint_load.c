/*
 * nf_network_load: opens the archive with libzip's consistency checks (every
 * local header against the central directory), refuses members that are
 * compressed or encrypted (a checkpoint's are stored, so no member is larger
 * than the file), reads metadata.txt, rebuilds the network on the requested
 * backend (checkpoint_build.c) and requires that every metadata key and
 * every member was used. Members are read whole, so libzip checks each one's
 * CRC; nothing is copied before its .npy header's dtype and shape equal what
 * the descriptors call for. On any failure the half-built network is freed.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "internal.h"

#ifndef NF_HAVE_LIBZIP

static nf_status unsupported(nf_network **out, char *message, size_t capacity) {
    if (out)
        *out = NULL;
    if (message && capacity)
        snprintf(message, capacity,
                 "nf_network_load: this neurofuse was built without libzip, which reads "
                 "checkpoints (install libzip-dev and rebuild)");
    return NF_ERR_UNSUPPORTED;
}

nf_status nf_network_load(const char *path, nf_backend backend, int32_t device, nf_network **out,
                          char *message, size_t capacity) {
    (void)path, (void)backend, (void)device;
    return unsupported(out, message, capacity);
}

nf_status nf__network_load_buffer(const void *data, size_t size, nf_backend backend,
                                  int32_t device, nf_network **out, char *message,
                                  size_t capacity) {
    (void)data, (void)size, (void)backend, (void)device;
    return unsupported(out, message, capacity);
}

#else

#include "checkpoint_load.h"

// --- the archive

/* Every entry: a name, stored, not encrypted. */
static nf_status check_entries(nf_loader *ld) {
    for (int64_t i = 0; i < ld->entries; i++) {
        zip_stat_t st;
        if (zip_stat_index(ld->za, (zip_uint64_t)i, 0, &st) != 0)
            return nf__load_fail(ld, NF_ERR_IO, "entry %lld: %s", (long long)i,
                                 zip_strerror(ld->za));
        const char *name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "?";
        if (!(st.valid & ZIP_STAT_COMP_METHOD) || st.comp_method != ZIP_CM_STORE ||
            !(st.valid & ZIP_STAT_COMP_SIZE) || st.comp_size != st.size)
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                                 "member '%s' is compressed; a checkpoint's members are stored "
                                 "(np.savez writes them so, np.savez_compressed does not)", name);
        if (!(st.valid & ZIP_STAT_ENCRYPTION_METHOD) || st.encryption_method != ZIP_EM_NONE)
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s' is encrypted", name);
    }
    return NF_OK;
}

/* Every key and every member was used. */
static nf_status check_all_used(nf_loader *ld) {
    const nf_ckpt_entry *e = nf__ckpt_meta_unused(&ld->meta);
    if (e)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "member '%s' line %d: the key '%.80s' is not one this network has",
                             NF_CKPT_METADATA, e->line, e->key);
    for (int64_t i = 0; i < ld->entries; i++)
        if (!ld->consumed[i]) {
            const char *name = zip_get_name(ld->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                                 "member '%.120s' is not part of the network the metadata "
                                 "describes", name ? name : "?");
        }
    return NF_OK;
}

static nf_status load(zip_t *za, const char *path, nf_backend backend, int32_t device,
                      nf_network **out, char *message, size_t capacity) {
    nf_loader ld = {.za = za, .path = path};
    ld.entries = zip_get_num_entries(za, 0);
    nf_status st = NF_OK;
    if (ld.entries < 0 || !(ld.consumed = calloc((size_t)ld.entries + 1, 1)))
        st = nf__load_fail(&ld, NF_ERR_OUT_OF_MEMORY, "out of host memory");
    if (st == NF_OK)
        st = check_entries(&ld);
    if (st == NF_OK)
        st = nf__load_metadata(&ld);
    if (st == NF_OK)
        st = nf__load_build(&ld, backend, device);
    if (st == NF_OK)
        st = check_all_used(&ld);
    if (st == NF_OK) {
        *out = ld.net;
        if (message && capacity)
            message[0] = '\0';
    } else {
        nf_network_destroy(ld.net);
        if (message && capacity)
            snprintf(message, capacity, "nf_network_load: '%s': %s", path, ld.why);
    }
    nf__ckpt_meta_free(&ld.meta);
    free(ld.consumed);
    free(ld.stage);
    zip_discard(za);
    return st;
}

/* The archive could not be opened: why, as a status and a message. */
static nf_status open_failed(const char *path, int code, zip_error_t *ze, char *message,
                             size_t capacity) {
    nf_status st = NF_ERR_IO;
    const char *hint = "";
    if (code == ZIP_ER_NOZIP) {
        hint = ": not a zip archive, so not a checkpoint (or cut short: a zip archive ends "
               "with its directory)";
    } else if (code == ZIP_ER_INCONS) {
        hint = ": the archive's directory does not match its members (corrupted or cut short)";
    } else if (code == ZIP_ER_MEMORY) {
        st = NF_ERR_OUT_OF_MEMORY;
    }
    if (message && capacity)
        snprintf(message, capacity, "nf_network_load: '%s': %s%s", path, zip_error_strerror(ze),
                 hint);
    return st;
}

static nf_status check_args(const char *path, nf_network **out, char *message, size_t capacity) {
    if (out)
        *out = NULL;
    const char *why = !out ? "out must not be NULL" : !path || !*path ? "path must be a "
                                                                        "non-empty string"
                                                                      : NULL;
    if (why && message && capacity)
        snprintf(message, capacity, "nf_network_load: %s", why);
    return why ? NF_ERR_INVALID_ARGUMENT : NF_OK;
}

nf_status nf_network_load(const char *path, nf_backend backend, int32_t device, nf_network **out,
                          char *message, size_t capacity) {
    nf_status st = check_args(path ? path : "", out, message, capacity);
    if (st != NF_OK || !path)
        return st != NF_OK ? st : NF_ERR_INVALID_ARGUMENT;
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        st = open_failed(path, code, &ze, message, capacity);
        zip_error_fini(&ze);
        return st;
    }
    return load(za, path, backend, device, out, message, capacity);
}

nf_status nf__network_load_buffer(const void *data, size_t size, nf_backend backend,
                                  int32_t device, nf_network **out, char *message,
                                  size_t capacity) {
    static const char path[] = "(memory)";
    nf_status st = check_args(path, out, message, capacity);
    if (st != NF_OK)
        return st;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, size, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    if (!za) {
        zip_source_free(src);
        st = open_failed(path, zip_error_code_zip(&ze), &ze, message, capacity);
        zip_error_fini(&ze);
        return st;
    }
    zip_error_fini(&ze);
    return load(za, path, backend, device, out, message, capacity);
}

#endif /* NF_HAVE_LIBZIP */
