/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include <curl/curl.h>

#include "gmo-autocleanups.h"
#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-oauth.h"

/* Google answers a few hundred bytes; anything near this is not a token response. */
#define MAX_BODY_BYTES (1024 * 1024)
#define CONNECT_TIMEOUT_MS 10000L
#define ATTEMPT_TIMEOUT_MS 20000
/* All attempts and waits of one call together: callers (MCP clients wait 60 s,
 * the broker's lock waiters) must never wait on us much longer than this. */
#define TOTAL_BUDGET_MS 30000
/* An attempt with less time than this left is not worth starting. */
#define MIN_ATTEMPT_MS 1000
#define MAX_ATTEMPTS 3
/* The longest description of the server's answer we pass on. */
#define MAX_DETAILS_CHARS 200

static const gint64 backoff_ms[MAX_ATTEMPTS - 1] = { 1000, 2000 };

static const struct
{
  const gchar *variable;
  const gchar *default_url;
} endpoints[] = {
  [GMO_ENDPOINT_TOKEN] = { "GMAIL_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token" },
  [GMO_ENDPOINT_AUTH] = { "GMAIL_OAUTH_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth" },
  [GMO_ENDPOINT_REVOKE] = { "GMAIL_OAUTH_REVOKE_URL", "https://oauth2.googleapis.com/revoke" },
};

/* What one HTTP attempt brought back. */
typedef struct
{
  GCancellable *cancellable; /* borrowed */
  GmoSecretBytes *body;      /* the response body: may hold tokens */
  gsize capacity;            /* bytes reserved in body, so that it never reallocates unwiped */
  gboolean too_large;
  gboolean setup_failed; /* a curl_easy_setopt failed: nothing was sent */
  long status;           /* HTTP status, 0 when none arrived */
  gint64 retry_after;    /* Retry-After in seconds, -1 when absent */
  gint64 retry_at;       /* Retry-After as an HTTP-date, unix seconds, 0 when absent */
  gint64 server_date;    /* Date header, unix seconds, 0 when absent */
  gint64 received;       /* local receipt time, unix seconds */
  gchar curl_error[CURL_ERROR_SIZE];
} Reply;

void
gmo_token_response_free (GmoTokenResponse *response)
{
  if (response == NULL)
    return;
  gmo_secret_free (response->access_token);
  gmo_secret_free (response->refresh_token);
  gmo_secret_free (response->id_token);
  g_free (response->scope);
  g_free (response->token_type);
  g_free (response);
}

/**
 * gmo_oauth_check_url:
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
gmo_oauth_check_url (const gchar *url, GError **error)
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
 * gmo_oauth_endpoint_url:
 * @endpoint: which endpoint
 * @error: return location for a %GMO_ERROR_USAGE error (or the error of
 *   gmo_curl_load())
 *
 * The endpoint's URL: Google's, or the one in its environment variable
 * (GMAIL_OAUTH_TOKEN_URL, GMAIL_OAUTH_AUTH_URL, GMAIL_OAUTH_REVOKE_URL; an empty
 * one counts as unset), checked with gmo_oauth_check_url().
 *
 * Returns: (transfer full): the URL, or %NULL with @error set.
 */
