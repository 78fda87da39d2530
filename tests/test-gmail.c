/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Gmail API client against the stand-in (tests/fake_gmail_api.py, served
 * by tests/fake-google.py under tests/with-session), with the real keyring:
 * every call, the token's refreshes, every error class, and the stored grant
 * kept through every failure. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "gmo-autocleanups.h"
#include "gmo-broker.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-json.h"
#include "gmo-mime.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
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

#define ACCOUNT "me@example.com"
#define CLIENT_ID "gmail-client.apps.googleusercontent.com"
#define CLIENT_SECRET "GOCSPX-gmail-client-secret"

static void
ctl (const gchar *path, const gchar *body)
{
  json_object_put (gmo_test_fake_call ("POST", path, body));
}

/* Queues a fault on the Gmail endpoints ("gmail", or "gmail:METHOD"). */
static void
gmail_fault (const gchar *endpoint, const gchar *kind, gint count)
{
  g_autofree gchar *body = g_strdup_printf (
      "{\"endpoint\": \"%s\", \"kind\": \"%s\", \"count\": %d, \"retry_after\": 1}", endpoint,
      kind, count);

  ctl ("/control/fault", body);
}

/* A fresh stand-in and keyring record for ACCOUNT: a grant of @scope, with
 * @access_token (nullable) cached until @expires_at. */
static GmoGrant *
setup_account (const gchar *scope, const gchar *access_token, gint64 expires_at)
{
  g_autoptr (GmoGrant) grant = gmo_grant_new (ACCOUNT);
  g_autofree gchar *client = g_strdup_printf (
      "{\"client_id\": \"%s\", \"client_secret\": \"%s\"}", CLIENT_ID, CLIENT_SECRET);
  g_autofree gchar *request
      = g_strdup_printf ("{\"client_id\": \"%s\", \"scope\": \"%s\"}", CLIENT_ID, scope);
  g_autoptr (json_object) answer = NULL;
  g_autoptr (GError) error = NULL;

  gmo_test_fake_reset ();
  ctl ("/control/client", client);
  answer = gmo_test_fake_call ("POST", "/control/grant", request);
  grant->client_id = g_strdup (CLIENT_ID);
  grant->client_secret = gmo_secret_dup (CLIENT_SECRET);
  grant->refresh_token = gmo_secret_dup (gmo_json_get_string (answer, "refresh_token"));
  grant->access_token = gmo_secret_dup (access_token);
  grant->expires_at = access_token != NULL ? expires_at : 0;
  grant->scopes = g_strdup (scope);
  grant->granted_at = gmo_now ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&grant);
}

/* A client for a full grant, with a token the stand-in minted. */
static GmoGmail *
setup_client (GmoGrant **out_grant)
{
  g_autoptr (GError) error = NULL;
  GmoGmail *gmail;

  *out_grant = setup_account (GMO_GMAIL_SCOPE_FULL, NULL, 0);
  gmail = gmo_gmail_new (ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gmail);
  return gmail;
}

/* The stored record still holds what @initial held: a failure never loses it. */
static void
assert_grant_kept (const GmoGrant *initial)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) stored = gmo_store_lookup (ACCOUNT, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored->refresh_token, ==, initial->refresh_token);
  g_assert_cmpstr (stored->client_secret, ==, initial->client_secret);
  g_assert_cmpstr (stored->client_id, ==, initial->client_id);
}

/* One line, no secret of the grant and no token the stand-in minted. */
static void
assert_clean_error (const GError *error, const GmoGrant *grant)
{
  g_autoptr (json_object) stats = gmo_test_fake_call ("GET", "/control/stats", NULL);
  const gchar *last_token = gmo_json_get_string (stats, "last_access_token");

  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strstr (error->message, CLIENT_SECRET));
  g_assert_null (strstr (error->message, grant->refresh_token));
  g_assert_null (strstr (error->message, "ya29."));
  if (last_token != NULL)
    g_assert_null (strstr (error->message, last_token));
}

