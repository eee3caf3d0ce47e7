/*
 * Initial states are the same in every build: the networks of
 * fixtures/initial_state_nets.h, built on the CPU backend, must draw exactly
 * the values recorded in fixtures/initial_states.inc, which
 * fixtures/record_initial_states.c wrote while the library still drew
 * through cuRAND's host generator. Builds with and without CUDA run it.
 */
#include <string.h>

#include "common.h"
#include "fixtures/initial_state_nets.h"
#include "fixtures/initial_states.inc"

TestSuite(initial_state, .timeout = 60);

typedef struct checker {
    int next; /* the entry of nfis_expected the next array must equal */
} checker;

static void check(void *user, const char *name, const float *values, size_t count) {
    checker *c = user;
    cr_assert_lt(c->next, NFIS_ENTRY_COUNT, "%s: more arrays than were recorded", name);
    const nfis_entry *e = &nfis_expected[c->next++];
    cr_assert_str_eq(name, e->name, "arrays out of order");
    cr_assert_eq(count, e->count, "%s: %zu values, %zu recorded", name, count, e->count);
    for (size_t i = 0; i < count; i++)
        cr_assert(memcmp(&values[i], &e->values[i], sizeof(float)) == 0,
                  "%s[%zu]: %a, recorded %a", name, i, (double)values[i], (double)e->values[i]);
}

Test(initial_state, networks_draw_the_recorded_values_bit_for_bit) {
    checker c = {0};
    nfis_ctx ctx = {.emit = check, .user = &c};
    cr_assert_eq(nfis_record_all(&ctx), 0, "%s", ctx.error);
    cr_assert_eq(c.next, NFIS_ENTRY_COUNT, "%d arrays read, %d recorded", c.next,
                 NFIS_ENTRY_COUNT);
}
