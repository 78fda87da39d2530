/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing the messages we send, with GMime: addresses parsed by GMime and
 * written RFC 2047-encoded, a text/plain part (and multipart/alternative with
 * an HTML part), Date, Message-ID, MIME-Version, and the threading headers of
 * a reply. The result has CRLF line ends, RFC 5322's canonical form: Gmail's
 * messages.send takes it as it is (it turns LF into CRLF itself), and so does
 * any other submission path. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-mime.h"

/* Whether @list holds a mailbox, in a group or not; FALSE with @error set for
 * one that is no e-mail address ("foo", which GMime reads as a local name). */
static gboolean
check_mailboxes (InternetAddressList *list, const gchar *header, guint *io_count, guint depth,
                 GError **error)
{
  for (int i = 0; i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          InternetAddressMailbox *mailbox = INTERNET_ADDRESS_MAILBOX (address);
          const gchar *addr = internet_address_mailbox_get_addr (mailbox);
          const gchar *at = addr != NULL ? strrchr (addr, '@') : NULL;

          if (at == NULL || at == addr || at[1] == '\0')
            {
              /* Translators: %s is a header name (To, Cc...), then an address. */
              g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                           _("%s: “%s” is not an e-mail address"), header, addr ? addr : "");
              return FALSE;
            }
          (*io_count)++;
        }
      else if (INTERNET_ADDRESS_IS_GROUP (address) && depth == 0)
        {
          InternetAddressGroup *group = INTERNET_ADDRESS_GROUP (address);

          if (!check_mailboxes (internet_address_group_get_members (group), header, io_count,
                                depth + 1, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Parses the list @text (nullable) into the @kind addresses of @message,
 * counting its mailboxes in @io_count. */
static gboolean
add_addresses (GMimeMessage *message, GMimeAddressType kind, const gchar *header,
               const gchar *text, guint *io_count, GError **error)
{
  g_autoptr (InternetAddressList) list = NULL;

  if (text == NULL)
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s: the addresses are not UTF-8"),
                   header);
      return FALSE;
    }
  list = internet_address_list_parse (NULL, text);
  if (list == NULL)
    {
      g_autofree gchar *shown = g_strescape (text, NULL);

      /* Translators: %s is a header name (To, Cc...), then what was given. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s: cannot read the address list “%s”"),
                   header, shown);
      return FALSE;
    }
  if (!check_mailboxes (list, header, io_count, 0, error))
    return FALSE;
  internet_address_list_append (g_mime_message_get_addresses (message, kind), list);
  return TRUE;
}

/* A header value we write as given must be one line of UTF-8. */
static gboolean
check_one_line (const gchar *value, const gchar *header, GError **error)
{
  if (value == NULL)
    return TRUE;
  if (!g_utf8_validate (value, -1, NULL) || strpbrk (value, "\r\n") != NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s must be one line of UTF-8 text"),
                   header);
      return FALSE;
    }
  return TRUE;
}

/* Sets In-Reply-To or References from Message-IDs ("<a@b> <c@d>", the angle
 * brackets optional), each read by GMime. */
static gboolean
set_references (GMimeMessage *message, const gchar *header, const gchar *value, GError **error)
{
  g_auto (GStrv) tokens = NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  if (value == NULL)
    return TRUE;
  if (!check_one_line (value, header, error))
    return FALSE;
  tokens = g_strsplit_set (value, " \t", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      g_autofree gchar *id = NULL;

      if (*tokens[i] == '\0')
        continue;
      id = g_mime_utils_decode_message_id (tokens[i]);
      if (id == NULL || strchr (id, '@') == NULL)
        {
          /* Translators: the first %s is In-Reply-To or References. */
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s: “%s” is not a Message-ID"),
                       header, tokens[i]);
          return FALSE;
        }
      g_string_append_printf (text, "%s<%s>", text->len > 0 ? " " : "", id);
    }
  if (text->len > 0)
    g_mime_object_set_header (GMIME_OBJECT (message), header, text->str, NULL);
  return TRUE;
}

/* A text part holding @text (UTF-8), in the charset and transfer encoding
 * GMime finds best for it (7-bit safe). */
static GMimeObject *
text_part_new (const gchar *subtype, const gchar *text)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);

  g_mime_text_part_set_text (part, text);
  g_mime_part_set_content_encoding (
      GMIME_PART (part),
      g_mime_part_get_best_content_encoding (GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_OBJECT (part);
}

/* The domain of the first From address, for the Message-ID; "localhost"
 * without one (GMime would take the host's, often "(none)"). */
static const gchar *
from_domain (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);

  for (int i = 0; from != NULL && i < internet_address_list_length (from); i++)
    {
      InternetAddress *address = internet_address_list_get_address (from, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          InternetAddressMailbox *mailbox = INTERNET_ADDRESS_MAILBOX (address);

          return strrchr (internet_address_mailbox_get_addr (mailbox), '@') + 1;
        }
    }
  return "localhost";
}