gchar *
gmo_oauth_endpoint_url (GmoEndpoint endpoint, GError **error)
{
  const gchar *url = NULL;
  const gchar *variable = NULL;

  switch (endpoint)
    {
    case GMO_ENDPOINT_TOKEN:
    case GMO_ENDPOINT_AUTH:
    case GMO_ENDPOINT_REVOKE:
      variable = endpoints[endpoint].variable;
      url = g_getenv (variable);
      if (url == NULL || *url == '\0')
        url = endpoints[endpoint].default_url;
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  /* Loaded here first (gmo_oauth_check_url() would): its failure is not the variable's. */
  if (!gmo_curl_load (error))
    return NULL;
  if (!gmo_oauth_check_url (url, error))
    {
      g_prefix_error (error, "%s: ", variable);
      return NULL;
    }
  return g_strdup (url);
}

/* Appends key=value, escaped, to a form body; a NULL value is left out. The
 * escaped copy held a secret: wipe it. */
static void
form_add (GString *form, const gchar *key, const gchar *value)
{
  gchar *escaped;

  if (value == NULL)
    return;
  /* application/x-www-form-urlencoded: all but the unreserved characters. */
  escaped = g_uri_escape_string (value, NULL, FALSE);
  if (form->len > 0)
    g_string_append_c (form, '&');
  g_string_append (form, key);
  g_string_append_c (form, '=');
  g_string_append (form, escaped);
  gmo_wipe (escaped, strlen (escaped));
  g_free (escaped);
}

static GmoSecretString *
form_new (void)
{
  /* Large enough for every form we send, so that the secrets in it are never
   * left behind by a reallocation. */
  return g_string_sized_new (8192);
}

static size_t
on_curl_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  Reply *reply = user_data;
  gsize len = size * nmemb;

  if (len > MAX_BODY_BYTES - reply->body->len)
    {
      /* Returning less than len aborts the transfer. */
      reply->too_large = TRUE;
      return 0;
    }
  if (reply->body->len + len > reply->capacity)
    {
      /* Grow by copying, so that the old buffer is wiped, not left to realloc. */
      gsize capacity = MIN (MAX (reply->capacity * 2, reply->body->len + len), MAX_BODY_BYTES);
      GByteArray *bigger = g_byte_array_sized_new (capacity);

      g_byte_array_append (bigger, reply->body->data, reply->body->len);
      gmo_bytes_wipe_free (reply->body);
      reply->body = bigger;
      reply->capacity = capacity;
    }
  g_byte_array_append (reply->body, (const guint8 *) data, len);
  return len;
}

/* Captures Retry-After and Date; a status line starts a new response (after a
 * 100 Continue, for instance), so it forgets what an earlier one said. */
static size_t
on_curl_header (char *buffer, size_t size, size_t nitems, void *user_data)
{
  Reply *reply = user_data;
  gsize len = size * nitems;
  g_autofree gchar *line = g_strstrip (g_strndup (buffer, len));
  guint64 seconds;

  if (g_str_has_prefix (line, "HTTP/"))
    {
      reply->retry_after = -1;
      reply->retry_at = 0;
      reply->server_date = 0;
    }
  else if (g_ascii_strncasecmp (line, "Retry-After:", strlen ("Retry-After:")) == 0)
    {
      const gchar *value = g_strchug (line + strlen ("Retry-After:"));

      time_t date = curl_getdate (value, NULL);

      if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
        reply->retry_after = (gint64) seconds;
      else if (date > 0)
        reply->retry_at = date;
    }
  else if (g_ascii_strncasecmp (line, "Date:", strlen ("Date:")) == 0)
    {
      time_t date = curl_getdate (g_strchug (line + strlen ("Date:")), NULL);

      if (date > 0)
        reply->server_date = date;
    }
  return len;
}

static int
on_curl_progress (void *user_data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                  curl_off_t ulnow)
{
  Reply *reply = user_data;

  /* Non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK. */
  return g_cancellable_is_cancelled (reply->cancellable) ? 1 : 0;
}

