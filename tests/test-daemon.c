/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd through a GDBus client, on the real session bus of
 * tests/with-session, with the real keyring and the stand-in for Google. The
 * first test activates the service from the build tree's service file; the
 * others talk to that same instance, in order. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "gmo-dbus-generated.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-store.h"
#include "gmo-test-util.h"
#include "gmo-util.h"

#define BUS_NAME "io.github.gmail_oauth.Broker"
#define OBJECT_PATH "/io/github/gmail_oauth/Broker"
#define INTERFACE "io.github.gmail_oauth.Broker1"
#define CLIENT_ID "daemon-client.apps.googleusercontent.com"
#define CLIENT_SECRET "daemon-client-secret"

static GDBusConnection *bus;
static GmoBroker1 *broker;
static GPtrArray *signals; /* "Member account", as received */

static void
on_signal (GDBusConnection *connection, const gchar *sender, const gchar *path,
           const gchar *interface, const gchar *member, GVariant *parameters, gpointer user_data)
{
  const gchar *account = NULL;

  g_variant_get_child (parameters, 0, "&s", &account);
  g_ptr_array_add (signals, g_strdup_printf ("%s %s", member, account));
}

/* Looks for the signal "@member @account", waiting up to @timeout_ms. The
 * service emits its signals before it answers, so after a reply a timeout of
 * 0 suffices to see that a signal did not come. */
static gboolean
wait_for_signal (const gchar *member, const gchar *account, gint timeout_ms)
{
  g_autofree gchar *wanted = g_strdup_printf ("%s %s", member, account);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  do
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      for (guint i = 0; i < signals->len; i++)
        if (g_str_equal (g_ptr_array_index (signals, i), wanted))
          {
            g_ptr_array_remove_index (signals, i);
            return TRUE;
          }
      g_usleep (1000);
    }
  while (g_get_monotonic_time () < deadline);
  return FALSE;
}

static void
drain_signals (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_set_size (signals, 0);
}

/* Stores a grant the stand-in knows for @account, without an access token. */
static void
add_account (const gchar *account)
{
  g_autoptr (GmoGrant) grant = gmo_grant_new (account);
  g_autoptr (GError) error = NULL;

  grant->client_id = g_strdup (CLIENT_ID);
  grant->client_secret = gmo_secret_dup (CLIENT_SECRET);
  grant->refresh_token = gmo_test_fake_add_grant (CLIENT_ID, CLIENT_SECRET);
  grant->granted_at = gmo_now ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_no_error (error);
}

static gchar *
get_token (const gchar *account, gint64 *out_expires_at, GError **error)
{
  gchar *token = NULL;
  gint64 expires_at = 0;

  if (!gmo_broker1_call_get_access_token_sync (broker, account, G_DBUS_CALL_FLAGS_NONE, -1, &token,
                                               &expires_at, NULL, error))
    return NULL;
  if (out_expires_at != NULL)
    *out_expires_at = expires_at;
  return token;
}