/* The stand-in's ids of the fixtures of tests/mail: file name -> id. */
static GHashTable *
load_fixtures (void)
{
  g_autoptr (json_object) answer = gmo_test_fake_call ("POST", "/control/gmail/fixtures", "{}");
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  json_object *messages = NULL;

  g_assert_true (json_object_object_get_ex (answer, "messages", &messages));
  for (size_t i = 0; i < json_object_array_length (messages); i++)
    {
      json_object *m = json_object_array_get_idx (messages, i);

      g_hash_table_insert (ids, g_strdup (gmo_json_get_string (m, "file")),
                           g_strdup (gmo_json_get_string (m, "id")));
    }
  return ids;
}

static gsize
array_length (json_object *object, const gchar *key)
{
  json_object *array = NULL;

  if (!json_object_object_get_ex (object, key, &array))
    return 0;
  g_assert_true (json_object_is_type (array, json_type_array));
  return json_object_array_length (array);
}

static gboolean
array_has (json_object *object, const gchar *key, const gchar *value)
{
  json_object *array = NULL;

  g_assert_true (json_object_object_get_ex (object, key, &array));
  for (size_t i = 0; i < json_object_array_length (array); i++)
    if (g_strcmp0 (json_object_get_string (json_object_array_get_idx (array, i)), value) == 0)
      return TRUE;
  return FALSE;
}

static void
test_list (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GHashTable) ids = load_fixtures ();
  static const gchar *const inbox[] = { "INBOX", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) all = NULL;
  g_autoptr (json_object) first = NULL;
  g_autoptr (json_object) second = NULL;
  g_autoptr (json_object) found = NULL;
  json_object *messages = NULL;

  all = gmo_gmail_list_messages (gmail, NULL, inbox, 500, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (array_length (all, "messages"), ==, 8);

  /* Pages of three, the second from the first's token. */
  first = gmo_gmail_list_messages (gmail, NULL, inbox, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (array_length (first, "messages"), ==, 3);
  g_assert_nonnull (gmo_json_get_string (first, "nextPageToken"));
  second = gmo_gmail_list_messages (gmail, NULL, inbox, 3,
                                    gmo_json_get_string (first, "nextPageToken"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (array_length (second, "messages"), ==, 3);

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
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GHashTable) ids = load_fixtures ();
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
  g_assert_cmpuint (array_length (thread, "messages"), ==, 2);
}

static void
test_raw (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GHashTable) ids = load_fixtures ();
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
  g_assert_true (array_has (rest, "labelIds", "INBOX"));
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

static void
test_raw_large (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  const gsize size = 10 * 1024 * 1024;
  g_autofree gchar *request = g_strdup_printf (
      "{\"generate\": {\"size\": %" G_GSIZE_FORMAT ", \"kind\": \"attachment\"}}", size);
  g_autoptr (json_object) delivered
      = gmo_test_fake_call ("POST", "/control/gmail/message", request);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autofree gchar *sha256 = NULL;
  gsize before;
  gsize peak;

  g_assert_true (reset_peak ());
  before = peak_rss ();
  raw = gmo_gmail_get_raw (gmail, gmo_json_get_string (delivered, "id"), NULL, NULL, &error);
  peak = peak_rss ();
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (raw), >=, size);
  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, raw);
  g_assert_cmpstr (sha256, ==, gmo_json_get_string (delivered, "sha256"));
  g_test_message ("reading a %" G_GSIZE_FORMAT "-byte message: peak RSS %" G_GSIZE_FORMAT
                  " bytes above the start (%.2fx)",
                  g_bytes_get_size (raw), peak - before,
                  (double) (peak - before) / g_bytes_get_size (raw));
  if (SANITIZED)
    {
      g_test_skip ("AddressSanitizer keeps freed memory: no peak to compare");
      return;
    }
  /* The answer is parsed while it arrives and its base64 freed once decoded:
   * never the body, json-c's copy and the message at once. */
  g_assert_cmpuint (peak - before, <, 3 * g_bytes_get_size (raw));
}

/* An RFC 5322 message to @to with a text of @text_size bytes (at least). */
static GBytes *
build_message (const gchar *subject, gsize text_size, const gchar *in_reply_to)
{
  g_autoptr (GString) text = g_string_new ("Grüße aus dem Test.\n");
  GmoMimeDraft draft = {
    .from = ACCOUNT,
    .to = "Ann <ann@example.org>",
    .bcc = "hidden@example.net",
    .subject = subject,
    .in_reply_to = in_reply_to,
    .references = in_reply_to,
  };
  g_autoptr (GError) error = NULL;
  GBytes *message;

  while (text->len < text_size)
    g_string_append (text, "The quick brown fox jumps over the lazy dog, again and again.\n");
  draft.text = text->str;
  message = gmo_mime_build (&draft, &error);
  g_assert_no_error (error);
  return message;
}

