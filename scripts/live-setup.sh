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
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)  # Chinese in the screenshots
dpkg -s python3-venv >/dev/null 2>&1 || python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
. "$(dirname "$0")/debian.sh"
install_missing live-setup ${need[@]+"${need[@]}"}

venv=.build/live-venv
stamp=$venv/.requirements
if ! cmp -s Tests/Live/requirements.txt "$stamp" 2>/dev/null; then
    echo "live-setup: installing Tests/Live/requirements.txt into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r Tests/Live/requirements.txt
    cp Tests/Live/requirements.txt "$stamp"
fi
