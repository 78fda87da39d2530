/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd's attention: the state of each stored account (valid,
 * expired, no-token, needs-login with its reason) as the Accounts property,
 * and one desktop notification per dead grant, whose action starts
 * `gmail-oauth login ACCOUNT`, withdrawn when the account works again. The
 * states come from the keyring (read at start and after each change it
 * reports) and from every token request; all of it lives on the main thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-daemon.h"
#include "gmo-error.h"
#include "gmo-store.h"
#include "gmo-util.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"
/* Every call to the notification server is bounded: it may be wedged. */
#define NOTIFICATIONS_CALL_MS 5000
/* Changes of the keyring come in bursts (each refresh writes): one read after
 * a burst rather than one per change. */
#define RELIST_DELAY_MS 500

/* What the service knows of one account. */
typedef struct
{
  gchar *grant_id;          /* gmo_daemon_grant_id() of the grant last seen, nullable */
  gint64 expires_at;        /* of the known token; 0: none */
  gchar *reason;            /* non-NULL: needs a new login, and why */
  gchar *notified_grant_id; /* the dead grant a notification was posted for */
  guint notification_id;    /* the notification on screen; 0: none */
} AccountState;

static void
account_state_free (AccountState *state)
{
  g_free (state->grant_id);
  g_free (state->reason);
  g_free (state->notified_grant_id);
  g_free (state);
}

/* One account as the keyring holds it, read in a thread. */
typedef struct
{
  gchar *account;
  gchar *grant_id;
  gint64 expires_at;
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->account);
  g_free (snapshot->grant_id);
  g_free (snapshot);
}

/**
 * gmo_daemon_grant_id:
 * @grant: a grant
 *
 * Tells one grant from the next (a new login or import) without keeping a
 * secret: a SHA-256 of the client and the refresh token. A dead grant keeps
 * its id; a rotated one changes it, and only a working grant is rotated.
 *
 * Returns: (transfer full) (nullable): the id, or %NULL without a refresh token.
 */
gchar *
gmo_daemon_grant_id (const GmoGrant *grant)
{
  g_autoptr (GChecksum) checksum = NULL;

  if (grant == NULL || grant->refresh_token == NULL)
    return NULL;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *)(grant->client_id != NULL ? grant->client_id : ""),
                     -1);
  g_checksum_update (checksum, (const guchar *)"\n", 1);
  g_checksum_update (checksum, (const guchar *)grant->refresh_token, -1);
  return g_strdup (g_checksum_get_string (checksum));
}

static AccountState *
state_lookup_or_add (Daemon *daemon, const gchar *account)
{
  AccountState *state = g_hash_table_lookup (daemon->accounts, account);

  if (state == NULL)
    {
      state = g_new0 (AccountState, 1);
      g_hash_table_insert (daemon->accounts, g_strdup (account), state);
    }
  return state;
}

/* ---- the property ---- */

static gint
compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

static gboolean on_margin_passed (gpointer user_data);

/* Sets Accounts from the states (the skeleton emits PropertiesChanged when
 * the value differs), and wakes up again when a token passes its margin. */
static void
publish (Daemon *daemon)
{
  g_autofree gpointer *accounts = NULL;
  GVariantBuilder builder;
  gint64 now = gmo_now (), next = G_MAXINT64;
  guint n;

  accounts = g_hash_table_get_keys_as_array (daemon->accounts, &n);
  g_qsort_with_data (accounts, n, sizeof (gpointer), compare_strings, NULL);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (guint i = 0; i < n; i++)
    {
      const AccountState *state = g_hash_table_lookup (daemon->accounts, accounts[i]);
      const gchar *name;

      if (state->reason != NULL)
        name = "needs-login";
      else if (state->expires_at == 0)
        name = "no-token";
      else if (state->expires_at - now > daemon->min_valid)
        {
          name = "valid";
          next = MIN (next, state->expires_at - daemon->min_valid);
        }
      else
        name = "expired";
      /* Always in this order, so that the value reads the same each time. */
      g_variant_builder_open (&builder, G_VARIANT_TYPE ("{sa{sv}}"));
      g_variant_builder_add (&builder, "s", accounts[i]);
      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "state", g_variant_new_string (name));
      if (state->expires_at != 0)
        g_variant_builder_add (&builder, "{sv}", "expires_at",
                               g_variant_new_int64 (state->expires_at));
      if (state->reason != NULL)
        g_variant_builder_add (&builder, "{sv}", "reason", g_variant_new_string (state->reason));
      g_variant_builder_close (&builder);
      g_variant_builder_close (&builder);
    }
  gmo_broker1_set_accounts (daemon->skeleton, g_variant_builder_end (&builder));

  g_clear_handle_id (&daemon->margin_id, g_source_remove);
  if (next != G_MAXINT64)
    daemon->margin_id = g_timeout_add_seconds ((guint)MIN (next - now + 1, G_MAXUINT / 1000),
                                               on_margin_passed, daemon);
}

