#!/usr/bin/env bash
# Installs what Spokes needs from Debian when it is missing: the PostgreSQL server and client,
# libpq and OpenSSL headers. Run as root it installs; otherwise it says what to install.
set -euo pipefail

need=()
have_server() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_server || need+=(postgresql postgresql-contrib)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
dpkg -s libpq-dev >/dev/null 2>&1 || need+=(libpq-dev)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)  # ZIPFoundation (XLSX)

. "$(dirname "$0")/debian.sh"
install_missing setup ${need[@]+"${need[@]}"}

# The Debian package starts a system cluster on port 5432; Spokes does not need it (it runs its own
# on a Unix socket), but it does no harm either.
command -v swift >/dev/null 2>&1 || [ -x /opt/swift/usr/bin/swift ] || {
    echo "setup: Swift 6 is not installed (expected swift on the PATH or at /opt/swift)" >&2
    exit 1
}
