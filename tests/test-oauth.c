/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the token endpoint client against the stand-in for Google
 * (tests/fake-google.py, started by tests/with-session). */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <gio/gio.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-oauth.h"
#include "gmo-test-util.h"

#define CLIENT_ID "test-client.apps.googleusercontent.com"
#define CLIENT_SECRET "GOCSPX-test-client-secret"
#define REDIRECT_URI "http://127.0.0.1:1/"
#define VERIFIER "test-verifier-0123456789-0123456789-0123456789"

static void
ctl (const gchar *path, const gchar *body)
{
  json_object_put (gmo_test_fake_call ("POST", path, body));
}

static void
fault (const gchar *kind, gint count, gint retry_after)
{
  g_autofree gchar *body = g_strdup_printf (
      "{\"kind\": \"%s\", \"count\": %d, \"retry_after\": %d}", kind, count, retry_after);

  ctl ("/control/fault", body);
}

/* Resets the stand-in and registers a client and a fresh grant. Returns the
 * grant's refresh token. */
static gchar *
setup_grant (void)
{
  gmo_test_fake_reset ();
  return gmo_test_fake_add_grant (CLIENT_ID, CLIENT_SECRET);
}

/* A failure's message and details: one line, never a secret. */
static void
assert_clean (const GError *error, const gchar *details, const gchar *refresh_token)
{
  g_assert_nonnull (details);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (details, '\n'));
  g_assert_null (strstr (error->message, CLIENT_SECRET));
  g_assert_null (strstr (details, CLIENT_SECRET));
  g_assert_null (strstr (error->message, refresh_token));
  g_assert_null (strstr (details, refresh_token));
}

/* Refreshes and expects failure of class @code, @details containing
 * @details_part, after exactly @requests requests. */
static void
assert_refresh_fails (const gchar *refresh_token, GmoError code, const gchar *details_part,
                      gint64 requests)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;

  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, refresh_token, &details, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, GMO_ERROR, (gint) code);
  g_test_message ("%s | %s", error->message, details);
  assert_clean (error, details, refresh_token);
  if (details_part != NULL)
    g_assert_nonnull (strstr (details, details_part));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, requests);
}

static GmoTokenResponse *
refresh_ok (const gchar *refresh_token)
{
  g_autoptr (GError) error = NULL;
  /* Not allocated: the call must overwrite it with NULL on success. */
  gchar *details = (gchar *) "stale";
  GmoTokenResponse *response;

  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, refresh_token, &details, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_null (details);
  return response;
}

