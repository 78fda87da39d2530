/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Readable text from the HTML of a message that has no text/plain part. Not a
 * parser of HTML, and no MIME: one pass that drops what is not text (tags,
 * comments, script, style, head), turns block elements into line breaks,
 * collapses white space as a browser would, and decodes character references
 * (the common named ones and every numeric one). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "gmo-mime.h"

/* Elements whose content is not text for a reader. */
static const gchar *const hidden_elements[] = { "head", "script", "style", "template", "title" };

/* Elements that start and end a line. */
static const gchar *const block_elements[] = {
  "address", "article", "aside",  "blockquote", "dd",     "div",   "dl",  "dt",    "fieldset",
  "figure",  "footer",  "form",   "h1",         "h2",     "h3",    "h4",  "h5",    "h6",
  "header",  "hr",      "li",     "main",       "nav",    "ol",    "p",   "pre",   "section",
  "table",   "tbody",   "tfoot",  "thead",      "tr",     "ul",
};

/* Table cells: a space between them. */
static const gchar *const cell_elements[] = { "td", "th" };

static const struct
{
  const gchar *name;
  gunichar c;
} entities[] = {
  { "amp", '&' },      { "lt", '<' },        { "gt", '>' },        { "quot", '"' },
  { "apos", '\'' },    { "nbsp", 0x00a0 },   { "ensp", 0x2002 },   { "emsp", 0x2003 },
  { "thinsp", 0x2009 }, { "zwnj", 0x200c },  { "zwj", 0x200d },    { "shy", 0x00ad },
  { "copy", 0x00a9 },  { "reg", 0x00ae },    { "trade", 0x2122 },  { "hellip", 0x2026 },
  { "mdash", 0x2014 }, { "ndash", 0x2013 },  { "minus", 0x2212 },  { "lsquo", 0x2018 },
  { "rsquo", 0x2019 }, { "sbquo", 0x201a },  { "ldquo", 0x201c },  { "rdquo", 0x201d },
  { "bdquo", 0x201e }, { "laquo", 0x00ab },  { "raquo", 0x00bb },  { "lsaquo", 0x2039 },
  { "rsaquo", 0x203a }, { "bull", 0x2022 },  { "middot", 0x00b7 }, { "dagger", 0x2020 },
  { "euro", 0x20ac },  { "pound", 0x00a3 },  { "yen", 0x00a5 },    { "cent", 0x00a2 },
  { "curren", 0x00a4 }, { "sect", 0x00a7 },  { "para", 0x00b6 },   { "deg", 0x00b0 },
  { "plusmn", 0x00b1 }, { "times", 0x00d7 }, { "divide", 0x00f7 }, { "frac12", 0x00bd },
  { "frac14", 0x00bc }, { "frac34", 0x00be }, { "sup2", 0x00b2 },  { "sup3", 0x00b3 },
  { "micro", 0x00b5 }, { "iexcl", 0x00a1 },  { "iquest", 0x00bf }, { "ordf", 0x00aa },
  { "ordm", 0x00ba },  { "not", 0x00ac },    { "larr", 0x2190 },   { "rarr", 0x2192 },
  { "uarr", 0x2191 },  { "darr", 0x2193 },   { "hearts", 0x2665 }, { "check", 0x2713 },
  { "Agrave", 0x00c0 }, { "Aacute", 0x00c1 }, { "Acirc", 0x00c2 }, { "Atilde", 0x00c3 },
  { "Auml", 0x00c4 },  { "Aring", 0x00c5 },  { "AElig", 0x00c6 },  { "Ccedil", 0x00c7 },
  { "Egrave", 0x00c8 }, { "Eacute", 0x00c9 }, { "Ecirc", 0x00ca }, { "Euml", 0x00cb },
  { "Igrave", 0x00cc }, { "Iacute", 0x00cd }, { "Icirc", 0x00ce }, { "Iuml", 0x00cf },
  { "Ntilde", 0x00d1 }, { "Ograve", 0x00d2 }, { "Oacute", 0x00d3 }, { "Ocirc", 0x00d4 },
  { "Otilde", 0x00d5 }, { "Ouml", 0x00d6 },  { "Oslash", 0x00d8 }, { "Ugrave", 0x00d9 },
  { "Uacute", 0x00da }, { "Ucirc", 0x00db }, { "Uuml", 0x00dc },   { "Yacute", 0x00dd },
  { "szlig", 0x00df }, { "agrave", 0x00e0 }, { "aacute", 0x00e1 }, { "acirc", 0x00e2 },
  { "atilde", 0x00e3 }, { "auml", 0x00e4 },  { "aring", 0x00e5 },  { "aelig", 0x00e6 },
  { "ccedil", 0x00e7 }, { "egrave", 0x00e8 }, { "eacute", 0x00e9 }, { "ecirc", 0x00ea },
  { "euml", 0x00eb },  { "igrave", 0x00ec }, { "iacute", 0x00ed }, { "icirc", 0x00ee },
  { "iuml", 0x00ef },  { "ntilde", 0x00f1 }, { "ograve", 0x00f2 }, { "oacute", 0x00f3 },
  { "ocirc", 0x00f4 }, { "otilde", 0x00f5 }, { "ouml", 0x00f6 },   { "oslash", 0x00f8 },
  { "ugrave", 0x00f9 }, { "uacute", 0x00fa }, { "ucirc", 0x00fb }, { "uuml", 0x00fc },
  { "yacute", 0x00fd }, { "yuml", 0x00ff },  { "OElig", 0x0152 },  { "oelig", 0x0153 },
  { "Scaron", 0x0160 }, { "scaron", 0x0161 }, { "Yuml", 0x0178 },  { "Zcaron", 0x017d },
  { "zcaron", 0x017e }, { "alpha", 0x03b1 }, { "beta", 0x03b2 },   { "mu", 0x03bc },
  { "pi", 0x03c0 },
};

