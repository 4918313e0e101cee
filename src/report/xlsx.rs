//! Workbooks for people, in Chinese (rust_xlsxwriter). Amounts are numbers formatted
//! `#,##0.00`; every total is written as a value computed exactly in fen (not an Excel
//! formula), so what is shown foots to the fen. The creation time comes from the run's year,
//! not the clock, so reruns give the same bytes.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use crate::error::{Error, Result};
use crate::ledger::statements::{FundStatement, PartStatement};
use crate::model::Scheme;

fn err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// Fen as the Excel number nearest the exact yuan amount (presentation only).
/// An input-derived text cut to fit an Excel cell (32,767 characters); the CSV files keep it
/// whole.
fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_000;
    match s.char_indices().nth(MAX) {
        None => s.into(),
        Some((at, _)) => format!("{}…（截断，全文见 CSV）", &s[..at]).into(),
    }
}

fn yuan_number(fen: i128) -> f64 {
    fen as f64 / 100.0
}

pub struct Formats {
    pub money: Format,
    pub money_bold: Format,
    pub bold: Format,
    pub title: Format,
    pub header: Format,
}

pub fn formats() -> Formats {
    let font = "SimSun";
    Formats {
        money: Format::new().set_num_format("#,##0.00").set_font_name(font),
        money_bold: Format::new()
            .set_num_format("#,##0.00")
            .set_bold()
            .set_font_name(font),
        bold: Format::new().set_bold().set_font_name(font),
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_font_name(font),
        header: Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color("#DDEBF7")
            .set_font_name(font),
    }
}

/// A workbook whose document properties do not depend on the clock.
pub fn workbook(year: i32, title: &str) -> Result<Workbook> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(year as u16, 12, 31).map_err(err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("sifund")
            .set_creation_datetime(&created),
    );
    Ok(wb)
}

pub fn save(mut wb: Workbook, path: &Path) -> Result<()> {
    wb.save(path).map_err(err)
}

/// Writes a row of column headers.
fn header_row<S: AsRef<str>>(
    ws: &mut Worksheet,
    row: u32,
    headers: &[S],
    f: &Formats,
) -> Result<()> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, h.as_ref(), &f.header)
            .map_err(err)?;
    }
    Ok(())
}

/// Names a sheet and writes its title (row 1) and unit line (row 2).
fn head(ws: &mut Worksheet, name: &str, title: &str, unit: &str, f: &Formats) -> Result<()> {
    ws.set_name(name).map_err(err)?;
    ws.write_string_with_format(0, 0, title, &f.title)
        .map_err(err)?;
    if !unit.is_empty() {
        ws.write_string(1, 0, unit).map_err(err)?;
    }
    Ok(())
}

fn scheme_name(code: &str) -> &'static str {
    Scheme::from_code(code)
        .map(|s| s.name_zh())
        .unwrap_or("未知险种")
}

/// `ledger/fund_statement.xlsx`: a summary sheet, then one 收支表 per fund.
/// A fund kept in parts 分账核算 (310, 410) shows one column per part and the fund's total
/// beside them, with the transfers between parts on a line of their own.
pub fn fund_statement(
    path: &Path,
    year: i32,
    statements: &[FundStatement],
    books: &crate::ledger::Books,
) -> Result<()> {
    let mut wb = workbook(year, "社会保险基金收支表")?;
    let f = formats();
    summary_sheet(wb.add_worksheet(), year, statements, &f)?;
    for st in statements {
        let parts = crate::ledger::statements::part_statements(&st.fund, &books.funds[&st.fund]);
        let parts = if parts.len() > 1 { parts } else { Vec::new() };
        fund_sheet(wb.add_worksheet(), year, st, &parts, &f)?;
    }
    save(wb, path)
}

