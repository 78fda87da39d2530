/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The pieces of gmo_http_perform() that read what a server sends (its
 * header lines, its body under the cap, the decision on a complete answer),
 * so that the fuzz target of the token endpoint's answer drives the same code
 * without a network; not for doors. */

#include <curl/curl.h>
#include <gio/gio.h>

#include "gmo-http.h"
#include "gmo-secret.h"

G_BEGIN_DECLS

/* What one HTTP attempt brought back. */
typedef struct
{
  GCancellable *cancellable;     /* borrowed */
  const GmoHttpRequest *request; /* borrowed: for its sink */
  CURL *curl;                    /* borrowed, during the transfer */
  GmoSecretBytes *body;          /* the response body: may hold tokens */
  gsize capacity;                /* bytes reserved in body, so that it never reallocates unwiped */
  gsize max_body;                /* the request's max_answer */
  gsize delivered;               /* body bytes received, kept or given to the sink */
  gboolean too_large;
  gboolean sinking;              /* the body goes to the request's sink */
  GError *sink_error;            /* why the sink refused the body */
  gboolean setup_failed;         /* a curl_easy_setopt failed: nothing was sent */
  long status;                   /* HTTP status, 0 when none arrived */
  gint64 retry_after;            /* Retry-After in seconds, -1 when absent */
  gint64 retry_at;               /* Retry-After as an HTTP-date, unix seconds, 0 when absent */
  gint64 server_date;            /* Date header, unix seconds, 0 when absent */
  gint64 received;               /* local receipt time, unix seconds */
  gint64 signal_seen;            /* monotonic time a termination signal was first seen, or 0 */
  gchar curl_error[CURL_ERROR_SIZE];
} GmoHttpReply;

void gmo_http_reply_reset (GmoHttpReply *reply, const GmoHttpRequest *request);
void gmo_http_reply_received (GmoHttpReply *reply);
void gmo_http_reply_clear (GmoHttpReply *reply);
size_t gmo_http_on_curl_header (char *buffer, size_t size, size_t nitems, void *user_data);
size_t gmo_http_on_curl_write (char *data, size_t size, size_t nmemb, void *user_data);
gboolean gmo_http_classify_attempt (const GmoHttpRequest *request, GmoHttpClassifyFunc classify,
                                    GmoHttpReply *reply, CURLcode rc, gboolean *retry,
                                    gchar **details, GError **error);

G_END_DECLS
