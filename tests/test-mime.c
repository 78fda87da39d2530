/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmo-mime: reading the fixture messages of tests/mail (every charset,
 * encoding and structure class), writing messages and reading them back,
 * HTML to text, and character chunks. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-mime.h"

static GBytes *
fixture (const gchar *name)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "mail", name, NULL);
  g_autoptr (GError) error = NULL;
  gchar *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static GmoMimeMessage *
parse_fixture (const gchar *name)
{
  g_autoptr (GBytes) raw = fixture (name);
  g_autoptr (GError) error = NULL;
  GmoMimeMessage *message = gmo_mime_parse (raw, GMO_ERROR_BAD_RESPONSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_true (g_utf8_validate (message->text, -1, NULL));
  return message;
}

static GmoMimeMessage *
parse_string (const gchar *text)
{
  g_autoptr (GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  GmoMimeMessage *message = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);

  g_assert_no_error (error);
  return message;
}

static void
test_plain_utf8 (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("plain-utf8.eml");
  static const gchar body[] = "Hallo,\n\nwie geht's? Treffen wir uns am Freitag um 18 Uhr im Café "
                              "\"Zur Brücke\"?\nIch bringe die Unterlagen & den Schlüssel mit (<- "
                              "nicht vergessen).\n\nViele Grüße\nJörg\n";

  /* RFC 2047 in From (Q) and in a folded Subject (B, two encoded words). */
  g_assert_cmpstr (m->from, ==, "Jörg Müller <joerg@example.org>");
  g_assert_cmpstr (m->from_address, ==, "joerg@example.org");
  g_assert_cmpstr (m->subject, ==, "Grüße aus Köln – Treffen am Freitag im Café „Zur Brücke“?");
  g_assert_cmpstr (m->to, ==, "Me <me@example.com>");
  g_assert_cmpstr (m->cc, ==, "");
  g_assert_cmpstr (m->date, ==, "Mon, 04 Mar 2024 09:15:00 +0100");
  g_assert_cmpstr (m->message_id, ==, "<20240304091500.4711@mail.example.org>");
  g_assert_cmpuint (g_strv_length (m->recipients), ==, 1);
  g_assert_cmpstr (m->recipients[0], ==, "me@example.com");
  g_assert_cmpstr (m->text, ==, body);
  g_assert_cmpuint (m->text_size, ==, strlen (body));
  g_assert_cmpuint (m->attachments->len, ==, 0);
}

static void
test_alternative (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("alternative.eml");

  /* The text/plain alternative, quoted-printable decoded; not the HTML. */
  g_assert_cmpstr (m->text, ==,
                   "Spring sale: 20% off everything until Sunday.\n\nUse code SPRING24 at "
                   "checkout — free shipping over 50 €.\n");
  /* Decoded bytes as the reference counts them: quoted-printable line breaks are CRLF. */
  g_assert_cmpuint (m->text_size, ==, 111);
  g_assert_cmpstr (m->from, ==, "Shop Newsletter <news@shop.example>");
}

static void
test_html_only (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("html-only.eml");

  g_assert_cmpstr (m->text, ==,
                   "Dear customer,\nyour invoice\u00a0#42 for £12.50 is ready.\nTerms & "
                   "conditions apply <see website>. Café € ☃\nThanks,\nThe Billing Team");
  g_assert_null (strstr (m->text, "tracking"));
  g_assert_null (strstr (m->text, "font-family"));
  g_assert_null (strstr (m->text, "Invoice 42"));
  g_assert_null (strstr (m->text, "comment"));
  /* The HTML part's decoded bytes: the text came from it. */
  g_assert_cmpuint (m->text_size, ==, 483);
  g_assert_cmpstr (m->from, ==, "Billing Team <billing@example.net>");
}

static void
test_latin1_qp (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("latin1-qp.eml");
  static const gchar body[] = "Liebe Grüße aus Zürich!\n\nDas Wetter ist schön, die Seeüberquerung "
                              "kostet 8,80 SFr.\nDéjà vu: Ça va très bien. ¡Olé! ½ × ¾ = 3/8? "
                              "Nein: 0,375.\n";

  g_assert_cmpstr (m->subject, ==, "Schöne Grüße aus Zürich");
  g_assert_cmpstr (m->from, ==, "Bärbel Größ <baerbel@example.ch>");
  g_assert_cmpstr (m->text, ==, body);
  /* Decoded bytes, one per character in ISO-8859-1, CRLF line breaks. */
  g_assert_cmpuint (m->text_size, ==, g_utf8_strlen (body, -1) + 4);
}

static void
test_shift_jis (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("shift-jis.eml");

  g_assert_cmpstr (m->subject, ==, "来週の会議について");
  /* From is ISO-2022-JP, the body Shift_JIS in base64. */
  g_assert_cmpstr (m->from, ==, "山田太郎 <yamada@example.jp>");
  g_assert_cmpstr (m->text, ==,
                   "山田です。\nこんにちは。\n来週の会議の資料をお送りします。\nご確認のほど、"
                   "よろしくお願いいたします。\n\n山田太郎\n");
  g_assert_cmpuint (m->text_size, ==, 108);
}

static void
test_attachment (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("attachment.eml");
  GmoMimeAttachment *pdf;
  GmoMimeAttachment *png;

  g_assert_cmpstr (m->subject, ==, "Rechnung März");
  g_assert_cmpstr (m->cc, ==, "Buchhaltung <buchhaltung@example.de>");
  g_assert_cmpuint (g_strv_length (m->recipients), ==, 2);
  g_assert_cmpstr (m->recipients[0], ==, "me@example.com");
  g_assert_cmpstr (m->recipients[1], ==, "buchhaltung@example.de");
  g_assert_cmpstr (m->text, ==,
                   "Hallo,\n\nanbei die Rechnung für März (PDF) und das Logo.\n\nGruß\nAnna\n");
  g_assert_cmpuint (m->text_size, ==, 76);
  g_assert_cmpuint (m->attachments->len, ==, 2);
  pdf = g_ptr_array_index (m->attachments, 0);
  png = g_ptr_array_index (m->attachments, 1);
  /* RFC 2231 with a UTF-8 charset. */
  g_assert_cmpstr (pdf->filename, ==, "Rechnung_März_€.pdf");
  g_assert_cmpstr (pdf->mime_type, ==, "application/pdf");
  g_assert_cmpuint (pdf->size, ==, 548);
  g_assert_cmpstr (png->filename, ==, "pixel.png");
  g_assert_cmpstr (png->mime_type, ==, "image/png");
  g_assert_cmpuint (png->size, ==, 69);
}

static void
test_nested (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("mime-nested.eml");
  GmoMimeAttachment *attachment;

  /* Every inline text/plain part in order, the attached message's included;
   * the text/html part beside them is not read. */
  g_assert_cmpstr (m->text, ==,
                   "First part.\nSecond part: Grüße.\nForwarded text: caf=C3=A9 stays as it is, "
                   "8bit: café.\nThird part.");
  g_assert_cmpuint (m->text_size, ==, 11 + 19 + 54 + 11);
  g_assert_cmpuint (m->attachments->len, ==, 1);
  attachment = g_ptr_array_index (m->attachments, 0);
  /* RFC 2231 continuations, ISO-8859-1 encoded. */
  g_assert_cmpstr (attachment->filename, ==, "Ärger über die Liste.txt");
  g_assert_cmpstr (attachment->mime_type, ==, "application/octet-stream");
  g_assert_cmpuint (attachment->size, ==, strlen ("Hello, world!"));
  g_assert_cmpstr (m->bcc, ==, "hidden@example.net");
  g_assert_cmpuint (g_strv_length (m->recipients), ==, 2);
  g_assert_cmpstr (m->recipients[0], ==, "me@example.com");
  g_assert_cmpstr (m->recipients[1], ==, "hidden@example.net");
}

static void
test_no_charset (void)
{
  g_autoptr (GmoMimeMessage) m = parse_fixture ("mime-no-charset.eml");

  /* 8-bit text without a charset: the Windows-1252 fallback, € included. */
  g_assert_cmpstr (m->text, ==, "Grüße, schön € 5.\n");
  g_assert_cmpuint (m->text_size, ==, 18);
}

static void
test_malformed (void)
{
  static const GmoError codes[] = { GMO_ERROR_USAGE, GMO_ERROR_BAD_RESPONSE };
  static const gchar *const texts[] = { "", "garbage without a colon\n\nbody", "\x01\x02\xff" };

  for (guint c = 0; c < G_N_ELEMENTS (codes); c++)
    {
      g_autoptr (GBytes) raw = fixture ("mime-malformed.eml");
      g_autoptr (GError) error = NULL;

      g_assert_null (gmo_mime_parse (raw, codes[c], &error));
      g_assert_error (error, GMO_ERROR, (gint) codes[c]);
      g_assert_null (strchr (error->message, '\n'));
      for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
        {
          g_autoptr (GBytes) bytes = g_bytes_new (texts[i], strlen (texts[i]));
          g_autoptr (GError) local_error = NULL;

          g_assert_null (gmo_mime_parse (bytes, codes[c], &local_error));
          g_assert_error (local_error, GMO_ERROR, (gint) codes[c]);
        }
    }
}

static void
test_deep_nesting (void)
{
  g_autoptr (GString) text = g_string_new ("Subject: deep\n");
  g_autoptr (GmoMimeMessage) m = NULL;

  /* Far deeper than anything we follow: read, without a crash. */
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (text, "Content-Type: multipart/mixed; boundary=\"b%u\"\n\n--b%u\n", i,
                            i);
  g_string_append (text, "Content-Type: text/plain\n\ndeep inside\n");
  m = parse_string (text->str);
  g_assert_cmpstr (m->subject, ==, "deep");
  g_assert_null (strstr (m->text, "deep inside"));
}

static void
test_html_to_text (void)
{
  static const struct
  {
    const gchar *html;
    const gchar *text;
  } cases[] = {
    { "<p>a</p><p>b</p>", "a\nb" },
    { "one<br>two<br/><br />three", "one\ntwo\n\nthree" },
    { "<ul><li>x</li><li>y</li></ul>", "x\ny" },
    { "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3" },
    { "  lots \n of\t  space  ", "lots of space" },
    { "<pre>keep  this\n  as is</pre>after", "keep  this\n  as is\nafter" },
    { "a &lt; b &amp;&amp; c &gt; d &quot;q&quot; &apos;", "a < b && c > d \"q\" '" },
    { "&#233;&#xE9;&#XE9; &#0; &#x110000; &#xD800;", "ééé \ufffd \ufffd \ufffd" },
    { "&unknown; &amp &; &#; &#x; &#12a;", "&unknown; &amp &; &#; &#x; &#12a;" },
    { "a < b and c<3", "a < b and c<3" },
    { "<SCRIPT type=x>if (a<b) x='</p>';</SCRIPT>shown", "shown" },
    { "<style>p{}</style><head><title>t</title></head>body", "body" },
    { "<!-- hidden <p> -->text<!-- unclosed", "text" },
    { "<a href=\"x>y\" title='>'>link</a>", "link" },
    { "<!DOCTYPE html><?xml version=\"1.0\"?>x", "x" },
    { "<script>never closed", "" },
    { "<div", "" },
    { "Caf&eacute; &euro;&nbsp;5 &mdash; &hellip;", "Café €\u00a05 — …" },
    { "\xff<b>bad</b> byte", "\ufffdbad byte" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = gmo_mime_html_to_text (cases[i].html);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_chunk (void)
{
  static const gchar text[] = "aé日😀b";
  static const struct
  {
    glong offset;
    glong n_chars;
    const gchar *chunk;
  } cases[] = {
    { 0, 2, "aé" }, { 2, 2, "日😀" }, { 1, 1, "é" },  { 3, 1, "😀" },  { 4, 10, "b" },
    { 5, 1, "" },   { 99, 1, "" },    { -3, 2, "aé" }, { 0, 0, "" },    { 0, 5, "aé日😀b" },
    { 0, G_MAXLONG, "aé日😀b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      glong total = -1;
      g_autofree gchar *chunk
          = gmo_mime_utf8_chunk (text, cases[i].offset, cases[i].n_chars, &total);

      g_assert_cmpstr (chunk, ==, cases[i].chunk);
      g_assert_cmpint (total, ==, 5);
    }
  /* Chunks of every size put back together give the text, character by character. */
  for (glong size = 1; size <= 6; size++)
    {
      g_autoptr (GString) joined = g_string_new (NULL);

      for (glong offset = 0; offset < 5; offset += size)
        {
          g_autofree gchar *chunk = gmo_mime_utf8_chunk (text, offset, size, NULL);

          g_assert_true (g_utf8_validate (chunk, -1, NULL));
          g_assert_cmpint (g_utf8_strlen (chunk, -1), ==, MIN (size, 5 - offset));
          g_string_append (joined, chunk);
        }
      g_assert_cmpstr (joined->str, ==, text);
    }
}

/* A window of the text is the same characters as a chunk of the whole text,
 * with the same count, for every fixture (charsets, HTML only, several
 * parts, text that is not UTF-8) and for a text whose characters the reading
 * blocks cut. */
static void
test_window (void)
{
  static const gchar *const names[] = { "plain-utf8.eml", "alternative.eml",   "html-only.eml",
                                        "latin1-qp.eml",  "shift-jis.eml",     "attachment.eml",
                                        "mime-nested.eml", "mime-no-charset.eml", "body-1001.eml" };
  static const glong windows[][2] = { { 0, 10000 }, { 0, 1 }, { 3, 7 }, { 999, 2 }, { 0, 0 },
                                      { 1 << 20, 5 }, { 100000, 100000 } };
  g_autoptr (GString) big = g_string_new ("Content-Type: text/plain; charset=utf-8\r\n"
                                          "Content-Transfer-Encoding: 8bit\r\n\r\n");

  for (guint i = 0; i < 20000; i++)
    g_string_append (big, "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\r\n"); /* é日😀 */
  for (guint i = 0; i <= G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) raw = i < G_N_ELEMENTS (names) ? fixture (names[i])
                                                         : g_bytes_new (big->str, big->len);
      g_autoptr (GmoMimeMessage) whole = gmo_mime_parse (raw, GMO_ERROR_BAD_RESPONSE, NULL);
      glong total = g_utf8_strlen (whole->text, -1);

      g_assert_cmpint (whole->text_chars, ==, total);
      if (i == G_N_ELEMENTS (names))
        g_assert_cmpint (total, ==, 20000 * 4);
      for (guint j = 0; j < G_N_ELEMENTS (windows); j++)
        {
          g_autoptr (GmoMimeMessage) part
              = gmo_mime_parse_window (raw, windows[j][0], windows[j][1], GMO_ERROR_USAGE, NULL);
          g_autofree gchar *chunk
              = gmo_mime_utf8_chunk (whole->text, windows[j][0], windows[j][1], NULL);

          g_assert_cmpstr (part->text, ==, chunk);
          g_assert_cmpint (part->text_chars, ==, total);
          g_assert_cmpuint (part->text_size, ==, whole->text_size);
          g_assert_cmpstr (part->subject, ==, whole->subject);
          g_assert_cmpuint (part->attachments->len, ==, whole->attachments->len);
        }
    }
}

/* The header section of @raw (up to the first empty line), with a CRLF in
 * front, so that every field starts after one. */
static gchar *
header_section (GBytes *raw)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data (raw, &len);
  const gchar *end = g_strstr_len (data, len, "\r\n\r\n");
  g_autofree gchar *section = NULL;

  g_assert_nonnull (end);
  section = g_strndup (data, end - data + 2);
  g_test_message ("%s", section);
  return g_strconcat ("\r\n", section, NULL);
}

static void
assert_crlf (GBytes *raw)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data (raw, &len);

  g_assert_cmpuint (len, >, 0);
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n')
      g_assert_true (i > 0 && data[i - 1] == '\r');
}

static void
test_build_plain (void)
{
  GmoMimeDraft draft = {
    .from = "Jörg Müller <joerg@example.org>",
    .to = "Ann Ångström <ann@example.com>, bob@example.com",
    .cc = "\"Doe, Jane\" <jane@example.net>",
    .subject = "Grüße – ein Test mit 日本語",
    .text = "Hallo Welt\nZeile 2: é ü €\n",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = gmo_mime_build (&draft, &error);
  g_autoptr (GmoMimeMessage) back = NULL;
  g_autofree gchar *headers = NULL;

  g_assert_no_error (error);
  assert_crlf (raw);
  headers = header_section (raw);
  /* Every header is ASCII: the non-ASCII ones RFC 2047-encoded. */
  for (const gchar *p = headers; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, <, 0x80);
  g_assert_nonnull (strstr (headers, "\r\nFrom: =?"));
  g_assert_nonnull (strstr (headers, "\r\nTo: Ann =?"));
  g_assert_nonnull (strstr (headers, "\r\nSubject: =?"));
  g_assert_nonnull (strstr (headers, "\r\nDate: "));
  g_assert_nonnull (strstr (headers, "\r\nMIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (headers, "\r\nMessage-Id: <"));
  g_assert_nonnull (strstr (headers, "@example.org>\r\n"));
  g_assert_null (strstr (headers, "In-Reply-To"));

  back = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->subject, ==, draft.subject);
  g_assert_cmpstr (back->from, ==, draft.from);
  g_assert_cmpstr (back->to, ==, draft.to);
  g_assert_cmpstr (back->cc, ==, draft.cc);
  g_assert_cmpstr (back->text, ==, draft.text);
  g_assert_true (g_str_has_prefix (back->message_id, "<"));
  g_assert_true (g_str_has_suffix (back->message_id, "@example.org>"));
  g_assert_cmpuint (g_strv_length (back->recipients), ==, 3);
  g_assert_cmpstr (back->recipients[2], ==, "jane@example.net");
}

static void
test_build_html (void)
{
  GmoMimeDraft draft = {
    .to = "ann@example.com",
    .subject = "Both",
    .text = "Plain text.",
    .html = "<p>HTML <b>text</b> – ü</p>",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = gmo_mime_build (&draft, &error);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  GMimeMultipart *alternative;
  g_autofree gchar *plain = NULL;
  g_autofree gchar *html = NULL;

  g_assert_no_error (error);
  assert_crlf (raw);
  gmo_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (message);
  g_assert_true (g_mime_content_type_is_type (
      g_mime_object_get_content_type (g_mime_message_get_mime_part (message)), "multipart",
      "alternative"));
  alternative = GMIME_MULTIPART (g_mime_message_get_mime_part (message));
  g_assert_cmpint (g_mime_multipart_get_count (alternative), ==, 2);
  g_assert_true (GMIME_IS_TEXT_PART (g_mime_multipart_get_part (alternative, 0)));
  g_assert_true (GMIME_IS_TEXT_PART (g_mime_multipart_get_part (alternative, 1)));
  plain = g_mime_text_part_get_text (GMIME_TEXT_PART (g_mime_multipart_get_part (alternative, 0)));
  html = g_mime_text_part_get_text (GMIME_TEXT_PART (g_mime_multipart_get_part (alternative, 1)));
  g_assert_true (g_mime_content_type_is_type (
      g_mime_object_get_content_type (g_mime_multipart_get_part (alternative, 1)), "text", "html"));
  /* CRLF on the wire; the parts' own text as given. */
  g_assert_cmpstr (plain, ==, "Plain text.");
  g_assert_cmpstr (html, ==, draft.html);
}

static void
test_build_reply_and_bcc (void)
{
  GmoMimeDraft draft = {
    .to = "ann@example.com",
    .bcc = "Secret <secret@example.com>",
    .subject = "Re: Question",
    .text = "Answer.",
    .in_reply_to = "<question-1@example.com>",
    .references = "<start@example.com>   question-1@example.com",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = gmo_mime_build (&draft, &error);
  g_autoptr (GmoMimeMessage) back = NULL;
  g_autofree gchar *headers = NULL;

  g_assert_no_error (error);
  headers = header_section (raw);
  g_assert_nonnull (strstr (headers, "\r\nBcc: Secret <secret@example.com>\r\n"));
  back = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->in_reply_to, ==, "<question-1@example.com>");
  g_assert_cmpstr (back->references, ==, "<start@example.com> <question-1@example.com>");
  g_assert_cmpstr (back->bcc, ==, "Secret <secret@example.com>");
  g_assert_cmpuint (g_strv_length (back->recipients), ==, 2);
  g_assert_cmpstr (back->recipients[1], ==, "secret@example.com");
}

static void
test_build_long_lines (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  GmoMimeDraft draft = { .to = "ann@example.com" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GmoMimeMessage) back = NULL;
  gsize len = 0;
  const gchar *data;
  gsize line = 0;

  /* A line far over RFC 5322's 998 octets gets an encoding that folds it. */
  for (guint i = 0; i < 3000; i++)
    g_string_append_c (text, 'a' + i % 26);
  g_string_append (text, "\nand a short line\n");
  draft.text = text->str;
  raw = gmo_mime_build (&draft, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (raw, &len);
  for (gsize i = 0; i < len; i++, line++)
    {
      if (data[i] == '\n')
        line = 0;
      g_assert_cmpuint (line, <=, 998);
    }
  back = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_equal (back->text, text->str));
}

static void
test_build_bad (void)
{
  static const GmoMimeDraft drafts[] = {
    { .to = "not an address" },
    { .to = "ann@" },
    { .to = "" },
    { .cc = "," },
    { .from = "me@example.com" },
    { .to = "Undisclosed: ;" },
    { .to = "ann@example.com", .subject = "two\nlines" },
    { .to = "ann@example.com", .subject = "\xff" },
    { .to = "ann@example.com", .text = "bad \xc3 UTF-8" },
    { .to = "ann@example.com", .html = "\xe6\x97" },
    { .to = "ann@example.com", .in_reply_to = "no id here" },
    { .to = "ann@example.com", .references = "<a@b>\r\nBcc: evil@example.com" },
    { .to = "\xff@example.com" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (drafts); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) raw = gmo_mime_build (&drafts[i], &error);

      g_test_message ("draft %u", i);
      g_assert_null (raw);
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_null (strchr (error->message, '\n'));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mime/parse/plain-utf8", test_plain_utf8);
  g_test_add_func ("/mime/parse/alternative", test_alternative);
  g_test_add_func ("/mime/parse/html-only", test_html_only);
  g_test_add_func ("/mime/parse/latin1-qp", test_latin1_qp);
  g_test_add_func ("/mime/parse/shift-jis", test_shift_jis);
  g_test_add_func ("/mime/parse/attachment", test_attachment);
  g_test_add_func ("/mime/parse/nested", test_nested);
  g_test_add_func ("/mime/parse/no-charset", test_no_charset);
  g_test_add_func ("/mime/parse/malformed", test_malformed);
  g_test_add_func ("/mime/parse/deep-nesting", test_deep_nesting);
  g_test_add_func ("/mime/html-to-text", test_html_to_text);
  g_test_add_func ("/mime/chunk", test_chunk);
  g_test_add_func ("/mime/window", test_window);
  g_test_add_func ("/mime/build/plain", test_build_plain);
  g_test_add_func ("/mime/build/html", test_build_html);
  g_test_add_func ("/mime/build/reply-and-bcc", test_build_reply_and_bcc);
  g_test_add_func ("/mime/build/long-lines", test_build_long_lines);
  g_test_add_func ("/mime/build/bad", test_build_bad);
  return g_test_run ();
}
