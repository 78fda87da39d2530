/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-oauth.h"

G_BEGIN_DECLS

/* Who consented to a fresh grant: the OpenID Connect `email` of the ID token
 * in the code exchange's answer, or of the userinfo endpoint's answer. */

/* The scopes login adds to every authorization request, so that it can ask. */
#define GMO_IDENTITY_SCOPES "openid email"

gchar *gmo_identity_from_id_token (const gchar *id_token, const gchar *client_id, gint64 now,
                                   GError **error);
gchar *gmo_identity_from_userinfo (const gchar *access_token, GCancellable *cancellable,
                                   GError **error);
gchar *gmo_identity_of_response (const GmoTokenResponse *response, const gchar *client_id,
                                 GCancellable *cancellable, GError **error);
gboolean gmo_identity_same_account (const gchar *account, const gchar *email);
gchar *gmo_identity_add_scopes (const gchar *scope);

G_END_DECLS
