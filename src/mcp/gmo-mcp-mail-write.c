/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The keyring-backed mail tools that send or change something: send a
 * message (a reply in its thread, too), create a draft, change a message's
 * labels. `gmail-oauth mcp --read-only` offers none of them. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp-tools.h"

/* One input schema for sending and drafting: the same fields. */
#define COMPOSE_SCHEMA(verb)                                                                   \
  "{\"type\": \"object\", \"properties\": {" GMO_MCP_ACCOUNT_PROPERTY ","                      \
  " \"to\": {\"type\": \"string\", \"description\": \"Recipients: addresses separated by commas, "\
  "such as 'Ann <ann@example.com>, bob@example.com'. Default for a reply: the sender of the "   \
  "message replied to\"},"                                                                     \
  " \"cc\": {\"type\": \"string\", \"description\": \"Cc recipients, as for to\"},"            \
  " \"bcc\": {\"type\": \"string\", \"description\": \"Bcc recipients, as for to\"},"          \
  " \"subject\": {\"type\": \"string\", \"description\": \"The subject. Default for a reply: "  \
  "that of the message replied to; a reply's subject gets 'Re: ' unless it has it\"},"         \
  " \"body\": {\"type\": \"string\", \"description\": \"The body as plain text\"},"            \
  " \"html_body\": {\"type\": \"string\", \"description\": \"The body as HTML as well "        \
  "(optional): the message then has both\"},"                                                  \
  " \"from\": {\"type\": \"string\", \"description\": \"A send-as address of the account, as "  \
  "set up in Gmail (default: the account)\"},"                                                 \
  " \"reply_to_message_id\": {\"type\": \"string\", \"description\": \"The id of a message to "  \
  "reply to: the " verb " is threaded with it (In-Reply-To, References, same thread)\"}},"    \
  " \"required\": [\"body\"]}"

static const gchar send_schema[] = COMPOSE_SCHEMA ("message");
static const gchar draft_schema[] = COMPOSE_SCHEMA ("draft");

