/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A message as Gmail's raw format hands it over, read with GMime
 * (gmo-mime.c): its fields and text are valid UTF-8, its text can be read
 * in chunks, and a window read from the parts is the same chunk; the same bytes taken as HTML become valid UTF-8 text. */
#include "config.h"

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-mime.h"

const char gmo_fuzz_target[] = "mime";

/* A message as a server could answer it: parsed, its text cut in chunks;
 * the same bytes taken as HTML. */
int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *input = (const gchar *) bytes;
  gsize len = size;
  g_autoptr (GBytes) raw = g_bytes_new (input, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoMimeMessage) message = gmo_mime_parse (raw, GMO_ERROR_BAD_RESPONSE, &error);
  g_autofree gchar *html = g_strndup (input, len);
  g_autofree gchar *text = gmo_mime_html_to_text (html);

  g_assert ((message == NULL) == (error != NULL));
  g_assert (g_utf8_validate (text, -1, NULL));
  if (message == NULL)
    return 0;
  g_assert (g_utf8_validate (message->text, -1, NULL));
  g_assert (g_utf8_validate (message->subject, -1, NULL));
  g_assert (g_utf8_validate (message->from, -1, NULL));
  g_assert (message->recipients != NULL);
  for (glong offset = 0; offset < 3000; offset += 999)
    {
      glong total = 0;
      g_autofree gchar *chunk = gmo_mime_utf8_chunk (message->text, offset, 1000, &total);
      /* A window read from the parts is that chunk of the whole text. */
      g_autoptr (GmoMimeMessage) window
          = gmo_mime_parse_window (raw, offset, 1000, GMO_ERROR_BAD_RESPONSE, NULL);

      g_assert (g_utf8_validate (chunk, -1, NULL));
      g_assert (offset < total || *chunk == '\0');
      g_assert (window != NULL && g_str_equal (window->text, chunk));
      g_assert (window->text_chars == total && message->text_chars == total);
    }
  return 0;
}
