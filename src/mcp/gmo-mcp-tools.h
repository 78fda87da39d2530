/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gmo-mcp.h"

G_BEGIN_DECLS

/* The stdio loop (gmo-mcp-serve.c). */
gboolean gmo_mcp_serve_prepare (GError **error);
int gmo_mcp_serve (GmoMcpServer *server);

G_END_DECLS
