/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The git helper's storage role: a keyring storage helper for any host,
 * interchangeable with git's own contrib/credential/libsecret helper (same
 * schema, attributes, label and secret format), so that each reads the
 * other's items; only credentials without a password, which git's helper
 * cannot keep, are items of our own. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "gmo-error.h"
#include "gmo-git.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* git's schema, which must match git's libsecret helper exactly (so it has no
 * version attribute of ours). DONT_MATCH_NAME makes searches also find items
 * that older git stored under org.gnome.keyring.NetworkPassword. */
static const SecretSchema git_schema = {
  "org.git.Password",
  SECRET_SCHEMA_DONT_MATCH_NAME,
  {
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "object", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
  },
};

/* A credential without a password (authtype and credential only) cannot be an
 * org.git.Password item: git's libsecret helper (2.43+) would answer its empty
 * first line as `password=`, and git would use it. Such items have a schema of
 * ours whose attributes have names of their own, because git's helper searches
 * by attributes alone (DONT_MATCH_NAME), whatever the schema. */
static const SecretSchema credential_schema = {
  "io.github.gmail_oauth.GitCredential",
  SECRET_SCHEMA_NONE,
  {
      { "git-user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "git-object", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "git-protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "git-port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { "git-server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "version", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { NULL, 0 },
  },
};

#define CREDENTIAL_SCHEMA_VERSION "1"
#define CREDENTIAL_PREFIX "git-"

/* The prefix of the attribute names of @schema's items. */
static const gchar *
schema_prefix (const SecretSchema *schema)
{
  return schema == &credential_schema ? CREDENTIAL_PREFIX : "";
}

static void
attribute_add (GHashTable *attributes, const gchar *prefix, const gchar *name, gchar *value)
{
  g_hash_table_insert (attributes, g_strconcat (prefix, name, NULL), value);
}

/* The attributes git's libsecret helper would use, one per field given, under
 * @schema's names. */
static GHashTable *
storage_attributes (const SecretSchema *schema, const GmoGitCredential *c)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const gchar *prefix = schema_prefix (schema);

  if (c->username != NULL)
    attribute_add (attributes, prefix, "user", g_strdup (c->username));
  if (c->protocol != NULL)
    attribute_add (attributes, prefix, "protocol", g_strdup (c->protocol));
  if (c->host != NULL)
    {
      guint port;

      attribute_add (attributes, prefix, "server", gmo_git_split_host (c->host, &port));
      if (port != 0)
        attribute_add (attributes, prefix, "port", g_strdup_printf ("%u", port));
    }
  if (c->path != NULL)
    attribute_add (attributes, prefix, "object", g_strdup (c->path));
  if (schema == &credential_schema)
    attribute_add (attributes, "", "version", g_strdup (CREDENTIAL_SCHEMA_VERSION));
  return attributes;
}

/* Attributes and labels travel over D-Bus as UTF-8 strings; a key that is not
 * UTF-8 can be neither stored nor found. */
gboolean
gmo_git_storage_key_is_utf8 (const GmoGitCredential *c)
{
  const gchar *const fields[] = { c->protocol, c->host, c->path, c->username };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i] != NULL && !g_utf8_validate (fields[i], -1, NULL))
      return FALSE;
  return TRUE;
}

gchar *
gmo_git_storage_label (const GmoGitCredential *c)
{
  g_autofree gchar *server = NULL;
  guint port = 0;

  server = c->host != NULL ? gmo_git_split_host (c->host, &port) : g_strdup ("");
  if (port != 0)
    return g_strdup_printf ("Git: %s://%s:%u/%s", c->protocol, server, port,
                            c->path != NULL ? c->path : "");
  return g_strdup_printf ("Git: %s://%s/%s", c->protocol, server, c->path != NULL ? c->path : "");
}

/* The secret as git's libsecret helper writes it: the password, then
 * `key=value` lines. authtype and credential are ours (git's helper ignores
 * unknown lines); an item holding only a credential (of credential_schema) has
 * an empty first line. */
GmoSecretString *
gmo_git_storage_secret_format (const GmoGitCredential *c)
{
  GmoSecretString *secret = g_string_new (c->password != NULL ? c->password : "");

  g_string_append_c (secret, '\n');
  if (c->password_expiry_utc != 0)
    gmo_git_answer_add_int (secret, "password_expiry_utc", c->password_expiry_utc);
  gmo_git_answer_add (secret, "oauth_refresh_token", c->oauth_refresh_token);
  if (c->credential != NULL)
    {
      gmo_git_answer_add (secret, "authtype", c->authtype);
      gmo_git_answer_add (secret, "credential", c->credential);
    }
  /* No trailing newline: git's helper keeps the lines split on "\n". */
  g_string_truncate (secret, secret->len - 1);
  return secret;
}

