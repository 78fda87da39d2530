/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one hardened function that performs every HTTP request (the token,
 * revocation and Gmail endpoints), with its retry loop: protocols limited, no
 * redirects, connect and total timeouts, NOSIGNAL, the answer capped while it
 * arrives, bounded retries with backoff that honour Retry-After. What an
 * answer means is the caller's business (a GmoHttpClassifyFunc). */
#include "config.h"

#include <inttypes.h>

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include <curl/curl.h>

#include "gmo-autocleanups.h"
#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-http.h"
#include "gmo-http-private.h"
#include "gmo-signals.h"

#define CONNECT_TIMEOUT_MS 10000L
#define ATTEMPT_TIMEOUT_MS 20000
/* All attempts and waits of one call together: callers (MCP clients wait 60 s,
 * the broker's lock waiters) must never wait on us much longer than this. */
#define TOTAL_BUDGET_MS 30000
/* An attempt with less time than this left is not worth starting. */
#define MIN_ATTEMPT_MS 1000
#define MAX_ATTEMPTS 3
/* How long a process told to terminate still waits for an answer. */
#define SIGNAL_GRACE_MS 2000
/* The longest description of the server's answer we pass on. */
#define MAX_DETAILS_CHARS 200

static const gint64 backoff_ms[MAX_ATTEMPTS - 1] = { 1000, 2000 };


void
gmo_http_answer_clear (GmoHttpAnswer *answer)
{
  g_clear_pointer (&answer->body, gmo_bytes_wipe_free);
  memset (answer, 0, sizeof *answer);
}

