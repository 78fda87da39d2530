/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The readable text of a message's parts, read from GMime a block at a time
 * into a window of characters: a caller that wants characters [offset,
 * offset + n) of a 10 MiB body holds those and a count of the rest, never the
 * whole decoded text beside the message it came from. Every step of the
 * decoding is GMime's (transfer encodings, charsets, line ends); a part
 * whose bytes turn out not to be UTF-8 is read again whole, so that GMime
 * can pick its fallback charset from all of it, as before. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "gmo-autocleanups.h"
#include "gmo-mime-private.h"

/* Bytes read from GMime at a time. */
#define BLOCK_SIZE 16384

/**
 * gmo_mime_window_init:
 * @window: a window to set up
 * @offset: the first character wanted (a negative one counts as 0)
 * @n_chars: how many characters at most
 */
void
gmo_mime_window_init (GmoMimeWindow *window, glong offset, glong n_chars)
{
  memset (window, 0, sizeof *window);
  window->offset = MAX (offset, 0);
  window->n_chars = MAX (n_chars, 0);
  window->text = g_string_new (NULL);
}

/**
 * gmo_mime_window_clear:
 * @window: a window
 */
void
gmo_mime_window_clear (GmoMimeWindow *window)
{
  if (window->text != NULL)
    g_string_free (window->text, TRUE);
  window->text = NULL;
}

/* The characters of valid UTF-8: its bytes but the continuation bytes. A
 * loop the compiler vectorises, where g_utf8_strlen() steps character by
 * character (a quarter of the time of reading a large message). */
static glong
utf8_count (const gchar *text, gsize len)
{
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    n += ((guchar) text[i] & 0xc0) != 0x80;
  return (glong) n;
}

/**
 * gmo_mime_window_append:
 * @window: a window
 * @text: valid UTF-8 without NUL bytes
 * @len: its length in bytes
 *
 * Counts the characters of @text and keeps those that fall in the window.
 */
void
gmo_mime_window_append (GmoMimeWindow *window, const gchar *text, gsize len)
{
  glong end = window->n_chars > G_MAXLONG - window->offset ? G_MAXLONG
                                                            : window->offset + window->n_chars;
  glong n, from, to;

  if (len == 0)
    return;
  n = utf8_count (text, len);
  from = MAX (window->offset, window->seen);
  to = MIN (end, window->seen + n);
  if (from < to)
    {
      const gchar *start = g_utf8_offset_to_pointer (text, from - window->seen);
      const gchar *stop = to - window->seen == n ? text + len
                                                 : g_utf8_offset_to_pointer (start, to - from);

      g_string_append_len (window->text, start, stop - start);
    }
  window->seen += n;
  window->bytes += len;
  window->last = text[len - 1];
}

/* Appends a separator line end unless the text so far ends with one. */
static void
window_separate (GmoMimeWindow *window)
{
  if (window->bytes > 0 && window->last != '\n')
    gmo_mime_window_append (window, "\n", 1);
}

static gboolean
charset_is_utf8 (const gchar *charset)
{
  return g_ascii_strcasecmp (charset, "utf-8") == 0 || g_ascii_strcasecmp (charset, "utf8") == 0
         || g_ascii_strcasecmp (charset, "us-ascii") == 0
         || g_ascii_strcasecmp (charset, "ascii") == 0;
}

/* The filters that turn a part's decoded bytes into its text: the count of
 * those bytes (the "best encoding" filter passes data through unchanged and
 * counts it, before the charset changes it), the charset's conversion to
 * UTF-8 unless it is UTF-8 already, and LF line ends. Returns the counter. */
static GMimeFilter *
add_text_filters (GMimeStreamFilter *filtered, const gchar *charset, gboolean *out_converted)
{
  GMimeFilter *counter = g_mime_filter_best_new (GMIME_FILTER_BEST_ENCODING);
  g_autoptr (GMimeFilter) convert = NULL;
  g_autoptr (GMimeFilter) newlines = g_mime_filter_dos2unix_new (FALSE);

  g_mime_stream_filter_add (filtered, counter);
  if (charset != NULL && !charset_is_utf8 (charset))
    convert = g_mime_filter_charset_new (charset, "UTF-8");
  if (convert != NULL)
    g_mime_stream_filter_add (filtered, convert);
  g_mime_stream_filter_add (filtered, newlines);
  *out_converted = convert != NULL;
  return counter;
}

/* The text of @part read whole, as bytes that are then made UTF-8: with
 * GMime's choice among the fallback charsets when it declared none (or one
 * iconv does not know), else by replacing what is not UTF-8. */
