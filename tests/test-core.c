/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the pure parts of the core: error classes, secrets, JSON, util. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-secret.h"
#include "gmo-store.h"
#include "gmo-util.h"

static void
test_error_classes (void)
{
  static const struct
  {
    GmoError code;
    const char *name;
    const char *dbus_name;
    int exit_status;
  } expected[] = {
    { GMO_ERROR_NO_ACCOUNT, "no-account", "io.github.gmail_oauth.Error.NoAccount", 3 },
    { GMO_ERROR_REAUTHORIZE, "reauthorize", "io.github.gmail_oauth.Error.Reauthorize", 4 },
    { GMO_ERROR_BAD_CLIENT, "bad-client", "io.github.gmail_oauth.Error.BadClient", 5 },
    { GMO_ERROR_TRANSIENT, "transient", "io.github.gmail_oauth.Error.Transient", 6 },
    { GMO_ERROR_BAD_RESPONSE, "bad-response", "io.github.gmail_oauth.Error.BadResponse", 7 },
    { GMO_ERROR_KEYRING, "keyring", "io.github.gmail_oauth.Error.Keyring", 8 },
    { GMO_ERROR_USAGE, "usage", "io.github.gmail_oauth.Error.Usage", 2 },
    { GMO_ERROR_SCOPE, "scope", "io.github.gmail_oauth.Error.Scope", 9 },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (expected) == GMO_ERROR_N_CLASSES);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GError) error = g_error_new (GMO_ERROR, expected[i].code, "message %u", i);
      g_autoptr (GError) back = NULL;
      g_autofree gchar *dbus_name = g_dbus_error_encode_gerror (error);

      g_assert_cmpstr (gmo_error_class_name (error), ==, expected[i].name);
      g_assert_cmpstr (gmo_error_class_name_for_code (expected[i].code), ==, expected[i].name);
      g_assert_cmpint (gmo_error_exit_status (error), ==, expected[i].exit_status);
      g_assert_cmpstr (dbus_name, ==, expected[i].dbus_name);
      /* And back: a client sees our domain and code again. */
      back = g_dbus_error_new_for_dbus_error (expected[i].dbus_name, "remote message");
      g_assert_error (back, GMO_ERROR, (gint) expected[i].code);
    }
}

static void
test_error_foreign (void)
{
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  g_assert_cmpint (gmo_error_exit_status (NULL), ==, GMO_EXIT_OK);
  g_assert_cmpint (gmo_error_exit_status (error), ==, GMO_EXIT_FAILURE);
  g_assert_cmpstr (gmo_error_class_name (error), ==, "internal");
}

static void
test_secret_wipe (void)
{
  gchar buffer[16] = "top-secret-data";
  g_autoptr (GmoSecret) copy = gmo_secret_dup ("abc");
  g_autoptr (GmoSecret) part = gmo_secret_dup_len ("abcdef", 3);

  gmo_wipe (buffer, sizeof buffer);
  for (guint i = 0; i < sizeof buffer; i++)
    g_assert_cmpint (buffer[i], ==, 0);
  g_assert_cmpstr (copy, ==, "abc");
  g_assert_cmpstr (part, ==, "abc");
  g_assert_true (gmo_secret_equal (copy, part));
  g_assert_false (gmo_secret_equal (copy, NULL));
  gmo_secret_clear (&copy);
  g_assert_null (copy);
  gmo_secret_free (NULL);
  gmo_string_wipe_free (NULL);
}

static void
test_json_valid (void)
{
  static const char *const documents[] = {
    "{\"a\": 1}", "  [1, 2, 3]  \n", "\"text\"", "42", "true", "null", "{\"é\": \"ü\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value
          = gmo_json_parse (documents[i], strlen (documents[i]), GMO_ERROR_USAGE, &error);

      g_assert_no_error (error);
      g_assert_true (value != NULL || g_str_equal (documents[i], "null"));
    }
}

