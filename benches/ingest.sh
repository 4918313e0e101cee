#!/usr/bin/env bash
# Ingestion + validation benchmark against DuckDB's scan of the same files and columns.
#
#   benches/ingest.sh [PERSONS]      (default 960000 persons ≈ 20 M contribution rows)
#
# Builds sifund --release, generates the dataset once (benches/data/, git-ignored), installs
# DuckDB from PyPI into benches/.venv, then times, side by side on the same machine:
#   1. sifund validate (all 8 tables: schema, every row rule, duplicates, rejects, manifest)
#   2. DuckDB: sum of the money columns + count(*) per table          ("plain scan-and-sum")
#   3. DuckDB: the same plus every other column touched (sum(length(text)), sum(int), …)
#                                                                       ("same columns")
# Peak memory is the maximum resident set size from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-960000}
DATA=benches/data/p$PERSONS
OUT=benches/out
mkdir -p benches/data "$OUT"

cargo build --release --quiet
BIN=target/release/sifund

if [ ! -f "$DATA/generated.json" ]; then
  echo "generating $PERSONS persons into $DATA"
  /usr/bin/time -f "generate: %e s, peak %M KiB" $BIN generate --out "$DATA" --persons "$PERSONS" --seed 1
fi
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("rows:", d["rows"], "total", sum(d["rows"].values()))' "$DATA/generated.json"

if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
  benches/.venv/bin/pip install --quiet duckdb==2.0.1
fi

cat /proc/cpuinfo | grep -m1 "model name" || true
for i in 1 2 3; do
  /usr/bin/time -f "sifund validate: %e s, peak %M KiB" $BIN validate --dataset "$DATA" --year 2025 --output "$OUT/validate" 2>&1 | grep -v "^sifund:"
  benches/.venv/bin/python benches/duckdb_scan.py "$DATA" plain
  benches/.venv/bin/python benches/duckdb_scan.py "$DATA" all
done