/* Sets one option, or remembers the first failure; every setopt is checked. */
#define SETOPT(option, value)                                                                     \
  G_STMT_START                                                                                    \
  {                                                                                               \
    if (rc == CURLE_OK && (rc = curl_easy_setopt (curl, option, value)) != CURLE_OK)              \
      g_debug ("curl_easy_setopt (%s) failed: %s", #option, curl_easy_strerror (rc));             \
  }                                                                                               \
  G_STMT_END

/* The one function that performs HTTP requests: a form-encoded POST of @form
 * to @url, within @timeout_ms, hardened as libcurl's security advice says.
 * Fills @reply (whose body is reset); returns curl's result. */
static CURLcode
http_post (const gchar *url, const GmoSecretString *form, glong timeout_ms, Reply *reply)
{
  g_autoptr (CURL) curl = NULL;
  CURLcode rc = CURLE_OK;

  gmo_bytes_wipe_free (reply->body);
  reply->capacity = 4096;
  reply->body = g_byte_array_sized_new (reply->capacity);
  reply->too_large = FALSE;
  reply->setup_failed = FALSE;
  reply->status = 0;
  reply->retry_after = -1;
  reply->retry_at = 0;
  reply->server_date = 0;
  reply->curl_error[0] = '\0';

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      reply->setup_failed = TRUE;
      return CURLE_FAILED_INIT;
    }

  SETOPT (CURLOPT_ERRORBUFFER, reply->curl_error);
  SETOPT (CURLOPT_URL, url);
  SETOPT (CURLOPT_PROTOCOLS_STR, "http,https");
  /* Redirects are never followed (3xx is an error); should that ever change,
   * https only. libcurl refuses an empty list. */
  SETOPT (CURLOPT_REDIR_PROTOCOLS_STR, "https");
  SETOPT (CURLOPT_NOSIGNAL, 1L);
  SETOPT (CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
  SETOPT (CURLOPT_TIMEOUT_MS, timeout_ms);
  SETOPT (CURLOPT_USERAGENT, "gmail-oauth/" VERSION);
  /* POSTFIELDS, not COPYPOSTFIELDS: libcurl keeps no copy of the secrets. */
  SETOPT (CURLOPT_POSTFIELDSIZE, (long) form->len);
  SETOPT (CURLOPT_POSTFIELDS, form->str);
  SETOPT (CURLOPT_WRITEFUNCTION, on_curl_write);
  SETOPT (CURLOPT_WRITEDATA, reply);
  SETOPT (CURLOPT_HEADERFUNCTION, on_curl_header);
  SETOPT (CURLOPT_HEADERDATA, reply);
  SETOPT (CURLOPT_XFERINFOFUNCTION, on_curl_progress);
  SETOPT (CURLOPT_XFERINFODATA, reply);
  SETOPT (CURLOPT_NOPROGRESS, 0L);
  if (rc != CURLE_OK)
    {
      reply->setup_failed = TRUE;
      return rc;
    }

  rc = curl_easy_perform (curl);
  reply->received = g_get_real_time () / G_USEC_PER_SEC;
  if (curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply->status) != CURLE_OK)
    reply->status = 0;
  if (reply->retry_at > 0)
    {
      /* An HTTP-date is measured on the server's clock when we know it. */
      gint64 now = reply->server_date > 0 ? reply->server_date : reply->received;

      reply->retry_after = MAX (reply->retry_at - now, 0);
    }
  return rc;
}

