/* SPDX-License-Identifier: GPL-3.0-or-later */
/* STUB: `gmail-oauth login` and `gmail-oauth doctor` are being written. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-cli.h"
#include "gmo-error.h"

int
gmo_cli_login (int argc, char **argv)
{
  g_printerr ("gmail-oauth: %s\n", _("login is not implemented yet"));
  return GMO_EXIT_FAILURE;
}

int
gmo_cli_doctor (int argc, char **argv)
{
  g_printerr ("gmail-oauth: %s\n", _("doctor is not implemented yet"));
  return GMO_EXIT_FAILURE;
}
