/* SPDX-License-Identifier: GPL-3.0-or-later */
/* placeholder */
#include "git-credential-gmail-oauth.c"
int main (int argc, char **argv) { return 0; }
