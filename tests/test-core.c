/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the pure parts of the core: error classes, secrets, JSON, the
 * token endpoint's answer, util. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-oauth.h"
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

/* What json-c 0.16 lets through or changes silently is refused, saying why. */
static void
test_json_refused (void)
{
  static const struct
  {
    const char *text;
    const char *message;
  } documents[] = {
    { "\"\xc0\xaf\"", "not valid UTF-8" },         /* overlong "/" */
    { "\"\xe0\x80\xaf\"", "not valid UTF-8" },     /* overlong, three bytes */
    { "\"\xed\xa0\x80\"", "not valid UTF-8" },     /* an encoded surrogate */
    { "\"\xf4\x90\x80\x80\"", "not valid UTF-8" }, /* above U+10FFFF */
    { "{\"k\xc0\xaf\": 1}", "not valid UTF-8" },    /* in a member name */
    { "\"\\ud800\"", "surrogate" },
    { "\"\\udc00\"", "surrogate" },
    { "\"\\ud800\\u0041\"", "surrogate" },
    { "\"\\ud800\\n\"", "surrogate" },
    { "\"\\ud800\\ud800\"", "surrogate" },
    { "{\"\\udfff\": 1}", "surrogate" },
    { "{'a': 1}", "single-quoted" },
    { "[-9223372036854775809]", "beyond 64 bits" },
    { "[18446744073709551616]", "beyond 64 bits" },
    { "{\"a\": 123456789012345678901234567890}", "beyond 64 bits" },
    { "[1]\f", "Invalid JSON" },
    { "null \v", "Invalid JSON" },
    { "NaN", "NaN or Infinity" },
    { "00", "malformed number" },
    { "0-", "Invalid JSON" },
    { "[1.]", "malformed number" },
    { "[-01, 1e]", "malformed number" },
    { "[Infinity]", "NaN or Infinity" },
    { "{\"a\": -Infinity}", "Invalid JSON" },
  };
  const char *accepted[] = {
    "[\"\\ud83d\\ude00\", \"\\\\ud800\", \"'\", \"\xf4\x8f\xbf\xbf\"]",
    "[-9223372036854775808, 18446744073709551615, 1e400, 12345678901234567890.5]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value = NULL;

      value = gmo_json_parse (documents[i].text, strlen (documents[i].text),
                              GMO_ERROR_BAD_RESPONSE, &error);
      g_assert_null (value);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, documents[i].message));
    }
  /* The same in pieces, one byte each, as a Gmail answer may arrive: each
   * check keeps its place across the cuts. */
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value = NULL;
      gsize len = strlen (documents[i].text);
      g_autofree gsize *cuts = g_new (gsize, len);

      for (gsize c = 1; c < len; c++)
        cuts[c - 1] = c;
      value = parse_in_pieces (documents[i].text, len, cuts, (guint) len - 1, &error);
      g_assert_null (value);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, documents[i].message));
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr (json_object) value = NULL;
      gsize len = strlen (accepted[i]);
      g_autofree gsize *cuts = g_new (gsize, len);

      for (gsize c = 1; c < len; c++)
        cuts[c - 1] = c;
      value = parse_in_pieces (accepted[i], len, cuts, (guint) len - 1, NULL);
      g_assert_nonnull (value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value = NULL;

      value = gmo_json_parse (accepted[i], strlen (accepted[i]), GMO_ERROR_USAGE, &error);
      g_assert_no_error (error);
      g_assert_nonnull (value);
    }
  {
    const char *pair = "[\"\\ud83d\\ude00\", -9223372036854775808, 18446744073709551615]";
    g_autoptr (json_object) value = gmo_json_parse (pair, strlen (pair), GMO_ERROR_USAGE, NULL);

    g_assert_cmpstr (json_object_get_string (json_object_array_get_idx (value, 0)), ==,
                     "\xf0\x9f\x98\x80");
    g_assert_cmpint (json_object_get_int64 (json_object_array_get_idx (value, 1)), ==, G_MININT64);
    g_assert_cmpuint (json_object_get_uint64 (json_object_array_get_idx (value, 2)), ==,
                      G_MAXUINT64);
  }
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

