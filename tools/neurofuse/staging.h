/*
 * A command's set of output files, all or none: the files are written into a
 * hidden folder inside the output folder and moved into place only when every
 * one of them was written; a failure removes the folder and leaves the
 * output folder as it was (no target.npy without its output.npy).
 */
#ifndef NF_CLI_STAGING_H
#define NF_CLI_STAGING_H

#include <stddef.h>

#define CLI_STAGE_MAX_FILES 8

typedef struct cli_stage {
    char dir[4200];                             /* the output folder */
    char tmp[4300];                             /* the hidden folder inside it */
    char names[CLI_STAGE_MAX_FILES][64];        /* files written so far */
    int count;
} cli_stage;

/* Makes the hidden folder in dir; 0, or -1 with the reason in err. */
int cli_stage_begin(cli_stage *s, const char *dir, char *err, size_t capacity);

/* The path to write file `name` to (inside the hidden folder), recorded for
 * commit; NULL when more than CLI_STAGE_MAX_FILES are asked for. */
const char *cli_stage_path(cli_stage *s, const char *name, char *path, size_t capacity);

/* Moves every written file into the output folder; 0, or -1 with the reason. */
int cli_stage_commit(cli_stage *s, char *err, size_t capacity);

/* Removes the hidden folder and what it holds. */
void cli_stage_abort(cli_stage *s);

#endif
