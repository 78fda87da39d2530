/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The calls of the Gmail API client: messages (list, get, raw, send,
 * modify), threads, drafts and labels, each checking its arguments before
 * gmo_gmail_perform() makes the request, and the answer's shape after. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-gmail-private.h"
#include "gmo-http.h"
#include "gmo-json.h"

/* Answers are capped while they arrive: a raw message of 35 MB is about 47 MB
 * of base64; nothing else Gmail answers us comes near 8 MiB. */
#define MAX_RAW_ANSWER ((gsize) 64 * 1024 * 1024)
#define MAX_ANSWER ((gsize) 8 * 1024 * 1024)
/* A simple call's JSON request body; Gmail's limit is about 5 MB, and a
 * message takes 4/3 of its size there in base64. */
#define MAX_SIMPLE_BODY ((gsize) GMO_GMAIL_SIMPLE_SEND_MAX)

/* Checks that @json (transfer full) names what it is about, as every answer
 * that is one item does. */
static json_object *
require_id (json_object *json, GError **error)
{
  if (json == NULL || gmo_json_get_string (json, "id") != NULL)
    return json;
  json_object_put (json);
  g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
               _("The Gmail API's answer has no “id”."));
  return NULL;
}

/**
 * gmo_gmail_list_messages:
 * @gmail: a client
 * @query: (nullable): Gmail's search syntax ("from:ann is:unread")
 * @label_ids: (nullable) (array zero-terminated=1): only messages with all of these labels
 * @max_results: 1 to 500
 * @page_token: (nullable): the nextPageToken of an earlier answer
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * messages.list.
 *
 * Returns: (transfer full): Gmail's answer ({"messages": [{"id", "threadId"}],
 * "nextPageToken", "resultSizeEstimate"}, no "messages" when nothing matched),
 * or %NULL with @error set.
 */
json_object *
gmo_gmail_list_messages (GmoGmail *gmail, const gchar *query, const gchar *const *label_ids,
                         guint max_results, const gchar *page_token, GCancellable *cancellable,
                         GError **error)
{
  g_autoptr (GString) params = g_string_new (NULL);
  g_autofree gchar *max = g_strdup_printf ("%u", max_results);

  g_return_val_if_fail (gmail != NULL, NULL);

  if (max_results < 1 || max_results > 500)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The number of results must be from 1 to 500, not %u"), max_results);
      return NULL;
    }
  gmo_http_form_add (params, "maxResults", max);
  if (query != NULL && *query != '\0')
    {
      if (!gmo_gmail_check_text (query, "q", error))
        return NULL;
      gmo_http_form_add (params, "q", query);
    }
  for (guint i = 0; label_ids != NULL && label_ids[i] != NULL; i++)
    {
      if (!gmo_gmail_check_text (label_ids[i], "labelIds", error))
        return NULL;
      gmo_http_form_add (params, "labelIds", label_ids[i]);
    }
  if (page_token != NULL && *page_token != '\0')
    {
      if (!gmo_gmail_check_text (page_token, "pageToken", error))
        return NULL;
      gmo_http_form_add (params, "pageToken", page_token);
    }
  return gmo_gmail_perform (gmail, GMO_GMAIL_NEED_READ, "GET", FALSE, "messages", params, NULL,
                            NULL, 0, MAX_ANSWER, cancellable, error);
}

/* format= of messages.get and threads.get; "raw" has gmo_gmail_get_raw(). */
static gboolean
add_format (GString *params, const gchar *format, const gchar *const *metadata_headers,
            GError **error)
{
  static const gchar *const formats[] = { "full", "metadata", "minimal", NULL };

  if (format == NULL)
    format = "full";
  if (!g_strv_contains (formats, format))
    {
      g_autofree gchar *shown = gmo_http_sanitize (format);

      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Unknown format “%s”: use full, metadata or minimal"), shown);
      return FALSE;
    }
  gmo_http_form_add (params, "format", format);
  for (guint i = 0; metadata_headers != NULL && metadata_headers[i] != NULL; i++)
    {
      if (!gmo_gmail_check_text (metadata_headers[i], "metadataHeaders", error))
        return FALSE;
      gmo_http_form_add (params, "metadataHeaders", metadata_headers[i]);
    }
  return TRUE;
}

/**
 * gmo_gmail_get_message:
 * @gmail: a client
 * @id: a message id
 * @format: (nullable): "full" (the default), "metadata" or "minimal"
 * @metadata_headers: (nullable) (array zero-terminated=1): for "metadata", the
 *   headers to include
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * messages.get; an unknown id is %GMO_ERROR_USAGE (Gmail's 404).
 *
 * Returns: (transfer full): the message resource, or %NULL with @error set.
 */
