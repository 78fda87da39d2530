/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "gmo-autocleanups.h"
#include "gmo-curl.h"
#include "gmo-json.h"
#include "gmo-test-util.h"

static size_t
on_body (char *data, size_t size, size_t nmemb, void *user_data)
{
  g_string_append_len (user_data, data, size * nmemb);
  return size * nmemb;
}

/* One request to the stand-in; aborts the test if it fails. Returns the HTTP
 * status; the body goes to @body and a redirect's target to @out_location. */
static long
fake_perform (const gchar *method, const gchar *path, const gchar *json_body, GString *body,
              gchar **out_location)
{
  const gchar *base = g_getenv ("GMO_FAKE_GOOGLE");
  g_autoptr (GError) error = NULL;
  g_autoptr (CURL) curl = NULL;
  g_autoptr (curl_slist) headers = NULL;
  g_autofree gchar *url = NULL;
  char *location = NULL;
  long status = 0;

  g_assert_nonnull (base);
  g_assert_true (gmo_curl_load (&error));
  curl = curl_easy_init ();
  url = g_strconcat (base, path, NULL);
  headers = curl_slist_append (NULL, "Content-Type: application/json");
  g_assert_cmpint (curl_easy_setopt (curl, CURLOPT_URL, url), ==, CURLE_OK);
  g_assert_cmpint (curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method), ==, CURLE_OK);
  g_assert_cmpint (curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers), ==, CURLE_OK);
  if (json_body != NULL)
    g_assert_cmpint (curl_easy_setopt (curl, CURLOPT_POSTFIELDS, json_body), ==, CURLE_OK);
  g_assert_cmpint (curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, on_body), ==, CURLE_OK);
  g_assert_cmpint (curl_easy_setopt (curl, CURLOPT_WRITEDATA, body), ==, CURLE_OK);
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  g_assert_cmpint (curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status), ==, CURLE_OK);
  if (out_location != NULL)
    {
      g_assert_cmpint (curl_easy_getinfo (curl, CURLINFO_REDIRECT_URL, &location), ==, CURLE_OK);
      *out_location = g_strdup (location);
    }
  return status;
}

/**
 * gmo_test_fake_call:
 * @method: "GET" or "POST"
 * @path: a /control path
 * @json_body: (nullable): the request body
 *
 * Calls the stand-in; aborts the test if that fails.
 *
 * Returns: (transfer full): the parsed answer.
 */
json_object *
gmo_test_fake_call (const gchar *method, const gchar *path, const gchar *json_body)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  json_object *answer;

  g_assert_cmpint (fake_perform (method, path, json_body, body, NULL), ==, 200);
  answer = gmo_json_parse (body->str, body->len, GMO_ERROR_BAD_RESPONSE, &error);
  g_assert_no_error (error);
  return answer;
}

/**
 * gmo_test_fake_redirect:
 * @path: a path of the stand-in that answers with a redirect (/auth?...)
 *
 * Returns: (transfer full): the target of the 302 answer to a GET of @path.
 */
gchar *
gmo_test_fake_redirect (const gchar *path)
{
  g_autoptr (GString) body = g_string_new (NULL);
  gchar *location = NULL;

  g_assert_cmpint (fake_perform ("GET", path, NULL, body, &location), ==, 302);
  g_assert_nonnull (location);
  return location;
}

/**
 * gmo_test_fake_stat:
 * @key: an integer member of /control/stats
 *
 * Returns: its value.
 */
gint64
gmo_test_fake_stat (const gchar *key)
{
  g_autoptr (json_object) stats = gmo_test_fake_call ("GET", "/control/stats", NULL);
  gint64 value = -1;

  g_assert_true (gmo_json_get_int64 (stats, key, &value));
  return value;
}

/**
 * gmo_test_fake_reset:
 *
 * Clears the stand-in's counters, faults and configuration.
 */
void
gmo_test_fake_reset (void)
{
  json_object_put (gmo_test_fake_call ("POST", "/control/reset", "{}"));
}

/**
 * gmo_test_fake_add_grant:
 * @client_id: a client id
 * @client_secret: its secret
 *
 * Registers the client and a new grant for it.
 *
 * Returns: (transfer full): the grant's refresh token.
 */
gchar *
gmo_test_fake_add_grant (const gchar *client_id, const gchar *client_secret)
{
  g_autofree gchar *client = g_strdup_printf ("{\"client_id\":\"%s\",\"client_secret\":\"%s\"}",
                                              client_id, client_secret);
  g_autofree gchar *grant = g_strdup_printf ("{\"client_id\":\"%s\"}", client_id);
  g_autoptr (json_object) answer = NULL;

  json_object_put (gmo_test_fake_call ("POST", "/control/client", client));
  answer = gmo_test_fake_call ("POST", "/control/grant", grant);
  g_assert_nonnull (gmo_json_get_string (answer, "refresh_token"));
  return g_strdup (gmo_json_get_string (answer, "refresh_token"));
}

/**
 * gmo_test_fake_fault:
 * @kind: a fault kind of the stand-in
 * @count: how many token requests it hits (-1: all)
 *
 * Queues a fault on the token endpoint.
 */
void
gmo_test_fake_fault (const gchar *kind, gint count)
{
  g_autofree gchar *body = g_strdup_printf ("{\"kind\":\"%s\",\"count\":%d}", kind, count);

  json_object_put (gmo_test_fake_call ("POST", "/control/fault", body));
}