size_t
gmo_http_on_curl_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  GmoHttpReply *reply = user_data;
  gsize len = size * nmemb;

  if (len > reply->max_body - reply->delivered)
    {
      /* Returning less than len aborts the transfer. */
      reply->too_large = TRUE;
      return 0;
    }
  if (reply->delivered == 0 && reply->request->sink != NULL)
    {
      long status = 0;

      /* The headers are in: a success body goes to the sink, an error
       * answer (small, and what the classifier reads) to the buffer. */
      if (curl_easy_getinfo (reply->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
        reply->sinking = status >= 200 && status < 300;
    }
  reply->delivered += len;
  if (reply->sinking)
    {
      if (!reply->request->sink (data, len, reply->request->sink_data, &reply->sink_error))
        return 0;
      return len;
    }
  if (reply->body->len + len > reply->capacity)
    {
      /* Grow by copying, so that the old buffer is wiped, not left to realloc. */
      gsize capacity = MIN (MAX (reply->capacity * 2, reply->body->len + len), reply->max_body);
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
size_t
gmo_http_on_curl_header (char *buffer, size_t size, size_t nitems, void *user_data)
{
  GmoHttpReply *reply = user_data;
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
  GmoHttpReply *reply = user_data;

  /* Non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK. A process
   * told to terminate waits only briefly for an answer that has not begun;
   * one that is arriving is read, so that a rotated grant can be stored. */
  if (gmo_signals_pending () && dlnow == 0)
    {
      gint64 now = g_get_monotonic_time ();

      /* The server may already have rotated the grant and be sending the
       * answer: give it a moment before giving up on it. */
      if (reply->signal_seen == 0)
        reply->signal_seen = now;
      if (now - reply->signal_seen > SIGNAL_GRACE_MS * 1000)
        return 1;
    }
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


/* libcurl's copies of the header lines: one holds the bearer token. */
static void
headers_wipe_free (struct curl_slist *headers)
{
  for (struct curl_slist *l = headers; l != NULL; l = l->next)
    gmo_wipe (l->data, strlen (l->data));
  curl_slist_free_all (headers);
}

typedef struct curl_slist GmoSecretHeaders;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoSecretHeaders, headers_wipe_free)

/* Makes @reply ready for an attempt of @request: an empty body, nothing
 * heard yet. */
void
gmo_http_reply_reset (GmoHttpReply *reply, const GmoHttpRequest *request)
{
  gmo_bytes_wipe_free (reply->body);
  reply->capacity = MIN (4096, request->max_answer);
  reply->max_body = request->max_answer;
  reply->body = g_byte_array_sized_new (reply->capacity);
  reply->request = request;
  reply->delivered = 0;
  reply->too_large = FALSE;
  reply->sinking = FALSE;
  g_clear_error (&reply->sink_error);
  reply->setup_failed = FALSE;
  reply->status = 0;
  reply->retry_after = -1;
  reply->retry_at = 0;
  reply->server_date = 0;
  reply->curl_error[0] = '\0';
  reply->signal_seen = 0;
}

/* Frees what @reply holds: the body (wiped) and the sink's error. */
void
gmo_http_reply_clear (GmoHttpReply *reply)
{
  g_clear_pointer (&reply->body, gmo_bytes_wipe_free);
  g_clear_error (&reply->sink_error);
}

/* The answer is in (reply->received is set): a Retry-After date becomes a
 * delay. */
void
gmo_http_reply_received (GmoHttpReply *reply)
{
  if (reply->retry_at > 0)
    {
      /* An HTTP-date is measured on the server's clock when we know it. */
      gint64 now = reply->server_date > 0 ? reply->server_date : reply->received;

      reply->retry_after = MAX (reply->retry_at - now, 0);
    }
}

/* One attempt of @request within @timeout_ms, hardened as libcurl's security
 * advice says. Fills @reply (whose body is reset); returns curl's result. */
static CURLcode
http_attempt (const GmoHttpRequest *request, glong timeout_ms, GmoHttpReply *reply)
{
  g_autoptr (CURL) curl = NULL;
  g_autoptr (GmoSecretHeaders) headers = NULL;
  CURLcode rc = CURLE_OK;
  gboolean post = g_str_equal (request->method, "POST");

  gmo_http_reply_reset (reply, request);
  if (request->sink != NULL)
    request->sink (NULL, 0, request->sink_data, NULL);

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      reply->setup_failed = TRUE;
      return CURLE_FAILED_INIT;
    }
  if (request->content_type != NULL)
    {
      g_autofree gchar *line = g_strconcat ("Content-Type: ", request->content_type, NULL);

      headers = curl_slist_append (headers, line);
    }
  if (request->bearer != NULL)
    {
      /* Sized so that appending never reallocates: no partial copy is left. */
      g_autoptr (GmoSecretString) line = g_string_sized_new (32 + strlen (request->bearer));

      g_string_append (line, "Authorization: Bearer ");
      g_string_append (line, request->bearer);
      headers = curl_slist_append (headers, line->str);
    }

  SETOPT (CURLOPT_ERRORBUFFER, reply->curl_error);
  SETOPT (CURLOPT_URL, request->url);
  SETOPT (CURLOPT_PROTOCOLS_STR, "http,https");
  /* Redirects are never followed (3xx is an error); should that ever change,
   * https only. libcurl refuses an empty list. */
  SETOPT (CURLOPT_REDIR_PROTOCOLS_STR, "https");
  /* An answer without a status line is no HTTP answer (libcurl's default, said). */
  SETOPT (CURLOPT_HTTP09_ALLOWED, 0L);
  SETOPT (CURLOPT_NOSIGNAL, 1L);
  SETOPT (CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
  SETOPT (CURLOPT_TIMEOUT_MS, timeout_ms);
  SETOPT (CURLOPT_USERAGENT, "gmail-oauth/" VERSION);
  if (post)
    {
      /* POSTFIELDS, not COPYPOSTFIELDS: libcurl keeps no copy of the secrets. */
      SETOPT (CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) request->body_len);
      SETOPT (CURLOPT_POSTFIELDS, request->body != NULL ? request->body : "");
    }
  else
    SETOPT (CURLOPT_HTTPGET, 1L);
  if (headers != NULL)
    SETOPT (CURLOPT_HTTPHEADER, headers);
  SETOPT (CURLOPT_WRITEFUNCTION, gmo_http_on_curl_write);
  SETOPT (CURLOPT_WRITEDATA, reply);
  SETOPT (CURLOPT_HEADERFUNCTION, gmo_http_on_curl_header);
  SETOPT (CURLOPT_HEADERDATA, reply);
  SETOPT (CURLOPT_XFERINFOFUNCTION, on_curl_progress);
  SETOPT (CURLOPT_XFERINFODATA, reply);
  SETOPT (CURLOPT_NOPROGRESS, 0L);
  if (rc != CURLE_OK)
    {
      reply->setup_failed = TRUE;
      return rc;
    }

  reply->curl = curl;
  rc = curl_easy_perform (curl);
  reply->curl = NULL;
  reply->received = g_get_real_time () / G_USEC_PER_SEC;
  if (curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply->status) != CURLE_OK)
    reply->status = 0;
  gmo_http_reply_received (reply);
  return rc;
}

/* One line, printable, not too long: the server's words go into messages. */
gchar *
gmo_http_sanitize (const gchar *text)
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

gboolean
gmo_http_is_retryable_status (long status)
{
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503
         || status == 504;
}


/* Decides what one attempt amounted to: transport failures here, the
 * meaning of a complete answer by @classify. */
gboolean
gmo_http_classify_attempt (const GmoHttpRequest *request, GmoHttpClassifyFunc classify, GmoHttpReply *reply,
                  CURLcode rc, gboolean *retry, gchar **details, GError **error)
{
  GmoHttpAnswer answer = { 0 };

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
  if (reply->sink_error != NULL)
    {
      *details = g_strdup (reply->sink_error->message);
      g_propagate_error (error, g_steal_pointer (&reply->sink_error));
      return FALSE;
    }
  if (reply->too_large && reply->status >= 400)
    {
      /* An error answer is known by its status: the rest of an error page
       * beyond the cap (a proxy's, say) is neither read nor needed, and a 503
       * stays a 503. */
      gmo_wipe (reply->body->data, reply->body->len);
      g_byte_array_set_size (reply->body, 0);
    }
  else if (reply->too_large)
    {
      *details = g_strdup ("response too large");
      /* Translators: %s is who answered, such as “the OAuth endpoint”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE, _("The answer of %s is too large."),
                   request->service);
      return FALSE;
    }
  if (rc == CURLE_WEIRD_SERVER_REPLY || rc == CURLE_UNSUPPORTED_PROTOCOL)
    {
      /* The server answered, with bytes that are no HTTP (the URL's scheme
       * was checked before): not the network's fault, and not worth a retry. */
      *details = gmo_http_sanitize (reply->curl_error[0] != '\0' ? reply->curl_error
                                                                 : curl_easy_strerror (rc));
      /* Translators: the first %s is who answered, such as “the OAuth endpoint”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE, _("The answer of %s is not HTTP: %s"),
                   request->service, *details);
      return FALSE;
    }
  if (rc != CURLE_OK && !reply->too_large)
    {
      *retry = is_retryable_curl_error (rc);
      *details = gmo_http_sanitize (reply->curl_error[0] != '\0' ? reply->curl_error
                                                                 : curl_easy_strerror (rc));
      /* Translators: the first %s is who answered, such as “the OAuth endpoint”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, _("Cannot reach %s: %s"),
                   request->service, *details);
      return FALSE;
    }
  if (reply->status >= 300 && reply->status < 400)
    {
      *details = g_strdup_printf ("HTTP %ld", reply->status);
      /* Translators: the first %s is who answered, such as “the OAuth endpoint”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("Unexpected redirect from %s (%s)."), request->service, *details);
      return FALSE;
    }
  answer.status = reply->status;
  answer.body = reply->body;
  answer.retry_after = reply->retry_after;
  answer.server_date = reply->server_date;
  answer.received = reply->received;
  return classify (request, &answer, retry, details, error);
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

/**
 * gmo_http_perform:
 * @request: what to send
 * @classify: what a complete answer means
 * @out_answer: (out caller-allocates): on success, the answer (clear it with
 *   gmo_http_answer_clear())
 * @out_details: (out) (optional) (nullable) (transfer full): on failure, one
 *   line saying what the server answered (never a secret)
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * Sends @request, retrying what @classify (or the transport) calls transient
 * at most %MAX_ATTEMPTS times within 30 seconds in all (or the request's own
 * max_attempts and budget_ms), waiting as Retry-After asks when it fits.
 *
 * Returns: %TRUE on success.
 */
gboolean
gmo_http_perform (const GmoHttpRequest *request, GmoHttpClassifyFunc classify,
                  GmoHttpAnswer *out_answer, gchar **out_details, GCancellable *cancellable,
                  GError **error)
{
  g_autofree gchar *details = NULL;
  g_autoptr (GError) local_error = NULL;
  GmoHttpReply reply = { .cancellable = cancellable };
  guint budget_ms = request->budget_ms > 0 ? request->budget_ms : TOTAL_BUDGET_MS;
  guint max_attempts = request->max_attempts > 0 ? MIN (request->max_attempts, MAX_ATTEMPTS)
                                                 : MAX_ATTEMPTS;
  gint64 deadline = g_get_monotonic_time () + (gint64) budget_ms * 1000;
  gboolean ok = FALSE;

  g_return_val_if_fail (request != NULL && request->url != NULL, FALSE);
  g_return_val_if_fail (out_answer != NULL, FALSE);

  memset (out_answer, 0, sizeof *out_answer);
  if (out_details != NULL)
    *out_details = NULL;
  for (guint attempt = 1;; attempt++)
    {
      gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gint64 wait_ms;
      gboolean retry = FALSE;
      CURLcode rc;

      g_clear_error (&local_error);
      g_clear_pointer (&details, g_free);
      if (g_cancellable_is_cancelled (cancellable) || gmo_signals_pending ())
        {
          details = g_strdup ("cancelled");
          g_set_error (&local_error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                       _("The request was cancelled."));
          break;
        }

      g_debug ("%s %s: attempt %u, timeout %" G_GINT64_FORMAT " ms", request->method,
               request->url, attempt, MIN (ATTEMPT_TIMEOUT_MS, remaining_ms));
      rc = http_attempt (request, (glong) MIN (ATTEMPT_TIMEOUT_MS, remaining_ms), &reply);
      ok = gmo_http_classify_attempt (request, classify, &reply, rc, &retry, &details, &local_error);
      g_debug ("%s %s: attempt %u: HTTP %ld, curl %d: %s", request->method, request->url,
               attempt, reply.status, rc, ok ? "success" : gmo_error_class_name (local_error));
      if (ok || !retry || attempt >= max_attempts)
        break;

      wait_ms = MAX (backoff_ms[attempt - 1], reply.retry_after * 1000);
      remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
      if (wait_ms + MIN_ATTEMPT_MS > remaining_ms)
        {
          if (reply.retry_after >= 0)
            {
              g_clear_error (&local_error);
              /* Translators: the first %s is who answered, such as “the OAuth endpoint”. */
              g_set_error (&local_error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                           _("Asked by %s to retry after %" PRId64 " seconds (%s)."),
                           request->service, reply.retry_after, details);
            }
          g_debug ("%s %s: no time left for another attempt", request->method, request->url);
          break;
        }
      g_debug ("%s %s: retrying in %" G_GINT64_FORMAT " ms", request->method, request->url,
               wait_ms);
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
      out_answer->status = reply.status;
      out_answer->body = g_steal_pointer (&reply.body);
      out_answer->retry_after = reply.retry_after;
      out_answer->server_date = reply.server_date;
      out_answer->received = reply.received;
      return TRUE;
    }
  g_debug ("%s %s failed: %s", request->method, request->url, details);
  if (out_details != NULL)
    *out_details = g_steal_pointer (&details);
  g_propagate_error (error, g_steal_pointer (&local_error));
  gmo_http_reply_clear (&reply);
  return FALSE;
}
