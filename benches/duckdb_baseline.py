"""DuckDB baselines over a sifund dataset (the same files sifund reads).

usage: duckdb_baseline.py DATASET plain|all|ledger|journal|vouchers|reconcile|census|whole [unordered]
  plain:     count(*) and sum() of the money columns of each table
  all:       plain, plus every other column the validation reads
             (sum(length(text)), sum(int), sum(date offset))
  ledger:    the group-by sums the books need: contributions per fund × account × day × kind,
             payouts per fund × day × benefit (and returns), flows per fund × day × kind × accounts
  journal:   ledger, plus a journal of the same shape as sifund's (two lines per contribution,
             payout and flow: entry_id, date, region, scheme, account_code, debit, credit, item,
             source_table, source_id) written to Parquet with zstd — what sifund's ledger stage does
  vouchers:  sifund's summary vouchers: contributions per fund × day × account × kind ×
             receipt_ref, payouts per fund × day × benefit × batch (and returns), one per flow
  reconcile: book items (receipts by reference or day, batches, returns, flows) joined to the
             statement lines on (fund, account, reference, direction, amount)
  census:    participants per fund, distinct contributors and December recipients per fund
  whole:     all + vouchers + reconcile + census in one sitting: the scans and group-bys behind
             the answers of a whole sifund run (DuckDB writes no report)
Prints wall time, rows scanned per second and the peak RSS of this process (DuckDB runs
in-process, two threads like the machine).
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

LEDGER = [
    """SELECT region, scheme, account, received_on, kind,
              sum(employer_amount + individual_amount), sum(late_fee), count(*)
       FROM read_parquet('{d}/contributions.parquet') GROUP BY ALL""",
    """SELECT region, scheme, paid_on, benefit, sum(amount), count(*)
       FROM read_parquet('{d}/payouts.parquet') GROUP BY ALL""",
    """SELECT region, scheme, returned_on, benefit, sum(amount)
       FROM read_parquet('{d}/payouts.parquet') WHERE returned_on IS NOT NULL GROUP BY ALL""",
    """SELECT region, scheme, date, kind, from_account, to_account, sum(amount), count(*)
       FROM read_parquet('{d}/fund_flows.parquet') GROUP BY ALL""",
]

JOURNAL = """
COPY (
  SELECT file_row_number * 2 AS entry_id, received_on AS date, region, scheme,
         CASE account WHEN 'income' THEN '1002' ELSE '1003' END AS account_code,
         employer_amount + individual_amount AS debit, 0::DECIMAL(18,2) AS credit, NULL::VARCHAR AS item,
         'contributions' AS source_table, txn_id AS source_id
  FROM read_parquet('{d}/contributions.parquet', file_row_number = true)
  UNION ALL
  SELECT file_row_number * 2 + 1, received_on, region, scheme, '4001', 0::DECIMAL(18,2),
         employer_amount + individual_amount, 'contribution', 'contributions', txn_id
  FROM read_parquet('{d}/contributions.parquet', file_row_number = true)
  UNION ALL
  SELECT file_row_number * 2, paid_on, region, scheme, '5001', amount, 0::DECIMAL(18,2), benefit, 'payouts', payment_id
  FROM read_parquet('{d}/payouts.parquet', file_row_number = true)
  UNION ALL
  SELECT file_row_number * 2 + 1, paid_on, region, scheme, '1004', 0::DECIMAL(18,2), amount, NULL, 'payouts', payment_id
  FROM read_parquet('{d}/payouts.parquet', file_row_number = true)
  UNION ALL
  SELECT file_row_number * 2, date, region, scheme, to_account, amount, 0::DECIMAL(18,2), kind, 'fund_flows', flow_id
  FROM read_parquet('{d}/fund_flows.parquet', file_row_number = true)
  UNION ALL
  SELECT file_row_number * 2 + 1, date, region, scheme, from_account, 0::DECIMAL(18,2), amount, kind, 'fund_flows', flow_id
  FROM read_parquet('{d}/fund_flows.parquet', file_row_number = true)
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""

VOUCHERS = [
    """SELECT region, scheme, received_on, account, kind = 'refund', receipt_ref,
              sum(employer_amount + individual_amount), sum(late_fee), count(*)
       FROM read_parquet('{d}/contributions.parquet') GROUP BY ALL""",
    """SELECT region, scheme, paid_on, benefit, batch_id, sum(amount), count(*)
       FROM read_parquet('{d}/payouts.parquet') GROUP BY ALL""",
    """SELECT region, scheme, returned_on, benefit, batch_id, sum(amount), count(*)
       FROM read_parquet('{d}/payouts.parquet') WHERE returned_on IS NOT NULL GROUP BY ALL""",
    """SELECT flow_id, region, scheme, date, kind, from_account, to_account, amount
       FROM read_parquet('{d}/fund_flows.parquet')""",
]

CENSUS = [
    """SELECT region, scheme, count(*) FROM read_parquet('{d}/persons.parquet')
       WHERE status NOT IN ('deceased', 'transferred_out') GROUP BY ALL""",
    """SELECT region, scheme, count(DISTINCT person_id) FROM read_parquet('{d}/contributions.parquet')
       WHERE kind = 'normal' GROUP BY ALL""",
    """SELECT region, scheme, count(DISTINCT person_id) FROM read_parquet('{d}/payouts.parquet')
       WHERE period = 202512 AND returned_on IS NULL
         AND benefit IN ('basic_pension', 'disability_allowance', 'resident_basic_pension',
                         'resident_account_pension', 'unemployment_benefit', 'disability_benefit')
       GROUP BY ALL""",
]

RECONCILE = """
WITH book AS (
  SELECT region, scheme, account, coalesce(receipt_ref, account || strftime(received_on, '%Y%m%d')) AS ref,
         CASE WHEN kind = 'refund' THEN 'out' ELSE 'in' END AS direction, min(received_on) AS date,
         sum(employer_amount + individual_amount + late_fee) AS amount
  FROM read_parquet('{d}/contributions.parquet') GROUP BY ALL
  UNION ALL
  SELECT region, scheme, 'expense', batch_id, 'out', min(paid_on), sum(amount)
  FROM read_parquet('{d}/payouts.parquet') GROUP BY ALL
  UNION ALL
  SELECT region, scheme, 'expense', payment_id, 'in', returned_on, amount
  FROM read_parquet('{d}/payouts.parquet') WHERE returned_on IS NOT NULL
  UNION ALL
  SELECT region, scheme, from_account, ref, 'out', date, amount
  FROM read_parquet('{d}/fund_flows.parquet') WHERE from_account <> 'external'
  UNION ALL
  SELECT region, scheme, to_account, ref, 'in', date, amount
  FROM read_parquet('{d}/fund_flows.parquet') WHERE to_account <> 'external'
),
st AS (SELECT region, scheme, account, ref, direction, date, amount, line_id FROM read_parquet('{d}/statements.parquet'))
SELECT count(*) FILTER (WHERE st.line_id IS NULL) AS not_on_statement, count(*) AS book_items
FROM book LEFT JOIN st USING (region, scheme, account, ref, direction, amount)
"""

data, mode = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads TO 2")
if len(sys.argv) > 3 and sys.argv[3] == "unordered":
    # DuckDB may then write the journal's lines in any order (sifund's are in entry order).
    con.execute("SET preserve_insertion_order = false")
def scan(all_columns):
    n = 0
    for table, (money, text, ints, dates) in TABLES.items():
        exprs = ["count(*)"] + [f"sum({c})" for c in money]
        if all_columns:
            exprs += [f"sum(length({c}))" for c in text]
            exprs += [f"sum({c})" for c in ints]
            exprs += [f"sum({c} - DATE '1970-01-01')" for c in dates]
        n += con.execute(f"SELECT {', '.join(exprs)} FROM read_parquet('{data}/{table}.parquet')").fetchone()[0]
    return n


def queries(qs):
    for q in qs:
        con.execute(q.format(d=data)).fetchall()


t0 = time.perf_counter()
rows = 0
if mode in ("plain", "all"):
    rows = scan(mode == "all")
elif mode in ("ledger", "journal"):
    queries(LEDGER)
    if mode == "journal":
        import os
        import tempfile
        out = os.path.join(tempfile.mkdtemp(), "journal.parquet")
        con.execute(JOURNAL.format(d=data, out=out))
        lines = con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0]
        print(f"  duckdb journal: {lines} lines, {os.path.getsize(out)} bytes")
        os.remove(out)
    rows = sum(con.execute(f"SELECT count(*) FROM read_parquet('{data}/{t}.parquet')").fetchone()[0]
               for t in ("contributions", "payouts", "fund_flows"))
elif mode == "vouchers":
    queries(VOUCHERS)
elif mode == "census":
    queries(CENSUS)
elif mode == "whole":
    rows = scan(True)
    queries(VOUCHERS)
    con.execute(RECONCILE.format(d=data)).fetchone()
    queries(CENSUS)
else:
    r = con.execute(RECONCILE.format(d=data)).fetchone()
    rows = r[1]
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"  duckdb {mode}: {dt:.2f} s, {rows / dt / 1e6:.1f} M rows/s, peak RSS {peak} KiB")
