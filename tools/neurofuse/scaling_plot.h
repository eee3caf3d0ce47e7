/*
 * Scaling curves as SVG: cost (us per step) against problem size (batch x n)
 * on log-log axes, one line with markers per series, and a dashed reference
 * of a given slope (1: cost proportional to size; 2: to its square) through
 * the largest point of the first series, so that such growth reads as
 * parallel to it.
 */
#ifndef NF_CLI_SCALING_PLOT_H
#define NF_CLI_SCALING_PLOT_H

#include <stddef.h>

#define CLI_SERIES_POINTS 8

typedef struct cli_series {
    char name[48];
    int dashed; /* drawn dashed (e.g. a second backend) */
    int count;
    double x[CLI_SERIES_POINTS], y[CLI_SERIES_POINTS]; /* both > 0 */
} cli_series;

/* Writes the figure; 0 on success, else -1 with the reason in err. */
int cli_scaling_write(const char *path, const char *title, const char *x_label, const char *y_label,
                      const cli_series *s, int count, double slope, char *err, size_t capacity);

#endif