/**
 * gmo_mime_build:
 * @draft: what to send
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Writes @draft as an RFC 5322 message with CRLF line ends: Date (now),
 * Message-ID, MIME-Version; every non-ASCII header RFC 2047-encoded; a
 * text/plain body, or multipart/alternative when @draft has HTML. Bcc stays
 * in the message (Gmail takes its recipients from it and drops it).
 *
 * Returns: (transfer full): the message, or %NULL with @error set when an
 * address list does not parse, there is no recipient, or a header or body is
 * not UTF-8 (a header not one line).
 */
GBytes *
gmo_mime_build (const GmoMimeDraft *draft, GError **error)
{
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeFormatOptions) format = NULL;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *message_id = NULL;
  const gchar *text = draft->text != NULL ? draft->text : "";
  guint n_from = 0;
  guint n_recipients = 0;
  GByteArray *bytes;

  g_return_val_if_fail (draft != NULL, NULL);

  gmo_mime_init ();
  message = g_mime_message_new (TRUE);
  if (!add_addresses (message, GMIME_ADDRESS_TYPE_FROM, "From", draft->from, &n_from, error)
      || !add_addresses (message, GMIME_ADDRESS_TYPE_TO, "To", draft->to, &n_recipients, error)
      || !add_addresses (message, GMIME_ADDRESS_TYPE_CC, "Cc", draft->cc, &n_recipients, error)
      || !add_addresses (message, GMIME_ADDRESS_TYPE_BCC, "Bcc", draft->bcc, &n_recipients, error))
    return NULL;
  if (n_recipients == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The message has no recipient: give To, Cc or Bcc"));
      return NULL;
    }
  if (!check_one_line (draft->subject, "Subject", error)
      || !set_references (message, "In-Reply-To", draft->in_reply_to, error)
      || !set_references (message, "References", draft->references, error))
    return NULL;
  if (!g_utf8_validate (text, -1, NULL)
      || (draft->html != NULL && !g_utf8_validate (draft->html, -1, NULL)))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The message body is not UTF-8 text"));
      return NULL;
    }

  if (draft->subject != NULL)
    g_mime_message_set_subject (message, draft->subject, "UTF-8");
  g_mime_message_set_date (message, now);
  message_id = g_mime_utils_generate_message_id (from_domain (message));
  g_mime_message_set_message_id (message, message_id);
  if (draft->html == NULL)
    {
      g_autoptr (GMimeObject) part = text_part_new ("plain", text);

      g_mime_message_set_mime_part (message, part);
    }
  else
    {
      g_autoptr (GMimeMultipart) alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr (GMimeObject) plain = text_part_new ("plain", text);
      g_autoptr (GMimeObject) html = text_part_new ("html", draft->html);

      g_mime_multipart_add (alternative, plain);
      g_mime_multipart_add (alternative, html);
      g_mime_message_set_mime_part (message, GMIME_OBJECT (alternative));
    }

  format = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (format, GMIME_NEWLINE_FORMAT_DOS);
  stream = g_mime_stream_mem_new ();
  if (g_mime_object_write_to_stream (GMIME_OBJECT (message), format, stream) < 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot write the message"));
      return NULL;
    }
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  return g_byte_array_free_to_bytes (bytes);
}
