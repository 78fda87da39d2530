/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading JSON: json-c with the checks it does not make (RFC 8259 and
 * RFC 7493's I-JSON), for whole documents and for documents that arrive in
 * pieces. Writing and reading values is gmo-json.c. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-json.h"

/* The value of the four hex digits at @p, before @end; -1 if they are not. */
static gint
hex4 (const gchar *p, const gchar *end)
{
  gint value = 0;

  if (end - p < 4)
    return -1;
  for (guint i = 0; i < 4; i++)
    {
      gint digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* Checks the \u escape whose 'u' is at *@p, and moves *@p to its last
 * character: FALSE for a lone UTF-16 surrogate. A malformed escape is left to
 * json-c, which refuses it. */
static gboolean
unicode_escape_ok (const gchar **p, const gchar *end)
{
  gint unit = hex4 (*p + 1, end);

  if (unit < 0xD800 || unit > 0xDFFF)
    {
      *p += unit < 0 ? 0 : 4;
      return TRUE;
    }
  /* A high surrogate must be followed by the escape of a low one. */
  if (unit >= 0xDC00 || end - *p < 11 || (*p)[5] != '\\' || (*p)[6] != 'u')
    return FALSE;
  unit = hex4 (*p + 7, end);
  if (unit < 0xDC00 || unit > 0xDFFF)
    return FALSE;
  *p += 10;
  return TRUE;
}

/* An integer of @len bytes at @p fits in 64 bits (signed when negative). */
static gboolean
integer_fits (const gchar *p, gsize len)
{
  g_autofree gchar *text = NULL;
  g_autoptr (GError) error = NULL;

  /* Up to 18 characters, "999999999999999999" at most, always fit. */
  if (len < 19)
    return TRUE;
  text = g_strndup (p, len);
  if (*text == '-')
    g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, NULL, &error);
  else
    g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, NULL, &error);
  /* A malformed number is json-c's to refuse. */
  return !g_error_matches (error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS);
}

/* What json-c 0.16 lets through or silently changes although RFC 8259 (or
 * RFC 7493's I-JSON) does not allow it: 'single-quoted' strings, even in
 * strict mode; \u escapes of lone UTF-16 surrogates, which it turns into
 * U+FFFD; integers beyond 64 bits, which it saturates. Returns the problem
 * (untranslated), or %NULL. */
static const gchar *
lexical_problem (const gchar *data, gsize len)
{
  const gchar *end = data + len;
  gboolean in_string = FALSE;

  for (const gchar *p = data; p < end; p++)
    {
      if (in_string)
        {
          if (*p == '"')
            in_string = FALSE;
          else if (*p == '\\' && p + 1 < end && *++p == 'u' && !unicode_escape_ok (&p, end))
            return N_("lone UTF-16 surrogate escape");
        }
      else if (*p == '"')
        in_string = TRUE;
      else if (*p == '\'')
        return N_("single-quoted string");
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          const gchar *start = p;
          gboolean integer = TRUE;

          while (p + 1 < end
                 && (g_ascii_isdigit (p[1]) || p[1] == '.' || p[1] == 'e' || p[1] == 'E'
                     || p[1] == '+' || p[1] == '-'))
            {
              p++;
              integer = integer && g_ascii_isdigit (*p);
            }
          if (integer && !integer_fits (start, p + 1 - start))
            return N_("integer beyond 64 bits");
        }
    }
  return NULL;
}

/* One JSON document read in pieces, with the checks json-c does not make.
 * The tokener is freed as soon as the value is complete, so that its copy of
 * the longest string is gone before the caller uses the value. */
struct _GmoJsonParser
{
  /* What gmo_json_parser_divert() set up, kept across resets. */
  const gchar *divert_key;
  GmoJsonStringSink divert_sink;
  gpointer divert_data;

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

