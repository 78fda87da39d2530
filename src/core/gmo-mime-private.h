/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the files of the MIME reader (gmo-mime.c walks a message,
 * gmo-mime-text.c reads the text of its parts); not for doors. */

#include <gmime/gmime.h>

G_BEGIN_DECLS

/* Characters [offset, offset + n_chars) of a text that is appended piece by
 * piece, and the count of all of it. */
typedef struct
{
  glong offset;
  glong n_chars;
  GString *text; /* the characters in the window */
  glong seen;    /* characters appended so far */
  gsize bytes;   /* and their bytes */
  gchar last;    /* the last byte appended */
} GmoMimeWindow;

void gmo_mime_window_init (GmoMimeWindow *window, glong offset, glong n_chars);
void gmo_mime_window_clear (GmoMimeWindow *window);
void gmo_mime_window_append (GmoMimeWindow *window, const gchar *text, gsize len);
void gmo_mime_part_text (GMimePart *part, GMimeParserOptions *options, GmoMimeWindow *window,
                         gsize *io_size);

G_END_DECLS
