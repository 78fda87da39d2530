/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The keyring-backed mail tools that only read: search, read a message or a
 * thread, list labels. Their Gmail client
 * takes its token from the broker, so no credential reaches the model: the
 * answers are built from message data only. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp-tools.h"

/* The search answer's headers, asked for with format=metadata so that a page
 * of results costs no message bodies. */
static const gchar *const search_headers[] = { "From", "To", "Subject", "Date", NULL };
/* The headers a thread's messages are shown with. */
static const gchar *const decoded_headers[] = { "From", "To", "Cc", "Subject", "Date",
                                                "Message-ID" };

static const gchar search_schema[] =
    "{\"type\": \"object\", \"properties\": {" GMO_MCP_ACCOUNT_PROPERTY ","
    " \"query\": {\"type\": \"string\", \"description\": \"A Gmail search, as in Gmail's search "
    "box: from:ann is:unread subject:(lunch) newer_than:7d has:attachment label:work. Default: "
    "every message but spam and trash\"},"
    " \"max_results\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 500, \"description\": "
    "\"Messages per page, 1 to 500 (default 10)\"},"
    " \"page_token\": {\"type\": \"string\", \"description\": \"The next_page_token of the "
    "previous answer, for the next page\"}}}";

static const gchar search_output[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"account\": {\"type\": \"string\"},"
    " \"messages\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {"
    "  \"id\": {\"type\": \"string\"}, \"thread_id\": {\"type\": \"string\"},"
    "  \"from\": {\"type\": \"string\"}, \"to\": {\"type\": \"string\"},"
    "  \"subject\": {\"type\": \"string\"}, \"date\": {\"type\": \"string\"},"
    "  \"snippet\": {\"type\": \"string\"},"
    "  \"labels\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}},"
    "  \"required\": [\"id\", \"thread_id\", \"from\", \"to\", \"subject\", \"date\", \"snippet\","
    " \"labels\"]}},"
    " \"next_page_token\": {\"type\": \"string\", \"description\": \"Present when there are more "
    "results\"},"
    " \"result_size_estimate\": {\"type\": \"integer\"},"
    " \"status\": {\"type\": \"string\"}},"
    " \"required\": [\"account\", \"messages\", \"result_size_estimate\", \"status\"]}";

static const gchar read_schema[] =
    "{\"type\": \"object\", \"properties\": {" GMO_MCP_ACCOUNT_PROPERTY ","
    " \"message_id\": {\"type\": \"string\", \"description\": \"The id of the message to read "
    "(from gmail_search_messages)\"},"
    " \"thread_id\": {\"type\": \"string\", \"description\": \"A thread id: the answer lists the "
    "headers of every message of the thread, and the body is that of message_id if given, else of "
    "the thread's newest message\"},"
    " \"offset\": {\"type\": \"integer\", \"minimum\": 0, \"description\": \"The first character "
    "of the body to return (default 0); pass next_offset to read on\"},"
    " \"max_chars\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100000, \"description\": "
    "\"How many characters of the body to return (default 10000)\"}}}";

#define HEADERS_SCHEMA                                                                         \
  "{\"type\": \"object\", \"properties\": {"                                                   \
  " \"from\": {\"type\": \"string\"}, \"to\": {\"type\": \"string\"},"                         \
  " \"cc\": {\"type\": \"string\"}, \"subject\": {\"type\": \"string\"},"                      \
  " \"date\": {\"type\": \"string\"}, \"message_id\": {\"type\": \"string\"}},"                \
  " \"required\": [\"from\", \"to\", \"cc\", \"subject\", \"date\", \"message_id\"]}"
#define LABELS_SCHEMA "{\"type\": \"array\", \"items\": {\"type\": \"string\"}}"

static const gchar read_output[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"account\": {\"type\": \"string\"},"
    " \"id\": {\"type\": \"string\"}, \"thread_id\": {\"type\": \"string\"},"
    " \"labels\": " LABELS_SCHEMA ","
    " \"headers\": " HEADERS_SCHEMA ","
    " \"body\": {\"type\": \"string\", \"description\": \"Characters [offset, offset + max_chars) "
    "of the body as plain text\"},"
    " \"offset\": {\"type\": \"integer\"},"
    " \"total_chars\": {\"type\": \"integer\", \"description\": \"The length of the whole body in "
    "characters\"},"
    " \"next_offset\": {\"type\": \"integer\", \"description\": \"Present when more of the body "
    "follows: the offset to read on from\"},"
    " \"attachments\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {"
    "  \"filename\": {\"type\": \"string\"}, \"mime_type\": {\"type\": \"string\"},"
    "  \"size\": {\"type\": \"integer\"}}, \"required\": [\"filename\", \"mime_type\", \"size\"]}},"
    " \"thread\": {\"type\": \"array\", \"description\": \"With thread_id: every message of the "
    "thread, oldest first\", \"items\": {\"type\": \"object\", \"properties\": {"
    "  \"id\": {\"type\": \"string\"}, \"labels\": " LABELS_SCHEMA ","
    "  \"snippet\": {\"type\": \"string\"}, \"headers\": " HEADERS_SCHEMA "},"
    "  \"required\": [\"id\", \"labels\", \"snippet\", \"headers\"]}},"
    " \"status\": {\"type\": \"string\"}},"
    " \"required\": [\"account\", \"id\", \"thread_id\", \"labels\", \"headers\", \"body\","
    " \"offset\", \"total_chars\", \"attachments\", \"status\"]}";

static const gchar labels_schema[] =
    "{\"type\": \"object\", \"properties\": {" GMO_MCP_ACCOUNT_PROPERTY "}}";

static const gchar labels_output[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"account\": {\"type\": \"string\"},"
    " \"labels\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {"
    "  \"id\": {\"type\": \"string\"}, \"name\": {\"type\": \"string\"},"
    "  \"type\": {\"type\": \"string\", \"description\": \"system or user\"}},"
    "  \"required\": [\"id\", \"name\", \"type\"]}},"
    " \"status\": {\"type\": \"string\"}},"
    " \"required\": [\"account\", \"labels\", \"status\"]}";

/* Gmail answers the headers of format=metadata as the message has them
 * (RFC 2047 encoded words, any charset). They are handed to GMime as the
 * header block they came from, so that they are decoded exactly as those of a
 * message read whole. */
static GmoMimeMessage *
headers_decode (json_object *message, GError **error)
{
  g_autoptr (GString) block = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;
  json_object *payload = NULL;
  json_object *headers = NULL;

  json_object_object_get_ex (message, "payload", &payload);
  if (!gmo_mcp_mail_get_array (payload, "headers", &headers, error))
    return NULL;
  for (size_t i = 0; headers != NULL && i < json_object_array_length (headers); i++)
    {
      json_object *header = json_object_array_get_idx (headers, i);
      const gchar *name = gmo_json_get_string (header, "name");
      const gchar *value = gmo_json_get_string (header, "value");
      const gchar *field = NULL;
      g_autofree gchar *line = NULL;

      /* Only the fields we read, under our own spelling of their names, and
       * values on one line: nothing Gmail passes on can pose as another
       * header or end the block. */
      for (gsize j = 0; name != NULL && field == NULL && j < G_N_ELEMENTS (decoded_headers); j++)
        if (g_ascii_strcasecmp (name, decoded_headers[j]) == 0)
          field = decoded_headers[j];
      if (field == NULL || value == NULL)
        continue;
      line = g_strdup (value);
      g_strdelimit (line, "\r\n", ' ');
      g_string_append_printf (block, "%s: %s\r\n", field, line);
    }
  g_string_append (block, "\r\n");
  bytes = g_string_free_to_bytes (g_steal_pointer (&block));
  return gmo_mime_parse (bytes, GMO_ERROR_BAD_RESPONSE, error);
}

static json_object *
headers_json_new (const GmoMimeMessage *message)
{
  json_object *headers = json_object_new_object ();

  json_object_object_add (headers, "from", json_object_new_string (message->from));
  json_object_object_add (headers, "to", json_object_new_string (message->to));
  json_object_object_add (headers, "cc", json_object_new_string (message->cc));
  json_object_object_add (headers, "subject", json_object_new_string (message->subject));
  json_object_object_add (headers, "date", json_object_new_string (message->date));
  json_object_object_add (headers, "message_id", json_object_new_string (message->message_id));
  return headers;
}

/* Gmail's snippet is HTML-escaped ("it&#39;s"): the model gets the text. */
static json_object *
snippet_new (json_object *message)
{
  const gchar *snippet = gmo_json_get_string (message, "snippet");
  g_autofree gchar *text = gmo_mime_html_to_text (snippet != NULL ? snippet : "");

  return json_object_new_string (g_strstrip (text));
}

static json_object *
search_item_new (GmoGmail *gmail, const gchar *id, GError **error)
{
  g_autoptr (json_object) meta = NULL;
  g_autoptr (GmoMimeMessage) headers = NULL;
  json_object *item;

  meta = gmo_gmail_get_message (gmail, id, "metadata", search_headers, NULL, error);
  if (meta == NULL)
    return NULL;
  headers = headers_decode (meta, error);
  if (headers == NULL)
    return NULL;
  item = json_object_new_object ();
  json_object_object_add (item, "id", gmo_mcp_mail_string (meta, "id"));
  json_object_object_add (item, "thread_id", gmo_mcp_mail_string (meta, "threadId"));
  json_object_object_add (item, "from", json_object_new_string (headers->from));
  json_object_object_add (item, "to", json_object_new_string (headers->to));
  json_object_object_add (item, "subject", json_object_new_string (headers->subject));
  json_object_object_add (item, "date", json_object_new_string (headers->date));
  json_object_object_add (item, "snippet", snippet_new (meta));
  json_object_object_add (item, "labels", gmo_mcp_mail_labels (meta));
  return item;
}

static json_object *
tool_search_messages (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (json_object) list = NULL;
  g_autoptr (json_object) items = json_object_new_array ();
  const gchar *query = NULL;
  const gchar *page_token = NULL;
  const gchar *next;
  json_object *messages = NULL;
  json_object *result;
  gint64 max_results = 10;
  gint64 estimate = 0;

  if (!gmo_mcp_args_get_string (arguments, "query", &query, &error)
      || !gmo_mcp_args_get_int (arguments, "max_results", 1, 500, &max_results, &error)
      || !gmo_mcp_args_get_string (arguments, "page_token", &page_token, &error))
    goto out;
  gmail = gmo_mcp_gmail_new (arguments, &error);
  if (gmail == NULL)
    goto out;
  list = gmo_gmail_list_messages (gmail, query, NULL, (guint) max_results, page_token, NULL,
                                  &error);
  if (list == NULL || !gmo_mcp_mail_get_array (list, "messages", &messages, &error))
    goto out;
  for (size_t i = 0; messages != NULL && i < json_object_array_length (messages); i++)
    {
      const gchar *id = gmo_json_get_string (json_object_array_get_idx (messages, i), "id");
      json_object *item;

      if (id == NULL)
        {
          g_set_error (&error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                       _("The Gmail API listed a message without an id"));
          goto out;
        }
      item = search_item_new (gmail, id, &error);
      if (item == NULL)
        goto out;
      json_object_array_add (items, item);
    }

  result = gmo_mcp_mail_result_new (gmail);
  json_object_object_add (result, "messages", g_steal_pointer (&items));
  next = gmo_json_get_string (list, "nextPageToken");
  if (next != NULL)
    json_object_object_add (result, "next_page_token", json_object_new_string (next));
  gmo_json_get_int64 (list, "resultSizeEstimate", &estimate);
  json_object_object_add (result, "result_size_estimate", json_object_new_int64 (estimate));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

/* The thread's messages with their headers, oldest first as Gmail lists
 * them; @inout_id is the message to read: checked to be in the thread, or
 * set to the newest. */
static json_object *
thread_json_new (GmoGmail *gmail, const gchar *thread_id, gchar **inout_id, GError **error)
{
  g_autoptr (json_object) thread = gmo_gmail_get_thread (gmail, thread_id, "metadata", NULL, error);
  g_autoptr (json_object) items = json_object_new_array ();
  json_object *messages = NULL;
  const gchar *last = NULL;
  gboolean found = FALSE;

  if (thread == NULL || !gmo_mcp_mail_get_array (thread, "messages", &messages, error))
    return NULL;
  for (size_t i = 0; messages != NULL && i < json_object_array_length (messages); i++)
    {
      json_object *message = json_object_array_get_idx (messages, i);
      g_autoptr (GmoMimeMessage) headers = headers_decode (message, error);
      json_object *item;

      last = gmo_json_get_string (message, "id");
      if (headers == NULL)
        return NULL;
      if (last == NULL)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                       _("The Gmail API listed a message without an id"));
          return NULL;
        }
      found = found || g_strcmp0 (last, *inout_id) == 0;
      item = json_object_new_object ();
      json_object_object_add (item, "id", json_object_new_string (last));
      json_object_object_add (item, "labels", gmo_mcp_mail_labels (message));
      json_object_object_add (item, "snippet", snippet_new (message));
      json_object_object_add (item, "headers", headers_json_new (headers));
      json_object_array_add (items, item);
    }
  if (last == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The Gmail API answered thread %s without messages"), thread_id);
      return NULL;
    }
  if (*inout_id == NULL)
    *inout_id = g_strdup (last);
  else if (!found)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Message %s is not in thread %s"),
                   *inout_id, thread_id);
      return NULL;
    }
  return g_steal_pointer (&items);
}

