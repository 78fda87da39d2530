/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

typedef enum
{
  GMO_ENDPOINT_TOKEN,  /* GMAIL_OAUTH_TOKEN_URL, https://oauth2.googleapis.com/token */
  GMO_ENDPOINT_AUTH,   /* GMAIL_OAUTH_AUTH_URL, https://accounts.google.com/o/oauth2/v2/auth */
  GMO_ENDPOINT_REVOKE, /* GMAIL_OAUTH_REVOKE_URL, https://oauth2.googleapis.com/revoke */
} GmoEndpoint;

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

gchar *gmo_oauth_endpoint_url (GmoEndpoint endpoint, GError **error);
gboolean gmo_oauth_check_url (const gchar *url, GError **error);

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
