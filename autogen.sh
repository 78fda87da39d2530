#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the build system; run it once in a fresh clone, then ./configure.
set -e
srcdir=$(dirname "$0")
cd "$srcdir"
autoreconf --force --install --verbose
# automake does not install the TAP driver by itself.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
