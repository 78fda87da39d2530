/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading a tool call's arguments: each reader checks the JSON type, so that
 * a model's `"max_results": "10"` or `"mark_read": 1` is a clear usage error
 * rather than a value taken on trust. An absent member and `null` both mean
 * "not given". Pure functions, unit-tested in tests/test-mcp.c. */
#include "config.h"

#include <inttypes.h>

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp.h"

static json_object *
get_member (json_object *arguments, const gchar *name)
{
  json_object *member = NULL;

  if (!json_object_object_get_ex (arguments, name, &member)
      || json_object_is_type (member, json_type_null))
    return NULL;
  return member;
}

/**
 * gmo_mcp_args_get_string:
 * @arguments: a call's arguments object
 * @name: the member
 * @out_value: (out) (transfer none) (nullable): the string, borrowed from
 *   @arguments; %NULL when absent, null or empty
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Returns: %FALSE if the member is there but is no string (or holds a NUL).
 */
gboolean
gmo_mcp_args_get_string (json_object *arguments, const gchar *name, const gchar **out_value,
                         GError **error)
{
  json_object *member = get_member (arguments, name);

  *out_value = NULL;
  if (member == NULL)
    return TRUE;
  if (!gmo_json_is_c_string (member))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s must be a string"), name);
      return FALSE;
    }
  if (json_object_get_string_len (member) > 0)
    *out_value = json_object_get_string (member);
  return TRUE;
}

/**
 * gmo_mcp_args_get_line:
 * @arguments: a call's arguments object
 * @name: the member
 * @out_value: (out) (transfer none) (nullable): as gmo_mcp_args_get_string()
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * A string that becomes (part of) a header: an address list, a subject. A
 * line break in it would be read as folding white space, so that "a@x\nBcc:
 * b@y" turns into a group named "Bcc": such a value is refused instead.
 * (gmo_mime_build() refuses a line break in a subject, but GMime's lenient
 * address parser takes one in an address list, although a line break not
 * followed by white space is no folding at all.)
 *
 * Returns: %FALSE if the member is no string or holds a CR or LF.
 */
gboolean
gmo_mcp_args_get_line (json_object *arguments, const gchar *name, const gchar **out_value,
                       GError **error)
{
  if (!gmo_mcp_args_get_string (arguments, name, out_value, error))
    return FALSE;
  if (*out_value != NULL && strpbrk (*out_value, "\r\n") != NULL)
    {
      *out_value = NULL;
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s must be one line"), name);
      return FALSE;
    }
  return TRUE;
}

/**
 * gmo_mcp_args_get_int:
 * @arguments: a call's arguments object
 * @name: the member
 * @min: the smallest value accepted
 * @max: the largest value accepted
 * @inout_value: (inout): the default in, the value out (unchanged when the
 *   member is absent or null)
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Returns: %FALSE if the member is no integer (1.5, "10", true) or is out of
 * [@min, @max].
 */
gboolean
gmo_mcp_args_get_int (json_object *arguments, const gchar *name, gint64 min, gint64 max,
                      gint64 *inout_value, GError **error)
{
  json_object *member = get_member (arguments, name);
  gint64 value;

  if (member == NULL)
    return TRUE;
  /* json-c saturates integers beyond 64 bits, which stay out of range. */
  value = json_object_get_int64 (member);
  if (!json_object_is_type (member, json_type_int) || value < min || value > max)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("%s must be an integer from %" PRId64 " to %" PRId64), name,
                   min, max);
      return FALSE;
    }
  *inout_value = value;
  return TRUE;
}

/**
 * gmo_mcp_args_get_boolean:
 * @arguments: a call's arguments object
 * @name: the member
 * @inout_value: (inout): the default in, the value out
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Returns: %FALSE if the member is there but is not true or false.
 */
gboolean
gmo_mcp_args_get_boolean (json_object *arguments, const gchar *name, gboolean *inout_value,
                          GError **error)
{
  json_object *member = get_member (arguments, name);

  if (member == NULL)
    return TRUE;
  if (!json_object_is_type (member, json_type_boolean))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s must be true or false"), name);
      return FALSE;
    }
  *inout_value = json_object_get_boolean (member);
  return TRUE;
}

/**
 * gmo_mcp_args_get_strv:
 * @arguments: a call's arguments object
 * @name: the member
 * @out_value: (out) (transfer full) (nullable): the strings, %NULL-terminated;
 *   %NULL when the member is absent or null
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Returns: %FALSE if the member is no array of non-empty strings.
 */
gboolean
gmo_mcp_args_get_strv (json_object *arguments, const gchar *name, GStrv *out_value,
                       GError **error)
{
  json_object *member = get_member (arguments, name);
  g_autoptr (GStrvBuilder) builder = NULL;

  *out_value = NULL;
  if (member == NULL)
    return TRUE;
  if (!json_object_is_type (member, json_type_array))
    goto bad;
  builder = g_strv_builder_new ();
  for (size_t i = 0; i < json_object_array_length (member); i++)
    {
      json_object *item = json_object_array_get_idx (member, i);

      if (!gmo_json_is_c_string (item) || json_object_get_string_len (item) == 0)
        goto bad;
      g_strv_builder_add (builder, json_object_get_string (item));
    }
  *out_value = g_strv_builder_end (builder);
  return TRUE;

bad:
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s must be an array of non-empty strings"),
               name);
  return FALSE;
}
