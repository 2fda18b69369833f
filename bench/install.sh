#!/bin/sh
# System packages the SPARQL benchmark (bench/sparql.py) compares against: Virtuoso (Debian
# virtuoso-opensource) and wrk. Idempotent; run as root. Not part of CI.
set -eu
missing=""
command -v virtuoso-t >/dev/null 2>&1 || missing="$missing virtuoso-opensource"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
if [ -z "$missing" ]; then
    echo "virtuoso-opensource and wrk are installed"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
# The benchmark runs its own Virtuoso instance (bench/out/virtuoso); the packaged service is
# not needed, and policy-rc.d (where present) keeps it from starting.
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing
