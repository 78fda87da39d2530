#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth list` with 1, 100 and 400 stored accounts, as whole processes,
# beside a floor from the same run: `secret-tool search --all` of one item
# (one keyring search and one secret read). Target: 400 accounts <= 3x one.
set -eu
runs=${GMO_BENCH_RUNS:-20}
ctl() { "$top_srcdir/tests/fake-google-ctl" "$@"; }
ctl POST /control/client '{"client_id":"list","client_secret":"list-secret"}' >/dev/null
printf 'bench' | secret-tool store --label=bench bench item

# The same default collection, grown between the rounds: each round lists N.
add_accounts() { # FROM TO
  for i in $(seq "$1" "$2"); do
    printf '{"type":"authorized_user","client_id":"list","client_secret":"list-secret","refresh_token":"1//list-%d"}' "$i" \
      | gmail-oauth import "list$i@example.com" 2>/dev/null
  done
}

add_accounts 1 1
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: secret-tool search (one item)=secret-tool search bench item 2>/dev/null" \
  "gmail-oauth list, 1 account=gmail-oauth list"
add_accounts 2 100
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: secret-tool search (one item)=secret-tool search bench item 2>/dev/null" \
  "gmail-oauth list, 100 accounts=gmail-oauth list"
add_accounts 101 400
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: secret-tool search (one item)=secret-tool search bench item 2>/dev/null" \
  "gmail-oauth list, 400 accounts=gmail-oauth list"
