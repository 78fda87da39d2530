/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

/* The pure parts of `gmail-oauth login`: PKCE, the authorization URL, and the
 * parsers of what comes back (the browser's request, a pasted address, the
 * client file). No I/O here, so that tests can feed them anything. */

/* What an answer to the authorization request turned out to be. */
typedef enum
{
  GMO_LOGIN_ANSWER_CODE,    /* a code, with our state: the flow completes */
  GMO_LOGIN_ANSWER_DENIED,  /* an error (access_denied...), with our state: the flow fails */
  GMO_LOGIN_ANSWER_INVALID, /* anything else: refused, and the flow keeps waiting */
} GmoLoginAnswer;

/* What the login listener reads of one request; the same bound holds for
 * one pasted line. */
#define GMO_LOGIN_MAX_REQUEST_HEAD 8192

/* How far a browser's request head has come. */
typedef enum
{
  GMO_LOGIN_HEAD_PARTIAL,   /* text so far, not complete: read more */
  GMO_LOGIN_HEAD_COMPLETE,  /* an empty line ends it: answer it */
  GMO_LOGIN_HEAD_NOT_TEXT,  /* binary bytes: refused */
  GMO_LOGIN_HEAD_TOO_LARGE, /* not complete, and too long to wait for the rest */
} GmoLoginHead;

gchar *gmo_login_random_string (gsize len, GError **error);
gchar *gmo_login_pkce_challenge (const gchar *verifier);
gchar *gmo_login_auth_url (const gchar *endpoint, const gchar *client_id,
                           const gchar *redirect_uri, const gchar *scope, const gchar *state,
                           const gchar *challenge, const gchar *login_hint);
GmoLoginAnswer gmo_login_parse_query (const gchar *query, const gchar *state,
                                      GmoSecret **out_code, gchar **out_problem);
GmoLoginAnswer gmo_login_parse_request_line (const gchar *line, const gchar *state,
                                             GmoSecret **out_code, gchar **out_problem);
GmoLoginAnswer gmo_login_parse_pasted (const gchar *text, const gchar *redirect_uri,
                                       const gchar *state, GmoSecret **out_code,
                                       gchar **out_problem);
GmoLoginHead gmo_login_check_head (const gchar *head, gsize len);
GmoLoginAnswer gmo_login_parse_request_head (const gchar *head, const gchar *state,
                                             GmoSecret **out_code, gchar **out_problem);
gboolean gmo_login_parse_client_secrets (const gchar *data, gsize len, gchar **out_client_id,
                                         GmoSecret **out_client_secret, GError **error);

G_END_DECLS
