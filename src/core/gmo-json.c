/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-json.h"

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

/* Puts a placeholder, as long as escaping could make it, in place of every
 * string member of @object, keeping the strings in @saved (in walk order);
 * or, with @restore, puts them back. */
static void
swap_strings (json_object *object, GPtrArray *saved, guint *next, gboolean restore)
{
  switch (json_object_get_type (object))
    {
    case json_type_object:
      {
        json_object_object_foreach (object, key, member)
        {
          if (json_object_is_type (member, json_type_string))
            {
              if (restore)
                json_object_object_add (object, key,
                                        json_object_get (g_ptr_array_index (saved, (*next)++)));
              else
                {
                  /* \u00XX is the longest escape: six bytes for one. */
                  gsize len = 6 * (gsize) json_object_get_string_len (member) + 2;
                  g_autofree gchar *pad = g_malloc (len + 1);

                  memset (pad, 'x', len);
                  pad[len] = '\0';
                  g_ptr_array_add (saved, json_object_get (member));
                  json_object_object_add (object, key, json_object_new_string_len (pad, len));
                }
            }
          else
            swap_strings (member, saved, next, restore);
        }
      }
      break;
    case json_type_array:
      for (gsize i = 0; i < json_object_array_length (object); i++)
        swap_strings (json_object_array_get_idx (object, i), saved, next, restore);
      break;
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_int:
    case json_type_string:
      break;
    }
}

static void
put_saved (gpointer object)
{
  json_object_put (object);
}

/**
 * gmo_json_to_secret:
 * @object: a JSON object (or array) that holds a secret in its strings
 *
 * Like gmo_json_to_string(), but leaves no copy of the text behind. json-c
 * writes into a buffer of the object's that grows by realloc(), which would
 * leave partial copies in freed memory: the object is first written with
 * placeholders as long as any escaping could make its strings, so that the
 * buffer is large enough before the real text goes into it (and is wiped).
 * Strings directly inside arrays are not padded: keep secrets in members.
 *
 * Returns: (transfer full): the text, to free with gmo_secret_free().
 */
GmoSecret *
gmo_json_to_secret (json_object *object)
{
  const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
  g_autoptr (GPtrArray) saved = g_ptr_array_new_with_free_func (put_saved);
  size_t len = 0;
  guint next = 0;
  const char *text;
  GmoSecret *copy;

  swap_strings (object, saved, &next, FALSE);
  json_object_to_json_string_length (object, flags, &len);
  next = 0;
  swap_strings (object, saved, &next, TRUE);
  text = json_object_to_json_string_length (object, flags, &len);
  copy = gmo_secret_dup_len (text, len);
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
