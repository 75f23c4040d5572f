#!/usr/bin/env bash
# pc-platform-golden.sh: writes the QEMU golden of the pc-platform guest.
#
#   packages/bench/scripts/pc-platform-golden.sh [--no-build] [--check]
#
# Rebuilds guests/pc-platform (unless --no-build), makes its two disk images with
# scripts/pc-platform-disk.mjs, boots it under qemu-system-i386 with a standard VGA and both
# images on the primary IDE channel (master, slave), and writes guests/pc-platform/golden.txt:
# the serial output and a final line `exit=<code>`. With --check nothing is written; the run
# fails when the golden differs. Needs qemu-system-i386, node (and nasm unless --no-build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
guests_dir=$(cd "$here/../guests" && pwd)
build=1
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pc-platform-golden: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v qemu-system-i386 >/dev/null || { echo "pc-platform-golden: qemu-system-i386 not found" >&2; exit 127; }
[ "$build" -eq 1 ] && "$guests_dir/build" pc-platform >/dev/null
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$here/pc-platform-disk.mjs" "$tmp/master.img" "$tmp/slave.img"
set +e
timeout 60 qemu-system-i386 -kernel "$guests_dir/pc-platform/pc-platform.elf" -m 64 -cpu pentium3 \
  -display none -serial stdio -monitor none -no-reboot -nodefaults -vga std \
  -drive file="$tmp/master.img",format=raw,if=ide,index=0 \
  -drive file="$tmp/slave.img",format=raw,if=ide,index=1 \
  -device isa-debug-exit,iobase=0xf4,iosize=4 >"$tmp/out"
status=$?
set -e
if [ $((status & 1)) -ne 1 ]; then echo "pc-platform-golden: QEMU ended without the exit port (status $status)" >&2; exit 1; fi
{ cat "$tmp/out"; echo "exit=$(( (status >> 1) & 127 ))"; } >"$tmp/golden"
dest="$guests_dir/pc-platform/golden.txt"
if [ "$check" -eq 1 ]; then
  diff -u "$dest" "$tmp/golden"
else
  cp "$tmp/golden" "$dest"
  echo "pc-platform-golden: wrote $dest"
fi
