/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference server's three mail tools as drop-ins (see
 * ../shared/reference/mail_tools.md): the same names, descriptions, input
 * schemas and answer shapes, over our Gmail client with the caller's access
 * token. Its flaws are fixed: bodies come from the raw message through GMime
 * (any charset, quoted-printable, nested multiparts, HTML-only mail as text),
 * chunks never split a character, numbers are range-checked, and failures
 * are classed results with isError. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp-tools.h"

/* The reference's cut: characters of body per answer. */
#define DROPIN_CHUNK_CHARS 1000

/* Exactly the reference's registrations. */
static const gchar recent_schema[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"google_access_token\": {\"type\": \"string\", \"description\": \"Google OAuth2 access "
    "token\"},"
    " \"max_results\": {\"type\": \"integer\", \"description\": \"Maximum number of emails to "
    "return (default: 10)\"},"
    " \"unread_only\": {\"type\": \"boolean\", \"description\": \"Whether to return only unread "
    "emails (default: False)\"}},"
    " \"required\": [\"google_access_token\"]}";

static const gchar chunk_schema[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"google_access_token\": {\"type\": \"string\", \"description\": \"Google OAuth2 access "
    "token\"},"
    " \"message_id\": {\"type\": \"string\", \"description\": \"ID of the message to retrieve\"},"
    " \"thread_id\": {\"type\": \"string\", \"description\": \"ID of the thread to retrieve (will "
    "get the first message if multiple exist)\"},"
    " \"offset\": {\"type\": \"integer\", \"description\": \"Offset in characters to start from "
    "(default: 0)\"}},"
    " \"required\": [\"google_access_token\"]}";

static const gchar send_schema[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"google_access_token\": {\"type\": \"string\", \"description\": \"Google OAuth2 access "
    "token\"},"
    " \"to\": {\"type\": \"string\", \"description\": \"Recipient email address\"},"
    " \"subject\": {\"type\": \"string\", \"description\": \"Email subject\"},"
    " \"body\": {\"type\": \"string\", \"description\": \"Email body content (plain text)\"},"
    " \"html_body\": {\"type\": \"string\", \"description\": \"Email body content in HTML format "
    "(optional)\"}},"
    " \"required\": [\"google_access_token\", \"to\", \"subject\", \"body\"]}";

/* A client for the caller's token. The token stays in the arguments object,
 * which the server wipes after the call. */
static GmoGmail *
dropin_gmail_new (json_object *arguments, GError **error)
{
  const gchar *token = NULL;

  if (!gmo_mcp_args_get_string (arguments, "google_access_token", &token, error))
    return NULL;
  if (token == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("google_access_token is required"));
      return NULL;
    }
  return gmo_gmail_new_with_token (token);
}

/* One entry of gmail_get_recent_emails, in the reference's key order. */
static json_object *
recent_email_new (GmoGmail *gmail, const gchar *id, GError **error)
{
  g_autoptr (json_object) meta = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  const gchar *body;
  json_object *email;
  glong total = 0;

  message = gmo_mcp_mail_fetch (gmail, id, 0, DROPIN_CHUNK_CHARS, &meta, error);
  if (message == NULL)
    return NULL;
  body = message->text;
  total = message->text_chars;

  email = json_object_new_object ();
  json_object_object_add (email, "id", gmo_mcp_mail_string (meta, "id"));
  json_object_object_add (email, "threadId", gmo_mcp_mail_string (meta, "threadId"));
  json_object_object_add (email, "labelIds", gmo_mcp_mail_labels (meta));
  json_object_object_add (email, "snippet", gmo_mcp_mail_string (meta, "snippet"));
  json_object_object_add (email, "from", json_object_new_string (message->from));
  json_object_object_add (email, "to", json_object_new_string (message->to));
  json_object_object_add (email, "subject", json_object_new_string (message->subject));
  json_object_object_add (email, "date", json_object_new_string (message->date));
  json_object_object_add (email, "internalDate", gmo_mcp_mail_string (meta, "internalDate"));
  json_object_object_add (email, "body", json_object_new_string (body));
  json_object_object_add (email, "body_size_bytes",
                          json_object_new_int64 ((gint64) message->text_size));
  json_object_object_add (email, "contains_full_body",
                          json_object_new_boolean (total <= DROPIN_CHUNK_CHARS));
  return email;
}

static json_object *
tool_get_recent_emails (json_object *arguments, gboolean *out_is_error)
{
  static const gchar *const inbox[] = { "INBOX", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (json_object) list = NULL;
  g_autoptr (json_object) emails = json_object_new_array ();
  json_object *messages = NULL;
  json_object *result;
  gint64 max_results = 10;
  gboolean unread_only = FALSE;

  gmail = dropin_gmail_new (arguments, &error);
  if (gmail == NULL
      || !gmo_mcp_args_get_int (arguments, "max_results", 1, 500, &max_results, &error)
      || !gmo_mcp_args_get_boolean (arguments, "unread_only", &unread_only, &error))
    goto out;

  list = gmo_gmail_list_messages (gmail, unread_only ? "is:unread" : NULL, inbox,
                                  (guint) max_results, NULL, NULL, &error);
  if (list == NULL)
    goto out;
  if (!gmo_mcp_mail_get_array (list, "messages", &messages, &error))
    goto out;
  for (size_t i = 0; messages != NULL && i < json_object_array_length (messages); i++)
    {
      const gchar *id = gmo_json_get_string (json_object_array_get_idx (messages, i), "id");
      json_object *email;

      if (id == NULL)
        {
          g_set_error (&error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                       _("The Gmail API listed a message without an id"));
          goto out;
        }
      email = recent_email_new (gmail, id, &error);
      if (email == NULL)
        goto out;
      json_object_array_add (emails, email);
    }
  result = json_object_new_object ();
  json_object_object_add (result, "emails", g_steal_pointer (&emails));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

/* The first message of a thread, as the reference picks it. */
static gchar *
thread_first_message (GmoGmail *gmail, const gchar *thread_id, GError **error)
{
  g_autoptr (json_object) thread = gmo_gmail_get_thread (gmail, thread_id, "minimal", NULL, error);
  json_object *messages = NULL;
  const gchar *id;

  if (thread == NULL || !gmo_mcp_mail_get_array (thread, "messages", &messages, error))
    return NULL;
  id = messages != NULL && json_object_array_length (messages) > 0
           ? gmo_json_get_string (json_object_array_get_idx (messages, 0), "id")
           : NULL;
  if (id == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The Gmail API answered thread %s without messages"), thread_id);
      return NULL;
    }
  return g_strdup (id);
}

static json_object *
tool_get_email_body_chunk (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (json_object) meta = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  g_autofree gchar *first = NULL;
  const gchar *body;
  const gchar *message_id = NULL;
  const gchar *thread_id = NULL;
  json_object *result;
  gint64 offset = 0;
  glong total = 0, chunk_size;

  gmail = dropin_gmail_new (arguments, &error);
  if (gmail == NULL || !gmo_mcp_args_get_string (arguments, "message_id", &message_id, &error)
      || !gmo_mcp_args_get_string (arguments, "thread_id", &thread_id, &error)
      || !gmo_mcp_args_get_int (arguments, "offset", 0, GMO_MCP_MAX_OFFSET, &offset, &error))
    goto out;
  if (message_id == NULL && thread_id == NULL)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Either message_id or thread_id must be provided"));
      goto out;
    }
  if (message_id == NULL)
    {
      first = thread_first_message (gmail, thread_id, &error);
      if (first == NULL)
        goto out;
      message_id = first;
    }

  message = gmo_mcp_mail_fetch (gmail, message_id, (glong) offset, DROPIN_CHUNK_CHARS, &meta,
                                &error);
  if (message == NULL)
    goto out;
  body = message->text;
  total = message->text_chars;
  chunk_size = g_utf8_strlen (body, -1);

  result = json_object_new_object ();
  json_object_object_add (result, "message_id", gmo_mcp_mail_string (meta, "id"));
  json_object_object_add (result, "thread_id", gmo_mcp_mail_string (meta, "threadId"));
  json_object_object_add (result, "body", json_object_new_string (body));
  json_object_object_add (result, "body_size_bytes",
                          json_object_new_int64 ((gint64) message->text_size));
  json_object_object_add (result, "offset", json_object_new_int64 (offset));
  json_object_object_add (result, "chunk_size", json_object_new_int64 (chunk_size));
  /* An offset past the end answers an empty chunk that, like the last one,
   * says there is nothing more to read. */
  json_object_object_add (result, "contains_full_body",
                          json_object_new_boolean (offset + chunk_size >= total));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

static json_object *
tool_send_email (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (json_object) sent = NULL;
  GmoMimeDraft draft = { NULL };
  json_object *result;

  gmail = dropin_gmail_new (arguments, &error);
  if (gmail == NULL || !gmo_mcp_args_get_line (arguments, "to", &draft.to, &error)
      || !gmo_mcp_args_get_line (arguments, "subject", &draft.subject, &error)
      || !gmo_mcp_args_get_string (arguments, "body", &draft.text, &error)
      || !gmo_mcp_args_get_string (arguments, "html_body", &draft.html, &error))
    goto out;
  if (draft.to == NULL || draft.subject == NULL || draft.text == NULL)
    {
      /* The reference's words, so that its users recognise them. */
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Missing required parameters: to, subject, and body are required"));
      goto out;
    }

  raw = gmo_mime_build (&draft, &error);
  if (raw == NULL)
    goto out;
  sent = gmo_gmail_send (gmail, raw, NULL, NULL, &error);
  if (sent == NULL)
    goto out;
  result = json_object_new_object ();
  json_object_object_add (result, "messageId", gmo_mcp_mail_string (sent, "id"));
  json_object_object_add (result, "threadId", gmo_mcp_mail_string (sent, "threadId"));
  json_object_object_add (result, "labelIds", gmo_mcp_mail_labels (sent));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

/* They take an access token from the model, so a server that keeps
 * credentials away from it leaves them out. */
static const GmoMcpTool dropin_tools[] = {
  { "gmail_get_recent_emails", "Get recent emails (access token argument)",
    "Get the most recent emails from Gmail (returns metadata, snippets, and first 1k chars of "
    "body)",
    recent_schema, NULL,
    GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_OPEN_WORLD
        | GMO_MCP_TOOL_CREDENTIALS,
    tool_get_recent_emails },
  { "gmail_get_email_body_chunk", "Get an email body chunk (access token argument)",
    "Get a 1k character chunk of an email body starting from the specified offset", chunk_schema,
    NULL,
    GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_OPEN_WORLD
        | GMO_MCP_TOOL_CREDENTIALS,
    tool_get_email_body_chunk },
  { "gmail_send_email", "Send an email (access token argument)", "Send an email via Gmail",
    send_schema, NULL, GMO_MCP_TOOL_OPEN_WORLD | GMO_MCP_TOOL_CREDENTIALS, tool_send_email },
};

/**
 * gmo_mcp_dropin_tools:
 * @out_n: (out): the number of tools
 *
 * Returns: (transfer none) (array length=out_n): the drop-in mail tools.
 */
const GmoMcpTool *
gmo_mcp_dropin_tools (gsize *out_n)
{
  *out_n = G_N_ELEMENTS (dropin_tools);
  return dropin_tools;
}
