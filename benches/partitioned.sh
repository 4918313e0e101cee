#!/usr/bin/env bash
# The partitioned run's CPU cost against the single run (issue 13): on the benchmark dataset,
# `sifund run` once, then map (M indices) → reduce (W indices) → merge, each index a process of
# its own, run one after the other; total CPU (user + system, /usr/bin/time) of every step.
#
#   benches/partitioned.sh [PERSONS] [M] [W]     (default 960000 persons, M = W = 4)
#
# Expects the dataset of benches/run.sh (benches/data/pPERSONS) and a release build
# (SIFUND_BIN=path runs another binary, to compare two builds in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-960000}
M=${2:-4}
W=${3:-4}
BIN=${SIFUND_BIN:-${CARGO_TARGET_DIR:-target}/release/sifund}
OUT=benches/out/partitioned
rm -rf "$OUT" && mkdir -p "$OUT"
cat > "$OUT/pipeline.toml" <<TOML
dataset = "../../data/p$PERSONS"
year = 2025
output = "run"
TOML
P="$OUT/pipeline.toml"
cpu() { # command… → prints "wall user sys" seconds and the peak RSS in KiB
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/t" "$@" >/dev/null 2>"$OUT/log" || { cat "$OUT/log"; exit 1; }
  cat "$OUT/t"
}
sum() {
  awk '{w+=$1; c+=$2+$3; if ($4>m) m=$4} END {printf "%.1f s wall, %.1f s CPU, peak RSS %.2f GB\n", w, c, m/1048576}'
}
echo "single: $(cpu $BIN run "$P" | sum)"
mv "$OUT/run" "$OUT/single"
rm -rf "$OUT/work"
maps=$(for i in $(seq 0 $((M - 1))); do cpu $BIN map "$P" --work "$OUT/work" --slices "$M" --index "$i"; done)
echo "map ×$M: $(echo "$maps" | sum)"
reduces=$(for i in $(seq 0 $((W - 1))); do cpu $BIN reduce "$P" --work "$OUT/work" --workers "$W" --index "$i"; done)
echo "reduce ×$W: $(echo "$reduces" | sum)"
merge=$(cpu $BIN merge "$P" --work "$OUT/work")
echo "merge: $(echo "$merge" | sum)"
echo "total: $(printf '%s\n%s\n%s\n' "$maps" "$reduces" "$merge" | sum)"
du -sh "$OUT/work" | sed 's/^/work folder: /'
diff -r -x manifest.json "$OUT/single" "$OUT/run" >/dev/null && echo "outputs identical to the single run (manifest aside)"
python3 -c 'import json,sys; print("merge stages (ms):", json.load(open(sys.argv[1]))["timings_ms"])' "$OUT/run/manifest.json"
python3 -c 'import json,sys; print("single stages (ms):", json.load(open(sys.argv[1]))["timings_ms"])' "$OUT/single/manifest.json"