fn summary_sheet(
    ws: &mut Worksheet,
    year: i32,
    statements: &[FundStatement],
    f: &Formats,
) -> Result<()> {
    head(
        ws,
        "汇总",
        &format!("社会保险基金收支汇总表（{year}年度）"),
        "单位：元",
        f,
    )?;
    let headers = [
        "统筹地区",
        "险种",
        "险种名称",
        "本年收入",
        "本年支出",
        "本年收支结余",
        "年初滚存结余",
        "年末滚存结余",
    ];
    header_row(ws, 3, &headers, &f)?;
    let mut totals = [0i128; 5];
    let mut row = 4;
    for st in statements {
        ws.write_string(row, 0, &st.fund.0).map_err(err)?;
        ws.write_string(row, 1, &st.fund.1).map_err(err)?;
        ws.write_string(row, 2, scheme_name(&st.fund.1))
            .map_err(err)?;
        let v = [
            st.total_revenue,
            st.total_expenditure,
            st.surplus(),
            st.opening_balance,
            st.closing_balance(),
        ];
        for (k, x) in v.iter().enumerate() {
            totals[k] += x;
            ws.write_number_with_format(row, 3 + k as u16, yuan_number(*x), &f.money)
                .map_err(err)?;
        }
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", &f.bold)
        .map_err(err)?;
    for (k, x) in totals.iter().enumerate() {
        ws.write_number_with_format(row, 3 + k as u16, yuan_number(*x), &f.money_bold)
            .map_err(err)?;
    }
    ws.set_column_width(2, 26).map_err(err)?;
    for c in 3..8 {
        ws.set_column_width(c, 20).map_err(err)?;
    }
    Ok(())
}

fn fund_sheet(
    ws: &mut Worksheet,
    year: i32,
    st: &FundStatement,
    parts: &[PartStatement],
    f: &Formats,
) -> Result<()> {
    let name = scheme_name(&st.fund.1);
    ws.set_name(format!("{} {}", st.fund.0, st.fund.1))
        .map_err(err)?;
    ws.write_string_with_format(0, 0, format!("{}基金收支表", name), &f.title)
        .map_err(err)?;
    ws.write_string(
        1,
        0,
        format!("统筹地区：{}　{year}年度　单位：元", st.fund.0),
    )
    .map_err(err)?;
    ws.write_string_with_format(3, 0, "项目", &f.header)
        .map_err(err)?;
    for (k, p) in parts.iter().enumerate() {
        ws.write_string_with_format(3, 1 + k as u16, p.part.name_zh(), &f.header)
            .map_err(err)?;
    }
    let total_col = parts.len() as u16 + 1;
    let total_head = if parts.is_empty() { "金额" } else { "合计" };
    ws.write_string_with_format(3, total_col, total_head, &f.header)
        .map_err(err)?;
    let mut row = 4;
    // (label, fund amount, each part's amount, bold)
    let mut put = |ws: &mut Worksheet,
                   label: &str,
                   v: i128,
                   by_part: &dyn Fn(&PartStatement) -> i128,
                   strong: bool|
     -> Result<()> {
        let (tf, nf) = if strong {
            (&f.bold, &f.money_bold)
        } else {
            (&Format::new(), &f.money)
        };
        ws.write_string_with_format(row, 0, label, tf)
            .map_err(err)?;
        for (k, p) in parts.iter().enumerate() {
            ws.write_number_with_format(row, 1 + k as u16, yuan_number(by_part(p)), nf)
                .map_err(err)?;
        }
        ws.write_number_with_format(row, total_col, yuan_number(v), nf)
            .map_err(err)?;
        row += 1;
        Ok(())
    };
    put(
        ws,
        "一、本年收入",
        st.total_revenue,
        &|p| p.statement.total_revenue,
        true,
    )?;
    for l in &st.revenue {
        put(
            ws,
            &format!("　　{}", l.name_zh),
            l.amount,
            &|p| p.statement.amount(&l.key),
            false,
        )?;
    }
    put(
        ws,
        "二、本年支出",
        st.total_expenditure,
        &|p| p.statement.total_expenditure,
        true,
    )?;
    for l in &st.expenditure {
        let label = if l.key.starts_with("benefits.") {
            format!("　　　　其中：{}", l.name_zh)
        } else {
            format!("　　{}", l.name_zh)
        };
        put(ws, &label, l.amount, &|p| p.statement.amount(&l.key), false)?;
    }
    put(
        ws,
        "三、本年收支结余",
        st.surplus(),
        &|p| p.statement.surplus(),
        true,
    )?;
    if !parts.is_empty() {
        put(ws, "　　分账间划转（净划入）", 0, &|p| p.transfers, false)?;
    }
    put(
        ws,
        "四、年初滚存结余",
        st.opening_balance,
        &|p| p.statement.opening_balance,
        true,
    )?;
    put(
        ws,
        "五、年末滚存结余",
        st.closing_balance(),
        &|p| p.closing_balance(),
        true,
    )?;
    ws.set_column_width(0, 40).map_err(err)?;
    for c in 1..=total_col {
        ws.set_column_width(c, 22).map_err(err)?;
    }
    Ok(())
}

fn account_name(a: crate::model::Account) -> &'static str {
    match a {
        crate::model::Account::Income => "收入户",
        crate::model::Account::Expense => "支出户",
        crate::model::Account::Fiscal => "财政专户",
        crate::model::Account::Investment => "委托投资",
    }
}

