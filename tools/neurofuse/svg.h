/*
 * The SVG document both figures of the command share: opening a file with the
 * <svg> element, a white background and an escaped bold title; closing it with
 * the write checked. The file is replaced whole or not at all.
 */
#ifndef NF_CLI_SVG_H
#define NF_CLI_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "engine/atomic_file.h"

/* Starts replacing path (whole or not at all, engine/atomic_file.h) and
 * writes the document's start; the stream to write to, or NULL with the
 * reason in err. */
FILE *cli_svg_open(nf_atomic_file *af, const char *path, int width, int height, int title_x,
                   const char *title, char *err, size_t capacity);

/* Ends the document and puts the file in place; 0, or -1 with the reason in
 * err and the old file (if any) untouched. */
int cli_svg_close(nf_atomic_file *af, char *err, size_t capacity);

/* Writes text with XML's special characters escaped. */
void cli_xml_text(FILE *f, const char *s);

#endif
