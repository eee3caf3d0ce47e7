/*
 * The SVG document both figures of the command share: opening a file with the
 * <svg> element, a white background and an escaped bold title; closing it with
 * the write checked.
 */
#ifndef NF_CLI_SVG_H
#define NF_CLI_SVG_H

#include <stddef.h>
#include <stdio.h>

/* Opens path and writes the document's start; NULL with the reason in err. */
FILE *cli_svg_open(const char *path, int width, int height, int title_x, const char *title,
                   char *err, size_t capacity);

/* Ends the document and closes f; 0, or -1 with the reason in err. */
int cli_svg_close(FILE *f, const char *path, char *err, size_t capacity);

/* Writes text with XML's special characters escaped. */
void cli_xml_text(FILE *f, const char *s);

#endif
