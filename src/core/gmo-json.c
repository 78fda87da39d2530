/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-json.h"

/* One JSON document read in pieces, with the checks json-c does not make.
 * The tokener is freed as soon as the value is complete, so that its copy of
 * the longest string is gone before the caller uses the value. */
struct _GmoJsonParser
{
  GmoError code;        /* the error class of a bad document */
  json_tokener *tok;    /* NULL once the value is complete */
  json_object *value;   /* the value, once complete (NULL for `null`) */
  gboolean done;        /* the value is complete: only white space may follow */
  gboolean failed;
  gboolean in_string;   /* for the single-quote check, across pieces */
  gboolean escaped;
  gchar held[4];        /* an incomplete UTF-8 sequence at the end of a piece */
  gsize n_held;
  gsize total;
};

/* The length of the UTF-8 sequence @lead starts, 1 for anything else (an
 * invalid byte is json-c's to refuse). */
static gsize
utf8_sequence_length (guchar lead)
{
  if ((lead & 0xe0) == 0xc0)
    return 2;
  if ((lead & 0xf0) == 0xe0)
    return 3;
  if ((lead & 0xf8) == 0xf0)
    return 4;
  return 1;
}

/* How many bytes at the end of @data begin a UTF-8 sequence that the next
 * piece completes: json-c refuses a character split between two calls. */
static gsize
incomplete_utf8_tail (const gchar *data, gsize len)
{
  for (gsize back = 1; back <= MIN (len, 4); back++)
    {
      guchar c = (guchar) data[len - back];

      if ((c & 0xc0) == 0x80)
        continue; /* a continuation byte: look further back for the lead */
      return utf8_sequence_length (c) > back ? back : 0;
    }
  return 0;
}

/* json-c 0.16 accepts 'single-quoted' strings even in strict mode; RFC 8259
 * does not. A quote outside a double-quoted string is the tell. */
static gboolean
scan_single_quotes (GmoJsonParser *parser, const gchar *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (parser->escaped)
        parser->escaped = FALSE;
      else if (parser->in_string && data[i] == '\\')
        parser->escaped = TRUE;
      else if (data[i] == '"')
        parser->in_string = !parser->in_string;
      else if (!parser->in_string && data[i] == '\'')
        return TRUE;
    }
  return FALSE;
}

static gboolean
parser_fail (GmoJsonParser *parser, GError **error, const gchar *message)
{
  parser->failed = TRUE;
  g_set_error_literal (error, GMO_ERROR, parser->code, message);
  return FALSE;
}

/* Gives @len bytes to the tokener; once the value is complete, the rest must
 * be white space. */
static gboolean
parser_tokenize (GmoJsonParser *parser, const gchar *data, gsize len, GError **error)
{
  enum json_tokener_error jerr;
  gsize end = 0;

  if (!parser->done)
    {
      parser->value = json_tokener_parse_ex (parser->tok, data, (int) len);
      jerr = json_tokener_get_error (parser->tok);
      if (jerr == json_tokener_continue)
        return TRUE;
      if (jerr != json_tokener_success)
        {
          g_autofree gchar *message
              = g_strdup_printf (_("Invalid JSON: %s"), json_tokener_error_desc (jerr));

          return parser_fail (parser, error, message);
        }
      end = json_tokener_get_parse_end (parser->tok);
      parser->done = TRUE;
      g_clear_pointer (&parser->tok, json_tokener_free);
    }
  for (; end < len; end++)
    if (!g_ascii_isspace (data[end]))
      return parser_fail (parser, error, _("Invalid JSON: trailing data after the value"));
  return TRUE;
}

/**
 * gmo_json_parser_new:
 * @code: the error class to report a bad document with
 *
 * A parser for one JSON document that arrives in pieces, with the rules of
 * gmo_json_parse(); it never holds the whole document text.
 *
 * Returns: (transfer full): the parser.
 */
GmoJsonParser *
gmo_json_parser_new (GmoError code)
{
  GmoJsonParser *parser = g_new0 (GmoJsonParser, 1);

  parser->code = code;
  gmo_json_parser_reset (parser);
  return parser;
}

