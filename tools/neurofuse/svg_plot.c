/*
 * SVG figure of a FORCE run (see svg_plot.h). Axis ticks are "nice" numbers:
 * a step of 1, 2 or 5 times a power of ten giving about six ticks; the error
 * axis has a tick at each power of ten.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg.h"
#include "svg_plot.h"

enum { WIDTH = 960, HEIGHT = 600, LEFT = 80, RIGHT = 940 };

typedef struct panel {
    double top, bottom;    /* pixel rows */
    double t0, t1, y0, y1; /* data ranges (y in log10 for the error panel) */
} panel;

static double px_x(const panel *p, double t) {
    return LEFT + (t - p->t0) / (p->t1 - p->t0) * (RIGHT - LEFT);
}

static double px_y(const panel *p, double y) {
    return p->bottom - (y - p->y0) / (p->y1 - p->y0) * (p->bottom - p->top);
}

static double nice_step(double range) {
    const double raw = range / 6.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return mag * (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0);
}

/* The frame, the time ticks (labels when `labels`) and the y ticks. */
static void axes(FILE *f, const panel *p, int log_y, int labels, const char *time_label,
                 const char *y_label) {
    fprintf(f, "<rect x='%d' y='%.1f' width='%d' height='%.1f' fill='none' stroke='#444'/>\n", LEFT,
            p->top, RIGHT - LEFT, p->bottom - p->top);
    const double ts = nice_step(p->t1 - p->t0);
    for (double t = ceil(p->t0 / ts) * ts; t <= p->t1 + 1e-9 * ts; t += ts) {
        const double x = px_x(p, t);
        fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#ddd'/>\n", x, p->top, x,
                p->bottom);
        if (labels)
            fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>%g</text>\n", x,
                    p->bottom + 16, t);
    }
    if (labels)
        fprintf(f, "<text x='%d' y='%.1f' text-anchor='middle'>%s</text>\n", (LEFT + RIGHT) / 2,
                p->bottom + 36, time_label);
    const double ys = log_y ? 1.0 : nice_step(p->y1 - p->y0);
    for (double y = ceil(p->y0 / ys) * ys; y <= p->y1 + 1e-9 * ys; y += ys) {
        const double py = px_y(p, y);
        fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>\n", LEFT, py, RIGHT,
                py);
        if (log_y)
            fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>1e%d</text>\n", LEFT - 6, py + 4,
                    (int)lround(y));
        else
            fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%g</text>\n", LEFT - 6, py + 4,
                    fabs(y) < 1e-9 * ys ? 0.0 : y);
    }
    fprintf(f, "<text transform='translate(%d %.1f) rotate(-90)' text-anchor='middle'>%s</text>\n",
            LEFT - 52, (p->top + p->bottom) / 2, y_label);
}

/* One decimated line: a sample per bin, or (envelope) the largest log10 |v| per bin. */
static void line(FILE *f, const panel *p, const cli_plot *d, const float *v, int envelope,
                 const char *color) {
    const int64_t bin = (d->count + CLI_PLOT_POINTS - 1) / CLI_PLOT_POINTS;
    fprintf(f, "<path fill='none' stroke='%s' stroke-width='1.4' d='", color);
    char cmd = 'M';
    for (int64_t i0 = 0; i0 < d->count; i0 += bin) {
        const int64_t i1 = i0 + bin < d->count ? i0 + bin : d->count;
        double y;
        if (envelope) {
            double m = 0.0;
            for (int64_t i = i0; i < i1; i++)
                m = fmax(m, fabs((double)v[i * d->stride]));
            y = fmax(log10(fmax(m, 1e-30)), p->y0);
        } else {
            y = v[(i0 + i1) / 2 * d->stride];
        }
        if (!isfinite(y))
            continue;
        fprintf(f, "%c%.1f %.1f", cmd, px_x(p, ((i0 + i1) / 2 + 1) * d->dt), px_y(p, y));
        cmd = 'L';
    }
    fprintf(f, "'/>\n");
}

