/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lexical checks of the JSON reader (gmo-json-parse.c), over a document
 * that arrives in pieces: what json-c lets through or silently changes
 * although RFC 8259 or RFC 7493's I-JSON does not allow it, and where the
 * diverted member's value starts (gmo_json_parser_divert()). */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-json-private.h"

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

/* Whether @text is a number as RFC 8259 writes them:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
number_is_valid (const gchar *text)
{
  const gchar *p = text;

  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    while (g_ascii_isdigit (*p))
      p++;
  else
    return FALSE;
  if (*p == '.')
    {
      if (!g_ascii_isdigit (*++p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  return *p == '\0';
}

/* The end of the number being read. json-c 0.16 takes "00" for 0, and "0-"
 * for 0 when the '-' comes in the next piece; an integer must fit in 64
 * bits. */
static const gchar *
scan_number_end (GmoJsonParser *parser)
{
  g_autoptr (GString) number = g_steal_pointer (&parser->number);

  if (!number_is_valid (number->str))
    return N_("malformed number");
  if (parser->integer && !integer_fits (number->str, number->len))
    return N_("integer beyond 64 bits");
  return NULL;
}

/* One character of a \ escape in a string, the backslash already in
 * parser->escape. A \u escape of a UTF-16 surrogate must be a high one
 * followed by the escape of a low one; a malformed escape is left to
 * json-c, which refuses it. Returns the problem, or %NULL. */
static const gchar *
scan_escape (GmoJsonParser *parser, gchar c)
{
  gint unit;

  parser->escape[parser->n_escape++] = c;
  switch (parser->n_escape)
    {
    case 2: /* \" \n ... end here */
      if (c != 'u')
        parser->n_escape = 0;
      return NULL;
    case 6:
      unit = hex4 (parser->escape + 2, parser->escape + 6);
      if (unit < 0)
        break;
      if (unit >= 0xDC00 && unit <= 0xDFFF)
        return N_("lone UTF-16 surrogate escape");
      if (unit < 0xD800 || unit > 0xDFFF)
        parser->n_escape = 0;
      return NULL;
    case 7:
      return c == '\\' ? NULL : N_("lone UTF-16 surrogate escape");
    case 8:
      return c == 'u' ? NULL : N_("lone UTF-16 surrogate escape");
    case 12:
      unit = hex4 (parser->escape + 8, parser->escape + 12);
      parser->n_escape = 0;
      return unit >= 0xDC00 && unit <= 0xDFFF ? NULL : N_("lone UTF-16 surrogate escape");
    default: /* the other hex digits */
      if (g_ascii_isxdigit (c))
        return NULL;
      break;
    }
  /* Not four hex digits: after a high surrogate, not the low one's. */
  if (parser->n_escape > 8)
    return N_("lone UTF-16 surrogate escape");
  /* json-c refuses a malformed \u escape; its last character may still end
   * the string or begin another escape. */
  parser->n_escape = 0;
  if (c == '"')
    parser->in_string = FALSE;
  else if (c == '\\')
    parser->escape[parser->n_escape++] = c;
  return NULL;
}

/* Follows the document's strings, numbers and nesting over @len bytes of
 * @data, for two ends. The checks of what json-c 0.16 lets through or
 * silently changes although RFC 8259 (or RFC 7493's I-JSON) does not allow
 * it: 'single-quoted' strings, NaN and Infinity, even in strict mode; \u
 * escapes of lone UTF-16 surrogates, which it turns into U+FFFD; integers
 * beyond 64 bits, which it saturates: *@out_problem is then set (untranslated).
 * And the diverted member (gmo_json_parser_divert()): the scan stops after
 * the opening quote of its value and sets parser->diverting. Keeps its place
 * across pieces. Returns how many bytes of @data belong to the tokener. */
gsize
gmo_json_scan (GmoJsonParser *parser, const gchar *data, gsize len, const gchar **out_problem)
{
  const gchar *key = parser->divert_key;
  const gchar *problem = NULL;
  gsize i;

  for (i = 0; problem == NULL && i < len; i++)
    {
      gchar c = data[i];

      if (parser->number != NULL)
        {
          if (g_ascii_isdigit (c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
            {
              g_string_append_c (parser->number, c);
              parser->integer = parser->integer && g_ascii_isdigit (c);
              continue;
            }
          problem = scan_number_end (parser);
          if (problem != NULL)
            break;
        }
      if (parser->in_string)
        {
          if (parser->n_escape > 0)
            problem = scan_escape (parser, c);
          else if (c == '\\')
            parser->escape[parser->n_escape++] = c;
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
              i++;
              break;
            }
          parser->in_string = TRUE;
          parser->string_depth = parser->depth;
          parser->string_len = 0;
          parser->string_is_key = key != NULL;
          parser->after_key = 0;
        }
      else if (c == '\'')
        problem = N_("single-quoted string");
      /* Outside strings, no JSON value starts with these letters: only
       * json-c's NaN, Infinity and -Infinity do, even in strict mode. */
      else if (c == 'N' || c == 'I')
        problem = N_("NaN or Infinity");
      else if (c == ':' && parser->after_key == 1)
        parser->after_key = 2;
      else if (!g_ascii_isspace (c))
        {
          parser->after_key = 0;
          if (c == '-' || g_ascii_isdigit (c))
            {
              parser->number = g_string_new_len (&c, 1);
              parser->integer = TRUE;
            }
          else if (c == '{' || c == '[')
            parser->depth++;
          else if ((c == '}' || c == ']') && parser->depth > 0)
            parser->depth--;
        }
    }
  *out_problem = problem;
  return i;
}

/* The end of the document: what gmo_json_scan() still held. */
const gchar *
gmo_json_scan_finish (GmoJsonParser *parser)
{
  if (parser->number != NULL)
    return scan_number_end (parser);
  /* A high surrogate's escape the document ends in, waiting for its low one. */
  if (parser->in_string && parser->n_escape >= 6)
    return N_("lone UTF-16 surrogate escape");
  return NULL;
}
