/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which Google account consented to a fresh grant, so that `login ACCOUNT`
 * never stores the grant of another address under ACCOUNT's name.
 *
 * The ID token comes straight from the token endpoint over verified TLS, so,
 * as OpenID Connect Core 3.1.3.7 allows, the TLS channel authenticates its
 * issuer and its signature is not checked; its claims are (issuer, audience,
 * authorized party, expiry, a verified email). Without an ID token the
 * userinfo endpoint is asked with the new access token. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-error.h"
#include "gmo-http.h"
#include "gmo-identity.h"
#include "gmo-json.h"
#include "gmo-secret.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* Google's userinfo answer is a few hundred bytes. */
#define MAX_USERINFO_BYTES (64 * 1024)
/* OpenID Connect Core 3.1.3.7 allows "a few minutes" of leeway on exp for
 * clock skew; the reference time is the token endpoint's own Date when it
 * sent one, so that only the skew between Google's servers counts. */
#define EXP_LEEWAY 300

static const gchar *const google_issuers[] = { "accounts.google.com", "https://accounts.google.com",
                                               NULL };

/* Decodes one base64url part of a JWT (RFC 7515 2: no padding). GLib's
 * decoder skips characters outside its alphabet, so the part is checked
 * first: otherwise "a*b" would decode as "ab".
 * Returns: (transfer full) (nullable): the bytes, wiped when freed by the caller. */
static guchar *
decode_part (const gchar *part, gsize len, gsize *out_len)
{
  g_autoptr (GmoSecretString) padded = NULL;
  guchar *decoded;

  if (len == 0 || len % 4 == 1)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (part[i]) && part[i] != '-' && part[i] != '_')
      return NULL;
  padded = g_string_sized_new (len + 3);
  g_string_append_len (padded, part, len);
  g_strdelimit (padded->str, "-", '+');
  g_strdelimit (padded->str, "_", '/');
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  decoded = g_base64_decode (padded->str, out_len);
  if (*out_len == 0)
    g_clear_pointer (&decoded, g_free);
  return decoded;
}

/* A JWT part as a JSON object, parsed as strictly as every answer. */
static json_object *
decode_json_part (const gchar *part, gsize len)
{
  gsize decoded_len = 0;
  guchar *decoded = decode_part (part, len, &decoded_len);
  json_object *json;

  if (decoded == NULL)
    return NULL;
  json = gmo_json_parse ((const gchar *) decoded, decoded_len, GMO_ERROR_BAD_RESPONSE, NULL);
  gmo_wipe (decoded, decoded_len);
  g_free (decoded);
  if (json != NULL && !json_object_is_type (json, json_type_object))
    g_clear_pointer (&json, gmo_json_wipe_put);
  return json;
}

/* Whether @claims names @client_id as its audience: "aud" is our client id,
 * or a list that holds it; "azp", required with a list, is our client id
 * (OpenID Connect Core 3.1.3.7, points 3 to 5). */
static gboolean
audience_is (json_object *claims, const gchar *client_id)
{
  json_object *aud = NULL;
  const gchar *azp = gmo_json_get_string (claims, "azp");
  gboolean listed = FALSE;

  if (json_object_object_get_ex (claims, "azp", NULL) && g_strcmp0 (azp, client_id) != 0)
    return FALSE;
  if (!json_object_object_get_ex (claims, "aud", &aud))
    return FALSE;
  if (json_object_is_type (aud, json_type_string))
    return g_strcmp0 (gmo_json_get_string (claims, "aud"), client_id) == 0;
  if (!json_object_is_type (aud, json_type_array) || azp == NULL)
    return FALSE;
  for (gsize i = 0; i < json_object_array_length (aud); i++)
    {
      json_object *item = json_object_array_get_idx (aud, i);

      if (gmo_json_is_c_string (item)
          && g_strcmp0 (json_object_get_string (item), client_id) == 0)
        listed = TRUE;
    }
  return listed;
}

/* The verified address in @claims (an ID token's payload or a userinfo
 * answer), lower-cased as accounts are. */
