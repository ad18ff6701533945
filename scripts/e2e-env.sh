#!/usr/bin/env bash
# e2e-env.sh - provision and run the real Docker + registry stack used by the end-to-end tests.
#
#   install                         install what is missing (Debian packages; see docs/e2e-harness.md)
#   start STATE_DIR                 start a private dockerd (or reuse the host's) and a registry,
#                                   write STATE_DIR/env and STATE_DIR/env.json, print env on stdout
#   start-registry STATE_DIR NAME [--htpasswd|--no-auth] [--config FILE] [--port N]
#                  [--storage inmemory|filesystem]
#                                   start one more registry, write STATE_DIR/registry-NAME.env(.json)
#   stop STATE_DIR                  stop by PID everything started for STATE_DIR, remove engine data
#   status STATE_DIR                show what is running (exit 1 if something recorded is not)
#   emulation-lock STATE_DIR        hold the machine-wide binfmt lock until stdin closes, then
#                                   unregister the QEMU stand-in handlers registered meanwhile
#
# Environment knobs (all optional):
#   ENGINE=bookworm|trixie          engine for the private dockerd (default bookworm = installed docker.io)
#   E2E_USE_HOST_DOCKER=1|0         force reuse of / force bypass of the host engine
#                                   (default: reuse it on a GitHub runner where `docker info` works)
#   E2E_REGISTRY_PORT=N             port of the main registry (default 5000 when free, else the next free one)
#   E2E_REGISTRY_STORAGE=inmemory|filesystem   registry storage driver (default inmemory)
#   E2E_CACHE_DIR=DIR               downloads + private apt state (default /var/cache/ghcr-build-push-e2e)
#   E2E_DEBIAN_MIRROR=URL           mirror for the trixie packages (default: this machine's Debian mirror)
#   E2E_START_TIMEOUT=SECONDS       readiness timeout for dockerd (default 60; registries use 15)
#   E2E_KEEP_ON_FAILURE=1           when start fails, leave the started processes running for inspection
#   E2E_BINFMT_LOCK=FILE            machine-wide lock of binfmt changes (default /run/lock/ghcr-build-push-e2e-binfmt.lock)
set -euo pipefail

PROG=e2e-env
CACHE_DIR=${E2E_CACHE_DIR:-/var/cache/ghcr-build-push-e2e}
ENGINE=${ENGINE:-bookworm}
TRIXIE_ENGINE_DIR=$CACHE_DIR/trixie-engine
START_TIMEOUT=${E2E_START_TIMEOUT:-60}
REGISTRY_TIMEOUT=15
STOP_TIMEOUT=15

