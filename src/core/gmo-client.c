/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The client side of gmail-oauthd, for every door but the service itself:
 * a token is asked of the service on the session bus, which answers from
 * memory, and only when the service cannot answer is the core asked directly
 * (gmo_broker_get_token()). Both give the same answers: the service runs the
 * same core, its errors come back as the same GMO_ERROR classes with the same
 * messages, and the per-account lock keeps the two to one token request
 * between them. Nothing on the way to the service calls libsecret. */
#include "config.h"

#include "gmo-broker-private.h"
#include "gmo-client.h"
#include "gmo-error.h"
#include "gmo-util.h"

/* How long the bus may take to activate the service. */
#define ACTIVATION_MS 5000
/* A running service that has not answered within this long is pinged (the
 * ping is answered by its GDBus thread), and again each time this long
 * passes: a stopped or vanished process is given up within two of these,
 * while a refresh that takes long (the network's retries) is waited for. */
#define PING_MS 1000
/* The call's own bound, past the service's watchdog, which answers every call. */
#define CALL_MS ((GMO_CLIENT_SERVICE_WATCHDOG_SECONDS + 10) * 1000)
/* A property of a running service: answered by its main loop at once. */
#define PROPERTY_MS 2000

/**
 * gmo_client_token_url_setting:
 *
 * The token endpoint as this process's environment sets it: the value of
 * GMAIL_OAUTH_TOKEN_URL, or "" for Google's. The service answers only a
 * caller that would use the same endpoint (a caller with its own endpoint is
 * served by the core directly).
 *
 * Returns: (transfer none): the setting.
 */
const gchar *
gmo_client_token_url_setting (void)
{
  const gchar *url = g_getenv ("GMAIL_OAUTH_TOKEN_URL");

  return url != NULL ? url : "";
}

/* One call to the service, waited for in a private main context. */
typedef struct
{
  GDBusConnection *connection;
  GCancellable *cancellable;      /* of the call: cancelled when the service stops answering */
  GCancellable *ping_cancellable; /* of the ping in flight */
  GVariant *reply;
  GError *error;
  gboolean done;
  gboolean pinging;
} Call;

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
}

static void
on_ping_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  call->pinging = FALSE;
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && !call->done)
    {
      g_debug ("gmail-oauthd does not answer a ping: %s", error->message);
      g_cancellable_cancel (call->cancellable);
    }
}

static gboolean
on_ping_timer (gpointer user_data)
{
  Call *call = user_data;

  if (!call->pinging)
    {
      call->pinging = TRUE;
      g_dbus_connection_call (call->connection, GMO_CLIENT_BUS_NAME, GMO_CLIENT_OBJECT_PATH,
                              "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                              G_DBUS_CALL_FLAGS_NO_AUTO_START, PING_MS, call->ping_cancellable,
                              on_ping_done, call);
    }
  return G_SOURCE_CONTINUE;
}

/* Calls @method of a running service (no activation) with @parameters and
 * waits while it answers pings; @outer cancels the call. Returns (transfer
 * full) the reply of @reply_type, or %NULL with @error set. */
static GVariant *
call_running (GDBusConnection *connection, const gchar *method, GVariant *parameters,
              const GVariantType *reply_type, GCancellable *outer, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GCancellable) ping_cancellable = g_cancellable_new ();
  g_autoptr (GSource) timer = g_timeout_source_new (PING_MS);
  Call call = { connection, cancellable, ping_cancellable, NULL, NULL, FALSE, FALSE };
  gulong outer_id = 0;

  if (outer != NULL)
    outer_id = gmo_cancellable_forward (outer, cancellable);
  g_main_context_push_thread_default (context);
  g_source_set_callback (timer, on_ping_timer, &call, NULL);
  g_source_attach (timer, context);
  g_dbus_connection_call (connection, GMO_CLIENT_BUS_NAME, GMO_CLIENT_OBJECT_PATH,
                          GMO_CLIENT_INTERFACE, method, parameters, reply_type,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_MS, cancellable, on_call_done,
                          &call);
  while (!call.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  /* The ping's callback must run before @call goes away. */
  g_cancellable_cancel (ping_cancellable);
  while (call.pinging)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  if (outer != NULL)
    g_cancellable_disconnect (outer, outer_id);

  if (call.reply == NULL)
    g_propagate_error (error, call.error);
  return call.reply;
}

