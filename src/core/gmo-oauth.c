/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-error.h"
#include "gmo-http.h"
#include "gmo-json.h"
#include "gmo-oauth.h"

/* Google answers a few hundred bytes; anything near this is not a token response. */
#define MAX_ANSWER_BYTES (1024 * 1024)

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


static GmoSecretString *
form_new (void)
{
  /* Large enough for every form we send, so that the secrets in it are never
   * left behind by a reallocation. */
  return g_string_sized_new (8192);
}

/* Sets @error and @details for an OAuth error answer (4xx or 5xx). */
static void
classify_error_answer (const GmoHttpAnswer *reply, gboolean *retry, gchar **details,
                       GError **error)
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
  *details = gmo_http_sanitize (raw);

  if (gmo_http_is_retryable_status (status)
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

/* A token or revocation answer: any 2xx is a success, whose body the caller parses. */
static gboolean
classify_answer (const GmoHttpRequest *request, const GmoHttpAnswer *answer, gboolean *out_retry,
                 gchar **out_details, GError **error)
{
  if (answer->status >= 200 && answer->status < 300)
    return TRUE;
  classify_error_answer (answer, out_retry, out_details, error);
  return FALSE;
}

/* POSTs @form to @endpoint; on success @out_answer holds the answer. */
static gboolean
post_form (GmoEndpoint endpoint, const GmoSecretString *form, GmoHttpAnswer *out_answer,
           gchar **out_details, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *url = NULL;
  g_autoptr (GError) local_error = NULL;
  GmoHttpRequest request = {
    .method = "POST",
    .content_type = "application/x-www-form-urlencoded",
    .body = form->str,
    .body_len = form->len,
    .max_answer = MAX_ANSWER_BYTES,
    .service = _("the OAuth endpoint"),
  };

  url = gmo_http_endpoint_url (endpoint, &local_error);
  if (url == NULL)
    {
      /* Nothing was sent: the details are our own complaint. */
      if (out_details != NULL)
        *out_details = g_strdup (local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  request.url = url;
  return gmo_http_perform (&request, classify_answer, out_answer, out_details, cancellable,
                           error);
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
  g_auto (GmoHttpAnswer) answer = { 0 };
  g_autoptr (GmoSecretJson) json = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!post_form (GMO_ENDPOINT_TOKEN, form, &answer, out_details, cancellable, error))
    return NULL;
  json = gmo_json_parse ((const gchar *) answer.body->data, answer.body->len,
                         GMO_ERROR_BAD_RESPONSE, &local_error);
  if (json == NULL)
    {
      if (out_details != NULL)
        *out_details = g_strdup_printf ("HTTP %ld: %s", answer.status, local_error->message);
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The OAuth endpoint's response is not valid: %s"), local_error->message);
      return NULL;
    }
  return parse_token_response (json, answer.received, answer.server_date, out_details, error);
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

  gmo_http_form_add (form, "grant_type", "refresh_token");
  gmo_http_form_add (form, "client_id", client_id);
  gmo_http_form_add (form, "client_secret", client_secret);
  gmo_http_form_add (form, "refresh_token", refresh_token);
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

  gmo_http_form_add (form, "grant_type", "authorization_code");
  gmo_http_form_add (form, "code", code);
  gmo_http_form_add (form, "client_id", client_id);
  gmo_http_form_add (form, "client_secret", client_secret);
  gmo_http_form_add (form, "redirect_uri", redirect_uri);
  gmo_http_form_add (form, "code_verifier", code_verifier);
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
  g_auto (GmoHttpAnswer) answer = { 0 };

  g_return_val_if_fail (token != NULL, FALSE);

  gmo_http_form_add (form, "token", token);
  return post_form (GMO_ENDPOINT_REVOKE, form, &answer, out_details, cancellable, error);
}
