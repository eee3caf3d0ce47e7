/*
 * nf_device_query: what a backend runs on. The CPU's model name comes from
 * /proc/cpuinfo, its memory from sysconf (physical pages x page size, and the
 * pages available); a CUDA device is described by the CUDA backend
 * (kernels/cuda/device_query.cu).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void cpu_name(char *name, size_t capacity) {
    snprintf(name, capacity, "host CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        const char *colon = strchr(line, ':');
        if (colon && !strncmp(line, "model name", 10)) {
            colon += strspn(colon + 1, " \t") + 1;
            snprintf(name, capacity, "%s", colon);
            name[strcspn(name, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

static void cpu_query(nf_device_info *info) {
    cpu_name(info->name, sizeof info->name);
    const long page = sysconf(_SC_PAGESIZE), pages = sysconf(_SC_PHYS_PAGES);
    const long avail = sysconf(_SC_AVPHYS_PAGES), procs = sysconf(_SC_NPROCESSORS_ONLN);
    info->count = 1;
    info->memory_total = page > 0 && pages > 0 ? (uint64_t)page * (uint64_t)pages : 0;
    info->memory_free = page > 0 && avail > 0 ? (uint64_t)page * (uint64_t)avail : 0;
    info->processors = procs > 0 ? (int32_t)procs : 1;
}

nf_status nf_device_query(nf_backend b, int32_t device, nf_device_info *info) {
    if (!info)
        return NF_ERR_INVALID_ARGUMENT;
    memset(info, 0, sizeof *info);
    char auto_why[384] = "";
    if (b == NF_BACKEND_AUTO)
        b = nf__cuda_device_usable(device, auto_why, sizeof auto_why) ? NF_BACKEND_CUDA
                                                                       : NF_BACKEND_CPU;
    info->backend = b;
    info->device = device;
    if (b == NF_BACKEND_CPU) {
        if (device != 0) {
            snprintf(info->detail, sizeof info->detail,
                     "nf_device_query: the CPU backend has device 0 only, got %d", device);
            return NF_ERR_INVALID_ARGUMENT;
        }
        cpu_query(info);
        if (auto_why[0])
            snprintf(info->detail, sizeof info->detail, "auto chose the CPU: %s", auto_why);
        return NF_OK;
    }
    if (b != NF_BACKEND_CUDA) {
        snprintf(info->detail, sizeof info->detail,
                 "nf_device_query: backend %d is not an nf_backend", (int)b);
        return NF_ERR_INVALID_ARGUMENT;
    }
    nf__cuda_device_info props;
    nf_status st = nf__cuda_device_describe(device, &props, info->detail, sizeof info->detail);
    info->count = props.count;
    if (st != NF_OK)
        return st;
    /* A device this build has no code for is described, and refused. */
    if (!nf__cuda_device_usable(device, info->detail, sizeof info->detail))
        st = NF_ERR_NO_DEVICE;
    snprintf(info->name, sizeof info->name, "%s", props.name);
    info->memory_total = props.memory_total;
    info->memory_free = props.memory_free;
    info->processors = props.multiprocessors;
    info->cc_major = props.cc_major;
    info->cc_minor = props.cc_minor;
    return st;
}
