/*
 * Backend contexts shared by sequence layers: the layers a thread creates on
 * one backend and device share one context (on CUDA: one stream, one cuBLAS
 * handle with its workspace), created by the first and shut down with the
 * last. Contexts are keyed by the creating thread as well, so layers made on
 * two threads never share one and may run on those threads at once. A small
 * table under a mutex holds them; a context is found again by its pointer
 * when a layer goes, whichever thread destroys it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "backend.h"

typedef struct shared_ctx {
    const nf_backend_i *be;
    int32_t device;
    pthread_t owner;
    nf_backend_ctx *ctx;
    int32_t users;
} shared_ctx;

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static shared_ctx *table;
static int32_t table_count, table_capacity;

nf_status nf__backend_share_acquire(const nf_backend_i *be, int32_t device,
                                    nf_backend_ctx **out) {
    const pthread_t self = pthread_self();
    nf_status st = NF_OK;
    *out = NULL;
    pthread_mutex_lock(&table_lock);
    for (int32_t i = 0; i < table_count; i++) {
        shared_ctx *s = &table[i];
        if (s->be == be && s->device == device && pthread_equal(s->owner, self)) {
            s->users++;
            *out = s->ctx;
            goto done;
        }
    }
    if (table_count == table_capacity) {
        const int32_t grown = table_capacity ? 2 * table_capacity : 4;
        shared_ctx *t = realloc(table, (size_t)grown * sizeof *t);
        if (!t) {
            st = NF_ERR_OUT_OF_MEMORY;
            goto done;
        }
        table = t;
        table_capacity = grown;
    }
    nf_backend_ctx *ctx = NULL;
    if ((st = be->init(device, &ctx)) != NF_OK)
        goto done;
    table[table_count++] = (shared_ctx){.be = be, .device = device, .owner = self, .ctx = ctx,
                                        .users = 1};
    *out = ctx;
done:
    pthread_mutex_unlock(&table_lock);
    return st;
}

void nf__backend_share_release(nf_backend_ctx *ctx) {
    if (!ctx)
        return;
    const nf_backend_i *be = NULL;
    pthread_mutex_lock(&table_lock);
    for (int32_t i = 0; i < table_count; i++) {
        if (table[i].ctx != ctx)
            continue;
        if (--table[i].users == 0) {
            be = table[i].be;
            table[i] = table[--table_count];
        }
        break;
    }
    if (table_count == 0) {
        free(table);
        table = NULL;
        table_capacity = 0;
    }
    pthread_mutex_unlock(&table_lock);
    if (be)
        be->shutdown(ctx);
}
