/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the two halves of the JSON reader share: the parser's state, which
 * gmo-json-parse.c feeds to json-c and gmo-json-scan.c follows for the checks
 * json-c does not make. */
#pragma once

#include "gmo-json.h"

G_BEGIN_DECLS

/* One JSON document read in pieces, with the checks json-c does not make.
 * The tokener is freed as soon as the value is complete, so that its copy of
 * the longest string is gone before the caller uses the value. */
struct _GmoJsonParser
{
  GmoError code;        /* the error class of a bad document */
  json_tokener *tok;    /* NULL once the value is complete */
  json_object *value;   /* the value, once complete (NULL for `null`) */
  gboolean done;        /* the value is complete: only white space may follow */
  gboolean failed;
  gboolean in_string;   /* for the lexical checks, across pieces: see gmo_json_scan() */
  gchar escape[12];     /* the escape being read in a string: "\\uD83D\\uDE00" at most */
  gsize n_escape;
  GString *number;      /* the number being read outside strings, or NULL */
  gboolean integer;     /* so far, number has only digits (after a sign) */
  gchar held[4];        /* an incomplete UTF-8 sequence at the end of a piece */
  gsize n_held;
  gsize total;

  /* What gmo_json_parser_divert() set up, kept across resets. */
  const gchar *divert_key;
  GmoJsonStringSink divert_sink;
  gpointer divert_data;

  /* Where the scan is, for the diverted member: */
  guint depth;            /* of nesting, outside strings */
  guint string_depth;     /* the depth the current string is at */
  gsize string_len;       /* its bytes so far */
  gboolean string_is_key; /* so far, it is the diverted member's name */
  guint after_key;        /* 1: that name was read, 2: and its ':' */
  gboolean diverting;     /* inside the diverted member's value */
  gboolean diverted;      /* that value was seen */
};

gsize gmo_json_scan (GmoJsonParser *parser, const gchar *data, gsize len,
                     const gchar **out_problem);
const gchar *gmo_json_scan_finish (GmoJsonParser *parser);

G_END_DECLS
