/* All-or-none output files through a hidden folder (see staging.h). */
#define _DEFAULT_SOURCE
#include "staging.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_stage_begin(cli_stage *s, const char *dir, char *err, size_t capacity) {
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->tmp, sizeof s->tmp, "%s/.neurofuse-partial-XXXXXX", dir);
    if (!mkdtemp(s->tmp)) {
        snprintf(err, capacity, "cannot write in '%s': %s", dir, strerror(errno));
        s->tmp[0] = '\0';
        return -1;
    }
    return 0;
}

const char *cli_stage_path(cli_stage *s, const char *name, char *path, size_t capacity) {
    if (s->count == CLI_STAGE_MAX_FILES)
        return NULL;
    snprintf(s->names[s->count++], sizeof s->names[0], "%s", name);
    snprintf(path, capacity, "%s/%s", s->tmp, name);
    return path;
}

int cli_stage_commit(cli_stage *s, char *err, size_t capacity) {
    char from[4400], to[4400];
    for (int k = 0; k < s->count; k++) {
        snprintf(from, sizeof from, "%s/%s", s->tmp, s->names[k]);
        snprintf(to, sizeof to, "%s/%s", s->dir, s->names[k]);
        if (rename(from, to) != 0) {
            snprintf(err, capacity, "cannot move '%s' into place: %s", to, strerror(errno));
            cli_stage_abort(s);
            return -1;
        }
    }
    rmdir(s->tmp);
    s->tmp[0] = '\0';
    return 0;
}

void cli_stage_abort(cli_stage *s) {
    if (!s->tmp[0])
        return;
    char path[4400];
    for (int k = 0; k < s->count; k++) {
        snprintf(path, sizeof path, "%s/%s", s->tmp, s->names[k]);
        unlink(path);
    }
    rmdir(s->tmp);
    s->tmp[0] = '\0';
}