static json_object *
attachments_json_new (const GmoMimeMessage *message)
{
  json_object *attachments = json_object_new_array ();

  for (guint i = 0; i < message->attachments->len; i++)
    {
      const GmoMimeAttachment *attachment = g_ptr_array_index (message->attachments, i);
      json_object *item = json_object_new_object ();

      json_object_object_add (item, "filename",
                              json_object_new_string (attachment->filename != NULL
                                                          ? attachment->filename
                                                          : ""));
      json_object_object_add (item, "mime_type", json_object_new_string (attachment->mime_type));
      json_object_object_add (item, "size", json_object_new_int64 ((gint64) attachment->size));
      json_object_array_add (attachments, item);
    }
  return attachments;
}

static json_object *
tool_read_message (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (json_object) thread = NULL;
  g_autoptr (json_object) meta = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  g_autofree gchar *id = NULL;
  const gchar *body;
  const gchar *message_id = NULL;
  const gchar *thread_id = NULL;
  json_object *result;
  gint64 offset = 0;
  gint64 max_chars = 10000;
  glong total = 0, n_chars;

  if (!gmo_mcp_args_get_string (arguments, "message_id", &message_id, &error)
      || !gmo_mcp_args_get_string (arguments, "thread_id", &thread_id, &error)
      || !gmo_mcp_args_get_int (arguments, "offset", 0, GMO_MCP_MAX_OFFSET, &offset, &error)
      || !gmo_mcp_args_get_int (arguments, "max_chars", 1, 100000, &max_chars, &error))
    goto out;
  if (message_id == NULL && thread_id == NULL)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Either message_id or thread_id must be provided"));
      goto out;
    }
  gmail = gmo_mcp_gmail_new (arguments, &error);
  if (gmail == NULL)
    goto out;
  id = g_strdup (message_id);
  if (thread_id != NULL && (thread = thread_json_new (gmail, thread_id, &id, &error)) == NULL)
    goto out;
  message = gmo_mcp_mail_fetch (gmail, id, (glong) offset, (glong) max_chars, &meta, &error);
  if (message == NULL)
    goto out;
  body = message->text;
  total = message->text_chars;
  n_chars = g_utf8_strlen (body, -1);

  result = gmo_mcp_mail_result_new (gmail);
  json_object_object_add (result, "id", gmo_mcp_mail_string (meta, "id"));
  json_object_object_add (result, "thread_id", gmo_mcp_mail_string (meta, "threadId"));
  json_object_object_add (result, "labels", gmo_mcp_mail_labels (meta));
  json_object_object_add (result, "headers", headers_json_new (message));
  json_object_object_add (result, "body", json_object_new_string (body));
  json_object_object_add (result, "offset", json_object_new_int64 (offset));
  json_object_object_add (result, "total_chars", json_object_new_int64 (total));
  if (offset + n_chars < total)
    json_object_object_add (result, "next_offset", json_object_new_int64 (offset + n_chars));
  json_object_object_add (result, "attachments", attachments_json_new (message));
  if (thread != NULL)
    json_object_object_add (result, "thread", g_steal_pointer (&thread));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