# ------------------------------------------------------------------------------------------ helpers
T0=$EPOCHREALTIME
since() { # seconds since the given $EPOCHREALTIME value, 2 decimals
  local a=${1/./} b=${EPOCHREALTIME/./}
  local d=$(((10#$b - 10#$a) / 10000))
  printf '%d.%02d' $((d / 100)) $((d % 100))
}
log() { printf '[%s +%ss] %s\n' "$PROG" "$(since "$T0")" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$PROG" "$*" >&2
  exit 1
}
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
last_existing() { # globbed paths... -> the last one that exists ('' when none)
  local f last=''
  for f in "$@"; do [ -e "$f" ] && last=$f; done
  printf '%s' "$last"
}
is_alive() { # pid -> running (a zombie waiting for its parent to reap it counts as gone)
  local st=''
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  read -r st 2>/dev/null <"/proc/$1/stat" || return 1
  st=${st##*) }
  [ "${st:0:1}" != Z ]
}
show_tail() { # file [lines]
  [ -s "$1" ] || return 0
  printf -- '---- last lines of %s\n' "$1" >&2
  tail -n "${2:-25}" "$1" >&2 || true
  printf -- '----\n' >&2
}
rand_alnum() { # length
  local s=''
  while [ ${#s} -lt "$1" ]; do s+=$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9'); done
  printf '%s' "${s:0:$1}"
}
http_code() { # url [curl args...] -> prints the HTTP status, 000 when nothing answered
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "$url" 2>/dev/null || true
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # first port >= $1 nobody listens on (127.0.0.1)
  local p=$1
  while [ "$p" -lt 65535 ]; do
    port_in_use "$p" || {
      printf '%s' "$p"
      return 0
    }
    p=$((p + 1))
  done
  die "no free TCP port found on 127.0.0.1 from $1 upwards"
}
host_docker_usable() { # the engine the docker CLI talks to by default answers, and buildx is there
  command -v docker >/dev/null 2>&1 &&
    timeout 20 docker info >/dev/null 2>&1 &&
    docker buildx version >/dev/null 2>&1
}
state_dir_arg() { # normalise + validate STATE_DIR
  local d=${1:-}
  [ -n "$d" ] || die "missing STATE_DIR argument"
  case $d in *[[:space:]]*) die "STATE_DIR must not contain whitespace: '$d'" ;; esac
  d=$(realpath -m -- "$d")
  [ "$d" != / ] || die "refusing to use / as STATE_DIR"
  printf '%s' "$d"
}
write_env() { # base_path KEY=value... -> base_path (KEY=value lines) and base_path.json
  local base=$1 kv json='{}'
  shift
  : >"$base.tmp"
  for kv in "$@"; do
    printf '%s\n' "$kv" >>"$base.tmp"
    json=$(jq -c --arg k "${kv%%=*}" --arg v "${kv#*=}" '. + {($k): $v}' <<<"$json")
  done
  jq . <<<"$json" >"$base.json.tmp"
  chmod 600 "$base.tmp" "$base.json.tmp"
  mv -f "$base.tmp" "$base"
  mv -f "$base.json.tmp" "$base.json"
}
env_get() { # file KEY -> value ('' when missing)
  [ -f "$1" ] || return 0
  sed -n "s/^$2=//p" "$1" | tail -n 1
}
spawn_detached() { # pidfile logfile cmd... : run cmd in its own session, record its real PID
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  # setsid may fork (when we are a process-group leader), so let the final process write its own PID
  # shellcheck disable=SC2016
  setsid sh -c 'echo $$ >"$1.tmp" && mv -f "$1.tmp" "$1" && shift && exec "$@"' sh "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 &
  for _ in $(seq 1 100); do
    [ -s "$pidfile" ] && return 0
    sleep 0.05
  done
  die "could not start $1 (no PID recorded)"
}
ours() { # pid state_dir -> true when pid is alive and its command line mentions state_dir
  is_alive "$1" || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$2"
}
descendants() { # pid -> all descendant PIDs (from /proc)
  local parent=$1 f st pid ppid _x
  for f in /proc/[0-9]*/stat; do
    read -r st 2>/dev/null <"$f" || continue
    read -r _x ppid _x <<<"${st##*) }"
    [ "$ppid" = "$parent" ] || continue
    pid=${f#/proc/}
    pid=${pid%/stat}
    echo "$pid"
    descendants "$pid"
  done
}
stop_pid() { # pid name state_dir : TERM, wait, KILL; only when the process is ours
  local pid=$1 name=$2 state=$3
  if ! is_alive "$pid"; then return 0; fi
  if ! ours "$pid" "$state"; then
    log "not stopping PID $pid ($name): it does not look like a process started for $state"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
    is_alive "$pid" || {
      log "$name (PID $pid) stopped"
      return 0
    }
    sleep 0.1
  done
  log "$name (PID $pid) did not stop within ${STOP_TIMEOUT}s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    is_alive "$pid" || return 0
    sleep 0.1
  done
  log "WARNING: $name (PID $pid) is still alive after KILL"
}

# ------------------------------------------------------------------------------------------ install
APT_LOCK=(-o DPkg::Lock::Timeout=300)
INSTALL_LOG=$CACHE_DIR/install.log
apt_update_once() {
  [ "${APT_UPDATED:-0}" = 1 ] && return 0
  log "apt-get update"
  # other (unrelated) sources of the machine may be unreachable: warn, the install reports real problems
  apt-get "${APT_LOCK[@]}" update -qq >>"$INSTALL_LOG" 2>&1 || {
    show_tail "$INSTALL_LOG" 10
    log "WARNING: apt-get update reported errors (continuing; see $INSTALL_LOG)"
  }
  APT_UPDATED=1
}
apt_install() { # packages...
  [ $# -gt 0 ] || return 0
  apt_update_once
  log "apt-get install --no-install-recommends $*"
  apt-get "${APT_LOCK[@]}" install -y -qq --no-install-recommends "$@" >>"$INSTALL_LOG" 2>&1 || {
    show_tail "$INSTALL_LOG" 30
    die "apt-get install $* failed (full output in $INSTALL_LOG)"
  }
}
debian_mirror() {
  if [ -n "${E2E_DEBIAN_MIRROR:-}" ]; then
    printf '%s' "$E2E_DEBIAN_MIRROR"
    return 0
  fi
  local m=''
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }') || true
  [ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }') || true
  printf '%s' "${m:-http://deb.debian.org/debian}"
}
TRIXIE_APT=$CACHE_DIR/apt-trixie
trixie_apt() { # apt-get args... with a private state that only knows Debian trixie main
  apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$TRIXIE_APT/sources.list.d" \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$TRIXIE_APT/preferences.d" \
    -o Dir::State::Lists="$TRIXIE_APT/lists" -o Dir::Cache="$TRIXIE_APT/cache" \
    -o APT::Sandbox::User=root -o APT::Default-Release=trixie "$@"
}
trixie_update() {
  mkdir -p "$TRIXIE_APT/sources.list.d" "$TRIXIE_APT/preferences.d" "$TRIXIE_APT/lists/partial" \
    "$TRIXIE_APT/cache/archives/partial"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
    "$(debian_mirror)" /usr/share/keyrings/debian-archive-keyring.gpg >"$TRIXIE_APT/sources.list.d/trixie.sources"
  log "private apt update (Debian trixie, state in $TRIXIE_APT)"
  trixie_apt update -qq >>"$INSTALL_LOG" 2>&1 || {
    show_tail "$INSTALL_LOG" 10
    die "apt update of the private Debian trixie index failed (see $INSTALL_LOG)"
  }
}
trixie_download() { # packages... -> $CACHE_DIR/debs/*.deb (system apt sources untouched)
  mkdir -p "$CACHE_DIR/debs"
  compgen -G "$TRIXIE_APT/lists/*_Packages*" >/dev/null || trixie_update
  log "downloading from Debian trixie: $*"
  if ! (cd "$CACHE_DIR/debs" && trixie_apt download "$@" >>"$INSTALL_LOG" 2>&1); then
    # the cached index may be stale (point release replaced the files): refresh once and retry
    trixie_update
    (cd "$CACHE_DIR/debs" && trixie_apt download "$@" >>"$INSTALL_LOG" 2>&1) || {
      show_tail "$INSTALL_LOG" 10
      die "could not download $* from Debian trixie (see $INSTALL_LOG)"
    }
  fi
}
is_debian() { grep -qx 'ID=debian' /etc/os-release 2>/dev/null; }

# --- emulation pieces (issue 13): downloaded and unpacked into the cache, never installed
EMU_MARK=/usr/libexec/gbp-e2e-qemu # interpreter directory of the stand-in's binfmt handlers
QEMU_ARCHS='aarch64 arm riscv64 ppc64le s390x'
QEMU_CONTEXT=$CACHE_DIR/qemu-standin # usr/libexec/gbp-e2e-qemu/qemu-*-static + binfmt.d/*.conf
BASE_CONTEXT=$CACHE_DIR/base-image   # amd64/ and arm64/ root file systems: busybox + applet links
ARM64_APT=$CACHE_DIR/apt-arm64
arm64_apt() { # apt-get args... with a private state that only knows this Debian release for arm64
  apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$ARM64_APT/sources.list.d" \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$ARM64_APT/preferences.d" \
    -o Dir::State::Lists="$ARM64_APT/lists" -o Dir::Cache="$ARM64_APT/cache" \
    -o APT::Sandbox::User=root -o APT::Architecture=arm64 -o APT::Architectures=arm64 "$@"
}
arm64_download() { # package -> $CACHE_DIR/debs/<package>_*_arm64.deb
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  mkdir -p "$ARM64_APT/sources.list.d" "$ARM64_APT/preferences.d" "$ARM64_APT/lists/partial" \
    "$ARM64_APT/cache/archives/partial" "$CACHE_DIR/debs"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$(debian_mirror)" \
    "$codename" /usr/share/keyrings/debian-archive-keyring.gpg >"$ARM64_APT/sources.list.d/arm64.sources"
  log "downloading $1 for arm64 from Debian $codename (private apt state in $ARM64_APT)"
  { compgen -G "$ARM64_APT/lists/*_Packages*" >/dev/null && (cd "$CACHE_DIR/debs" && arm64_apt download "$1"); } \
    >>"$INSTALL_LOG" 2>&1 || {
    arm64_apt update -qq >>"$INSTALL_LOG" 2>&1 && (cd "$CACHE_DIR/debs" && arm64_apt download "$1") >>"$INSTALL_LOG" 2>&1
  } || {
    show_tail "$INSTALL_LOG" 10
    die "could not download $1 for arm64 (see $INSTALL_LOG)"
  }
}
install_emulation() { # the QEMU stand-in's files and the two-platform base image's root file systems
  local deb tmp a
  if [ "$(dpkg --print-architecture)" != amd64 ]; then
    log "WARNING: not an amd64 host: no QEMU stand-in and no two-platform base image"
    return 0
  fi
  if [ ! -f "$QEMU_CONTEXT/.complete" ]; then
    deb=$(last_existing "$CACHE_DIR"/debs/qemu-user-static_*_amd64.deb)
    if [ -z "$deb" ]; then
      log "downloading qemu-user-static (not installed: it would register binfmt handlers)"
      mkdir -p "$CACHE_DIR/debs"
      (cd "$CACHE_DIR/debs" && apt-get -o APT::Sandbox::User=root download qemu-user-static) >>"$INSTALL_LOG" 2>&1 || {
        apt_update_once
        (cd "$CACHE_DIR/debs" && apt-get -o APT::Sandbox::User=root download qemu-user-static) >>"$INSTALL_LOG" 2>&1
      } || die "could not download qemu-user-static (see $INSTALL_LOG)"
      deb=$(last_existing "$CACHE_DIR"/debs/qemu-user-static_*_amd64.deb)
    fi
    tmp=$(mktemp -d "$CACHE_DIR/qemu-standin.XXXXXX")
    dpkg-deb -x "$deb" "$tmp/deb"
    mkdir -p "$tmp/ctx$EMU_MARK" "$tmp/ctx/binfmt.d"
    for a in $QEMU_ARCHS; do
      cp "$tmp/deb/usr/bin/qemu-$a-static" "$tmp/ctx$EMU_MARK/"
      cp "$tmp/deb/usr/lib/binfmt.d/qemu-$a.conf" "$tmp/ctx/binfmt.d/"
    done
    basename "$deb" >"$tmp/ctx/.complete"
    # another install may have finished first: keep its copy
    [ -f "$QEMU_CONTEXT/.complete" ] || { rm -rf "$QEMU_CONTEXT" && mv -T "$tmp/ctx" "$QEMU_CONTEXT"; } || true
    rm -rf "$tmp"
    log "QEMU stand-in files ($QEMU_ARCHS) from $(basename "$deb") in $QEMU_CONTEXT"
  fi
  if [ ! -f "$BASE_CONTEXT/.complete" ]; then
    deb=$(last_existing "$CACHE_DIR"/debs/busybox-static_*_arm64.deb)
    [ -n "$deb" ] || {
      arm64_download busybox-static
      deb=$(last_existing "$CACHE_DIR"/debs/busybox-static_*_arm64.deb)
    }
    tmp=$(mktemp -d "$CACHE_DIR/base-image.XXXXXX")
    dpkg-deb -x "$deb" "$tmp/deb"
    mkdir -p "$tmp/ctx/amd64/bin" "$tmp/ctx/arm64/bin" "$tmp/ctx/amd64/tmp" "$tmp/ctx/arm64/tmp"
    cp /bin/busybox "$tmp/ctx/amd64/bin/busybox"
    cp "$tmp/deb/bin/busybox" "$tmp/ctx/arm64/bin/busybox"
    # applet links made here: a RUN step would need the emulator for the arm64 half
    for a in $(/bin/busybox --list); do
      [ "$a" = busybox ] || ln -s busybox "$tmp/ctx/amd64/bin/$a"
      [ "$a" = busybox ] || ln -s busybox "$tmp/ctx/arm64/bin/$a"
    done
    printf 'FROM scratch\nARG TARGETARCH\nCOPY ${TARGETARCH}/ /\n' >"$tmp/ctx/Dockerfile"
    printf '%s %s\n' "$(dpkg-query -W -f='${Version}' busybox-static)" "$(basename "$deb")" >"$tmp/ctx/.complete"
    # another install may have finished first: keep its copy
    [ -f "$BASE_CONTEXT/.complete" ] || { rm -rf "$BASE_CONTEXT" && mv -T "$tmp/ctx" "$BASE_CONTEXT"; } || true
    rm -rf "$tmp"
    log "two-platform base image files (busybox amd64 + arm64 from $(basename "$deb")) in $BASE_CONTEXT"
  fi
}

cmd_install() {
  [ $# -eq 0 ] || usage
  local ts=$EPOCHREALTIME need=() host=0
  [ "$(id -u)" = 0 ] || die "install must run as root (it installs Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$CACHE_DIR"
  printf '==== %s install\n' "$(date -Is)" >>"$INSTALL_LOG"

  if [ "${E2E_USE_HOST_DOCKER:-}" = 1 ] || { [ "${E2E_USE_HOST_DOCKER:-}" != 0 ] && host_docker_usable; }; then
    host=1
    log "a working Docker engine + buildx is already there: not installing any engine"
  fi
  if [ $host = 0 ]; then
    { command -v dockerd >/dev/null && command -v docker >/dev/null; } || need+=(docker.io)
  fi
  if [ "$ENGINE" = trixie ] && ! command -v runc >/dev/null; then need+=(runc); fi
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v htpasswd >/dev/null || need+=(apache2-utils)
  command -v curl >/dev/null || need+=(curl)
  command -v jq >/dev/null || need+=(jq)
  # a static /bin/busybox: the e2e tests build a tiny base image from it (RUN steps, no pulls)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
  apt_install "${need[@]}"

  if ! docker buildx version >/dev/null 2>&1; then
    is_debian || die "docker buildx is missing and this is not Debian: install the buildx CLI plugin yourself"
    local deb
    deb=$(last_existing "$CACHE_DIR"/debs/docker-buildx_*.deb)
    if [ -z "$deb" ]; then
      trixie_download docker-buildx
      deb=$(last_existing "$CACHE_DIR"/debs/docker-buildx_*.deb)
      [ -n "$deb" ] || die "docker-buildx was downloaded but no .deb is in $CACHE_DIR/debs"
    fi
    log "installing $(basename "$deb")"
    apt-get "${APT_LOCK[@]}" install -y -qq --no-install-recommends "$deb" >>"$INSTALL_LOG" 2>&1 || {
      show_tail "$INSTALL_LOG" 30
      die "installing $deb failed (see $INSTALL_LOG)"
    }
    docker buildx version >/dev/null 2>&1 || die "docker buildx still does not work after installing $deb"
  fi

  is_debian && install_emulation

  if [ "$ENGINE" = trixie ] && [ ! -x "$TRIXIE_ENGINE_DIR/usr/sbin/dockerd" ]; then
    is_debian || die "ENGINE=trixie needs Debian packages"
    if [ -z "$(last_existing "$CACHE_DIR"/debs/docker.io_*.deb)" ] ||
      [ -z "$(last_existing "$CACHE_DIR"/debs/containerd_*.deb)" ]; then
      trixie_download docker.io containerd
    fi
    local tmp d
    tmp=$(mktemp -d "$CACHE_DIR/trixie-engine.XXXXXX")
    for d in "$CACHE_DIR"/debs/docker.io_*.deb "$CACHE_DIR"/debs/containerd_*.deb; do
      log "extracting $(basename "$d") (not installed)"
      dpkg-deb -x "$d" "$tmp"
    done
    [ -x "$tmp/usr/sbin/dockerd" ] || die "no usr/sbin/dockerd in the trixie docker.io package"
    rm -rf "$TRIXIE_ENGINE_DIR"
    mv "$tmp" "$TRIXIE_ENGINE_DIR"
    chmod 755 "$TRIXIE_ENGINE_DIR"
  fi

  local summary
  summary="buildx $(docker buildx version 2>/dev/null | awk '{print $2}')"
  [ $host = 1 ] || summary+=", dockerd $(dockerd --version 2>/dev/null | awk '{print $3}' | tr -d ,)"
  [ "$ENGINE" != trixie ] || summary+=", trixie dockerd $("$TRIXIE_ENGINE_DIR/usr/sbin/dockerd" --version | awk '{print $3}' | tr -d ,)"
  summary+=", $(docker-registry --version 2>/dev/null | awk '{print $2, $3}')"
  log "install done in $(since "$ts")s (apt: ${need[*]:-nothing}; log $INSTALL_LOG): $summary"
}

# ------------------------------------------------------------------------------------------ registry
reg_fail() { # log message : kill the registry just started (REG_PID, $pidfile of the caller), fail
  if is_alive "${REG_PID:-}"; then kill -KILL "$REG_PID" 2>/dev/null || true; fi
  rm -f "${pidfile:-/nonexistent}"
  show_tail "$1"
  die "$2"
}
# start_registry STATE NAME AUTH CONFIG PORT [STORAGE]
#   AUTH: htpasswd | none | custom (CONFIG is the caller's file)
#   PORT: '' = search from 5000 (main) or 5001 (others)
#   STORAGE: inmemory | filesystem (default $E2E_REGISTRY_STORAGE, else inmemory)
# Sets REG_ADDR REG_PID REG_USER REG_PASSWORD and writes STATE/registry-NAME.env(.json).
start_registry() {
  local state=$1 name=$2 auth=$3 user_config=$4 port=$5
  local dir=$state/registry/$name log=$state/registry-$name.log pidfile=$state/pids/registry-$name
  local storage=${6:-${E2E_REGISTRY_STORAGE:-inmemory}} ts=$EPOCHREALTIME fixed_port=1 code ready=0 data=''
  [ "$name" = main ] && log=$state/registry.log
  case $name in '' | *[!A-Za-z0-9_-]*) die "registry NAME must match [A-Za-z0-9_-]+: '$name'" ;; esac
  if is_alive "$(cat "$pidfile" 2>/dev/null || true)"; then die "registry '$name' is already running for $state"; fi
  if [ -z "$port" ]; then
    fixed_port=0
    port=$([ "$name" = main ] && echo 5000 || echo 5001)
  fi
  rm -rf "$dir"
  mkdir -p "$dir" "$state/pids"
  REG_USER='' REG_PASSWORD=''

  local storage_yaml
  case $storage in
  inmemory) storage_yaml='  inmemory: {}' ;;
  filesystem)
    mkdir -p "$dir/data"
    data=$dir/data
    storage_yaml="  filesystem:
    rootdirectory: $dir/data"
    ;;
  *) die "E2E_REGISTRY_STORAGE must be inmemory or filesystem, not '$storage'" ;;
  esac

  if [ "$auth" = custom ]; then
    [ -f "$user_config" ] || die "registry config file not found: $user_config"
    # keep a copy under STATE so the process command line names STATE (stop checks that)
    cp -- "$user_config" "$dir/config.yml"
  else
    local auth_yaml=''
    if [ "$auth" = htpasswd ]; then
      REG_USER=e2e-$(rand_alnum 6 | tr '[:upper:]' '[:lower:]')
      REG_PASSWORD=$(rand_alnum 32)
      htpasswd -Bbn "$REG_USER" "$REG_PASSWORD" | sed '/^$/d' >"$dir/htpasswd"
      chmod 600 "$dir/htpasswd"
      auth_yaml="auth:
  htpasswd:
    realm: e2e-$name
    path: $dir/htpasswd"
    fi
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
$storage_yaml
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(rand_alnum 32)
$auth_yaml
EOF
  fi

  for _ in $(seq 1 20); do
    [ $fixed_port = 1 ] || port=$(free_port "$port")
    if [ $fixed_port = 1 ] && port_in_use "$port"; then die "port 127.0.0.1:$port is already in use"; fi
    [ "$auth" = custom ] || sed -i "s/^  addr: 127\.0\.0\.1:[0-9]*$/  addr: 127.0.0.1:$port/" "$dir/config.yml"
    printf '==== %s: starting registry %s on 127.0.0.1:%s\n' "$(date -Is)" "$name" "$port" >>"$log"
    # REGISTRY_HTTP_ADDR overrides the config file: the registry only ever listens on 127.0.0.1
    REGISTRY_HTTP_ADDR=127.0.0.1:$port spawn_detached "$pidfile" "$log" docker-registry serve "$dir/config.yml"
    REG_PID=$(cat "$pidfile")
    REG_ADDR=127.0.0.1:$port
    ready=0
    for _ in $(seq 1 $((REGISTRY_TIMEOUT * 10))); do
      code=$(http_code "http://$REG_ADDR/v2/")
      if [ "$code" != 000 ]; then
        ready=1
        break
      fi
      is_alive "$REG_PID" || break
      sleep 0.1
    done
    if [ $ready = 1 ]; then break; fi
    if ! is_alive "$REG_PID" && [ $fixed_port = 0 ] && tail -n 5 "$log" | grep -q 'address already in use'; then
      log "port $port was taken meanwhile, trying another one"
      port=$((port + 1))
      continue
    fi
    if is_alive "$REG_PID"; then
      reg_fail "$log" "registry '$name' did not answer on http://$REG_ADDR/v2/ within ${REGISTRY_TIMEOUT}s"
    fi
    reg_fail "$log" "registry '$name' exited during startup (see $log)"
  done
  [ "${ready:-0}" = 1 ] || die "registry '$name': no usable port found"

  case $auth in
  htpasswd)
    [ "$code" = 401 ] || reg_fail "$log" "registry '$name': anonymous /v2/ answered $code, expected 401"
    code=$(http_code "http://$REG_ADDR/v2/" -u "$REG_USER:$REG_PASSWORD")
    [ "$code" = 200 ] || reg_fail "$log" "registry '$name': /v2/ with credentials answered $code, expected 200"
    ;;
  none) [ "$code" = 200 ] || reg_fail "$log" "registry '$name': /v2/ answered $code, expected 200" ;;
  esac
  write_env "$state/registry-$name.env" \
    "E2E_REGISTRY_NAME=$name" "E2E_REGISTRY=$REG_ADDR" "E2E_REGISTRY_PORT=$port" \
    "E2E_REGISTRY_PID=$REG_PID" "E2E_REGISTRY_AUTH=$auth" "E2E_REGISTRY_CONFIG=$dir/config.yml" \
    "E2E_REGISTRY_LOG=$log" "E2E_USER=$REG_USER" "E2E_PASSWORD=$REG_PASSWORD" \
    "E2E_REGISTRY_STORAGE=$storage" "E2E_REGISTRY_DATA=$data"
  [ "$auth" != custom ] || storage="as configured"
  log "registry '$name' ready on $REG_ADDR in $(since "$ts")s (PID $REG_PID, auth $auth, storage $storage)"
}

# ------------------------------------------------------------------------------------------ dockerd
# start_dockerd STATE -> sets DOCKERD_PID DOCKER_HOST_VALUE
start_dockerd() {
  local state=$1 ts=$EPOCHREALTIME dockerd=dockerd path=$PATH features
  local root=$state/dockerd sock=$state/docker.sock log=$state/dockerd.log
  # 20.10 writes a libtrust key to /etc/docker/key.json unless told otherwise: keep it in STATE
  features="{\"deprecated-key-path\": \"$root/key.json\"}"
  local exec_root=$root/exec
  [ ${#sock} -lt 100 ] || die "STATE_DIR is too long for a unix socket path ($sock): use a shorter directory"
  # containerd puts sockets under exec-root; unix socket paths are limited to 107 bytes
  if [ $((${#exec_root} + 40)) -gt 107 ]; then
    exec_root=$(mktemp -d /tmp/gbp-e2e-exec.XXXXXX)
    echo "$exec_root" >"$root.exec-root"
  fi
  if [ "$ENGINE" = trixie ]; then
    [ -x "$TRIXIE_ENGINE_DIR/usr/sbin/dockerd" ] ||
      die "ENGINE=trixie: $TRIXIE_ENGINE_DIR/usr/sbin/dockerd missing, run: ENGINE=trixie $0 install"
    dockerd=$TRIXIE_ENGINE_DIR/usr/sbin/dockerd
    path=$TRIXIE_ENGINE_DIR/usr/bin:$TRIXIE_ENGINE_DIR/usr/sbin:$PATH # its containerd + shim first
    features='{"features":{"containerd-snapshotter":true}}'
  elif [ "$ENGINE" != bookworm ]; then
    die "ENGINE must be bookworm or trixie, not '$ENGINE'"
  fi
  command -v "$dockerd" >/dev/null || die "dockerd not found: run $0 install"
  mkdir -p "$root/data" "$exec_root" "$state/pids"
  echo "$features" >"$root/daemon.json"
  local extra=()
  if [ -S /run/containerd/containerd.sock ]; then
    # dockerd would attach to a running system containerd: keep our objects apart from the host's
    log "WARNING: a system containerd is running; the private dockerd will use it (namespace gbp-e2e)"
    extra+=(--containerd-namespace gbp-e2e --containerd-plugins-namespace gbp-e2e-plugins)
  fi
  DOCKER_HOST_VALUE=unix://$sock
  printf '==== %s: starting %s (ENGINE=%s)\n' "$(date -Is)" "$dockerd" "$ENGINE" >>"$log"
  PATH=$path spawn_detached "$state/pids/dockerd" "$log" "$dockerd" \
    --config-file "$root/daemon.json" --data-root "$root/data" --exec-root "$exec_root" \
    --pidfile "$root/dockerd.pid" -H "$DOCKER_HOST_VALUE" \
    --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --bridge=none "${extra[@]}"
  DOCKERD_PID=$(cat "$state/pids/dockerd")
  local _
  for _ in $(seq 1 $((START_TIMEOUT * 10))); do
    if DOCKER_HOST=$DOCKER_HOST_VALUE timeout 5 docker version >/dev/null 2>&1; then
      # remember what the engine spawned (its managed containerd) in case dockerd dies before stop
      descendants "$DOCKERD_PID" >"$state/dockerd.children" || true
      log "dockerd $(DOCKER_HOST=$DOCKER_HOST_VALUE docker version --format '{{.Server.Version}}') ready in $(since "$ts")s (PID $DOCKERD_PID, $DOCKER_HOST_VALUE)"
      return 0
    fi
    is_alive "$DOCKERD_PID" || {
      show_tail "$log" 40
      die "dockerd exited during startup (see $log)"
    }
    sleep 0.1
  done
  show_tail "$log" 40
  die "dockerd did not become ready within ${START_TIMEOUT}s (see $log)"
}

# ------------------------------------------------------------------------------------------ emulation
# binfmt_misc is global to the machine and shared by every run on it: handler changes happen under
# one machine-wide lock (flock), the stand-in's handlers are recognized by their interpreter
# directory ($EMU_MARK), and a run only removes those that were not there when it started.
BINFMT=/proc/sys/fs/binfmt_misc
BINFMT_LOCK=${E2E_BINFMT_LOCK:-/run/lock/ghcr-build-push-e2e-binfmt.lock}
QEMU_IMAGE=gbp-e2e/qemu-standin:1
BASE_IMAGE=gbp-e2e/busybox:1
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binfmt_mount() {
  [ -e "$BINFMT/register" ] && return 0
  # on this kernel the handlers live only as long as some binfmt_misc mount does: the one made in
  # the stand-in's container goes away with it, so keep one on the host (left mounted, like systemd)
  mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null || {
    log "WARNING: could not mount binfmt_misc on $BINFMT: emulators will not stay registered"
    return 0
  }
  log "mounted binfmt_misc on $BINFMT"
}
binfmt_names() { # every registered handler, one a line
  local f
  for f in "$BINFMT"/*; do
    [ -f "$f" ] || continue
    case ${f##*/} in register | status) ;; *) echo "${f##*/}" ;; esac
  done
}
binfmt_lock() { # take the machine-wide lock on fd 9 (waits for other runs' emulation sections)
  mkdir -p "$(dirname "$BINFMT_LOCK")"
  exec 9>>"$BINFMT_LOCK"
  flock -w "${1:-120}" 9
}
binfmt_remove_new() { # snapshot_file : unregister the stand-in's handlers not in it, print their names
  local h
  for h in $(binfmt_names); do
    grep -qx -- "$h" "$1" 2>/dev/null && continue
    grep -q "^interpreter $EMU_MARK/" "$BINFMT/$h" 2>/dev/null || continue
    if echo -1 >"$BINFMT/$h" 2>/dev/null; then echo "$h"; fi
  done
}
qemu_image_load() { # STATE CFG: load the stand-in from its cached tar (built here the first time)
  local state=$1 cfg=$2 key tar ctx
  key=$({
    cat "$QEMU_CONTEXT/.complete" "$REPO_DIR/__tests__/servers/qemu-binfmt.sh"
    sha256sum </bin/busybox
  } | sha256sum | cut -c1-16)
  tar=$CACHE_DIR/images/qemu-standin-$key.tar
  if [ -s "$tar" ]; then
    DOCKER_HOST=$DOCKER_HOST_VALUE docker load -q -i "$tar"
    return
  fi
  mkdir -p "$CACHE_DIR/images"
  ctx=$(mktemp -d "$CACHE_DIR/images/ctx.XXXXXX")
  cp -al "$QEMU_CONTEXT/." "$ctx/" 2>/dev/null || cp -a "$QEMU_CONTEXT/." "$ctx/"
  mkdir -p "$ctx/bin"
  cp /bin/busybox "$ctx/bin/busybox"
  cp "$REPO_DIR/__tests__/servers/qemu-binfmt.sh" "$ctx/binfmt.sh"
  printf 'FROM scratch\nCOPY . /\nENTRYPOINT ["/bin/busybox", "sh", "/binfmt.sh"]\n' >"$ctx/Dockerfile"
  printf 'Dockerfile\n.complete\n' >"$ctx/.dockerignore"
  DOCKER_HOST=$DOCKER_HOST_VALUE DOCKER_CONFIG=$cfg docker buildx build --provenance=false -q \
    -t "$QEMU_IMAGE" --load "$ctx" &&
    DOCKER_HOST=$DOCKER_HOST_VALUE docker save "$QEMU_IMAGE" -o "$tar.$$" &&
    mv -f "$tar.$$" "$tar"
  local rc=$?
  rm -rf "$ctx" "$tar.$$"
  return $rc
}
base_image_build() { # STATE CFG PLATFORMS
  DOCKER_HOST=$DOCKER_HOST_VALUE DOCKER_CONFIG=$2 docker buildx build --provenance=false -q \
    --platform "$3" -t "$BASE_IMAGE" --load "$BASE_CONTEXT"
}
# load_test_images STATE: the QEMU stand-in and the base image, side by side (about 1 s)
load_test_images() {
  local state=$1 ts=$EPOCHREALTIME cfg1 cfg2 qemu base
  if [ ! -f "$QEMU_CONTEXT/.complete" ] || [ ! -f "$BASE_CONTEXT/.complete" ]; then
    if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
      die "the QEMU stand-in or base image files are missing in $CACHE_DIR: run $0 install"
    fi
    QEMU_IMAGE='' BASE_IMAGE='' BASE_PLATFORMS=''
    return 0
  fi
  # two platforms where the image store can hold them (containerd), the host's one otherwise
  BASE_PLATFORMS=linux/amd64
  if DOCKER_HOST=$DOCKER_HOST_VALUE docker info -f '{{json .DriverStatus}}' 2>/dev/null |
    grep -q 'io.containerd.snapshotter'; then
    BASE_PLATFORMS=linux/amd64,linux/arm64
  fi
  # private client configs keep buildx state out of the tests' config dir
  cfg1=$(mktemp -d "$state/build-config.XXXXXX")
  cfg2=$(mktemp -d "$state/build-config.XXXXXX")
  qemu_image_load "$state" "$cfg1" >>"$state/images.log" 2>&1 &
  qemu=$!
  base_image_build "$state" "$cfg2" "$BASE_PLATFORMS" >>"$state/images.log" 2>&1 &
  base=$!
  wait "$qemu" || qemu=failed
  wait "$base" || base=failed
  rm -rf "$cfg1" "$cfg2"
  if [ "$qemu" = failed ] || [ "$base" = failed ]; then
    show_tail "$state/images.log"
    die "loading the test images failed (see $state/images.log)"
  fi
  log "images $QEMU_IMAGE and $BASE_IMAGE ($BASE_PLATFORMS) loaded in $(since "$ts")s"
}
# binfmt_start STATE: remember which handlers exist before the run (under the lock)
binfmt_start() {
  [ -d "$BINFMT" ] || return 0
  binfmt_mount
  binfmt_lock 120 || die "timed out waiting for $BINFMT_LOCK (another run's emulation section?)"
  binfmt_names >"$1/binfmt.before"
  exec 9>&-
}
# binfmt_stop STATE: unregister the stand-in's handlers this run left behind
binfmt_stop() {
  local state=$1 removed
  [ -f "$state/binfmt.before" ] || return 0
  if ! binfmt_lock 60; then
    log "WARNING: $BINFMT_LOCK busy for 60 s: not unregistering emulators now"
    return 0
  fi
  removed=$(binfmt_remove_new "$state/binfmt.before" | tr '\n' ' ')
  exec 9>&-
  printf '%s\n' "$removed" >"$state/binfmt.removed"
  [ -z "$removed" ] || log "unregistered the emulators this run registered: $removed"
  mv -f "$state/binfmt.before" "$state/binfmt.before.done"
}
cmd_emulation_lock() { # STATE: hold the lock until stdin closes, then undo the section's handlers
  [ $# -eq 1 ] || usage
  local state snap
  state=$(state_dir_arg "$1")
  binfmt_mount
  trap '' INT TERM HUP # the caller's process group may be signalled: clean up on EOF regardless
  binfmt_lock "${E2E_BINFMT_LOCK_TIMEOUT:-300}" || die "timed out waiting for $BINFMT_LOCK"
  snap=$(mktemp "$state/binfmt.section.XXXXXX")
  binfmt_names >"$snap"
  echo locked
  cat >/dev/null || true
  echo "removed: $(binfmt_remove_new "$snap" | tr '\n' ' ')"
  rm -f "$snap"
}

# ------------------------------------------------------------------------------------------ start
use_host_docker() {
  case ${E2E_USE_HOST_DOCKER:-} in
  1) return 0 ;;
  0) return 1 ;;
  esac
  [ "$ENGINE" = trixie ] && return 1
  # a GitHub-hosted runner already has a running engine with buildx: reuse it
  [ "${GITHUB_ACTIONS:-}" = true ] && host_docker_usable && return 0
  # no engine binary to run privately but a usable default engine
  ! command -v dockerd >/dev/null && host_docker_usable && return 0
  return 1
}

cmd_start() {
  [ $# -eq 1 ] || usage
  local state ts=$EPOCHREALTIME mode engine
  state=$(state_dir_arg "$1")
  local p
  for p in "$state"/pids/*; do
    [ -f "$p" ] || continue
    ! is_alive "$(cat "$p")" || die "$state already has running processes ($(basename "$p")); run: $0 stop $state"
  done
  for p in docker-registry htpasswd curl jq docker setsid; do
    command -v "$p" >/dev/null || die "$p not found: run $0 install"
  done
  mkdir -p "$state/pids" "$state/docker-config"
  rm -f "$state/env" "$state/env.json"
  START_STATE=$state
  trap 'start_failed $?' EXIT

  DOCKERD_PID=''
  if use_host_docker; then
    mode=host engine=host
    DOCKER_HOST_VALUE=${DOCKER_HOST:-unix:///var/run/docker.sock}
    DOCKER_HOST=$DOCKER_HOST_VALUE timeout 20 docker version >/dev/null 2>&1 ||
      die "E2E_USE_HOST_DOCKER: no engine answers on $DOCKER_HOST_VALUE"
    log "reusing the host engine at $DOCKER_HOST_VALUE ($(DOCKER_HOST=$DOCKER_HOST_VALUE docker version --format '{{.Server.Version}}'))"
  else
    mode=private engine=$ENGINE
    start_dockerd "$state"
  fi
  DOCKER_CONFIG=$state/docker-config docker buildx version >/dev/null 2>&1 ||
    log "WARNING: 'docker buildx' is not found with DOCKER_CONFIG=$state/docker-config (plugin only in ~/.docker?)"

  start_registry "$state" main htpasswd '' "${E2E_REGISTRY_PORT:-}"
  binfmt_start "$state"
  load_test_images "$state"

  write_env "$state/env" \
    "DOCKER_HOST=$DOCKER_HOST_VALUE" \
    "DOCKER_CONFIG=$state/docker-config" \
    "E2E_REGISTRY=$REG_ADDR" \
    "E2E_USER=$REG_USER" \
    "E2E_PASSWORD=$REG_PASSWORD" \
    "E2E_DOCKERD_PID=$DOCKERD_PID" \
    "E2E_REGISTRY_PID=$REG_PID" \
    "E2E_STATE_DIR=$state" \
    "E2E_DOCKER_MODE=$mode" \
    "E2E_ENGINE=$engine" \
    "E2E_REGISTRY_STORAGE=${E2E_REGISTRY_STORAGE:-inmemory}" \
    "E2E_QEMU_IMAGE=$QEMU_IMAGE" \
    "E2E_BASE_IMAGE=$BASE_IMAGE" \
    "E2E_BASE_PLATFORMS=$BASE_PLATFORMS" \
    "E2E_BINFMT_LOCK=$BINFMT_LOCK" \
    "E2E_BINFMT_MARK=$EMU_MARK"
  trap - EXIT
  log "started in $(since "$ts")s; environment in $state/env and $state/env.json"
  cat "$state/env"
}

start_failed() {
  local rc=$1
  [ "$rc" != 0 ] || return 0
  if [ "${E2E_KEEP_ON_FAILURE:-0}" = 1 ]; then
    log "start failed (exit $rc); E2E_KEEP_ON_FAILURE=1: leaving processes running, stop with: $0 stop $START_STATE"
  else
    log "start failed (exit $rc): stopping what was started"
    do_stop "$START_STATE" || true
  fi
  exit "$rc"
}

# ------------------------------------------------------------------------------------------ start-registry
cmd_start_registry() {
  [ $# -ge 2 ] || usage
  local state name auth=htpasswd config='' port='' storage=''
  state=$(state_dir_arg "$1")
  name=$2
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
    --htpasswd) auth=htpasswd ;;
    --no-auth) auth=none ;;
    --config)
      [ $# -ge 2 ] || die "--config needs a file"
      config=$(realpath -- "$2") || die "config file not found: $2"
      auth=custom
      shift
      ;;
    --port)
      if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then die "--port needs a number"; fi
      port=$2
      shift
      ;;
    --storage)
      case ${2:-} in inmemory | filesystem) storage=$2 ;; *) die "--storage needs inmemory or filesystem" ;; esac
      shift
      ;;
    *) die "unknown option for start-registry: $1" ;;
    esac
    shift
  done
  [ "$name" != main ] || die "the name 'main' is used by start"
  for p in docker-registry htpasswd curl jq setsid; do
    command -v "$p" >/dev/null || die "$p not found: run $0 install"
  done
  mkdir -p "$state/pids"
  start_registry "$state" "$name" "$auth" "$config" "$port" "$storage"
  cat "$state/registry-$name.env"
}

# ------------------------------------------------------------------------------------------ stop
do_stop() {
  local state=$1 f name pid kids=() k
  [ -d "$state" ] || {
    log "$state does not exist: nothing to stop"
    return 0
  }
  binfmt_stop "$state"
  # registries first, then the engine (and whatever it spawned, e.g. its managed containerd)
  local stoppers=()
  for f in "$state"/pids/registry-*; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    name=$(basename "$f")
    if [ -n "$pid" ]; then
      stop_pid "$pid" "$name" "$state" &
      stoppers+=($!)
    fi
  done
  for pid in "${stoppers[@]}"; do wait "$pid" || true; done
  rm -f "$state"/pids/registry-*
  f=$state/pids/dockerd
  if [ -f "$f" ]; then
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && ours "$pid" "$state"; then mapfile -t kids < <(descendants "$pid"); fi
    if [ -f "$state/dockerd.children" ]; then mapfile -t -O "${#kids[@]}" kids <"$state/dockerd.children"; fi
    [ -z "$pid" ] || stop_pid "$pid" dockerd "$state"
    local exec_root
    exec_root=$(cat "$state/dockerd.exec-root" 2>/dev/null || echo "$state")
    for k in "${kids[@]}"; do
      if [ -z "$k" ] || ! is_alive "$k"; then continue; fi
      # normally gone with dockerd; left over only when dockerd died hard
      if ours "$k" "$exec_root"; then stop_pid "$k" "dockerd child" "$exec_root"; fi
    done
    rm -f "$f" "$state/dockerd.children"
  fi
  # leftover mounts (overlay layers, containerd snapshots), deepest first
  local extra_root
  extra_root=$(cat "$state/dockerd.exec-root" 2>/dev/null || true)
  local m
  while read -r m; do
    log "unmounting leftover $m"
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "WARNING: could not unmount $m"
  done < <(awk -v a="$state/" -v b="${extra_root:-/nonexistent}/" \
    'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts | sort -r)
  if grep -qF " $state/" /proc/mounts; then
    log "WARNING: mounts remain under $state, not deleting the engine data"
  else
    rm -rf "$state/dockerd" "$state/registry" "$state/docker.sock"
    if [ -n "$extra_root" ] && [[ $extra_root == /tmp/gbp-e2e-exec.* ]]; then rm -rf "$extra_root"; fi
    rm -f "$state/dockerd.exec-root"
  fi
  rmdir "$state/pids" 2>/dev/null || true
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local state ts=$EPOCHREALTIME
  state=$(state_dir_arg "$1")
  [ -d "$state" ] || {
    log "$state does not exist: nothing to stop"
    return 0
  }
  do_stop "$state"
  log "stopped in $(since "$ts")s (logs and env files kept in $state)"
}

# ------------------------------------------------------------------------------------------ status
cmd_status() {
  [ $# -eq 1 ] || usage
  local state f pid rc=0 n=0
  state=$(state_dir_arg "$1")
  for f in "$state"/pids/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    pid=$(cat "$f" 2>/dev/null || true)
    if ours "$pid" "$state"; then
      printf '%-24s PID %-8s running\n' "$(basename "$f")" "$pid"
    else
      printf '%-24s PID %-8s NOT running\n' "$(basename "$f")" "$pid"
      rc=1
    fi
  done
  [ $n -gt 0 ] || {
    echo "nothing started for $state"
    return 1
  }
  local reg
  reg=$(env_get "$state/env" E2E_REGISTRY)
  [ -z "$reg" ] || printf '%-24s %s /v2/ -> %s\n' registry "$reg" "$(http_code "http://$reg/v2/")"
  local dh
  dh=$(env_get "$state/env" DOCKER_HOST)
  [ -z "$dh" ] || printf '%-24s %s -> %s\n' engine "$dh" \
    "$(DOCKER_HOST=$dh timeout 5 docker version --format '{{.Server.Version}}' 2>/dev/null || echo 'not answering')"
  return $rc
}

# ------------------------------------------------------------------------------------------ main
case ${1:-} in
install) shift && cmd_install "$@" ;;
start) shift && cmd_start "$@" ;;
start-registry) shift && cmd_start_registry "$@" ;;
stop) shift && cmd_stop "$@" ;;
status) shift && cmd_status "$@" ;;
emulation-lock) shift && cmd_emulation_lock "$@" ;;
-h | --help | help) usage ;;
*) usage ;;
esac