/**
 * gmo_git_storage_secret_parse:
 * @text: an item's secret, as gmo_git_storage_secret_format() or git's
 *   libsecret helper wrote it (or anything another program left there)
 * @stored: (out caller-allocates): where the password and the known
 *   `key=value` lines go
 *
 * Reads an item's secret text back into a credential; lines it does not know
 * are ignored, as git's helper does.
 */
void
gmo_git_storage_secret_parse (const gchar *text, GmoGitCredential *stored)
{
  const gchar *nl = strchr (text, '\n');

  stored->password = gmo_secret_dup_len (text, nl != NULL ? (gsize) (nl - text) : strlen (text));
  while (nl != NULL)
    {
      const gchar *line = nl + 1;
      g_autoptr (GmoSecret) copy = NULL;
      gchar *eq;

      nl = strchr (line, '\n');
      copy = gmo_secret_dup_len (line, nl != NULL ? (gsize) (nl - line) : strlen (line));
      eq = strchr (copy, '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      if (g_str_equal (copy, "password_expiry_utc"))
        stored->password_expiry_utc = gmo_git_parse_expiry (eq + 1);
      else if (g_str_equal (copy, "oauth_refresh_token"))
        gmo_git_replace_secret (&stored->oauth_refresh_token, eq + 1);
      else if (g_str_equal (copy, "authtype"))
        gmo_git_replace_string (&stored->authtype, eq + 1);
      else if (g_str_equal (copy, "credential"))
        gmo_git_replace_secret (&stored->credential, eq + 1);
    }
  /* An item that holds a credential has no password of its own. */
  if (stored->credential != NULL && *stored->password == '\0')
    gmo_secret_clear (&stored->password);
}

/* Reads an item back into @stored: username from the attributes, the rest
 * from the secret. Returns %FALSE for an item without a text secret. */
static gboolean
storage_item_read (SecretItem *item, GmoGitCredential *stored)
{
  g_autoptr (GHashTable) attributes = secret_item_get_attributes (item);
  g_autoptr (SecretValue) value = secret_item_get_secret (item);
  g_autofree gchar *schema_name = secret_item_get_schema_name (item);
  const gchar *text = value != NULL ? secret_value_get_text (value) : NULL;
  const gchar *user_key = g_strcmp0 (schema_name, credential_schema.name) == 0
                              ? CREDENTIAL_PREFIX "user"
                              : "user";

  if (text == NULL)
    return FALSE;
  stored->username = g_strdup (g_hash_table_lookup (attributes, user_key));
  gmo_git_storage_secret_parse (text, stored);
  return TRUE;
}

/* Appends to @items all the items matching @c, with their secrets: git's,
 * then, when @credentials, our credential-only ones. "None" is not an
 * error; a locked keyring is (gmo_keyring_search() says so rather than miss). */
static gboolean
storage_search (const GmoGitCredential *c, gboolean credentials, GList **items, GError **error)
{
  const SecretSchema *const schemas[] = { &git_schema, &credential_schema };

  for (guint i = 0; i < (credentials ? 2u : 1u); i++)
    {
      g_autoptr (GHashTable) attributes = storage_attributes (schemas[i], c);
      g_autoptr (SecretService) service = NULL;
      g_auto (GStrv) paths = NULL;

      if (!gmo_keyring_search (schemas[i], attributes, NULL, &service, &paths, NULL, error))
        return FALSE;
      for (guint j = 0; paths[j] != NULL; j++)
        {
          g_autoptr (GError) local_error = NULL;
          SecretItem *item = secret_item_new_for_dbus_path_sync (service, paths[j],
                                                                 SECRET_ITEM_LOAD_SECRET, NULL,
                                                                 &local_error);

          if (item == NULL)
            {
              g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                           _("The keyring is not available (start or unlock the keyring): %s"),
                           local_error->message);
              return FALSE;
            }
          *items = g_list_append (*items, item);
        }
    }
  return TRUE;
}

/* What git should hear about @stored: everything usable, or (when the password
 * has expired) only what lets it get a new one. Returns how good that is:
 * 2 a password or credential, 1 only a refresh token, 0 nothing. */
