/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON reader every door and the core share (gmo-json-parse.c): a whole
 * document, and the same bytes in pieces through the streaming parser, which
 * must agree. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"

const char gmo_fuzz_target[] = "json";

/* Whether @len bytes at @data are `null` with JSON white space around. */
static gboolean
is_null_document (const gchar *data, gsize len)
{
  gsize start = 0, end = len;

  while (start < end && strchr (" \t\r\n", data[start]) != NULL && data[start] != '\0')
    start++;
  while (end > start && strchr (" \t\r\n", data[end - 1]) != NULL && data[end - 1] != '\0')
    end--;
  return end - start == 4 && memcmp (data + start, "null", 4) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) piece_error = NULL;
  g_autoptr (GmoSecretJson) json = gmo_json_parse (data, size, GMO_ERROR_USAGE, &error);
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_USAGE);
  g_autoptr (GmoSecretJson) streamed = NULL;
  gboolean ok = TRUE;

  /* The document `null` is a success that gives %NULL, as gmo_json_parse()
   * documents: only an error says the input was refused. */
  g_assert (json == NULL || error == NULL);
  if (json == NULL && error == NULL)
    g_assert_true (is_null_document (data, size));
  if (error != NULL)
    {
      g_assert_true (error->domain == GMO_ERROR && error->code == GMO_ERROR_USAGE);
      gmo_fuzz_assert_one_line (error->message);
    }

  for (gsize done = 0; ok && done < size;)
    {
      gsize piece = gmo_fuzz_piece (data, size, done, 61);

      ok = gmo_json_parser_feed (parser, data + done, piece, &piece_error);
      g_assert (ok == (piece_error == NULL));
      done += piece;
    }
  if (ok)
    streamed = gmo_json_parser_finish (parser, &piece_error);
  /* However the bytes were cut, the same verdict and the same value. */
  g_assert ((error == NULL) == (piece_error == NULL));
  g_assert (json_object_equal (json, streamed));
  return 0;
}
