"""DuckDB baseline: scan every table of a sifund dataset and sum its columns.

usage: duckdb_scan.py DATASET plain|all
  plain: count(*) and sum() of the money columns of each table
  all:   plain, plus every other column touched (sum(length(text)), sum(int), sum(date offset))
Prints wall time and peak RSS of this process (DuckDB runs in-process).
"""
import resource
import sys
import time

import duckdb

TABLES = {
    "contributions": (["base", "employer_amount", "individual_amount", "late_fee"],
                      ["txn_id", "region", "scheme", "person_id", "employer_id", "payer_kind", "account", "receipt_ref", "kind"],
                      ["period"], ["received_on"]),
    "payouts": (["amount"], ["payment_id", "region", "scheme", "person_id", "payee_kind", "benefit", "batch_id"],
                ["period"], ["paid_on", "returned_on"]),
    "fund_flows": (["amount"], ["flow_id", "region", "scheme", "kind", "from_account", "to_account", "counter_region", "counter_scheme"],
                   [], ["date"]),
    "statements": (["amount"], ["line_id", "region", "scheme", "account", "direction"], [], ["date"]),
    "opening_balances": (["book", "statement"], ["region", "scheme", "account"], [], []),
    "persons": (["monthly_base", "monthly_benefit"], ["person_id", "region", "scheme", "sex", "category", "status"],
                ["contribution_months", "benefit_start"], ["birth_date", "enrolled_on"]),
    "deaths": ([], ["person_id", "source"], [], ["death_date"]),
    "budget": (["amount"], ["region", "scheme", "item"], [], []),
}

data, mode = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads TO 2")
t0 = time.perf_counter()
rows = 0
for table, (money, text, ints, dates) in TABLES.items():
    exprs = ["count(*)"] + [f"sum({c})" for c in money]
    if mode == "all":
        exprs += [f"sum(length({c}))" for c in text]
        exprs += [f"sum({c})" for c in ints]
        exprs += [f"sum({c} - DATE '1970-01-01')" for c in dates]
    r = con.execute(f"SELECT {', '.join(exprs)} FROM read_parquet('{data}/{table}.parquet')").fetchone()
    rows += r[0]
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"duckdb {mode}: {dt:.2f} s, {rows / dt / 1e6:.1f} M rows/s, peak {peak} KiB")