static gboolean
on_margin_passed (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->margin_id = 0;
  publish (daemon);
  return G_SOURCE_REMOVE;
}

/* ---- notifications ---- */

static void
withdraw (Daemon *daemon, AccountState *state)
{
  if (state->notification_id == 0)
    return;
  g_dbus_connection_call (daemon->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_INTERFACE, "CloseNotification",
                          g_variant_new ("(u)", state->notification_id), NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, NOTIFICATIONS_CALL_MS, NULL, NULL, NULL);
  state->notification_id = 0;
}

typedef struct
{
  Daemon *daemon;
  gchar *account;
} NotifyCall;

static void
on_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NotifyCall *call = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  AccountState *state;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("No desktop notification for %s: %s", call->account, error->message);
  else
    {
      AccountState gone = { 0 };

      state = g_hash_table_lookup (call->daemon->accounts, call->account);
      /* The account may have recovered while the notification was on its way. */
      if (state == NULL || state->reason == NULL)
        state = &gone;
      g_variant_get (reply, "(u)", &state->notification_id);
      if (state == &gone)
        withdraw (call->daemon, state);
    }
  g_free (call->account);
  g_free (call);
}

/* Posts the one notification of @state's dead grant (replacing the one of an
 * earlier grant, if it is still on screen). */
static void
notify (Daemon *daemon, const gchar *account, AccountState *state)
{
  g_autofree gchar *summary = NULL;
  g_autofree gchar *body = NULL;
  const gchar *actions[] = { "default", _ ("Log in"), "login", _ ("Log in"), NULL };
  GVariantBuilder hints;
  NotifyCall *call = g_new0 (NotifyCall, 1);

  g_free (state->notified_grant_id);
  state->notified_grant_id = g_strdup (state->grant_id != NULL ? state->grant_id : "");
  /* Translators: the title of a desktop notification; %s is an e-mail address. */
  summary = g_strdup_printf (_ ("Gmail account %s needs a new login"), account);
  /* Servers may read the body as markup. */
  body = g_markup_escape_text (state->reason, -1);
  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (1));
  call->daemon = daemon;
  call->account = g_strdup (account);
  g_debug ("Posting a notification for %s", account);
  g_dbus_connection_call (
      daemon->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_INTERFACE, "Notify",
      g_variant_new ("(susss^as@a{sv}i)", "gmail-oauth", state->notification_id, "dialog-password",
                     summary, body, actions, g_variant_builder_end (&hints), 0),
      G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, NOTIFICATIONS_CALL_MS, NULL,
      on_notified, call);
}

static const gchar *
account_of_notification (Daemon *daemon, guint id, AccountState **out_state)
{
  GHashTableIter iter;
  const gchar *account;
  AccountState *state;

  g_hash_table_iter_init (&iter, daemon->accounts);
  while (g_hash_table_iter_next (&iter, (gpointer *)&account, (gpointer *)&state))
    if (id != 0 && state->notification_id == id)
      {
        *out_state = state;
        return account;
      }
  return NULL;
}

