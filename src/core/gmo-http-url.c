/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The URLs gmo_http_perform() may be sent to: Google's endpoints or their
 * replacements from the environment, checked (https, or http to a loopback
 * address), and the form encoding of their parameters. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include <curl/curl.h>

#include "gmo-autocleanups.h"
#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-http.h"

static const struct
{
  const gchar *variable;
  const gchar *default_url;
} endpoints[] = {
  [GMO_ENDPOINT_TOKEN] = { "GMAIL_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token" },
  [GMO_ENDPOINT_AUTH] = { "GMAIL_OAUTH_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth" },
  [GMO_ENDPOINT_REVOKE] = { "GMAIL_OAUTH_REVOKE_URL", "https://oauth2.googleapis.com/revoke" },
  [GMO_ENDPOINT_GMAIL] = { "GMAIL_OAUTH_GMAIL_URL",
                           "https://gmail.googleapis.com/gmail/v1/users/me/" },
  [GMO_ENDPOINT_TOKENINFO] = { "GMAIL_OAUTH_TOKENINFO_URL",
                               "https://oauth2.googleapis.com/tokeninfo" },
  [GMO_ENDPOINT_USERINFO] = { "GMAIL_OAUTH_USERINFO_URL",
                              "https://openidconnect.googleapis.com/v1/userinfo" },
};

/**
 * gmo_http_check_url:
 * @url: an endpoint URL
 * @error: return location for a %GMO_ERROR_USAGE error (or the error of
 *   gmo_curl_load())
 *
 * Accepts only https:// URLs, and http:// to a loopback host (127.0.0.0/8,
 * ::1, localhost), without user name or password. The message never repeats
 * the URL, which could carry credentials.
 *
 * Returns: %TRUE if @url may be used as an endpoint.
 */
gboolean
gmo_http_check_url (const gchar *url, GError **error)
{
  g_autoptr (CURLU) parsed = NULL;
  g_autofree gchar *host = NULL;
  char *part = NULL;
  CURLUcode rc;
  gboolean is_https;

  g_return_val_if_fail (url != NULL, FALSE);
  /* Every request checks its URL first: libcurl is loaded here. */
  if (!gmo_curl_load (error))
    return FALSE;
  parsed = curl_url ();
  if (parsed == NULL)
    g_error ("out of memory");

  rc = curl_url_set (parsed, CURLUPART_URL, url, 0);
  if (rc != CURLUE_OK)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Invalid URL: %s"), curl_url_strerror (rc));
      return FALSE;
    }

  if (curl_url_get (parsed, CURLUPART_SCHEME, &part, 0) != CURLUE_OK)
    part = NULL;
  is_https = part != NULL && g_ascii_strcasecmp (part, "https") == 0;
  if (!is_https && (part == NULL || g_ascii_strcasecmp (part, "http") != 0))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Unsupported URL scheme “%s”: only https:// is allowed (http:// only to a "
                     "loopback address)"),
                   part != NULL ? part : "");
      curl_free (part);
      return FALSE;
    }
  curl_free (part);

  /* User info in an endpoint URL would be sent to the server as a password. */
  if (curl_url_get (parsed, CURLUPART_USER, &part, 0) == CURLUE_OK
      || curl_url_get (parsed, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK)
    {
      curl_free (part);
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The URL must not contain a user name or password"));
      return FALSE;
    }

  if (curl_url_get (parsed, CURLUPART_HOST, &part, 0) != CURLUE_OK || part == NULL || !*part)
    {
      curl_free (part);
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Invalid URL: no host"));
      return FALSE;
    }
  /* An IPv6 host comes in brackets. */
  host = part[0] == '[' ? g_strndup (part + 1, strlen (part) - 2) : g_strdup (part);
  curl_free (part);

  if (!is_https && g_ascii_strcasecmp (host, "localhost") != 0)
    {
      g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);

      if (address == NULL || !g_inet_address_get_is_loopback (address))
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("http:// is allowed only to a loopback address, not to “%s”: use "
                         "https://"),
                       host);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * gmo_http_endpoint_url:
 * @endpoint: which endpoint
 * @error: return location for a %GMO_ERROR_USAGE error (or the error of
 *   gmo_curl_load())
 *
 * The endpoint's URL: Google's, or the one in its environment variable
 * (GMAIL_OAUTH_TOKEN_URL, GMAIL_OAUTH_AUTH_URL, GMAIL_OAUTH_REVOKE_URL,
 * GMAIL_OAUTH_GMAIL_URL, GMAIL_OAUTH_USERINFO_URL, GMAIL_OAUTH_TOKENINFO_URL; an empty one
 * counts as unset), checked with gmo_http_check_url().
 *
 * Returns: (transfer full): the URL, or %NULL with @error set.
 */
gchar *
gmo_http_endpoint_url (GmoEndpoint endpoint, GError **error)
{
  const gchar *url = NULL;
  const gchar *variable = NULL;

  switch (endpoint)
    {
    case GMO_ENDPOINT_TOKEN:
    case GMO_ENDPOINT_AUTH:
    case GMO_ENDPOINT_REVOKE:
    case GMO_ENDPOINT_GMAIL:
    case GMO_ENDPOINT_TOKENINFO:
    case GMO_ENDPOINT_USERINFO:
      variable = endpoints[endpoint].variable;
      url = g_getenv (variable);
      if (url == NULL || *url == '\0')
        url = endpoints[endpoint].default_url;
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  /* Loaded here first (gmo_http_check_url() would): its failure is not the variable's. */
  if (!gmo_curl_load (error))
    return NULL;
  if (!gmo_http_check_url (url, error))
    {
      g_prefix_error (error, "%s: ", variable);
      return NULL;
    }
  return g_strdup (url);
}

/**
 * gmo_http_form_add:
 * @form: an application/x-www-form-urlencoded body or URL query being built
 * @key: a parameter name (unreserved characters only: it is not escaped)
 * @value: (nullable): its value; %NULL leaves the parameter out
 *
 * Appends `key=value`, the value escaped as the form encoding wants (all but
 * the unreserved characters). The escaped copy is wiped, since values may be
 * secrets; @form should be a #GmoSecretString sized so that it never
 * reallocates when it holds one.
 */
void
gmo_http_form_add (GString *form, const gchar *key, const gchar *value)
{
  gchar *escaped;

  if (value == NULL)
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  if (form->len > 0)
    g_string_append_c (form, '&');
  g_string_append (form, key);
  g_string_append_c (form, '=');
  g_string_append (form, escaped);
  gmo_wipe (escaped, strlen (escaped));
  g_free (escaped);
}