/* The last message the stand-in's sent list holds. */
static json_object *
last_sent (void)
{
  g_autoptr (json_object) answer = gmo_test_fake_call ("GET", "/control/gmail/sent", NULL);
  json_object *sent = NULL;

  g_assert_true (json_object_object_get_ex (answer, "sent", &sent));
  g_assert_cmpuint (json_object_array_length (sent), >, 0);
  return json_object_get (json_object_array_get_idx (sent, json_object_array_length (sent) - 1));
}

static void
test_send (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GHashTable) ids = load_fixtures ();
  g_autoptr (GBytes) small = build_message ("Hallo – klein", 0, NULL);
  g_autoptr (GBytes) large = build_message ("Hallo – groß", 6 * 1000 * 1000, NULL);
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
  g_assert_true (array_has (answer, "labelIds", "SENT"));
  sent = last_sent ();
  g_assert_cmpstr (gmo_json_get_string (sent, "via"), ==, "json");
  g_assert_true (array_has (sent, "recipients", "ann@example.org"));
  g_assert_true (array_has (sent, "bcc", "hidden@example.net"));
  g_assert_true (gmo_json_get_int64 (sent, "size", &size));
  g_clear_pointer (&sent, json_object_put);
  g_clear_pointer (&answer, json_object_put);

  /* Over the simple call's limit: the upload endpoint. */
  answer = gmo_gmail_send (gmail, large, NULL, NULL, &error);
  g_assert_no_error (error);
  sent = last_sent ();
  g_assert_cmpstr (gmo_json_get_string (sent, "via"), ==, "upload");
  g_assert_true (gmo_json_get_int64 (sent, "size", &size));
  g_assert_cmpint (size, >=, 6 * 1000 * 1000);

  /* A reply threads with its original. */
  original = gmo_gmail_get_message (gmail, g_hash_table_lookup (ids, "plain-utf8.eml"), "minimal",
                                    NULL, NULL, &error);
  g_assert_no_error (error);
  reply = build_message ("Re: Grüße aus Köln – Treffen am Freitag im Café „Zur Brücke“?", 0,
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
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GBytes) small = build_message ("Entwurf", 0, NULL);
  g_autoptr (GBytes) large = build_message ("Großer Entwurf", 6 * 1000 * 1000, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) draft = NULL;
  g_autoptr (json_object) big = NULL;
  g_autoptr (json_object) drafts = NULL;
  json_object *message = NULL;

  draft = gmo_gmail_create_draft (gmail, small, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (gmo_json_get_string (draft, "id"), "r"));
  g_assert_true (json_object_object_get_ex (draft, "message", &message));
  g_assert_true (array_has (message, "labelIds", "DRAFT"));
  big = gmo_gmail_create_draft (gmail, large, NULL, NULL, &error);
  g_assert_no_error (error);
  drafts = gmo_test_fake_call ("GET", "/control/gmail/drafts", NULL);
  g_assert_cmpuint (array_length (drafts, "drafts"), ==, 2);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_sent"), ==, 0);
}

static void
test_labels_and_modify (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GHashTable) ids = load_fixtures ();
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
  g_assert_true (array_has (modified, "labelIds", "STARRED"));
  g_assert_true (array_has (modified, "labelIds", "Label_1"));
  g_assert_false (array_has (modified, "labelIds", "UNREAD"));
  g_assert_false (array_has (modified, "labelIds", "INBOX"));

  /* Gmail's 400 for a label it does not know is a usage error. */
  g_assert_null (gmo_gmail_modify (gmail, id, unknown, NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "NO_SUCH_LABEL"));
  assert_clean_error (error, grant);
}

