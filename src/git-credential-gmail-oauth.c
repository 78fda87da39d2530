/* SPDX-License-Identifier: GPL-3.0-or-later */
/* git-credential-gmail-oauth: a git credential helper with two roles.
 *
 * 1. A keyring storage helper for any host, interchangeable with git's own
 *    contrib/credential/libsecret helper: same schema, attributes, label and
 *    secret format, so that each reads the other's items.
 * 2. A token minter: a `get` for Gmail's SMTP or IMAP server whose username is
 *    an account stored with gmail-oauth is answered with a fresh access token.
 *
 * Shaped like git's libsecret helper: an op table; read lines -> act -> write
 * lines -> wipe. The request is read and parsed completely before anything is
 * acted on, so malformed input never causes a partial action. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "gmo-broker.h"
#include "gmo-error.h"
#include "gmo-secret.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* git's limit: a line is at most this many bytes, newline included. */
#define GIT_LINE_MAX 65535
/* A request is a handful of lines; this bounds many wwwauth[] headers. */
#define GIT_REQUEST_MAX (1024 * 1024)

/* One credential as git describes it: a request, or an item read back from
 * the keyring. The gated fields are set only when the authtype capability
 * came first. */
typedef struct
{
  gchar *protocol;
  gchar *host; /* as git sends it: "host[:port]" */
  gchar *path;
  gchar *username;
  GmoSecret *password;
  gint64 password_expiry_utc; /* unix seconds; 0 means never */
  GmoSecret *oauth_refresh_token;
  GPtrArray *wwwauth; /* (element-type utf8): headers, accepted and unused */
  gboolean capa_authtype;
  gchar *authtype;
  GmoSecret *credential;
  gboolean ephemeral;
} GmoGitCredential;

static void
gmo_git_credential_clear (GmoGitCredential *c)
{
  g_free (c->protocol);
  g_free (c->host);
  g_free (c->path);
  g_free (c->username);
  gmo_secret_free (c->password);
  gmo_secret_free (c->oauth_refresh_token);
  g_clear_pointer (&c->wwwauth, g_ptr_array_unref);
  g_free (c->authtype);
  gmo_secret_free (c->credential);
  memset (c, 0, sizeof *c);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GmoGitCredential, gmo_git_credential_clear)

static void
replace_string (gchar **field, const gchar *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static void
replace_secret (GmoSecret **field, const gchar *value)
{
  gmo_secret_free (*field);
  *field = gmo_secret_dup (value);
}

/* As git does: a number of seconds, where 0 or anything unparsable means "never". */
static gint64
parse_expiry (const gchar *value)
{
  guint64 seconds;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &seconds, NULL))
    return 0;
  return (gint64) seconds;
}

