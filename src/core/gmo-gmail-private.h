/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the two halves of the Gmail client (gmo-gmail.c makes requests,
 * gmo-gmail-calls.c the calls), and the fuzz target of its answer handling;
 * not for doors. */

#include <gio/gio.h>
#include <json-c/json.h>

#include "gmo-gmail.h"
#include "gmo-json.h"

G_BEGIN_DECLS

/* What a call does: the scope error names the scope it needs. */
typedef enum
{
  GMO_GMAIL_NEED_READ,
  GMO_GMAIL_NEED_SEND,
  GMO_GMAIL_NEED_DRAFT,
  GMO_GMAIL_NEED_MODIFY,
  GMO_GMAIL_NEED_LABELS,
} GmoGmailNeed;

json_object *gmo_gmail_perform (GmoGmail *gmail, GmoGmailNeed need, const gchar *method,
                                gboolean upload, const gchar *path, const GString *query,
                                const gchar *content_type, const gchar *body, gsize body_len,
                                gsize max_answer, GCancellable *cancellable, GError **error);
json_object *gmo_gmail_perform_parsed (GmoGmail *gmail, GmoGmailNeed need, const gchar *method,
                                       const gchar *path, const GString *query,
                                       gsize max_answer, GmoJsonParser *parser,
                                       GCancellable *cancellable, GError **error);
void gmo_gmail_error_from_answer (long status, const gchar *body, gsize body_len,
                                  const gchar *account, const gchar *scopes, GmoGmailNeed need,
                                  gboolean refreshed, gboolean *out_retry, gchar **out_details,
                                  GError **error);
GBytes *gmo_gmail_take_raw (json_object *answer, GError **error);
gboolean gmo_gmail_check_id (const gchar *id, GError **error);
gboolean gmo_gmail_check_text (const gchar *text, const gchar *name, GError **error);
gchar *gmo_gmail_item_path (const gchar *collection, const gchar *id, const gchar *rest);

G_END_DECLS
