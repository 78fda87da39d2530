/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-store.h"

/* One record per account. The secret is a JSON object holding every field of
 * GmoGrant; the attributes say only which account and which record version,
 * since attributes are not confidential. */
static const SecretSchema grant_schema = {
  "io.github.gmail_oauth.Grant",
  SECRET_SCHEMA_NONE,
  {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "version", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { NULL, 0 },
  },
};

#define GRANT_SCHEMA_VERSION "1"

/**
 * gmo_grant_new:
 * @account: a normalised account
 *
 * Returns: (transfer full): an empty grant for @account.
 */
GmoGrant *
gmo_grant_new (const gchar *account)
{
  GmoGrant *grant = g_new0 (GmoGrant, 1);

  grant->account = g_strdup (account);
  return grant;
}

/**
 * gmo_grant_copy:
 * @grant: a grant
 *
 * Returns: (transfer full): a deep copy.
 */
GmoGrant *
gmo_grant_copy (const GmoGrant *grant)
{
  GmoGrant *copy = gmo_grant_new (grant->account);

  copy->client_id = g_strdup (grant->client_id);
  copy->client_secret = gmo_secret_dup (grant->client_secret);
  copy->refresh_token = gmo_secret_dup (grant->refresh_token);
  copy->access_token = gmo_secret_dup (grant->access_token);
  copy->expires_at = grant->expires_at;
  copy->scopes = g_strdup (grant->scopes);
  copy->granted_at = grant->granted_at;
  return copy;
}

/**
 * gmo_grant_free:
 * @grant: (nullable) (transfer full): a grant
 *
 * Wipes the secrets of @grant and frees it.
 */
void
gmo_grant_free (GmoGrant *grant)
{
  if (grant == NULL)
    return;
  g_free (grant->account);
  g_free (grant->client_id);
  gmo_secret_free (grant->client_secret);
  gmo_secret_free (grant->refresh_token);
  gmo_secret_free (grant->access_token);
  g_free (grant->scopes);
  g_free (grant);
}

/**
 * gmo_grant_forget_access_token:
 * @grant: a grant
 *
 * Drops the cached access token, keeping the grant itself.
 */
void
gmo_grant_forget_access_token (GmoGrant *grant)
{
  gmo_secret_clear (&grant->access_token);
  grant->expires_at = 0;
}

/* Neither a control, a space, a separator nor a format character. */
static gboolean
visible (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return type != G_UNICODE_CONTROL && type != G_UNICODE_FORMAT
         && type != G_UNICODE_SPACE_SEPARATOR && type != G_UNICODE_LINE_SEPARATOR
         && type != G_UNICODE_PARAGRAPH_SEPARATOR;
}

/**
 * gmo_account_normalize:
 * @account: (nullable): what the user typed
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Accounts are e-mail addresses compared case-insensitively.
 *
 * Returns: (transfer full): the lower-cased address, or %NULL if it is not a
 * plausible e-mail address.
 */
gchar *
gmo_account_normalize (const gchar *account, GError **error)
{
  g_autofree gchar *lowered = NULL;
  const gchar *at;
  gsize len;

  if (account == NULL || *account == '\0')
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("No account given"));
      return NULL;
    }
  len = strlen (account);
  if (len <= 254 && g_utf8_validate (account, len, NULL))
    lowered = g_utf8_strdown (account, len);
  /* Lower case may be longer (U+0130 is an "i" and a combining dot): what
   * is returned must be an account too. */
  if (lowered == NULL || strlen (lowered) > 254)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The account must be an e-mail address of at most 254 bytes"));
      return NULL;
    }
  /* The C1 controls too (U+0080 to U+009F): a terminal may take NEL for a
   * line end. And what cannot be seen: every space (U+00A0 looks like one),
   * the line and paragraph separators, and the format characters (a bidi
   * override, U+202E, shows "moc.elpmaxe@em" for another address; a zero
   * width space, a soft hyphen, U+FEFF make two accounts of one look). */
  for (const gchar *p = account; *p != '\0'; p = g_utf8_next_char (p))
    if (!visible (g_utf8_get_char (p)) || *p == '/' || *p == '\\')
      {
        g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                     _("The account must be an e-mail address without spaces or control "
                       "characters"));
        return NULL;
      }
  at = strchr (account, '@');
  if (at == NULL || at == account || at[1] == '\0' || strchr (at + 1, '@') != NULL)
    {
      g_autofree gchar *shown = g_strescape (account, NULL);

      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("“%s” is not an e-mail address"), shown);
      return NULL;
    }
  return g_steal_pointer (&lowered);
}

static GHashTable *
grant_attributes (const gchar *account)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  if (account != NULL)
    g_hash_table_insert (attributes, (gpointer) "account", (gpointer) account);
  g_hash_table_insert (attributes, (gpointer) "version", (gpointer) GRANT_SCHEMA_VERSION);
  return attributes;
}

