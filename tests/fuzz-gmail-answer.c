/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Gmail API's answers (gmo-gmail.c): the input's first byte picks the
 * status, the rest is the body. A success body goes through the streaming
 * JSON parser in pieces (and again with "raw" diverted, which must agree),
 * then its raw message is decoded; an error body is
 * classified into one of our error classes. */
#include "config.h"

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-gmail-private.h"
#include "gmo-json.h"

const char gmo_fuzz_target[] = "gmail-answer";

/* The sink of a diverted member: only what base64url could hold. */
static gboolean
on_fuzz_diverted (const gchar *data, gsize len, gpointer user_data, GError **error)
{
  GString *got = user_data;

  if (data == NULL)
    {
      g_string_truncate (got, 0);
      return TRUE;
    }
  for (gsize i = 0; i < len; i++)
    if ((guchar) data[i] < 0x20 || (guchar) data[i] >= 0x7f || data[i] == '\\')
      {
        g_set_error_literal (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE, "not base64url");
        return FALSE;
      }
  g_string_append_len (got, data, len);
  return TRUE;
}

/* The same pieces with "raw" diverted: an answer accepted so is one accepted
 * whole, and the sink got what json-c reads as its "raw". */
static void
fuzz_divert (const gchar *input, gsize len, json_object *whole)
{
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
  g_autoptr (GString) got = g_string_new (NULL);
  g_autoptr (json_object) answer = NULL;
  gboolean ok = TRUE;

  gmo_json_parser_divert (parser, "raw", on_fuzz_diverted, got);
  for (gsize done = 0; ok && done < len;)
    {
      gsize piece = gmo_fuzz_piece (input, len, done, 61);

      ok = gmo_json_parser_feed (parser, input + done, piece, NULL);
      done += piece;
    }
  if (ok)
    answer = gmo_json_parser_finish (parser, NULL);
  if (!json_object_is_type (answer, json_type_object))
    return;
  g_assert (json_object_is_type (whole, json_type_object));
  if (got->len > 0)
    {
      g_assert_cmpstr (gmo_json_get_string (answer, "raw"), ==, "");
      g_assert_cmpstr (gmo_json_get_string (whole, "raw"), ==, got->str);
    }
  g_assert_cmpint (json_object_object_length (answer), ==, json_object_object_length (whole));
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *input = (const gchar *) bytes;
  gsize len = size;
  static const long statuses[] = { 200, 400, 401, 403, 404, 429, 500, 503 };
  g_autoptr (GError) error = NULL;
  long status;

  if (len == 0)
    return 0;
  status = statuses[(guchar) input[0] % G_N_ELEMENTS (statuses)];
  input++;
  len--;
  if (status == 200)
    {
      g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
      g_autoptr (json_object) answer = NULL;
      g_autoptr (GBytes) message = NULL;
      gboolean ok = TRUE;

      for (gsize done = 0; ok && done < len;)
        {
          gsize piece = gmo_fuzz_piece (input, len, done, 61);

          ok = gmo_json_parser_feed (parser, input + done, piece, &error);
          done += piece;
        }
      if (ok)
        answer = gmo_json_parser_finish (parser, &error);
      fuzz_divert (input, len, answer);
      if (!json_object_is_type (answer, json_type_object))
        return 0;
      message = gmo_gmail_take_raw (answer, &error);
      g_assert ((message == NULL) == (error != NULL));
    }
  else
    {
      g_autofree gchar *details = NULL;
      gboolean retry = FALSE;

      gmo_gmail_error_from_answer (status, input, len, "me@example.com",
                                   "https://www.googleapis.com/auth/gmail.readonly",
                                   GMO_GMAIL_NEED_SEND, FALSE, &retry, &details, &error);
      g_assert (error != NULL && error->domain == GMO_ERROR);
      gmo_fuzz_assert_one_line (details);
      gmo_fuzz_assert_one_line (error->message);
    }
  return 0;
}
