#!/usr/bin/env bash
# silicon-goldens.sh: writes the QEMU goldens of the t-* silicon test guests.
#
#   packages/bench/scripts/silicon-goldens.sh [--no-build] [--check] [GUEST...]
#
# For each t-* guest of packages/bench/guests (or each one named), rebuilds its image with
# guests/build (unless --no-build, which boots the committed image), boots it under
# qemu-system-i386 with guests/qemu-run, and writes guests/t-<area>/golden.txt: the guest's
# serial output followed by one final line `exit=<code>`. With --check nothing is written;
# the run fails when a golden differs. The output is deterministic: running it twice changes
# nothing. Needs qemu-system-i386 (and nasm unless --no-build):
#   apt-get install -y qemu-system-x86 nasm
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
guests_dir=$(cd "$here/../guests" && pwd)
build=1
check=0
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "silicon-goldens: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for d in "$guests_dir"/t-*/; do names+=("$(basename "$d")"); done
fi
[ "$build" -eq 1 ] && "$guests_dir/build" "${names[@]}" >/dev/null
export LC_ALL=C
status=0
for g in "${names[@]}"; do
  image="$guests_dir/$g/$g.elf"
  [ -f "$image" ] || { echo "silicon-goldens: no image $image" >&2; exit 2; }
  out=$(mktemp)
  set +e
  "$guests_dir/qemu-run" "$image" --timeout 60 >"$out"
  code=$?
  set -e
  [ "$code" -eq 127 ] && { rm -f "$out"; exit 127; }
  # The golden ends with the exit line on a line of its own, even after unterminated output.
  if [ -s "$out" ] && [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" != '\n' ]; then echo >>"$out"; fi
  echo "exit=$code" >>"$out"
  golden="$guests_dir/$g/golden.txt"
  if [ "$check" -eq 1 ]; then
    if cmp -s "$out" "$golden"; then echo "silicon-goldens: $g ok"; else echo "silicon-goldens: $g DIFFERS" >&2; status=1; fi
    rm -f "$out"
  else
    mv "$out" "$golden"
    chmod 644 "$golden"
    echo "silicon-goldens: $g -> $(wc -l <"$golden") lines, exit=$code"
  fi
done
exit $status