/* git's boolean spellings, for `ephemeral`. */
static gboolean
parse_bool (const gchar *value)
{
  static const gchar *const truths[] = { "1", "true", "yes", "on" };

  for (guint i = 0; i < G_N_ELEMENTS (truths); i++)
    if (g_ascii_strcasecmp (value, truths[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Percent-decodes [start, end); %NULL for a bad escape or an encoded NUL. */
static gchar *
url_decode (const gchar *start, const gchar *end)
{
  return g_uri_unescape_segment (start, end, NULL);
}

/* `url=proto://[user[:password]@]host[:port][/path]`, split as git's
 * credential_from_url() does; it replaces the URL parts given before. */
static gboolean
parse_url (GmoGitCredential *c, const gchar *url, GError **error)
{
  const gchar *proto_end = strstr (url, "://");
  const gchar *cp, *at, *colon, *slash, *host;
  g_autofree gchar *username = NULL;
  g_autofree gchar *decoded_host = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (GmoSecret) password = NULL;

  if (proto_end == NULL || proto_end == url)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The url= line has no scheme"));
      return FALSE;
    }
  cp = proto_end + 3;
  slash = cp + strcspn (cp, "/?#");
  at = memchr (cp, '@', slash - cp);
  colon = at != NULL ? memchr (cp, ':', at - cp) : NULL;
  host = cp;
  if (at != NULL)
    {
      username = url_decode (cp, colon != NULL ? colon : at);
      if (colon != NULL)
        password = url_decode (colon + 1, at);
      if (username == NULL || (colon != NULL && password == NULL))
        goto bad_escape;
      host = at + 1;
    }
  if (slash > host)
    {
      decoded_host = url_decode (host, slash);
      if (decoded_host == NULL)
        goto bad_escape;
    }
  if (*slash == '/')
    {
      const gchar *start = slash + 1, *end = slash + strlen (slash);

      /* Leading and trailing slashes are not part of the path. */
      while (*start == '/')
        start++;
      while (end > start && end[-1] == '/')
        end--;
      if (end > start)
        {
          path = url_decode (start, end);
          if (path == NULL)
            goto bad_escape;
        }
    }

  g_free (c->protocol);
  c->protocol = g_strndup (url, proto_end - url);
  g_free (c->host);
  c->host = g_steal_pointer (&decoded_host);
  g_free (c->path);
  c->path = g_steal_pointer (&path);
  g_free (c->username);
  c->username = g_steal_pointer (&username);
  gmo_secret_free (c->password);
  c->password = g_steal_pointer (&password);
  return TRUE;

bad_escape:
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The url= line has a bad %%-escape"));
  return FALSE;
}

/* One `key=value` line; unknown keys are ignored, as git requires. */
static gboolean
parse_pair (GmoGitCredential *c, const gchar *key, const gchar *value, GError **error)
{
  if (g_str_equal (key, "protocol"))
    replace_string (&c->protocol, value);
  else if (g_str_equal (key, "host"))
    replace_string (&c->host, value);
  else if (g_str_equal (key, "path"))
    replace_string (&c->path, value);
  else if (g_str_equal (key, "username"))
    replace_string (&c->username, value);
  else if (g_str_equal (key, "password"))
    replace_secret (&c->password, value);
  else if (g_str_equal (key, "password_expiry_utc"))
    c->password_expiry_utc = parse_expiry (value);
  else if (g_str_equal (key, "oauth_refresh_token"))
    replace_secret (&c->oauth_refresh_token, value);
  else if (g_str_equal (key, "url"))
    return parse_url (c, value, error);
  else if (g_str_equal (key, "wwwauth[]"))
    {
      if (*value == '\0')
        g_clear_pointer (&c->wwwauth, g_ptr_array_unref);
      else
        {
          if (c->wwwauth == NULL)
            c->wwwauth = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (c->wwwauth, g_strdup (value));
        }
    }
  else if (g_str_equal (key, "capability[]"))
    {
      /* An empty value resets the list; `state` is not supported, so ignored. */
      if (*value == '\0')
        c->capa_authtype = FALSE;
      else if (g_str_equal (value, "authtype"))
        c->capa_authtype = TRUE;
    }
  else if (c->capa_authtype && g_str_equal (key, "authtype"))
    replace_string (&c->authtype, value);
  else if (c->capa_authtype && g_str_equal (key, "credential"))
    replace_secret (&c->credential, value);
  else if (c->capa_authtype && g_str_equal (key, "ephemeral"))
    c->ephemeral = parse_bool (value);
  return TRUE;
}

/**
 * gmo_git_request_parse:
 * @c: an empty credential to fill
 * @data: the request bytes, not necessarily terminated
 * @len: their length
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Parses git's `key=value` lines up to a blank line or the end of @data. A line
 * longer than %GIT_LINE_MAX, a NUL byte, a line without `=` or a bad url= fails
 * the whole request; a trailing CR is dropped as git's own reader does.
 *
 * Returns: %TRUE if the whole request parsed.
 */
static gboolean
gmo_git_request_parse (GmoGitCredential *c, const gchar *data, gsize len, GError **error)
{
  const gchar *p = data, *end = data + len;
  guint line_no = 0;

  while (p < end)
    {
      const gchar *nl = memchr (p, '\n', end - p);
      const gchar *line_end = nl != NULL ? nl : end;
      gsize line_len = line_end - p;
      const gchar *eq;
      g_autofree gchar *key = NULL;
      g_autoptr (GmoSecret) value = NULL;

      line_no++;
      if (line_len + 1 > GIT_LINE_MAX)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("Line %u of the request is longer than %u bytes"), line_no,
                       GIT_LINE_MAX);
          return FALSE;
        }
      if (memchr (p, '\0', line_len) != NULL)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("Line %u of the request holds a NUL byte"), line_no);
          return FALSE;
        }
      if (line_len > 0 && p[line_len - 1] == '\r')
        line_len--;
      if (line_len == 0)
        break;
      eq = memchr (p, '=', line_len);
      if (eq == NULL)
        {
          /* Translators: "key=value" is literal protocol syntax. */
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("Line %u of the request is not of the form key=value"), line_no);
          return FALSE;
        }
      key = g_strndup (p, eq - p);
      value = gmo_secret_dup_len (eq + 1, line_len - (eq + 1 - p));
      if (!parse_pair (c, key, value, error))
        return FALSE;
      p = nl != NULL ? nl + 1 : end;
    }
  return TRUE;
}

