#!/usr/bin/env bash
# Install and start a Docker-compatible API for the sandbox tests: Debian's podman + runc, configured
# serving unix:///run/podman/podman.sock, and HAProxy for the Docker socket proxy's test
# (docker/socket-proxy/haproxy.cfg). Idempotent; fast when already running.
set -euo pipefail
SOCKET="${PODMAN_SOCKET:-/run/podman/podman.sock}"
start=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - start) / 1000000 )); }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q podman runc >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q podman runc >/dev/null; }
  echo "setup-podman: installed podman and runc ($(ms) ms)"
fi
if ! command -v haproxy >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q haproxy >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q haproxy >/dev/null; }
  echo "setup-podman: installed haproxy ($(ms) ms)"
fi

mkdir -p /etc/containers
conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"'
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  printf '%s\n' "$want" > "$conf"
fi

if curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
  echo "setup-podman: socket $SOCKET already up ($(ms) ms)"
  exit 0
fi

mkdir -p "$(dirname "$SOCKET")"
rm -f "$SOCKET"
# From /: the service (and conmon) keep its working directory, which may be a checkout deleted later.
(cd / && nohup podman system service --time=0 "unix://$SOCKET" >/var/log/podman-service.log 2>&1 &)
for _ in $(seq 1 100); do
  if curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
    echo "setup-podman: socket $SOCKET up ($(ms) ms)"
    exit 0
  fi
  sleep 0.1
done
echo "setup-podman: podman service did not answer on $SOCKET; log:" >&2
tail -20 /var/log/podman-service.log >&2 || true
exit 1
