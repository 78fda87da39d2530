/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The keyring record, against a real gnome-keyring-daemon (tests/with-session). */
#include "config.h"

#include <string.h>

#include <libsecret/secret.h>

#include "gmo-error.h"
#include "gmo-store.h"

static const SecretSchema grant_schema = {
  "io.github.gmail_oauth.Grant",
  SECRET_SCHEMA_NONE,
  {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "version", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { NULL, 0 },
  },
};

static GmoGrant *
make_grant (const gchar *account)
{
  GmoGrant *grant = gmo_grant_new (account);

  grant->client_id = g_strdup ("client.apps.googleusercontent.com");
  grant->client_secret = gmo_secret_dup ("client-secret-value");
  grant->refresh_token = gmo_secret_dup ("1//refresh-token-value");
  grant->access_token = gmo_secret_dup ("ya29.access-token-value");
  grant->expires_at = 2000000000;
  grant->scopes = g_strdup ("https://mail.google.com/");
  grant->granted_at = 1700000000;
  return grant;
}

static void
remove_all (void)
{
  g_autoptr (GPtrArray) grants = gmo_store_list (NULL, NULL);

  for (guint i = 0; grants != NULL && i < grants->len; i++)
    gmo_store_remove (((GmoGrant *) g_ptr_array_index (grants, i))->account, NULL, NULL, NULL);
}