static void
test_expired_token_refreshed_first (void)
{
  g_autoptr (GmoGrant) grant
      = setup_account (GMO_GMAIL_SCOPE_FULL, "ya29.stale-cached-token", gmo_now () + 100);
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = gmo_gmail_new (ACCOUNT, &error);
  g_autoptr (json_object) labels = NULL;
  g_autoptr (GmoGrant) stored = NULL;

  g_assert_no_error (error);
  labels = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_no_error (error);
  /* 100 s left is inside the margin: refreshed before the call, never refused. */
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_auth_failures"), ==, 0);
  stored = gmo_store_lookup (ACCOUNT, NULL, &error);
  g_assert_cmpstr (stored->access_token, !=, "ya29.stale-cached-token");
  assert_grant_kept (grant);
}

static void
test_refused_token_refreshed_once (void)
{
  /* A token the stand-in never minted, with an hour to live: Gmail refuses it. */
  g_autoptr (GmoGrant) grant
      = setup_account (GMO_GMAIL_SCOPE_FULL, "ya29.never-minted", gmo_now () + 3600);
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = gmo_gmail_new (ACCOUNT, &error);
  g_autoptr (json_object) labels = NULL;
  g_autoptr (json_object) again = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 0);
  labels = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_auth_failures"), ==, 1);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 2);

  /* The refreshed token is used from then on; an injected 401 refreshes once more. */
  gmail_fault ("gmail", "401", 1);
  again = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 2);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 4);
  assert_grant_kept (grant);
}

static void
test_always_refused (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GError) error = NULL;
  gint64 tokens = gmo_test_fake_stat ("token_requests");

  /* Refused again after the one refresh: reauthorize, with no third try. */
  gmail_fault ("gmail", "401", -1);
  g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_true (g_str_has_prefix (error->message, ACCOUNT ": "));
  g_assert_nonnull (strstr (error->message, "gmail-oauth login " ACCOUNT));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, tokens + 1);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 2);
  assert_clean_error (error, grant);
  assert_grant_kept (grant);
}

static void
test_revoked_grant (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GError) error = NULL;

  g_assert_true (gmo_oauth_revoke (grant->refresh_token, NULL, NULL, &error));
  g_assert_no_error (error);
  /* The token is refused, the refresh says invalid_grant: log in again. */
  g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_nonnull (strstr (error->message, ACCOUNT));
  assert_clean_error (error, grant);
  assert_grant_kept (grant);
}

static void
test_scope (void)
{
  static const struct
  {
    const gchar *grant_scope;
    const gchar *needed;
  } cases[] = {
    { GMO_GMAIL_SCOPE_READONLY, GMO_GMAIL_SCOPE_SEND },
    { GMO_GMAIL_SCOPE_READONLY, GMO_GMAIL_SCOPE_COMPOSE },
    { GMO_GMAIL_SCOPE_READONLY, GMO_GMAIL_SCOPE_MODIFY },
    { GMO_GMAIL_SCOPE_SEND, GMO_GMAIL_SCOPE_READONLY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GmoGrant) grant = setup_account (cases[i].grant_scope, NULL, 0);
      g_autoptr (GError) error = NULL;
      g_autoptr (GmoGmail) gmail = gmo_gmail_new (ACCOUNT, &error);
      g_autoptr (GBytes) message = build_message ("Scope", 0, NULL);
      static const gchar *const star[] = { "STARRED", NULL };
      g_autofree gchar *command = NULL;
      json_object *answer = NULL;

      g_assert_no_error (error);
      if (g_str_equal (cases[i].needed, GMO_GMAIL_SCOPE_SEND))
        answer = gmo_gmail_send (gmail, message, NULL, NULL, &error);
      else if (g_str_equal (cases[i].needed, GMO_GMAIL_SCOPE_COMPOSE))
        answer = gmo_gmail_create_draft (gmail, message, NULL, NULL, &error);
      else if (g_str_equal (cases[i].needed, GMO_GMAIL_SCOPE_MODIFY))
        answer = gmo_gmail_modify (gmail, "0000000000000001", star, NULL, NULL, &error);
      else
        answer = gmo_gmail_list_messages (gmail, NULL, NULL, 10, NULL, NULL, &error);
      g_assert_null (answer);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_SCOPE);
      /* The scope it lacks, and the login that adds it to what the grant holds. */
      command = g_strdup_printf ("gmail-oauth login " ACCOUNT " --scope \"%s %s\"",
                                 cases[i].grant_scope, cases[i].needed);
      g_assert_nonnull (strstr (error->message, cases[i].needed));
      g_assert_nonnull (strstr (error->message, command));
      g_assert_true (g_str_has_prefix (error->message, ACCOUNT ": "));
      /* Not a token problem: no refresh. */
      g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
      assert_clean_error (error, grant);
      assert_grant_kept (grant);
    }
}

