/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 5322 / MIME messages through GMime 3.0: reading one (headers decoded,
 * the readable text of its parts in UTF-8, its attachments), writing one, and
 * cutting text into character chunks. GMime does all the MIME, transfer
 * encoding, RFC 2047/2231 and charset work; HTML is turned into text by
 * gmo-mime-html.c, and messages are written by gmo-mime-build.c. GMime is
 * initialised on first use, so that programs which never touch mail do not
 * pay for it. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-mime.h"
#include "gmo-mime-private.h"

/* Nesting of multiparts and attached messages we follow; GMime has its own
 * limit on what it parses, this one keeps our walk's stack small. */
#define MAX_DEPTH 32

/* Tried in turn for 8-bit text that declares no (or a wrong) charset: UTF-8,
 * then the Windows superset of Latin-1 that most such mail is in. */
static const char *fallback_charsets[] = { "UTF-8", "windows-1252", NULL };

static gpointer
init_gmime (gpointer data)
{
  g_mime_init ();
  return NULL;
}

/**
 * gmo_mime_init:
 *
 * Initialises GMime, once per process, the first time a caller needs it:
 * every gmo_mime_ function calls it, and so must code that uses GMime itself.
 * Programs that never touch mail never initialise it.
 */
void
gmo_mime_init (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_gmime, NULL);
}

static void
attachment_free (gpointer data)
{
  GmoMimeAttachment *attachment = data;

  g_free (attachment->filename);
  g_free (attachment->mime_type);
  g_free (attachment);
}

/**
 * gmo_mime_message_free:
 * @message: (nullable) (transfer full): a parsed message
 */
void
gmo_mime_message_free (GmoMimeMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->from);
  g_free (message->to);
  g_free (message->cc);
  g_free (message->bcc);
  g_free (message->subject);
  g_free (message->date);
  g_free (message->message_id);
  g_free (message->in_reply_to);
  g_free (message->references);
  g_free (message->from_address);
  g_strfreev (message->recipients);
  g_free (message->text);
  g_clear_pointer (&message->attachments, g_ptr_array_unref);
  g_free (message);
}

/* What the walk over the parts collects. */
typedef struct
{
  GMimeParserOptions *options; /* borrowed: for the 8-bit fallback */
  GmoMimeWindow plain;         /* every text/plain part, in order: the caller's window */
  gsize plain_size;
  gboolean has_plain;
  GmoMimeWindow html;          /* every text/html part, whole, for a message without text/plain */
  gsize html_size;
  GPtrArray *attachments;
} Walk;

/* (transfer full): valid UTF-8 for any string (NULL gives ""). */
static gchar *
utf8_dup (const gchar *text)
{
  if (text == NULL)
    return g_strdup ("");
  return g_utf8_make_valid (text, -1);
}

static gboolean
part_is_attachment (GMimePart *part)
{
  return g_mime_part_is_attachment (part) || g_mime_part_get_filename (part) != NULL;
}

static void
add_attachment (Walk *walk, GMimePart *part)
{
  GmoMimeAttachment *attachment = g_new0 (GmoMimeAttachment, 1);
  GMimeContentType *type = g_mime_object_get_content_type (GMIME_OBJECT (part));
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  const gchar *filename = g_mime_part_get_filename (part);

  /* g_mime_part_get_filename() has decoded RFC 2231 (and RFC 2047) already. */
  attachment->filename = filename != NULL ? g_utf8_make_valid (filename, -1) : NULL;
  attachment->mime_type = type != NULL ? g_mime_content_type_get_mime_type (type)
                                       : g_strdup ("application/octet-stream");
  if (content != NULL)
    {
      /* A null stream counts what the transfer decoding writes into it. */
      g_autoptr (GMimeStream) counter = g_mime_stream_null_new ();

      if (g_mime_data_wrapper_write_to_stream (content, counter) >= 0)
        attachment->size = GMIME_STREAM_NULL (counter)->written;
    }
  g_ptr_array_add (walk->attachments, attachment);
}

/* Whether @object holds a text/plain part that is not an attachment. */
static gboolean
has_plain_text (GMimeObject *object, guint depth)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);

  if (depth > MAX_DEPTH)
    return FALSE;
  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      return inner != NULL && g_mime_message_get_mime_part (inner) != NULL
             && has_plain_text (g_mime_message_get_mime_part (inner), depth + 1);
    }
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);

      for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
        if (has_plain_text (g_mime_multipart_get_part (multipart, i), depth + 1))
          return TRUE;
      return FALSE;
    }
  return GMIME_IS_PART (object) && !part_is_attachment (GMIME_PART (object))
         && g_mime_content_type_is_type (type, "text", "plain");
}

