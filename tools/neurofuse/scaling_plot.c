/*
 * Log-log scaling figure (see scaling_plot.h). Axes span whole decades around
 * the data; ticks and grid lines at each power of ten.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scaling_plot.h"
#include "svg.h"

enum { WIDTH = 820, HEIGHT = 560, LEFT = 90, RIGHT = 600, TOP = 60, BOTTOM = 490 };

static const char *const COLORS[] = {"#1f77b4", "#e0661b", "#2ca02c", "#c0282d",
                                     "#8c564b", "#9467bd", "#17becf", "#555555"};

typedef struct axes {
    double x0, x1, y0, y1; /* log10 ranges */
} axes;

static double px(const axes *a, double x) {
    return LEFT + (log10(x) - a->x0) / (a->x1 - a->x0) * (RIGHT - LEFT);
}

static double py(const axes *a, double y) {
    return BOTTOM - (log10(y) - a->y0) / (a->y1 - a->y0) * (BOTTOM - TOP);
}

static void frame(FILE *f, const axes *a, const char *x_label, const char *y_label) {
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>\n", LEFT,
            TOP, RIGHT - LEFT, BOTTOM - TOP);
    for (int d = (int)a->x0; d <= (int)a->x1; d++) {
        const double x = LEFT + (d - a->x0) / (a->x1 - a->x0) * (RIGHT - LEFT);
        fprintf(f,
                "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>"
                "<text x='%.1f' y='%d' text-anchor='middle'>1e%d</text>\n",
                x, TOP, x, BOTTOM, x, BOTTOM + 18, d);
    }
    for (int d = (int)a->y0; d <= (int)a->y1; d++) {
        const double y = BOTTOM - (d - a->y0) / (a->y1 - a->y0) * (BOTTOM - TOP);
        fprintf(f,
                "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>"
                "<text x='%d' y='%.1f' text-anchor='end'>1e%d</text>\n",
                LEFT, y, RIGHT, y, LEFT - 6, y + 4, d);
    }
    fprintf(f,
            "<text x='%d' y='%d' text-anchor='middle'>%s</text>\n"
            "<text transform='translate(%d %d) rotate(-90)' text-anchor='middle'>%s</text>\n",
            (LEFT + RIGHT) / 2, BOTTOM + 42, x_label, LEFT - 56, (TOP + BOTTOM) / 2, y_label);
}

int cli_scaling_write(const char *path, const char *title, const char *x_label, const char *y_label,
                      const cli_series *s, int count, double slope, char *err, size_t capacity) {
    double xl = INFINITY, xh = -INFINITY, yl = INFINITY, yh = -INFINITY;
    for (int k = 0; k < count; k++)
        for (int i = 0; i < s[k].count; i++) {
            if (!(s[k].x[i] > 0.0) || !(s[k].y[i] > 0.0)) {
                snprintf(err, capacity, "series %s: point %d is not positive", s[k].name, i);
                return -1;
            }
            xl = fmin(xl, log10(s[k].x[i])), xh = fmax(xh, log10(s[k].x[i]));
            yl = fmin(yl, log10(s[k].y[i])), yh = fmax(yh, log10(s[k].y[i]));
        }
    if (!(xh >= xl)) {
        snprintf(err, capacity, "nothing to plot");
        return -1;
    }
    axes a = {floor(xl), ceil(xh), floor(yl), ceil(yh)};
    if (a.x1 <= a.x0)
        a.x1 = a.x0 + 1;
    if (a.y1 <= a.y0)
        a.y1 = a.y0 + 1;
    nf_atomic_file af;
    FILE *f = cli_svg_open(&af, path, WIDTH, HEIGHT, LEFT, title, err, capacity);
    if (!f)
        return -1;
    frame(f, &a, x_label, y_label);
    /* The reference slope through the first series' largest point. */
    if (count > 0 && s[0].count > 0) {
        const int i = s[0].count - 1;
        /* log y = slope log x + c, clipped to the frame in x and in y. */
        const double c = log10(s[0].y[i]) - slope * log10(s[0].x[i]);
        const double lo = fmax(a.x0, (a.y0 - c) / slope), hi = fmin(a.x1, (a.y1 - c) / slope);
        if (hi > lo)
            fprintf(f,
                    "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#999' "
                    "stroke-dasharray='2 4' stroke-width='1.5'/>\n",
                    px(&a, pow(10, lo)), py(&a, pow(10, slope * lo + c)), px(&a, pow(10, hi)),
                    py(&a, pow(10, slope * hi + c)));
    }
    for (int k = 0; k < count; k++) {
        const char *color = COLORS[k % (int)(sizeof COLORS / sizeof *COLORS)];
        fprintf(f, "<path fill='none' stroke='%s' stroke-width='1.6'%s d='", color,
                s[k].dashed ? " stroke-dasharray='6 3'" : "");
        for (int i = 0; i < s[k].count; i++)
            fprintf(f, "%c%.1f %.1f", i ? 'L' : 'M', px(&a, s[k].x[i]), py(&a, s[k].y[i]));
        fprintf(f, "'/>\n");
        for (int i = 0; i < s[k].count; i++)
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n", px(&a, s[k].x[i]),
                    py(&a, s[k].y[i]), color);
        const int ly = TOP + 10 + 18 * k;
        fprintf(f,
                "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='2'%s/>"
                "<text x='%d' y='%d'>%s</text>\n",
                RIGHT + 20, ly, RIGHT + 46, ly, color, s[k].dashed ? " stroke-dasharray='6 3'" : "",
                RIGHT + 52, ly + 4, s[k].name);
    }
    const int ly = TOP + 10 + 18 * count;
    fprintf(f,
            "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999' stroke-dasharray='2 4' "
            "stroke-width='1.5'/><text x='%d' y='%d'>slope %g (cost ~ size^%g)</text>\n",
            RIGHT + 20, ly, RIGHT + 46, ly, RIGHT + 52, ly + 4, slope, slope);
    return cli_svg_close(&af, err, capacity);
}