static gboolean
on_diverted (const gchar *data, gsize len, gpointer user_data, GError **error)
{
  GString *got = user_data;

  if (data == NULL)
    g_string_truncate (got, 0);
  else if (memchr (data, '\\', len) != NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE, "an escape");
      return FALSE;
    }
  else
    g_string_append_len (got, data, len);
  return TRUE;
}

/* The "raw" member's value goes to the sink, wherever the pieces are cut, and
 * the value holds "" for it; everything else is parsed as usual. */
static void
test_json_divert (void)
{
  static const char doc[]
      = "{\"id\": \"raw\", \"x\": {\"raw\": \"inner\"}, \"raw\" : \"QUJD-_==\", \"é\": [\"raw\"]}";
  static const char *const refused[] = {
    "{\"raw\": \"a\", \"raw\": \"b\"}", /* twice */
    "{\"raw\": \"a\\\"b\"}",         /* an escape, which the sink refuses */
    "{\"raw\": \"ab",                  /* unterminated: no value */
  };
  gsize len = strlen (doc);

  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
      g_autoptr (GString) got = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value = NULL;
      json_object *inner = NULL;

      gmo_json_parser_divert (parser, "raw", on_diverted, got);
      if (cut == len / 2)
        {
          /* A retried download starts again: the sink is told. */
          g_assert_true (gmo_json_parser_feed (parser, doc, len, &error));
          gmo_json_parser_reset (parser);
          g_assert_cmpstr (got->str, ==, "");
        }
      g_assert_true (gmo_json_parser_feed (parser, doc, cut, &error));
      g_assert_true (gmo_json_parser_feed (parser, doc + cut, len - cut, &error));
      value = gmo_json_parser_finish (parser, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (got->str, ==, "QUJD-_==");
      g_assert_cmpstr (gmo_json_get_string (value, "raw"), ==, "");
      g_assert_cmpstr (gmo_json_get_string (value, "id"), ==, "raw");
      g_assert_true (json_object_object_get_ex (value, "x", &inner));
      g_assert_cmpstr (gmo_json_get_string (inner, "raw"), ==, "inner");
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
      g_autoptr (GString) got = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (json_object) value = NULL;

      gmo_json_parser_divert (parser, "raw", on_diverted, got);
      if (gmo_json_parser_feed (parser, refused[i], strlen (refused[i]), &error))
        value = gmo_json_parser_finish (parser, &error);
      g_assert_null (value);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
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

/* The token endpoint's answer @text, parsed and checked as received at 1000 s. */
static GmoTokenResponse *
token_response (const gchar *text, gchar **out_details, GError **error)
{
  g_autoptr (GmoSecretJson) json = NULL;
  g_autoptr (GError) parse_error = NULL;

  json = gmo_json_parse (text, strlen (text), GMO_ERROR_BAD_RESPONSE, &parse_error);
  g_assert_no_error (parse_error);
  return gmo_oauth_parse_token_response (json, 1000, 0, out_details, error);
}

static void
test_token_response_valid (void)
{
  g_autofree gchar *longest = g_strnfill (4096, 'a');
  g_autofree gchar *at_limits = g_strdup_printf (
      "{\"access_token\": \"%s\", \"refresh_token\": \"%s\", \"expires_in\": 86400, "
      "\"token_type\": \"bearer\"}",
      longest, longest);
  g_autoptr (GmoTokenResponse) full = NULL;
  g_autoptr (GmoTokenResponse) limits = NULL;
  g_autoptr (GmoTokenResponse) bare = NULL;
  g_autoptr (GError) error = NULL;

  full = token_response ("{\"access_token\": \"ya29.a-b_c~d+e/f=\", \"expires_in\": 3599, "
                         "\"refresh_token\": \"1//0g-x_y\", \"token_type\": \"Bearer\", "
                         "\"scope\": \"https://mail.google.com/ openid\", \"id_token\": \"e.f.g\"}",
                         NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (full->access_token, ==, "ya29.a-b_c~d+e/f=");
  g_assert_cmpstr (full->refresh_token, ==, "1//0g-x_y");
  g_assert_cmpstr (full->scope, ==, "https://mail.google.com/ openid");
  g_assert_cmpint (full->expires_at, ==, 1000 + 3599);
  /* 4096-byte tokens, a day's life and token_type in any case pass. */
  limits = token_response (at_limits, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (limits->refresh_token), ==, 4096);
  /* Without token_type or refresh_token (a refresh that did not rotate). */
  bare = token_response ("{\"access_token\": \"ya29.b\", \"expires_in\": 1}", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (bare->refresh_token);
  g_assert_null (bare->token_type);
}

#define TOKEN_OK "{\"access_token\": \"ya29.ok\", \"expires_in\": 3599, "

/* Whatever is wrong with a token answer, it is bad-response, saying which
 * field, never holding its value. */
static void
test_token_response_refused (void)
{
  g_autofree gchar *too_long = g_strnfill (4097, 'a');
  g_autofree gchar *long_access = g_strdup_printf (
      "{\"access_token\": \"%s\", \"expires_in\": 3599}", too_long);
  g_autofree gchar *long_refresh
      = g_strdup_printf (TOKEN_OK "\"refresh_token\": \"%s\"}", too_long);
  const struct
  {
    const gchar *text;
    const gchar *details;
  } answers[] = {
    { "[]", "not a JSON object" },
    { "{\"expires_in\": 3599}", "missing access_token" },
    { "{\"access_token\": \"\", \"expires_in\": 3599}", "empty access_token" },
    { "{\"access_token\": \"ya29.\u00e9\", \"expires_in\": 3599}",
      "visible ASCII in access_token" },
    { "{\"access_token\": \"ya29.a\\tb\", \"expires_in\": 3599}", "visible ASCII in access_token" },
    { long_access, "over-long access_token" },
    { TOKEN_OK "\"refresh_token\": \"\"}", "empty refresh_token" },
    { TOKEN_OK "\"refresh_token\": \"1//x\\nquit=1\"}", "visible ASCII in refresh_token" },
    { TOKEN_OK "\"refresh_token\": \"1//x\\r\"}", "visible ASCII in refresh_token" },
    { TOKEN_OK "\"refresh_token\": \"1//x\\u007f\"}", "visible ASCII in refresh_token" },
    { TOKEN_OK "\"refresh_token\": \"1//x y\"}", "visible ASCII in refresh_token" },
    { TOKEN_OK "\"refresh_token\": \"1//x\\u0000y\"}", "NUL in refresh_token" },
    { TOKEN_OK "\"refresh_token\": 7}", "non-string refresh_token" },
    { TOKEN_OK "\"refresh_token\": null}", "non-string refresh_token" },
    { long_refresh, "over-long refresh_token" },
    { TOKEN_OK "\"id_token\": \"\"}", "empty id_token" },
    { TOKEN_OK "\"scope\": [\"a\"]}", "non-string scope" },
    { TOKEN_OK "\"token_type\": \"MAC\"}", "token_type other than Bearer" },
    { TOKEN_OK "\"token_type\": \"Bearer \"}", "token_type other than Bearer" },
    { TOKEN_OK "\"token_type\": 1}", "non-string token_type" },
    { "{\"access_token\": \"ya29.a\"}", "expires_in" },
    { "{\"access_token\": \"ya29.a\", \"expires_in\": 0}", "expires_in" },
    { "{\"access_token\": \"ya29.a\", \"expires_in\": -1}", "expires_in" },
    { "{\"access_token\": \"ya29.a\", \"expires_in\": 86401}", "expires_in" },
    { "{\"access_token\": \"ya29.a\", \"expires_in\": 3599.5}", "expires_in" },
    { "{\"access_token\": \"ya29.a\", \"expires_in\": \"3599\"}", "expires_in" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *details = NULL;
      g_autoptr (GmoTokenResponse) response = NULL;

      g_test_message ("answer %u: %s", i, answers[i].details);
      response = token_response (answers[i].text, &details, &error);
      g_assert_null (response);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (details, answers[i].details));
      g_assert_nonnull (strstr (error->message, answers[i].details));
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strstr (error->message, "1//x"));
      g_assert_null (strstr (error->message, "ya29"));
    }
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
  const gchar *expected = "user=someuser@example.com\001auth=Bearer "
                          "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001";

  /* The example of Google's XOAUTH2 documentation. */
  g_assert_cmpstr (sasl, ==,
                   "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
                   "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
  g_assert_cmpmem (raw, len, expected, strlen (expected));
}

static void
test_account_normalize (void)
{
  static const char *const bad[] = {
    "", "no-at-sign", "@example.com", "me@", "a@b@c", "me @example.com", "me@exa\nmple.com",
    "me/../x@example.com", "\xff@example.com",
    /* NEL (U+0085), a C1 control. */
    "me\xc2\x85@example.com",
    /* What cannot be seen: a no-break space (U+00A0), an ideographic space
     * (U+3000), the line separator (U+2028), a right-to-left override
     * (U+202E), a zero width space (U+200B), a soft hyphen (U+00AD), a
     * byte order mark (U+FEFF). */
    "me\xc2\xa0@example.com", "me\xe3\x80\x80@example.com", "me@exa\xe2\x80\xa8mple.com",
    "\xe2\x80\xaeme@example.com", "m\xe2\x80\x8b" "e@example.com", "m\xc2\xad" "e@example.com",
    "\xef\xbb\xbfme@example.com",
  };
  g_autofree gchar *long_name = g_strnfill (300, 'a');
  g_autoptr (GString) dotted = g_string_new (NULL);
  g_autofree gchar *ok = gmo_account_normalize ("Me.Myself@GMail.com", NULL);
  g_autofree gchar *accented = gmo_account_normalize ("J\xc3\xbcrgen@B\xc3\xbc" "cher.example", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (ok, ==, "me.myself@gmail.com");
  /* Letters beyond ASCII are no less visible (an internationalised address). */
  g_assert_cmpstr (accented, ==, "j\xc3\xbcrgen@b\xc3\xbc" "cher.example");
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
  /* U+0130 (two bytes) lower-cases to an "i" and a combining dot (three):
   * 100 of them are 200 bytes, and 300 once lowered. */
  for (guint i = 0; i < 100; i++)
    g_string_append (dotted, "\xc4\xb0");
  g_string_append (dotted, "@example.com");
  g_assert_null (gmo_account_normalize (dotted->str, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_null (gmo_account_normalize (NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

/* A cancellation is passed on, also one that came before. */
static void
test_cancellable_forward (void)
{
  g_autoptr (GCancellable) from = g_cancellable_new ();
  g_autoptr (GCancellable) to = g_cancellable_new ();
  g_autoptr (GCancellable) late = g_cancellable_new ();
  gulong id = gmo_cancellable_forward (from, to);

  g_assert_cmpuint (id, !=, 0);
  g_assert_false (g_cancellable_is_cancelled (to));
  g_cancellable_cancel (from);
  g_assert_true (g_cancellable_is_cancelled (to));
  g_cancellable_disconnect (from, id);
  g_assert_cmpuint (gmo_cancellable_forward (from, late), ==, 0);
  g_assert_true (g_cancellable_is_cancelled (late));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/util/cancellable-forward", test_cancellable_forward);
  g_test_add_func ("/error/classes", test_error_classes);
  g_test_add_func ("/error/foreign", test_error_foreign);
  g_test_add_func ("/secret/wipe", test_secret_wipe);
  g_test_add_func ("/json/valid", test_json_valid);
  g_test_add_func ("/json/invalid", test_json_invalid);
  g_test_add_func ("/json/refused", test_json_refused);
  g_test_add_func ("/json/stream", test_json_stream);
  g_test_add_func ("/json/divert", test_json_divert);
  g_test_add_func ("/json/getters", test_json_getters);
  g_test_add_func ("/json/output-one-line", test_json_output_one_line);
  g_test_add_func ("/json/wipe", test_json_wipe);
  g_test_add_func ("/token-response/valid", test_token_response_valid);
  g_test_add_func ("/token-response/refused", test_token_response_refused);
  g_test_add_func ("/util/rfc3339", test_util_rfc3339);
  g_test_add_func ("/util/xoauth2", test_util_xoauth2);
  g_test_add_func ("/store/account-normalize", test_account_normalize);
  return g_test_run ();
}
