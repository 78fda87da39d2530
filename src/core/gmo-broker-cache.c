/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The broker's access tokens in memory, for the long-running doors that ask
 * for it (the MCP server): in front of the keyring, never holding the refresh
 * token or the client secret. */
#include "config.h"

#include "gmo-broker.h"
#include "gmo-broker-private.h"
#include "gmo-util.h"

/* Access tokens kept in memory by a long-running door (gmo_broker_cache_tokens()):
 * normalised account -> a GmoGrant holding only the account, the access token,
 * its expiry and the scopes (never the refresh token or the client secret). */
static GMutex token_cache_lock;
static GHashTable *token_cache;

/**
 * gmo_broker_cache_tokens:
 *
 * For a long-running door (the MCP server): valid access tokens are kept in
 * memory and handed out again without reading the keyring, as gmail-oauthd
 * does, until they near their expiry or a forced refresh replaces them.
 */
void
gmo_broker_cache_tokens (void)
{
  g_mutex_lock (&token_cache_lock);
  if (token_cache == NULL)
    token_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) gmo_grant_free);
  g_mutex_unlock (&token_cache_lock);
}

/* (transfer full) (nullable): a fresh cached token of @account. */
GmoGrant *
gmo_broker_cached_token (const gchar *account, gint64 min_valid)
{
  GmoGrant *copy = NULL;
  const GmoGrant *cached;

  g_mutex_lock (&token_cache_lock);
  cached = token_cache != NULL ? g_hash_table_lookup (token_cache, account) : NULL;
  if (cached != NULL && gmo_broker_token_is_fresh (cached, min_valid, gmo_now ()))
    copy = gmo_grant_copy (cached);
  g_mutex_unlock (&token_cache_lock);
  return copy;
}

void
gmo_broker_cache_token (const GmoGrant *grant)
{
  GmoGrant *kept;

  g_mutex_lock (&token_cache_lock);
  if (token_cache != NULL && grant->access_token != NULL)
    {
      kept = gmo_grant_new (grant->account);
      kept->access_token = gmo_secret_dup (grant->access_token);
      kept->expires_at = grant->expires_at;
      kept->scopes = g_strdup (grant->scopes);
      g_hash_table_replace (token_cache, g_strdup (grant->account), kept);
    }
  g_mutex_unlock (&token_cache_lock);
}

/**
 * gmo_broker_forget_tokens:
 *
 * Drops every access token kept in memory (gmo_broker_cache_tokens()), for a
 * long-running door that learns that the keyring changed: a record removed
 * or replaced by another process must not be served from memory.
 */
void
gmo_broker_forget_tokens (void)
{
  g_mutex_lock (&token_cache_lock);
  if (token_cache != NULL)
    g_hash_table_remove_all (token_cache);
  g_mutex_unlock (&token_cache_lock);
}

void
gmo_broker_uncache (const gchar *account)
{
  g_mutex_lock (&token_cache_lock);
  if (token_cache != NULL)
    g_hash_table_remove (token_cache, account);
  g_mutex_unlock (&token_cache_lock);
}

/**
 * gmo_broker_offer_token:
 * @grant: a grant just read from the keyring
 *
 * For a long-running door that has read a record itself (the MCP server
 * finding the only account): its access token goes into the cache of
 * gmo_broker_cache_tokens(), so that the next gmo_broker_get_token() does
 * not read the keyring again to find the same token. It is served only while
 * it is fresh. Does nothing without that cache.
 */
void
gmo_broker_offer_token (const GmoGrant *grant)
{
  g_return_if_fail (grant != NULL);

  gmo_broker_cache_token (grant);
}