/// `reconcile/reconcile.xlsx`: the 余额调节表 of every account as DOMAIN.md §7.3 lays it out
/// (book side left, statement side right), then the list of items in transit 未达账项.
pub fn reconcile(path: &Path, year: i32, r: &crate::reconcile::Reconciliation) -> Result<()> {
    let mut wb = workbook(year, "银行存款余额调节表")?;
    let f = formats();
    let ws = wb.add_worksheet();
    ws.set_name("余额调节表").map_err(err)?;
    for c in [0u16, 2] {
        ws.set_column_width(c, 30).map_err(err)?;
        ws.set_column_width(c + 1, 20).map_err(err)?;
    }
    let mut row = 0u32;
    for a in &r.accounts {
        let x = &a.year_end;
        let title = format!(
            "{} {} {}存款余额调节表",
            a.key.0,
            scheme_name(&a.key.1),
            account_name(a.key.2)
        );
        ws.write_string_with_format(row, 0, title, &f.title)
            .map_err(err)?;
        ws.write_string(row + 1, 0, format!("{year}年12月31日　单位：元"))
            .map_err(err)?;
        header_row(ws, row + 2, &["项目", "金额", "项目", "金额"], &f)?;
        let lines = [
            (
                "单位银行存款日记账余额",
                x.book_balance,
                "银行对账单余额",
                x.statement_balance,
                false,
            ),
            (
                "加：银行已收、单位未收",
                x.statement_in_not_booked,
                "加：单位已收、银行未收",
                x.booked_in_not_on_statement,
                false,
            ),
            (
                "减：银行已付、单位未付",
                x.statement_out_not_booked,
                "减：单位已付、银行未付",
                x.booked_out_not_on_statement,
                false,
            ),
            (
                "调节后的存款余额",
                x.adjusted_book(),
                "调节后的存款余额",
                x.adjusted_statement(),
                true,
            ),
        ];
        for (k, (l, lv, rlab, rv, strong)) in lines.iter().enumerate() {
            let rr = row + 3 + k as u32;
            let nf = if *strong { &f.money_bold } else { &f.money };
            ws.write_string(rr, 0, *l).map_err(err)?;
            ws.write_number_with_format(rr, 1, yuan_number(*lv), nf)
                .map_err(err)?;
            ws.write_string(rr, 2, *rlab).map_err(err)?;
            ws.write_number_with_format(rr, 3, yuan_number(*rv), nf)
                .map_err(err)?;
        }
        ws.write_string_with_format(row + 7, 0, "差额（应为零）", &f.bold)
            .map_err(err)?;
        ws.write_number_with_format(row + 7, 1, yuan_number(x.difference()), &f.money_bold)
            .map_err(err)?;
        row += 10;
    }
    let ws = wb.add_worksheet();
    ws.set_name("未达账项").map_err(err)?;
    let headers = [
        "统筹地区",
        "险种",
        "账户",
        "方",
        "编号",
        "日期",
        "方向",
        "金额",
        "原因",
    ];
    header_row(ws, 0, &headers, &f)?;
    let reason_zh = |k: &str| match k {
        "not_on_statement" => "单位已记、对账单未见",
        "not_booked" => "对账单已记、单位未记",
        "amount_differs" => "金额不符",
        "ambiguous" => "多个同等候选，未自动匹配",
        "duplicate" => "对账单重复",
        _ => "",
    };
    let mut row = 1u32;
    for a in &r.accounts {
        let sides = a
            .outcome
            .book_left
            .iter()
            .map(|(i, w)| ("单位", &a.book[*i], *w))
            .chain(
                a.outcome
                    .statement_left
                    .iter()
                    .map(|(j, w)| ("银行", &a.statement[*j], *w)),
            );
        for (side, it, why) in sides {
            let cells = [
                a.key.0.as_str(),
                &a.key.1,
                account_name(a.key.2),
                side,
                &it.id,
                &crate::model::date::iso(it.date),
                it.dir.key(),
            ];
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(row, c as u16, clip(v)).map_err(err)?;
            }
            ws.write_number_with_format(row, 7, yuan_number(it.amount as i128), &f.money)
                .map_err(err)?;
            ws.write_string(row, 8, reason_zh(why.key())).map_err(err)?;
            row += 1;
        }
    }
    ws.set_column_width(4, 36).map_err(err)?;
    ws.set_column_width(8, 26).map_err(err)?;
    save(wb, path)
}