static void
test_transient (void)
{
  static const gchar *const kinds[] = { "429", "500", "503", "rateLimitExceeded", "reset" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GmoGrant) grant = NULL;
      g_autoptr (GmoGmail) gmail = setup_client (&grant);
      g_autoptr (GError) error = NULL;
      gint64 start;
      gint64 elapsed_ms;

      gmail_fault ("gmail", kinds[i], -1);
      start = g_get_monotonic_time ();
      g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
      elapsed_ms = (g_get_monotonic_time () - start) / 1000;
      g_test_message ("%s: %s after %" G_GINT64_FORMAT " ms", kinds[i], error->message,
                      elapsed_ms);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT);
      /* Three attempts within the one call's budget of 30 s. */
      g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 3);
      g_assert_cmpint (elapsed_ms, <, 35 * 1000);
      assert_clean_error (error, grant);
      assert_grant_kept (grant);
    }
}

static void
test_retried_once (void)
{
  static const gchar *const kinds[] = { "500", "truncated", "userRateLimitExceeded" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GmoGrant) grant = NULL;
      g_autoptr (GmoGmail) gmail = setup_client (&grant);
      g_autoptr (GHashTable) ids = load_fixtures ();
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) raw = NULL;
      g_autoptr (GmoMimeMessage) parsed = NULL;

      /* A failed first attempt, half an answer for "truncated": the second
       * attempt's answer is read from its start. */
      gmail_fault ("gmail", kinds[i], 1);
      raw = gmo_gmail_get_raw (gmail, g_hash_table_lookup (ids, "shift-jis.eml"), NULL, NULL,
                               &error);
      g_assert_no_error (error);
      g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 2);
      parsed = gmo_mime_parse (raw, GMO_ERROR_BAD_RESPONSE, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (parsed->subject, ==, "来週の会議について");
    }
}

static void
test_not_found (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  g_autoptr (GError) error = NULL;

  g_assert_null (gmo_gmail_get_message (gmail, "00000000deadbeef", NULL, NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "404"));
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 1);
  g_clear_error (&error);

  /* An id with a slash stays one path segment: Gmail refuses it (400). */
  g_assert_null (gmo_gmail_get_thread (gmail, "../labels", NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  assert_clean_error (error, grant);
  assert_grant_kept (grant);
}

static void
test_bad_response (void)
{
  static const struct
  {
    const gchar *kind;
    gboolean raw;
  } cases[] = {
    { "non_json", FALSE }, { "bad_utf8", FALSE }, { "oversized", FALSE }, { "oversized", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GmoGrant) grant = NULL;
      g_autoptr (GmoGmail) gmail = setup_client (&grant);
      g_autoptr (GHashTable) ids = load_fixtures ();
      g_autoptr (GError) error = NULL;

      gmail_fault ("gmail", cases[i].kind, -1);
      if (cases[i].raw)
        g_assert_null (gmo_gmail_get_raw (gmail, g_hash_table_lookup (ids, "reply.eml"), NULL,
                                          NULL, &error));
      else
        g_assert_null (gmo_gmail_get_message (gmail, g_hash_table_lookup (ids, "reply.eml"), NULL,
                                              NULL, NULL, &error));
      g_test_message ("%s: %s", cases[i].kind, error->message);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
      /* Not retried: the server answered, and badly. */
      g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 1);
      assert_clean_error (error, grant);
      assert_grant_kept (grant);
    }
}