static void
test_roundtrip (void)
{
  g_autoptr (GmoGrant) grant = make_grant ("me@example.com");
  g_autoptr (GmoGrant) back = NULL;
  g_autoptr (GError) error = NULL;

  remove_all ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_no_error (error);
  back = gmo_store_lookup ("me@example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->account, ==, "me@example.com");
  g_assert_cmpstr (back->client_id, ==, grant->client_id);
  g_assert_cmpstr (back->client_secret, ==, grant->client_secret);
  g_assert_cmpstr (back->refresh_token, ==, grant->refresh_token);
  g_assert_cmpstr (back->access_token, ==, grant->access_token);
  g_assert_cmpint (back->expires_at, ==, grant->expires_at);
  g_assert_cmpstr (back->scopes, ==, grant->scopes);
  g_assert_cmpint (back->granted_at, ==, grant->granted_at);
}

static void
test_lookup_missing (void)
{
  g_autoptr (GError) error = NULL;

  remove_all ();
  g_assert_null (gmo_store_lookup ("nobody@example.com", NULL, &error));
  g_assert_no_error (error);
}

static void
test_overwrite_one_record (void)
{
  g_autoptr (GmoGrant) grant = make_grant ("me@example.com");
  g_autoptr (GmoGrant) back = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;

  remove_all ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  gmo_secret_free (grant->refresh_token);
  grant->refresh_token = gmo_secret_dup ("1//rotated");
  gmo_grant_forget_access_token (grant);
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_no_error (error);

  all = gmo_store_list (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  back = gmo_store_lookup ("me@example.com", NULL, &error);
  g_assert_cmpstr (back->refresh_token, ==, "1//rotated");
  g_assert_null (back->access_token);
  g_assert_cmpint (back->expires_at, ==, 0);
}

static void
test_list_sorted (void)
{
  static const char *const accounts[] = { "c@example.com", "a@example.com", "b@example.com" };
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;

  remove_all ();
  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    {
      g_autoptr (GmoGrant) grant = make_grant (accounts[i]);

      g_assert_true (gmo_store_save (grant, NULL, &error));
    }
  all = gmo_store_list (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpstr (((GmoGrant *) all->pdata[0])->account, ==, "a@example.com");
  g_assert_cmpstr (((GmoGrant *) all->pdata[1])->account, ==, "b@example.com");
  g_assert_cmpstr (((GmoGrant *) all->pdata[2])->account, ==, "c@example.com");
}

/* gnome-keyring lost items when `list` made one proxy per record and there
 * were hundreds (a keyring error, GLib criticals): now one GetSecrets call. */
static void
test_list_many (void)
{
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;
  const guint n = 300;

  remove_all ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *account = g_strdup_printf ("many%03u@example.com", i);
      g_autoptr (GmoGrant) grant = make_grant (account);

      g_assert_true (gmo_store_save (grant, NULL, &error));
      g_assert_no_error (error);
    }
  all = gmo_store_list (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const GmoGrant *grant = g_ptr_array_index (all, i);
      g_autofree gchar *expected = g_strdup_printf ("many%03u@example.com", i);

      g_assert_cmpstr (grant->account, ==, expected);
      g_assert_cmpstr (grant->refresh_token, ==, "1//refresh-token-value");
    }
  remove_all ();
}

/* A record written before the secret named its account is listed from its
 * attributes. */
static void
test_list_old_record (void)
{
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;

  remove_all ();
  g_assert_true (secret_password_store_sync (
      &grant_schema, SECRET_COLLECTION_DEFAULT, "old",
      "{\"client_id\": \"old.apps\", \"refresh_token\": \"1//old\", \"granted_at\": 1}", NULL,
      &error, "account", "old@example.com", "version", 1, NULL));
  g_assert_no_error (error);
  all = gmo_store_list (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (((GmoGrant *) all->pdata[0])->account, ==, "old@example.com");
  g_assert_cmpstr (((GmoGrant *) all->pdata[0])->client_id, ==, "old.apps");
  remove_all ();
}

static void
test_remove (void)
{
  g_autoptr (GmoGrant) grant = make_grant ("me@example.com");
  g_autoptr (GError) error = NULL;
  gboolean removed = FALSE;

  remove_all ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_assert_true (gmo_store_remove ("me@example.com", &removed, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (removed);
  g_assert_true (gmo_store_remove ("me@example.com", &removed, NULL, &error));
  g_assert_false (removed);
  g_assert_null (gmo_store_lookup ("me@example.com", NULL, &error));
  g_assert_no_error (error);
}

/* Attributes are not confidential: no secret may be among them, and the label
 * is human-readable. */
static void
test_no_secret_in_attributes (void)
{
  g_autoptr (GmoGrant) grant = make_grant ("me@example.com");
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GList *items;
  GHashTableIter iter;
  gpointer key, value;
  SecretItem *item;
  g_autofree gchar *label = NULL;

  remove_all ();
  g_assert_true (gmo_store_save (grant, NULL, &error));
  g_hash_table_insert (query, (gpointer) "account", (gpointer) "me@example.com");
  items = secret_service_search_sync (NULL, &grant_schema, query, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  item = items->data;
  label = secret_item_get_label (item);
  g_assert_cmpstr (label, ==, "Gmail OAuth: me@example.com");
  {
    g_autoptr (GHashTable) attributes = secret_item_get_attributes (item);

    g_assert_cmpstr (g_hash_table_lookup (attributes, "version"), ==, "1");
    g_hash_table_iter_init (&iter, attributes);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_assert_null (strstr (value, "secret-value"));
        g_assert_null (strstr (value, "token-value"));
      }
  }
  g_list_free_full (items, g_object_unref);
}

static void
test_damaged_record (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) good = make_grant ("good@example.com");
  g_autoptr (GPtrArray) all = NULL;

  remove_all ();
  g_assert_true (gmo_store_save (good, NULL, &error));
  g_assert_true (secret_password_store_sync (&grant_schema, SECRET_COLLECTION_DEFAULT, "bad",
                                             "{not json", NULL, &error, "account",
                                             "bad@example.com", "version", 1, NULL));
  g_assert_null (gmo_store_lookup ("bad@example.com", NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_KEYRING);
  g_clear_error (&error);

  /* One damaged record does not hide the others. */
  g_test_expect_message ("gmail-oauth", G_LOG_LEVEL_WARNING, "*bad@example.com*");
  all = gmo_store_list (NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (((GmoGrant *) all->pdata[0])->account, ==, "good@example.com");
}

static void
test_no_keyring (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GmoGrant) grant = make_grant ("me@example.com");

      /* A fresh process that has not connected yet: point it at no bus. */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
      g_assert_null (gmo_store_lookup ("me@example.com", NULL, &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_KEYRING);
      g_clear_error (&error);
      g_assert_false (gmo_store_save (grant, NULL, &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_KEYRING);
      g_assert_null (strstr (error->message, "secret-value"));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/roundtrip", test_roundtrip);
  g_test_add_func ("/store/lookup-missing", test_lookup_missing);
  g_test_add_func ("/store/overwrite-one-record", test_overwrite_one_record);
  g_test_add_func ("/store/list-sorted", test_list_sorted);
  g_test_add_func ("/store/list-many", test_list_many);
  g_test_add_func ("/store/list-old-record", test_list_old_record);
  g_test_add_func ("/store/remove", test_remove);
  g_test_add_func ("/store/no-secret-in-attributes", test_no_secret_in_attributes);
  g_test_add_func ("/store/damaged-record", test_damaged_record);
  g_test_add_func ("/store/no-keyring", test_no_keyring);
  return g_test_run ();
}
