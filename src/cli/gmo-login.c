/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pure parts of the loopback authorization flow (RFC 8252 with PKCE,
 * RFC 7636): random strings, the S256 challenge, the authorization URL, and
 * strict parsers for what the browser, the user or the client file hand us. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-login.h"

/* RFC 3986 "unreserved": the alphabet of a PKCE verifier (RFC 7636 4.1). */
static const char unreserved[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/**
 * gmo_login_random_string:
 * @len: how many characters
 * @error: return location for an error
 *
 * Draws @len characters of the unreserved set from the kernel's cryptographic
 * random source (getrandom(2)), each uniformly (about 6 bits per character).
 *
 * Returns: (transfer full): the string (a secret when used as a verifier:
 * free it with gmo_secret_free()), or %NULL if the kernel refused.
 */
gchar *
gmo_login_random_string (gsize len, GError **error)
{
  const guint alphabet = sizeof unreserved - 1;
  /* Bytes at or above the largest multiple of the alphabet size are dropped,
   * so that every character is equally likely. */
  const guint limit = 256 - 256 % alphabet;
  g_autoptr (GmoSecret) out = g_malloc0 (len + 1);
  guint8 pool[64];
  gsize filled = 0;

  while (filled < len)
    {
      ssize_t n = getrandom (pool, sizeof pool, 0);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                       _("Cannot get random bytes from the kernel: %s"), g_strerror (saved));
          gmo_wipe (pool, sizeof pool);
          return NULL;
        }
      for (ssize_t i = 0; i < n && filled < len; i++)
        if (pool[i] < limit)
          out[filled++] = unreserved[pool[i] % alphabet];
    }
  gmo_wipe (pool, sizeof pool);
  return g_steal_pointer (&out);
}

/**
 * gmo_login_pkce_challenge:
 * @verifier: a PKCE code verifier
 *
 * Returns: (transfer full): BASE64URL(SHA256(@verifier)) without padding, the
 * S256 code challenge.
 */
gchar *
gmo_login_pkce_challenge (const gchar *verifier)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gchar *encoded;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &digest_len);
  encoded = g_base64_encode (digest, digest_len);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  encoded[strcspn (encoded, "=")] = '\0';
  return encoded;
}

static void
append_param (GString *url, const gchar *key, const gchar *value)
{
  g_autofree gchar *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (url, "&%s=%s", key, escaped);
}

/**
 * gmo_login_auth_url:
 * @endpoint: the authorization endpoint (may already carry a query)
 * @client_id: the OAuth client
 * @redirect_uri: our loopback address
 * @scope: space-separated scopes
 * @state: the anti-forgery state
 * @challenge: the S256 code challenge
 * @login_hint: the account
 *
 * Returns: (transfer full): the address to open in a browser, every value
 * percent-encoded.
 */
gchar *
gmo_login_auth_url (const gchar *endpoint, const gchar *client_id, const gchar *redirect_uri,
                    const gchar *scope, const gchar *state, const gchar *challenge,
                    const gchar *login_hint)
{
  GString *url = g_string_new (endpoint);

  g_string_append_printf (url, "%sresponse_type=code", strchr (endpoint, '?') ? "&" : "?");
  append_param (url, "client_id", client_id);
  append_param (url, "redirect_uri", redirect_uri);
  append_param (url, "scope", scope);
  append_param (url, "state", state);
  append_param (url, "code_challenge", challenge);
  append_param (url, "code_challenge_method", "S256");
  append_param (url, "access_type", "offline");
  append_param (url, "prompt", "consent");
  append_param (url, "login_hint", login_hint);
  return g_string_free (url, FALSE);
}

/* An error code from the query, reduced to characters that are safe to show. */
static gchar *
shown_error_code (const gchar *value)
{
  GString *out = g_string_new (NULL);

  for (const gchar *p = value; *p != '\0' && out->len < 64; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) || strchr ("_.-", *p) ? *p : '?');
  return g_string_free (out, FALSE);
}

/**
 * gmo_login_parse_query:
 * @query: the still-encoded query of the redirect ("code=...&state=...")
 * @state: the state we sent
 * @out_code: (out) (transfer full): the code, on %GMO_LOGIN_ANSWER_CODE
 * @out_problem: (out) (transfer full): a one-line message otherwise
 *
 * Only an answer carrying exactly our state counts; a duplicated parameter
 * or bad encoding makes the answer invalid.
 *
 * Returns: what the query is.
 */
