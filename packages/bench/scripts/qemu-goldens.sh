#!/usr/bin/env bash
# qemu-goldens.sh: boots the committed frobos image under qemu-system-i386 with a few command lines and writes
# guests/frobos/golden/NAME.txt: the serial output with cycle counts masked (cycles=* total=* overhead=*),
# preceded by the command line and the exit code. QEMU is the external oracle for checksums and output.
#
#   scripts/qemu-goldens.sh [--stdout] [NAME...]     (no NAME: all goldens; --stdout: print instead of write)
#
# Needs qemu-system-i386 (apt-get install -y qemu-system-x86). Rebuild the image first if its sources changed
# (guests/build frobos), then rerun this script and review the diff.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
guests="$here/../guests"
image="$guests/frobos/frobos.elf"
golden_dir="$guests/frobos/golden"

# name|command line|timeout (s)
goldens=(
  "quick|quick|60"
  "nano|nano=all iters=5000 hz=0|60"
  "macro-cow|forkwait=2000 compute=64 iomix=2000 hz=1000|120"
  "macro-eager|forkwait=2000 fork=eager compute=64 iomix=2000 hz=1000|120"
  "crash-user|crash=user nano=none|60"
  "full|nano forkwait compute iomix|600"
)

to_stdout=0
names=()
for a in "$@"; do
  case "$a" in
    --stdout) to_stdout=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "qemu-goldens: unknown option $a" >&2; exit 2 ;;
    *) names+=("$a") ;;
  esac
done

mask() { sed -E 's/\b(cycles|total|overhead)=[0-9]+/\1=*/g'; }

status=0
found=0
for g in "${goldens[@]}"; do
  IFS='|' read -r name cmdline timeout_s <<<"$g"
  if [ ${#names[@]} -gt 0 ] && [[ ! " ${names[*]} " == *" $name "* ]]; then continue; fi
  found=$((found + 1))
  out=$("$guests/qemu-run" "$image" -append "$cmdline" --timeout "$timeout_s")
  code=$?
  if [ $code -ge 124 ]; then echo "qemu-goldens: $name: QEMU run failed (status $code)" >&2; status=1; continue; fi
  text=$(printf '# frobos golden: qemu-system-i386 -cpu pentium3 (TCG), cycle counts masked; written by scripts/qemu-goldens.sh\n# cmdline: %s\n# exit: %s\n%s\n' "$cmdline" "$code" "$(printf '%s\n' "$out" | mask)")
  if [ $to_stdout -eq 1 ]; then
    printf '%s\n' "$text"
  else
    mkdir -p "$golden_dir"
    printf '%s\n' "$text" >"$golden_dir/$name.txt"
    echo "qemu-goldens: wrote $golden_dir/$name.txt (exit $code)" >&2
  fi
done
if [ $found -eq 0 ]; then echo "qemu-goldens: no golden named ${names[*]}" >&2; exit 2; fi
exit $status