static int
storage_answer (const GmoGitCredential *request, const GmoGitCredential *stored,
                GmoSecretString *answer)
{
  gboolean expired = stored->password_expiry_utc != 0 && stored->password_expiry_utc < gmo_now ();
  gboolean with_credential = request->capa_authtype && stored->credential != NULL;

  if (!expired && (stored->password != NULL || with_credential))
    {
      if (request->capa_authtype)
        gmo_git_answer_add (answer, "capability[]", "authtype");
      gmo_git_answer_add (answer, "username", stored->username);
      gmo_git_answer_add (answer, "password", stored->password);
      if (stored->password_expiry_utc != 0)
        gmo_git_answer_add_int (answer, "password_expiry_utc", stored->password_expiry_utc);
      gmo_git_answer_add (answer, "oauth_refresh_token", stored->oauth_refresh_token);
      if (with_credential)
        {
          gmo_git_answer_add (answer, "authtype", stored->authtype);
          gmo_git_answer_add (answer, "credential", stored->credential);
        }
      return 2;
    }
  if (stored->oauth_refresh_token != NULL)
    {
      gmo_git_answer_add (answer, "username", stored->username);
      gmo_git_answer_add (answer, "oauth_refresh_token", stored->oauth_refresh_token);
      return 1;
    }
  return 0;
}

gboolean
gmo_git_storage_get (const GmoGitCredential *c, GmoSecretString *answer, GError **error)
{
  g_autolist (SecretItem) items = NULL;
  g_autoptr (GmoSecretString) fallback = g_string_new (NULL);

  /* Without a protocol and a host or path there is no key to look up. */
  if (c->protocol == NULL || (c->host == NULL && c->path == NULL)
      || !gmo_git_storage_key_is_utf8 (c))
    return TRUE;
  /* Credential-only items are of use only to a git that speaks authtype. */
  if (!storage_search (c, c->capa_authtype, &items, error))
    return FALSE;
  /* The first item with a usable password wins; failing that, the first one
   * whose refresh token lets git mint a new password. */
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_auto (GmoGitCredential) stored = { 0 };
      g_autoptr (GmoSecretString) candidate = g_string_new (NULL);
      int quality;

      if (!storage_item_read (l->data, &stored))
        continue;
      quality = storage_answer (c, &stored, candidate);
      if (quality == 2)
        {
          g_string_append_len (answer, candidate->str, candidate->len);
          return TRUE;
        }
      if (quality == 1 && fallback->len == 0)
        g_string_append_len (fallback, candidate->str, candidate->len);
    }
  g_string_append_len (answer, fallback->str, fallback->len);
  return TRUE;
}

gboolean
gmo_git_storage_store (const GmoGitCredential *c, GError **error)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autoptr (GmoSecretString) secret = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *label = NULL;
  const SecretSchema *schema;
  gboolean has_password = c->username != NULL && c->password != NULL;
  gboolean has_credential = c->capa_authtype && c->credential != NULL;

  /* Ephemeral credentials are for this one use; a store without a key or
   * without anything to keep is ignored, as git's helpers do. */
  if (c->ephemeral || c->protocol == NULL || (c->host == NULL && c->path == NULL)
      || (!has_password && !has_credential))
    return TRUE;
  if (!gmo_git_storage_key_is_utf8 (c))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Cannot store a credential whose protocol, host, path or username is not "
                     "UTF-8"));
      return FALSE;
    }

  schema = has_password ? &git_schema : &credential_schema;
  attributes = storage_attributes (schema, c);
  label = gmo_git_storage_label (c);
  secret = gmo_git_storage_secret_format (c);
  if (!gmo_keyring_connect (NULL, error))
    return FALSE;
  if (!secret_password_storev_sync (schema, attributes, SECRET_COLLECTION_DEFAULT, label,
                                    secret->str, NULL, &local_error))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                   _("Cannot store the credential in the keyring (start or unlock the "
                     "keyring): %s"),
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Given a password (or credential), erase only the items that hold it: a
 * rejected password must not take a newer one with it. */
static gboolean
storage_item_holds (SecretItem *item, const GmoGitCredential *c)
{
  g_auto (GmoGitCredential) stored = { 0 };

  if (c->password == NULL && c->credential == NULL)
    return TRUE;
  if (!storage_item_read (item, &stored))
    return FALSE;
  if (c->password != NULL)
    return gmo_secret_equal (c->password, stored.password);
  return gmo_secret_equal (c->credential, stored.credential);
}

gboolean
gmo_git_storage_erase (const GmoGitCredential *c, GError **error)
{
  g_autolist (SecretItem) items = NULL;

  /* An empty pattern would match everything: too easy to send by mistake. */
  if ((c->protocol == NULL && c->host == NULL && c->path == NULL && c->username == NULL)
      || !gmo_git_storage_key_is_utf8 (c))
    return TRUE;
  if (!storage_search (c, TRUE, &items, error))
    return FALSE;
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr (GError) delete_error = NULL;

      if (!storage_item_holds (l->data, c))
        continue;
      if (!secret_item_delete_sync (l->data, NULL, &delete_error))
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                       _("Cannot erase the credential from the keyring (start or unlock the "
                         "keyring): %s"),
                       delete_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

