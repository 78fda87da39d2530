/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Gmail API client (gmo-gmail.c) against the stand-in, with the real
 * keyring: its token (refreshed when stale, once more when refused, a
 * caller's never), every error class of Gmail's answers, bad arguments, and
 * the stored grant kept through every failure. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-json.h"
#include "gmo-mime.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-test-gmail.h"
#include "gmo-test-util.h"
#include "gmo-util.h"

#define ACCOUNT GMO_TEST_GMAIL_ACCOUNT
#define CLIENT_ID GMO_TEST_GMAIL_CLIENT_ID
#define CLIENT_SECRET GMO_TEST_GMAIL_CLIENT_SECRET

static void
test_expired_token_refreshed_first (void)
{
  g_autoptr (GmoGrant) grant = gmo_test_gmail_setup_account (
      GMO_GMAIL_SCOPE_FULL, "ya29.stale-cached-token", gmo_now () + 100);
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
  gmo_test_gmail_assert_grant_kept (grant);
}

static void
test_refused_token_refreshed_once (void)
{
  /* A token the stand-in never minted, with an hour to live: Gmail refuses it. */
  g_autoptr (GmoGrant) grant
      = gmo_test_gmail_setup_account (GMO_GMAIL_SCOPE_FULL, "ya29.never-minted", gmo_now () + 3600);
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
  gmo_test_gmail_fault ("gmail", "401", 1);
  again = gmo_gmail_list_labels (gmail, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 2);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 4);
  gmo_test_gmail_assert_grant_kept (grant);
}

static void
test_always_refused (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GError) error = NULL;
  gint64 tokens = gmo_test_fake_stat ("token_requests");

  /* Refused again after the one refresh: reauthorize, with no third try. */
  gmo_test_gmail_fault ("gmail", "401", -1);
  g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_true (g_str_has_prefix (error->message, ACCOUNT ": "));
  g_assert_nonnull (strstr (error->message, "gmail-oauth login " ACCOUNT));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, tokens + 1);
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 2);
  gmo_test_gmail_assert_clean_error (error, grant);
  gmo_test_gmail_assert_grant_kept (grant);
}

static void
test_revoked_grant (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GError) error = NULL;

  g_assert_true (gmo_oauth_revoke (grant->refresh_token, NULL, NULL, &error));
  g_assert_no_error (error);
  /* The token is refused, the refresh says invalid_grant: log in again. */
  g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_nonnull (strstr (error->message, ACCOUNT));
  gmo_test_gmail_assert_clean_error (error, grant);
  gmo_test_gmail_assert_grant_kept (grant);
}

static void
test_caller_token (void)
{
  g_autoptr (GmoGrant) grant = gmo_test_gmail_setup_account (GMO_GMAIL_SCOPE_READONLY, NULL, 0);
  g_autoptr (GmoTokenResponse) minted = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (GmoGmail) bogus = gmo_gmail_new_with_token ("ya29.not-a-token");
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) labels = NULL;
  g_autoptr (GBytes) message = gmo_test_gmail_build_message ("x", 0, NULL);

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
      g_autoptr (GmoGrant) grant = gmo_test_gmail_setup_account (cases[i].grant_scope, NULL, 0);
      g_autoptr (GError) error = NULL;
      g_autoptr (GmoGmail) gmail = gmo_gmail_new (ACCOUNT, &error);
      g_autoptr (GBytes) message = gmo_test_gmail_build_message ("Scope", 0, NULL);
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
      gmo_test_gmail_assert_clean_error (error, grant);
      gmo_test_gmail_assert_grant_kept (grant);
    }
}

static void
test_transient (void)
{
  static const gchar *const kinds[] = { "429", "500", "503", "rateLimitExceeded", "reset" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GmoGrant) grant = NULL;
      g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
      g_autoptr (GError) error = NULL;
      gint64 start;
      gint64 elapsed_ms;

      gmo_test_gmail_fault ("gmail", kinds[i], -1);
      start = g_get_monotonic_time ();
      g_assert_null (gmo_gmail_list_labels (gmail, NULL, &error));
      elapsed_ms = (g_get_monotonic_time () - start) / 1000;
      g_test_message ("%s: %s after %" G_GINT64_FORMAT " ms", kinds[i], error->message,
                      elapsed_ms);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT);
      /* Three attempts within the one call's budget of 30 s. */
      g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 3);
      g_assert_cmpint (elapsed_ms, <, 35 * 1000);
      gmo_test_gmail_assert_clean_error (error, grant);
      gmo_test_gmail_assert_grant_kept (grant);
    }
}

static void
test_retried_once (void)
{
  static const gchar *const kinds[] = { "500", "truncated", "userRateLimitExceeded" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GmoGrant) grant = NULL;
      g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
      g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) raw = NULL;
      g_autoptr (GmoMimeMessage) parsed = NULL;

      /* A failed first attempt, half an answer for "truncated": the second
       * attempt's answer is read from its start. */
      gmo_test_gmail_fault ("gmail", kinds[i], 1);
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
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  g_autoptr (GError) error = NULL;

  g_assert_null (gmo_gmail_get_message (gmail, "00000000deadbeef", NULL, NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "404"));
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 1);
  g_clear_error (&error);

  /* An id with a slash stays one path segment: Gmail refuses it (400). */
  g_assert_null (gmo_gmail_get_thread (gmail, "../labels", NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  gmo_test_gmail_assert_clean_error (error, grant);
  gmo_test_gmail_assert_grant_kept (grant);
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
      g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
      g_autoptr (GHashTable) ids = gmo_test_gmail_load_fixtures ();
      g_autoptr (GError) error = NULL;

      gmo_test_gmail_fault ("gmail", cases[i].kind, -1);
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
      gmo_test_gmail_assert_clean_error (error, grant);
      gmo_test_gmail_assert_grant_kept (grant);
    }
}

static void
test_bad_arguments (void)
{
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGmail) gmail = gmo_test_gmail_setup_client (&grant);
  static const gchar *const bad_label[] = { "\xff", NULL };
  static const gchar *const empty_label[] = { "", NULL };
  g_autoptr (GBytes) empty = g_bytes_new ("", 0);
  g_autoptr (GBytes) message = gmo_test_gmail_build_message ("x", 0, NULL);
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
      gmo_test_gmail_assert_clean_error (errors[i], grant);
      g_error_free (errors[i]);
    }
  g_assert_cmpint (gmo_test_fake_stat ("gmail_requests"), ==, 0);
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
  return g_test_run ();
}
