#!/usr/bin/env bash
# Runs a command with a faked CPU cache geometry: the gemm crate (candle's matmuls) sizes its blocks
# from /sys/devices/system/cpu/cpu*/cache/index*/{size,ways_of_associativity,...}, so this shows a
# different L1d and L2 to the command, as another CPU would. Used by inference/tests/cross_cpu.rs.
#
#   scripts/fake-cache.sh L1D_SIZE L1D_WAYS L2_SIZE -- CMD [ARGS...]
#   e.g. scripts/fake-cache.sh 32K 8 256K -- cat /sys/devices/system/cpu/cpu0/cache/index0/size
#
# Sizes take a K or M suffix (or plain bytes). In a private mount namespace (`unshare -m`, needs
# root) that only CMD and its children see, each CPU's cache directory is copied to a tmpfs, the
# level-1 Data and level-2 Unified entries are edited (size, number_of_sets, and the L1d ways), and
# the copy is bind-mounted over the real one. CMD replaces this script (exec: same PID, its exit
# status); nothing is left on disk, even when CMD is killed.
set -euo pipefail

usage() {
  echo "usage: $0 L1D_SIZE L1D_WAYS L2_SIZE -- CMD [ARGS...]" >&2
  exit 2
}

# A size such as 48K, 2M or 32768 in bytes.
bytes() {
  case "$1" in
    *[0-9]K) echo $((${1%K} * 1024)) ;;
    *[0-9]M) echo $((${1%M} * 1024 * 1024)) ;;
    *[0-9]) echo $(($1)) ;;
    *) echo "bad size: $1" >&2; exit 2 ;;
  esac
}

if [ "${1:-}" != --inside ]; then
  if (($# < 5)) || [ "$4" != -- ]; then usage; fi
  [ "$(id -u)" -eq 0 ] || { echo "$0: needs root (unshare -m, mount)" >&2; exit 1; }
  exec unshare -m --propagation private "$BASH" "$0" --inside "$@"
fi

# In the new mount namespace.
shift
l1d=$(bytes "$1")
l1d_ways=$(($2))
l2=$(bytes "$3")
shift 4
((l1d > 0 && l1d_ways > 0 && l2 > 0)) || usage
fake="$(mktemp -d "${TMPDIR:-/tmp}/opg-fake-cache.XXXXXX")"
mount -t tmpfs -o size=4m opg-fake-cache "$fake"
for cache in /sys/devices/system/cpu/cpu[0-9]*/cache; do
  [ -d "$cache" ] || continue
  cpu="$(basename "$(dirname "$cache")")"
  cp -r "$cache" "$fake/$cpu"
  for index in "$fake/$cpu"/index*; do
    level="$(cat "$index/level")"
    type="$(cat "$index/type")"
    line="$(cat "$index/coherency_line_size")"
    ways="$(cat "$index/ways_of_associativity")"
    if [ "$level" = 1 ] && [ "$type" = Data ]; then
      size=$l1d
      ways=$l1d_ways
    elif [ "$level" = 2 ] && [ "$type" = Unified ]; then
      size=$l2
    else
      continue
    fi
    echo "$((size / 1024))K" > "$index/size"
    echo "$ways" > "$index/ways_of_associativity"
    echo "$((size / (ways * line)))" > "$index/number_of_sets"
  done
  mount --bind "$fake/$cpu" "$cache"
done
# The bind mounts keep the tmpfs alive; its mount point and the empty directory go.
umount "$fake"
rmdir "$fake"
exec "$@"
