/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of tests/test-gmail and tests/test-gmail-calls (see gmo-test-gmail.h). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-json.h"
#include "gmo-mime.h"
#include "gmo-store.h"
#include "gmo-test-gmail.h"
#include "gmo-test-util.h"
#include "gmo-util.h"

#define ACCOUNT GMO_TEST_GMAIL_ACCOUNT
#define CLIENT_ID GMO_TEST_GMAIL_CLIENT_ID
#define CLIENT_SECRET GMO_TEST_GMAIL_CLIENT_SECRET

/* A POST to the stand-in's control interface; the answer is dropped. */
void
gmo_test_gmail_ctl (const gchar *path, const gchar *body)
{
  json_object_put (gmo_test_fake_call ("POST", path, body));
}

/* Queues a fault on the Gmail endpoints ("gmail", or "gmail:METHOD"). */
void
gmo_test_gmail_fault (const gchar *endpoint, const gchar *kind, gint count)
{
  g_autofree gchar *body = g_strdup_printf (
      "{\"endpoint\": \"%s\", \"kind\": \"%s\", \"count\": %d, \"retry_after\": 1}", endpoint,
      kind, count);

  gmo_test_gmail_ctl ("/control/fault", body);
}

/* A fresh stand-in and keyring record for ACCOUNT: a grant of @scope, with
 * @access_token (nullable) cached until @expires_at. */
GmoGrant *
gmo_test_gmail_setup_account (const gchar *scope, const gchar *access_token,
                              gint64 expires_at)
{
  g_autoptr (GmoGrant) grant = gmo_grant_new (ACCOUNT);
  g_autofree gchar *client = g_strdup_printf (
      "{\"client_id\": \"%s\", \"client_secret\": \"%s\"}", CLIENT_ID, CLIENT_SECRET);
  g_autofree gchar *request
      = g_strdup_printf ("{\"client_id\": \"%s\", \"scope\": \"%s\"}", CLIENT_ID, scope);
  g_autoptr (json_object) answer = NULL;
  g_autoptr (GError) error = NULL;

  gmo_test_fake_reset ();
  gmo_test_gmail_ctl ("/control/client", client);
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
GmoGmail *
gmo_test_gmail_setup_client (GmoGrant **out_grant)
{
  g_autoptr (GError) error = NULL;
  GmoGmail *gmail;

  *out_grant = gmo_test_gmail_setup_account (GMO_GMAIL_SCOPE_FULL, NULL, 0);
  gmail = gmo_gmail_new (ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gmail);
  return gmail;
}

/* The stored record still holds what @initial held: a failure never loses it. */
void
gmo_test_gmail_assert_grant_kept (const GmoGrant *initial)
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
void
gmo_test_gmail_assert_clean_error (const GError *error, const GmoGrant *grant)
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
GHashTable *
gmo_test_gmail_load_fixtures (void)
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

/* The length of the array member @key of @object, 0 when absent. */
gsize
gmo_test_gmail_array_length (json_object *object, const gchar *key)
{
  json_object *array = NULL;

  if (!json_object_object_get_ex (object, key, &array))
    return 0;
  g_assert_true (json_object_is_type (array, json_type_array));
  return json_object_array_length (array);
}

/* Whether the array member @key of @object holds the string @value. */
gboolean
gmo_test_gmail_array_has (json_object *object, const gchar *key, const gchar *value)
{
  json_object *array = NULL;

  g_assert_true (json_object_object_get_ex (object, key, &array));
  for (size_t i = 0; i < json_object_array_length (array); i++)
    if (g_strcmp0 (json_object_get_string (json_object_array_get_idx (array, i)), value) == 0)
      return TRUE;
  return FALSE;
}

/* An RFC 5322 message from ACCOUNT to Ann (Bcc hidden@example.net) with a
 * text of @text_size bytes at least; a reply to @in_reply_to (nullable). */
GBytes *
gmo_test_gmail_build_message (const gchar *subject, gsize text_size,
                              const gchar *in_reply_to)
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
json_object *
gmo_test_gmail_last_sent (void)
{
  g_autoptr (json_object) answer = gmo_test_fake_call ("GET", "/control/gmail/sent", NULL);
  json_object *sent = NULL;

  g_assert_true (json_object_object_get_ex (answer, "sent", &sent));
  g_assert_cmpuint (json_object_array_length (sent), >, 0);
  return json_object_get (json_object_array_get_idx (sent, json_object_array_length (sent) - 1));
}
