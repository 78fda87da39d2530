/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of gmo-identity.c: the ID token's claims, the comparison of
 * addresses, the scopes login asks, and the userinfo endpoint (against the
 * stand-in, tests/fake-google.py, started by tests/with-session). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "gmo-error.h"
#include "gmo-identity.h"
#include "gmo-oauth.h"
#include "gmo-test-util.h"

#define CLIENT "test-client.apps.googleusercontent.com"
#define NOW G_GINT64_CONSTANT (1800000000)
#define HEADER "{\"alg\":\"RS256\",\"kid\":\"k\",\"typ\":\"JWT\"}"
#define SIGNATURE "c2lnbmF0dXJlLW5vdC1jaGVja2Vk"
/* The claims of a good token, for NOW and CLIENT, before a test's changes. */
#define ISS "\"iss\": \"https://accounts.google.com\""
#define AUD "\"aud\": \"" CLIENT "\""
#define EXP "\"exp\": 1800003600"
#define EMAIL "\"email\": \"Me@Example.com\", \"email_verified\": true"

static gchar *
b64url (const gchar *text)
{
  gchar *encoded = g_base64_encode ((const guchar *) text, strlen (text));

  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  encoded[strcspn (encoded, "=")] = '\0';
  return encoded;
}

/* header.payload.signature, the payload being {CLAIMS}. */
static gchar *
token_of (const gchar *claims)
{
  g_autofree gchar *payload_json = g_strdup_printf ("{%s}", claims);
  g_autofree gchar *header = b64url (HEADER);
  g_autofree gchar *payload = b64url (payload_json);

  return g_strjoin (".", header, payload, SIGNATURE, NULL);
}

/* Checks what gmo_identity_from_id_token() makes of @token: @want, or an
 * error of class @code whose one-line message holds @reason. */
static void
check_token (const gchar *token, const gchar *want, GmoError code, const gchar *reason)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *email = gmo_identity_from_id_token (token, CLIENT, NOW, &error);

  if (want != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpstr (email, ==, want);
      return;
    }
  g_assert_null (email);
  g_assert_error (error, GMO_ERROR, (gint) code);
  g_assert_null (strchr (error->message, '\n'));
  if (strstr (error->message, reason) == NULL)
    g_error ("“%s” does not say “%s”", error->message, reason);
}

static void
check_claims (const gchar *claims, const gchar *want, GmoError code, const gchar *reason)
{
  g_autofree gchar *token = token_of (claims);

  check_token (token, want, code, reason);
}

static void
test_id_token_good (void)
{
  check_claims (ISS ", " AUD ", " EXP ", " EMAIL, "me@example.com", 0, NULL);
  check_claims ("\"iss\": \"accounts.google.com\", " AUD ", " EXP ", " EMAIL, "me@example.com",
                0, NULL);
  /* Claims we do not read do not matter. */
  check_claims (ISS ", " AUD ", " EXP ", " EMAIL ", \"sub\": \"1\", \"nonce\": null, "
                "\"hd\": {\"x\": [1]}",
                "me@example.com", 0, NULL);
}

static void
test_id_token_issuer (void)
{
  static const gchar *const issuers[] = {
    "\"iss\": \"https://accounts.google.com/\"",
    "\"iss\": \"https://accounts.example.com\"",
    "\"iss\": \"accounts.google.com\\u0000.example.com\"",
    "\"iss\": [\"accounts.google.com\"]",
    "\"iss\": null",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (issuers); i++)
    {
      g_autofree gchar *claims = g_strdup_printf ("%s, " AUD ", " EXP ", " EMAIL, issuers[i]);

      check_claims (claims, NULL, GMO_ERROR_BAD_RESPONSE, "issuer");
    }
  check_claims (AUD ", " EXP ", " EMAIL, NULL, GMO_ERROR_BAD_RESPONSE, "issuer");
}

