/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-json.h"

/* json-c 0.16 accepts 'single-quoted' strings even in strict mode; RFC 8259
 * does not. A quote outside a double-quoted string is the tell. */
static gboolean
has_single_quoted_string (const gchar *data, gsize len)
{
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (in_string && data[i] == '\\')
        i++;
      else if (data[i] == '"')
        in_string = !in_string;
      else if (!in_string && data[i] == '\'')
        return TRUE;
    }
  return FALSE;
}

/**
 * gmo_json_parse:
 * @data: bytes that should hold exactly one JSON value
 * @len: their length
 * @code: the error class to report a bad document with
 * @error: return location for an error
 *
 * Parses strictly (RFC 8259, no comments or single quotes), validates UTF-8,
 * limits nesting to %GMO_JSON_MAX_DEPTH and rejects anything but white space
 * after the value. A NUL byte anywhere is an error.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with @error set;
 * also %NULL, without an error, for the document `null`.
 */
json_object *
gmo_json_parse (const gchar *data, gsize len, GmoError code, GError **error)
{
  g_autoptr (json_tokener) tok = NULL;
  g_autoptr (json_object) value = NULL;
  enum json_tokener_error jerr;
  gsize end;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > G_MAXINT)
    {
      g_set_error (error, GMO_ERROR, code, _("JSON document too large"));
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, GMO_ERROR, code, _("JSON document contains a NUL byte"));
      return NULL;
    }
  if (has_single_quoted_string (data, len))
    {
      g_set_error (error, GMO_ERROR, code, _("Invalid JSON: single-quoted string"));
      return NULL;
    }

  tok = json_tokener_new_ex (GMO_JSON_MAX_DEPTH);
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  value = json_tokener_parse_ex (tok, data, (int) len);
  jerr = json_tokener_get_error (tok);
  end = json_tokener_get_parse_end (tok);
  if (jerr == json_tokener_continue)
    {
      /* A top-level number needs a terminator to be complete. */
      value = json_tokener_parse_ex (tok, "", 1);
      jerr = json_tokener_get_error (tok);
      end = len;
    }
  if (jerr != json_tokener_success)
    {
      g_set_error (error, GMO_ERROR, code, _("Invalid JSON: %s"),
                   jerr == json_tokener_continue ? _("truncated document")
                                                 : json_tokener_error_desc (jerr));
      return NULL;
    }

  for (; end < len; end++)
    if (!g_ascii_isspace (data[end]))
      {
        g_set_error (error, GMO_ERROR, code, _("Invalid JSON: trailing data after the value"));
        return NULL;
      }

  return g_steal_pointer (&value);
}

/**
 * gmo_json_get_string:
 * @object: (nullable): a JSON value
 * @key: a member name
 *
 * Returns: (transfer none) (nullable): the member's string if @object is an
 * object with a string member @key that holds no NUL ("\u0000"), else %NULL.
 * Valid while @object lives.
 */
const gchar *
gmo_json_get_string (json_object *object, const gchar *key)
{
  json_object *member = NULL;

  if (!json_object_is_type (object, json_type_object)
      || !json_object_object_get_ex (object, key, &member)
      || !json_object_is_type (member, json_type_string))
    return NULL;
  return gmo_json_is_c_string (member) ? json_object_get_string (member) : NULL;
}

/**
 * gmo_json_is_c_string:
 * @value: (nullable): a JSON value
 *
 * Returns: %TRUE if @value is a string without NUL ("\u0000"): a C string would
 * silently cut such a value (a secret, an account, a method) short.
 */
gboolean
gmo_json_is_c_string (json_object *value)
{
  return json_object_is_type (value, json_type_string)
         && strlen (json_object_get_string (value)) == (gsize) json_object_get_string_len (value);
}

/**
 * gmo_json_get_int64:
 * @object: (nullable): a JSON value
 * @key: a member name
 * @out_value: (out): the integer
 *
 * Returns: %TRUE if @object has an integer member @key.
 */
gboolean
gmo_json_get_int64 (json_object *object, const gchar *key, gint64 *out_value)
{
  json_object *member = NULL;

  if (!json_object_is_type (object, json_type_object)
      || !json_object_object_get_ex (object, key, &member)
      || !json_object_is_type (member, json_type_int))
    return FALSE;
  *out_value = json_object_get_int64 (member);
  return TRUE;
}

/**
 * gmo_json_to_string:
 * @object: a JSON value
 *
 * Returns: (transfer full): @object as one line of compact JSON.
 */
gchar *
gmo_json_to_string (json_object *object)
{
  return g_strdup (json_object_to_json_string_ext (object, JSON_C_TO_STRING_PLAIN
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/**
 * gmo_json_to_secret:
 * @object: a JSON value that holds a secret
 *
 * Like gmo_json_to_string(), but wipes json-c's own copy of the text.
 *
 * Returns: (transfer full): the text, to free with gmo_secret_free().
 */
GmoSecret *
gmo_json_to_secret (json_object *object)
{
  size_t len = 0;
  const char *text = json_object_to_json_string_length (
      object, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  GmoSecret *copy = gmo_secret_dup_len (text, len);

  gmo_wipe ((gpointer) text, len);
  return copy;
}

static void
json_wipe_strings (json_object *object)
{
  switch (json_object_get_type (object))
    {
    case json_type_string:
      gmo_wipe ((gpointer) json_object_get_string (object), json_object_get_string_len (object));
      break;
    case json_type_object:
      {
        json_object_object_foreach (object, key, member)
        {
          (void) key;
          json_wipe_strings (member);
        }
      }
      break;
    case json_type_array:
      for (size_t i = 0; i < json_object_array_length (object); i++)
        json_wipe_strings (json_object_array_get_idx (object, i));
      break;
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_int:
      break;
    }
}

/**
 * gmo_json_wipe_put:
 * @object: (nullable) (transfer full): a JSON value that held secrets
 *
 * Wipes every string in @object, then drops the reference.
 */
void
gmo_json_wipe_put (json_object *object)
{
  if (object == NULL)
    return;
  json_wipe_strings (object);
  json_object_put (object);
}