/// `disclose/disclosure.xlsx`: the public tables of the HTML report, in 万元 as footed there.
/// The parts of a scheme's funds (310, 410) below its main table: per part revenue,
/// expenditure, transfers between parts and closing balance in 万元, each column footed by the
/// largest-remainder rule. Returns the last row written (`row` when there is none).
fn parts_block(
    ws: &mut Worksheet,
    mut row: u32,
    funds: &[&crate::disclose::Measures],
    f: &Formats,
) -> Result<u32> {
    use crate::disclose::PART_COLUMNS;
    let (with, footed) = crate::disclose::footed_parts(funds);
    let Some(first) = with.first() else {
        return Ok(row);
    };
    row += 2;
    ws.write_string_with_format(
        row,
        0,
        "分账核算（万元；各部分之和以元计等于基金合计，万元取整后末位可能相差；分账间划转不计入收支）",
        &f.bold,
    )
    .map_err(err)?;
    row += 1;
    let mut headers: Vec<String> = vec!["统筹地区".into(), "地区名称".into()];
    for p in &first.parts {
        for (_, c, _) in PART_COLUMNS {
            headers.push(format!("{}{c}", p.part.name_zh()));
        }
    }
    let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
    header_row(ws, row, &hs, f)?;
    for (i, m) in with.iter().enumerate() {
        row += 1;
        ws.write_string(row, 0, &m.region).map_err(err)?;
        ws.write_string(
            row,
            1,
            crate::disclose::regions::name(&m.region).unwrap_or(""),
        )
        .map_err(err)?;
        for (k, part) in footed.iter().enumerate() {
            for (c, (v, _)) in part.iter().enumerate() {
                let col = 2 + (k * 4 + c) as u16;
                ws.write_number_with_format(row, col, v[i] as f64 / 100.0, &f.money)
                    .map_err(err)?;
            }
        }
    }
    row += 1;
    ws.write_string_with_format(row, 0, "合计", &f.bold)
        .map_err(err)?;
    for (k, part) in footed.iter().enumerate() {
        for (c, (_, t)) in part.iter().enumerate() {
            let col = 2 + (k * 4 + c) as u16;
            ws.write_number_with_format(row, col, *t as f64 / 100.0, &f.money_bold)
                .map_err(err)?;
        }
    }
    Ok(row)
}

