/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The token endpoint's answer, through the code gmo_http_perform() and
 * gmo_oauth_refresh() run on it: header lines (Retry-After, Date, a status
 * line that starts over), the body cut in pieces under the cap, the
 * classification of the complete answer, the token response's fields.
 *
 * The input is the answer as it travels: header lines up to an empty line,
 * then the body. The status is the last status line's, as curl reports it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-http-private.h"
#include "gmo-oauth.h"

const char gmo_fuzz_target[] = "token-answer";

#define RECEIVED 1700000000

/* Hands @len bytes of header lines to the header callback, one line at a
 * time with its line end, as curl does; returns the last status line's
 * status and sets *@out_body to where the body starts. */
static long
feed_headers (GmoHttpReply *reply, const gchar *data, gsize len, gsize *out_body)
{
  long status = 0;
  gsize done = 0;

  while (done < len)
    {
      const gchar *nl = memchr (data + done, '\n', len - done);
      gsize line_len = nl != NULL ? (gsize) (nl - (data + done)) + 1 : len - done;
      g_autofree gchar *line = g_strndup (data + done, line_len);

      g_assert_cmpuint (gmo_http_on_curl_header ((char *) data + done, 1, line_len, reply), ==,
                        line_len);
      done += line_len;
      if (g_str_has_prefix (line, "HTTP/") && sscanf (line, "HTTP/%*s %3ld", &status) != 1)
        status = 0;
      /* The empty line ends the head. */
      if (line_len <= 2 && g_strstrip (line)[0] == '\0')
        break;
    }
  *out_body = done;
  return status;
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  /* A cap that varies with the input, so that answers both fit and do not,
   * and the buffer grows in steps on the way. */
  GmoHttpRequest request = {
    .method = "POST",
    .url = "https://oauth2.googleapis.com/token",
    .max_answer = (gsize) 16 << (size % 10),
    .service = "the OAuth endpoint",
  };
  GmoHttpReply reply = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  gboolean retry = FALSE, ok;
  gsize body = 0;
  CURLcode rc = CURLE_OK;
  static gboolean loaded;

  /* curl_getdate() reads the dates. */
  if (!loaded)
    {
      loaded = gmo_curl_load (NULL);
      g_assert_true (loaded);
    }

  gmo_http_reply_reset (&reply, &request);
  reply.status = feed_headers (&reply, data, size, &body);
  for (gsize done = body; done < size;)
    {
      gsize piece = gmo_fuzz_piece (data, size, done, 97);

      if (gmo_http_on_curl_write ((char *) data + done, 1, piece, &reply) != piece)
        {
          /* Only the cap stops a body that has no sink. */
          g_assert_true (reply.too_large);
          rc = CURLE_WRITE_ERROR;
          break;
        }
      done += piece;
    }
  g_assert_cmpuint (reply.body->len, <=, request.max_answer);
  reply.received = RECEIVED;
  gmo_http_reply_received (&reply);
  g_assert_cmpint (reply.retry_after, >=, -1);
  g_assert_cmpint (reply.server_date, >=, 0);

  ok = gmo_http_classify_attempt (&request, gmo_oauth_classify_answer, &reply, rc, &retry,
                                  &details, &error);
  g_assert (ok == (error == NULL));
  if (!ok)
    {
      g_assert_true (error->domain == GMO_ERROR);
      gmo_fuzz_assert_one_line (error->message);
      gmo_fuzz_assert_one_line (details);
      g_assert_true (g_utf8_validate (details, -1, NULL));
      /* A refusal by the client's own fault, or a success too large to
       * read, is never worth another attempt (a too large error answer is
       * known by its status: a 503 stays a 503). */
      g_assert_true (!retry
                     || (reply.status != 400 && reply.status != 401
                         && !(reply.too_large && reply.status < 400)));
    }
  else
    {
      GmoHttpAnswer answer = {
        .status = reply.status,
        .body = reply.body,
        .retry_after = reply.retry_after,
        .server_date = reply.server_date,
        .received = reply.received,
      };
      g_autoptr (GmoTokenResponse) response = NULL;
      g_autoptr (GError) token_error = NULL;
      g_autofree gchar *token_details = NULL;

      g_assert_cmpint (reply.status, >=, 200);
      g_assert_cmpint (reply.status, <, 300);
      response = gmo_oauth_token_from_answer (&answer, &token_details, &token_error);
      g_assert ((response == NULL) == (token_error != NULL));
      if (response == NULL)
        {
          g_assert_true (g_error_matches (token_error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE));
          gmo_fuzz_assert_one_line (token_error->message);
          gmo_fuzz_assert_one_line (token_details);
        }
      else
        {
          g_assert_nonnull (response->access_token);
          g_assert_cmpint (response->expires_in, >, 0);
          g_assert_cmpint (response->expires_at, ==, RECEIVED + response->expires_in);
          g_assert_cmpint (response->server_date, ==, reply.server_date);
        }
    }
  gmo_http_reply_clear (&reply);
  return 0;
}
