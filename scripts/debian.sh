# Sourced by the set-up scripts: `install_missing LABEL PACKAGE...` installs the Debian packages
# given (the ones found missing) when run as root, and otherwise says how and fails.
install_missing() {
    local label=$1; shift
    [ $# -gt 0 ] || return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "$label: installing $*"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "$@" >/dev/null
    else
        echo "$label: missing Debian packages: $*" >&2
        echo "$label: install them with: sudo apt-get install -y $*" >&2
        exit 1
    fi
}