pub fn disclosure(
    path: &Path,
    year: i32,
    min_persons: u64,
    measures: &[crate::disclose::Measures],
    consolidated: &[crate::disclose::consolidate::Row],
    plans: &std::collections::BTreeMap<crate::model::FundId, crate::disclose::plans::Plans>,
) -> Result<()> {
    use crate::disclose::present::foot;
    use crate::disclose::regions::name as region_name;
    use crate::disclose::Count;
    let mut wb = workbook(year, "社会保险基金信息公开")?;
    let f = formats();
    let mut by_scheme: std::collections::BTreeMap<&str, Vec<&crate::disclose::Measures>> =
        Default::default();
    for m in measures {
        by_scheme.entry(m.scheme.as_str()).or_default().push(m);
    }
    for (scheme, funds) in by_scheme {
        let ws = wb.add_worksheet();
        ws.set_name(format!("{scheme} {}", scheme_name(scheme)))
            .map_err(err)?;
        ws.write_string_with_format(
            0,
            0,
            format!(
                "{}（{scheme}）{year}年度基金收支、结余和收益",
                scheme_name(scheme)
            ),
            &f.title,
        )
        .map_err(err)?;
        ws.write_string(
            1,
            0,
            format!(
                "金额单位：万元（四舍五入，合计按最大余数法调整）；人数单位：人；“—”为不足{min_persons}人不予公布"
            ),
        )
        .map_err(err)?;
        let headers = [
            "统筹地区",
            "地区名称",
            "参保人数",
            "缴费人数",
            "领取待遇人数",
            "基金收入",
            "基金支出",
            "本年收支结余",
            "年末滚存结余",
            "投资收益",
        ];
        header_row(ws, 3, &headers, &f)?;
        let cols: [fn(&crate::disclose::Measures) -> i128; 5] = [
            |m| m.revenue,
            |m| m.expenditure,
            |m| m.surplus(),
            |m| m.closing_balance,
            |m| m.returns,
        ];
        let footed: Vec<(Vec<i128>, i128)> = cols
            .iter()
            .map(|c| foot(&funds.iter().map(|m| c(m)).collect::<Vec<_>>()))
            .collect();
        for (i, m) in funds.iter().enumerate() {
            let row = 4 + i as u32;
            ws.write_string(row, 0, &m.region).map_err(err)?;
            ws.write_string(row, 1, region_name(&m.region).unwrap_or(""))
                .map_err(err)?;
            for (k, c) in [m.participants, m.contributors, m.recipients]
                .iter()
                .enumerate()
            {
                match c {
                    Count::Shown(n) => {
                        ws.write_number(row, 2 + k as u16, *n as f64).map_err(err)?
                    }
                    Count::Suppressed(_) => ws.write_string(row, 2 + k as u16, "—").map_err(err)?,
                };
            }
            for (k, (v, _)) in footed.iter().enumerate() {
                ws.write_number_with_format(row, 5 + k as u16, v[i] as f64 / 100.0, &f.money)
                    .map_err(err)?;
            }
        }
        let mut row = 4 + funds.len() as u32;
        ws.write_string_with_format(row, 0, "合计", &f.bold)
            .map_err(err)?;
        for (k, (_, t)) in footed.iter().enumerate() {
            ws.write_number_with_format(row, 5 + k as u16, *t as f64 / 100.0, &f.money_bold)
                .map_err(err)?;
        }
        ws.set_column_width(1, 14).map_err(err)?;
        for c in 5..16 {
            ws.set_column_width(c, 16).map_err(err)?;
        }
        // 分账核算: the parts of the funds kept in parts, as in the report.
        row = parts_block(ws, row, &funds, &f)?;
        // 预算执行与下年预算, as in the report.
        if let Some(t) = crate::disclose::plans::budget_table(&funds, plans) {
            row += 2;
            let next = t.next_year.unwrap_or(year + 1);
            ws.write_string_with_format(
                row,
                0,
                format!("预算执行与下年预算（万元；执行率 = 执行数 ÷ 预算数 × 100%）"),
                &f.bold,
            )
            .map_err(err)?;
            row += 1;
            let mut headers: Vec<String> = vec!["统筹地区".into(), "地区名称".into()];
            if t.has_approved {
                for g in ["基金收入", "基金支出", "本年收支结余"] {
                    for c in ["预算数", "执行数", "执行率%"] {
                        headers.push(format!("{g}{c}"));
                    }
                }
            }
            if t.has_draft {
                for c in ["收入", "支出", "收支结余", "年末滚存结余"] {
                    headers.push(format!("{next}年预算{c}"));
                }
            }
            let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
            header_row(ws, row, &hs, &f)?;
            let pct = |d: Option<rust_decimal::Decimal>| -> Option<f64> {
                d.and_then(|d| d.to_string().parse().ok())
            };
            for r in &t.rows {
                row += 1;
                ws.write_string(row, 0, r.region).map_err(err)?;
                ws.write_string(row, 1, region_name(r.region).unwrap_or(""))
                    .map_err(err)?;
                let mut col = 2u16;
                if t.has_approved {
                    for g in 0..3 {
                        match r.approved {
                            Some(c) => {
                                for k in [2 * g, 2 * g + 1] {
                                    ws.write_number_with_format(
                                        row,
                                        col,
                                        c[k].shown as f64 / 100.0,
                                        &f.money,
                                    )
                                    .map_err(err)?;
                                    col += 1;
                                }
                                match pct(r.pct[g]) {
                                    Some(p) => ws
                                        .write_number_with_format(row, col, p, &f.money)
                                        .map_err(err)?,
                                    None => ws.write_string(row, col, "—").map_err(err)?,
                                };
                                col += 1;
                            }
                            None => {
                                for _ in 0..3 {
                                    ws.write_string(row, col, "—").map_err(err)?;
                                    col += 1;
                                }
                            }
                        }
                    }
                }
                if t.has_draft {
                    for k in 0..4 {
                        match r.draft {
                            Some(c) => ws
                                .write_number_with_format(
                                    row,
                                    col,
                                    c[k].shown as f64 / 100.0,
                                    &f.money,
                                )
                                .map_err(err)?,
                            None => ws.write_string(row, col, "—").map_err(err)?,
                        };
                        col += 1;
                    }
                }
            }
            row += 1;
            ws.write_string_with_format(row, 0, "合计", &f.bold)
                .map_err(err)?;
            let mut col = 2u16;
            if t.has_approved {
                let (shown, p) = &t.approved_totals;
                for g in 0..3 {
                    for k in [2 * g, 2 * g + 1] {
                        ws.write_number_with_format(
                            row,
                            col,
                            shown[k] as f64 / 100.0,
                            &f.money_bold,
                        )
                        .map_err(err)?;
                        col += 1;
                    }
                    if let Some(v) = pct(p[g]) {
                        ws.write_number_with_format(row, col, v, &f.money_bold)
                            .map_err(err)?;
                    }
                    col += 1;
                }
            }
            if t.has_draft {
                for v in &t.draft_totals {
                    ws.write_number_with_format(row, col, *v as f64 / 100.0, &f.money_bold)
                        .map_err(err)?;
                    col += 1;
                }
            }
        }
    }
    // 分级汇总: gross, eliminated and net revenue and expenditure per city and province.
    let ws = wb.add_worksheet();
    ws.set_name("分级汇总").map_err(err)?;
    ws.write_string_with_format(
        0,
        0,
        format!("分级汇总（抵消上下级往来）{year}年度"),
        &f.title,
    )
    .map_err(err)?;
    ws.write_string(
        1,
        0,
        "金额单位：万元（净额与抵消额各自取整，汇总额为两者之和）",
    )
    .map_err(err)?;
    let headers = [
        "级次",
        "地区",
        "地区名称",
        "险种",
        "收入（汇总）",
        "抵消",
        "收入（抵消后）",
        "支出（汇总）",
        "抵消",
        "支出（抵消后）",
        "年末滚存结余",
    ];
    header_row(ws, 3, &headers, &f)?;
    let mut nodes: std::collections::BTreeMap<
        (crate::model::ids::Level, &str, &str),
        std::collections::BTreeMap<&str, (i128, i128)>,
    > = Default::default();
    for r in consolidated
        .iter()
        .filter(|r| r.level != crate::model::ids::Level::County)
    {
        nodes
            .entry((r.level, r.region.as_str(), r.scheme.as_str()))
            .or_default()
            .insert(r.measure.as_str(), (r.gross, r.eliminated));
    }
    let mut row = 4u32;
    for ((level, region, scheme), m) in &nodes {
        let lv = if *level == crate::model::ids::Level::Province {
            "省级"
        } else {
            "市级"
        };
        ws.write_string(row, 0, lv).map_err(err)?;
        ws.write_string(row, 1, *region).map_err(err)?;
        ws.write_string(row, 2, region_name(region).unwrap_or(""))
            .map_err(err)?;
        ws.write_string(row, 3, scheme_name(scheme)).map_err(err)?;
        let mut col = 4u16;
        for key in ["revenue", "expenditure"] {
            let (g, e) = m.get(key).copied().unwrap_or_default();
            let (r, _) = foot(&[g - e, e]);
            for v in [r[0] + r[1], r[1], r[0]] {
                ws.write_number_with_format(row, col, v as f64 / 100.0, &f.money)
                    .map_err(err)?;
                col += 1;
            }
        }
        let (c, _) = m.get("closing_balance").copied().unwrap_or_default();
        ws.write_number_with_format(
            row,
            col,
            crate::disclose::present::round_wan(c) as f64 / 100.0,
            &f.money,
        )
        .map_err(err)?;
        row += 1;
    }
    save(wb, path)
}

