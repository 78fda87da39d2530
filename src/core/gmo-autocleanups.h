/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Autocleanup definitions for the third-party types we use, in one place. */

#include <glib.h>
#include <curl/curl.h>
#include <json-c/json.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURL, curl_easy_cleanup)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURLU, curl_url_cleanup)
typedef struct curl_slist curl_slist;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (curl_slist, curl_slist_free_all)
static inline void
gmo_json_object_unref (json_object *object)
{
  json_object_put (object);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, gmo_json_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_tokener, json_tokener_free)