/* The longest reference we look at: "&#x10FFFF;" and the longest name. */
#define MAX_REFERENCE 12
#define MAX_TAG_NAME 16

static gboolean
in_list (const gchar *name, const gchar *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (g_str_equal (name, list[i]))
      return TRUE;
  return FALSE;
}

/* The text so far ends a line: no trailing space, at most one blank line. */
static void
end_line (GString *out, gboolean always)
{
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    return;
  if (!always && out->str[out->len - 1] == '\n')
    return;
  if (out->len >= 2 && out->str[out->len - 1] == '\n' && out->str[out->len - 2] == '\n')
    return;
  g_string_append_c (out, '\n');
}

/* Decodes the character reference at @p ("&amp;", "&#233;", "&#xE9;") into
 * @out; returns what follows it, or NULL if @p starts none. */
static const gchar *
decode_reference (const gchar *p, GString *out)
{
  gchar name[MAX_REFERENCE + 1];
  gsize len = 0;

  for (const gchar *q = p + 1; *q != ';'; q++)
    {
      if (len == MAX_REFERENCE || !(g_ascii_isalnum (*q) || (*q == '#' && len == 0)))
        return NULL;
      name[len++] = *q;
    }
  name[len] = '\0';
  if (len >= 2 && name[0] == '#')
    {
      gboolean hex = name[1] == 'x' || name[1] == 'X';
      guint64 value = 0;

      if (!g_ascii_string_to_unsigned (name + (hex ? 2 : 1), hex ? 16 : 10, 0, G_MAXUINT32,
                                       &value, NULL))
        return NULL;
      /* What HTML makes of NUL, surrogates and values beyond Unicode. */
      if (value == 0 || !g_unichar_validate ((gunichar) value))
        value = 0xfffd;
      g_string_append_unichar (out, (gunichar) value);
      return p + len + 2;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_str_equal (name, entities[i].name))
      {
        g_string_append_unichar (out, entities[i].c);
        return p + len + 2;
      }
  return NULL;
}

/* The '>' that ends the tag whose attributes start at @p (quoted values may
 * hold one), or the end of the text. */
