/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "gmo-store.h"

G_BEGIN_DECLS

/* Subcommands of `gmail-oauth` that live in their own files. Each takes the
 * arguments after the program name (argv[0] is the subcommand) and returns the
 * exit status. */
int gmo_cli_login (int argc, char **argv);
int gmo_cli_doctor (int argc, char **argv);
int gmo_cli_mcp (int argc, char **argv);

int gmo_cli_report (const GError *error);
gboolean gmo_cli_parse_options (GOptionContext *context, int *argc, char ***argv,
                                int min_args, int max_args, GError **error);
gchar *gmo_cli_read_stdin_secret (gsize max_len, GError **error);
json_object *gmo_cli_grant_to_json (const GmoGrant *grant, gint64 now);

G_END_DECLS
