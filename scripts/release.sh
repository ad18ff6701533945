#!/usr/bin/env bash
# Tags a release of the action: scripts/release.sh vX.Y.Z [--push] [--remote NAME]
#
#  1. refuses anything but a SemVer version with a leading v (v1.2.3, v2.0.0-rc.1);
#  2. refuses a dirty work tree, an existing tag, or a dist/ that does not match the source
#     (scripts/check-dist.sh);
#  3. creates the annotated tag vX.Y.Z on HEAD;
#  4. for a release (not a pre-release), moves the major tag vX to it with force, so users of
#     OWNER/ghcr-build-push@vX get it; not when a higher vX.y.z already exists (a backport);
#  5. prints the push commands, and runs them only with --push.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/release.sh vMAJOR.MINOR.PATCH[-PRERELEASE] [--push] [--remote NAME]" >&2
  exit 2
}
die() {
  echo "release: $*" >&2
  exit 1
}

version='' push=false remote=origin
while [ $# -gt 0 ]; do
  case "$1" in
    --push) push=true ;;
    --remote)
      [ $# -ge 2 ] || usage
      remote=$2
      shift
      ;;
    -h | --help) usage ;;
    -*) echo "release: unknown option $1" >&2 && usage ;;
    *)
      [ -z "$version" ] || usage
      version=$1
      ;;
  esac
  shift
done
[ -n "$version" ] || usage

# SemVer 2.0.0 (numbers without leading zeros, dot-separated pre-release and build parts).
num='(0|[1-9][0-9]*)'
ident='[0-9A-Za-z-]+'
semver="^v$num\.$num\.$num(-$ident(\.$ident)*)?(\+$ident(\.$ident)*)?\$"
if ! [[ $version =~ $semver ]]; then
  die "'$version' is not a version like v1.2.3 or v2.0.0-rc.1 (SemVer with a leading v)"
fi
major="v${BASH_REMATCH[1]}"
core="v${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
prerelease=false
[ -n "${BASH_REMATCH[4]}" ] && prerelease=true

git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "not inside a git work tree"
if [ -n "$(git status --porcelain)" ]; then
  git status --short >&2
  die "the work tree is not clean: commit or stash the changes above first"
fi
if git rev-parse -q --verify "refs/tags/$version" >/dev/null; then
  die "tag $version already exists"
fi

echo "release: checking that dist/ matches the source"
bash scripts/check-dist.sh || die "dist/ is stale: run 'npm run build', commit dist/, then release"

# Move the major tag only forward: not for a pre-release, nor below a newer release of it.
move_major=true
reason=''
if $prerelease; then
  move_major=false
  reason="$version is a pre-release"
else
  highest=$(git tag --list "$major.*" | grep -E "^$major\.[0-9]+\.[0-9]+$" | sort -V | tail -n 1 || true)
  if [ -n "$highest" ] && [ "$(printf '%s\n%s\n' "$highest" "$core" | sort -V | tail -n 1)" != "$core" ]; then
    move_major=false
    reason="$highest is newer than $version"
  fi
fi

commit=$(git rev-parse HEAD)
git tag -a "$version" -m "$version" "$commit"
echo "release: tagged $version at $(git log -1 --format='%h %s' "$commit")"

push_cmds=("git push $remote refs/tags/$version")
if $move_major; then
  git tag -f -a "$major" -m "$major → $version" "$commit" >/dev/null
  echo "release: moved $major to $version"
  push_cmds+=("git push --force $remote refs/tags/$major")
else
  echo "release: $major left where it is ($reason)"
fi

if $push; then
  for cmd in "${push_cmds[@]}"; do
    echo "+ $cmd"
    $cmd
  done
else
  echo "release: nothing pushed. To publish:"
  printf '  %s\n' "${push_cmds[@]}"
fi
