/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The calls of the Gmail API client (gmo-gmail-calls.c) against the stand-in
 * (tests/fake_gmail_api.py, served by tests/fake-google.py under
 * tests/with-session): list, get, raw (and what a large one costs), thread,
 * send and drafts by both paths, labels, modify, and the endpoint variable. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-json.h"
#include "gmo-mime.h"
#include "gmo-store.h"
#include "gmo-test-gmail.h"
#include "gmo-test-util.h"
#include "gmo-util.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define ACCOUNT GMO_TEST_GMAIL_ACCOUNT
#define CLIENT_ID GMO_TEST_GMAIL_CLIENT_ID
#define CLIENT_SECRET GMO_TEST_GMAIL_CLIENT_SECRET

static void
test_list (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
  static const gchar *const inbox[] = { "INBOX", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) all = NULL;
  g_autoptr (json_object) first = NULL;
  g_autoptr (json_object) second = NULL;
  g_autoptr (json_object) found = NULL;
  json_object *messages = NULL;

  all = gmo_gmail_list_messages (gmail, NULL, inbox, 500, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gmo_test_gmail_array_length (all, "messages"), ==, 8);

  /* Pages of three, the second from the first's token. */
  first = gmo_gmail_list_messages (gmail, NULL, inbox, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gmo_test_gmail_array_length (first, "messages"), ==, 3);
  g_assert_nonnull (gmo_json_get_string (first, "nextPageToken"));
  second = gmo_gmail_list_messages (gmail, NULL, inbox, 3,
                                    gmo_json_get_string (first, "nextPageToken"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gmo_test_gmail_array_length (second, "messages"), ==, 3);

  /* Gmail's search syntax, with characters that need escaping in a query. */
  found = gmo_gmail_list_messages (gmail, "subject:\"invoice #42\" from:billing@example.net", NULL,
                                   10, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_object_get_ex (found, "messages", &messages));
  g_assert_cmpuint (json_object_array_length (messages), ==, 1);
  g_assert_cmpstr (gmo_json_get_string (json_object_array_get_idx (messages, 0), "id"), ==,
                   g_hash_table_lookup (ids, "html-only.eml"));
}

static void
test_get_and_thread (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
  const gchar *id = g_hash_table_lookup (ids, "plain-utf8.eml");
  static const gchar *const subject_only[] = { "Subject", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) full = NULL;
  g_autoptr (json_object) metadata = NULL;
  g_autoptr (json_object) thread = NULL;
  json_object *payload = NULL;
  json_object *headers = NULL;

  full = gmo_gmail_get_message (gmail, id, "full", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gmo_json_get_string (full, "id"), ==, id);
  g_assert_true (json_object_object_get_ex (full, "payload", &payload));
  g_assert_cmpstr (gmo_json_get_string (payload, "mimeType"), ==, "text/plain");

  metadata = gmo_gmail_get_message (gmail, id, "metadata", subject_only, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_object_get_ex (metadata, "payload", &payload));
  g_assert_true (json_object_object_get_ex (payload, "headers", &headers));
  g_assert_cmpuint (json_object_array_length (headers), ==, 1);
  g_assert_cmpstr (gmo_json_get_string (json_object_array_get_idx (headers, 0), "name"), ==,
                   "Subject");

  /* The reply is in the same thread. */
  thread = gmo_gmail_get_thread (gmail, id, "minimal", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gmo_test_gmail_array_length (thread, "messages"), ==, 2);
}

static void
test_raw (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
  const gchar *id = g_hash_table_lookup (ids, "attachment.eml");
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "mail", "attachment.eml", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GRegex) lf = g_regex_new ("\r?\n", 0, 0, NULL);
  g_autofree gchar *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) rest = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GmoMimeMessage) parsed = NULL;
  json_object *member = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  /* Gmail keeps (and answers) a message with CRLF line ends. */
  expected = g_regex_replace_literal (lf, contents, -1, 0, "\r\n", 0, NULL);
  raw = gmo_gmail_get_raw (gmail, id, &rest, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), expected,
                   strlen (expected));
  g_assert_cmpstr (gmo_json_get_string (rest, "id"), ==, id);
  g_assert_nonnull (gmo_json_get_string (rest, "threadId"));
  g_assert_true (gmo_test_gmail_array_has (rest, "labelIds", "INBOX"));
  g_assert_false (json_object_object_get_ex (rest, "raw", &member));

  parsed = gmo_mime_parse (raw, GMO_ERROR_BAD_RESPONSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed->subject, ==, "Rechnung März");
}

/* The peak resident size since the last reset_peak(), in bytes, or 0 when
 * the kernel cannot tell. */
static gsize
peak_rss (void)
{
  g_autofree gchar *status = NULL;
  const gchar *line;
  guint64 kib = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "VmHWM:")) == NULL)
    return 0;
  kib = g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);
  return (gsize) kib * 1024;
}

