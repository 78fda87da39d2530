/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

/* Google's endpoints; each can be replaced through its environment variable. */
typedef enum
{
  GMO_ENDPOINT_TOKEN,  /* GMAIL_OAUTH_TOKEN_URL, https://oauth2.googleapis.com/token */
  GMO_ENDPOINT_AUTH,   /* GMAIL_OAUTH_AUTH_URL, https://accounts.google.com/o/oauth2/v2/auth */
  GMO_ENDPOINT_REVOKE, /* GMAIL_OAUTH_REVOKE_URL, https://oauth2.googleapis.com/revoke */
  GMO_ENDPOINT_GMAIL,  /* GMAIL_OAUTH_GMAIL_URL, https://gmail.googleapis.com/gmail/v1/users/me/ */
  GMO_ENDPOINT_TOKENINFO, /* GMAIL_OAUTH_TOKENINFO_URL, https://oauth2.googleapis.com/tokeninfo */
  /* GMAIL_OAUTH_USERINFO_URL, https://openidconnect.googleapis.com/v1/userinfo */
  GMO_ENDPOINT_USERINFO,
} GmoEndpoint;

/* Takes the body of a success (2xx) answer while it arrives, so that a large
 * answer is never held whole a second time: gmo_http_perform() then leaves
 * the answer's body empty. Every attempt starts with a call with @data %NULL
 * (forget what an earlier attempt delivered). Returning %FALSE with @error set
 * aborts the transfer, and the call fails with that error without a retry. */
typedef gboolean (*GmoHttpSinkFunc) (const gchar *data, gsize len, gpointer user_data,
                                     GError **error);

/* One request, as gmo_http_perform() sends it. Nothing here is copied: the
 * body and the bearer token may be secrets, and stay where the caller keeps
 * (and wipes) them. */
typedef struct
{
  const gchar *method;       /* "GET" or "POST" */
  const gchar *url;          /* checked with gmo_http_check_url() by the caller */
  const gchar *content_type; /* (nullable): of the body */
  const gchar *body;         /* (nullable): the POST body (not copied, so it may be large) */
  gsize body_len;
  const gchar *bearer;       /* (nullable): sent as "Authorization: Bearer ..." */
  gsize max_answer;          /* the largest answer body accepted */
  const gchar *service;      /* (translated) who answers, for messages: "the OAuth endpoint" */
  GmoHttpSinkFunc sink;      /* (nullable): where a 2xx body goes, instead of the answer */
  gpointer sink_data;
  guint budget_ms;           /* all attempts and waits together; 0: the default (30 s) */
  guint max_attempts;        /* 0: the default (3) */
} GmoHttpRequest;

/* A complete answer that came back. */
typedef struct
{
  long status;          /* the HTTP status */
  GmoSecretBytes *body; /* the answer body: may hold tokens; wiped on clear */
  gint64 retry_after;   /* Retry-After in seconds (a date converted), -1 when absent */
  gint64 server_date;   /* the Date header, unix seconds, 0 when absent */
  gint64 received;      /* local receipt time, unix seconds */
} GmoHttpAnswer;

void gmo_http_answer_clear (GmoHttpAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GmoHttpAnswer, gmo_http_answer_clear)

/* Decides what a complete, non-redirect answer amounts to: %TRUE for a
 * success; else sets @error, @out_details (one line, never a secret) and
 * whether another attempt could help. */
typedef gboolean (*GmoHttpClassifyFunc) (const GmoHttpRequest *request,
                                         const GmoHttpAnswer *answer, gboolean *out_retry,
                                         gchar **out_details, GError **error);

gboolean gmo_http_check_url (const gchar *url, GError **error);
gchar *gmo_http_endpoint_url (GmoEndpoint endpoint, GError **error);
void gmo_http_form_add (GString *form, const gchar *key, const gchar *value);
gchar *gmo_http_sanitize (const gchar *text);
gboolean gmo_http_is_retryable_status (long status);
gboolean gmo_http_perform (const GmoHttpRequest *request, GmoHttpClassifyFunc classify,
                           GmoHttpAnswer *out_answer, gchar **out_details,
                           GCancellable *cancellable, GError **error);

G_END_DECLS
