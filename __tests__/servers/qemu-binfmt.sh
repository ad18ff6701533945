# Entry point of the QEMU stand-in image (busybox sh). Same contract as the image that
# docker/setup-qemu-action runs (tonistiigi/binfmt):
#
#   docker run --rm --privileged IMAGE --install arm64[,riscv64,...|all]
#   docker run --rm --privileged IMAGE --uninstall arm64[,...]
#   docker run --rm --privileged IMAGE          prints {"supported":[...],"emulators":[...]}
#
# A handler is written to binfmt_misc as `qemu-<arch>` with the magic and mask of Debian's
# qemu-user-static (its binfmt.d files, in /binfmt.d), the interpreter
# /usr/libexec/gbp-e2e-qemu/qemu-<arch>-static (the harness recognizes its own handlers by that
# directory) and the flags F (the kernel opens the interpreter now, so it works in every later
# container, whose root file system does not have it) and P (keep argv[0], which busybox needs).
set -eu
B=/proc/sys/fs/binfmt_misc
Q=/usr/libexec/gbp-e2e-qemu

[ -e "$B/register" ] || mount -t binfmt_misc binfmt_misc "$B" ||
  { echo "cannot mount binfmt_misc: run the container with --privileged" >&2; exit 1; }

# docker platform or architecture -> qemu's name; '' for the host's own architectures
qemu_arch() {
  a=${1#linux/}
  a=${a%%/*}
  case $a in
  amd64 | x86_64 | 386 | i386 | i686) echo '' ;;
  arm64 | aarch64) echo aarch64 ;;
  arm | armhf | armel | armv6 | armv7) echo arm ;;
  riscv64 | ppc64le | s390x) echo "$a" ;;
  *) return 1 ;;
  esac
}

# the requested list -> qemu arch names (one a line); `all` = every emulator in the image
wanted() {
  if [ "$1" = all ]; then
    for f in "$Q"/qemu-*-static; do f=${f#"$Q"/qemu-}; echo "${f%-static}"; done
    return 0
  fi
  for p in $(echo "$1" | tr ',' ' '); do
    q=$(qemu_arch "$p") || { echo "unsupported architecture: $p" >&2; exit 1; }
    [ -z "$q" ] || echo "$q"
  done
}

install_one() {
  if [ -e "$B/qemu-$1" ]; then
    echo "qemu-$1: already registered"
    return 0
  fi
  IFS=: read -r _ name _ offset magic mask _ _ <"/binfmt.d/qemu-$1.conf"
  # binfmt_misc decodes the \xNN escapes of magic and mask itself
  if printf ':%s:M:%s:%s:%s:%s:PF' "$name" "$offset" "$magic" "$mask" "$Q/qemu-$1-static" \
    >"$B/register" 2>/dev/null; then
    echo "qemu-$1: registered"
  elif [ -e "$B/qemu-$1" ]; then
    echo "qemu-$1: already registered" # someone else was faster
  else
    echo "qemu-$1: registering failed" >&2
    return 1
  fi
}

status() {
  printf '{"supported":["linux/amd64","linux/386"'
  for f in "$B"/qemu-*; do
    [ -e "$f" ] || continue
    case ${f#"$B"/qemu-} in
    aarch64) printf ',"linux/arm64"' ;;
    arm) printf ',"linux/arm/v7","linux/arm/v6"' ;;
    riscv64 | ppc64le | s390x) printf ',"linux/%s"' "${f#"$B"/qemu-}" ;;
    esac
  done
  printf '],"emulators":['
  sep=''
  for f in "$B"/qemu-*; do
    [ -e "$f" ] || continue
    printf '%s"%s"' "$sep" "${f#"$B"/}"
    sep=,
  done
  printf ']}\n'
}

case ${1:-} in
--install)
  [ $# -eq 2 ] || { echo "usage: --install ARCH[,ARCH...]|all" >&2; exit 2; }
  list=$(wanted "$2") # fails (set -e) on an unknown architecture, before any change
  for q in $list; do install_one "$q"; done
  ;;
--uninstall)
  [ $# -eq 2 ] || { echo "usage: --uninstall ARCH[,ARCH...]|all" >&2; exit 2; }
  list=$(wanted "$2")
  for q in $list; do
    if [ -e "$B/qemu-$q" ]; then echo -1 >"$B/qemu-$q" && echo "qemu-$q: removed"; fi
  done
  ;;
'') status ;;
*) echo "unknown argument: $1 (use --install, --uninstall or nothing)" >&2; exit 2 ;;
esac