static void
test_bad_arguments (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
  static const gchar *const bad_label[] = { "\xff", NULL };
  static const gchar *const empty_label[] = { "", NULL };
  g_autoptr (GBytes) empty = g_bytes_new ("", 0);
  g_autoptr (GBytes) message = build_message ("x", 0, NULL);
  GError *errors[12] = { NULL };
  guint n = 0;

  /* Refused before any request. */
  g_assert_null (gmo_gmail_list_messages (gmail, NULL, NULL, 0, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_list_messages (gmail, NULL, NULL, 501, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_list_messages (gmail, "\xc3", NULL, 10, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_list_messages (gmail, NULL, bad_label, 10, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_get_message (gmail, "..", NULL, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_get_message (gmail, "", NULL, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_get_message (gmail, "abc", "raw", NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_get_raw (gmail, ".", NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_send (gmail, empty, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_send (gmail, message, "..", NULL, &errors[n++]));
  g_assert_null (gmo_gmail_modify (gmail, "abc", NULL, NULL, NULL, &errors[n++]));
  g_assert_null (gmo_gmail_modify (gmail, "abc", empty_label, NULL, NULL, &errors[n++]));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (errors));
  for (guint i = 0; i < n; i++)
    {
      g_test_message ("%u: %s", i, errors[i]->message);
      g_assert_error (errors[i], GMO_ERROR, GMO_ERROR_USAGE);
      assert_clean_error (errors[i], grant);
      g_error_free (errors[i]);
    }
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 0);
}

static void
test_endpoint_url (void)
{
  g_autofree gchar *saved = g_strdup (g_getenv ("GMAIL_OAUTH_GMAIL_URL"));
  g_autofree gchar *no_slash = g_strndup (saved, strlen (saved) - 1);
  g_autofree gchar *with_query = g_strconcat (saved, "?alt=json", NULL);
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = setup_client (&grant);
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

static void
test_caller_token (void)
{
  g_autoptr (GmoGrant) grant = setup_account (GMO_GMAIL_SCOPE_READONLY, NULL, 0);
  g_autoptr (GmoTokenResponse) minted = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (GmoGmail) bogus = gmo_gmail_new_with_token ("ya29.not-a-token");
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) labels = NULL;
  g_autoptr (GBytes) message = build_message ("x", 0, NULL);

  minted = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, grant->refresh_token, NULL, NULL, &error);
  g_assert_no_error (error);
  gmail = gmo_gmail_new_with_token (minted->access_token);
  g_assert_null (gmo_gmail_get_account (gmail));
  labels = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_no_error (error);

  /* A caller's token is never refreshed: reauthorize at once. */
  g_assert_null (gmo_gmail_list_labels (bogus, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
  g_clear_error (&error);
  /* The scope it lacks, without a login to suggest. */
  g_assert_null (gmo_gmail_send (gmail, message, NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_SCOPE);
  g_assert_nonnull (strstr (error->message, GMO_GMAIL_SCOPE_SEND));
  g_assert_null (strstr (error->message, minted->access_token));
}

static void
test_no_account (void)
{
  g_autoptr (GError) error = NULL;

  gmo_test_fake_reset ();
  g_assert_null (gmo_gmail_new ("nobody@example.com", &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT);
  g_clear_error (&error);
  g_assert_null (gmo_gmail_new ("not an address", &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gmail/list", test_list);
  g_test_add_func ("/gmail/get-and-thread", test_get_and_thread);
  g_test_add_func ("/gmail/raw", test_raw);
  g_test_add_func ("/gmail/raw-large", test_raw_large);
  g_test_add_func ("/gmail/send", test_send);
  g_test_add_func ("/gmail/draft", test_draft);
  g_test_add_func ("/gmail/labels-and-modify", test_labels_and_modify);
  g_test_add_func ("/gmail/token/expired-refreshed-first", test_expired_token_refreshed_first);
  g_test_add_func ("/gmail/token/refused-refreshed-once", test_refused_token_refreshed_once);
  g_test_add_func ("/gmail/token/always-refused", test_always_refused);
  g_test_add_func ("/gmail/token/revoked-grant", test_revoked_grant);
  g_test_add_func ("/gmail/token/caller-token", test_caller_token);
  g_test_add_func ("/gmail/error/scope", test_scope);
  g_test_add_func ("/gmail/error/transient", test_transient);
  g_test_add_func ("/gmail/error/retried-once", test_retried_once);
  g_test_add_func ("/gmail/error/not-found", test_not_found);
  g_test_add_func ("/gmail/error/bad-response", test_bad_response);
  g_test_add_func ("/gmail/error/bad-arguments", test_bad_arguments);
  g_test_add_func ("/gmail/error/no-account", test_no_account);
  g_test_add_func ("/gmail/endpoint-url", test_endpoint_url);
  return g_test_run ();
}
