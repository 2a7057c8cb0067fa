#!/usr/bin/env bash
# Idempotent set-up for twinbench: a virtual environment in .venv with the package
# installed (editable) and, for the test tier, its extras and Debian packages.
# Safe to run any number of times: it re-installs only when pyproject.toml changed.
#
# usage: scripts/setup.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-run}"
py="${TWINBENCH_PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3

# Debian packages each tier needs: the browser tests drive Debian's Chromium through
# Playwright (Playwright never downloads a browser here).
apt_run=()
apt_test=(chromium)
want=("${apt_run[@]}")
[ "$tier" = test ] && want+=("${apt_test[@]}")
missing=()
for pkg in "${want[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $py"
    "$py" -m venv .venv
fi

extras=""
[ "$tier" = test ] && extras="[test]"
stamp=".venv/.twinbench-${tier}.stamp"
want_hash="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want_hash" ]; then
    echo "setup: installing twinbench$extras into .venv (llama-cpp-python compiles from source" \
         "the first time: about 8 minutes on 2 cores; pip caches the wheel afterwards)"
    log=.venv/install.log
    if ! { .venv/bin/python -m pip install --upgrade pip &&
           CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
               .venv/bin/python -m pip install -e ".$extras"; } >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "setup: installation failed; the full log is in $log" >&2
        exit 1
    fi
    echo "$want_hash" > "$stamp"
else
    echo "setup: .venv is up to date"
fi