json_object *
gmo_gmail_get_message (GmoGmail *gmail, const gchar *id, const gchar *format,
                       const gchar *const *metadata_headers, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (GString) params = g_string_new (NULL);
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (gmail != NULL, NULL);

  if (!gmo_gmail_check_id (id, error) || !add_format (params, format, metadata_headers, error))
    return NULL;
  path = gmo_gmail_item_path ("messages", id, "");
  return require_id (gmo_gmail_perform (gmail, GMO_GMAIL_NEED_READ, "GET", FALSE, path, params,
                                        NULL, NULL, 0, MAX_ANSWER, cancellable, error),
                     error);
}

/* Gmail's base64url (RFC 4648 section 5, padded or not), decoded with GLib's
 * decoder as it arrives: the URL alphabet differs from the standard one in
 * two characters, which are mapped back in a small buffer, never in a copy
 * of the whole text. Characters of neither alphabet are refused (GLib would
 * skip them without a word), and so is anything after the padding. */
typedef struct
{
  GByteArray *out;
  gint state;
  guint save;
  guint padding; /* '=' seen: nothing else may follow, and two at most */
} RawDecoder;

static void
raw_decoder_init (RawDecoder *decoder, gsize size_hint)
{
  decoder->out = g_byte_array_sized_new ((guint) MIN (size_hint / 4 * 3 + 3, G_MAXUINT));
  decoder->state = 0;
  decoder->save = 0;
  decoder->padding = 0;
}

static gboolean
raw_decoder_feed (RawDecoder *decoder, const gchar *text, gsize len, GError **error)
{
  gchar block[4096];

  for (gsize done = 0; done < len;)
    {
      gsize n = MIN (sizeof block, len - done);
      guint old = decoder->out->len;

      for (gsize i = 0; i < n; i++)
        {
          gchar c = text[done + i];

          if (c == '-')
            c = '+';
          else if (c == '_')
            c = '/';
          if (c == '=' ? ++decoder->padding > 2
                       : decoder->padding > 0 || (!g_ascii_isalnum (c) && c != '+' && c != '/'))
            {
              g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                           _("The Gmail API's raw message is not base64url."));
              return FALSE;
            }
          block[i] = c;
        }
      g_byte_array_set_size (decoder->out, old + (guint) (n / 4 * 3 + 3));
      g_byte_array_set_size (decoder->out,
                             old + (guint) g_base64_decode_step (block, n, decoder->out->data + old,
                                                                 &decoder->state, &decoder->save));
      done += n;
    }
  return TRUE;
}

/* The sink of the "raw" member (gmo_json_parser_divert()). */
static gboolean
on_raw_data (const gchar *data, gsize len, gpointer user_data, GError **error)
{
  RawDecoder *decoder = user_data;

  if (data == NULL)
    {
      /* A new attempt: what came is dropped. */
      g_byte_array_set_size (decoder->out, 0);
      decoder->state = 0;
      decoder->save = 0;
      decoder->padding = 0;
      return TRUE;
    }
  return raw_decoder_feed (decoder, data, len, error);
}

/**
 * gmo_gmail_take_raw:
 * @answer: a messages.get?format=raw answer (untrusted)
 * @error: return location for a %GMO_ERROR_BAD_RESPONSE error
 *
 * Decodes the "raw" member of @answer and removes it, so that its base64
 * text is freed before the caller reads the message.
 *
 * Returns: (transfer full): the RFC 5322 message, or %NULL with @error set.
 */
GBytes *
gmo_gmail_take_raw (json_object *answer, GError **error)
{
  json_object *raw = NULL;
  RawDecoder decoder;

  if (!json_object_object_get_ex (answer, "raw", &raw)
      || !json_object_is_type (raw, json_type_string))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The Gmail API's answer has no raw message."));
      return NULL;
    }
  raw_decoder_init (&decoder, (gsize) json_object_get_string_len (raw));
  if (!raw_decoder_feed (&decoder, json_object_get_string (raw),
                         (gsize) json_object_get_string_len (raw), error))
    {
      g_byte_array_unref (decoder.out);
      return NULL;
    }
  json_object_object_del (answer, "raw");
  return g_byte_array_free_to_bytes (decoder.out);
}

/**
 * gmo_gmail_get_raw:
 * @gmail: a client
 * @id: a message id
 * @out_json: (out) (optional) (transfer full): the rest of the answer (id,
 *   threadId, labelIds, snippet, internalDate, sizeEstimate, historyId)
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * messages.get?format=raw, decoded. The "raw" member is decoded while the
 * answer arrives and never reaches json-c (gmo_json_parser_divert()), so
 * that a message costs little more than its own size.
 *
 * Returns: (transfer full): the RFC 5322 message, or %NULL with @error set.
 */
