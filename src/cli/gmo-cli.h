/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "gmo-store.h"

G_BEGIN_DECLS

/* Subcommands of `gmail-oauth` that live in their own files. Each takes the
 * arguments after the program name (argv[0] is the subcommand) and returns the
 * exit status. */
int gmo_cli_login (int argc, char **argv);
int gmo_cli_doctor (int argc, char **argv);
int gmo_cli_mcp (int argc, char **argv);
int gmo_cli_sendmail (int argc, char **argv);
int gmo_cli_import (int argc, char **argv);
int gmo_cli_list (int argc, char **argv);
int gmo_cli_status (int argc, char **argv);
int gmo_cli_remove (int argc, char **argv);
int gmo_cli_allow (int argc, char **argv);
int gmo_cli_deny (int argc, char **argv);
int gmo_cli_config (int argc, char **argv);

int gmo_cli_report (const GError *error);
gboolean gmo_cli_parse_options (GOptionContext *context, int *argc, char ***argv,
                                int min_args, int max_args, GError **error);
gboolean gmo_cli_write_stdout (const gchar *text, GError **error);
gchar *gmo_cli_read_stdin_secret (gsize max_len, GError **error);
json_object *gmo_cli_grant_to_json (const GmoGrant *grant, gint64 now);
GmoGrant *gmo_cli_import_parse (const gchar *account, const gchar *contents, gsize len,
                                GError **error);

/* The loopback listener of `login` (gmo-cli-listener.c). */
GSocketService *gmo_cli_listen_loopback (guint16 port, guint16 *out_port, GError **error);
GmoSecret *gmo_cli_wait_for_code (GSocketService *service, const gchar *redirect_uri,
                                  guint16 port, const gchar *url, const gchar *state,
                                  gboolean open_browser, guint timeout, GError **error);

G_END_DECLS
