/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Cached or refresh", with the real keyring and the stand-in for Google. */
#include "config.h"

#include <string.h>

#include "gmo-autocleanups.h"
#include "gmo-broker.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-test-util.h"
#include "gmo-tokeninfo.h"
#include "gmo-util.h"

#define ACCOUNT "me@example.com"
#define CLIENT_ID "broker-client.apps.googleusercontent.com"
#define CLIENT_SECRET "broker-client-secret"

/* A fresh stand-in and an account whose grant it knows, with @access_token
 * cached until @expires_at (none if NULL). */
static GmoGrant *
setup_account (const gchar *access_token, gint64 expires_at)
{
  g_autoptr (GmoGrant) grant = gmo_grant_new (ACCOUNT);
  g_autoptr (GError) error = NULL;

  gmo_test_fake_reset ();
  grant->client_id = g_strdup (CLIENT_ID);
  grant->client_secret = gmo_secret_dup (CLIENT_SECRET);
  grant->refresh_token = gmo_test_fake_add_grant (CLIENT_ID, CLIENT_SECRET);
  grant->access_token = gmo_secret_dup (access_token);
  grant->expires_at = access_token != NULL ? expires_at : 0;
  grant->granted_at = gmo_now ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&grant);
}

static GmoGrant *
stored (void)
{
  g_autoptr (GError) error = NULL;
  GmoGrant *grant = gmo_store_lookup (ACCOUNT, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (grant);
  return grant;
}

static void
test_fresh_is_cached (void)
{
  g_autoptr (GmoGrant) initial G_GNUC_UNUSED = setup_account ("ya29.cached", gmo_now () + 3000);
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) error = NULL;

  grant = gmo_broker_get_token ("ME@example.com", GMO_BROKER_FLAGS_NONE, 300, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (grant->access_token, ==, "ya29.cached");
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 0);
}

static void
test_expired_refreshes_once (void)
{
  g_autoptr (GmoGrant) initial = setup_account ("ya29.old", gmo_now () + 200);
  g_autoptr (GmoGrant) first = NULL;
  g_autoptr (GmoGrant) second = NULL;
  g_autoptr (GmoGrant) after = NULL;
  g_autoptr (GError) error = NULL;
  gint64 before = gmo_now ();

  /* 200 s left is inside the 300 s margin: refresh. */
  first = gmo_broker_get_token (ACCOUNT, GMO_BROKER_FLAGS_NONE, 300, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first->access_token, !=, "ya29.old");
  g_assert_true (g_str_has_prefix (first->access_token, "ya29."));
  g_assert_cmpint (first->expires_at, >=, before + 3599);
  g_assert_cmpint (first->expires_at, <=, gmo_now () + 3599);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);

  /* Stored, and served from the keyring next time. */
  after = stored ();
  g_assert_cmpstr (after->access_token, ==, first->access_token);
  g_assert_cmpstr (after->refresh_token, ==, initial->refresh_token);
  second = gmo_broker_get_token (ACCOUNT, GMO_BROKER_FLAGS_NONE, 300, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->access_token, ==, first->access_token);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_force (void)
{
  g_autoptr (GmoGrant) initial G_GNUC_UNUSED = setup_account ("ya29.cached", gmo_now () + 3000);
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) error = NULL;

  grant = gmo_broker_get_token (ACCOUNT, GMO_BROKER_FORCE_REFRESH, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (grant->access_token, !=, "ya29.cached");
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_rotation_persisted (void)
{
  g_autoptr (GmoGrant) initial = setup_account (NULL, 0);
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGrant) after = NULL;
  g_autoptr (json_object) stats = NULL;
  json_object *current = NULL;
  g_autoptr (GError) error = NULL;

  json_object_put (gmo_test_fake_call ("POST", "/control/config", "{\"rotation\": true}"));
  for (int i = 0; i < 3; i++)
    {
      g_clear_pointer (&grant, gmo_grant_free);
      grant = gmo_broker_get_token (ACCOUNT, GMO_BROKER_FORCE_REFRESH, 0, NULL, &error);
      g_assert_no_error (error);
    }
  stats = gmo_test_fake_call ("GET", "/control/stats", NULL);
  g_assert_true (json_object_object_get_ex (stats, "current_refresh_token", &current));
  after = stored ();
  g_assert_cmpstr (after->refresh_token, !=, initial->refresh_token);
  g_assert_cmpstr (after->refresh_token, ==, gmo_json_get_string (current, CLIENT_ID));
  g_assert_cmpstr (after->access_token, ==, grant->access_token);
}