GBytes *
gmo_gmail_get_raw (GmoGmail *gmail, const gchar *id, json_object **out_json,
                   GCancellable *cancellable, GError **error)
{
  g_autoptr (GString) params = g_string_new ("format=raw");
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);
  g_autofree gchar *path = NULL;
  g_autoptr (json_object) json = NULL;
  g_autoptr (GByteArray) message = NULL;
  RawDecoder decoder;
  const gchar *placeholder;

  g_return_val_if_fail (gmail != NULL, NULL);

  if (!gmo_gmail_check_id (id, error))
    return NULL;
  path = gmo_gmail_item_path ("messages", id, "");
  raw_decoder_init (&decoder, 0);
  message = decoder.out;
  gmo_json_parser_divert (parser, "raw", on_raw_data, &decoder);
  json = require_id (gmo_gmail_perform_parsed (gmail, GMO_GMAIL_NEED_READ, "GET", path, params,
                                               MAX_RAW_ANSWER, parser, cancellable, error),
                     error);
  if (json == NULL)
    return NULL;
  placeholder = gmo_json_get_string (json, "raw");
  if (placeholder != NULL && *placeholder != '\0')
    {
      /* A name json-c reads as "raw" but spelt with escapes: decoded whole. */
      GBytes *whole = gmo_gmail_take_raw (json, error);

      if (whole != NULL && out_json != NULL)
        *out_json = g_steal_pointer (&json);
      return whole;
    }
  if (placeholder == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The Gmail API's answer has no raw message."));
      return NULL;
    }
  json_object_object_del (json, "raw");
  if (out_json != NULL)
    *out_json = g_steal_pointer (&json);
  return g_byte_array_free_to_bytes (g_steal_pointer (&message));
}

/**
 * gmo_gmail_get_thread:
 * @gmail: a client
 * @id: a thread id
 * @format: (nullable): as for gmo_gmail_get_message()
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * threads.get.
 *
 * Returns: (transfer full): {"id", "historyId", "messages": [...]}, or %NULL
 * with @error set.
 */
json_object *
gmo_gmail_get_thread (GmoGmail *gmail, const gchar *id, const gchar *format,
                      GCancellable *cancellable, GError **error)
{
  g_autoptr (GString) params = g_string_new (NULL);
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (gmail != NULL, NULL);

  if (!gmo_gmail_check_id (id, error) || !add_format (params, format, NULL, error))
    return NULL;
  path = gmo_gmail_item_path ("threads", id, "");
  return require_id (gmo_gmail_perform (gmail, GMO_GMAIL_NEED_READ, "GET", FALSE, path, params,
                                        NULL, NULL, 0, MAX_ANSWER, cancellable, error),
                     error);
}

/* Gmail's bytes fields are base64url: GLib encodes, and the two characters
 * of the URL alphabet are put in place. */
static gchar *
base64url_encode (GBytes *bytes)
{
  gsize len = 0;
  gconstpointer data = g_bytes_get_data (bytes, &len);
  gchar *text = g_base64_encode (data, len);

  for (gchar *p = text; *p != '\0'; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  return text;
}

/* messages.send or drafts.create: the simple JSON call for a message whose
 * base64 fits Gmail's limit, the media upload for a larger one. */
static json_object *
send_message (GmoGmail *gmail, GmoGmailNeed need, const gchar *path, gboolean draft,
              GBytes *message, const gchar *thread_id, GCancellable *cancellable, GError **error)
{
  gsize size = g_bytes_get_size (message);

  if (size == 0 || size > GMO_GMAIL_UPLOAD_MAX)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   size == 0 ? _("The message is empty")
                             : _("The message is larger than Gmail takes (35 MB)"));
      return NULL;
    }
  if (thread_id != NULL && !gmo_gmail_check_id (thread_id, error))
    return NULL;

  if ((size + 2) / 3 * 4 + 256 <= MAX_SIMPLE_BODY)
    {
      g_autoptr (json_object) root = json_object_new_object ();
      json_object *resource = draft ? json_object_new_object () : root;
      g_autofree gchar *raw = base64url_encode (message);
      const gchar *body;
      size_t body_len = 0;

      json_object_object_add (resource, "raw", json_object_new_string (raw));
      g_clear_pointer (&raw, g_free);
      if (thread_id != NULL)
        json_object_object_add (resource, "threadId", json_object_new_string (thread_id));
      if (draft)
        json_object_object_add (root, "message", resource);
      body = json_object_to_json_string_length (root, JSON_C_TO_STRING_PLAIN, &body_len);
      return require_id (gmo_gmail_perform (gmail, need, "POST", FALSE, path, NULL,
                                            "application/json", body, body_len, MAX_ANSWER,
                                            cancellable, error),
                         error);
    }
  else
    {
      g_autoptr (GString) params = g_string_new ("uploadType=media");

      gmo_http_form_add (params, "threadId", thread_id);
      return require_id (gmo_gmail_perform (gmail, need, "POST", TRUE, path, params,
                                            "message/rfc822", g_bytes_get_data (message, NULL),
                                            size, MAX_ANSWER, cancellable, error),
                         error);
    }
}

