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
  else if (g_strcmp0 (code, "invalid_request") == 0 || code == NULL)
    /* Without an OAuth error code (a proxy's 401, say) the status is all
     * there is: it is no reason to blame the client. */
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("The OAuth endpoint rejected the request (%s)."), *details);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("The OAuth endpoint refused the request (HTTP %ld, %s)."), status, *details);
}

/**
 * gmo_oauth_classify_answer:
 *
 * A #GmoHttpClassifyFunc for the token and revocation endpoints: any 2xx is
 * a success, whose body the caller parses (gmo_oauth_token_from_answer()).
 */
gboolean
gmo_oauth_classify_answer (const GmoHttpRequest *request, const GmoHttpAnswer *answer,
                           gboolean *out_retry, gchar **out_details, GError **error)
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
  return gmo_http_perform (&request, gmo_oauth_classify_answer, out_answer, out_details, cancellable,
                           error);
}

/* Google's tokens are a few hundred bytes of visible ASCII; an ID token (a
 * JWT) a few KiB. Anything else is no token, and storing it as the refresh
 * token would lose the grant. */
#define MAX_TOKEN_BYTES 4096
#define MAX_ID_TOKEN_BYTES 65536
/* Google's access tokens live an hour (12 hours at most); a longer life would
 * keep serving a token long after it is dead. */
#define MAX_EXPIRES_IN (24 * 3600)

/* Copies string member @key (%NULL when absent) as a secret when @secret
 * (GmoSecret is a gchar wiped on free). Returns why it is not acceptable, or
 * %NULL: a string without NUL, and when @max is not 0 a token: 1 to @max bytes
 * of visible ASCII, no space or control character. */
static const gchar *
get_string (json_object *json, const gchar *key, gboolean secret, gsize max, gchar **out)
{
  json_object *member = NULL;
  const gchar *value;
  gsize len;

  if (!json_object_object_get_ex (json, key, &member))
    return NULL;
  if (!json_object_is_type (member, json_type_string))
    return "non-string";
  if (!gmo_json_is_c_string (member))
    return "NUL in";
  value = json_object_get_string (member);
  len = strlen (value);
  if (max != 0)
    {
      if (len == 0)
        return "empty";
      if (len > max)
        return "over-long";
      for (gsize i = 0; i < len; i++)
        if (!g_ascii_isgraph (value[i]))
          return "a character other than visible ASCII in";
    }
  *out = secret ? gmo_secret_dup (value) : g_strdup (value);
  return NULL;
}

/**
 * gmo_oauth_parse_token_response:
 * @json: (nullable): the token endpoint's answer, as parsed by gmo_json_parse()
 * @received: when it was received, unix seconds
 * @server_date: its Date header, unix seconds; 0 if absent
 * @out_details: (out) (optional) (nullable) (transfer full): on failure, which
 *   field is wrong and how (never its value)
 * @error: return location for a %GMO_ERROR_BAD_RESPONSE error
 *
 * Checks every field before anything is used: access_token and a
 * refresh_token, when present, are tokens (1 to 4096 bytes of visible ASCII),
 * expires_in is 1 to 86400 seconds, token_type is absent or Bearer (in any
 * case), scope is a string and id_token a token of up to 64 KiB.
 *
 * Returns: (transfer full): the answer, or %NULL with @error set.
 */
