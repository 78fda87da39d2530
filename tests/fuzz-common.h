/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the fuzz targets share (tests/fuzz-*.c, one per parser of untrusted
 * input). Each target defines LLVMFuzzerTestOneInput() and gmo_fuzz_target,
 * the name of its seed directory under tests/fuzz/. Built two ways:
 * - configure --enable-fuzzing (CC=clang): libFuzzer binaries, run by
 *   `make fuzz`; every parser must return, whatever the bytes, without a
 *   sanitizer report or a GLib warning;
 * - otherwise: tests that replay every file of their seed directory (seeds,
 *   and inputs that once failed) through the same entry point. */

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

extern const char gmo_fuzz_target[];

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

gsize gmo_fuzz_piece (const gchar *data, gsize len, gsize done, gsize max);
void gmo_fuzz_assert_one_line (const gchar *text);

G_END_DECLS
