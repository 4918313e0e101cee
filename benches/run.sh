#!/usr/bin/env bash
# sifund's stages on a large generated dataset, side by side with DuckDB on the same files.
#
#   benches/run.sh [PERSONS] [REPEAT]     (default 960000 persons ≈ 20 M contribution rows, 2 runs)
#
# Builds sifund --release, generates the dataset once (benches/data/, git-ignored), installs
# DuckDB from PyPI into benches/.venv (git-ignored), then, alternating so machine noise hits
# both alike:
#   sifund run      all stages; per-stage wall times from manifest.json, peak RSS from /usr/bin/time
#   duckdb plain    count(*) + sum of the money columns of every table
#   duckdb all      the same plus every other column the validation reads
#   duckdb vouchers the group-bys behind sifund's summary vouchers (fund × day × account × item × ref)
#   duckdb reconcile  receipts / batches grouped, joined to the statements on reference
#   duckdb census   participants, distinct contributors and recipients per fund
#   duckdb whole    all + vouchers + reconcile + census: the scans behind a whole run
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-960000}
REPEAT=${2:-2}
DATA=benches/data/p$PERSONS
OUT=benches/out
mkdir -p benches/data "$OUT"

cargo build --release --quiet
BIN=target/release/sifund

if [ ! -f "$DATA/generated.json" ]; then
  echo "== generating $PERSONS persons into $DATA"
  /usr/bin/time -f "generate: %e s wall, peak RSS %M KiB" $BIN generate --out "$DATA" --persons "$PERSONS" --seed 1
fi
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["rows"]; print("rows:", r, "total", sum(r.values()))' "$DATA/generated.json"
du -sh "$DATA"

if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
  benches/.venv/bin/pip install --quiet duckdb==2.0.1
fi
cat > "$OUT/pipeline.toml" <<TOML
dataset = "../data/p$PERSONS"
year = 2025
output = "run"
TOML

for i in $(seq "$REPEAT"); do
  echo "== round $i"
  /usr/bin/time -f "sifund run: %e s wall, %U s user, peak RSS %M KiB" $BIN run "$OUT/pipeline.toml" 2>&1 | grep -v "^sifund:"
  python3 -c 'import json,sys; print("  stages (ms):", json.load(open(sys.argv[1]))["timings_ms"])' "$OUT/run/manifest.json"
  for mode in plain all vouchers reconcile census whole; do
    benches/.venv/bin/python benches/duckdb_baseline.py "$DATA" "$mode"
  done
done