static gchar *
part_text_dup_whole (GMimePart *part, GMimeParserOptions *options, gsize *io_size)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  const gchar *charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  g_autoptr (GMimeStream) memory = g_mime_stream_mem_new ();
  g_autoptr (GMimeStream) filtered = g_mime_stream_filter_new (memory);
  g_autoptr (GMimeFilter) counter = NULL;
  gboolean converted = FALSE;
  GByteArray *bytes;

  counter = add_text_filters (GMIME_STREAM_FILTER (filtered), charset, &converted);
  /* Decodes the transfer encoding (base64, quoted-printable) on the way. */
  if (g_mime_data_wrapper_write_to_stream (content, filtered) < 0
      || g_mime_stream_flush (filtered) < 0)
    g_debug ("a text part could not be decoded completely");
  *io_size += GMIME_FILTER_BEST (counter)->total;

  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (memory));
  /* A NUL would silently cut the text short. */
  for (guint i = 0; i < bytes->len; i++)
    if (bytes->data[i] == '\0')
      bytes->data[i] = ' ';
  if (g_utf8_validate ((const gchar *) bytes->data, bytes->len, NULL))
    return g_strndup ((const gchar *) bytes->data, bytes->len);
  if (!converted)
    {
      g_autofree gchar *text
          = g_mime_utils_decode_8bit (options, (const gchar *) bytes->data, bytes->len);

      return g_utf8_make_valid (text, -1);
    }
  return g_utf8_make_valid ((const gchar *) bytes->data, bytes->len);
}

/* Reads the text of @part into @window a block at a time, through the same
 * decoding as g_mime_data_wrapper_write_to_stream(). Returns FALSE, with
 * @window as it was, when the text is not UTF-8. */
static gboolean
part_text_stream (GMimePart *part, GmoMimeWindow *window, gsize *io_size)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  const gchar *charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  GMimeStream *source = g_mime_data_wrapper_get_stream (content);
  GmoMimeWindow before = *window;
  gsize text_len = window->text->len;
  g_autoptr (GMimeStream) filtered = NULL;
  g_autoptr (GMimeFilter) counter = NULL;
  g_autofree gchar *block = NULL;
  gboolean converted = FALSE;
  gsize carry = 0;
  gboolean valid = TRUE;

  if (source == NULL || g_mime_stream_reset (source) < 0)
    return FALSE;
  filtered = g_mime_stream_filter_new (source);
  switch (g_mime_data_wrapper_get_encoding (content))
    {
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
    case GMIME_CONTENT_ENCODING_UUENCODE:
      {
        g_autoptr (GMimeFilter) decode
            = g_mime_filter_basic_new (g_mime_data_wrapper_get_encoding (content), FALSE);

        g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), decode);
        break;
      }
    case GMIME_CONTENT_ENCODING_DEFAULT:
    case GMIME_CONTENT_ENCODING_7BIT:
    case GMIME_CONTENT_ENCODING_8BIT:
    case GMIME_CONTENT_ENCODING_BINARY:
      break;
    }
  counter = add_text_filters (GMIME_STREAM_FILTER (filtered), charset, &converted);

  block = g_malloc (BLOCK_SIZE);
  while (valid)
    {
      ssize_t n = g_mime_stream_read (filtered, block + carry, BLOCK_SIZE - carry);
      const gchar *end = NULL;
      gsize len;

      if (n <= 0)
        break;
      len = carry + (gsize) n;
      for (gsize i = carry; i < len; i++)
        if (block[i] == '\0')
          block[i] = ' ';
      /* A character cut by the block's end is completed by the next block. */
      if (!g_utf8_validate_len (block, len, &end) && (gsize) (block + len - end) >= 4)
        valid = FALSE;
      gmo_mime_window_append (window, block, end - block);
      carry = block + len - end;
      memmove (block, end, carry);
    }
  g_mime_stream_reset (source);
  if (valid && carry == 0)
    {
      *io_size += GMIME_FILTER_BEST (counter)->total;
      return TRUE;
    }
  g_string_truncate (window->text, text_len);
  before.text = window->text;
  *window = before;
  return FALSE;
}

/**
 * gmo_mime_part_text:
 * @part: a text part
 * @options: the parser's options, for the fallback charsets
 * @window: where its text goes, after a line end if the text so far lacks one
 * @io_size: (inout): gets the count of its transfer-decoded bytes added
 *
 * Appends the text of @part to @window, in UTF-8 with LF line ends.
 */
void
gmo_mime_part_text (GMimePart *part, GMimeParserOptions *options, GmoMimeWindow *window,
                    gsize *io_size)
{
  g_autofree gchar *whole = NULL;

  if (g_mime_part_get_content (part) == NULL)
    return;
  window_separate (window);
  if (part_text_stream (part, window, io_size))
    return;
  whole = part_text_dup_whole (part, options, io_size);
  gmo_mime_window_append (window, whole, strlen (whole));
}