/**
 * gmo_gmail_send:
 * @gmail: a client
 * @message: an RFC 5322 message (Gmail takes its recipients from To, Cc and Bcc)
 * @thread_id: (nullable): the thread of a reply
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * messages.send: the simple call while the message's base64 fits in
 * %GMO_GMAIL_SIMPLE_SEND_MAX bytes, the upload endpoint for larger ones up to
 * %GMO_GMAIL_UPLOAD_MAX (with @thread_id as a query parameter there).
 *
 * Returns: (transfer full): {"id", "threadId", "labelIds"}, or %NULL with
 * @error set.
 */
json_object *
gmo_gmail_send (GmoGmail *gmail, GBytes *message, const gchar *thread_id,
                GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (gmail != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  return send_message (gmail, GMO_GMAIL_NEED_SEND, "messages/send", FALSE, message, thread_id,
                       cancellable, error);
}

/**
 * gmo_gmail_create_draft:
 * @gmail: a client
 * @message: an RFC 5322 message
 * @thread_id: (nullable): the thread of a reply
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * drafts.create, by the same rules as gmo_gmail_send().
 *
 * Returns: (transfer full): {"id", "message": {"id", "threadId", "labelIds"}},
 * or %NULL with @error set.
 */
json_object *
gmo_gmail_create_draft (GmoGmail *gmail, GBytes *message, const gchar *thread_id,
                        GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (gmail != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  return send_message (gmail, GMO_GMAIL_NEED_DRAFT, "drafts", TRUE, message, thread_id,
                       cancellable, error);
}

/**
 * gmo_gmail_list_labels:
 * @gmail: a client
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * labels.list.
 *
 * Returns: (transfer full): {"labels": [{"id", "name", "type", ...}]}, or %NULL
 * with @error set.
 */
json_object *
gmo_gmail_list_labels (GmoGmail *gmail, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (gmail != NULL, NULL);

  return gmo_gmail_perform (gmail, GMO_GMAIL_NEED_LABELS, "GET", FALSE, "labels", NULL, NULL,
                            NULL, 0, MAX_ANSWER, cancellable, error);
}

/* A JSON array of the label ids @ids (nullable) as @key of @body; FALSE for
 * one that is empty or not UTF-8. */
static gboolean
add_label_ids (json_object *body, const gchar *key, const gchar *const *ids, guint *io_count,
               GError **error)
{
  json_object *array;

  if (ids == NULL || ids[0] == NULL)
    return TRUE;
  array = json_object_new_array ();
  json_object_object_add (body, key, array);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      if (*ids[i] == '\0')
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("An empty label id"));
          return FALSE;
        }
      if (!gmo_gmail_check_text (ids[i], key, error))
        return FALSE;
      json_object_array_add (array, json_object_new_string (ids[i]));
      (*io_count)++;
    }
  return TRUE;
}

/**
 * gmo_gmail_modify:
 * @gmail: a client
 * @id: a message id
 * @add: (nullable) (array zero-terminated=1): label ids to add ("STARRED")
 * @remove: (nullable) (array zero-terminated=1): label ids to remove ("UNREAD", "INBOX")
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * messages.modify; at least one label must be given.
 *
 * Returns: (transfer full): {"id", "threadId", "labelIds"}, or %NULL with
 * @error set.
 */
json_object *
gmo_gmail_modify (GmoGmail *gmail, const gchar *id, const gchar *const *add,
                  const gchar *const *remove, GCancellable *cancellable, GError **error)
{
  g_autoptr (json_object) body = json_object_new_object ();
  g_autofree gchar *path = NULL;
  const gchar *text;
  size_t text_len = 0;
  guint count = 0;

  g_return_val_if_fail (gmail != NULL, NULL);

  if (!gmo_gmail_check_id (id, error) || !add_label_ids (body, "addLabelIds", add, &count, error)
      || !add_label_ids (body, "removeLabelIds", remove, &count, error))
    return NULL;
  if (count == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Nothing to change: give labels to add or to remove"));
      return NULL;
    }
  path = gmo_gmail_item_path ("messages", id, "/modify");
  text = json_object_to_json_string_length (body, JSON_C_TO_STRING_PLAIN, &text_len);
  return require_id (gmo_gmail_perform (gmail, GMO_GMAIL_NEED_MODIFY, "POST", FALSE, path, NULL,
                                        "application/json", text, text_len, MAX_ANSWER,
                                        cancellable, error),
                     error);
}
