/* SPDX-License-Identifier: GPL-3.0-or-later */
/* STUB: `gmail-oauth mcp` is being written. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-cli.h"
#include "gmo-error.h"

int
gmo_cli_mcp (int argc, char **argv)
{
  g_printerr ("gmail-oauth: %s\n", _("mcp is not implemented yet"));
  return GMO_EXIT_FAILURE;
}