static gchar *
email_of_claims (json_object *claims, GError **error)
{
  json_object *verified = NULL;
  const gchar *email = gmo_json_get_string (claims, "email");
  g_autofree gchar *normalized = NULL;

  if (!json_object_object_get_ex (claims, "email", NULL))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                   _("Google did not say which address consented (the “email” scope was not "
                     "granted)"));
      return NULL;
    }
  if (email != NULL)
    normalized = gmo_account_normalize (email, NULL);
  if (normalized == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("Google's answer names no valid e-mail address as the one that consented"));
      return NULL;
    }
  /* A boolean, but Google's own documentation shows the string "true". */
  json_object_object_get_ex (claims, "email_verified", &verified);
  if (!(json_object_is_type (verified, json_type_boolean) && json_object_get_boolean (verified))
      && !(json_object_is_type (verified, json_type_string)
           && g_strcmp0 (json_object_get_string (verified), "true") == 0))
    {
      /* Translators: %s is an e-mail address. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                   _("Google has not verified the address %s of the account that consented: "
                     "verify it in the Google Account, then log in again"),
                   normalized);
      return NULL;
    }
  return g_steal_pointer (&normalized);
}

/**
 * gmo_identity_from_id_token:
 * @id_token: the id_token of a token endpoint's answer (a JWT)
 * @client_id: the OAuth client the answer was for
 * @now: the current time, unix seconds
 * @error: return location for a %GMO_ERROR_BAD_RESPONSE error (a malformed
 *   or foreign token), or %GMO_ERROR_REAUTHORIZE (no verified address)
 *
 * Reads the payload of @id_token, which must have come from the token
 * endpoint over verified TLS: its signature is not checked. Its issuer must
 * be Google's, its audience @client_id, its expiry after @now (with a few
 * minutes of leeway) and its email verified.
 *
 * Returns: (transfer full): the address that consented, lower-cased, or
 * %NULL with @error set.
 */
gchar *
gmo_identity_from_id_token (const gchar *id_token, const gchar *client_id, gint64 now,
                            GError **error)
{
  g_autoptr (GmoSecretJson) header = NULL;
  g_autoptr (GmoSecretJson) claims = NULL;
  const gchar *dot1, *dot2, *signature;
  const gchar *problem = NULL;
  gsize signature_len = 0;
  guchar *decoded_signature;
  gint64 exp = 0;

  g_return_val_if_fail (id_token != NULL, NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  dot1 = strchr (id_token, '.');
  dot2 = dot1 != NULL ? strchr (dot1 + 1, '.') : NULL;
  signature = dot2 != NULL ? dot2 + 1 : NULL;
  if (signature == NULL || strchr (signature, '.') != NULL)
    problem = N_("it is not three parts header.payload.signature");
  else if ((header = decode_json_part (id_token, dot1 - id_token)) == NULL
           || gmo_json_get_string (header, "alg") == NULL)
    problem = N_("its header is not base64url-encoded JSON");
  else if ((claims = decode_json_part (dot1 + 1, dot2 - dot1 - 1)) == NULL)
    problem = N_("its payload is not base64url-encoded JSON");
  else if ((decoded_signature = decode_part (signature, strlen (signature), &signature_len))
           == NULL)
    problem = N_("its signature is not base64url-encoded");
  else
    {
      const gchar *iss = gmo_json_get_string (claims, "iss");

      g_free (decoded_signature);
      if (iss == NULL || !g_strv_contains (google_issuers, iss))
        problem = N_("its issuer is not accounts.google.com");
      else if (!audience_is (claims, client_id))
        problem = N_("it was issued to another client");
      else if (!gmo_json_get_int64 (claims, "exp", &exp))
        problem = N_("it has no expiry time");
      else if (exp <= now - EXP_LEEWAY)
        problem = N_("it has expired (is the computer's clock right?)");
    }
  if (problem != NULL)
    {
      g_debug ("id_token: %s", problem);
      /* Translators: %s says what is wrong, such as “it was issued to another client”. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The ID token in the token endpoint's answer is not valid: %s"),
                   _(problem));
      return NULL;
    }
  return email_of_claims (claims, error);
}

/* The classifier of the userinfo request: a 2xx is the answer; a 5xx or 429
 * may pass; anything else is the endpoint refusing a token it just issued. */
static gboolean
classify_userinfo (const GmoHttpRequest *request, const GmoHttpAnswer *answer, gboolean *out_retry,
                   gchar **out_details, GError **error)
{
  if (answer->status >= 200 && answer->status < 300)
    return TRUE;
  *out_details = g_strdup_printf ("HTTP %ld", answer->status);
  *out_retry = gmo_http_is_retryable_status (answer->status);
  if (*out_retry)
    g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                 _("The userinfo endpoint is temporarily unavailable (HTTP %ld); try again "
                   "later."),
                 answer->status);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("The userinfo endpoint refused the new access token (HTTP %ld)."),
                 answer->status);
  return FALSE;
}

/**
 * gmo_identity_from_userinfo:
 * @access_token: an access token of a grant with the openid and email scopes
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * Asks the userinfo endpoint (GMAIL_OAUTH_USERINFO_URL) whose token
 * @access_token is.
 *
 * Returns: (transfer full): the verified address, lower-cased, or %NULL
 * with @error set.
 */
gchar *
gmo_identity_from_userinfo (const gchar *access_token, GCancellable *cancellable,
                            GError **error)
{
  g_autofree gchar *url = NULL;
  g_auto (GmoHttpAnswer) answer = { 0 };
  g_autoptr (GmoSecretJson) json = NULL;
  g_autoptr (GError) local_error = NULL;
  GmoHttpRequest request = {
    .method = "GET",
    .bearer = access_token,
    .max_answer = MAX_USERINFO_BYTES,
    .service = _("the userinfo endpoint"),
  };

  g_return_val_if_fail (access_token != NULL, NULL);

  url = gmo_http_endpoint_url (GMO_ENDPOINT_USERINFO, error);
  if (url == NULL)
    return NULL;
  request.url = url;
  if (!gmo_http_perform (&request, classify_userinfo, &answer, NULL, cancellable, error))
    return NULL;
  json = gmo_json_parse ((const gchar *) answer.body->data, answer.body->len,
                         GMO_ERROR_BAD_RESPONSE, &local_error);
  if (json != NULL && !json_object_is_type (json, json_type_object))
    g_set_error (&local_error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE, _("not a JSON object"));
  if (local_error != NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The userinfo endpoint's answer is not valid: %s"), local_error->message);
      return NULL;
    }
  return email_of_claims (json, error);
}

/**
 * gmo_identity_of_response:
 * @response: a code exchange's answer
 * @client_id: the client it was for
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * The address that consented: from the ID token of @response, or, when it
 * has none, from the userinfo endpoint. A bad ID token is an error, never a
 * reason to ask elsewhere.
 *
 * Returns: (transfer full): the address, lower-cased, or %NULL with @error set.
 */
gchar *
gmo_identity_of_response (const GmoTokenResponse *response, const gchar *client_id,
                          GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (response != NULL && response->access_token != NULL, NULL);

  if (response->id_token != NULL)
    return gmo_identity_from_id_token (response->id_token, client_id,
                                       response->server_date > 0 ? response->server_date
                                                                 : gmo_now (),
                                       error);
  return gmo_identity_from_userinfo (response->access_token, cancellable, error);
}

/* Splits a lower-cased address into a local part and a domain in which
 * googlemail.com is gmail.com and, there, dots are dropped. */
static gchar *
comparable (const gchar *normalized)
{
  const gchar *at = strrchr (normalized, '@');
  GString *out;

  if (!g_str_equal (at + 1, "gmail.com") && !g_str_equal (at + 1, "googlemail.com"))
    return g_strdup (normalized);
  out = g_string_new (NULL);
  for (const gchar *p = normalized; p < at; p++)
    if (*p != '.')
      g_string_append_c (out, *p);
  g_string_append (out, "@gmail.com");
  return g_string_free (out, FALSE);
}

/**
 * gmo_identity_same_account:
 * @account: the account the user named
 * @email: the address Google says consented
 *
 * Accounts are compared as everywhere, case-insensitively (both are
 * normalised with gmo_account_normalize()), with one more rule for Google's
 * consumer addresses: googlemail.com is another name of gmail.com (the
 * domain Google gave to accounts opened in Germany and the UK; both reach
 * the same mailbox and sign in to the same account), and dots in their local
 * part do not count (Google ignores them: m.e@gmail.com is me@gmail.com).
 * Nothing else is folded: a "+tag" is a delivery alias, not the name of an
 * account, and other domains (Google Workspace) are free to treat dots as
 * they like.
 *
 * Returns: %TRUE if both name the same Google account.
 */
gboolean
gmo_identity_same_account (const gchar *account, const gchar *email)
{
  g_autofree gchar *a = gmo_account_normalize (account, NULL);
  g_autofree gchar *b = gmo_account_normalize (email, NULL);
  g_autofree gchar *comparable_a = NULL;
  g_autofree gchar *comparable_b = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  comparable_a = comparable (a);
  comparable_b = comparable (b);
  return g_str_equal (comparable_a, comparable_b);
}

/**
 * gmo_identity_add_scopes:
 * @scope: space-separated scopes
 *
 * Returns: (transfer full): @scope with "openid" and "email" appended when
 * missing (the userinfo.email URL counts as "email"), so that the consent
 * says who gave it.
 */
gchar *
gmo_identity_add_scopes (const gchar *scope)
{
  g_auto (GStrv) have = g_strsplit_set (scope, " \t\n", -1);
  GString *out = g_string_new (scope);

  if (!g_strv_contains ((const gchar *const *) have, "openid"))
    g_string_append (out, " openid");
  if (!g_strv_contains ((const gchar *const *) have, "email")
      && !g_strv_contains ((const gchar *const *) have,
                           "https://www.googleapis.com/auth/userinfo.email"))
    g_string_append (out, " email");
  return g_string_free (out, FALSE);
}