static void
test_url_check (void)
{
  const gchar *good[] = {
    "https://oauth2.googleapis.com/token", "http://127.0.0.1:8080/token",
    "http://127.5.6.7/token",              "http://[::1]:9/token",
    "http://localhost/token",              "http://LocalHost:80/",
  };
  const gchar *bad[] = {
    "http://example.com/token",     "http://128.0.0.1/token",  "http://127.0.0.1.example.com/",
    "http://[::2]/token",           "ftp://127.0.0.1/token",   "file:///etc/passwd",
    "not a url",                    "",                        "https://user:hunter2@example.com/",
    "http://user@127.0.0.1/token",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("good: %s", good[i]);
      g_assert_true (gmo_http_check_url (good[i], &error));
      g_assert_no_error (error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("bad: %s", bad[i]);
      g_assert_false (gmo_http_check_url (bad[i], &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_null (strstr (error->message, "hunter2"));
    }
}

static void
test_url_endpoints (void)
{
  g_autofree gchar *saved = g_strdup (g_getenv ("GMAIL_OAUTH_TOKEN_URL"));
  g_autofree gchar *url = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (saved);
  url = gmo_http_endpoint_url (GMO_ENDPOINT_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, saved);
  g_clear_pointer (&url, g_free);

  g_assert_true (g_setenv ("GMAIL_OAUTH_TOKEN_URL", "http://example.com/token", TRUE));
  url = gmo_http_endpoint_url (GMO_ENDPOINT_TOKEN, &error);
  g_assert_null (url);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "GMAIL_OAUTH_TOKEN_URL"));
  g_clear_error (&error);

  g_unsetenv ("GMAIL_OAUTH_TOKEN_URL");
  url = gmo_http_endpoint_url (GMO_ENDPOINT_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://oauth2.googleapis.com/token");
  g_clear_pointer (&url, g_free);
  g_assert_true (g_setenv ("GMAIL_OAUTH_TOKEN_URL", saved, TRUE));

  {
    g_autofree gchar *saved_auth = g_strdup (g_getenv ("GMAIL_OAUTH_AUTH_URL"));
    g_autofree gchar *saved_revoke = g_strdup (g_getenv ("GMAIL_OAUTH_REVOKE_URL"));

    g_unsetenv ("GMAIL_OAUTH_AUTH_URL");
    g_unsetenv ("GMAIL_OAUTH_REVOKE_URL");
    url = gmo_http_endpoint_url (GMO_ENDPOINT_AUTH, &error);
    g_assert_cmpstr (url, ==, "https://accounts.google.com/o/oauth2/v2/auth");
    g_clear_pointer (&url, g_free);
    url = gmo_http_endpoint_url (GMO_ENDPOINT_REVOKE, &error);
    g_assert_cmpstr (url, ==, "https://oauth2.googleapis.com/revoke");
    g_assert_no_error (error);
    g_assert_true (g_setenv ("GMAIL_OAUTH_AUTH_URL", saved_auth, TRUE));
    g_assert_true (g_setenv ("GMAIL_OAUTH_REVOKE_URL", saved_revoke, TRUE));
  }
}

static void
test_url_refused_before_sending (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autofree gchar *saved = g_strdup (g_getenv ("GMAIL_OAUTH_TOKEN_URL"));
  g_autofree gchar *ftp = g_strdup_printf ("ftp://%s", saved + strlen ("http://"));

  g_assert_true (g_setenv ("GMAIL_OAUTH_TOKEN_URL", ftp, TRUE));
  assert_refresh_fails (rt, GMO_ERROR_USAGE, NULL, 0);
  g_assert_true (g_setenv ("GMAIL_OAUTH_TOKEN_URL", saved, TRUE));
}

static void
test_refresh_success (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (json_object) stats = NULL;
  json_object *request = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 after;

  response = refresh_ok (rt);
  after = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_true (g_str_has_prefix (response->access_token, "ya29.fake-"));
  g_assert_cmpint (response->expires_in, ==, 3599);
  /* Counted from when the answer arrived, on this machine's clock. */
  g_assert_cmpint (response->expires_at, >=, before + 3599);
  g_assert_cmpint (response->expires_at, <=, after + 3599);
  g_assert_cmpstr (response->token_type, ==, "Bearer");
  g_assert_cmpstr (response->scope, ==, "https://mail.google.com/");
  g_assert_null (response->refresh_token);
  g_assert_null (response->id_token);
  g_assert_cmpint (response->server_date, >=, before);
  g_assert_cmpint (response->server_date, <=, after);

  /* The form: what the reference tool sends, and no scope. */
  stats = gmo_test_fake_call ("GET", "/control/stats", NULL);
  g_assert_true (json_object_object_get_ex (stats, "last_token_request", &request));
  g_assert_cmpstr (json_object_get_string (json_object_object_get (request, "grant_type")), ==,
                   "refresh_token");
  g_assert_cmpstr (json_object_get_string (json_object_object_get (request, "client_id")), ==,
                   CLIENT_ID);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (request, "refresh_token")), ==,
                   rt);
  g_assert_false (json_object_object_get_ex (request, "scope", NULL));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_refresh_rotation (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (GmoTokenResponse) again = NULL;

  ctl ("/control/config", "{\"rotation\": true}");
  response = refresh_ok (rt);
  g_assert_nonnull (response->refresh_token);
  g_assert_cmpstr (response->refresh_token, !=, rt);
  /* The new one works; the old one is dead. */
  again = refresh_ok (response->refresh_token);
  assert_refresh_fails (rt, GMO_ERROR_REAUTHORIZE, "invalid_grant", 3);
}

static void
test_refresh_no_secret (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;

  /* A NULL secret is left out of the form: the stand-in says what is missing. */
  response = gmo_oauth_refresh (CLIENT_ID, NULL, rt, &details, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
  g_assert_cmpstr (details, ==, "invalid_request: Missing required parameter: client_secret");
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_fault_invalid_grant (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;

  fault ("invalid_grant", 1, 1);
  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, rt, &details, NULL, &error);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_cmpstr (details, ==, "invalid_grant: Token has been expired or revoked.");
  g_assert_nonnull (strstr (error->message, "7 days"));
  g_assert_nonnull (strstr (error->message, "Testing"));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);

  /* A refresh token the server does not know: the same, for real. */
  assert_refresh_fails ("1//unknown-token", GMO_ERROR_REAUTHORIZE, "invalid_grant", 2);
}

static void
test_fault_invalid_rapt (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;

  fault ("invalid_rapt", 1, 1);
  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, rt, &details, NULL, &error);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_nonnull (strstr (details, "invalid_grant"));
  g_assert_nonnull (strstr (error->message, "Workspace"));
  g_assert_null (strstr (error->message, "7 days"));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_fault_bad_client (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (json_object) other = NULL;
  json_object *other_rt = NULL;

  fault ("invalid_client", 1, 1);
  assert_refresh_fails (rt, GMO_ERROR_BAD_CLIENT, "invalid_client", 1);
  fault ("unauthorized_client", 1, 1);
  assert_refresh_fails (rt, GMO_ERROR_BAD_CLIENT, "unauthorized_client", 2);

  /* For real: a wrong secret, an unknown client, another client's token. */
  response = gmo_oauth_refresh (CLIENT_ID, "wrong-secret", rt, NULL, NULL, &error);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_CLIENT);
  g_assert_nonnull (strstr (error->message, "secret"));
  g_clear_error (&error);
  response = gmo_oauth_refresh ("nobody", CLIENT_SECRET, rt, NULL, NULL, &error);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_CLIENT);
  g_assert_nonnull (strstr (error->message, "not found"));
  g_clear_error (&error);
  ctl ("/control/client", "{\"client_id\": \"other\", \"client_secret\": \"" CLIENT_SECRET "\"}");
  other = gmo_test_fake_call ("POST", "/control/grant", "{\"client_id\": \"other\"}");
  g_assert_true (json_object_object_get_ex (other, "refresh_token", &other_rt));
  assert_refresh_fails (json_object_get_string (other_rt), GMO_ERROR_BAD_CLIENT,
                        "unauthorized_client", 5);
}