/// The 社预 table groups of DOMAIN.md §6.3: (sheet, title, schemes).
const BUDGET_TABLES: [(&str, &str, &[&str]); 7] = [
    ("社预02表", "企业职工基本养老保险基金收支预算表", &["110"]),
    ("社预03表", "城乡居民基本养老保险基金收支预算表", &["170"]),
    (
        "社预04表",
        "机关事业单位基本养老保险基金收支预算表",
        &["120"],
    ),
    (
        "社预05表",
        "职工基本医疗保险(含生育保险)基金收支预算表",
        &["310", "510"],
    ),
    ("社预06表", "城乡居民基本医疗保险基金收支预算表", &["390"]),
    ("社预07表", "工伤保险基金收支预算表", &["410"]),
    ("社预08表", "失业保险基金收支预算表", &["210"]),
];

/// The driver tables 社预附01–03.
const BASIS_TABLES: [(&str, &str, &[&str]); 3] = [
    (
        "社预附01表",
        "基本养老保险基础资料表",
        &["110", "120", "170"],
    ),
    (
        "社预附02表",
        "基本医疗保险基础资料表",
        &["310", "390", "510"],
    ),
    (
        "社预附03表",
        "失业保险、工伤保险基础资料表",
        &["210", "410"],
    ),
];