/* Reads standard input up to a blank line or EOF. Reading stops early at a
 * line that is already too long, which the parser then rejects. */
static GmoSecretBytes *
read_request (GInputStream *input, GError **error)
{
  g_autoptr (GmoSecretBytes) buffer = g_byte_array_new ();
  gsize line_start = 0, scanned = 0;
  guint8 chunk[4096];

  for (;;)
    {
      g_autoptr (GError) read_error = NULL;
      gssize n = g_input_stream_read (input, chunk, sizeof chunk, NULL, &read_error);

      if (n < 0)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot read standard input: %s"),
                       read_error->message);
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (buffer, chunk, n);
      gmo_wipe (chunk, n);
      for (; scanned < buffer->len; scanned++)
        if (buffer->data[scanned] == '\n')
          {
            gsize line_len = scanned - line_start;

            if (line_len == 0 || (line_len == 1 && buffer->data[line_start] == '\r'))
              return g_steal_pointer (&buffer);
            line_start = scanned + 1;
          }
      if (buffer->len - line_start >= GIT_LINE_MAX)
        break;
      if (buffer->len > GIT_REQUEST_MAX)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("The request is longer than %u bytes"), GIT_REQUEST_MAX);
          return NULL;
        }
    }
  return g_steal_pointer (&buffer);
}

/* Appends `key=value\n`. A value holding a newline would inject protocol lines,
 * so it is dropped (it can come only from a foreign keyring item). */
static void
answer_add (GmoSecretString *answer, const gchar *key, const gchar *value)
{
  if (value == NULL)
    return;
  if (strchr (value, '\n') != NULL)
    {
      g_debug ("Not answering a %s that holds a newline", key);
      return;
    }
  g_string_append (answer, key);
  g_string_append_c (answer, '=');
  g_string_append (answer, value);
  g_string_append_c (answer, '\n');
}

static void
answer_add_int (GmoSecretString *answer, const gchar *key, gint64 value)
{
  gchar number[32];

  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, value);
  answer_add (answer, key, number);
}

/* ---- Storage role: git's own libsecret schema ---- */

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

/* "host:port" -> server and port, as git's libsecret helper splits it; a
 * suffix that is not a port 1-65535 ("[::1]") stays part of the server. */
static gchar *
split_host (const gchar *host, guint *out_port)
{
  const gchar *colon = strrchr (host, ':');
  guint64 port;

  *out_port = 0;
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return g_strdup (host);
  *out_port = (guint) port;
  return g_strndup (host, colon - host);
}

/* The attributes git's libsecret helper would use: one per field given. */
static GHashTable *
storage_attributes (const GmoGitCredential *c)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  if (c->username != NULL)
    g_hash_table_insert (attributes, (gpointer) "user", g_strdup (c->username));
  if (c->protocol != NULL)
    g_hash_table_insert (attributes, (gpointer) "protocol", g_strdup (c->protocol));
  if (c->host != NULL)
    {
      guint port;

      g_hash_table_insert (attributes, (gpointer) "server", split_host (c->host, &port));
      if (port != 0)
        g_hash_table_insert (attributes, (gpointer) "port", g_strdup_printf ("%u", port));
    }
  if (c->path != NULL)
    g_hash_table_insert (attributes, (gpointer) "object", g_strdup (c->path));
  return attributes;
}

/* Attributes and labels travel over D-Bus as UTF-8 strings; a key that is not
 * UTF-8 can be neither stored nor found. */
static gboolean
storage_key_is_utf8 (const GmoGitCredential *c)
{
  const gchar *const fields[] = { c->protocol, c->host, c->path, c->username };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i] != NULL && !g_utf8_validate (fields[i], -1, NULL))
      return FALSE;
  return TRUE;
}