/* One line, printable, not too long: the server's words go into messages. */
static gchar *
sanitize (const gchar *text)
{
  g_autofree gchar *valid = g_utf8_make_valid (text, -1);
  g_autofree gchar *cut = NULL;

  for (gchar *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  if (g_utf8_strlen (valid, -1) <= MAX_DETAILS_CHARS)
    return g_steal_pointer (&valid);
  cut = g_utf8_substring (valid, 0, MAX_DETAILS_CHARS);
  return g_strconcat (cut, "…", NULL);
}

static gboolean
is_retryable_curl_error (CURLcode rc)
{
  static const CURLcode retryable[] = {
    CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
    CURLE_OPERATION_TIMEDOUT,    CURLE_SEND_ERROR,           CURLE_RECV_ERROR,
    CURLE_GOT_NOTHING,           CURLE_PARTIAL_FILE,         CURLE_SSL_CONNECT_ERROR,
    CURLE_HTTP2,                 CURLE_HTTP2_STREAM,         CURLE_HTTP3,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (retryable); i++)
    if (rc == retryable[i])
      return TRUE;
  return FALSE;
}

static gboolean
is_retryable_status (long status)
{
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503
         || status == 504;
}

/* Sets @error and @details for an OAuth error answer (4xx or 5xx). */
static void
classify_error_answer (const Reply *reply, gboolean *retry, gchar **details, GError **error)
{
  g_autoptr (GmoSecretJson) json = NULL;
  const gchar *code = NULL;
  const gchar *description = NULL;
  const gchar *subtype = NULL;
  g_autofree gchar *raw = NULL;
  long status = reply->status;
  gboolean never_retry = status == 400 || status == 401;

  json = gmo_json_parse ((const gchar *) reply->body->data, reply->body->len,
                         GMO_ERROR_BAD_RESPONSE, NULL);
  code = gmo_json_get_string (json, "error");
  description = gmo_json_get_string (json, "error_description");
  subtype = gmo_json_get_string (json, "error_subtype");

  if (code != NULL && description != NULL)
    raw = g_strdup_printf ("%s: %s", code, description);
  else if (code != NULL)
    raw = g_strdup (code);
  else
    raw = g_strdup_printf ("HTTP %ld", status);
  *details = sanitize (raw);

  if (is_retryable_status (status)
      || (!never_retry
          && (g_strcmp0 (code, "internal_failure") == 0 || g_strcmp0 (code, "server_error") == 0
              || g_strcmp0 (code, "temporarily_unavailable") == 0)))
    {
      *retry = TRUE;
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                   _("The OAuth endpoint is temporarily unavailable (%s); try again later."),
                   *details);
    }
  else if (g_strcmp0 (code, "invalid_grant") == 0
           && (g_strcmp0 (subtype, "invalid_rapt") == 0
               || g_strcmp0 (subtype, "rapt_required") == 0))
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("A Google Workspace re-authentication policy requires signing in again "
                   "(%s); the grant itself was not revoked."),
                 subtype);
  else if (g_strcmp0 (code, "invalid_grant") == 0)
    /* Translators: “Testing” is the name of a publishing status in Google's console. */
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("The grant was revoked or has expired (%s). Apps in Google's “Testing” "
                   "publishing status have grants that expire 7 days after consent."),
                 *details);
  else if (g_strcmp0 (code, "invalid_scope") == 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("The grant does not cover the requested scope (%s)."), *details);
  else if (g_strcmp0 (code, "invalid_token") == 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("The token was already invalid or revoked (%s)."), *details);
  else if (g_strcmp0 (code, "invalid_client") == 0 && description != NULL
           && strstr (description, "not found") != NULL)
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_CLIENT,
                 _("The OAuth client was not found: check the client ID (%s)."), *details);
  else if (g_strcmp0 (code, "invalid_client") == 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_CLIENT,
                 _("The OAuth client was refused: check the client secret (%s)."), *details);
  else if (g_strcmp0 (code, "unauthorized_client") == 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_CLIENT,
                 _("The OAuth client is not authorized for this grant: the refresh token "
                   "belongs to another client (%s)."),
                 *details);
  else if (status >= 500)
    g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                 _("The OAuth endpoint failed (%s); try again later."), *details);
  else if (g_strcmp0 (code, "invalid_request") == 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("The OAuth endpoint rejected the request (%s)."), *details);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("The OAuth endpoint refused the request (HTTP %ld, %s)."), status, *details);
}

/* Decides what one attempt amounted to. On success returns TRUE and, when
 * @parse, the JSON answer in @out_json. Else sets @error, @details and
 * whether a retry could help. */