static void
walk_object (Walk *walk, GMimeObject *object, guint depth)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);

  if (depth > MAX_DEPTH)
    return;
  if (GMIME_IS_MESSAGE_PART (object))
    {
      /* message/rfc822: a forwarded or attached message; its text counts too. */
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      if (inner != NULL && g_mime_message_get_mime_part (inner) != NULL)
        walk_object (walk, g_mime_message_get_mime_part (inner), depth + 1);
    }
  else if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int count = g_mime_multipart_get_count (multipart);

      if (g_mime_content_type_is_type (type, "multipart", "alternative") && count > 0)
        {
          /* One alternative: the first with plain text, else the last (RFC
           * 2046: the richest), whose HTML is used. */
          for (int i = 0; i < count; i++)
            if (has_plain_text (g_mime_multipart_get_part (multipart, i), depth + 1))
              {
                walk_object (walk, g_mime_multipart_get_part (multipart, i), depth + 1);
                return;
              }
          walk_object (walk, g_mime_multipart_get_part (multipart, count - 1), depth + 1);
          return;
        }
      for (int i = 0; i < count; i++)
        walk_object (walk, g_mime_multipart_get_part (multipart, i), depth + 1);
    }
  else if (GMIME_IS_PART (object))
    {
      GMimePart *part = GMIME_PART (object);

      if (part_is_attachment (part))
        add_attachment (walk, part);
      else if (g_mime_content_type_is_type (type, "text", "plain"))
        {
          walk->has_plain = TRUE;
          gmo_mime_part_text (part, walk->options, &walk->plain, &walk->plain_size);
        }
      else if (g_mime_content_type_is_type (type, "text", "html"))
        gmo_mime_part_text (part, walk->options, &walk->html, &walk->html_size);
    }
}

/* A header's value, unfolded and RFC 2047-decoded, "" when absent. */
static gchar *
header_dup (GMimeObject *object, const gchar *name)
{
  g_autofree gchar *value = utf8_dup (g_mime_object_get_header (object, name));

  return g_strdup (g_strstrip (value));
}

/* An address header as "Name <addr>, addr" in UTF-8; the decoded header text
 * when GMime found no address in it. */
static gchar *
addresses_dup (GMimeMessage *message, GMimeAddressType kind, const gchar *name)
{
  InternetAddressList *list = g_mime_message_get_addresses (message, kind);
  g_autofree gchar *text = NULL;

  if (list == NULL || internet_address_list_length (list) == 0)
    return header_dup (GMIME_OBJECT (message), name);
  text = internet_address_list_to_string (list, NULL, FALSE);
  return utf8_dup (text);
}

/* Appends the addr-specs of @list (group members included) to @out. */
static void
collect_addr_specs (InternetAddressList *list, GPtrArray *out, guint depth)
{
  if (list == NULL || depth > 2)
    return;
  for (int i = 0; i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        g_ptr_array_add (
            out, utf8_dup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address))));
      else if (INTERNET_ADDRESS_IS_GROUP (address))
        collect_addr_specs (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)),
                            out, depth + 1);
    }
}

static void
fill_headers (GmoMimeMessage *out, GMimeMessage *message)
{
  GMimeObject *object = GMIME_OBJECT (message);
  g_autoptr (GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();

  out->from = addresses_dup (message, GMIME_ADDRESS_TYPE_FROM, "From");
  out->to = addresses_dup (message, GMIME_ADDRESS_TYPE_TO, "To");
  out->cc = addresses_dup (message, GMIME_ADDRESS_TYPE_CC, "Cc");
  out->bcc = addresses_dup (message, GMIME_ADDRESS_TYPE_BCC, "Bcc");
  out->subject = utf8_dup (g_mime_message_get_subject (message));
  out->date = header_dup (object, "Date");
  out->message_id = header_dup (object, "Message-ID");
  out->in_reply_to = header_dup (object, "In-Reply-To");
  out->references = header_dup (object, "References");

  collect_addr_specs (g_mime_message_get_from (message), from, 0);
  out->from_address = from->len > 0 ? g_strdup (g_ptr_array_index (from, 0)) : NULL;
  collect_addr_specs (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO), recipients, 0);
  collect_addr_specs (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC), recipients, 0);
  collect_addr_specs (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_BCC), recipients,
                      0);
  g_ptr_array_add (recipients, NULL);
  out->recipients = (gchar **) g_ptr_array_free (g_steal_pointer (&recipients), FALSE);
}

/**
 * gmo_mime_parse:
 * @raw: an RFC 5322 message
 * @code: the error class of a message GMime cannot read (%GMO_ERROR_USAGE for
 *   input we were given, %GMO_ERROR_BAD_RESPONSE for what a server answered)
 * @error: return location for an error
 *
 * Reads @raw with GMime (without copying it) into its decoded headers, its
 * whole readable text and the list of its attachments.
 *
 * Returns: (transfer full): the message, or %NULL with @error set.
 */
GmoMimeMessage *
gmo_mime_parse (GBytes *raw, GmoError code, GError **error)
{
  return gmo_mime_parse_window (raw, 0, G_MAXLONG, code, error);
}