static void
test_failure_keeps_grant (void)
{
  static const struct
  {
    const char *fault;
    GmoError code;
  } cases[] = {
    { "invalid_grant", GMO_ERROR_REAUTHORIZE },
    { "invalid_client", GMO_ERROR_BAD_CLIENT },
    { "non_json", GMO_ERROR_BAD_RESPONSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GmoGrant) initial = setup_account ("ya29.old", gmo_now () - 10);
      g_autoptr (GmoGrant) after = NULL;
      g_autoptr (GError) error = NULL;

      gmo_test_fake_fault (cases[i].fault, -1);
      g_assert_null (gmo_broker_get_token (ACCOUNT, GMO_BROKER_FLAGS_NONE, 300, NULL, &error));
      g_assert_error (error, GMO_ERROR, (gint) cases[i].code);
      /* The message names the account and never a secret. */
      g_assert_nonnull (strstr (error->message, ACCOUNT));
      g_assert_null (strstr (error->message, initial->refresh_token));
      g_assert_null (strstr (error->message, CLIENT_SECRET));
      if (cases[i].code == GMO_ERROR_REAUTHORIZE)
        g_assert_nonnull (strstr (error->message, "gmail-oauth login " ACCOUNT));
      after = stored ();
      g_assert_cmpstr (after->refresh_token, ==, initial->refresh_token);
      g_assert_cmpstr (after->client_secret, ==, CLIENT_SECRET);
      g_assert_cmpstr (after->access_token, ==, "ya29.old");
    }
}