/**
 * gmo_store_grant_from_secret:
 * @account: (nullable): the account the record's attributes name, or %NULL
 *   to take the one the secret names
 * @secret: the record's secret text
 * @error: return location for a %GMO_ERROR_KEYRING error
 *
 * Reads a record's secret. With no account from either side, returns %NULL
 * without setting @error (a record of an older version, listed without its
 * attributes).
 *
 * Returns: (transfer full) (nullable): the grant.
 */
GmoGrant *
gmo_store_grant_from_secret (const gchar *account, const gchar *secret, GError **error)
{
  g_autoptr (GmoSecretJson) root = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *named = NULL;
  const gchar *client_id, *refresh_token;

  root = gmo_json_parse (secret, strlen (secret), GMO_ERROR_KEYRING, &local_error);
  if (account == NULL)
    {
      const gchar *in_secret = gmo_json_get_string (root, "account");

      named = in_secret != NULL ? gmo_account_normalize (in_secret, NULL) : NULL;
      if (named == NULL)
        return NULL;
      account = named;
    }
  client_id = gmo_json_get_string (root, "client_id");
  refresh_token = gmo_json_get_string (root, "refresh_token");
  if (root == NULL || client_id == NULL || refresh_token == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                   _("The keyring record of %s is damaged; remove it and import or log in "
                     "again"),
                   account);
      return NULL;
    }

  grant = gmo_grant_new (account);
  grant->client_id = g_strdup (client_id);
  grant->client_secret = gmo_secret_dup (gmo_json_get_string (root, "client_secret"));
  grant->refresh_token = gmo_secret_dup (refresh_token);
  grant->access_token = gmo_secret_dup (gmo_json_get_string (root, "access_token"));
  grant->scopes = g_strdup (gmo_json_get_string (root, "scopes"));
  if (!gmo_json_get_int64 (root, "expires_at", &grant->expires_at) || grant->access_token == NULL)
    gmo_grant_forget_access_token (grant);
  if (!gmo_json_get_int64 (root, "granted_at", &grant->granted_at))
    grant->granted_at = 0;
  return g_steal_pointer (&grant);
}

static void
json_add_string (json_object *object, const gchar *key, const gchar *value)
{
  if (value != NULL)
    json_object_object_add (object, key, json_object_new_string (value));
}

static GmoSecret *
grant_to_secret (const GmoGrant *grant)
{
  g_autoptr (GmoSecretJson) root = json_object_new_object ();

  /* The account again, so that `list` can read every record in one GetSecrets
   * call without fetching each item's attributes (see gmo_store_list()). */
  json_add_string (root, "account", grant->account);
  json_add_string (root, "client_id", grant->client_id);
  json_add_string (root, "client_secret", grant->client_secret);
  json_add_string (root, "refresh_token", grant->refresh_token);
  json_add_string (root, "access_token", grant->access_token);
  if (grant->access_token != NULL)
    json_object_object_add (root, "expires_at", json_object_new_int64 (grant->expires_at));
  json_add_string (root, "scopes", grant->scopes);
  json_object_object_add (root, "granted_at", json_object_new_int64 (grant->granted_at));
  return gmo_json_to_secret (root);
}

/**
 * gmo_store_lookup:
 * @account: a normalised account
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Reads the record of @account. A missing record is not an error.
 *
 * Returns: (transfer full) (nullable): the grant, or %NULL if there is none
 * (@error unset) or on failure (@error set).
 */
GmoGrant *
gmo_store_lookup (const gchar *account, GCancellable *cancellable, GError **error)
{
  g_autoptr (GHashTable) attributes = grant_attributes (account);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (SecretService) service = NULL;
  g_autoptr (SecretValue) value = NULL;
  g_auto (GStrv) paths = NULL;
  const gchar *text;

  g_return_val_if_fail (account != NULL, NULL);

  if (!gmo_keyring_search (&grant_schema, attributes, account, &service, &paths, cancellable,
                           error))
    return NULL;
  if (paths[0] == NULL)
    return NULL;
  value = secret_service_get_secret_for_dbus_path_sync (service, paths[0], cancellable,
                                                        &local_error);
  if (local_error != NULL)
    {
      gmo_keyring_error (error, local_error, account);
      return NULL;
    }
  text = value != NULL ? secret_value_get_text (value) : NULL;
  if (text == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                   _("The keyring record of %s is damaged; remove it and import or log in "
                     "again"),
                   account);
      return NULL;
    }
  return gmo_store_grant_from_secret (account, text, error);
}

/**
 * gmo_store_save:
 * @grant: a complete grant
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Creates or replaces the record of @grant->account in one keyring write.
 *
 * Returns: %TRUE on success.
 */