/**
 * gmo_mime_parse_window:
 * @raw: an RFC 5322 message
 * @offset: the first character of the readable text wanted (a negative one
 *   counts as 0)
 * @n_chars: how many characters of it at most
 * @code: as for gmo_mime_parse()
 * @error: return location for an error
 *
 * gmo_mime_parse() keeping only characters [@offset, @offset + @n_chars) of
 * the readable text in the message's text, which are read from GMime a
 * block at a time: a large message costs little more than its own bytes.
 * text_chars counts the characters of the whole text all the same.
 *
 * Returns: (transfer full): the message, or %NULL with @error set.
 */
GmoMimeMessage *
gmo_mime_parse_window (GBytes *raw, glong offset, glong n_chars, GmoError code, GError **error)
{
  g_autoptr (GmoMimeMessage) out = NULL;
  g_autoptr (GMimeParserOptions) options = NULL;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  GByteArray *borrowed;
  Walk walk = { 0 };
  gsize len = 0;
  gconstpointer data;

  g_return_val_if_fail (raw != NULL, NULL);

  data = g_bytes_get_data (raw, &len);
  if (len == 0 || len > G_MAXUINT)
    {
      g_set_error (error, GMO_ERROR, code,
                   len == 0 ? _("The message is empty") : _("The message is too large"));
      return NULL;
    }
  gmo_mime_init ();
  options = g_mime_parser_options_new ();
  g_mime_parser_options_set_fallback_charsets (options, fallback_charsets);

  /* The stream reads the caller's bytes where they are: a GByteArray that
   * does not own its data, handed back (not freed) below. The parser only
   * reads, so the array never grows. */
  borrowed = g_byte_array_new_take ((guint8 *) data, len);
  stream = g_mime_stream_mem_new ();
  g_mime_stream_mem_set_byte_array (GMIME_STREAM_MEM (stream), borrowed);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, options);

  if (message != NULL)
    {
      out = g_new0 (GmoMimeMessage, 1);
      fill_headers (out, message);
      walk.options = options;
      gmo_mime_window_init (&walk.plain, offset, n_chars);
      gmo_mime_window_init (&walk.html, 0, G_MAXLONG);
      walk.attachments = g_ptr_array_new_with_free_func (attachment_free);
      if (g_mime_message_get_mime_part (message) != NULL)
        walk_object (&walk, g_mime_message_get_mime_part (message), 0);
      if (walk.has_plain || walk.html.bytes == 0)
        {
          out->text = g_string_free (g_steal_pointer (&walk.plain.text), FALSE);
          out->text_chars = walk.plain.seen;
          out->text_size = walk.plain_size;
        }
      else
        {
          /* HTML becomes text whole; then the window is cut from it. */
          g_autofree gchar *text = gmo_mime_html_to_text (walk.html.text->str);
          GmoMimeWindow window;

          gmo_mime_window_init (&window, offset, n_chars);
          gmo_mime_window_append (&window, text, strlen (text));
          out->text = g_string_free (g_steal_pointer (&window.text), FALSE);
          out->text_chars = window.seen;
          out->text_size = walk.html_size;
        }
      out->attachments = g_steal_pointer (&walk.attachments);
      gmo_mime_window_clear (&walk.plain);
      gmo_mime_window_clear (&walk.html);
    }

  /* Everything that reads the stream goes before the bytes are handed back. */
  g_clear_object (&message);
  g_clear_object (&parser);
  g_clear_object (&stream);
  g_byte_array_free (borrowed, FALSE);
  if (out == NULL)
    {
      g_set_error (error, GMO_ERROR, code,
                   _("Not an RFC 5322 message: it does not start with a header field"));
      return NULL;
    }
  return g_steal_pointer (&out);
}

/**
 * gmo_mime_utf8_chunk:
 * @text: UTF-8 text
 * @offset: the first character (a negative one counts as 0)
 * @n_chars: how many characters at most
 * @out_total: (out) (optional): the length of @text in characters
 *
 * Returns: (transfer full): characters [@offset, @offset + @n_chars) of
 * @text, never a part of one; "" for an offset at or beyond the end.
 */
gchar *
gmo_mime_utf8_chunk (const gchar *text, glong offset, glong n_chars, glong *out_total)
{
  glong total;
  const gchar *start;
  const gchar *end;

  g_return_val_if_fail (text != NULL, NULL);

  total = g_utf8_strlen (text, -1);
  if (out_total != NULL)
    *out_total = total;
  offset = MAX (offset, 0);
  if (offset >= total || n_chars <= 0)
    return g_strdup ("");
  start = g_utf8_offset_to_pointer (text, offset);
  end = n_chars >= total - offset ? start + strlen (start)
                                  : g_utf8_offset_to_pointer (start, n_chars);
  return g_strndup (start, end - start);
}
