/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The git credential protocol: git's `key=value` request lines read and
 * parsed completely before anything is acted on, and the answer lines. Pure
 * functions over bytes, unit-tested and fuzzed on their own. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-error.h"
#include "gmo-git.h"

void
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

void
gmo_git_replace_string (gchar **field, const gchar *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

void
gmo_git_replace_secret (GmoSecret **field, const gchar *value)
{
  gmo_secret_free (*field);
  *field = gmo_secret_dup (value);
}

/* As git does: a number of seconds, where 0 or anything unparsable means "never". */
gint64
gmo_git_parse_expiry (const gchar *value)
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
    gmo_git_replace_string (&c->protocol, value);
  else if (g_str_equal (key, "host"))
    gmo_git_replace_string (&c->host, value);
  else if (g_str_equal (key, "path"))
    gmo_git_replace_string (&c->path, value);
  else if (g_str_equal (key, "username"))
    gmo_git_replace_string (&c->username, value);
  else if (g_str_equal (key, "password"))
    gmo_git_replace_secret (&c->password, value);
  else if (g_str_equal (key, "password_expiry_utc"))
    c->password_expiry_utc = gmo_git_parse_expiry (value);
  else if (g_str_equal (key, "oauth_refresh_token"))
    gmo_git_replace_secret (&c->oauth_refresh_token, value);
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
    gmo_git_replace_string (&c->authtype, value);
  else if (c->capa_authtype && g_str_equal (key, "credential"))
    gmo_git_replace_secret (&c->credential, value);
  else if (c->capa_authtype && g_str_equal (key, "ephemeral"))
    c->ephemeral = parse_bool (value);
  return TRUE;
}

/**
 * gmo_git_request_parse:
 * @c: an empty credential to fill
 * @data: (nullable): the request bytes, not necessarily terminated; %NULL when @len is 0
 * @len: their length
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Parses git's `key=value` lines up to a blank line or the end of @data. A line
 * longer than %GMO_GIT_LINE_MAX, a NUL byte, a line without `=` or a bad url= fails
 * the whole request; a trailing CR is dropped as git's own reader does.
 *
 * Returns: %TRUE if the whole request parsed.
 */
gboolean
gmo_git_request_parse (GmoGitCredential *c, const gchar *data, gsize len, GError **error)
{
  const gchar *p = data, *end;
  guint line_no = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  /* Empty standard input comes as a NULL buffer, and NULL + 0 is undefined. */
  if (len == 0)
    return TRUE;
  end = data + len;
  while (p < end)
    {
      const gchar *nl = memchr (p, '\n', end - p);
      const gchar *line_end = nl != NULL ? nl : end;
      gsize line_len = line_end - p;
      const gchar *eq;
      g_autofree gchar *key = NULL;
      g_autoptr (GmoSecret) value = NULL;

      line_no++;
      if (line_len + 1 > GMO_GIT_LINE_MAX)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("Line %u of the request is longer than %u bytes"), line_no,
                       GMO_GIT_LINE_MAX);
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
GmoSecretBytes *
gmo_git_request_read (GInputStream *input, GError **error)
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
      if (buffer->len - line_start >= GMO_GIT_LINE_MAX)
        break;
      if (buffer->len > GMO_GIT_REQUEST_MAX)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("The request is longer than %u bytes"), GMO_GIT_REQUEST_MAX);
          return NULL;
        }
    }
  return g_steal_pointer (&buffer);
}

/* Appends `key=value\n`. A value holding a newline would inject protocol lines,
 * so it is dropped (it can come only from a foreign keyring item). */
void
gmo_git_answer_add (GmoSecretString *answer, const gchar *key, const gchar *value)
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

void
gmo_git_answer_add_int (GmoSecretString *answer, const gchar *key, gint64 value)
{
  gchar number[32];

  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, value);
  gmo_git_answer_add (answer, key, number);
}

/* "host:port" -> server and port, as git's libsecret helper splits it; a
 * suffix that is not a port 1-65535 ("[::1]") stays part of the server. */
gchar *
gmo_git_split_host (const gchar *host, guint *out_port)
{
  const gchar *colon = strrchr (host, ':');
  guint64 port;

  *out_port = 0;
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return g_strdup (host);
  *out_port = (guint) port;
  return g_strndup (host, colon - host);
}

