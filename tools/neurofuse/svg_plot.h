/*
 * The demo's figure: an SVG with two panels over time, target and output
 * (top) and |error| on a log scale (bottom), with axes, ticks, a legend and
 * the line where training ends. Long runs are decimated to at most
 * CLI_PLOT_POINTS points per line: the signals by taking one sample per bin,
 * the error by the largest |e| of each bin (so no spike is lost).
 */
#ifndef NF_CLI_SVG_PLOT_H
#define NF_CLI_SVG_PLOT_H

#include <stddef.h>
#include <stdint.h>

#define CLI_PLOT_POINTS 1500

typedef struct cli_plot {
    const char *title;
    const char *subtitle;                 /* a smaller second line, or NULL */
    const char *time_unit;                /* "s", "tau", ... */
    double dt;                            /* sample i is at time (i + 1) dt */
    int64_t count;                        /* samples */
    int64_t boundary;                     /* first testing sample (count or more: none) */
    const float *target, *output, *error; /* sample i at [i * stride] */
    int64_t stride;
} cli_plot;

/* Writes the figure to path; 0 on success, else -1 with the reason in err. */
int cli_plot_write(const char *path, const cli_plot *p, char *err, size_t capacity);

#endif