/**
 * gmo_json_parser_reset:
 * @parser: a parser
 *
 * Forgets everything fed so far (a retried download starts again).
 */
void
gmo_json_parser_reset (GmoJsonParser *parser)
{
  GmoError code = parser->code;

  g_clear_pointer (&parser->tok, json_tokener_free);
  g_clear_pointer (&parser->value, json_object_put);
  memset (parser, 0, sizeof *parser);
  parser->code = code;
  parser->tok = json_tokener_new_ex (GMO_JSON_MAX_DEPTH);
  if (parser->tok == NULL)
    g_error ("out of memory");
  json_tokener_set_flags (parser->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
}

/**
 * gmo_json_parser_feed:
 * @parser: a parser
 * @data: the next bytes of the document
 * @len: their length
 * @error: return location for an error of the parser's class
 *
 * Returns: %FALSE, with @error set, as soon as the document is known to be
 * bad; the parser is then done with.
 */
gboolean
gmo_json_parser_feed (GmoJsonParser *parser, const gchar *data, gsize len, GError **error)
{
  gsize tail;

  g_return_val_if_fail (!parser->failed, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > G_MAXINT - parser->total)
    return parser_fail (parser, error, _("JSON document too large"));
  parser->total += len;
  if (memchr (data, '\0', len) != NULL)
    return parser_fail (parser, error, _("JSON document contains a NUL byte"));
  if (scan_single_quotes (parser, data, len))
    return parser_fail (parser, error, _("Invalid JSON: single-quoted string"));

  if (parser->n_held > 0)
    {
      /* Complete the held character with the first bytes of this piece. */
      gsize need = utf8_sequence_length ((guchar) parser->held[0]) - parser->n_held;
      gsize take = MIN (need, len);

      memcpy (parser->held + parser->n_held, data, take);
      parser->n_held += take;
      data += take;
      len -= take;
      if (take < need)
        return TRUE;
      if (!parser_tokenize (parser, parser->held, parser->n_held, error))
        return FALSE;
      parser->n_held = 0;
    }
  tail = incomplete_utf8_tail (data, len);
  if (!parser_tokenize (parser, data, len - tail, error))
    return FALSE;
  memcpy (parser->held, data + len - tail, tail);
  parser->n_held = tail;
  return TRUE;
}

/**
 * gmo_json_parser_finish:
 * @parser: a parser that was fed the whole document
 * @error: return location for an error of the parser's class
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with @error set;
 * also %NULL, without an error, for the document `null`.
 */
json_object *
gmo_json_parser_finish (GmoJsonParser *parser, GError **error)
{
  g_return_val_if_fail (!parser->failed, NULL);

  if (parser->n_held > 0)
    {
      /* A character cut short: json-c says what is wrong with it. */
      if (!parser_tokenize (parser, parser->held, parser->n_held, error))
        return NULL;
      parser->n_held = 0;
    }
  if (!parser->done)
    {
      /* A top-level number needs a terminator to be complete: json-c takes
       * a NUL for the end of the data. */
      enum json_tokener_error jerr;

      parser->value = json_tokener_parse_ex (parser->tok, "", 1);
      jerr = json_tokener_get_error (parser->tok);
      if (jerr != json_tokener_success)
        {
          const gchar *why = jerr == json_tokener_continue ? _("truncated document")
                                                           : json_tokener_error_desc (jerr);
          g_autofree gchar *message = g_strdup_printf (_("Invalid JSON: %s"), why);

          parser_fail (parser, error, message);
          return NULL;
        }
      parser->done = TRUE;
    }
  return g_steal_pointer (&parser->value);
}

/**
 * gmo_json_parser_free:
 * @parser: (nullable) (transfer full): a parser
 */
void
gmo_json_parser_free (GmoJsonParser *parser)
{
  if (parser == NULL)
    return;
  g_clear_pointer (&parser->tok, json_tokener_free);
  g_clear_pointer (&parser->value, json_object_put);
  g_free (parser);
}

/**
 * gmo_json_parse:
 * @data: bytes that should hold exactly one JSON value
 * @len: their length
 * @code: the error class to report a bad document with
 * @error: return location for an error
 *
 * Parses strictly (RFC 8259, no comments or single quotes), validates UTF-8,
 * limits nesting to %GMO_JSON_MAX_DEPTH and rejects anything but white space
 * after the value. A NUL byte anywhere is an error.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with @error set;
 * also %NULL, without an error, for the document `null`.
 */
json_object *
gmo_json_parse (const gchar *data, gsize len, GmoError code, GError **error)
{
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (code);

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!gmo_json_parser_feed (parser, data, len, error))
    return NULL;
  return gmo_json_parser_finish (parser, error);
}