static void
test_no_account (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (gmo_broker_get_token ("nobody@example.com", GMO_BROKER_FLAGS_NONE, 300, NULL,
                                       &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT);
  g_clear_error (&error);
  g_assert_null (gmo_broker_get_token ("not an address", GMO_BROKER_FLAGS_NONE, 300, NULL,
                                       &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

static gpointer
get_token_thread (gpointer data)
{
  g_autoptr (GError) error = NULL;
  GmoGrant *grant = gmo_broker_get_token (ACCOUNT, GMO_BROKER_FLAGS_NONE, 300, NULL, &error);

  g_assert_no_error (error);
  return grant;
}

/* The lock is an flock() on a file opened per call, so threads of one process
 * exclude each other as processes do. */
static void
test_concurrent_one_request (void)
{
  g_autoptr (GmoGrant) initial G_GNUC_UNUSED = setup_account (NULL, 0);
  GThread *threads[8];
  g_autofree gchar *token = NULL;

  json_object_put (gmo_test_fake_call ("POST", "/control/config", "{\"delay\": 0.3}"));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("get-token", get_token_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr (GmoGrant) grant = g_thread_join (threads[i]);

      if (token == NULL)
        token = g_strdup (grant->access_token);
      g_assert_cmpstr (grant->access_token, ==, token);
    }
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_forget_access_token (void)
{
  g_autoptr (GmoGrant) initial = setup_account ("ya29.refused", gmo_now () + 3000);
  g_autoptr (GmoGrant) after = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (gmo_broker_forget_access_token (ACCOUNT, NULL, &error));
  g_assert_no_error (error);
  after = stored ();
  g_assert_null (after->access_token);
  g_assert_cmpstr (after->refresh_token, ==, initial->refresh_token);
  grant = gmo_broker_get_token (ACCOUNT, GMO_BROKER_FLAGS_NONE, 300, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (grant->access_token, !=, "ya29.refused");
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
  /* A missing account is nothing to forget. */
  g_assert_true (gmo_broker_forget_access_token ("nobody@example.com", NULL, &error));
  g_assert_no_error (error);
}

static void
test_min_valid_default (void)
{
  g_autoptr (GmoGrant) grant = gmo_grant_new (ACCOUNT);

  g_unsetenv ("GMAIL_OAUTH_MIN_VALID");
  g_assert_cmpint (gmo_broker_min_valid_default (), ==, GMO_BROKER_DEFAULT_MIN_VALID);
  g_setenv ("GMAIL_OAUTH_MIN_VALID", "60", TRUE);
  g_assert_cmpint (gmo_broker_min_valid_default (), ==, 60);
  g_setenv ("GMAIL_OAUTH_MIN_VALID", "-5", TRUE);
  g_assert_cmpint (gmo_broker_min_valid_default (), ==, GMO_BROKER_DEFAULT_MIN_VALID);
  g_setenv ("GMAIL_OAUTH_MIN_VALID", "lots", TRUE);
  g_assert_cmpint (gmo_broker_min_valid_default (), ==, GMO_BROKER_DEFAULT_MIN_VALID);
  g_unsetenv ("GMAIL_OAUTH_MIN_VALID");

  g_assert_false (gmo_broker_token_is_fresh (grant, 300, 1000));
  grant->access_token = gmo_secret_dup ("t");
  grant->expires_at = 1301;
  g_assert_true (gmo_broker_token_is_fresh (grant, 300, 1000));
  g_assert_false (gmo_broker_token_is_fresh (grant, 300, 1001));
}

/* When a handout is checked with Google first: the same token again within
 * the window, not checked within the interval; and the record's format. */
static void
test_handout_window (void)
{
  GmoHandout handout = { "", 0, 0 };
  GmoHandout parsed;
  gchar tag[GMO_HANDOUT_TAG_LEN + 1];
  gchar other[GMO_HANDOUT_TAG_LEN + 1];
  g_autofree gchar *text = NULL;
  gint64 t = 1700000000;

  gmo_handout_tag ("ya29.one", tag);
  gmo_handout_tag ("ya29.two", other);
  g_assert_cmpuint (strlen (tag), ==, GMO_HANDOUT_TAG_LEN);
  g_assert_cmpstr (tag, !=, other);
  g_assert_null (strstr (tag, "ya29"));

  /* The first handout of a token is never checked; a repeat soon is, once. */
  g_assert_false (gmo_handout_needs_check (&handout, tag, t));
  gmo_handout_note (&handout, tag, t, FALSE);
  g_assert_true (gmo_handout_needs_check (&handout, tag, t + 5));
  g_assert_false (gmo_handout_needs_check (&handout, other, t + 5));
  gmo_handout_note (&handout, tag, t + 5, TRUE);
  g_assert_false (gmo_handout_needs_check (&handout, tag, t + 6));
  g_assert_false (gmo_handout_needs_check (&handout, tag, t + 5 + GMO_HANDOUT_CHECK_INTERVAL - 1));
  g_assert_true (gmo_handout_needs_check (&handout, tag, t + 5 + GMO_HANDOUT_CHECK_INTERVAL));
  /* A handout long after the previous one is no retry. */
  g_assert_false (gmo_handout_needs_check (&handout, tag, t + 5 + GMO_HANDOUT_WINDOW));
  /* A clock that went back: no handout is recent, every check is old. */
  g_assert_false (gmo_handout_needs_check (&handout, tag, t));
  gmo_handout_note (&handout, tag, t + 10, FALSE);
  handout.checked_at = t + 100;
  g_assert_true (gmo_handout_needs_check (&handout, tag, t + 20));
  /* Another token starts afresh: its check time is not the old token's. */
  gmo_handout_note (&handout, other, t + 30, FALSE);
  g_assert_cmpint (handout.checked_at, ==, 0);
  g_assert_true (gmo_handout_needs_check (&handout, other, t + 31));

  text = gmo_handout_format (&handout);
  g_assert_true (gmo_handout_parse (text, strlen (text), &parsed));
  g_assert_cmpstr (parsed.tag, ==, other);
  g_assert_cmpint (parsed.handed_at, ==, t + 30);
  g_assert_cmpint (parsed.checked_at, ==, 0);
  g_assert_false (gmo_handout_parse (text, strlen (text) - 1, &parsed));
  g_assert_cmpstr (parsed.tag, ==, "");
  g_assert_false (gmo_handout_parse ("", 0, &parsed));
  g_assert_false (gmo_handout_parse ("1 0123456789abcdef 1 2 3\n", 25, &parsed));
  g_assert_false (gmo_handout_parse ("1 0123456789ABCDEF 1 2\n", 23, &parsed));
  g_assert_false (gmo_handout_parse ("2 0123456789abcdef 1 2\n", 23, &parsed));
  g_assert_false (gmo_handout_parse ("1 0123456789abcdef -1 2\n", 24, &parsed));
  g_assert_false (gmo_handout_parse ("1 0123456789abcdef 1 2\0\n", 24, &parsed));
  g_assert_true (gmo_handout_parse ("1 0123456789abcdef 1 2\n", 23, &parsed));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/fresh-is-cached", test_fresh_is_cached);
  g_test_add_func ("/broker/expired-refreshes-once", test_expired_refreshes_once);
  g_test_add_func ("/broker/force", test_force);
  g_test_add_func ("/broker/rotation-persisted", test_rotation_persisted);
  g_test_add_func ("/broker/failure-keeps-grant", test_failure_keeps_grant);
  g_test_add_func ("/broker/no-account", test_no_account);
  g_test_add_func ("/broker/concurrent-one-request", test_concurrent_one_request);
  g_test_add_func ("/broker/forget-access-token", test_forget_access_token);
  g_test_add_func ("/broker/min-valid-default", test_min_valid_default);
  g_test_add_func ("/broker/handout-window", test_handout_window);
  return g_test_run ();
}