static gchar *
storage_label (const GmoGitCredential *c)
{
  g_autofree gchar *server = NULL;
  guint port = 0;

  server = c->host != NULL ? split_host (c->host, &port) : g_strdup ("");
  if (port != 0)
    return g_strdup_printf ("Git: %s://%s:%u/%s", c->protocol, server, port,
                            c->path != NULL ? c->path : "");
  return g_strdup_printf ("Git: %s://%s/%s", c->protocol, server, c->path != NULL ? c->path : "");
}

/* The secret as git's libsecret helper writes it: the password, then
 * `key=value` lines. authtype and credential are ours (git's helper ignores
 * unknown lines); an item holding only a credential has an empty first line. */
static GmoSecretString *
storage_secret_format (const GmoGitCredential *c)
{
  GmoSecretString *secret = g_string_new (c->password != NULL ? c->password : "");

  g_string_append_c (secret, '\n');
  if (c->password_expiry_utc != 0)
    answer_add_int (secret, "password_expiry_utc", c->password_expiry_utc);
  answer_add (secret, "oauth_refresh_token", c->oauth_refresh_token);
  if (c->credential != NULL)
    {
      answer_add (secret, "authtype", c->authtype);
      answer_add (secret, "credential", c->credential);
    }
  /* No trailing newline: git's helper keeps the lines split on "\n". */
  g_string_truncate (secret, secret->len - 1);
  return secret;
}

/* Reads an item back into @stored: username from the attributes, the rest
 * from the secret. Returns %FALSE for an item without a text secret. */
static gboolean
storage_item_read (SecretItem *item, GmoGitCredential *stored)
{
  g_autoptr (GHashTable) attributes = secret_item_get_attributes (item);
  g_autoptr (SecretValue) value = secret_item_get_secret (item);
  const gchar *text = value != NULL ? secret_value_get_text (value) : NULL;
  const gchar *nl;

  if (text == NULL)
    return FALSE;
  stored->username = g_strdup (g_hash_table_lookup (attributes, "user"));
  nl = strchr (text, '\n');
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
        stored->password_expiry_utc = parse_expiry (eq + 1);
      else if (g_str_equal (copy, "oauth_refresh_token"))
        replace_secret (&stored->oauth_refresh_token, eq + 1);
      else if (g_str_equal (copy, "authtype"))
        replace_string (&stored->authtype, eq + 1);
      else if (g_str_equal (copy, "credential"))
        replace_secret (&stored->credential, eq + 1);
    }
  /* An item that holds a credential has no password of its own. */
  if (stored->credential != NULL && *stored->password == '\0')
    gmo_secret_clear (&stored->password);
  return TRUE;
}

/* All the items matching @c; "none" is not an error. */
static gboolean
storage_search (const GmoGitCredential *c, GList **out_items, GError **error)
{
  g_autoptr (GHashTable) attributes = storage_attributes (c);
  g_autoptr (GError) local_error = NULL;

  *out_items = secret_service_search_sync (NULL, &git_schema, attributes,
                                           SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK
                                               | SECRET_SEARCH_LOAD_SECRETS,
                                           NULL, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                   _("The keyring is not available (start or unlock the keyring): %s"),
                   local_error->message);
      return FALSE;
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
        answer_add (answer, "capability[]", "authtype");
      answer_add (answer, "username", stored->username);
      answer_add (answer, "password", stored->password);
      if (stored->password_expiry_utc != 0)
        answer_add_int (answer, "password_expiry_utc", stored->password_expiry_utc);
      answer_add (answer, "oauth_refresh_token", stored->oauth_refresh_token);
      if (with_credential)
        {
          answer_add (answer, "authtype", stored->authtype);
          answer_add (answer, "credential", stored->credential);
        }
      return 2;
    }
  if (stored->oauth_refresh_token != NULL)
    {
      answer_add (answer, "username", stored->username);
      answer_add (answer, "oauth_refresh_token", stored->oauth_refresh_token);
      return 1;
    }
  return 0;
}