static gboolean
classify (const Reply *reply, CURLcode rc, gboolean parse, GmoSecretJson **out_json,
          gboolean *retry, gchar **details, GError **error)
{
  *retry = FALSE;
  if (reply->setup_failed)
    {
      *details = g_strdup (curl_easy_strerror (rc));
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, _("Cannot set up the request: %s"),
                   *details);
      return FALSE;
    }
  if (rc != CURLE_OK && g_cancellable_is_cancelled (reply->cancellable))
    {
      *details = g_strdup ("cancelled");
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, _("The request was cancelled."));
      return FALSE;
    }
  if (reply->too_large)
    {
      *details = g_strdup ("response too large");
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The OAuth endpoint's response is too large."));
      return FALSE;
    }
  if (rc != CURLE_OK)
    {
      *retry = is_retryable_curl_error (rc);
      *details = sanitize (reply->curl_error[0] != '\0' ? reply->curl_error
                                                         : curl_easy_strerror (rc));
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                   _("Cannot reach the OAuth endpoint: %s"), *details);
      return FALSE;
    }
  if (reply->status >= 300 && reply->status < 400)
    {
      *details = g_strdup_printf ("HTTP %ld", reply->status);
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The OAuth endpoint answered an unexpected redirect (%s)."), *details);
      return FALSE;
    }
  if (reply->status < 200 || reply->status >= 300)
    {
      classify_error_answer (reply, retry, details, error);
      return FALSE;
    }
  if (parse)
    {
      g_autoptr (GError) local_error = NULL;

      *out_json = gmo_json_parse ((const gchar *) reply->body->data, reply->body->len,
                                  GMO_ERROR_BAD_RESPONSE, &local_error);
      if (*out_json == NULL)
        {
          *details = g_strdup_printf ("HTTP %ld: %s", reply->status, local_error->message);
          g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                       _("The OAuth endpoint's response is not valid: %s"),
                       local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* Waits @ms, or less if @cancellable is cancelled. Returns FALSE if it was. */
static gboolean
sleep_cancellable (gint64 ms, GCancellable *cancellable)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  GPollFD pollfd;
  gboolean have_fd = g_cancellable_make_pollfd (cancellable, &pollfd);

  for (gint64 left = ms; left > 0 && !g_cancellable_is_cancelled (cancellable);
       left = (end - g_get_monotonic_time ()) / 1000)
    {
      if (have_fd)
        g_poll (&pollfd, 1, (gint) left);
      else
        g_usleep ((gulong) left * 1000);
    }
  if (have_fd)
    g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* POSTs @form to @endpoint, retrying transient failures within the budget.
 * On success returns TRUE with the JSON answer in @out_json (when @parse) and
 * the receipt time and Date header in @out_received and @out_server_date. */
static gboolean
post_form (GmoEndpoint endpoint, const GmoSecretString *form, gboolean parse,
           GmoSecretJson **out_json, gint64 *out_received, gint64 *out_server_date,
           gchar **out_details, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *url = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GError) local_error = NULL;
  Reply reply = { .cancellable = cancellable };
  gint64 deadline = g_get_monotonic_time () + (gint64) TOTAL_BUDGET_MS * 1000;
  gboolean ok = FALSE;

  url = gmo_oauth_endpoint_url (endpoint, &local_error);
  if (url == NULL)
    {
      /* Nothing was sent: the details are our own complaint. */
      if (out_details != NULL)
        *out_details = g_strdup (local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint attempt = 1;; attempt++)
    {
      gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gint64 wait_ms;
      gboolean retry = FALSE;
      CURLcode rc;

      g_clear_error (&local_error);
      g_clear_pointer (&details, g_free);
      if (g_cancellable_is_cancelled (cancellable))
        {
          details = g_strdup ("cancelled");
          g_set_error (&local_error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                       _("The request was cancelled."));
          break;
        }

      g_debug ("POST %s: attempt %u, timeout %" G_GINT64_FORMAT " ms", url, attempt,
               MIN (ATTEMPT_TIMEOUT_MS, remaining_ms));
      rc = http_post (url, form, (glong) MIN (ATTEMPT_TIMEOUT_MS, remaining_ms), &reply);
      ok = classify (&reply, rc, parse, out_json, &retry, &details, &local_error);
      g_debug ("POST %s: attempt %u: HTTP %ld, curl %d: %s", url, attempt, reply.status, rc,
               ok ? "success" : gmo_error_class_name (local_error));
      if (ok || !retry || attempt >= MAX_ATTEMPTS)
        break;

      wait_ms = MAX (backoff_ms[attempt - 1], reply.retry_after * 1000);
      remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
      if (wait_ms + MIN_ATTEMPT_MS > remaining_ms)
        {
          if (reply.retry_after >= 0)
            {
              g_clear_error (&local_error);
              g_set_error (&local_error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                           _("The OAuth endpoint asked to retry after %" G_GINT64_FORMAT
                             " seconds (%s)."),
                           reply.retry_after, details);
            }
          g_debug ("POST %s: no time left for another attempt", url);
          break;
        }
      g_debug ("POST %s: retrying in %" G_GINT64_FORMAT " ms", url, wait_ms);
      if (!sleep_cancellable (wait_ms, cancellable))
        {
          g_clear_pointer (&details, g_free);
          details = g_strdup ("cancelled");
          g_clear_error (&local_error);
          g_set_error (&local_error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                       _("The request was cancelled."));
          break;
        }
    }

  if (ok)
    {
      *out_received = reply.received;
      *out_server_date = reply.server_date;
    }
  else
    {
      g_debug ("POST %s failed: %s", url, details);
      if (out_details != NULL)
        *out_details = g_steal_pointer (&details);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  gmo_bytes_wipe_free (reply.body);
  return ok;
}

/* Copies an optional string member, as a secret when @secret (GmoSecret is a
 * gchar wiped on free); FALSE if it is there but not a string. */
static gboolean
get_optional_string (json_object *json, const gchar *key, gboolean secret, gchar **out)
{
  json_object *member = NULL;

  if (!json_object_object_get_ex (json, key, &member))
    return TRUE;
  if (!gmo_json_is_c_string (member))
    return FALSE;
  *out = secret ? gmo_secret_dup (json_object_get_string (member))
                : g_strdup (json_object_get_string (member));
  return TRUE;
}

/* Type-checks a token answer; every field is checked before it is used. */
static GmoTokenResponse *
parse_token_response (json_object *json, gint64 received, gint64 server_date,
                      gchar **out_details, GError **error)
{
  g_autoptr (GmoTokenResponse) response = g_new0 (GmoTokenResponse, 1);
  const gchar *access_token = gmo_json_get_string (json, "access_token");
  const gchar *bad = NULL;

  if (!json_object_is_type (json, json_type_object))
    bad = "not a JSON object";
  else if (access_token == NULL || *access_token == '\0')
    bad = "missing or invalid access_token";
  else if (!gmo_json_get_int64 (json, "expires_in", &response->expires_in)
           || response->expires_in <= 0 || response->expires_in > G_MAXINT32)
    bad = "missing or invalid expires_in";
  else if (!get_optional_string (json, "refresh_token", TRUE, &response->refresh_token))
    bad = "invalid refresh_token";
  else if (!get_optional_string (json, "scope", FALSE, &response->scope))
    bad = "invalid scope";
  else if (!get_optional_string (json, "token_type", FALSE, &response->token_type))
    bad = "invalid token_type";
  else if (!get_optional_string (json, "id_token", TRUE, &response->id_token))
    bad = "invalid id_token";

  if (bad != NULL)
    {
      g_debug ("token response: %s", bad);
      if (out_details != NULL)
        *out_details = g_strdup (bad);
      /* Translators: %s names the problem, such as “missing or invalid access_token”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The OAuth endpoint's token response is not valid: %s."), bad);
      return NULL;
    }
  response->access_token = gmo_secret_dup (access_token);
  response->expires_at = received + response->expires_in;
  response->server_date = server_date;
  return g_steal_pointer (&response);
}

static GmoTokenResponse *
request_token (const GmoSecretString *form, gchar **out_details, GCancellable *cancellable,
               GError **error)
{
  g_autoptr (GmoSecretJson) json = NULL;
  gint64 received = 0;
  gint64 server_date = 0;

  if (out_details != NULL)
    *out_details = NULL;
  if (!post_form (GMO_ENDPOINT_TOKEN, form, TRUE, &json, &received, &server_date, out_details,
                  cancellable, error))
    return NULL;
  return parse_token_response (json, received, server_date, out_details, error);
}

/**
 * gmo_oauth_refresh:
 * @client_id: the OAuth client id
 * @client_secret: (nullable): its secret, left out of the request when %NULL
 * @refresh_token: the grant's refresh token
 * @out_details: (out) (optional) (nullable) (transfer full): on failure, one
 *   line saying what the server answered (never a secret); %NULL on success
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * Exchanges @refresh_token for an access token, retrying transient failures
 * for at most 30 seconds in all.
 *
 * Returns: (transfer full): the answer, or %NULL with @error set.
 */
GmoTokenResponse *
gmo_oauth_refresh (const gchar *client_id, const gchar *client_secret, const gchar *refresh_token,
                   gchar **out_details, GCancellable *cancellable, GError **error)
{
  g_autoptr (GmoSecretString) form = form_new ();

  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (refresh_token != NULL, NULL);

  form_add (form, "grant_type", "refresh_token");
  form_add (form, "client_id", client_id);
  form_add (form, "client_secret", client_secret);
  form_add (form, "refresh_token", refresh_token);
  return request_token (form, out_details, cancellable, error);
}

/**
 * gmo_oauth_exchange_code:
 * @client_id: the OAuth client id
 * @client_secret: (nullable): its secret, left out of the request when %NULL
 * @code: the authorization code from the redirect
 * @code_verifier: the PKCE verifier whose challenge went to the auth endpoint
 * @redirect_uri: the redirect URI given to the auth endpoint
 * @out_details: (out) (optional) (nullable) (transfer full): as for gmo_oauth_refresh()
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * Returns: (transfer full): the answer (with a refresh token for an offline
 * grant), or %NULL with @error set.
 */
GmoTokenResponse *
gmo_oauth_exchange_code (const gchar *client_id, const gchar *client_secret, const gchar *code,
                         const gchar *code_verifier, const gchar *redirect_uri,
                         gchar **out_details, GCancellable *cancellable, GError **error)
{
  g_autoptr (GmoSecretString) form = form_new ();

  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (code_verifier != NULL, NULL);
  g_return_val_if_fail (redirect_uri != NULL, NULL);

  form_add (form, "grant_type", "authorization_code");
  form_add (form, "code", code);
  form_add (form, "client_id", client_id);
  form_add (form, "client_secret", client_secret);
  form_add (form, "redirect_uri", redirect_uri);
  form_add (form, "code_verifier", code_verifier);
  return request_token (form, out_details, cancellable, error);
}

/**
 * gmo_oauth_revoke:
 * @token: a refresh or access token
 * @out_details: (out) (optional) (nullable) (transfer full): as for gmo_oauth_refresh()
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * Revokes the grant @token belongs to. A token that was already invalid is a
 * %GMO_ERROR_REAUTHORIZE error.
 *
 * Returns: %TRUE if the server revoked it.
 */
gboolean
gmo_oauth_revoke (const gchar *token, gchar **out_details, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (GmoSecretString) form = form_new ();
  gint64 received = 0;
  gint64 server_date = 0;

  g_return_val_if_fail (token != NULL, FALSE);

  if (out_details != NULL)
    *out_details = NULL;
  form_add (form, "token", token);
  return post_form (GMO_ENDPOINT_REVOKE, form, FALSE, NULL, &received, &server_date, out_details,
                    cancellable, error);
}
