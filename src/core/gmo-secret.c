/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "gmo-secret.h"

/**
 * gmo_wipe:
 * @data: (nullable): memory to clear
 * @len: its size in bytes
 *
 * Overwrites @len bytes at @data with zeros in a way the compiler may not
 * remove as a dead store.
 */
void
gmo_wipe (gpointer data, gsize len)
{
  if (data != NULL && len > 0)
    explicit_bzero (data, len);
}

/**
 * gmo_secret_dup:
 * @str: (nullable): a string
 *
 * Returns: (transfer full) (nullable): a copy of @str, to free with gmo_secret_free().
 */
GmoSecret *
gmo_secret_dup (const gchar *str)
{
  return g_strdup (str);
}

/**
 * gmo_secret_dup_len:
 * @str: bytes, not necessarily terminated
 * @len: how many
 *
 * Returns: (transfer full): a NUL-terminated copy, to free with gmo_secret_free().
 */
GmoSecret *
gmo_secret_dup_len (const gchar *str, gsize len)
{
  return g_strndup (str, len);
}

/**
 * gmo_secret_free:
 * @secret: (nullable) (transfer full): a secret
 *
 * Wipes and frees @secret.
 */
void
gmo_secret_free (GmoSecret *secret)
{
  if (secret == NULL)
    return;
  gmo_wipe (secret, strlen (secret));
  g_free (secret);
}

/**
 * gmo_secret_clear:
 * @secret: a pointer to a secret
 *
 * Wipes and frees *@secret and sets it to %NULL.
 */
void
gmo_secret_clear (GmoSecret **secret)
{
  gmo_secret_free (g_steal_pointer (secret));
}

/**
 * gmo_secret_equal:
 * @a: (nullable): a secret
 * @b: (nullable): a secret
 *
 * Returns: whether both are %NULL or both hold the same string.
 */
gboolean
gmo_secret_equal (const GmoSecret *a, const GmoSecret *b)
{
  return g_strcmp0 (a, b) == 0;
}

/**
 * gmo_string_wipe_free:
 * @string: (nullable) (transfer full): a string that held a secret
 *
 * Wipes the whole allocation of @string, not just its length, then frees it.
 */
void
gmo_string_wipe_free (GString *string)
{
  if (string == NULL)
    return;
  gmo_wipe (string->str, string->allocated_len);
  g_string_free (string, TRUE);
}

/**
 * gmo_bytes_wipe_free:
 * @array: (nullable) (transfer full): bytes that held a secret
 *
 * Wipes and frees @array.
 */
void
gmo_bytes_wipe_free (GByteArray *array)
{
  if (array == NULL)
    return;
  gmo_wipe (array->data, array->len);
  g_byte_array_free (array, TRUE);
}