static const gchar *
tag_end (const gchar *p)
{
  gchar quote = 0;

  for (; *p != '\0'; p++)
    {
      if (quote != 0)
        {
          if (*p == quote)
            quote = 0;
        }
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        return p;
    }
  return p;
}

/* Past the end tag of the hidden element @name, or the end of the text. */
static const gchar *
skip_element (const gchar *p, const gchar *name)
{
  gsize len = strlen (name);

  for (; *p != '\0'; p++)
    if (p[0] == '<' && p[1] == '/' && g_ascii_strncasecmp (p + 2, name, len) == 0
        && !g_ascii_isalnum (p[2 + len]))
      {
        const gchar *end = tag_end (p + 2 + len);

        return *end != '\0' ? end + 1 : end;
      }
  return p;
}

/* Handles the markup at @p ('<'); returns what follows it, or NULL when the
 * '<' is text ("a < b"). */
static const gchar *
handle_markup (const gchar *p, GString *out, gboolean *space, guint *pre)
{
  gchar name[MAX_TAG_NAME + 1];
  gboolean closing = p[1] == '/';
  const gchar *q = p + 1 + closing;
  const gchar *end;
  gsize len = 0;

  if (g_str_has_prefix (p, "<!--"))
    {
      end = strstr (p + 4, "-->");
      return end != NULL ? end + 3 : p + strlen (p);
    }
  if (p[1] == '!' || p[1] == '?')
    {
      /* <!DOCTYPE>, <![CDATA[...]]>, <?xml?> */
      end = tag_end (p + 2);
      return *end != '\0' ? end + 1 : end;
    }
  /* A tag name starts with a letter: "<3" and "a < b" are text. */
  if (!g_ascii_isalpha (*q))
    return NULL;
  for (; g_ascii_isalnum (*q); q++)
    if (len < MAX_TAG_NAME)
      name[len++] = g_ascii_tolower (*q);
  name[len] = '\0';
  end = tag_end (q);
  end = *end != '\0' ? end + 1 : end;

  if (!closing && in_list (name, hidden_elements, G_N_ELEMENTS (hidden_elements)))
    return skip_element (end, name);
  if (g_str_equal (name, "br"))
    end_line (out, TRUE);
  else if (in_list (name, block_elements, G_N_ELEMENTS (block_elements)))
    {
      end_line (out, FALSE);
      if (g_str_equal (name, "pre"))
        *pre = closing ? (*pre > 0 ? *pre - 1 : 0) : *pre + 1;
    }
  else if (in_list (name, cell_elements, G_N_ELEMENTS (cell_elements)))
    *space = TRUE;
  return end;
}

/**
 * gmo_mime_html_to_text:
 * @html: HTML text (invalid UTF-8 is replaced)
 *
 * Returns: (transfer full): the readable text of @html: no tags, comments,
 * scripts or styles; <br> and block elements (p, div, li, tr...) as line
 * breaks; white space collapsed outside <pre>; character references decoded.
 */
gchar *
gmo_mime_html_to_text (const gchar *html)
{
  g_autofree gchar *valid = NULL;
  GString *out;
  gboolean space = FALSE;
  guint pre = 0;
  const gchar *p;

  g_return_val_if_fail (html != NULL, NULL);

  valid = g_utf8_make_valid (html, -1);
  out = g_string_sized_new (strlen (valid) / 2 + 16);
  for (p = valid; *p != '\0';)
    {
      const gchar *next = NULL;

      if (*p == '<')
        {
          next = handle_markup (p, out, &space, &pre);
          if (next != NULL)
            {
              p = next;
              continue;
            }
        }
      if (pre == 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f'))
        {
          space = TRUE;
          p++;
          continue;
        }
      if (space && out->len > 0 && out->str[out->len - 1] != '\n'
          && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
      space = FALSE;
      if (*p == '&' && (next = decode_reference (p, out)) != NULL)
        {
          p = next;
          continue;
        }
      if (pre > 0 && *p == '\r')
        {
          p++;
          continue;
        }
      next = g_utf8_next_char (p);
      g_string_append_len (out, p, next - p);
      p = next;
    }
  end_line (out, FALSE);
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