GmoTokenResponse *
gmo_oauth_parse_token_response (json_object *json, gint64 received, gint64 server_date,
                                gchar **out_details, GError **error)
{
  static const struct
  {
    const gchar *key;
    gboolean required;
    gboolean secret;
    gsize max; /* 0: any string, else a token of at most this many bytes */
    glong offset;
  } fields[] = {
    { "access_token", TRUE, TRUE, MAX_TOKEN_BYTES,
      G_STRUCT_OFFSET (GmoTokenResponse, access_token) },
    { "refresh_token", FALSE, TRUE, MAX_TOKEN_BYTES,
      G_STRUCT_OFFSET (GmoTokenResponse, refresh_token) },
    { "id_token", FALSE, TRUE, MAX_ID_TOKEN_BYTES, G_STRUCT_OFFSET (GmoTokenResponse, id_token) },
    { "scope", FALSE, FALSE, 0, G_STRUCT_OFFSET (GmoTokenResponse, scope) },
    { "token_type", FALSE, FALSE, 0, G_STRUCT_OFFSET (GmoTokenResponse, token_type) },
  };
  g_autoptr (GmoTokenResponse) response = g_new0 (GmoTokenResponse, 1);
  g_autofree gchar *bad = NULL;

  if (!json_object_is_type (json, json_type_object))
    bad = g_strdup ("not a JSON object");
  for (gsize i = 0; bad == NULL && i < G_N_ELEMENTS (fields); i++)
    {
      gchar **value = G_STRUCT_MEMBER_P (response, fields[i].offset);
      const gchar *problem = get_string (json, fields[i].key, fields[i].secret, fields[i].max,
                                         value);

      if (problem == NULL && *value == NULL && fields[i].required)
        problem = "missing";
      if (problem != NULL)
        bad = g_strdup_printf ("%s %s", problem, fields[i].key);
    }
  if (bad == NULL
      && (!gmo_json_get_int64 (json, "expires_in", &response->expires_in)
          || response->expires_in <= 0 || response->expires_in > MAX_EXPIRES_IN))
    bad = g_strdup ("missing or invalid expires_in");
  else if (bad == NULL && response->token_type != NULL
           && g_ascii_strcasecmp (response->token_type, "Bearer") != 0)
    bad = g_strdup ("token_type other than Bearer");

  if (bad != NULL)
    {
      g_debug ("token response: %s", bad);
      /* Translators: %s names the problem, such as “empty refresh_token”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The OAuth endpoint's token response is not valid: %s."), bad);
      if (out_details != NULL)
        *out_details = g_steal_pointer (&bad);
      return NULL;
    }
  response->expires_at = received + response->expires_in;
  response->server_date = server_date;
  return g_steal_pointer (&response);
}

/**
 * gmo_oauth_token_from_answer:
 * @answer: a success answer of the token endpoint
 * @out_details: (out) (optional) (nullable) (transfer full): as for gmo_oauth_refresh()
 * @error: return location for a %GMO_ERROR_BAD_RESPONSE error
 *
 * Returns: (transfer full): the token response its body holds, or %NULL
 * with @error set.
 */
GmoTokenResponse *
gmo_oauth_token_from_answer (const GmoHttpAnswer *answer, gchar **out_details, GError **error)
{
  g_autoptr (GmoSecretJson) json = NULL;
  g_autoptr (GError) local_error = NULL;

  json = gmo_json_parse ((const gchar *) answer->body->data, answer->body->len,
                         GMO_ERROR_BAD_RESPONSE, &local_error);
  /* The document `null` parses, without an error, to %NULL: no token
   * response either, which gmo_oauth_parse_token_response() says. */
  if (local_error != NULL)
    {
      if (out_details != NULL)
        *out_details = g_strdup_printf ("HTTP %ld: %s", answer->status, local_error->message);
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The OAuth endpoint's response is not valid: %s"), local_error->message);
      return NULL;
    }
  return gmo_oauth_parse_token_response (json, answer->received, answer->server_date,
                                         out_details, error);
}

static GmoTokenResponse *
request_token (const GmoSecretString *form, gchar **out_details, GCancellable *cancellable,
               GError **error)
{
  g_auto (GmoHttpAnswer) answer = { 0 };

  if (!post_form (GMO_ENDPOINT_TOKEN, form, &answer, out_details, cancellable, error))
    return NULL;
  return gmo_oauth_token_from_answer (&answer, out_details, error);
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
