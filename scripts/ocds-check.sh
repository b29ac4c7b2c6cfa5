#!/usr/bin/env bash
# Checks an OCDS release or record package as the open-contracting community's tools read it, offline: the OCDS 1.1.5
# schema kept in Contracts/ocds with the Spokes extension, libcoveocds' additional checks, every field in a declared
# extension, and with --cardinal the fields OCDS Cardinal's indicators read. The tools come from PyPI when missing.
# See scripts/ocds_check.py. Usage: scripts/ocds-check.sh PACKAGE.json [--cardinal]
set -euo pipefail
exec python3 "$(cd "$(dirname "$0")" && pwd)/ocds_check.py" "$@"