/// `budget/draft.xlsx`: 社预01 (all funds side by side), 社预02–08 per scheme with the base
/// year, the budget and the budget as % of the base year, 社预附01–03 with the drivers.
pub fn budget(path: &Path, b: &crate::budget::Budget) -> Result<()> {
    use crate::budget::draft_rows;
    let year = b.year + 1;
    let mut wb = workbook(b.year, "社会保险基金预算草案")?;
    let f = formats();
    let pct = Format::new().set_num_format("0.00").set_font_name("SimSun");
    // 社预01: one column per fund and a total.
    {
        let ws = wb.add_worksheet();
        head(
            ws,
            "社预01表",
            &format!("社会保险基金收支预算总表（{year}年）"),
            "单位：元",
            &f,
        )?;
        ws.write_string_with_format(3, 0, "项目", &f.header)
            .map_err(err)?;
        let mut keys: Vec<(String, String)> = Vec::new();
        for x in &b.funds {
            for r in draft_rows(x) {
                if !keys.iter().any(|k| k.0 == r.0) {
                    keys.push((r.0, r.1));
                }
            }
        }
        for (c, x) in b.funds.iter().enumerate() {
            ws.write_string_with_format(
                3,
                1 + c as u16,
                format!("{} {}", x.fund.0, scheme_name(&x.fund.1)),
                &f.header,
            )
            .map_err(err)?;
        }
        let total_col = 1 + b.funds.len() as u16;
        ws.write_string_with_format(3, total_col, "合计", &f.header)
            .map_err(err)?;
        for (r, (key, name)) in keys.iter().enumerate() {
            let row = 4 + r as u32;
            ws.write_string(row, 0, name).map_err(err)?;
            let mut total = 0i128;
            for (c, x) in b.funds.iter().enumerate() {
                let v = draft_rows(x)
                    .into_iter()
                    .find(|d| &d.0 == key)
                    .map(|d| d.3)
                    .unwrap_or(0);
                total += v;
                ws.write_number_with_format(row, 1 + c as u16, yuan_number(v), &f.money)
                    .map_err(err)?;
            }
            ws.write_number_with_format(row, total_col, yuan_number(total), &f.money_bold)
                .map_err(err)?;
        }
        ws.set_column_width(0, 30).map_err(err)?;
        for c in 1..=total_col {
            ws.set_column_width(c, 22).map_err(err)?;
        }
    }
    for (sheet, title, schemes) in BUDGET_TABLES {
        let ws = wb.add_worksheet();
        head(ws, sheet, &format!("{title}（{year}年）"), "单位：元", &f)?;
        let mut row = 3u32;
        for x in b
            .funds
            .iter()
            .filter(|x| schemes.contains(&x.fund.1.as_str()))
        {
            ws.write_string_with_format(
                row,
                0,
                format!("统筹地区：{}　{}", x.fund.0, scheme_name(&x.fund.1)),
                &f.bold,
            )
            .map_err(err)?;
            row += 1;
            for (c, h) in [
                "项目",
                &format!("{}年执行数", b.year),
                &format!("{year}年预算数"),
                "预算数为上年执行数的%",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string_with_format(row, c as u16, *h, &f.header)
                    .map_err(err)?;
            }
            row += 1;
            for (key, name, base, budget) in draft_rows(x) {
                let label = if key.starts_with("benefits.") {
                    format!("　　其中：{name}")
                } else {
                    name
                };
                ws.write_string(row, 0, label).map_err(err)?;
                ws.write_number_with_format(row, 1, yuan_number(base), &f.money)
                    .map_err(err)?;
                ws.write_number_with_format(row, 2, yuan_number(budget), &f.money)
                    .map_err(err)?;
                if base != 0 {
                    ws.write_number_with_format(row, 3, budget as f64 / base as f64 * 100.0, &pct)
                        .map_err(err)?;
                }
                row += 1;
            }
            row += 1;
        }
        if row == 3 {
            ws.write_string(row, 0, "（本数据集无此险种）")
                .map_err(err)?;
        }
        ws.set_column_width(0, 36).map_err(err)?;
        for c in 1..4 {
            ws.set_column_width(c, 22).map_err(err)?;
        }
    }
    if b.funds.iter().any(|x| !x.projection.is_empty()) {
        projection_sheet(wb.add_worksheet(), b, &f)?;
    }
    for (sheet, title, schemes) in BASIS_TABLES {
        let ws = wb.add_worksheet();
        head(ws, sheet, &format!("{title}（{year}年）"), "", &f)?;
        let headers = [
            "统筹地区",
            "险种",
            "指标",
            "指标名称",
            &format!("{}年实际", b.year),
            &format!("{year}年预计"),
            "单位",
            "测算方法",
        ];
        header_row(ws, 2, &headers, &f)?;
        let mut row = 3u32;
        for x in b
            .funds
            .iter()
            .filter(|x| schemes.contains(&x.fund.1.as_str()))
        {
            for r in &x.basis {
                ws.write_string(row, 0, &x.fund.0).map_err(err)?;
                ws.write_string(row, 1, scheme_name(&x.fund.1))
                    .map_err(err)?;
                ws.write_string(row, 2, &r.driver).map_err(err)?;
                ws.write_string(row, 3, r.name).map_err(err)?;
                for (c, v) in [(4u16, &r.actual), (5, &r.projected)] {
                    match v.parse::<f64>() {
                        Ok(n) => ws.write_number(row, c, n).map_err(err)?,
                        Err(_) => ws.write_string(row, c, v.as_str()).map_err(err)?,
                    };
                }
                ws.write_string(row, 6, r.unit).map_err(err)?;
                ws.write_string(row, 7, &r.method).map_err(err)?;
                row += 1;
            }
        }
        for (c, w) in [
            (0u16, 10.0),
            (1, 26.0),
            (2, 34.0),
            (3, 20.0),
            (4, 18.0),
            (5, 18.0),
            (6, 14.0),
            (7, 80.0),
        ] {
            ws.set_column_width(c, w).map_err(err)?;
        }
    }
    save(wb, path)
}