/* call_running(), activating the service first when nobody owns its name. */
static GVariant *
call_service (GDBusConnection *connection, const gchar *method, GVariant *parameters,
              const GVariantType *reply_type, GCancellable *cancellable, GError **error)
{
  g_autoptr (GVariant) kept = g_variant_ref_sink (parameters);
  g_autoptr (GVariant) started = NULL;
  g_autoptr (GError) local_error = NULL;
  GVariant *reply;

  reply = call_running (connection, method, kept, reply_type, cancellable, &local_error);
  if (reply != NULL)
    return reply;
  if (!g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      && !g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* Activated apart from the call, so that activation has its own bound. */
  started = g_dbus_connection_call_sync (
      connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "StartServiceByName", g_variant_new ("(su)", GMO_CLIENT_BUS_NAME, 0), G_VARIANT_TYPE ("(u)"),
      G_DBUS_CALL_FLAGS_NONE, ACTIVATION_MS, cancellable, error);
  if (started == NULL)
    return NULL;
  return call_running (connection, method, kept, reply_type, cancellable, error);
}

/* After a call that failed with *@local_error: whether the service answered
 * it (an error of its classes, which goes to @error as it is), or not (none
 * there, an older one, one that stopped answering or uses another endpoint,
 * a broken installation), when the caller does the work itself. */
static gboolean
service_answered (GError **local_error, GError **error)
{
  if ((*local_error)->domain == GMO_ERROR)
    {
      g_dbus_error_strip_remote_error (*local_error);
      g_propagate_error (error, g_steal_pointer (local_error));
      return TRUE;
    }
  g_debug ("Reading the keyring directly, as gmail-oauthd did not answer: %s",
           (*local_error)->message);
  return FALSE;
}

/* RequestToken. Returns (transfer full) the reply, or %NULL with @error set. */
static GVariant *
request_token (GDBusConnection *connection, const gchar *account, GmoBrokerFlags flags,
               gint64 min_valid, GCancellable *cancellable, GError **error)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "min-valid", "u", (guint32)min_valid);
  g_variant_dict_insert (&dict, "refresh", "b", (flags & GMO_BROKER_FORCE_REFRESH) != 0);
  g_variant_dict_insert (&dict, "token-url", "s", gmo_client_token_url_setting ());
  if (flags & GMO_BROKER_OWN_USE)
    g_variant_dict_insert (&dict, "own-use", "b", TRUE);
  return call_service (connection, "RequestToken",
                       g_variant_new ("(s@a{sv})", account, g_variant_dict_end (&dict)),
                       G_VARIANT_TYPE ("(sxa{sv})"), cancellable, error);
}

/**
 * gmo_client_get_token:
 * @account: an account (normalised here)
 * @flags: %GMO_BROKER_FORCE_REFRESH to refresh even a fresh token,
 *   %GMO_BROKER_OWN_USE for this process's own requests
 * @min_valid: the freshness margin in seconds (0 to %GMO_BROKER_MAX_MIN_VALID)
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * gmo_broker_get_token() through gmail-oauthd when it can answer (activating
 * it when needed), else directly, with the same answers and errors either way.
 * A token for this process's own use comes from its memory while it is fresh
 * there (gmo_broker_cache_tokens()).
 *
 * Returns: (transfer full): a grant holding the normalised account, a valid
 * access token, its expiry and the granted scopes when known (the other
 * fields may be unset), or %NULL with @error set.
 */