static const gchar send_output[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"account\": {\"type\": \"string\"},"
    " \"id\": {\"type\": \"string\", \"description\": \"The id of the message sent\"},"
    " \"thread_id\": {\"type\": \"string\"},"
    " \"labels\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
    " \"status\": {\"type\": \"string\"}},"
    " \"required\": [\"account\", \"id\", \"thread_id\", \"labels\", \"status\"]}";

static const gchar draft_output[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"account\": {\"type\": \"string\"},"
    " \"draft_id\": {\"type\": \"string\"},"
    " \"message_id\": {\"type\": \"string\", \"description\": \"The id of the draft's message\"},"
    " \"thread_id\": {\"type\": \"string\"},"
    " \"status\": {\"type\": \"string\"}},"
    " \"required\": [\"account\", \"draft_id\", \"message_id\", \"thread_id\", \"status\"]}";

static const gchar modify_schema[] =
    "{\"type\": \"object\", \"properties\": {" GMO_MCP_ACCOUNT_PROPERTY ","
    " \"message_id\": {\"type\": \"string\", \"description\": \"The message to change\"},"
    " \"add_labels\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"description\": "
    "\"Labels to add, by name or id (see gmail_list_labels)\"},"
    " \"remove_labels\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, "
    "\"description\": \"Labels to remove, by name or id\"},"
    " \"mark_read\": {\"type\": \"boolean\", \"description\": \"Remove UNREAD\"},"
    " \"mark_unread\": {\"type\": \"boolean\", \"description\": \"Add UNREAD\"},"
    " \"archive\": {\"type\": \"boolean\", \"description\": \"Remove INBOX\"},"
    " \"star\": {\"type\": \"boolean\", \"description\": \"Add STARRED\"},"
    " \"unstar\": {\"type\": \"boolean\", \"description\": \"Remove STARRED\"}},"
    " \"required\": [\"message_id\"]}";

static const gchar modify_output[] =
    "{\"type\": \"object\", \"properties\": {"
    " \"account\": {\"type\": \"string\"},"
    " \"id\": {\"type\": \"string\"}, \"thread_id\": {\"type\": \"string\"},"
    " \"labels\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"description\": \"The "
    "message's label ids after the change\"},"
    " \"status\": {\"type\": \"string\"}},"
    " \"required\": [\"account\", \"id\", \"thread_id\", \"labels\", \"status\"]}";

/* What a send or a draft is made of, read from the arguments; the strings
 * are borrowed from the arguments or owned by @original. */
typedef struct
{
  GmoMimeDraft draft;
  GmoMimeMessage *original; /* (nullable): the message replied to */
  gchar *subject;           /* owned: the reply's subject */
  gchar *references;        /* owned: the reply's References */
  gchar *thread_id;         /* owned: the thread of the message replied to */
} Compose;

static void
compose_clear (Compose *compose)
{
  g_clear_pointer (&compose->original, gmo_mime_message_free);
  g_clear_pointer (&compose->subject, g_free);
  g_clear_pointer (&compose->references, g_free);
  g_clear_pointer (&compose->thread_id, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Compose, compose_clear)

/* A reply threads in Gmail when it carries In-Reply-To and References, is
 * sent into the thread, and keeps the subject (with "Re: "). */
static gboolean
compose_reply (Compose *compose, GmoGmail *gmail, const gchar *reply_to, GError **error)
{
  g_autoptr (json_object) meta = NULL;
  const GmoMimeMessage *original;
  const gchar *subject = compose->draft.subject;

  /* Its headers are what a reply takes: none of its body. */
  compose->original = gmo_mcp_mail_fetch (gmail, reply_to, 0, 0, &meta, error);
  if (compose->original == NULL)
    return FALSE;
  original = compose->original;
  compose->thread_id = g_strdup (gmo_json_get_string (meta, "threadId"));

  if (subject == NULL)
    subject = original->subject;
  compose->subject = g_ascii_strncasecmp (subject, "Re:", 3) == 0
                         ? g_strdup (subject)
                         : g_strconcat ("Re: ", subject, NULL);
  compose->draft.subject = compose->subject;
  if (*original->message_id != '\0')
    {
      compose->draft.in_reply_to = original->message_id;
      compose->references = *original->references != '\0'
                                ? g_strconcat (original->references, " ",
                                               original->message_id, NULL)
                                : g_strdup (original->message_id);
      compose->draft.references = compose->references;
    }
  /* Answer the sender; answering one's own message continues to its
   * recipients instead. */
  if (compose->draft.to == NULL && compose->draft.cc == NULL && compose->draft.bcc == NULL)
    compose->draft.to = original->from_address != NULL
                                && g_ascii_strcasecmp (original->from_address,
                                                       gmo_gmail_get_account (gmail)) == 0
                            ? original->to
                            : original->from;
  return TRUE;
}

/* Reads the arguments and builds the message. */
static GBytes *
compose_build (Compose *compose, GmoGmail *gmail, json_object *arguments, GError **error)
{
  GmoMimeDraft *draft = &compose->draft;
  const gchar *reply_to = NULL;

  if (!gmo_mcp_args_get_line (arguments, "to", &draft->to, error)
      || !gmo_mcp_args_get_line (arguments, "cc", &draft->cc, error)
      || !gmo_mcp_args_get_line (arguments, "bcc", &draft->bcc, error)
      || !gmo_mcp_args_get_line (arguments, "subject", &draft->subject, error)
      || !gmo_mcp_args_get_string (arguments, "body", &draft->text, error)
      || !gmo_mcp_args_get_string (arguments, "html_body", &draft->html, error)
      || !gmo_mcp_args_get_line (arguments, "from", &draft->from, error)
      || !gmo_mcp_args_get_string (arguments, "reply_to_message_id", &reply_to, error))
    return NULL;
  if (draft->text == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("body is required"));
      return NULL;
    }
  if (reply_to == NULL && draft->to == NULL && draft->cc == NULL && draft->bcc == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("A recipient is required: give to, cc or bcc (or reply_to_message_id)"));
      return NULL;
    }
  if (reply_to != NULL && !compose_reply (compose, gmail, reply_to, error))
    return NULL;
  return gmo_mime_build (draft, error);
}

/* What sending and changing labels answer (send_output, modify_output): the
 * message's ids and labels. */
static json_object *
message_result (GmoGmail *gmail, json_object *message)
{
  json_object *result = gmo_mcp_mail_result_new (gmail);

  json_object_object_add (result, "id", gmo_mcp_mail_string (message, "id"));
  json_object_object_add (result, "thread_id", gmo_mcp_mail_string (message, "threadId"));
  json_object_object_add (result, "labels", gmo_mcp_mail_labels (message));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;
}

static json_object *
tool_send_message (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_auto (Compose) compose = { { NULL } };
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (json_object) sent = NULL;

  gmail = gmo_mcp_gmail_new (arguments, &error);
  if (gmail == NULL || (raw = compose_build (&compose, gmail, arguments, &error)) == NULL)
    goto out;
  sent = gmo_gmail_send (gmail, raw, compose.thread_id, NULL, &error);
  if (sent == NULL)
    goto out;
  return message_result (gmail, sent);

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

static json_object *
tool_create_draft (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_auto (Compose) compose = { { NULL } };
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (json_object) draft = NULL;
  json_object *message = NULL;
  json_object *result;

  gmail = gmo_mcp_gmail_new (arguments, &error);
  if (gmail == NULL || (raw = compose_build (&compose, gmail, arguments, &error)) == NULL)
    goto out;
  draft = gmo_gmail_create_draft (gmail, raw, compose.thread_id, NULL, &error);
  if (draft == NULL)
    goto out;
  json_object_object_get_ex (draft, "message", &message);
  result = gmo_mcp_mail_result_new (gmail);
  json_object_object_add (result, "draft_id", gmo_mcp_mail_string (draft, "id"));
  json_object_object_add (result, "message_id", gmo_mcp_mail_string (message, "id"));
  json_object_object_add (result, "thread_id", gmo_mcp_mail_string (message, "threadId"));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

/* The id of the label @name: an id as it is, else a name compared without
 * regard to case (INBOX, "Work"). */
static const gchar *
label_lookup (json_object *labels, const gchar *name, GError **error)
{
  g_autofree gchar *folded = g_utf8_casefold (name, -1);

  for (size_t i = 0; labels != NULL && i < json_object_array_length (labels); i++)
    {
      json_object *label = json_object_array_get_idx (labels, i);
      const gchar *id = gmo_json_get_string (label, "id");

      if (id != NULL && g_str_equal (id, name))
        return id;
    }
  for (size_t i = 0; labels != NULL && i < json_object_array_length (labels); i++)
    {
      json_object *label = json_object_array_get_idx (labels, i);
      const gchar *id = gmo_json_get_string (label, "id");
      const gchar *label_name = gmo_json_get_string (label, "name");
      g_autofree gchar *label_folded = label_name != NULL ? g_utf8_casefold (label_name, -1) : NULL;

      if (id != NULL && g_strcmp0 (label_folded, folded) == 0)
        return id;
    }
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
               _("No label is named “%s”; gmail_list_labels lists them"), name);
  return NULL;
}

static void
add_unique (GPtrArray *ids, const gchar *id)
{
  if (!g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
    g_ptr_array_add (ids, g_strdup (id));
}

/* The label ids to add and to remove: names resolved (labels.list is asked
 * only when names are given), conveniences mapped to system labels. */
static gboolean
modify_collect (GmoGmail *gmail, json_object *arguments, GPtrArray *add, GPtrArray *remove,
                GError **error)
{
  static const struct
  {
    const gchar *argument;
    const gchar *label;
    gboolean add;
  } conveniences[] = {
    { "mark_read", "UNREAD", FALSE }, { "mark_unread", "UNREAD", TRUE },
    { "archive", "INBOX", FALSE },    { "star", "STARRED", TRUE },
    { "unstar", "STARRED", FALSE },
  };
  g_auto (GStrv) add_names = NULL;
  g_auto (GStrv) remove_names = NULL;
  g_autoptr (json_object) answer = NULL;
  json_object *labels = NULL;

  if (!gmo_mcp_args_get_strv (arguments, "add_labels", &add_names, error)
      || !gmo_mcp_args_get_strv (arguments, "remove_labels", &remove_names, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (conveniences); i++)
    {
      gboolean wanted = FALSE;

      if (!gmo_mcp_args_get_boolean (arguments, conveniences[i].argument, &wanted, error))
        return FALSE;
      if (wanted)
        add_unique (conveniences[i].add ? add : remove, conveniences[i].label);
    }
  if ((add_names != NULL && *add_names != NULL) || (remove_names != NULL && *remove_names != NULL))
    {
      answer = gmo_gmail_list_labels (gmail, NULL, error);
      if (answer == NULL || !gmo_mcp_mail_get_array (answer, "labels", &labels, error))
        return FALSE;
    }
  for (gsize i = 0; add_names != NULL && add_names[i] != NULL; i++)
    {
      const gchar *id = label_lookup (labels, add_names[i], error);

      if (id == NULL)
        return FALSE;
      add_unique (add, id);
    }
  for (gsize i = 0; remove_names != NULL && remove_names[i] != NULL; i++)
    {
      const gchar *id = label_lookup (labels, remove_names[i], error);

      if (id == NULL)
        return FALSE;
      add_unique (remove, id);
    }

  for (guint i = 0; i < add->len; i++)
    if (g_ptr_array_find_with_equal_func (remove, g_ptr_array_index (add, i), g_str_equal, NULL))
      {
        g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                     _("Label %s cannot be both added and removed"),
                     (const gchar *) g_ptr_array_index (add, i));
        return FALSE;
      }
  if (add->len == 0 && remove->len == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Nothing to change: give add_labels, remove_labels, mark_read, "
                     "mark_unread, archive, star or unstar"));
      return FALSE;
    }
  g_ptr_array_add (add, NULL);
  g_ptr_array_add (remove, NULL);
  return TRUE;
}

static json_object *
tool_modify_labels (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (GPtrArray) add = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) remove = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (json_object) modified = NULL;
  const gchar *message_id = NULL;

  if (!gmo_mcp_args_get_string (arguments, "message_id", &message_id, &error))
    goto out;
  if (message_id == NULL)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE, _("message_id is required"));
      goto out;
    }
  gmail = gmo_mcp_gmail_new (arguments, &error);
  if (gmail == NULL || !modify_collect (gmail, arguments, add, remove, &error))
    goto out;
  modified = gmo_gmail_modify (gmail, message_id, (const gchar *const *) add->pdata,
                               (const gchar *const *) remove->pdata, NULL, &error);
  if (modified == NULL)
    goto out;
  return message_result (gmail, modified);

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

