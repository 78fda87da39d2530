/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pure parts of `gmail-oauth login` (src/gmo-login.c), and what `doctor`
 * says about grants near Google's 7-day "Testing" limit (a grant time that
 * the command line cannot fake, so it is stored from here). */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib.h>

#include "gmo-error.h"
#include "gmo-login.h"
#include "gmo-store.h"
#include "gmo-test-util.h"
#include "gmo-util.h"

#define STATE "st4te-0f-th1s-l0gin_~.abcdefghijkl"
#define REDIRECT "http://127.0.0.1:8765/"

static void
test_random (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *a = gmo_login_random_string (128, &error);
  g_autofree gchar *b = gmo_login_random_string (128, &error);
  g_autofree gchar *many = gmo_login_random_string (4096, &error);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (a), ==, 128);
  g_assert_cmpuint (
      strspn (a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"), ==, 128);
  g_assert_cmpstr (a, !=, b);
  for (const gchar *p = many; *p != '\0'; p++)
    g_hash_table_add (seen, GINT_TO_POINTER (*p));
  /* 4096 uniform draws from 66 symbols miss one with negligible probability. */
  g_assert_cmpuint (g_hash_table_size (seen), ==, 66);
}

static void
test_pkce_challenge (void)
{
  /* RFC 7636, appendix B. */
  g_autofree gchar *challenge
      = gmo_login_pkce_challenge ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_auth_url (void)
{
  g_autofree gchar *url = gmo_login_auth_url ("https://accounts.example/auth", "id 1&x=y",
                                              REDIRECT, "https://mail.google.com/ openid",
                                              STATE, "CHALLENGE", "Me+tag@example.com");
  g_autofree gchar *with_query = gmo_login_auth_url ("https://accounts.example/auth?hd=x", "id",
                                                     REDIRECT, "s", "st", "ch", "a@b");

  g_assert_cmpstr (url, ==,
                   "https://accounts.example/auth?response_type=code&client_id=id%201%26x%3Dy"
                   "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2F"
                   "&scope=https%3A%2F%2Fmail.google.com%2F%20openid&state=" STATE
                   "&code_challenge=CHALLENGE&code_challenge_method=S256&access_type=offline"
                   "&prompt=consent&login_hint=Me%2Btag%40example.com");
  g_assert_true (
      g_str_has_prefix (with_query, "https://accounts.example/auth?hd=x&response_type=code&"));
}

typedef struct
{
  const gchar *input;
  GmoLoginAnswer answer;
  const gchar *code; /* on CODE */
} Case;

static void
check_cases (const Case *cases, gsize n, gboolean pasted)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GmoSecret) code = NULL;
      g_autofree gchar *problem = NULL;
      GmoLoginAnswer answer;

      if (pasted)
        answer = gmo_login_parse_pasted (cases[i].input, REDIRECT, STATE, &code, &problem);
      else
        answer = gmo_login_parse_request_line (cases[i].input, STATE, &code, &problem);
      g_test_message ("%s", cases[i].input);
      g_assert_cmpint (answer, ==, cases[i].answer);
      g_assert_cmpstr (code, ==, cases[i].code);
      if (answer == GMO_LOGIN_ANSWER_CODE)
        g_assert_null (problem);
      else
        g_assert_nonnull (problem);
    }
}

/* The listener answers a head once it is complete, refuses binary bytes at
 * once, and gives up on a head that never ends. */