gboolean
gmo_store_save (const GmoGrant *grant, GCancellable *cancellable, GError **error)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autoptr (GmoSecret) secret = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *label = NULL;

  g_return_val_if_fail (grant != NULL && grant->account != NULL, FALSE);
  g_return_val_if_fail (grant->client_id != NULL && grant->refresh_token != NULL, FALSE);

  attributes = grant_attributes (grant->account);
  secret = grant_to_secret (grant);
  /* Translators: the label of the keyring item, shown by Seahorse; %s is an e-mail address. */
  label = g_strdup_printf (_("Gmail OAuth: %s"), grant->account);
  if (!gmo_keyring_connect (cancellable, error))
    return FALSE;
  for (guint attempt = 0;; attempt++)
    {
      g_clear_error (&local_error);
      if (secret_password_storev_sync (&grant_schema, attributes, SECRET_COLLECTION_DEFAULT,
                                       label, secret, cancellable, &local_error))
        return TRUE;
      if (attempt > 0 || !gmo_keyring_reconnect_if_gone (local_error))
        break;
    }
  gmo_keyring_error (error, local_error, grant->account);
  return FALSE;
}

/**
 * gmo_store_remove:
 * @account: a normalised account
 * @out_removed: (out) (optional): whether a record was there
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Returns: %TRUE on success, including when there was nothing to remove.
 */
gboolean
gmo_store_remove (const gchar *account, gboolean *out_removed, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (GHashTable) attributes = grant_attributes (account);
  g_autoptr (SecretService) service = NULL;
  g_auto (GStrv) paths = NULL;

  if (out_removed != NULL)
    *out_removed = FALSE;
  /* Searched first, so that a locked record is reported, not "no account". */
  if (!gmo_keyring_search (&grant_schema, attributes, account, &service, &paths, cancellable,
                           error))
    return FALSE;
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;

      if (!secret_service_delete_item_dbus_path_sync (service, paths[i], cancellable,
                                                      &local_error))
        {
          gmo_keyring_error (error, local_error, account);
          return FALSE;
        }
      if (out_removed != NULL)
        *out_removed = TRUE;
    }
  return TRUE;
}

/* The account attribute of the item at @path (one round trip). */
static gchar *
grant_account_from_item (SecretService *service, const gchar *path, GCancellable *cancellable)
{
  g_autoptr (SecretItem) item = NULL;
  g_autoptr (GHashTable) attributes = NULL;

  item = secret_item_new_for_dbus_path_sync (service, path, SECRET_ITEM_NONE, cancellable, NULL);
  if (item == NULL)
    return NULL;
  attributes = secret_item_get_attributes (item);
  return g_strdup (g_hash_table_lookup (attributes, "account"));
}

static gint
grant_compare (gconstpointer a, gconstpointer b)
{
  const GmoGrant *ga = *(GmoGrant *const *) a;
  const GmoGrant *gb = *(GmoGrant *const *) b;

  return g_strcmp0 (ga->account, gb->account);
}

/**
 * gmo_store_list:
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Reads every record, sorted by account. Damaged records are skipped with a
 * warning rather than hiding the others.
 *
 * Returns: (transfer full) (element-type GmoGrant): the grants, or %NULL on failure.
 */
GPtrArray *
gmo_store_list (GCancellable *cancellable, GError **error)
{
  g_autoptr (GHashTable) attributes = grant_attributes (NULL);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) grants = g_ptr_array_new_with_free_func ((GDestroyNotify) gmo_grant_free);
  g_autoptr (SecretService) service = NULL;
  g_autoptr (GHashTable) secrets = NULL;
  g_auto (GStrv) paths = NULL;
  GHashTableIter iter;
  const gchar *path;
  SecretValue *value;

  /* Two calls whatever the number of records: SearchItems and one
   * GetSecrets. SecretItem proxies, one per record, would cost a round trip
   * each (and gnome-keyring loses some of them when hundreds are made at once). */
  if (!gmo_keyring_search (&grant_schema, attributes, NULL, &service, &paths, cancellable, error))
    return NULL;
  if (paths[0] != NULL)
    secrets = secret_service_get_secrets_for_dbus_paths_sync (service, (const gchar **) paths,
                                                              cancellable, &local_error);
  if (local_error != NULL)
    {
      gmo_keyring_error (error, local_error, NULL);
      return NULL;
    }
  if (secrets == NULL)
    return g_steal_pointer (&grants);

  g_hash_table_iter_init (&iter, secrets);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, (gpointer *) &value))
    {
      const gchar *text = secret_value_get_text (value);
      g_autoptr (GError) item_error = NULL;
      g_autofree gchar *account = NULL;
      GmoGrant *grant;

      if (text == NULL)
        {
          g_warning ("Skipping a keyring record without a text secret");
          continue;
        }
      grant = gmo_store_grant_from_secret (NULL, text, &item_error);
      /* A record written before the account was in the secret: ask the item. */
      if (grant == NULL && item_error == NULL
          && (account = grant_account_from_item (service, path, cancellable)) != NULL)
        grant = gmo_store_grant_from_secret (account, text, &item_error);
      if (grant == NULL)
        {
          if (item_error != NULL)
            g_warning ("%s", item_error->message);
          else
            g_warning ("Skipping a keyring record that names no account");
          continue;
        }
      g_ptr_array_add (grants, grant);
    }
  g_ptr_array_sort (grants, grant_compare);
  return g_steal_pointer (&grants);
}
