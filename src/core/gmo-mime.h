/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gmo-error.h"

G_BEGIN_DECLS

/* RFC 5322 / MIME messages, read and written with GMime 3.0: no MIME, base64,
 * quoted-printable, RFC 2047/2231 or charset code of our own. Every string
 * handed out is valid UTF-8. */

/* Initialises GMime once (every gmo_mime_ function does it first); call it
 * before using GMime directly. */
void gmo_mime_init (void);

typedef struct
{
  gchar *filename;  /* (nullable): decoded (RFC 2231/2047) to UTF-8 */
  gchar *mime_type; /* "application/pdf" */
  gsize size;       /* decoded bytes */
} GmoMimeAttachment;

typedef struct
{
  /* Header values decoded to UTF-8 (RFC 2047, any charset); "" when absent. */
  gchar *from;
  gchar *to;
  gchar *cc;
  gchar *bcc;
  gchar *subject;
  gchar *date;
  gchar *message_id;    /* as in the header, with its angle brackets */
  gchar *in_reply_to;
  gchar *references;
  gchar *from_address;  /* (nullable): the addr-spec of From */
  gchar **recipients;   /* addr-specs of To, Cc and Bcc, in order, never %NULL */
  /* The readable body: every text/plain part (recursively, in order) converted
   * to UTF-8 from its charset; when the message has none, its HTML converted
   * to text. From gmo_mime_parse_window(), only the characters asked for. */
  gchar *text;
  glong text_chars;     /* the whole readable body's length in characters */
  gsize text_size;      /* bytes of the decoded text parts, as the reference counts */
  GPtrArray *attachments; /* (element-type GmoMimeAttachment) */
} GmoMimeMessage;

void gmo_mime_message_free (GmoMimeMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoMimeMessage, gmo_mime_message_free)

/* Parses @raw; a message GMime cannot read fails with @code (USAGE for
 * input we were given, BAD_RESPONSE for what a server answered). */
GmoMimeMessage *gmo_mime_parse (GBytes *raw, GmoError code, GError **error);
/* The same, keeping characters [@offset, @offset + @n_chars) of the text. */
GmoMimeMessage *gmo_mime_parse_window (GBytes *raw, glong offset, glong n_chars, GmoError code,
                                       GError **error);

/* Readable text from HTML: no tags, scripts or styles, entities decoded,
 * block elements and <br> as line breaks. */
gchar *gmo_mime_html_to_text (const gchar *html);

/* A message to build. Addresses are RFC 5322 lists in UTF-8 ("Ann
 * <a@example.com>, b@example.com"); every non-ASCII header is RFC 2047-encoded. */
typedef struct
{
  const gchar *from;        /* (nullable) */
  const gchar *to;          /* (nullable) */
  const gchar *cc;          /* (nullable) */
  const gchar *bcc;         /* (nullable) */
  const gchar *subject;     /* (nullable) */
  const gchar *text;        /* the text/plain body */
  const gchar *html;        /* (nullable): then multipart/alternative */
  const gchar *in_reply_to; /* (nullable): with references, threads a reply */
  const gchar *references;  /* (nullable) */
} GmoMimeDraft;

/* Builds the RFC 5322 message (Date, Message-ID, MIME-Version set), with CRLF
 * line ends; Bcc stays in it (Gmail delivers to it and drops it). Fails
 * with USAGE for an address list that does not parse or has no address where
 * one is required (no recipient at all), and for a header that is not one
 * line of UTF-8 or a body that is not UTF-8. */
GBytes *gmo_mime_build (const GmoMimeDraft *draft, GError **error);

/* Characters [@offset, @offset + @n_chars) of UTF-8 @text, never splitting a
 * character; @out_total (optional) gets the text's length in characters. */
gchar *gmo_mime_utf8_chunk (const gchar *text, glong offset, glong n_chars, glong *out_total);

G_END_DECLS