static gboolean
storage_get (const GmoGitCredential *c, GmoSecretString *answer, GError **error)
{
  g_autolist (SecretItem) items = NULL;
  g_autoptr (GmoSecretString) fallback = g_string_new (NULL);

  /* Without a protocol and a host or path there is no key to look up. */
  if (c->protocol == NULL || (c->host == NULL && c->path == NULL) || !storage_key_is_utf8 (c))
    return TRUE;
  if (!storage_search (c, &items, error))
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

static gboolean
storage_store (const GmoGitCredential *c, GError **error)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autoptr (GmoSecretString) secret = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *label = NULL;
  gboolean has_password = c->username != NULL && c->password != NULL;
  gboolean has_credential = c->capa_authtype && c->credential != NULL;

  /* Ephemeral credentials are for this one use; a store without a key or
   * without anything to keep is ignored, as git's helpers do. */
  if (c->ephemeral || c->protocol == NULL || (c->host == NULL && c->path == NULL)
      || (!has_password && !has_credential))
    return TRUE;
  if (!storage_key_is_utf8 (c))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Cannot store a credential whose protocol, host, path or username is not "
                     "UTF-8"));
      return FALSE;
    }

  attributes = storage_attributes (c);
  label = storage_label (c);
  secret = storage_secret_format (c);
  if (!secret_password_storev_sync (&git_schema, attributes, SECRET_COLLECTION_DEFAULT, label,
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

static gboolean
storage_erase (const GmoGitCredential *c, GError **error)
{
  g_autolist (SecretItem) items = NULL;

  /* An empty pattern would match everything: too easy to send by mistake. */
  if ((c->protocol == NULL && c->host == NULL && c->path == NULL && c->username == NULL)
      || !storage_key_is_utf8 (c))
    return TRUE;
  if (!storage_search (c, &items, error))
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

/* ---- Minter role: Gmail accounts stored by gmail-oauth ---- */

static gboolean
ascii_nocase_in (const gchar *value, const gchar *const *set)
{
  for (; *set != NULL; set++)
    if (g_ascii_strcasecmp (value, *set) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @c asks for a Gmail server as an account stored with gmail-oauth:
 * sets @out_account to the normalised account, or to %NULL when it does not.
 * Fails only when the keyring could not be asked. */
static gboolean
minter_account (const GmoGitCredential *c, gchar **out_account, GError **error)
{
  static const gchar *const protocols[] = { "smtp", "smtps", "imap", "imaps", NULL };
  static const gchar *const servers[] = { "smtp.gmail.com", "imap.gmail.com", NULL };
  g_autofree gchar *server = NULL;
  g_autofree gchar *account = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) local_error = NULL;
  guint port;

  *out_account = NULL;
  if (c->protocol == NULL || c->host == NULL || c->username == NULL
      || !ascii_nocase_in (c->protocol, protocols))
    return TRUE;
  server = split_host (c->host, &port);
  account = gmo_account_normalize (c->username, NULL);
  if (!ascii_nocase_in (server, servers) || account == NULL)
    return TRUE;
  grant = gmo_store_lookup (account, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (grant != NULL)
    *out_account = g_steal_pointer (&account);
  return TRUE;
}

static gboolean
minter_get (const GmoGitCredential *c, const gchar *account, GmoSecretString *answer,
            GError **error)
{
  gint64 margin = gmo_broker_min_valid_default ();
  g_autoptr (GmoGrant) grant = NULL;

  grant = gmo_broker_get_token (account, GMO_BROKER_FLAGS_NONE, margin, NULL, error);
  if (grant == NULL)
    return FALSE;
  if (c->capa_authtype)
    answer_add (answer, "capability[]", "authtype");
  answer_add (answer, "username", c->username);
  answer_add (answer, "password", grant->access_token);
  /* git applies no margin of its own: let it drop the token while it still works. */
  answer_add_int (answer, "password_expiry_utc", grant->expires_at - margin);
  if (c->capa_authtype)
    {
      answer_add (answer, "authtype", "Bearer");
      answer_add (answer, "credential", grant->access_token);
    }
  return TRUE;
}

/* ---- Operations ---- */

typedef gboolean (*GmoGitOpFunc) (const GmoGitCredential *c, GmoSecretString *answer,
                                  gboolean *out_quit, GError **error);

/* Whether an error of the minter is one that a password prompt cannot fix. */
static gboolean
minter_error_is_final (const GError *error)
{
  if (error->domain != GMO_ERROR)
    return FALSE;
  switch ((GmoError) error->code)
    {
    case GMO_ERROR_REAUTHORIZE:
    case GMO_ERROR_BAD_CLIENT:
    case GMO_ERROR_KEYRING:
      return TRUE;
    case GMO_ERROR_NO_ACCOUNT:
    case GMO_ERROR_TRANSIENT:
    case GMO_ERROR_BAD_RESPONSE:
    case GMO_ERROR_USAGE:
      return FALSE;
    }
  return FALSE;
}

static gboolean
op_get (const GmoGitCredential *c, GmoSecretString *answer, gboolean *out_quit, GError **error)
{
  g_autofree gchar *account = NULL;
  g_autoptr (GError) local_error = NULL;

  if (minter_account (c, &account, &local_error) && account == NULL)
    return storage_get (c, answer, error);
  if (account != NULL && minter_get (c, account, answer, &local_error))
    return TRUE;
  /* The account went away meanwhile: an ordinary miss. */
  if (g_error_matches (local_error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT))
    return TRUE;
  *out_quit = minter_error_is_final (local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
op_store (const GmoGitCredential *c, GmoSecretString *answer, gboolean *out_quit, GError **error)
{
  g_autofree gchar *account = NULL;

  if (!minter_account (c, &account, error))
    return FALSE;
  /* A minted token is not stored: the grant is, already. */
  return account != NULL || storage_store (c, error);
}

static gboolean
op_erase (const GmoGitCredential *c, GmoSecretString *answer, gboolean *out_quit, GError **error)
{
  g_autofree gchar *account = NULL;

  if (!minter_account (c, &account, error))
    return FALSE;
  /* A server refused a minted token: forget it so that the next get
   * refreshes, and keep the grant. */
  if (account != NULL)
    return gmo_broker_forget_access_token (account, NULL, error);
  return storage_erase (c, error);
}

typedef struct
{
  const char *name;
  GmoGitOpFunc func; /* NULL: answers without reading a request */
} GmoGitOp;

static const GmoGitOp git_ops[] = {
  { "get", op_get },
  { "store", op_store },
  { "erase", op_erase },
  { "capability", NULL },
};

static void
report (const GError *error)
{
  g_autofree gchar *line = g_strdup (error->message);

  /* One line, whatever a lower layer put in the message. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("gmail-oauth: %s\n", line);
}

static int
git_main (int argc, char **argv)
{
  g_autoptr (GmoSecretBytes) request = NULL;
  g_autoptr (GmoSecretString) answer = g_string_new (NULL);
  g_auto (GmoGitCredential) c = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) write_error = NULL;
  g_autoptr (GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr (GOutputStream) output = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  const GmoGitOp *op = NULL;
  gboolean quit = FALSE;

  gmo_program_init ();
  /* No git operation starts with '-': --help is a person asking. */
  if (argc == 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      printf (_("usage: %s <get|store|erase|capability>\n"
                 "A git credential helper: mints Gmail access tokens for accounts stored with "
                 "gmail-oauth, and stores other credentials in the keyring.\n"
                 "Use it with: git config --global credential.helper gmail-oauth\n"),
               "git-credential-gmail-oauth");
      return GMO_EXIT_OK;
    }
  if (argc != 2)
    {
      /* Translators: the operation names are literal. */
      g_printerr (_("usage: %s <get|store|erase|capability>\n"), "git-credential-gmail-oauth");
      return GMO_EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (git_ops); i++)
    if (g_str_equal (argv[1], git_ops[i].name))
      op = &git_ops[i];
  /* An operation from a newer git: ignore it, as git asks. */
  if (op == NULL)
    return GMO_EXIT_OK;
  if (op->func == NULL)
    g_string_append (answer, "version 0\ncapability authtype\n");
  else
    {
      request = read_request (input, &error);
      if (request == NULL
          || !gmo_git_request_parse (&c, (const gchar *) request->data, request->len, &error))
        goto out;
      /* A failure answers nothing, or quit=1 when a prompt could not help. */
      if (!op->func (&c, answer, &quit, &error))
        g_string_assign (answer, quit ? "quit=1\n" : "");
    }
  /* A reader that went away is an I/O failure of the call, not a bug: usage. */
  if (!g_output_stream_write_all (output, answer->str, answer->len, NULL, NULL, &write_error)
      && error == NULL)
    g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot write to standard output: %s"),
                 write_error->message);

out:
  if (error == NULL)
    return GMO_EXIT_OK;
  report (error);
  return gmo_error_exit_status (error);
}

#ifndef GMO_GIT_TEST
int
main (int argc, char **argv)
{
  return git_main (argc, argv);
}
#endif