GmoLoginAnswer
gmo_login_parse_query (const gchar *query, const gchar *state, GmoSecret **out_code,
                       gchar **out_problem)
{
  g_autoptr (GmoSecret) code = NULL;
  g_autofree gchar *got_state = NULL;
  g_autofree gchar *got_error = NULL;
  g_autoptr (GError) local_error = NULL;
  GUriParamsIter iter;
  gboolean duplicate = FALSE;
  gchar *key, *value;

  *out_code = NULL;
  *out_problem = NULL;
  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &key, &value, &local_error))
    {
      gchar **slot = NULL;

      if (g_str_equal (key, "code"))
        slot = &code;
      else if (g_str_equal (key, "state"))
        slot = &got_state;
      else if (g_str_equal (key, "error"))
        slot = &got_error;
      if (slot != NULL && *slot != NULL)
        duplicate = TRUE;
      if (slot != NULL && *slot == NULL)
        *slot = g_steal_pointer (&value);
      g_free (key);
      gmo_secret_free (value);
    }

  if (local_error != NULL)
    {
      *out_problem = g_strdup (_("The answer is not properly encoded"));
      return GMO_LOGIN_ANSWER_INVALID;
    }
  if (duplicate)
    {
      *out_problem = g_strdup (_("The answer repeats a parameter"));
      return GMO_LOGIN_ANSWER_INVALID;
    }
  if (got_state == NULL || !g_str_equal (got_state, state))
    {
      *out_problem = g_strdup (_("The answer does not carry the state of this login (a stale "
                                 "or forged request)"));
      return GMO_LOGIN_ANSWER_INVALID;
    }
  if (got_error != NULL)
    {
      g_autofree gchar *shown = shown_error_code (got_error);

      /* Translators: %s is an OAuth error code such as access_denied. */
      *out_problem = g_strdup_printf (_("Google refused the authorization (%s)"), shown);
      return GMO_LOGIN_ANSWER_DENIED;
    }
  if (code == NULL || *code == '\0')
    {
      *out_problem = g_strdup (_("The answer carries no authorization code"));
      return GMO_LOGIN_ANSWER_INVALID;
    }
  *out_code = g_steal_pointer (&code);
  return GMO_LOGIN_ANSWER_CODE;
}

/**
 * gmo_login_parse_request_line:
 * @line: the request line the browser sent, without its line end
 * @state: the state we sent
 * @out_code: (out) (transfer full): the code, on %GMO_LOGIN_ANSWER_CODE
 * @out_problem: (out) (transfer full): a one-line message otherwise
 *
 * Accepts only `GET /?QUERY HTTP/1.x`: the redirect comes to the path "/".
 *
 * Returns: what the request is.
 */
GmoLoginAnswer
gmo_login_parse_request_line (const gchar *line, const gchar *state, GmoSecret **out_code,
                              gchar **out_problem)
{
  const gchar *target, *version;
  gsize target_len;
  g_autoptr (GmoSecret) query = NULL;

  *out_code = NULL;
  *out_problem = NULL;
  for (const gchar *p = line; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      goto malformed;
  if (!g_str_has_prefix (line, "GET "))
    goto malformed;
  target = line + 4;
  version = strchr (target, ' ');
  if (version == NULL || version == target)
    goto malformed;
  target_len = version - target;
  version++;
  if (!g_str_equal (version, "HTTP/1.1") && !g_str_equal (version, "HTTP/1.0"))
    goto malformed;
  if (target_len == 1 && target[0] == '/')
    query = gmo_secret_dup ("");
  else if (target_len >= 2 && target[0] == '/' && target[1] == '?')
    query = gmo_secret_dup_len (target + 2, target_len - 2);
  else
    {
      *out_problem = g_strdup (_("This address is not part of the login"));
      return GMO_LOGIN_ANSWER_INVALID;
    }

  if (strchr (query, '#') != NULL)
    goto malformed;
  return gmo_login_parse_query (query, state, out_code, out_problem);

malformed:
  *out_problem = g_strdup (_("Malformed request"));
  return GMO_LOGIN_ANSWER_INVALID;
}

/**
 * gmo_login_check_head:
 * @head: what a browser sent so far, followed by a NUL (not counted in @len)
 * @len: its length
 *
 * A browser's request head is text: ASCII in the request line (its query is
 * percent-encoded), no control character but CR, LF and tab anywhere. A NUL
 * or binary bytes (a TLS hello, a stray client) are refused at once, rather
 * than held until the deadline waiting for an end of head that may never
 * come.
 *
 * Returns: whether the head is complete, may still be, or is refused.
 */
GmoLoginHead
gmo_login_check_head (const gchar *head, gsize len)
{
  const gchar *newline = memchr (head, '\n', len);
  gsize line_len = newline != NULL ? (gsize) (newline - head) : len;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) head[i];

      if ((g_ascii_iscntrl (c) && c != '\r' && c != '\n' && c != '\t')
          || (c > 0x7f && i < line_len))
        return GMO_LOGIN_HEAD_NOT_TEXT;
    }
  /* No NUL inside, as checked above: the head is one string. */
  if (strstr (head, "\r\n\r\n") != NULL || strstr (head, "\n\n") != NULL)
    return GMO_LOGIN_HEAD_COMPLETE;
  if (len >= GMO_LOGIN_MAX_REQUEST_HEAD)
    return GMO_LOGIN_HEAD_TOO_LARGE;
  return GMO_LOGIN_HEAD_PARTIAL;
}