static void
on_notification_signal (GDBusConnection *connection, const gchar *sender, const gchar *path,
                        const gchar *interface, const gchar *member, GVariant *parameters,
                        gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;
  AccountState *state = NULL;
  const gchar *account, *key;
  guint id;

  if (g_strcmp0 (member, "ActionInvoked") == 0
      && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    {
      g_variant_get (parameters, "(u&s)", &id, &key);
      account = account_of_notification (daemon, id, &state);
      if (account == NULL || (!g_str_equal (key, "login") && !g_str_equal (key, "default")))
        return;
      {
        const gchar *argv[] = { "gmail-oauth", "login", account, NULL };

        g_debug ("Starting “gmail-oauth login %s”", account);
        if (!g_spawn_async (NULL, (gchar **)argv, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, NULL,
                            &error))
          g_warning ("Cannot start “gmail-oauth login %s”: %s", account, error->message);
      }
    }
  else if (g_strcmp0 (member, "NotificationClosed") == 0
           && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    {
      g_variant_get (parameters, "(uu)", &id, NULL);
      /* Dismissed: not posted again for the same grant. */
      if (account_of_notification (daemon, id, &state) != NULL)
        state->notification_id = 0;
    }
}

/* ---- what token requests and the keyring tell ---- */

/* The account works (again): a token, or a grant other than the dead one. */
static void
recovered (Daemon *daemon, AccountState *state)
{
  g_clear_pointer (&state->reason, g_free);
  g_clear_pointer (&state->notified_grant_id, g_free);
  withdraw (daemon, state);
}

/**
 * gmo_daemon_attention_token:
 * @daemon: the daemon
 * @account: a normalised account
 * @expires_at: the expiry of the token a request got
 * @grant_id: (nullable): gmo_daemon_grant_id() of its grant, when known
 *
 * A token request succeeded.
 */
void
gmo_daemon_attention_token (Daemon *daemon, const gchar *account, gint64 expires_at,
                            const gchar *grant_id)
{
  AccountState *state = state_lookup_or_add (daemon, account);

  if (state->reason != NULL)
    g_debug ("%s works again", account);
  recovered (daemon, state);
  state->expires_at = expires_at;
  if (grant_id != NULL)
    {
      g_free (state->grant_id);
      state->grant_id = g_strdup (grant_id);
    }
  publish (daemon);
}

/**
 * gmo_daemon_attention_failed:
 * @daemon: the daemon
 * @account: a normalised account
 * @error: why the request failed
 * @grant_id: (nullable): gmo_daemon_grant_id() of the grant that failed
 * @granted_at: when that grant was made (0: unknown)
 *
 * A token request failed: a dead grant (Reauthorize) makes the account need a
 * login, and posts one notification for that grant; a missing record drops
 * the account. Other failures say nothing of the grant.
 */
void
gmo_daemon_attention_failed (Daemon *daemon, const gchar *account, const GError *error,
                             const gchar *grant_id, gint64 granted_at)
{
  AccountState *state;

  if (g_error_matches (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT))
    {
      state = g_hash_table_lookup (daemon->accounts, account);
      if (state != NULL)
        {
          withdraw (daemon, state);
          g_hash_table_remove (daemon->accounts, account);
          publish (daemon);
        }
      return;
    }
  if (!g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
    return;

  state = state_lookup_or_add (daemon, account);
  g_free (state->reason);
  if (gmo_broker_age_is_testing_limit (granted_at, gmo_now ()))
    state->reason = g_strdup_printf (
        /* Translators: %s is an e-mail address; “Testing” is a publishing status in
         * Google's console. */
        _ ("%s: the grant ended 7 days after consent, as Google ends the grants of apps in "
           "“Testing” publishing status: publish the app (Google Cloud Console, OAuth consent "
           "screen, “In production”), then log in again with “gmail-oauth login %s”"),
        account, account);
  else
    state->reason = g_strdup (error->message);
  state->expires_at = 0;
  if (grant_id != NULL)
    {
      g_free (state->grant_id);
      state->grant_id = g_strdup (grant_id);
    }
  if (g_strcmp0 (state->notified_grant_id, state->grant_id != NULL ? state->grant_id : "") != 0)
    notify (daemon, account, state);
  publish (daemon);
}

static void
list_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  g_autoptr (GPtrArray) grants = NULL;
  GPtrArray *snapshots;
  GError *error = NULL;

  grants = gmo_store_list (cancellable, &error);
  if (grants == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify)snapshot_free);
  for (guint i = 0; i < grants->len; i++)
    {
      const GmoGrant *grant = g_ptr_array_index (grants, i);
      Snapshot *snapshot = g_new0 (Snapshot, 1);

      snapshot->account = g_strdup (grant->account);
      snapshot->grant_id = gmo_daemon_grant_id (grant);
      snapshot->expires_at = grant->access_token != NULL ? grant->expires_at : 0;
      g_ptr_array_add (snapshots, snapshot);
    }
  g_task_return_pointer (task, snapshots, (GDestroyNotify)g_ptr_array_unref);
}

static void start_list (Daemon *daemon);

/* The keyring as it is now: accounts added, removed, replaced by a new grant. */
static void
on_list_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GPtrArray) snapshots = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  const gchar *account;
  AccountState *state;

  daemon->listing = FALSE;
  snapshots = g_task_propagate_pointer (G_TASK (result), &error);
  if (snapshots == NULL)
    g_debug ("Cannot read the accounts: %s", error->message);
  for (guint i = 0; snapshots != NULL && i < snapshots->len; i++)
    {
      const Snapshot *snapshot = g_ptr_array_index (snapshots, i);

      state = state_lookup_or_add (daemon, snapshot->account);
      g_hash_table_add (seen, snapshot->account);
      /* A dead grant stays dead until another takes its place. */
      if (state->reason != NULL && g_strcmp0 (state->grant_id, snapshot->grant_id) == 0)
        continue;
      if (state->reason != NULL)
        g_debug ("%s has a new grant", snapshot->account);
      recovered (daemon, state);
      g_free (state->grant_id);
      state->grant_id = g_strdup (snapshot->grant_id);
      state->expires_at = snapshot->expires_at;
    }
  g_hash_table_iter_init (&iter, daemon->accounts);
  while (snapshots != NULL
         && g_hash_table_iter_next (&iter, (gpointer *)&account, (gpointer *)&state))
    if (!g_hash_table_contains (seen, account))
      {
        withdraw (daemon, state);
        g_hash_table_iter_remove (&iter);
      }
  publish (daemon);
  if (daemon->relist_again)
    start_list (daemon);
}