  /* Where the scan is, for the diverted member: */
  guint depth;          /* of nesting, outside strings */
  guint string_depth;   /* the depth the current string is at */
  gsize string_len;     /* its bytes so far */
  gboolean string_is_key; /* so far, it is the diverted member's name */
  guint after_key;      /* 1: that name was read, 2: and its ':' */
  gboolean diverting;   /* inside the diverted member's value */
  gboolean diverted;    /* that value was seen */
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

/* Follows the document's strings and nesting over @len bytes of @data, and
 * returns how many of them belong to the tokener: all of them, or those up
 * to the opening quote of the diverted member's value, which sets
 * parser->diverting. Sets *@out_single_quote for a quote outside a string:
 * json-c 0.16 accepts 'single-quoted' strings even in strict mode; RFC 8259
 * does not. */
static gsize
scan (GmoJsonParser *parser, const gchar *data, gsize len, gboolean *out_single_quote)
{
  const gchar *key = parser->divert_key;

  *out_single_quote = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      gchar c = data[i];

      if (parser->in_string)
        {
          if (parser->escaped)
            parser->escaped = FALSE;
          else if (c == '\\')
            parser->escaped = TRUE;
          else if (c == '"')
            {
              parser->in_string = FALSE;
              parser->after_key = parser->string_is_key && parser->string_depth == 1
                                          && key[parser->string_len] == '\0'
                                      ? 1
                                      : 0;
              continue;
            }
          /* An escaped name never matches: json-c would read it as another. */
          if (key != NULL && parser->string_is_key
              && (c == '\\' || key[parser->string_len] != c))
            parser->string_is_key = FALSE;
          parser->string_len++;
          continue;
        }
      if (c == '"')
        {
          if (parser->after_key == 2)
            {
              parser->after_key = 0;
              parser->diverting = TRUE;
              parser->in_string = TRUE;
              parser->string_is_key = FALSE;
              return i + 1;
            }
          parser->in_string = TRUE;
          parser->string_depth = parser->depth;
          parser->string_len = 0;
          parser->string_is_key = key != NULL;
          parser->after_key = 0;
        }
      else if (c == '\'')
        {
          *out_single_quote = TRUE;
          return i;
        }
      else if (c == ':' && parser->after_key == 1)
        parser->after_key = 2;
      else if (!g_ascii_isspace (c))
        {
          parser->after_key = 0;
          if (c == '{' || c == '[')
            parser->depth++;
          else if ((c == '}' || c == ']') && parser->depth > 0)
            parser->depth--;
        }
    }
  return len;
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
  const gchar *divert_key = parser->divert_key;
  GmoJsonStringSink divert_sink = parser->divert_sink;
  gpointer divert_data = parser->divert_data;

  g_clear_pointer (&parser->tok, json_tokener_free);
  g_clear_pointer (&parser->value, json_object_put);
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
  g_return_val_if_fail (!parser->failed, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > G_MAXINT - parser->total)
    return parser_fail (parser, error, _("JSON document too large"));
  parser->total += len;
  if (memchr (data, '\0', len) != NULL)
    return parser_fail (parser, error, _("JSON document contains a NUL byte"));

  while (len > 0)
    {
      gboolean single_quote = FALSE;
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
      n = scan (parser, data, len, &single_quote);
      if (single_quote)
        return parser_fail (parser, error, _("Invalid JSON: single-quoted string"));
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
  g_autoptr (GmoJsonParser) parser = NULL;
  const gchar *problem;

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
  /* What the parser checks piece by piece, and what only a whole document
   * can show: see lexical_problem(). */
  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error (error, GMO_ERROR, code, _("Invalid JSON: not valid UTF-8"));
      return NULL;
    }
  problem = lexical_problem (data, len);
  if (problem != NULL)
    {
      g_set_error (error, GMO_ERROR, code, _("Invalid JSON: %s"), _(problem));
      return NULL;
    }
  parser = gmo_json_parser_new (code);
  if (!gmo_json_parser_feed (parser, data, len, error))
    return NULL;
  return gmo_json_parser_finish (parser, error);
}