static void
test_id_token_audience (void)
{
  static const struct
  {
    const gchar *claims;
    gboolean ok;
  } cases[] = {
    { "\"aud\": \"other.apps.googleusercontent.com\"", FALSE },
    { "\"aud\": \"" CLIENT "x\"", FALSE },
    { "\"aud\": \"" CLIENT "\\u0000\"", FALSE },
    { "\"aud\": 7", FALSE },
    { "\"azp\": \"" CLIENT "\"", FALSE }, /* no aud at all */
    { AUD ", \"azp\": \"" CLIENT "\"", TRUE },
    { AUD ", \"azp\": \"other\"", FALSE },
    { AUD ", \"azp\": 1", FALSE },
    /* A list needs azp, our client (OpenID Connect Core 3.1.3.7). */
    { "\"aud\": [\"other\", \"" CLIENT "\"], \"azp\": \"" CLIENT "\"", TRUE },
    { "\"aud\": [\"other\", \"" CLIENT "\"]", FALSE },
    { "\"aud\": [\"other\"], \"azp\": \"" CLIENT "\"", FALSE },
    { "\"aud\": [], \"azp\": \"" CLIENT "\"", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *claims = g_strdup_printf (ISS ", %s, " EXP ", " EMAIL, cases[i].claims);

      g_test_message ("audience %s", cases[i].claims);
      check_claims (claims, cases[i].ok ? "me@example.com" : NULL, GMO_ERROR_BAD_RESPONSE,
                    "another client");
    }
}

static void
test_id_token_expiry (void)
{
  /* A few minutes of leeway for clocks that are not quite right. */
  check_claims (ISS ", " AUD ", \"exp\": 1799999701, " EMAIL, "me@example.com", 0, NULL);
  check_claims (ISS ", " AUD ", \"exp\": 1799999700, " EMAIL, NULL, GMO_ERROR_BAD_RESPONSE,
                "expired");
  check_claims (ISS ", " AUD ", \"exp\": 0, " EMAIL, NULL, GMO_ERROR_BAD_RESPONSE, "expired");
  check_claims (ISS ", " AUD ", \"exp\": -9223372036854775808, " EMAIL, NULL,
                GMO_ERROR_BAD_RESPONSE, "expired");
  check_claims (ISS ", " AUD ", \"exp\": 9223372036854775807, " EMAIL, "me@example.com", 0,
                NULL);
  check_claims (ISS ", " AUD ", " EMAIL, NULL, GMO_ERROR_BAD_RESPONSE, "no expiry");
  check_claims (ISS ", " AUD ", \"exp\": \"1800003600\", " EMAIL, NULL, GMO_ERROR_BAD_RESPONSE,
                "no expiry");
  check_claims (ISS ", " AUD ", \"exp\": 1800003600.5, " EMAIL, NULL, GMO_ERROR_BAD_RESPONSE,
                "no expiry");
}

static void
test_id_token_email (void)
{
  static const struct
  {
    const gchar *claims;
    const gchar *want;
    GmoError code;
    const gchar *reason;
  } cases[] = {
    { "\"email\": \"a@b.example\", \"email_verified\": \"true\"", "a@b.example", 0, NULL },
    { "\"email\": \"a@b.example\", \"email_verified\": false", NULL, GMO_ERROR_REAUTHORIZE,
      "has not verified the address a@b.example" },
    { "\"email\": \"a@b.example\"", NULL, GMO_ERROR_REAUTHORIZE, "has not verified" },
    { "\"email\": \"a@b.example\", \"email_verified\": \"yes\"", NULL, GMO_ERROR_REAUTHORIZE,
      "has not verified" },
    { "\"email\": \"a@b.example\", \"email_verified\": 1", NULL, GMO_ERROR_REAUTHORIZE,
      "has not verified" },
    { "\"email\": \"a@b.example\", \"email_verified\": null", NULL, GMO_ERROR_REAUTHORIZE,
      "has not verified" },
    { "\"email_verified\": true", NULL, GMO_ERROR_REAUTHORIZE, "“email” scope" },
    { "\"email\": 5, \"email_verified\": true", NULL, GMO_ERROR_BAD_RESPONSE,
      "no valid e-mail address" },
    { "\"email\": null, \"email_verified\": true", NULL, GMO_ERROR_BAD_RESPONSE,
      "no valid e-mail address" },
    { "\"email\": \"\", \"email_verified\": true", NULL, GMO_ERROR_BAD_RESPONSE,
      "no valid e-mail address" },
    { "\"email\": \"not an address\", \"email_verified\": true", NULL, GMO_ERROR_BAD_RESPONSE,
      "no valid e-mail address" },
    { "\"email\": \"a@b.example\\u0000@evil.example\", \"email_verified\": true", NULL,
      GMO_ERROR_BAD_RESPONSE, "no valid e-mail address" },
    { "\"email\": \"a@b.example\\nx\", \"email_verified\": true", NULL, GMO_ERROR_BAD_RESPONSE,
      "no valid e-mail address" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *claims = g_strdup_printf (ISS ", " AUD ", " EXP ", %s", cases[i].claims);

      g_test_message ("email %s", cases[i].claims);
      check_claims (claims, cases[i].want, cases[i].code, cases[i].reason);
    }
}

static void
test_id_token_malformed (void)
{
  g_autofree gchar *header = b64url (HEADER);
  g_autofree gchar *payload = b64url ("{" ISS ", " AUD ", " EXP ", " EMAIL "}");
  g_autofree gchar *no_alg = b64url ("{\"typ\":\"JWT\"}");
  g_autofree gchar *array = b64url ("[" ISS "]");
  g_autofree gchar *trailing = b64url ("{" ISS ", " AUD ", " EXP ", " EMAIL "} x");
  g_autofree gchar *latin1 = b64url ("{" ISS ", " AUD ", " EXP ", \"email\": \"\xe9@b.example\", "
                                     "\"email_verified\": true}");
  g_autofree gchar *deep = NULL;
  const struct
  {
    gchar *token;
    const gchar *reason;
  } cases[] = {
    { g_strdup (""), "three parts" },
    { g_strdup ("."), "three parts" },
    { g_strdup (".."), "header" },
    { g_strjoin (".", header, payload, NULL), "three parts" },
    { g_strjoin (".", header, payload, SIGNATURE, "x", NULL), "three parts" },
    { g_strjoin (".", header, payload, "", NULL), "signature" },
    { g_strjoin (".", header, payload, "c2ln*", NULL), "signature" },
    { g_strjoin (".", "", payload, SIGNATURE, NULL), "header" },
    { g_strjoin (".", no_alg, payload, SIGNATURE, NULL), "header" },
    { g_strjoin (".", "eyJhbGciOiJSUzI1NiJ9", "", SIGNATURE, NULL), "payload" },
    { g_strjoin (".", header, "e30=", SIGNATURE, NULL), "payload" }, /* padded */
    { g_strjoin (".", header, "e3+9", SIGNATURE, NULL), "payload" }, /* base64, not base64url */
    { g_strjoin (".", header, "e3", SIGNATURE, NULL), "payload" },   /* "{" */
    { g_strjoin (".", header, "e30xx", SIGNATURE, NULL), "payload" }, /* length 5: not base64 */
    { g_strjoin (".", header, "bm90IGpzb24", SIGNATURE, NULL), "payload" }, /* "not json" */
    { g_strjoin (".", header, array, SIGNATURE, NULL), "payload" },
    { g_strjoin (".", header, trailing, SIGNATURE, NULL), "payload" },
    { g_strjoin (".", header, latin1, SIGNATURE, NULL), "payload" },
  };

  {
    GString *nested = g_string_new (NULL);

    for (guint i = 0; i < 100; i++)
      g_string_append (nested, "{\"a\":");
    g_string_append (nested, "1");
    for (guint i = 0; i < 100; i++)
      g_string_append_c (nested, '}');
    deep = b64url (nested->str);
    g_string_free (nested, TRUE);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("token “%s”", cases[i].token);
      check_token (cases[i].token, NULL, GMO_ERROR_BAD_RESPONSE, cases[i].reason);
      g_free (cases[i].token);
    }
  {
    g_autofree gchar *token = g_strjoin (".", header, deep, SIGNATURE, NULL);

    check_token (token, NULL, GMO_ERROR_BAD_RESPONSE, "payload");
  }
}

static void
test_same_account (void)
{
  static const struct
  {
    const gchar *account, *email;
    gboolean same;
  } cases[] = {
    { "me@example.com", "me@example.com", TRUE },
    { "Me@Example.COM", "mE@eXample.com", TRUE },
    { "me@example.com", "other@example.com", FALSE },
    { "me@example.com", "me@example.org", FALSE },
    { "me@example.com", "me@sub.example.com", FALSE },
    { "me@gmail.com", "me@googlemail.com", TRUE },
    { "Me@GoogleMail.com", "me@gmail.com", TRUE },
    { "first.last@gmail.com", "firstlast@gmail.com", TRUE },
    { "f.i.r.s.t.l.a.s.t@googlemail.com", "First.Last@gmail.com", TRUE },
    { "first.last@example.com", "firstlast@example.com", FALSE },
    { "me+tag@gmail.com", "me@gmail.com", FALSE },
    { "me@gmail.com.example", "me@googlemail.com", FALSE },
    { "me@gmail.com", "me@gmail.co", FALSE },
    { "me@xgmail.com", "me@gmail.com", FALSE },
    { "not an address", "not an address", FALSE },
    { "me@example.com", "", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s vs %s", cases[i].account, cases[i].email);
      g_assert_cmpint (gmo_identity_same_account (cases[i].account, cases[i].email), ==,
                       cases[i].same);
      g_assert_cmpint (gmo_identity_same_account (cases[i].email, cases[i].account), ==,
                       cases[i].same);
    }
}

static void
test_add_scopes (void)
{
  static const struct
  {
    const gchar *scope, *want;
  } cases[] = {
    { "https://mail.google.com/", "https://mail.google.com/ openid email" },
    { "https://mail.google.com/ openid", "https://mail.google.com/ openid email" },
    { "email https://mail.google.com/", "email https://mail.google.com/ openid" },
    { "openid email", "openid email" },
    { "openid https://www.googleapis.com/auth/userinfo.email",
      "openid https://www.googleapis.com/auth/userinfo.email" },
    { "openidx emails", "openidx emails openid email" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *got = gmo_identity_add_scopes (cases[i].scope);

      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

/* The expiry is judged by the Date of the token answer when it has one, so
 * that a wrong local clock does not matter. */
static void
test_of_response_server_date (void)
{
  g_autofree gchar *token = token_of (ISS ", " AUD ", \"exp\": 1000003600, " EMAIL);
  GmoTokenResponse response = { .access_token = (gchar *) "ya29.x", .id_token = token };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *email = NULL;

  response.server_date = 1000000000; /* 2001: long past by the local clock */
  email = gmo_identity_of_response (&response, CLIENT, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (email, ==, "me@example.com");
  response.server_date = 0; /* no Date: the local clock */
  g_clear_pointer (&email, g_free);
  email = gmo_identity_of_response (&response, CLIENT, NULL, &error);
  g_assert_null (email);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "expired"));
}

/* A grant without the email scope (as /control/grant makes them): userinfo
 * answers, but does not say who it is. */
static void
test_userinfo_no_email (void)
{
  g_autofree gchar *rt = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *email = NULL;

  gmo_test_fake_reset ();
  rt = gmo_test_fake_add_grant (CLIENT, "secret");
  response = gmo_oauth_refresh (CLIENT, "secret", rt, NULL, NULL, &error);
  g_assert_no_error (error);
  email = gmo_identity_of_response (response, CLIENT, NULL, &error);
  g_assert_null (email);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE);
  g_assert_nonnull (strstr (error->message, "“email” scope"));
  g_assert_cmpint (gmo_test_fake_stat ("userinfo_requests"), ==, 1);
}

static void
test_userinfo_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *email = NULL;

  gmo_test_fake_reset ();
  email = gmo_identity_from_userinfo ("ya29.not-a-token", NULL, &error);
  g_assert_null (email);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "HTTP 401"));
  g_assert_null (strstr (error->message, "ya29"));
  g_assert_cmpint (gmo_test_fake_stat ("userinfo_requests"), ==, 1);
}

static void
test_userinfo_url (void)
{
  g_autofree gchar *saved = g_strdup (g_getenv ("GMAIL_OAUTH_USERINFO_URL"));
  g_autoptr (GError) error = NULL;
  g_autofree gchar *email = NULL;

  gmo_test_fake_reset ();
  g_assert_true (g_setenv ("GMAIL_OAUTH_USERINFO_URL", "http://192.0.2.1/userinfo", TRUE));
  email = gmo_identity_from_userinfo ("ya29.x", NULL, &error);
  g_assert_null (email);
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "GMAIL_OAUTH_USERINFO_URL"));
  g_clear_error (&error);
  g_unsetenv ("GMAIL_OAUTH_USERINFO_URL");
  {
    g_autofree gchar *url = gmo_http_endpoint_url (GMO_ENDPOINT_USERINFO, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (url, ==, "https://openidconnect.googleapis.com/v1/userinfo");
  }
  if (saved != NULL)
    g_assert_true (g_setenv ("GMAIL_OAUTH_USERINFO_URL", saved, TRUE));
  g_assert_cmpint (gmo_test_fake_stat ("userinfo_requests"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/identity/id-token/good", test_id_token_good);
  g_test_add_func ("/identity/id-token/issuer", test_id_token_issuer);
  g_test_add_func ("/identity/id-token/audience", test_id_token_audience);
  g_test_add_func ("/identity/id-token/expiry", test_id_token_expiry);
  g_test_add_func ("/identity/id-token/email", test_id_token_email);
  g_test_add_func ("/identity/id-token/malformed", test_id_token_malformed);
  g_test_add_func ("/identity/of-response/server-date", test_of_response_server_date);
  g_test_add_func ("/identity/same-account", test_same_account);
  g_test_add_func ("/identity/add-scopes", test_add_scopes);
  g_test_add_func ("/identity/userinfo/no-email", test_userinfo_no_email);
  g_test_add_func ("/identity/userinfo/refused", test_userinfo_refused);
  g_test_add_func ("/identity/userinfo/url", test_userinfo_url);
  return g_test_run ();
}