static void
start_list (Daemon *daemon)
{
  g_autoptr (GTask) task = NULL;

  daemon->relist_again = FALSE;
  daemon->listing = TRUE;
  task = g_task_new (NULL, NULL, on_list_done, daemon);
  g_task_set_source_tag (task, start_list);
  g_task_run_in_thread (task, list_thread);
}

static gboolean
on_relist (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->relist_id = 0;
  if (daemon->listing)
    daemon->relist_again = TRUE;
  else
    start_list (daemon);
  return G_SOURCE_REMOVE;
}

static gboolean
on_keyring_changed (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->relist_id == 0)
    daemon->relist_id = g_timeout_add (RELIST_DELAY_MS, on_relist, daemon);
  return G_SOURCE_REMOVE;
}

/**
 * gmo_daemon_attention_keyring_changed:
 * @daemon: the daemon
 *
 * The keyring reported a change: the accounts are read again shortly. Called
 * from the GDBus worker thread.
 */
void
gmo_daemon_attention_keyring_changed (Daemon *daemon)
{
  gmo_daemon_run_on_main (on_keyring_changed, daemon, NULL);
}

/**
 * gmo_daemon_attention_needed:
 * @daemon: the daemon
 *
 * Returns: whether an account needs a login (the service then stays, to
 * withdraw its notification and not to post it again).
 */
gboolean
gmo_daemon_attention_needed (Daemon *daemon)
{
  GHashTableIter iter;
  AccountState *state;

  g_hash_table_iter_init (&iter, daemon->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&state))
    if (state->reason != NULL)
      return TRUE;
  return FALSE;
}

/**
 * gmo_daemon_attention_start:
 * @daemon: the daemon, on the bus
 *
 * Listens to the notification server and reads the accounts.
 */
void
gmo_daemon_attention_start (Daemon *daemon)
{
  daemon->accounts
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)account_state_free);
  g_dbus_connection_signal_subscribe (
      daemon->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_INTERFACE, NULL, NOTIFICATIONS_PATH,
      NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_notification_signal, daemon, NULL);
  start_list (daemon);
}

/**
 * gmo_daemon_attention_stop:
 * @daemon: the daemon
 *
 * Withdraws the notifications, whose action nobody would answer any more.
 */
void
gmo_daemon_attention_stop (Daemon *daemon)
{
  GHashTableIter iter;
  AccountState *state;

  if (daemon->accounts == NULL)
    return;
  g_clear_handle_id (&daemon->margin_id, g_source_remove);
  g_clear_handle_id (&daemon->relist_id, g_source_remove);
  g_hash_table_iter_init (&iter, daemon->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&state))
    withdraw (daemon, state);
}
