/* SPDX-License-Identifier: GPL-3.0-or-later */
/* git-credential-gmail-oauth, so that `git config credential.helper gmail-oauth`
 * finds it: the helper itself is in gmo-git-helper.c. */
#include "config.h"

#include "gmo-git.h"

int
main (int argc, char **argv)
{
  return gmo_git_main (argc, argv);
}