GmoGrant *
gmo_client_get_token (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                      GCancellable *cancellable, GError **error)
{
  g_autofree gchar *normalized = NULL;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) details = NULL;
  g_autoptr (GError) local_error = NULL;
  GmoGrant *grant;
  const gchar *token, *scope;

  g_return_val_if_fail (min_valid >= 0 && min_valid <= GMO_BROKER_MAX_MIN_VALID, NULL);

  normalized = gmo_account_normalize (account, error);
  if (normalized == NULL)
    return NULL;
  /* A token handed to others goes through the service, which checks it when
   * it is handed out again soon; this process's own use needs no check. */
  if ((flags & (GMO_BROKER_OWN_USE | GMO_BROKER_FORCE_REFRESH)) == GMO_BROKER_OWN_USE
      && (grant = gmo_broker_cached_token (normalized, min_valid)) != NULL)
    return grant;
  /* The keyring is on the session bus too: a bus that does not let us in
   * fails the direct path first, in the same way and after the same wait. */
  connection = gmo_keyring_get_bus (NULL, error);
  if (connection == NULL)
    return NULL;
  /* Registers the D-Bus names of the classes, so that the service's errors
   * come back as GMO_ERROR. */
  (void)gmo_error_quark ();

  reply = request_token (connection, normalized, flags, min_valid, cancellable, &local_error);
  if (reply == NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (reply == NULL)
    return service_answered (&local_error, error)
               ? NULL
               : gmo_broker_get_token (normalized, flags, min_valid, cancellable, error);

  grant = gmo_grant_new (normalized);
  g_variant_get (reply, "(&sx@a{sv})", &token, &grant->expires_at, &details);
  grant->access_token = gmo_secret_dup (token);
  if (g_variant_lookup (details, "scope", "&s", &scope))
    grant->scopes = g_strdup (scope);
  gmo_broker_cache_token (grant);
  return grant;
}

/**
 * gmo_client_list_accounts:
 * @error: return location for an error
 *
 * gmo_store_list() through gmail-oauthd when it can answer (activating it
 * when needed), else directly: the service's list holds no secret, so its
 * grants carry the account alone.
 *
 * Returns: (transfer full) (element-type GmoGrant): the stored accounts, or
 * %NULL with @error set.
 */
GPtrArray *
gmo_client_list_accounts (GError **error)
{
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  g_autoptr (GError) local_error = NULL;
  GVariant *entry;
  GPtrArray *grants;

  connection = gmo_keyring_get_bus (NULL, error);
  if (connection == NULL)
    return NULL;
  (void)gmo_error_quark ();
  reply = call_service (connection, "ListAccounts", g_variant_new ("()"),
                        G_VARIANT_TYPE ("(aa{sv})"), NULL, &local_error);
  if (reply == NULL)
    return service_answered (&local_error, error) ? NULL : gmo_store_list (NULL, error);
  grants = g_ptr_array_new_with_free_func ((GDestroyNotify)gmo_grant_free);
  g_variant_get (reply, "(aa{sv})", &iter);
  while ((entry = g_variant_iter_next_value (iter)) != NULL)
    {
      const gchar *account;

      if (g_variant_lookup (entry, "account", "&s", &account))
        g_ptr_array_add (grants, gmo_grant_new (account));
      g_variant_unref (entry);
    }
  return grants;
}

/**
 * gmo_client_account_state:
 * @account: a normalised account
 *
 * What a running gmail-oauthd knows of @account (its Accounts property):
 * without a running service, or if it does not answer within a bound, nothing.
 * The service is not started for this.
 *
 * Returns: (transfer full) (nullable): the account's "a{sv}" ("state",
 * "expires_at", "reason"), or %NULL.
 */
GVariant *
gmo_client_account_state (const gchar *account)
{
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) accounts = NULL;
  g_autoptr (GError) error = NULL;

  connection = gmo_keyring_get_bus (NULL, &error);
  if (connection != NULL)
    reply = g_dbus_connection_call_sync (connection, GMO_CLIENT_BUS_NAME, GMO_CLIENT_OBJECT_PATH,
                                         "org.freedesktop.DBus.Properties", "Get",
                                         g_variant_new ("(ss)", GMO_CLIENT_INTERFACE, "Accounts"),
                                         G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                         PROPERTY_MS, NULL, &error);
  if (reply == NULL)
    {
      g_debug ("No state from gmail-oauthd: %s", error->message);
      return NULL;
    }
  g_variant_get (reply, "(v)", &accounts);
  if (!g_variant_is_of_type (accounts, G_VARIANT_TYPE ("a{sa{sv}}")))
    return NULL;
  return g_variant_lookup_value (accounts, account, G_VARIANT_TYPE_VARDICT);
}
