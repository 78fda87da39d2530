/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One entry point for the parsers of untrusted input (JSON, git requests,
 * login input, client files, MCP lines, MIME messages, Gmail API answers,
 * what sendmail reads): the first byte picks the parser ('0' + its number, so
 * that the seeds keep their parser when one is added; any other byte modulo
 * N_TARGETS), the rest is its input. Built two ways:
 * - configure --enable-fuzzing (CC=clang): a libFuzzer binary, run by
 *   `make fuzz`; every parser must return, whatever the bytes, without a
 *   sanitizer report or a GLib warning;
 * - otherwise: a test that replays every file under tests/fuzz/ (seeds, and
 *   inputs that once failed) through the same entry point.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-git.h"
#include "gmo-gmail-private.h"
#include "gmo-json.h"
#include "gmo-login.h"
#include "gmo-mcp.h"
#include "gmo-mime.h"
#include "gmo-sendmail.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum
{
  TARGET_JSON,
  TARGET_GIT_REQUEST,
  TARGET_LOGIN_REQUEST_LINE,
  TARGET_LOGIN_PASTED,
  TARGET_CLIENT_SECRETS,
  TARGET_MCP,
  TARGET_MIME,
  TARGET_GMAIL_ANSWER,
  TARGET_SENDMAIL,
  N_TARGETS
};

#define STATE "st4te-Of-This-Login"
#define REDIRECT_URI "http://127.0.0.1:8765/"

static json_object *
tool_echo (json_object *arguments, gboolean *out_is_error)
{
  json_object *copy = NULL;

  if (gmo_json_get_string (arguments, "fail") != NULL)
    {
      g_autoptr (GError) error = g_error_new (GMO_ERROR, GMO_ERROR_TRANSIENT, "failed");

      *out_is_error = TRUE;
      return gmo_mcp_tool_error (error, "details");
    }
  json_object_deep_copy (arguments, &copy, NULL);
  return copy;
}

static const GmoMcpTool fuzz_tools[] = {
  { "echo", "Echo", "Echoes its arguments",
    "{\"type\": \"object\", \"properties\": {\"fail\": {\"type\": \"string\"}}}",
    "{\"type\": \"object\"}", GMO_MCP_TOOL_READ_ONLY, tool_echo },
};

static void
on_emit (const gchar *message, gsize len, gpointer user_data)
{
  gsize *total = user_data;

  g_assert (strlen (message) == len);
  /* Whatever came in, what goes out is UTF-8 that clients can parse. */
  g_assert (g_utf8_validate_len (message, len, NULL));
  *total += len;
}

/* Whether @len bytes at @data are `null` with white space around. */
static gboolean
is_null_document (const gchar *data, gsize len)
{
  g_autofree gchar *text = g_strndup (data, len);

  return g_str_equal (g_strstrip (text), "null");
}

/* A message as a server could answer it: parsed, its text cut in chunks;
 * the same bytes taken as HTML. */
static void
fuzz_mime (const gchar *input, gsize len)
{
  g_autoptr (GBytes) raw = g_bytes_new (input, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoMimeMessage) message = gmo_mime_parse (raw, GMO_ERROR_BAD_RESPONSE, &error);
  g_autofree gchar *html = g_strndup (input, len);
  g_autofree gchar *text = gmo_mime_html_to_text (html);

  g_assert ((message == NULL) == (error != NULL));
  g_assert (g_utf8_validate (text, -1, NULL));
  if (message == NULL)
    return;
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
}

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
fuzz_gmail_divert (const gchar *input, gsize len, json_object *whole)
{
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
  g_autoptr (GString) got = g_string_new (NULL);
  g_autoptr (json_object) answer = NULL;
  gboolean ok = TRUE;

  gmo_json_parser_divert (parser, "raw", on_fuzz_diverted, got);
  for (gsize done = 0; ok && done < len;)
    {
      gsize piece = MIN ((gsize) (1 + (guchar) input[done] % 61), len - done);

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

/* A Gmail API answer: the first byte picks its status, the rest is its body.
 * A success body goes through the streaming parser in pieces whose sizes the
 * body's own bytes pick, then the raw message is decoded; an error body is
 * classified. */
static void
fuzz_gmail_answer (const gchar *input, gsize len)
{
  static const long statuses[] = { 200, 400, 401, 403, 404, 429, 500, 503 };
  g_autoptr (GError) error = NULL;
  long status;

  if (len == 0)
    return;
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
          gsize piece = MIN ((gsize) (1 + (guchar) input[done] % 61), len - done);

          ok = gmo_json_parser_feed (parser, input + done, piece, &error);
          done += piece;
        }
      if (ok)
        answer = gmo_json_parser_finish (parser, &error);
      fuzz_gmail_divert (input, len, answer);
      if (!json_object_is_type (answer, json_type_object))
        return;
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
      g_assert (details != NULL && strchr (details, '\n') == NULL);
      g_assert (strchr (error->message, '\n') == NULL);
    }
}

static void
fuzz_login (gint target, const gchar *text)
{
  g_autoptr (GmoSecret) code = NULL;
  g_autofree gchar *problem = NULL;
  GmoLoginAnswer answer;

  if (target == TARGET_LOGIN_REQUEST_LINE)
    answer = gmo_login_parse_request_line (text, STATE, &code, &problem);
  else
    answer = gmo_login_parse_pasted (text, REDIRECT_URI, STATE, &code, &problem);
  /* A code comes only with our state; anything but a code says why. */
  g_assert ((answer == GMO_LOGIN_ANSWER_CODE) == (code != NULL));
  g_assert (answer == GMO_LOGIN_ANSWER_CODE || problem != NULL);
}

