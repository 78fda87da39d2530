/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading JSON: json-c with the checks it does not make (RFC 8259 and
 * RFC 7493's I-JSON; the lexical ones are gmo-json-scan.c), for whole
 * documents and for documents that arrive in pieces. Writing and reading
 * values is gmo-json.c. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-json-private.h"

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

  /* json-c's own check lets overlong forms, encoded surrogates and code
   * points above U+10FFFF through; GLib's does not. Pieces end on character
   * boundaries (see gmo_json_parser_feed()). */
  if (!g_utf8_validate_len (data, len, NULL))
    return parser_fail (parser, error, _("Invalid JSON: not valid UTF-8"));
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
  /* JSON's white space only, as json-c allows in the piece that ends the
   * value: not the form feed or vertical tab of isspace(). */
  for (; end < len; end++)
    if (data[end] != ' ' && data[end] != '\t' && data[end] != '\n' && data[end] != '\r')
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
  const gchar *divert_key = parser->divert_key;
  GmoJsonStringSink divert_sink = parser->divert_sink;
  gpointer divert_data = parser->divert_data;

  g_clear_pointer (&parser->tok, json_tokener_free);
  g_clear_pointer (&parser->value, json_object_put);
  if (parser->number != NULL)
    g_string_free (g_steal_pointer (&parser->number), TRUE);
  memset (parser, 0, sizeof *parser);
  parser->code = code;
  parser->divert_key = divert_key;
  parser->divert_sink = divert_sink;
  parser->divert_data = divert_data;
  if (divert_sink != NULL)
    divert_sink (NULL, 0, divert_data, NULL);
  parser->tok = json_tokener_new_ex (GMO_JSON_MAX_DEPTH);
  if (parser->tok == NULL)
    g_error ("out of memory");
  json_tokener_set_flags (parser->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
}

/* Gives @len bytes to the tokener, holding back a character that the next
 * piece completes: json-c refuses a character split between two calls. */
static gboolean
feed_tokener (GmoJsonParser *parser, const gchar *data, gsize len, GError **error)
{
  gsize tail;

  if (len == 0)
    return TRUE;
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
 * gmo_json_parser_divert:
 * @parser: a parser that was fed nothing yet
 * @key: (transfer none): the name of a member of the top-level object; it
 *   must outlive @parser
 * @sink: gets the bytes of that member's value, a string, piece by piece
 *   (never an escape: a backslash is passed on for @sink to refuse); with
 *   %NULL data when the parser is reset, to start again
 * @user_data: for @sink
 *
 * Keeps the value of one large string member out of json-c: the tokener
 * would copy all of it into its buffer and then into the value. The value
 * then holds "" for that member. A second member of that name is an error.
 */
void
gmo_json_parser_divert (GmoJsonParser *parser, const gchar *key, GmoJsonStringSink sink,
                        gpointer user_data)
{
  g_return_if_fail (parser->total == 0);
  g_return_if_fail (key != NULL && *key != '\0' && strchr (key, '\\') == NULL);

  parser->divert_key = key;
  parser->divert_sink = sink;
  parser->divert_data = user_data;
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
  const gchar *problem;

  g_return_val_if_fail (!parser->failed, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > G_MAXINT - parser->total)
    return parser_fail (parser, error, _("JSON document too large"));
  parser->total += len;
  if (memchr (data, '\0', len) != NULL)
    return parser_fail (parser, error, _("JSON document contains a NUL byte"));
  while (len > 0)
    {
      gsize n;

      if (parser->diverting)
        {
          /* The value's bytes up to its closing quote go to the sink; the
           * tokener gets the quotes alone, an empty string. */
          const gchar *quote = memchr (data, '"', len);

          n = quote != NULL ? (gsize) (quote - data) : len;
          if (n > 0 && !parser->divert_sink (data, n, parser->divert_data, error))
            {
              parser->failed = TRUE;
              return FALSE;
            }
          data += n;
          len -= n;
          if (quote == NULL)
            break;
          parser->diverting = FALSE;
        }
      n = gmo_json_scan (parser, data, len, &problem);
      if (problem != NULL)
        {
          g_autofree gchar *message = g_strdup_printf (_("Invalid JSON: %s"), _(problem));

          return parser_fail (parser, error, message);
        }
      if (parser->diverting)
        {
          /* I-JSON: names are unique; a second one would add to the first. */
          if (parser->diverted)
            return parser_fail (parser, error, _("Invalid JSON: a member appears twice"));
          parser->diverted = TRUE;
        }
      if (!feed_tokener (parser, data, n, error))
        return FALSE;
      data += n;
      len -= n;
    }
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
  const gchar *problem;

  g_return_val_if_fail (!parser->failed, NULL);

  problem = gmo_json_scan_finish (parser);
  if (problem != NULL)
    {
      g_autofree gchar *message = g_strdup_printf (_("Invalid JSON: %s"), _(problem));

      parser_fail (parser, error, message);
      return NULL;
    }

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
  if (parser->number != NULL)
    g_string_free (parser->number, TRUE);
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
  g_autoptr (GmoJsonParser) parser = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* An empty answer may come without a buffer: no NULL for memchr and json-c. */
  if (len == 0)
    data = "";
  if (len > G_MAXINT)
    {
      g_set_error (error, GMO_ERROR, code, _("JSON document too large"));
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, GMO_ERROR, code, _("JSON document contains a NUL byte"));
      return NULL;
    }
  /* Said first, whatever else is wrong, as for a document in pieces the
   * parser can say only when it gets there. */
  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error (error, GMO_ERROR, code, _("Invalid JSON: not valid UTF-8"));
      return NULL;
    }
  parser = gmo_json_parser_new (code);
  if (!gmo_json_parser_feed (parser, data, len, error))
    return NULL;
  return gmo_json_parser_finish (parser, error);
}
