/* SPDX-License-Identifier: GPL-3.0-or-later */
/* STUB: being replaced by the real implementation. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-error.h"
#include "gmo-oauth.h"

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

gchar *
gmo_oauth_endpoint_url (GmoEndpoint endpoint, GError **error)
{
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, "stub");
  return NULL;
}

gboolean
gmo_oauth_check_url (const gchar *url, GError **error)
{
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, "stub");
  return FALSE;
}

GmoTokenResponse *
gmo_oauth_refresh (const gchar *client_id, const gchar *client_secret, const gchar *refresh_token,
                   gchar **out_details, GCancellable *cancellable, GError **error)
{
  g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, "stub");
  return NULL;
}

GmoTokenResponse *
gmo_oauth_exchange_code (const gchar *client_id, const gchar *client_secret, const gchar *code,
                         const gchar *code_verifier, const gchar *redirect_uri,
                         gchar **out_details, GCancellable *cancellable, GError **error)
{
  g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, "stub");
  return NULL;
}

gboolean
gmo_oauth_revoke (const gchar *token, gchar **out_details, GCancellable *cancellable,
                  GError **error)
{
  g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, "stub");
  return FALSE;
}
