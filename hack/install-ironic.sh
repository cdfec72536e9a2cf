#!/usr/bin/env bash
# Installs OpenStack Ironic from Debian, non-interactively, without starting any service.
#
# Only `ironic-common` is needed: it ships the all-in-one `ironic` command (API + conductor in one
# process) and `ironic-dbsync`. `ironic-inspector` ships the standalone in-band inspection service
# (`ironic-inspector`, `ironic-inspector-dbsync`) that test/ironictest starts next to Ironic when a
# test asks for in-band inspection; its init script is never started. The ironic-api / ironic-conductor packages would add only init
# scripts plus uwsgi, tftpd-hpa, xinetd and friends. openipmi provides `ipmi_sim` (a simulated
# IPMI BMC) and ipmitool is what Ironic's ipmi driver runs. A no-op when everything is present.
#
# Needs root (or passwordless sudo). Cold: ~200 packages, ~5 min on 2 cores, mostly py3compile.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

packages=(ironic-common ironic-inspector openipmi ipmitool sqlite3)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "already installed: $(dpkg-query -W -f='ironic ${Version}, ' python3-ironic)$(dpkg-query -W -f='ironic-inspector ${Version}' python3-ironic-inspector)"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null && sudo -n true 2>/dev/null || die "installing ${missing[*]} needs root or passwordless sudo"
  SUDO="sudo -n"
fi

t0=$SECONDS
# Answer the packaging questions up front: no database or message-queue configuration.
$SUDO debconf-set-selections <<'SEL'
ironic-common ironic/configure_db boolean false
ironic-common ironic/configure_rabbit boolean false
dbconfig-common dbconfig-common/dbconfig-install boolean false
ironic-inspector ironic-inspector/configure_db boolean false
ironic-inspector ironic-inspector/configure_ksat boolean false
ironic-inspector ironic-inspector/configure_api-endpoint boolean false
SEL

# Maintainer scripts must never start daemons (ipmievd, ...): policy-rc.d answering 101 forbids it.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
cleanup() { if [[ $made_policy == 1 ]]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]]; then
  $SUDO apt-get update -q
fi
log "installing ${missing[*]} (cold: ~5 min)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}" ||
  { $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"; }
log "installed in $((SECONDS - t0))s: $(dpkg-query -W -f='ironic ${Version}' python3-ironic)"