/**
 * gmo_login_parse_request_head:
 * @head: a complete request head, as gmo_login_check_head() found it
 * @state: the state we sent
 * @out_code: (out) (transfer full): the code, on %GMO_LOGIN_ANSWER_CODE
 * @out_problem: (out) (transfer full): a one-line message otherwise
 *
 * Only the request line counts: the headers after it say nothing we use.
 *
 * Returns: what the request is.
 */
GmoLoginAnswer
gmo_login_parse_request_head (const gchar *head, const gchar *state, GmoSecret **out_code,
                              gchar **out_problem)
{
  g_autoptr (GmoSecret) line = gmo_secret_dup_len (head, strcspn (head, "\r\n"));

  return gmo_login_parse_request_line (line, state, out_code, out_problem);
}

/**
 * gmo_login_parse_pasted:
 * @text: what the user pasted: the address the browser ended at
 * @redirect_uri: our redirect URI
 * @state: the state we sent
 * @out_code: (out) (transfer full): the code, on %GMO_LOGIN_ANSWER_CODE
 * @out_problem: (out) (transfer full): a one-line message otherwise
 *
 * The address must be our redirect URI (same scheme, host, port and path)
 * with the answer in its query.
 *
 * Returns: what the address is.
 */
GmoLoginAnswer
gmo_login_parse_pasted (const gchar *text, const gchar *redirect_uri, const gchar *state,
                        GmoSecret **out_code, gchar **out_problem)
{
  g_autoptr (GmoSecret) trimmed = NULL;
  g_autofree gchar *scheme = NULL, *host = NULL, *path = NULL, *fragment = NULL;
  g_autofree gchar *our_scheme = NULL, *our_host = NULL, *our_path = NULL;
  g_autoptr (GmoSecret) query = NULL;
  gint port = -1, our_port = -1;

  *out_code = NULL;
  *out_problem = NULL;
  /* Trim by copying the middle: stripping in place would leave unwiped bytes. */
  {
    gsize start = 0, end = strlen (text);

    while (g_ascii_isspace (text[start]))
      start++;
    while (end > start && g_ascii_isspace (text[end - 1]))
      end--;
    trimmed = gmo_secret_dup_len (text + start, end - start);
  }
  if (!g_uri_split (redirect_uri, G_URI_FLAGS_ENCODED, &our_scheme, NULL, &our_host, &our_port,
                    &our_path, NULL, NULL, NULL)
      || !g_uri_split (trimmed, G_URI_FLAGS_ENCODED, &scheme, NULL, &host, &port, &path, &query,
                       &fragment, NULL)
      || scheme == NULL || host == NULL || g_ascii_strcasecmp (scheme, our_scheme) != 0
      || g_ascii_strcasecmp (host, our_host) != 0 || port != our_port
      || !g_str_equal (path, our_path) || query == NULL)
    {
      *out_problem = g_strdup_printf (_("Not an answer to this login: paste the whole address "
                                        "from the browser, starting with %s?"),
                                      redirect_uri);
      return GMO_LOGIN_ANSWER_INVALID;
    }
  return gmo_login_parse_query (query, state, out_code, out_problem);
}

/**
 * gmo_login_parse_client_secrets:
 * @data: the contents of a client file downloaded from Google Cloud Console
 * @len: its length
 * @out_client_id: (out) (transfer full): the client id
 * @out_client_secret: (out) (transfer full): the client secret
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Reads a Desktop-app client: `{"installed": {"client_id": ..., "client_secret": ...}}`.
 *
 * Returns: %TRUE on success.
 */
gboolean
gmo_login_parse_client_secrets (const gchar *data, gsize len, gchar **out_client_id,
                                GmoSecret **out_client_secret, GError **error)
{
  g_autoptr (GmoSecretJson) root = NULL;
  g_autoptr (GError) local_error = NULL;
  json_object *installed = NULL;
  const gchar *client_id, *client_secret;

  /* The document `null` parses, without an error, to %NULL: no object,
   * refused below. */
  root = gmo_json_parse (data, len, GMO_ERROR_USAGE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (json_object_is_type (root, json_type_object)
      && json_object_object_get_ex (root, "web", NULL))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("This is the file of a “Web application” client; create an OAuth client "
                     "of type “Desktop app” and use its file"));
      return FALSE;
    }
  if (!json_object_is_type (root, json_type_object)
      || !json_object_object_get_ex (root, "installed", &installed))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Not a Google OAuth client file: expected {\"installed\": {...}} as "
                     "downloaded for a “Desktop app” client"));
      return FALSE;
    }
  client_id = gmo_json_get_string (installed, "client_id");
  client_secret = gmo_json_get_string (installed, "client_secret");
  if (client_id == NULL || *client_id == '\0' || client_secret == NULL || *client_secret == '\0')
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The client file lacks “client_id” or “client_secret” under “installed”"));
      return FALSE;
    }
  *out_client_id = g_strdup (client_id);
  *out_client_secret = gmo_secret_dup (client_secret);
  return TRUE;
}