static void
test_check_head (void)
{
  g_autofree gchar *long_head = g_strnfill (GMO_LOGIN_MAX_REQUEST_HEAD, 'a');
  g_autoptr (GmoSecret) code = NULL;
  g_autofree gchar *problem = NULL;
  const gchar *complete = "GET /?state=" STATE "&code=c HTTP/1.1\r\nHost: x\r\n\r\n";

#define CHECK(text, expected) \
  g_assert_cmpint (gmo_login_check_head (text, strlen (text)), ==, GMO_LOGIN_HEAD_##expected)
  CHECK ("GET /?code=x HTTP/1.1\r\nHost: x\r\n", PARTIAL);
  CHECK (complete, COMPLETE);
  CHECK ("GET / HTTP/1.1\n\n", COMPLETE);
  CHECK ("\x16\x03\x01", NOT_TEXT);
  CHECK ("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", NOT_TEXT);
  /* Headers after the request line may carry UTF-8. */
  CHECK ("GET / HTTP/1.1\r\nX: \xc3\xa9\r\n\r\n", COMPLETE);
  CHECK (long_head, TOO_LARGE);
#undef CHECK
  g_assert_cmpint (gmo_login_parse_request_head (complete, STATE, &code, &problem), ==,
                   GMO_LOGIN_ANSWER_CODE);
  g_assert_cmpstr (code, ==, "c");
}

static void
test_request_line (void)
{
  static const Case cases[] = {
    { "GET /?state=" STATE "&code=4%2F0abc&scope=a+b HTTP/1.1", GMO_LOGIN_ANSWER_CODE, "4/0abc" },
    { "GET /?code=4/0abc&state=" STATE " HTTP/1.0", GMO_LOGIN_ANSWER_CODE, "4/0abc" },
    { "GET /?error=access_denied&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_DENIED, NULL },
    { "GET /?error=access_denied&state=wrong HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?error=access_denied HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=x&state=wrong HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=x&state=" STATE "x HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=x HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a&code=b&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a&state=" STATE "&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a%zz&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a&state=" STATE "#frag HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET / HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /favicon.ico HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /cb?code=a&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET //?code=a&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET http://127.0.0.1/?code=a&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "POST /?code=a&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "get /?code=a&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a&state=" STATE " HTTP/2", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a&state=" STATE " HTTP/1.1 x", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET  /?code=a&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a&state=" STATE, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=a\t&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GET /?code=\xc3\xa9&state=" STATE " HTTP/1.1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "GARBAGE", GMO_LOGIN_ANSWER_INVALID, NULL },
  };

  check_cases (cases, G_N_ELEMENTS (cases), FALSE);
}

static void
test_denied_message (void)
{
  g_autoptr (GmoSecret) code = NULL;
  g_autofree gchar *problem = NULL;

  g_assert_cmpint (gmo_login_parse_request_line ("GET /?error=access_denied%3Cscript%3E&state="
                                                 STATE " HTTP/1.1",
                                                 STATE, &code, &problem),
                   ==, GMO_LOGIN_ANSWER_DENIED);
  /* The error code is shown, reduced to harmless characters. */
  g_assert_nonnull (strstr (problem, "access_denied?script?"));
  g_assert_null (strchr (problem, '<'));
}

static void
test_pasted (void)
{
  static const Case cases[] = {
    { REDIRECT "?code=4%2F0abc&state=" STATE "&scope=x", GMO_LOGIN_ANSWER_CODE, "4/0abc" },
    { "  " REDIRECT "?state=" STATE "&code=c1 \r\n", GMO_LOGIN_ANSWER_CODE, "c1" },
    { "HTTP://127.0.0.1:8765/?state=" STATE "&code=c1", GMO_LOGIN_ANSWER_CODE, "c1" },
    { REDIRECT "?error=access_denied&state=" STATE, GMO_LOGIN_ANSWER_DENIED, NULL },
    { REDIRECT "?code=c1&state=wrong", GMO_LOGIN_ANSWER_INVALID, NULL },
    { REDIRECT "?code=c1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { REDIRECT, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "http://127.0.0.1:8766/?code=c1&state=" STATE, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "http://127.0.0.2:8765/?code=c1&state=" STATE, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "https://127.0.0.1:8765/?code=c1&state=" STATE, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "http://127.0.0.1:8765/x?code=c1&state=" STATE, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "code=c1&state=" STATE, GMO_LOGIN_ANSWER_INVALID, NULL },
    { "c1", GMO_LOGIN_ANSWER_INVALID, NULL },
    { "http://[::1", GMO_LOGIN_ANSWER_INVALID, NULL },
  };

  check_cases (cases, G_N_ELEMENTS (cases), TRUE);
}

static void
test_client_secrets (void)
{
  static const struct
  {
    const gchar *json;
    const gchar *id; /* NULL: refused */
  } cases[] = {
    { "{\"installed\":{\"client_id\":\"i.apps\",\"client_secret\":\"s\",\"redirect_uris\":"
      "[\"http://localhost\"]}}",
      "i.apps" },
    { "{\"web\":{\"client_id\":\"i\",\"client_secret\":\"s\"}}", NULL },
    { "{\"installed\":{\"client_id\":\"i\"}}", NULL },
    { "{\"installed\":{\"client_id\":\"\",\"client_secret\":\"s\"}}", NULL },
    { "{\"installed\":{\"client_id\":7,\"client_secret\":\"s\"}}", NULL },
    { "{\"installed\":[]}", NULL },
    { "{\"client_id\":\"i\",\"client_secret\":\"s\"}", NULL },
    { "[]", NULL },
    { "{\"installed\":{\"client_id\":\"i\",\"client_secret\":\"s\"}} x", NULL },
    { "", NULL },
    { " null ", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *id = NULL;
      g_autoptr (GmoSecret) secret = NULL;
      gboolean ok = gmo_login_parse_client_secrets (cases[i].json, strlen (cases[i].json), &id,
                                                    &secret, &error);

      g_test_message ("%s", cases[i].json);
      g_assert_cmpint (ok, ==, cases[i].id != NULL);
      g_assert_cmpstr (id, ==, cases[i].id);
      if (ok)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (secret, ==, "s");
        }
      else
        g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
    }
}

/* Stores a grant made @age seconds ago and runs `gmail-oauth doctor` on it. */
static gchar *
doctor_on_grant (const gchar *account, gint64 age, gboolean revoked, int *out_status)
{
  g_autoptr (GmoGrant) grant = gmo_grant_new (account);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  const gchar *argv[] = { "gmail-oauth", "doctor", account, NULL };
  int wait_status = 0;

  grant->client_id = g_strdup ("doctor-client");
  grant->client_secret = gmo_secret_dup ("doctor-secret");
  grant->refresh_token = revoked ? g_strdup ("1//never-issued")
                                 : gmo_test_fake_add_grant ("doctor-client", "doctor-secret");
  grant->granted_at = gmo_now () - age;
  json_object_put (gmo_test_fake_call ("POST", "/control/client",
                                       "{\"client_id\":\"doctor-client\","
                                       "\"client_secret\":\"doctor-secret\"}"));
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  *out_status = WEXITSTATUS (wait_status);
  g_test_message ("%s", out);
  return g_steal_pointer (&out);
}

static void
test_doctor_seven_days (void)
{
  int status;
  g_autofree gchar *died = doctor_on_grant ("old@example.com", 7 * 86400 + 3600, TRUE, &status);
  g_autofree gchar *young = NULL;
  g_autofree gchar *near = NULL;
  g_autofree gchar *past = NULL;

  /* A grant dead at 7 days: the Testing rule, and what to do about it. */
  g_assert_cmpint (status, ==, GMO_EXIT_REAUTHORIZE);
  g_assert_nonnull (strstr (died, "FAIL  old@example.com: the grant died at 7.0 days, the life "
                                  "of grants of Google apps in “Testing” status"));
  g_assert_nonnull (strstr (died, "publish the app"));

  /* Dead young: not the Testing rule. */
  young = doctor_on_grant ("young@example.com", 2 * 86400, TRUE, &status);
  g_assert_cmpint (status, ==, GMO_EXIT_REAUTHORIZE);
  g_assert_nonnull (strstr (young, "before the 7-day limit"));

  /* Alive at 6.5 days: a warning, and the status stays 0. */
  near = doctor_on_grant ("near@example.com", 6 * 86400 + 43200, FALSE, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (near, "warn  near@example.com: the grant is 6.5 days old; if the "
                                  "Google app is in “Testing” status it ends at 7 days"));

  /* Alive past 7 days: the app is not in Testing status. */
  past = doctor_on_grant ("past@example.com", 30 * 86400, FALSE, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (past, "ok    past@example.com: grant age 30.0 days (past 7 days"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/login/random", test_random);
  g_test_add_func ("/login/pkce-challenge", test_pkce_challenge);
  g_test_add_func ("/login/auth-url", test_auth_url);
  g_test_add_func ("/login/check-head", test_check_head);
  g_test_add_func ("/login/request-line", test_request_line);
  g_test_add_func ("/login/denied-message", test_denied_message);
  g_test_add_func ("/login/pasted", test_pasted);
  g_test_add_func ("/login/client-secrets", test_client_secrets);
  g_test_add_func ("/login/doctor-seven-days", test_doctor_seven_days);
  return g_test_run ();
}
