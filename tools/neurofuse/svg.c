/* SVG document start and end (see svg.h). */
#include "svg.h"

#include <errno.h>
#include <string.h>

void cli_xml_text(FILE *f, const char *s) {
    for (; *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
}

FILE *cli_svg_open(nf_atomic_file *af, const char *path, int width, int height, int title_x,
                   const char *title, char *err, size_t capacity) {
    if (nf__atomic_open(af, path, err, capacity) != NF_OK)
        return NULL;
    FILE *f = af->f;
    fprintf(f,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "viewBox='0 0 %d %d' font-family='sans-serif' font-size='12'>\n"
            "<rect width='100%%' height='100%%' fill='white'/>\n"
            "<text x='%d' y='28' font-size='15' font-weight='bold'>",
            width, height, width, height, title_x);
    cli_xml_text(f, title);
    fputs("</text>\n", f);
    return f;
}

int cli_svg_close(nf_atomic_file *af, char *err, size_t capacity) {
    fputs("</svg>\n", af->f);
    return nf__atomic_commit(af, err, capacity) == NF_OK ? 0 : -1;
}
