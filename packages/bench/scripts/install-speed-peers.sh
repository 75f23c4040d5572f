#!/usr/bin/env bash
# install-speed-peers.sh: installs the peers `pnpm bench:speed` measures side by side with x86virt.
#
#   packages/bench/scripts/install-speed-peers.sh [--no-apt]
#
#   - qemu-system-i386 (TCG) and nasm/gcc-multilib (the host build of the loops): Debian packages
#     via apt-get (skipped with --no-apt, or when already installed);
#   - v86 (npm, pinned below) into .cache/speed-peers/ at the repository root: not a project
#     dependency, so a normal install never downloads it. The benchmark finds it there.
set -euo pipefail
V86_VERSION=0.5.462
root=$(cd "$(dirname "$0")/../../.." && pwd)
cache="$root/.cache/speed-peers"
apt=1
[ "${1:-}" = "--no-apt" ] && apt=0

need=()
command -v qemu-system-i386 >/dev/null || need+=(qemu-system-x86)
command -v nasm >/dev/null || need+=(nasm)
echo 'int main(void){return 0;}' | gcc -m32 -x c -o /dev/null - 2>/dev/null || need+=(gcc-multilib)
if [ ${#need[@]} -gt 0 ]; then
  if [ $apt = 1 ]; then
    sudo=""
    [ "$(id -u)" != 0 ] && sudo=sudo
    $sudo apt-get update
    $sudo apt-get install -y --no-install-recommends "${need[@]}"
  else
    echo "install-speed-peers: missing Debian packages (not installed, --no-apt): ${need[*]}" >&2
  fi
fi

mkdir -p "$cache"
if [ ! -f "$cache/node_modules/v86/package.json" ] || ! grep -q "\"version\": \"$V86_VERSION\"" "$cache/node_modules/v86/package.json"; then
  [ -f "$cache/package.json" ] || echo '{ "private": true, "description": "peers of pnpm bench:speed (install-speed-peers.sh)" }' > "$cache/package.json"
  npm install --prefix "$cache" --no-audit --no-fund --save-exact "v86@$V86_VERSION"
fi
echo "install-speed-peers: qemu-system-i386: $(command -v qemu-system-i386 || echo missing)"
echo "install-speed-peers: v86 $V86_VERSION in $cache/node_modules/v86"