static void
test_fault_invalid_request (void)
{
  g_autofree gchar *rt = setup_grant ();

  fault ("invalid_request", 1, 1);
  assert_refresh_fails (rt, GMO_ERROR_BAD_RESPONSE, "invalid_request: Bad Request", 1);
}

static void
test_fault_429_retry_after (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GmoTokenResponse) response = NULL;
  gint64 start = g_get_monotonic_time ();

  fault ("429", 1, 1);
  response = refresh_ok (rt);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 2);
}

static void
test_fault_429_too_long (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Waiting a minute would break the budget: give up at once and say when. */
  fault ("429", 1, 60);
  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, rt, NULL, NULL, &error);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT);
  g_assert_nonnull (strstr (error->message, "60"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_fault_500_exhausted (void)
{
  g_autofree gchar *rt = setup_grant ();
  gint64 start = g_get_monotonic_time ();

  fault ("500", 3, 1);
  assert_refresh_fails (rt, GMO_ERROR_TRANSIENT, "internal_failure", 3);
  /* Backoff: 1 s, then 2 s. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 3 * G_USEC_PER_SEC);
}

static void
test_fault_503_once (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (GmoTokenResponse) again = NULL;

  fault ("503", 1, 1);
  response = refresh_ok (rt);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 2);
  /* An HTML 504 from a proxy is as transient. */
  fault ("504", 1, 1);
  again = refresh_ok (rt);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 4);
  /* A 503 whose error page exceeds the cap is a 503: retried, not bad-response. */
  g_clear_pointer (&again, gmo_token_response_free);
  fault ("huge_error", 1, 1);
  again = refresh_ok (rt);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 6);
}

static void
test_fault_timeout (void)
{
  g_autofree gchar *rt = setup_grant ();
  gint64 start = g_get_monotonic_time ();

  g_test_message ("this test takes about 30 s");
  fault ("timeout", -1, 1);
  assert_refresh_fails (rt, GMO_ERROR_TRANSIENT, NULL, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 35 * G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 29 * G_USEC_PER_SEC);
}

static void
test_fault_reset (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GmoTokenResponse) response = NULL;

  fault ("reset", -1, 1);
  assert_refresh_fails (rt, GMO_ERROR_TRANSIENT, NULL, 3);
  ctl ("/control/clear-faults", "{}");
  /* One reset, then an answer: the retry hides it. */
  fault ("reset", 1, 1);
  response = refresh_ok (rt);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 5);
}