/**
 * gmo_json_get_string:
 * @object: (nullable): a JSON value
 * @key: a member name
 *
 * Returns: (transfer none) (nullable): the member's string if @object is an
 * object with a string member @key that holds no NUL ("\u0000"), else %NULL.
 * Valid while @object lives.
 */
const gchar *
gmo_json_get_string (json_object *object, const gchar *key)
{
  json_object *member = NULL;

  if (!json_object_is_type (object, json_type_object)
      || !json_object_object_get_ex (object, key, &member)
      || !json_object_is_type (member, json_type_string))
    return NULL;
  return gmo_json_is_c_string (member) ? json_object_get_string (member) : NULL;
}

/**
 * gmo_json_is_c_string:
 * @value: (nullable): a JSON value
 *
 * Returns: %TRUE if @value is a string without NUL ("\u0000"): a C string would
 * silently cut such a value (a secret, an account, a method) short.
 */
gboolean
gmo_json_is_c_string (json_object *value)
{
  return json_object_is_type (value, json_type_string)
         && strlen (json_object_get_string (value)) == (gsize) json_object_get_string_len (value);
}

/**
 * gmo_json_get_int64:
 * @object: (nullable): a JSON value
 * @key: a member name
 * @out_value: (out): the integer
 *
 * Returns: %TRUE if @object has an integer member @key.
 */
gboolean
gmo_json_get_int64 (json_object *object, const gchar *key, gint64 *out_value)
{
  json_object *member = NULL;

  if (!json_object_is_type (object, json_type_object)
      || !json_object_object_get_ex (object, key, &member)
      || !json_object_is_type (member, json_type_int))
    return FALSE;
  *out_value = json_object_get_int64 (member);
  return TRUE;
}

/**
 * gmo_json_to_string:
 * @object: a JSON value
 *
 * Returns: (transfer full): @object as one line of compact JSON.
 */
gchar *
gmo_json_to_string (json_object *object)
{
  return g_strdup (json_object_to_json_string_ext (object, JSON_C_TO_STRING_PLAIN
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/**
 * gmo_json_to_secret:
 * @object: a JSON value that holds a secret
 *
 * Like gmo_json_to_string(), but wipes json-c's own copy of the text.
 *
 * Returns: (transfer full): the text, to free with gmo_secret_free().
 */
GmoSecret *
gmo_json_to_secret (json_object *object)
{
  size_t len = 0;
  const char *text = json_object_to_json_string_length (
      object, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  GmoSecret *copy = gmo_secret_dup_len (text, len);

  gmo_wipe ((gpointer) text, len);
  return copy;
}

static void
json_wipe_strings (json_object *object)
{
  switch (json_object_get_type (object))
    {
    case json_type_string:
      gmo_wipe ((gpointer) json_object_get_string (object), json_object_get_string_len (object));
      break;
    case json_type_object:
      {
        json_object_object_foreach (object, key, member)
        {
          (void) key;
          json_wipe_strings (member);
        }
      }
      break;
    case json_type_array:
      for (size_t i = 0; i < json_object_array_length (object); i++)
        json_wipe_strings (json_object_array_get_idx (object, i));
      break;
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_int:
      break;
    }
}

/**
 * gmo_json_wipe_put:
 * @object: (nullable) (transfer full): a JSON value that held secrets
 *
 * Wipes every string in @object, then drops the reference.
 */
void
gmo_json_wipe_put (json_object *object)
{
  if (object == NULL)
    return;
  json_wipe_strings (object);
  json_object_put (object);
}
