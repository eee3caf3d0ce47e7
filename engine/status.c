/*
 * Status names (one X-macro list feeds nf_status_string), the version, and
 * backend names and availability.
 */
#include "internal.h"

#define NF_STATUS_MAP(X)                                                                    \
    X(NF_OK, "success")                                                                     \
    X(NF_ERR_INVALID_ARGUMENT, "invalid argument")                                          \
    X(NF_ERR_OUT_OF_MEMORY, "out of memory")                                                \
    X(NF_ERR_NO_DEVICE, "no usable CUDA device")                                            \
    X(NF_ERR_BACKEND, "backend failure")                                                    \
    X(NF_ERR_STATE, "call does not fit the network's state")                                \
    X(NF_ERR_NUMERIC, "non-finite value")                                                   \
    X(NF_ERR_IO, "input/output failure")                                                    \
    X(NF_ERR_UNSUPPORTED, "unsupported")

const char *nf_status_string(nf_status s) {
    switch (s) {
#define NF_STATUS_CASE(name, text)                                                          \
    case name: return #name ": " text;
        NF_STATUS_MAP(NF_STATUS_CASE)
#undef NF_STATUS_CASE
    }
    return "NF_ERR_UNKNOWN: unknown status";
}

const char *nf_version(void) { return NF_VERSION_STRING; }

int nf_version_number(void) { return NF_VERSION_NUMBER; }

const char *nf_backend_name(nf_backend b) {
    switch (b) {
    case NF_BACKEND_AUTO: return "auto";
    case NF_BACKEND_CPU: return "cpu";
    case NF_BACKEND_CUDA: return "cuda";
    }
    return "unknown";
}

int nf_backend_available(nf_backend b) {
    switch (b) {
    case NF_BACKEND_AUTO:
    case NF_BACKEND_CPU: return 1;
    case NF_BACKEND_CUDA: {
        char why[384];
        const int count = nf__cuda_device_count();
        for (int32_t d = 0; d < count; d++)
            if (nf__cuda_device_usable(d, why, sizeof why))
                return 1;
        return 0;
    }
    }
    return 0;
}