static void boundary(FILE *f, const panel *p, const cli_plot *d, int labels) {
    if (d->boundary <= 0 || d->boundary >= d->count)
        return;
    const double x = px_x(p, d->boundary * d->dt);
    fprintf(f,
            "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#888' "
            "stroke-dasharray='6 4'/>\n",
            x, p->top, x, p->bottom);
    if (labels)
        fprintf(f,
                "<text x='%.1f' y='%.1f' text-anchor='end' fill='#666'>training &#8592;</text>\n"
                "<text x='%.1f' y='%.1f' fill='#666'>&#8594; testing</text>\n",
                x - 6, p->top + 16, x + 6, p->top + 16);
}

int cli_plot_write(const char *path, const cli_plot *d, char *err, size_t capacity) {
    if (d->count < 1) {
        snprintf(err, capacity, "nothing to plot");
        return -1;
    }
    /* Ranges: the signals' min and max with a margin; the error's decades. */
    double lo = INFINITY, hi = -INFINITY, emax = 0.0, emin = INFINITY;
    for (int64_t i = 0; i < d->count; i++) {
        const double t = d->target[i * d->stride], z = d->output[i * d->stride];
        const double e = fabs((double)d->error[i * d->stride]);
        if (isfinite(t))
            lo = fmin(lo, t), hi = fmax(hi, t);
        if (isfinite(z))
            lo = fmin(lo, z), hi = fmax(hi, z);
        if (isfinite(e) && e > 0.0)
            emax = fmax(emax, e), emin = fmin(emin, e);
    }
    if (!(hi > lo))
        lo = (isfinite(lo) ? lo : 0.0) - 1.0, hi = lo + 2.0;
    const double pad = 0.08 * (hi - lo);
    const double t1 = (d->count + 0) * d->dt;
    panel top = {72, 330, 0.0, t1, lo - pad, hi + pad};
    double e_hi = emax > 0.0 ? ceil(log10(emax)) : 0.0;
    double e_lo = emin < INFINITY ? floor(log10(emin)) : e_hi - 1.0;
    e_lo = fmax(e_lo, e_hi - 6.0);
    if (e_lo >= e_hi)
        e_lo = e_hi - 1.0;
    panel bottom = {390, 540, 0.0, t1, e_lo, e_hi};

    nf_atomic_file af;
    FILE *f = cli_svg_open(&af, path, WIDTH, HEIGHT, LEFT, d->title, err, capacity);
    if (!f)
        return -1;
    if (d->subtitle) {
        fprintf(f, "<text x='%d' y='50' fill='#444'>", LEFT);
        cli_xml_text(f, d->subtitle);
        fputs("</text>\n", f);
    }
    char time_label[64];
    snprintf(time_label, sizeof time_label, "time (%s)", d->time_unit);
    axes(f, &top, 0, 0, time_label, "target, output");
    boundary(f, &top, d, 1);
    line(f, &top, d, d->target, 0, "#222");
    line(f, &top, d, d->output, 0, "#e0661b");
    axes(f, &bottom, 1, 1, time_label, "|error| (max per bin)");
    boundary(f, &bottom, d, 0);
    line(f, &bottom, d, d->error, 1, "#c0282d");
    /* Legend, above the top panel on the right. */
    fprintf(f,
            "<line x1='%d' y1='58' x2='%d' y2='58' stroke='#222' stroke-width='2'/>"
            "<text x='%d' y='62'>target f(t)</text>\n"
            "<line x1='%d' y1='58' x2='%d' y2='58' stroke='#e0661b' stroke-width='2'/>"
            "<text x='%d' y='62'>output z(t)</text>\n",
            RIGHT - 230, RIGHT - 204, RIGHT - 198, RIGHT - 110, RIGHT - 84, RIGHT - 78);
    return cli_svg_close(&af, err, capacity);
}