static void
test_fault_bad_response (void)
{
  static const struct
  {
    const gchar *kind;
    const gchar *details;
  } cases[] = {
    { "non_json", "Invalid JSON" },    { "bad_json", "access_token" },
    { "wrong_types", "access_token" }, { "trailing", "Invalid JSON" },
    { "oversized", "too large" },      { "deep_json", "Invalid JSON" },
    { "redirect", "HTTP 302" },        { "nul_token", "access_token" },
    { "empty_refresh_token", "empty refresh_token" },
    { "multiline_refresh_token", "visible ASCII in refresh_token" },
    { "long_refresh_token", "over-long refresh_token" },
    { "overlong_utf8", "not valid UTF-8" },
    { "overlong_utf8_scope", "not valid UTF-8" },
    { "lone_surrogate", "surrogate" },
    { "invalid_utf8", "not valid UTF-8" },
    { "empty_200", "Invalid JSON" },
    { "huge", "too large" },
    { "huge_chunked", "too large" },
    { "redirect_other_host", "HTTP 307" },
    { "401_plain", "HTTP 401" },
    { "garbage", "HTTP/0.9" },
    { "null_json", "not a JSON object" },
  };
  g_autofree gchar *rt = setup_grant ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("fault %s", cases[i].kind);
      ctl ("/control/reset", "{}");
      fault (cases[i].kind, 1, 1);
      assert_refresh_fails (rt, GMO_ERROR_BAD_RESPONSE, cases[i].details, 1);
    }
}

static void
test_fault_wrong_expires_in (void)
{
  g_autofree gchar *rt = setup_grant ();

  ctl ("/control/config", "{\"expires_in\": 0}");
  assert_refresh_fails (rt, GMO_ERROR_BAD_RESPONSE, "expires_in", 1);
}

/* Gets an authorization code from the stand-in's /auth for @verifier's challenge. */
static gchar *
get_auth_code (const gchar *verifier)
{
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree gchar *challenge = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *location = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GHashTable) params = NULL;

  g_checksum_update (sha, (const guchar *) verifier, -1);
  g_checksum_get_digest (sha, digest, &digest_len);
  challenge = g_base64_encode (digest, digest_len);
  g_strdelimit (challenge, "+", '-');
  g_strdelimit (challenge, "/", '_');
  *strchr (challenge, '=') = '\0';
  path = g_strdup_printf ("/auth?client_id=%s&response_type=code&redirect_uri=%s"
                          "&code_challenge=%s&code_challenge_method=S256"
                          "&scope=https%%3A%%2F%%2Fmail.google.com%%2F",
                          CLIENT_ID, REDIRECT_URI, challenge);
  location = gmo_test_fake_redirect (path);
  uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);
  return g_strdup (g_hash_table_lookup (params, "code"));
}

