/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "gmo-error.h"
#include "gmo-secret.h"

G_BEGIN_DECLS

#define GMO_JSON_MAX_DEPTH 32

json_object *gmo_json_parse (const gchar *data, gsize len, GmoError code, GError **error);

/* The same rules for a document that arrives in pieces (an HTTP answer). */
typedef struct _GmoJsonParser GmoJsonParser;
GmoJsonParser *gmo_json_parser_new (GmoError code);
void gmo_json_parser_reset (GmoJsonParser *parser);
/* Gets the bytes of a diverted string member; %NULL @data: start again. */
typedef gboolean (*GmoJsonStringSink) (const gchar *data, gsize len, gpointer user_data,
                                       GError **error);
void gmo_json_parser_divert (GmoJsonParser *parser, const gchar *key, GmoJsonStringSink sink,
                             gpointer user_data);
gboolean gmo_json_parser_feed (GmoJsonParser *parser, const gchar *data, gsize len,
                               GError **error);
json_object *gmo_json_parser_finish (GmoJsonParser *parser, GError **error);
void gmo_json_parser_free (GmoJsonParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoJsonParser, gmo_json_parser_free)
const gchar *gmo_json_get_string (json_object *object, const gchar *key);
gboolean gmo_json_is_c_string (json_object *value);
gboolean gmo_json_get_int64 (json_object *object, const gchar *key, gint64 *out_value);
gchar *gmo_json_to_string (json_object *object);
GmoSecret *gmo_json_to_secret (json_object *object);
void gmo_json_wipe_put (json_object *object);

typedef json_object GmoSecretJson;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoSecretJson, gmo_json_wipe_put)

G_END_DECLS