static gboolean
reset_peak (void)
{
  /* "5" resets the peak resident size to the current one (proc(5)). */
  FILE *file = g_fopen ("/proc/self/clear_refs", "w");
  gboolean ok;

  if (file == NULL)
    return FALSE;
  ok = fputs ("5", file) >= 0;
  return fclose (file) == 0 && ok;
}

/* A generated message of @kind ("attachment", "text") and at least @size
 * bytes, delivered to the stand-in: its answer (id, sha256). */
static json_object *
deliver_large (gsize size, const gchar *kind)
{
  g_autofree gchar *request = g_strdup_printf (
      "{\"generate\": {\"size\": %" G_GSIZE_FORMAT ", \"kind\": \"%s\"}}", size, kind);

  return gmo_test_fake_call ("POST", "/control/gmail/message", request);
}

/* Says what reading @what cost above @before, and asserts that it is the
 * message itself and little more: no second copy of it, whole, at once. */
static void
assert_peak_near_size (const gchar *what, gsize size, gsize before)
{
  gsize peak = peak_rss ();

  g_test_message ("%s of %" G_GSIZE_FORMAT " bytes: peak RSS %" G_GSIZE_FORMAT
                  " bytes above the start (%.2fx)",
                  what, size, peak - before, (double) (peak - before) / size);
  if (SANITIZED)
    {
      g_test_skip ("AddressSanitizer keeps freed memory: no peak to compare");
      return;
    }
  g_assert_cmpuint (peak - before, <, size + size / 2);
}

/* The raw member is decoded while it arrives and never reaches json-c. */
static void
test_raw_large (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  const gsize size = 10 * 1024 * 1024;
  g_autoptr (json_object) delivered = deliver_large (size, "attachment");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autofree gchar *sha256 = NULL;
  gsize before;

  g_assert_true (reset_peak ());
  before = peak_rss ();
  raw = gmo_gmail_get_raw (gmail, gmo_json_get_string (delivered, "id"), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (raw), >=, size);
  assert_peak_near_size ("a raw message", g_bytes_get_size (raw), before);
  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, raw);
  g_assert_cmpstr (sha256, ==, gmo_json_get_string (delivered, "sha256"));
}

/* Reading a chunk of a large text message, as gmail_read_message does: the
 * message's bytes, and not its whole decoded text beside them. */
static void
test_read_large_text (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  const gsize size = 10 * 1024 * 1024;
  g_autoptr (json_object) delivered = deliver_large (size, "text");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  gsize before;

  g_assert_true (reset_peak ());
  before = peak_rss ();
  raw = gmo_gmail_get_raw (gmail, gmo_json_get_string (delivered, "id"), NULL, NULL, &error);
  g_assert_no_error (error);
  message = gmo_mime_parse_window (raw, 1000, 10000, GMO_ERROR_BAD_RESPONSE, &error);
  g_assert_no_error (error);
  assert_peak_near_size ("a chunk of a text message", g_bytes_get_size (raw), before);
  g_assert_cmpint (g_utf8_strlen (message->text, -1), ==, 10000);
  g_assert_cmpint (message->text_chars, >, (glong) (size * 9 / 10));
}

static void
test_send (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
  g_autoptr (GBytes) small = gmo_test_gmail_build_message ("Hallo – klein", 0, NULL);
  g_autoptr (GBytes) large = gmo_test_gmail_build_message ("Hallo – groß", 6 * 1000 * 1000, NULL);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) answer = NULL;
  g_autoptr (json_object) sent = NULL;
  g_autoptr (json_object) reply_answer = NULL;
  g_autoptr (json_object) original = NULL;
  gint64 size = 0;

  answer = gmo_gmail_send (gmail, small, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gmo_json_get_string (answer, "id"));
  g_assert_true (gmo_test_gmail_array_has (answer, "labelIds", "SENT"));
  sent = gmo_test_gmail_last_sent ();
  g_assert_cmpstr (gmo_json_get_string (sent, "via"), ==, "json");
  g_assert_true (gmo_test_gmail_array_has (sent, "recipients", "ann@example.org"));
  g_assert_true (gmo_test_gmail_array_has (sent, "bcc", "hidden@example.net"));
  g_assert_true (gmo_json_get_int64 (sent, "size", &size));
  g_clear_pointer (&sent, json_object_put);
  g_clear_pointer (&answer, json_object_put);

  /* Over the simple call's limit: the upload endpoint. */
  answer = gmo_gmail_send (gmail, large, NULL, NULL, &error);
  g_assert_no_error (error);
  sent = gmo_test_gmail_last_sent ();
  g_assert_cmpstr (gmo_json_get_string (sent, "via"), ==, "upload");
  g_assert_true (gmo_json_get_int64 (sent, "size", &size));
  g_assert_cmpint (size, >=, 6 * 1000 * 1000);

  /* A reply threads with its original. */
  original = gmo_gmail_get_message (gmail, g_hash_table_lookup (ids, "plain-utf8.eml"), "minimal",
                                    NULL, NULL, &error);
  g_assert_no_error (error);
  reply = gmo_test_gmail_build_message (
      "Re: Grüße aus Köln – Treffen am Freitag im Café „Zur Brücke“?", 0,
      "<20240304091500.4711@mail.example.org>");
  reply_answer = gmo_gmail_send (gmail, reply, gmo_json_get_string (original, "threadId"), NULL,
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gmo_json_get_string (reply_answer, "threadId"), ==,
                   gmo_json_get_string (original, "threadId"));
}