static void
assert_error (const GError *error, GmoError code, const gchar *dbus_name)
{
  g_autofree gchar *remote = NULL;

  g_assert_error (error, GMO_ERROR, (gint)code);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, dbus_name);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_activation (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *exe = NULL;
  g_autofree gchar *proc = NULL;
  g_autofree gchar *expected = NULL;
  gboolean has_owner = TRUE;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  g_assert_false (has_owner);
  g_clear_pointer (&reply, g_variant_unref);

  /* The first call starts the service through the build tree's service file. */
  add_account ("alice@example.com");
  token = get_token ("alice@example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (token, "ya29."));

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  proc = g_strdup_printf ("/proc/%u/exe", pid);
  exe = g_file_read_link (proc, &error);
  g_assert_no_error (error);
  expected = g_build_filename (g_getenv ("top_builddir"), "gmail-oauthd", NULL);
  g_assert_cmpstr (exe, ==, expected);
}

static void
test_get_access_token (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  gint64 expires_at = 0, again = 0;

  add_account ("bob@example.com");
  gmo_test_fake_reset ();
  drain_signals ();

  /* No token stored: the service refreshes, announces it, and caches it. */
  first = get_token ("Bob@Example.COM", &expires_at, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (first, "ya29."));
  g_assert_cmpint (expires_at, >, gmo_now () + 3000);
  g_assert_cmpint (expires_at, <=, gmo_now () + 3600);
  g_assert_true (wait_for_signal ("TokenRefreshed", "bob@example.com", 0));

  second = get_token ("bob@example.com", &again, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, first);
  g_assert_cmpint (again, ==, expires_at);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
  /* A cached answer is no refresh. */
  g_assert_false (wait_for_signal ("TokenRefreshed", "bob@example.com", 0));
}

static void
test_refresh (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *refreshed = NULL;
  g_autofree gchar *after = NULL;
  gint64 expires_at = 0;

  before = get_token ("bob@example.com", NULL, &error);
  g_assert_no_error (error);
  gmo_test_fake_reset ();
  drain_signals ();

  g_assert_true (gmo_broker1_call_refresh_sync (broker, "bob@example.com", G_DBUS_CALL_FLAGS_NONE,
                                                -1, &refreshed, &expires_at, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (refreshed, !=, before);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
  g_assert_true (wait_for_signal ("TokenRefreshed", "bob@example.com", 0));

  /* The cache holds the new token. */
  after = get_token ("bob@example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, refreshed);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static GVariant *
find_account (GVariant *accounts, const gchar *account)
{
  for (gsize i = 0; i < g_variant_n_children (accounts); i++)
    {
      g_autoptr (GVariant) entry = g_variant_get_child_value (accounts, i);
      const gchar *name = NULL;

      if (g_variant_lookup (entry, "account", "&s", &name) && g_str_equal (name, account))
        return g_steal_pointer (&entry);
    }
  return NULL;
}

static void
test_list_accounts (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) accounts = NULL;
  g_autoptr (GVariant) bob = NULL;
  g_autoptr (GVariant) carol = NULL;
  g_autoptr (GmoGrant) stored = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *text = NULL;
  const gchar *state = NULL;
  gint64 expires_at = 0, listed = -1;

  add_account ("carol@example.com");
  token = get_token ("bob@example.com", &expires_at, &error);
  g_assert_no_error (error);

  g_assert_true (gmo_broker1_call_list_accounts_sync (broker, G_DBUS_CALL_FLAGS_NONE, -1, &accounts,
                                                      NULL, &error));
  g_assert_no_error (error);
  bob = find_account (accounts, "bob@example.com");
  g_assert_nonnull (bob);
  g_assert_cmpuint (g_variant_n_children (bob), ==, 3);
  g_assert_true (g_variant_lookup (bob, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "valid");
  g_assert_true (g_variant_lookup (bob, "expires_at", "x", &listed));
  g_assert_cmpint (listed, ==, expires_at);

  carol = find_account (accounts, "carol@example.com");
  g_assert_nonnull (carol);
  g_assert_true (g_variant_lookup (carol, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "no-token");
  g_assert_true (g_variant_lookup (carol, "expires_at", "x", &listed));
  g_assert_cmpint (listed, ==, 0);

  /* Never a secret. */
  stored = gmo_store_lookup ("bob@example.com", NULL, &error);
  g_assert_no_error (error);
  text = g_variant_print (accounts, FALSE);
  g_assert_null (strstr (text, token));
  g_assert_null (strstr (text, stored->refresh_token));
  g_assert_null (strstr (text, CLIENT_SECRET));
}

typedef struct
{
  const gchar *fault;
  gint count;
  GmoError code;
  const gchar *dbus_name;
} FaultCase;

static void
test_errors_from_endpoint (void)
{
  static const FaultCase cases[] = {
    { "invalid_grant", 1, GMO_ERROR_REAUTHORIZE, "io.github.gmail_oauth.Error.Reauthorize" },
    { "invalid_client", 1, GMO_ERROR_BAD_CLIENT, "io.github.gmail_oauth.Error.BadClient" },
    { "503", 3, GMO_ERROR_TRANSIENT, "io.github.gmail_oauth.Error.Transient" },
    { "non_json", 1, GMO_ERROR_BAD_RESPONSE, "io.github.gmail_oauth.Error.BadResponse" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *token = NULL;
      gint64 expires_at = 0;

      g_test_message ("fault %s", cases[i].fault);
      gmo_test_fake_reset ();
      gmo_test_fake_fault (cases[i].fault, cases[i].count);
      drain_signals ();
      g_assert_false (gmo_broker1_call_refresh_sync (broker, "bob@example.com",
                                                     G_DBUS_CALL_FLAGS_NONE, -1, &token,
                                                     &expires_at, NULL, &error));
      assert_error (error, cases[i].code, cases[i].dbus_name);
      g_assert_nonnull (strstr (error->message, "bob@example.com"));
      g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, cases[i].count);
      g_assert_cmpint (wait_for_signal ("AuthorizationRequired", "bob@example.com", 0), ==,
                       cases[i].code == GMO_ERROR_REAUTHORIZE);
    }

  /* The service still serves the account afterwards. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *token = NULL;

    gmo_test_fake_reset ();
    token = get_token ("bob@example.com", NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (token);
  }
}

static void
test_errors_from_request (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *huge = g_strnfill (100 * 1024, 'a');
  const gchar *bad_accounts[] = { "", "not-an-address", "two@at@example.com", huge };

  g_assert_null (get_token ("nobody@example.com", NULL, &error));
  assert_error (error, GMO_ERROR_NO_ACCOUNT, "io.github.gmail_oauth.Error.NoAccount");
  g_clear_error (&error);
  g_assert_false (gmo_broker1_call_remove_account_sync (broker, "nobody@example.com",
                                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error));
  assert_error (error, GMO_ERROR_NO_ACCOUNT, "io.github.gmail_oauth.Error.NoAccount");
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad_accounts); i++)
    {
      g_autofree gchar *token = NULL;
      gint64 expires_at = 0;

      g_assert_null (get_token (bad_accounts[i], NULL, &error));
      assert_error (error, GMO_ERROR_USAGE, "io.github.gmail_oauth.Error.Usage");
      g_clear_error (&error);
      g_assert_false (gmo_broker1_call_refresh_sync (
          broker, bad_accounts[i], G_DBUS_CALL_FLAGS_NONE, -1, &token, &expires_at, NULL, &error));
      assert_error (error, GMO_ERROR_USAGE, "io.github.gmail_oauth.Error.Usage");
      g_clear_error (&error);
      g_assert_false (gmo_broker1_call_remove_account_sync (
          broker, bad_accounts[i], G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error));
      assert_error (error, GMO_ERROR_USAGE, "io.github.gmail_oauth.Error.Usage");
      g_clear_error (&error);
    }
}

static GVariant *
raw_call (const gchar *interface, const gchar *method, GVariant *parameters, GError **error)
{
  return g_dbus_connection_call_sync (bus, BUS_NAME, OBJECT_PATH, interface, method, parameters,
                                      NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
}

static void
test_malformed_calls (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree gchar *token = NULL;

  reply = raw_call (INTERFACE, "GetAccessToken", g_variant_new ("(i)", 42), &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  reply = raw_call (INTERFACE, "GetAccessToken", NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  reply = raw_call (INTERFACE, "Refresh", g_variant_new ("(ss)", "bob@example.com", "x"), &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  reply = raw_call (INTERFACE, "ListAccounts", g_variant_new ("(s)", "bob@example.com"), &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  reply = raw_call (INTERFACE, "GetRefreshToken", g_variant_new ("(s)", "bob@example.com"), &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_clear_error (&error);
  reply = raw_call ("io.github.gmail_oauth.Nothing", "GetAccessToken",
                    g_variant_new ("(s)", "bob@example.com"), &error);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Still serving. */
  token = get_token ("bob@example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
}

static void
on_refresh_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  gint64 expires_at = 0;

  g_assert_true (
      gmo_broker1_call_refresh_finish (GMO_BROKER1 (source), &token, &expires_at, result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* A slow refresh of one account does not hold up another. The bound is
 * behaviour, not a benchmark: blocked behind the refresh, the call would take
 * the stand-in's 3 s delay; 1 s leaves room for a loaded, sanitized build. */
static void
test_other_account_stays_responsive (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cached = NULL;
  g_autofree gchar *token = NULL;
  gboolean done = FALSE;
  gint64 start, elapsed;

  add_account ("dave@example.com");
  cached = get_token ("dave@example.com", NULL, &error);
  g_assert_no_error (error);

  gmo_test_fake_reset ();
  json_object_put (gmo_test_fake_call ("POST", "/control/config", "{\"delay\": 3.0}"));
  gmo_broker1_call_refresh (broker, "bob@example.com", G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                            on_refresh_done, &done);
  /* The stand-in counts the request before it sleeps: wait until it is in flight. */
  start = g_get_monotonic_time ();
  while (gmo_test_fake_stat ("token_requests") < 1)
    {
      g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
      g_usleep (10 * 1000);
    }

  start = g_get_monotonic_time ();
  token = get_token ("dave@example.com", NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, cached);
  g_test_message (
      "GetAccessToken of a cached account during a slow refresh: %" G_GINT64_FORMAT " us", elapsed);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC);
  g_assert_false (done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  json_object_put (gmo_test_fake_call ("POST", "/control/reset", "{}"));
}

static void
test_remove_account (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) accounts = NULL;
  g_autoptr (GVariant) entry = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *again = NULL;

  token = get_token ("carol@example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gmo_broker1_call_remove_account_sync (broker, "Carol@example.com",
                                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (gmo_broker1_call_list_accounts_sync (broker, G_DBUS_CALL_FLAGS_NONE, -1, &accounts,
                                                      NULL, &error));
  g_assert_no_error (error);
  entry = find_account (accounts, "carol@example.com");
  g_assert_null (entry);
  grant = gmo_store_lookup ("carol@example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (grant);
  /* The cached token went with the record. */
  again = get_token ("carol@example.com", NULL, &error);
  assert_error (error, GMO_ERROR_NO_ACCOUNT, "io.github.gmail_oauth.Error.NoAccount");
  g_assert_null (again);
}

/* An activated service inherits the bus's environment, which predates the
 * stand-in: point it at the stand-in, as a desktop session would point it at
 * its settings. */
static void
update_activation_environment (void)
{
  static const gchar *const names[]
      = { "GMAIL_OAUTH_TOKEN_URL", "GMAIL_OAUTH_AUTH_URL", "GMAIL_OAUTH_REVOKE_URL" };
  GVariantBuilder builder;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_variant_builder_add (&builder, "{ss}", names[i], g_getenv (names[i]));
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "UpdateActivationEnvironment",
                                       g_variant_new ("(a{ss})", &builder), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("GMO_FAKE_GOOGLE") == NULL || g_getenv ("top_builddir") == NULL)
    {
      g_test_skip ("needs tests/with-session");
      return g_test_run ();
    }
  /* Registers the D-Bus names of our errors in this process too. */
  (void)gmo_error_quark ();

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  update_activation_environment ();
  signals = g_ptr_array_new_with_free_func (g_free);
  g_dbus_connection_signal_subscribe (bus, NULL, INTERFACE, NULL, OBJECT_PATH, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
  broker = gmo_broker1_proxy_new_sync (bus,
                                       G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES
                                           | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS
                                           | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION,
                                       BUS_NAME, OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);

  /* In this order: the first activates the service, the others share it. */
  g_test_add_func ("/daemon/activation", test_activation);
  g_test_add_func ("/daemon/get-access-token", test_get_access_token);
  g_test_add_func ("/daemon/refresh", test_refresh);
  g_test_add_func ("/daemon/list-accounts", test_list_accounts);
  g_test_add_func ("/daemon/errors-from-endpoint", test_errors_from_endpoint);
  g_test_add_func ("/daemon/errors-from-request", test_errors_from_request);
  g_test_add_func ("/daemon/malformed-calls", test_malformed_calls);
  g_test_add_func ("/daemon/other-account-stays-responsive", test_other_account_stays_responsive);
  g_test_add_func ("/daemon/remove-account", test_remove_account);
  status = g_test_run ();

  g_object_unref (broker);
  g_object_unref (bus);
  g_ptr_array_unref (signals);
  return status;
}