/// 基金中长期测算: per fund and year, the scenarios side by side (closing balance, months
/// payable), and the year each scenario's balance runs out.
fn projection_sheet(ws: &mut Worksheet, b: &crate::budget::Budget, f: &Formats) -> Result<()> {
    head(
        ws,
        "中长期测算",
        "社会保险基金中长期收支测算（情景对比）",
        "单位：元；可支付月数 = 年末滚存结余 ÷ (本年支出 ÷ 12)",
        f,
    )?;
    let names: Vec<&str> = b
        .funds
        .iter()
        .find(|x| !x.projection.is_empty())
        .map(|x| x.projection.iter().map(|(n, _)| n.as_str()).collect())
        .unwrap_or_default();
    let mut row = 3u32;
    let months = Format::new().set_num_format("0.00").set_font_name("SimSun");
    for x in b.funds.iter().filter(|x| !x.projection.is_empty()) {
        ws.write_string_with_format(
            row,
            0,
            format!("统筹地区：{}　{}", x.fund.0, scheme_name(&x.fund.1)),
            &f.bold,
        )
        .map_err(err)?;
        row += 1;
        ws.write_string_with_format(row, 0, "年度", &f.header)
            .map_err(err)?;
        for (k, n) in names.iter().enumerate() {
            let c = 1 + 2 * k as u16;
            ws.write_string_with_format(row, c, format!("{n} 年末滚存结余"), &f.header)
                .map_err(err)?;
            ws.write_string_with_format(row, c + 1, format!("{n} 可支付月数"), &f.header)
                .map_err(err)?;
        }
        row += 1;
        let years = x.projection[0].1.len();
        for j in 0..years {
            ws.write_number(row, 0, x.projection[0].1[j].year as f64)
                .map_err(err)?;
            for (k, (_, ys)) in x.projection.iter().enumerate() {
                let y = &ys[j];
                let c = 1 + 2 * k as u16;
                ws.write_number_with_format(row, c, yuan_number(y.closing()), &f.money)
                    .map_err(err)?;
                if let Some(m) =
                    crate::model::money::months_payable(y.closing(), y.total_expenditure)
                {
                    let m: f64 = m.try_into().unwrap_or(0.0);
                    ws.write_number_with_format(row, c + 1, m, &months)
                        .map_err(err)?;
                }
            }
            row += 1;
        }
        ws.write_string(row, 0, "基金耗尽年份").map_err(err)?;
        for (k, (_, ys)) in x.projection.iter().enumerate() {
            let text = crate::budget::runs_out(ys)
                .map(|y| y.to_string())
                .unwrap_or_else(|| "测算期内不耗尽".into());
            ws.write_string(row, 1 + 2 * k as u16, text).map_err(err)?;
        }
        row += 2;
    }
    ws.set_column_width(0, 28).map_err(err)?;
    for c in 1..=(2 * names.len() as u16) {
        ws.set_column_width(c, 20).map_err(err)?;
    }
    Ok(())
}
