#!/usr/bin/env bash
# usage: gnutls-init-skipped.sh AGENT
# The agent opts out of GnuTLS' implicit initialisation (src/main.cc, _gnutls_global_init_skip):
# GnuTLS is loaded only as a dependency of libcurl's librtmp and libldap and never used, and its
# constructor costs 0.7-1.4 MiB of RSS. The opt-out works only if GnuTLS' call binds to the
# agent's definition, which needs the executable to export it (CMakeLists.txt). The dynamic
# linker's own trace (LD_DEBUG=bindings, ld.so(8)) shows where the call went. Exit 77 (skip) when
# this libcurl does not load GnuTLS at all.
set -euo pipefail
agent="$1"
# ldd's whole output first: `ldd | grep -q` under pipefail fails when grep's early exit kills ldd.
libs=$(ldd "$agent")
if ! grep -q 'libgnutls\.so' <<< "$libs"; then
  echo "SKIP: $agent does not load GnuTLS"
  exit 77
fi
trace=$(LD_DEBUG=bindings "$agent" --version 2>&1 >/dev/null || true)
binding=$(printf '%s\n' "$trace" | grep "symbol \`_gnutls_global_init_skip'" || true)
if [ -z "$binding" ]; then
  echo "FAIL: GnuTLS never looked up _gnutls_global_init_skip (no binding in the LD_DEBUG trace)"
  exit 1
fi
echo "$binding"
case "$binding" in
  *"to $agent "*) echo "PASS: GnuTLS' implicit initialisation is skipped by the agent's definition" ;;
  *)
    echo "FAIL: GnuTLS' _gnutls_global_init_skip binds to the library's own weak definition, not the agent's (is it exported?)"
    exit 1
    ;;
esac
