/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "gmo-keyring.h"
#include "gmo-secret.h"

G_BEGIN_DECLS

/* One account's grant, as kept in its keyring record. */
typedef struct
{
  gchar *account;           /* normalised (lower-case) e-mail address */
  gchar *client_id;         /* the OAuth client; not a secret */
  GmoSecret *client_secret; /* nullable: some clients have none */
  GmoSecret *refresh_token;
  GmoSecret *access_token;  /* nullable: no cached token */
  gint64 expires_at;        /* absolute expiry of access_token, unix seconds UTC; 0 if none */
  gchar *scopes;            /* nullable: space-separated granted scopes */
  gint64 granted_at;        /* when the grant was made or imported, unix seconds UTC */
} GmoGrant;

GmoGrant *gmo_grant_new (const gchar *account);
GmoGrant *gmo_grant_copy (const GmoGrant *grant);
void gmo_grant_free (GmoGrant *grant);
void gmo_grant_forget_access_token (GmoGrant *grant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoGrant, gmo_grant_free)

gchar *gmo_account_normalize (const gchar *account, GError **error);

GmoGrant *gmo_store_grant_from_secret (const gchar *account, const gchar *secret,
                                       GError **error);
GmoGrant *gmo_store_lookup (const gchar *account, GCancellable *cancellable, GError **error);
gboolean gmo_store_save (const GmoGrant *grant, GCancellable *cancellable, GError **error);
gboolean gmo_store_remove (const gchar *account, gboolean *out_removed,
                           GCancellable *cancellable, GError **error);
GPtrArray *gmo_store_list (GCancellable *cancellable, GError **error);

G_END_DECLS