/* What `gmail-oauth sendmail` does with its input before it sends: where it
 * ends, the mbox line, the parse, the envelope of -t with one argument, the
 * Bcc added. */
static void
fuzz_sendmail (const gchar *input, gsize len)
{
  gchar *recipients[] = { (gchar *) "extra@example.com", NULL };
  GmoSendmailOptions options = { .extract_recipients = TRUE, .recipients = recipients };
  g_auto (GmoSendmailEnvelope) envelope = { 0 };
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  gssize dot = gmo_sendmail_find_dot (input, len, 0);
  gsize skip;

  g_assert (dot < (gssize) len);
  if (dot >= 0)
    len = (gsize) dot;
  skip = gmo_sendmail_skip_from_line (input, len);
  g_assert (skip <= len);
  raw = g_bytes_new (input + skip, len - skip);
  message = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);
  g_assert ((message == NULL) == (error != NULL));
  if (message == NULL)
    return;
  if (!gmo_sendmail_envelope (&options, message, &envelope, &error))
    {
      g_assert_nonnull (error);
      return;
    }
  g_assert (envelope.account != NULL && envelope.recipients[0] != NULL);
  if (envelope.added[0] != NULL)
    {
      g_autoptr (GBytes) with_bcc
          = gmo_sendmail_add_bcc (raw, (const gchar *const *) envelope.added);

      g_assert (g_bytes_get_size (with_bcc) > g_bytes_get_size (raw));
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* A warning or a critical is a bug too. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const gchar *input = (const gchar *)data + 1;
  gsize len = size - 1;
  g_autoptr (GError) error = NULL;

  gint target;

  if (size == 0)
    return 0;
  target = data[0] >= '0' && data[0] < '0' + N_TARGETS ? data[0] - '0' : data[0] % N_TARGETS;
  switch (target)
    {
    case TARGET_JSON:
      {
        g_autoptr (GmoSecretJson) json = gmo_json_parse (input, len, GMO_ERROR_USAGE, &error);

        /* %NULL without an error is the document `null`, as documented. */
        g_assert (json == NULL || error == NULL);
        g_assert (json != NULL || error != NULL || is_null_document (input, len));
        break;
      }
    case TARGET_GIT_REQUEST:
      {
        /* Through the helper's own reader, which hands an empty input over
         * without a buffer. */
        g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_data (input, len, NULL);
        g_autoptr (GmoSecretBytes) request = gmo_git_request_read (stream, &error);
        g_auto (GmoGitCredential) c = { 0 };
        gboolean ok;

        /* Only a request of over a MiB is refused before it is parsed. */
        g_assert ((request == NULL) == (error != NULL));
        if (request == NULL)
          break;
        ok = gmo_git_request_parse (&c, (const gchar *) request->data, request->len, &error);
        g_assert (ok == (error == NULL));
        break;
      }
    case TARGET_LOGIN_REQUEST_LINE:
    case TARGET_LOGIN_PASTED:
      {
        g_autofree gchar *text = g_strndup (input, len);

        fuzz_login (target, text);
        break;
      }
    case TARGET_CLIENT_SECRETS:
      {
        g_autofree gchar *client_id = NULL;
        g_autoptr (GmoSecret) client_secret = NULL;
        gboolean ok
            = gmo_login_parse_client_secrets (input, len, &client_id, &client_secret, &error);

        g_assert (ok == (client_id != NULL && client_secret != NULL && error == NULL));
        break;
      }
    case TARGET_MCP:
      {
        g_autoptr (GmoMcpServer) server
            = gmo_mcp_server_new ("Fuzzing. Really.", fuzz_tools, G_N_ELEMENTS (fuzz_tools));
        gsize total = 0;

        gmo_mcp_server_feed (server, input, len, on_emit, &total);
        gmo_mcp_server_finish (server, on_emit, &total);
        break;
      }
    case TARGET_MIME:
      fuzz_mime (input, len);
      break;
    case TARGET_GMAIL_ANSWER:
      fuzz_gmail_answer (input, len);
      break;
    case TARGET_SENDMAIL:
      fuzz_sendmail (input, len);
      break;
    default:
      g_assert_not_reached ();
    }
  return 0;
}

#ifndef GMO_FUZZING
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *)a, *(const gchar *const *)b);
}

static void
replay (gconstpointer path)
{
  g_autofree gchar *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (LLVMFuzzerTestOneInput ((const uint8_t *)contents, len), ==, 0);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *dir_path = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  g_test_init (&argc, &argv, NULL);
  LLVMFuzzerInitialize (&argc, &argv);
  dir_path = g_test_build_filename (G_TEST_DIST, "fuzz", NULL);
  dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >=, N_TARGETS);
  for (guint i = 0; i < names->len; i++)
    {
      const gchar *file = g_ptr_array_index (names, i);
      g_autofree gchar *test_path = g_strconcat ("/fuzz/replay/", file, NULL);
      gchar *path = g_build_filename (dir_path, file, NULL);

      g_ptr_array_add (paths, path);
      g_test_add_data_func (test_path, path, replay);
    }
  return g_test_run ();
}
#endif