static void
test_exchange_success (void)
{
  g_autofree gchar *rt G_GNUC_UNUSED = setup_grant ();
  g_autofree gchar *code = get_auth_code (VERIFIER);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (GmoTokenResponse) refreshed = NULL;

  g_assert_nonnull (code);
  response = gmo_oauth_exchange_code (CLIENT_ID, CLIENT_SECRET, code, VERIFIER, REDIRECT_URI,
                                      &details, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (details);
  g_assert_nonnull (response->access_token);
  g_assert_nonnull (response->refresh_token);
  g_assert_cmpstr (response->scope, ==, "https://mail.google.com/");
  g_assert_cmpint (gmo_test_fake_stat ("successful_code_exchanges"), ==, 1);
  refreshed = refresh_ok (response->refresh_token);
}

static void
test_exchange_pkce_failure (void)
{
  g_autofree gchar *rt G_GNUC_UNUSED = setup_grant ();
  g_autofree gchar *code = get_auth_code (VERIFIER);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;

  response = gmo_oauth_exchange_code (CLIENT_ID, CLIENT_SECRET, code,
                                      "another-verifier-0123456789-0123456789-0123456789",
                                      REDIRECT_URI, &details, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_cmpstr (details, ==, "invalid_grant: Bad code verifier.");
  g_assert_null (strstr (error->message, code));
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);
}

static void
test_revoke (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;
  /* Not allocated: the call must overwrite it with NULL on success. */
  gchar *details = (gchar *) "stale";

  g_assert_true (gmo_oauth_revoke (rt, &details, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (details);
  assert_refresh_fails (rt, GMO_ERROR_REAUTHORIZE, "invalid_grant", 1);

  /* Revoking it again: the server says it is already invalid. */
  g_assert_false (gmo_oauth_revoke (rt, &details, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_nonnull (strstr (details, "invalid_token"));
  assert_clean (error, details, rt);
  g_assert_cmpint (gmo_test_fake_stat ("revoke_requests"), ==, 2);
  g_free (details);
}

static void
test_revoke_transient (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GError) error = NULL;

  ctl ("/control/fault", "{\"kind\": \"503\", \"endpoint\": \"revoke\"}");
  g_assert_true (gmo_oauth_revoke (rt, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gmo_test_fake_stat ("revoke_requests"), ==, 2);

  ctl ("/control/fault", "{\"kind\": \"500\", \"endpoint\": \"revoke\", \"count\": -1}");
  g_assert_false (gmo_oauth_revoke (rt, NULL, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT);
  g_assert_cmpint (gmo_test_fake_stat ("revoke_requests"), ==, 5);
}

static gpointer
cancel_later (gpointer cancellable)
{
  g_usleep (G_USEC_PER_SEC / 2);
  g_cancellable_cancel (cancellable);
  return NULL;
}

static void
assert_cancelled_promptly (const gchar *rt)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  gint64 start = g_get_monotonic_time ();
  GThread *thread = g_thread_new ("cancel", cancel_later, cancellable);

  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, rt, &details, cancellable, &error);
  g_thread_join (thread);
  g_assert_null (response);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT);
  g_assert_cmpstr (details, ==, "cancelled");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

static void
test_cancel (void)
{
  g_autofree gchar *rt = setup_grant ();
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;

  /* A hung request. */
  fault ("timeout", 1, 1);
  assert_cancelled_promptly (rt);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 1);

  /* A wait between attempts. */
  fault ("429", 1, 10);
  assert_cancelled_promptly (rt);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 2);

  /* Cancelled before it starts: nothing is sent. */
  g_cancellable_cancel (cancelled);
  response = gmo_oauth_refresh (CLIENT_ID, CLIENT_SECRET, rt, NULL, cancelled, &error);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT);
  g_assert_cmpint (gmo_test_fake_stat ("token_requests"), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oauth/url/check", test_url_check);
  g_test_add_func ("/oauth/url/endpoints", test_url_endpoints);
  g_test_add_func ("/oauth/url/refused-before-sending", test_url_refused_before_sending);
  g_test_add_func ("/oauth/refresh/success", test_refresh_success);
  g_test_add_func ("/oauth/refresh/rotation", test_refresh_rotation);
  g_test_add_func ("/oauth/refresh/no-secret", test_refresh_no_secret);
  g_test_add_func ("/oauth/fault/invalid-grant", test_fault_invalid_grant);
  g_test_add_func ("/oauth/fault/invalid-rapt", test_fault_invalid_rapt);
  g_test_add_func ("/oauth/fault/bad-client", test_fault_bad_client);
  g_test_add_func ("/oauth/fault/invalid-request", test_fault_invalid_request);
  g_test_add_func ("/oauth/fault/429-retry-after", test_fault_429_retry_after);
  g_test_add_func ("/oauth/fault/429-too-long", test_fault_429_too_long);
  g_test_add_func ("/oauth/fault/500-exhausted", test_fault_500_exhausted);
  g_test_add_func ("/oauth/fault/503-once", test_fault_503_once);
  g_test_add_func ("/oauth/fault/timeout", test_fault_timeout);
  g_test_add_func ("/oauth/fault/reset", test_fault_reset);
  g_test_add_func ("/oauth/fault/bad-response", test_fault_bad_response);
  g_test_add_func ("/oauth/fault/wrong-expires-in", test_fault_wrong_expires_in);
  g_test_add_func ("/oauth/exchange/success", test_exchange_success);
  g_test_add_func ("/oauth/exchange/pkce-failure", test_exchange_pkce_failure);
  g_test_add_func ("/oauth/revoke/success-and-failure", test_revoke);
  g_test_add_func ("/oauth/revoke/transient", test_revoke_transient);
  g_test_add_func ("/oauth/cancel", test_cancel);
  return g_test_run ();
}
