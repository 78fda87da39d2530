/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "gmo-http.h"
#include "gmo-secret.h"

G_BEGIN_DECLS

/* A successful answer of the token endpoint. */
typedef struct
{
  GmoSecret *access_token;
  gint64 expires_in;       /* seconds, as the server said */
  gint64 expires_at;       /* absolute: local receipt time + expires_in, unix seconds UTC */
  GmoSecret *refresh_token; /* nullable: present when the server rotated it (or on a code exchange) */
  gchar *scope;            /* nullable */
  gchar *token_type;       /* nullable, normally "Bearer" */
  GmoSecret *id_token;     /* nullable */
  gint64 server_date;      /* the response's Date header, unix seconds; 0 if absent */
} GmoTokenResponse;

void gmo_token_response_free (GmoTokenResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoTokenResponse, gmo_token_response_free)

GmoTokenResponse *gmo_oauth_parse_token_response (json_object *json, gint64 received,
                                                  gint64 server_date, gchar **out_details,
                                                  GError **error);
/* How gmo_oauth_refresh() and the others read the endpoint's answer. */
gboolean gmo_oauth_classify_answer (const GmoHttpRequest *request, const GmoHttpAnswer *answer,
                                    gboolean *out_retry, gchar **out_details, GError **error);
GmoTokenResponse *gmo_oauth_token_from_answer (const GmoHttpAnswer *answer, gchar **out_details,
                                               GError **error);
GmoTokenResponse *gmo_oauth_refresh (const gchar *client_id, const gchar *client_secret,
                                     const gchar *refresh_token, gchar **out_details,
                                     GCancellable *cancellable, GError **error);
GmoTokenResponse *gmo_oauth_exchange_code (const gchar *client_id, const gchar *client_secret,
                                           const gchar *code, const gchar *code_verifier,
                                           const gchar *redirect_uri, gchar **out_details,
                                           GCancellable *cancellable, GError **error);
gboolean gmo_oauth_revoke (const gchar *token, gchar **out_details, GCancellable *cancellable,
                           GError **error);

G_END_DECLS