/* Sending and drafting add a message and overwrite nothing (not
 * destructive), but twice is two messages (not idempotent). Changing labels
 * can remove them (destructive); the same change twice is one change. */
static const GmoMcpTool mail_write_tools[] = {
  { "gmail_send_message", "Send a Gmail message",
    "Send a message from a Gmail account stored in the user's keyring: to, cc, bcc, subject, a "
    "plain-text body and optionally an HTML one. With reply_to_message_id it is a reply in that "
    "message's thread.",
    send_schema, send_output, GMO_MCP_TOOL_OPEN_WORLD, tool_send_message },
  { "gmail_create_draft", "Create a Gmail draft",
    "Create a draft in a Gmail account stored in the user's keyring, with the same fields as "
    "gmail_send_message; it is not sent.",
    draft_schema, draft_output, GMO_MCP_TOOL_OPEN_WORLD, tool_create_draft },
  { "gmail_modify_labels", "Change a Gmail message's labels",
    "Add or remove labels of a message of a Gmail account stored in the user's keyring, by name "
    "or id; or mark it read or unread, archive it (out of the inbox), star or unstar it.",
    modify_schema, modify_output,
    GMO_MCP_TOOL_DESTRUCTIVE | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_OPEN_WORLD,
    tool_modify_labels },
};

/**
 * gmo_mcp_mail_write_tools:
 * @out_n: (out): the number of tools
 *
 * Returns: (transfer none) (array length=out_n): the keyring-backed mail
 * tools that send or change something.
 */
const GmoMcpTool *
gmo_mcp_mail_write_tools (gsize *out_n)
{
  *out_n = G_N_ELEMENTS (mail_write_tools);
  return mail_write_tools;
}