static void
test_draft (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GBytes) small = gmo_test_gmail_build_message ("Entwurf", 0, NULL);
  g_autoptr (GBytes) large = gmo_test_gmail_build_message ("Großer Entwurf", 6 * 1000 * 1000, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) draft = NULL;
  g_autoptr (json_object) big = NULL;
  g_autoptr (json_object) drafts = NULL;
  json_object *message = NULL;

  draft = gmo_gmail_create_draft (gmail, small, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (gmo_json_get_string (draft, "id"), "r"));
  g_assert_true (json_object_object_get_ex (draft, "message", &message));
  g_assert_true (gmo_test_gmail_array_has (message, "labelIds", "DRAFT"));
  big = gmo_gmail_create_draft (gmail, large, NULL, NULL, &error);
  g_assert_no_error (error);
  drafts = gmo_test_fake_call ("GET", "/control/gmail/drafts", NULL);
  g_assert_cmpuint (gmo_test_gmail_array_length (drafts, "drafts"), ==, 2);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_sent"), ==, 0);
}

static void
test_labels_and_modify (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
  const gchar *id = g_hash_table_lookup (ids, "plain-utf8.eml");
  static const gchar *const star[] = { "STARRED", "Label_1", NULL };
  static const gchar *const read_archive[] = { "UNREAD", "INBOX", NULL };
  static const gchar *const unknown[] = { "NO_SUCH_LABEL", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) labels = NULL;
  g_autoptr (json_object) modified = NULL;
  json_object *list = NULL;
  gboolean work = FALSE;

  labels = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_object_get_ex (labels, "labels", &list));
  for (size_t i = 0; i < json_object_array_length (list); i++)
    work |= g_strcmp0 (gmo_json_get_string (json_object_array_get_idx (list, i), "name"), "Work")
            == 0;
  g_assert_true (work);

  modified = gmo_gmail_modify (gmail, id, star, read_archive, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gmo_test_gmail_array_has (modified, "labelIds", "STARRED"));
  g_assert_true (gmo_test_gmail_array_has (modified, "labelIds", "Label_1"));
  g_assert_false (gmo_test_gmail_array_has (modified, "labelIds", "UNREAD"));
  g_assert_false (gmo_test_gmail_array_has (modified, "labelIds", "INBOX"));

  /* Gmail's 400 for a label it does not know is a usage error. */
  g_assert_null (gmo_gmail_modify (gmail, id, unknown, NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "NO_SUCH_LABEL"));
  gmo_test_gmail_assert_clean_error (error, grant);
}

static void
test_endpoint_url (void)
{
  g_autofree gchar *saved = g_strdup (g_getenv ("GMAIL_OAUTH_GMAIL_URL"));
  g_autofree gchar *no_slash = g_strndup (saved, strlen (saved) - 1);
  g_autofree gchar *with_query = g_strconcat (saved, "?alt=json", NULL);
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) labels = NULL;

  g_assert_true (g_str_has_suffix (saved, "/gmail/v1/users/me/"));
  /* Only https, or http to a loopback address. */
  g_assert_true (g_setenv ("GMAIL_OAUTH_GMAIL_URL", "http://gmail.example.com/", TRUE));
  g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "GMAIL_OAUTH_GMAIL_URL"));
  g_clear_error (&error);
  g_assert_true (g_setenv ("GMAIL_OAUTH_GMAIL_URL", with_query, TRUE));
  g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 0);
  /* A base without its last slash is the same directory. */
  g_assert_true (g_setenv ("GMAIL_OAUTH_GMAIL_URL", no_slash, TRUE));
  labels = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_true (g_setenv ("GMAIL_OAUTH_GMAIL_URL", saved, TRUE));
  g_assert_no_error (error);
  g_assert_nonnull (labels);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gmail-calls/list", test_list);
  g_test_add_func ("/gmail-calls/get-and-thread", test_get_and_thread);
  g_test_add_func ("/gmail-calls/raw", test_raw);
  g_test_add_func ("/gmail-calls/raw-large", test_raw_large);
  g_test_add_func ("/gmail-calls/read-large-text", test_read_large_text);
  g_test_add_func ("/gmail-calls/send", test_send);
  g_test_add_func ("/gmail-calls/draft", test_draft);
  g_test_add_func ("/gmail-calls/labels-and-modify", test_labels_and_modify);
  g_test_add_func ("/gmail-calls/endpoint-url", test_endpoint_url);
  return g_test_run ();
}
