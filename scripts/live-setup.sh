#!/usr/bin/env bash
# What the live tests (Tests/Live) need beyond `make test`'s own set-up: Debian's chromium and
# chromium-driver for the browser journeys, and a Python virtual environment in .build/live-venv with
# schemathesis and selenium (Tests/Live/requirements.txt). Run as root it installs the Debian packages;
# otherwise it says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)  # faults.py proxy (in /usr/sbin, off a user's PATH)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # faults.py proxy: its self-signed certificate
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)  # Chinese in the screenshots
dpkg -s python3-venv >/dev/null 2>&1 || python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
. "$(dirname "$0")/debian.sh"
install_missing live-setup ${need[@]+"${need[@]}"}

# CPython 3.11 before 3.11.8 raises "SystemError: AST constructor recursion depth mismatch" now and then in threaded
# programs (python/cpython#106905), and the fuzzer runs two worker threads: a newer Python is taken when there is one.
python=python3
pyenv="${PYENV_ROOT:-$HOME/.pyenv}/versions"
for candidate in python3.13 "$pyenv"/3.13*/bin/python3 python3.12 "$pyenv"/3.12*/bin/python3; do
    if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
venv=.build/live-venv
stamp=$venv/.requirements
wanted="$(cat Tests/Live/requirements.txt; "$python" --version)"
if [ "$wanted" != "$(cat "$stamp" 2>/dev/null)" ]; then
    echo "live-setup: installing Tests/Live/requirements.txt into $venv with $("$python" --version)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r Tests/Live/requirements.txt
    printf '%s' "$wanted" > "$stamp"
fi
