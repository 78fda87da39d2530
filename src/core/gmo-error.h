/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The error classes of DESIGN.md, shared by every door. Keep in step with the
 * table in gmo-error.c (a static assertion checks the count). */
typedef enum
{
  GMO_ERROR_NO_ACCOUNT,   /* no record for that account */
  GMO_ERROR_REAUTHORIZE,  /* invalid_grant: the user must log in again */
  GMO_ERROR_BAD_CLIENT,   /* invalid_client, unauthorized_client */
  GMO_ERROR_TRANSIENT,    /* network, timeout, 5xx, 429: retry later */
  GMO_ERROR_BAD_RESPONSE, /* the endpoint answered nonsense */
  GMO_ERROR_KEYRING,      /* no Secret Service, locked, prompt dismissed */
  GMO_ERROR_USAGE,        /* bad arguments or protocol input */
  GMO_ERROR_SCOPE,        /* the grant lacks a scope the call needs (Gmail API 403) */
} GmoError;

#define GMO_ERROR_N_CLASSES 8

#define GMO_ERROR (gmo_error_quark ())
GQuark gmo_error_quark (void);

int gmo_error_exit_status (const GError *error);
const char *gmo_error_class_name (const GError *error);
const char *gmo_error_class_name_for_code (GmoError code);

/* Exit statuses of the command-line programs, one per class. */
#define GMO_EXIT_OK 0
#define GMO_EXIT_FAILURE 1 /* an error outside the classes (a bug) */
#define GMO_EXIT_USAGE 2
#define GMO_EXIT_NO_ACCOUNT 3
#define GMO_EXIT_REAUTHORIZE 4
#define GMO_EXIT_BAD_CLIENT 5
#define GMO_EXIT_TRANSIENT 6
#define GMO_EXIT_BAD_RESPONSE 7
#define GMO_EXIT_KEYRING 8
#define GMO_EXIT_SCOPE 9

G_END_DECLS