static void
test_json_invalid (void)
{
  g_autofree gchar *deep = NULL;
  GString *builder = g_string_new (NULL);
  static const char *const documents[] = {
    "",           "{",           "{\"a\": 1} x", "{\"a\": 1}{}", "{'a': 1}", "[1, 2,]",
    "{\"a\": 01}", "/* c */ {}", "\"\xff\xfe\"", "nul",        "{\"a\" 1}", "[1] ]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value
          = gmo_json_parse (documents[i], strlen (documents[i]), GMO_ERROR_BAD_RESPONSE, &error);

      g_assert_null (value);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
      g_assert_null (strchr (error->message, '\n'));
    }

  /* A NUL byte inside, and nesting deeper than the limit. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (gmo_json_parse ("{\"a\":\0\"b\"}", 10, GMO_ERROR_USAGE, &error));
    g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  }
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (builder, '[');
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (builder, ']');
  deep = g_string_free (builder, FALSE);
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (gmo_json_parse (deep, strlen (deep), GMO_ERROR_USAGE, &error));
    g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  }
}

/* Feeds @doc in the pieces that @cuts (ascending offsets) make. */
static json_object *
parse_in_pieces (const gchar *doc, gsize len, const gsize *cuts, guint n_cuts, GError **error)
{
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
  gsize start = 0;

  for (guint i = 0; i <= n_cuts; i++)
    {
      gsize end = i < n_cuts ? cuts[i] : len;

      if (!gmo_json_parser_feed (parser, doc + start, end - start, error))
        return NULL;
      start = end;
    }
  return gmo_json_parser_finish (parser, error);
}

static void
test_json_stream (void)
{
  /* Multi-byte characters of 2, 3 and 4 bytes, escapes, a number at the end. */
  static const char *const valid[] = {
    "{\"é\": \"ü€😀\", \"q\": \"a\\\"b\\\\\", \"n\": [1, 2.5, -3]}\n", "  12345  ", "\"日本語\"", "7",
  };
  static const char *const invalid[] = {
    "{\"a\": \"\xc3\"}", "{\"a\": 1} x", "{'a': 1}", "\"\xe6\x97\"", "[1, 2", "\"\xf0\x9f\x98\"",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      gsize len = strlen (valid[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) whole = gmo_json_parse (valid[i], len, GMO_ERROR_USAGE, &error);
      const gchar *expected;

      g_assert_no_error (error);
      expected = json_object_to_json_string_ext (whole, JSON_C_TO_STRING_PLAIN);
      /* Cut in two at every offset, and into single bytes. */
      for (gsize cut = 0; cut <= len; cut++)
        {
          g_autoptr (json_object) value = parse_in_pieces (valid[i], len, &cut, 1, &error);

          g_assert_no_error (error);
          g_assert_cmpstr (json_object_to_json_string_ext (value, JSON_C_TO_STRING_PLAIN), ==,
                           expected);
        }
      {
        g_autofree gsize *cuts = g_new (gsize, len);
        g_autoptr (json_object) value = NULL;

        for (gsize k = 0; k < len; k++)
          cuts[k] = k;
        value = parse_in_pieces (valid[i], len, cuts, (guint) len, &error);
        g_assert_no_error (error);
        g_assert_cmpstr (json_object_to_json_string_ext (value, JSON_C_TO_STRING_PLAIN), ==,
                         expected);
      }
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      gsize len = strlen (invalid[i]);

      for (gsize cut = 0; cut <= len; cut++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (json_object) value = parse_in_pieces (invalid[i], len, &cut, 1, &error);

          g_assert_null (value);
          g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
        }
    }
}

static void
test_json_getters (void)
{
  const char *doc = "{\"s\": \"v\", \"i\": 7, \"f\": 1.5, \"n\": null, \"is\": \"7\", "
                    "\"nul\": \"a\\u0000b\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (json_object) value = gmo_json_parse (doc, strlen (doc), GMO_ERROR_USAGE, &error);
  gint64 n = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (gmo_json_get_string (value, "s"), ==, "v");
  g_assert_null (gmo_json_get_string (value, "i"));
  g_assert_null (gmo_json_get_string (value, "missing"));
  g_assert_null (gmo_json_get_string (NULL, "s"));
  g_assert_null (gmo_json_get_string (value, "nul"));
  g_assert_true (gmo_json_get_int64 (value, "i", &n));
  g_assert_cmpint (n, ==, 7);
  g_assert_false (gmo_json_get_int64 (value, "f", &n));
  g_assert_false (gmo_json_get_int64 (value, "is", &n));
  g_assert_false (gmo_json_get_int64 (value, "n", &n));
}

static void
test_json_output_one_line (void)
{
  g_autoptr (json_object) object = json_object_new_object ();
  g_autofree gchar *text = NULL;
  g_autoptr (GmoSecret) secret = NULL;

  json_object_object_add (object, "url", json_object_new_string ("https://a/b\nc"));
  json_object_object_add (object, "n", json_object_new_int (1));
  text = gmo_json_to_string (object);
  g_assert_cmpstr (text, ==, "{\"url\":\"https://a/b\\nc\",\"n\":1}");
  secret = gmo_json_to_secret (object);
  g_assert_cmpstr (secret, ==, text);
}

static void
test_json_wipe (void)
{
  json_object *object = json_object_new_object ();
  json_object *inner = json_object_new_string ("a-long-secret-value-beyond-the-inline-buffer");
  const char *text = json_object_get_string (inner);

  json_object_object_add (object, "k", inner);
  json_object_get (inner); /* keep it alive to look at it after the wipe */
  gmo_json_wipe_put (object);
  for (const char *p = text; p < text + 10; p++)
    g_assert_cmpint (*p, ==, 0);
  json_object_put (inner);
}

static void
test_util_rfc3339 (void)
{
  g_autofree gchar *epoch = gmo_format_rfc3339 (0);
  g_autofree gchar *t = gmo_format_rfc3339 (1742497405);

  g_assert_cmpstr (epoch, ==, "1970-01-01T00:00:00Z");
  g_assert_cmpstr (t, ==, "2025-03-20T19:03:25Z");
}

static void
test_util_xoauth2 (void)
{
  g_autoptr (GmoSecret) sasl = gmo_xoauth2_encode ("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode (sasl, &len);

  /* The example of Google's XOAUTH2 documentation. */
  g_assert_cmpstr (sasl, ==,
                   "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
                   "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
  g_assert_cmpuint (len, ==, strlen ("user=someuser@example.com\001auth=Bearer "
                                     "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001"));
}

static void
test_account_normalize (void)
{
  static const char *const bad[] = {
    "", "no-at-sign", "@example.com", "me@", "a@b@c", "me @example.com", "me@exa\nmple.com",
    "me/../x@example.com", "\xff@example.com",
  };
  g_autofree gchar *long_name = g_strnfill (300, 'a');
  g_autofree gchar *ok = gmo_account_normalize ("Me.Myself@GMail.com", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (ok, ==, "me.myself@gmail.com");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) bad_error = NULL;

      g_assert_null (gmo_account_normalize (bad[i], &bad_error));
      g_assert_error (bad_error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_null (strchr (bad_error->message, '\n'));
    }
  long_name[100] = '@';
  g_assert_null (gmo_account_normalize (long_name, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_null (gmo_account_normalize (NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/classes", test_error_classes);
  g_test_add_func ("/error/foreign", test_error_foreign);
  g_test_add_func ("/secret/wipe", test_secret_wipe);
  g_test_add_func ("/json/valid", test_json_valid);
  g_test_add_func ("/json/invalid", test_json_invalid);
  g_test_add_func ("/json/stream", test_json_stream);
  g_test_add_func ("/json/getters", test_json_getters);
  g_test_add_func ("/json/output-one-line", test_json_output_one_line);
  g_test_add_func ("/json/wipe", test_json_wipe);
  g_test_add_func ("/util/rfc3339", test_util_rfc3339);
  g_test_add_func ("/util/xoauth2", test_util_xoauth2);
  g_test_add_func ("/store/account-normalize", test_account_normalize);
  return g_test_run ();
}