static json_object *
tool_list_labels (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (json_object) answer = NULL;
  g_autoptr (json_object) labels = json_object_new_array ();
  json_object *list = NULL;
  json_object *result;

  gmail = gmo_mcp_gmail_new (arguments, &error);
  if (gmail == NULL)
    goto out;
  answer = gmo_gmail_list_labels (gmail, NULL, &error);
  if (answer == NULL || !gmo_mcp_mail_get_array (answer, "labels", &list, &error))
    goto out;
  for (size_t i = 0; list != NULL && i < json_object_array_length (list); i++)
    {
      json_object *label = json_object_array_get_idx (list, i);
      json_object *item;

      if (gmo_json_get_string (label, "id") == NULL || gmo_json_get_string (label, "name") == NULL)
        {
          g_set_error (&error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                       _("The Gmail API listed a label without an id or a name"));
          goto out;
        }
      item = json_object_new_object ();
      json_object_object_add (item, "id", gmo_mcp_mail_string (label, "id"));
      json_object_object_add (item, "name", gmo_mcp_mail_string (label, "name"));
      json_object_object_add (item, "type", gmo_mcp_mail_string (label, "type"));
      json_object_array_add (labels, item);
    }
  result = gmo_mcp_mail_result_new (gmail);
  json_object_object_add (result, "labels", g_steal_pointer (&labels));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

#define READ_FLAGS (GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_OPEN_WORLD)

static const GmoMcpTool mail_tools[] = {
  { "gmail_search_messages", "Search Gmail",
    "Search the mailbox of a Gmail account stored in the user's keyring with Gmail's search "
    "syntax, a page at a time: each message's id, thread id, sender, recipients, subject, date, "
    "snippet and labels. Read one with gmail_read_message.",
    search_schema, search_output, READ_FLAGS, tool_search_messages },
  { "gmail_read_message", "Read a Gmail message or thread",
    "Read a message of a Gmail account stored in the user's keyring: its headers, labels, "
    "attachments (names, types, sizes) and its body as plain text, in chunks of max_chars "
    "characters from offset (any charset decoded, HTML turned into text). With thread_id, also the "
    "headers of every message of the thread. Does not mark the message read.",
    read_schema, read_output, READ_FLAGS, tool_read_message },
  { "gmail_list_labels", "List Gmail labels",
    "List the labels of a Gmail account stored in the user's keyring (system labels such as "
    "INBOX, UNREAD, STARRED, and the user's own), with their ids and names.",
    labels_schema, labels_output, READ_FLAGS, tool_list_labels },
};

/**
 * gmo_mcp_mail_tools:
 * @out_n: (out): the number of tools
 *
 * Returns: (transfer none) (array length=out_n): the keyring-backed mail
 * tools that only read.
 */
const GmoMcpTool *
gmo_mcp_mail_tools (gsize *out_n)
{
  *out_n = G_N_ELEMENTS (mail_tools);
  return mail_tools;
}
