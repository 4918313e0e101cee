//! `disclosure.html`: the public report — one self-contained file (no network, no scripts, no
//! external fonts), in Chinese, readable on a phone and printable on A4. Tables in 万元
//! rounded once by `present` so they foot; charts as inline SVG. Every figure cell carries its
//! exact value in yuan (`data-yuan`) so a test can check the page against `disclosure.json`.
//!
//! Layout rules (checked in Chromium at 390 × 844 and 1280 × 800 by `tests/browser.rs`):
//! - each chart is drawn twice: a wide one (820 user units, shown 1:1 from a viewport of
//!   861 px) and a narrow one for phones, in CSS pixels with bars as percentages of the width
//!   and each scheme's label above its bars, so no chart text is scaled below its size
//!   (12–14 px); CSS shows one of them;
//! - tables scroll inside their own box with the first column (the region) kept in view;
//!   nothing else is wider than the screen;
//! - every chart has a title and a text alternative (`<title>`, `<desc>` with its figures);
//!   tables have captions and header scopes; printing shows the wide charts and lets table
//!   cells wrap so tables fit an A4 page.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::consolidate::Row;
use super::plans::{Plans, APPROVED_COLUMNS, DRAFT_COLUMNS};
use super::present::{foot, group, round_wan, wan_text};
use super::regions;
use super::{Count, Measures};
use crate::model::ids::Level;
use crate::model::money::yuan;
use crate::model::FundId;
use crate::model::Scheme;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn scheme_name(code: &str) -> &'static str {
    Scheme::from_code(code)
        .map(|s| s.name_zh())
        .unwrap_or("未知险种")
}

/// A region as a row header: its name and, smaller, its code; the code alone without a name.
fn region_th(code: &str) -> String {
    let c = esc(code);
    match regions::name(code) {
        Some(n) => format!(
            "<th scope=\"row\" data-region=\"{c}\">{} <span class=\"code\">{c}</span></th>",
            esc(n)
        ),
        None => format!("<th scope=\"row\" data-region=\"{c}\">{c}</th>"),
    }
}

fn count_cell(c: Count, measure: &str, region: &str, scheme: &str) -> String {
    match c {
        Count::Shown(n) => format!("<td class=\"n\" data-measure=\"{measure}\" data-region=\"{region}\" data-scheme=\"{scheme}\" data-count=\"{n}\">{}</td>", group(n as u128)),
        Count::Suppressed(_) => format!("<td class=\"n\" data-measure=\"{measure}\" data-region=\"{region}\" data-scheme=\"{scheme}\" data-count=\"suppressed\">—</td>"),
    }
}

fn pct_text(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| format!("{d}%")).unwrap_or_else(|| "—".into())
}

const CSS: &str = "body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:0 auto;max-width:1100px;padding:12px;color:#1a1a1a;line-height:1.5;overflow-wrap:anywhere}\
h1{font-size:1.5em;border-bottom:3px solid #b22;padding-bottom:6px;line-height:1.3}h2{font-size:1.2em;margin-top:1.6em;color:#7a1010}h3{font-size:1em;margin:1.2em 0 .3em}\
.note{font-size:.85em;color:#555}.code{color:#666;font-size:.85em;font-variant-numeric:tabular-nums}\
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:separate;border-spacing:0;min-width:100%;font-size:.85em;margin:.3em 0 .8em}\
caption{text-align:left;font-weight:bold;padding:2px 0 4px}\
th,td{border-right:1px solid #ccc;border-bottom:1px solid #ccc;padding:4px 6px;white-space:nowrap;overflow-wrap:normal}tr>:first-child{border-left:1px solid #ccc}thead tr:first-child>*{border-top:1px solid #ccc}\
thead th{background:#f3e6e6}td.n{text-align:right;font-variant-numeric:tabular-nums}\
th[scope=row]{text-align:left;font-weight:normal;background:#fff}th[scope=row],thead tr:first-child>:first-child{position:sticky;left:0;z-index:1}thead tr:first-child>:first-child{z-index:2;background:#f3e6e6}\
tr.total>*{font-weight:bold;background:#faf5f5}\
figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:4px}svg{display:block}\
.wide svg{width:100%;max-width:820px;height:auto}.narrow{display:none}\
@media (max-width:860px){.wide{display:none}.narrow{display:block}body{padding:10px}}\
@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:10pt}.wide{display:block}.narrow{display:none}\
.scroll{overflow:visible}table{min-width:0;width:100%;font-size:7pt}table.many{font-size:6pt}th,td{white-space:normal;padding:2px 3px}table.many td{padding:1px 2px}th[scope=row],thead tr:first-child>:first-child{position:static}\
thead{display:table-header-group}tr,figure{break-inside:avoid}h2,h3,caption{break-after:avoid}}";

/// One series of a chart: name, colour, a value per label (hundredths of 万元).
type Series<'a> = (&'a str, &'a str, Vec<i128>);

/// The chart's text alternative: every label with every series' value.
fn chart_desc(labels: &[String], series: &[Series]) -> String {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let v: Vec<String> = series
                .iter()
                .map(|(n, _, vs)| format!("{n} {} 万元", wan_text(vs[i])))
                .collect();
            format!("{}：{}", l.replace('\n', ""), v.join("，"))
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// Grouped horizontal bars, wide and narrow (see the module doc).
fn bar_chart(id: &str, title: &str, labels: &[String], series: &[Series]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.2.iter())
        .map(|v| v.abs())
        .max()
        .unwrap_or(1)
        .max(1);
    let desc = esc(&chart_desc(labels, series));
    let t = esc(title);
    let mut out = format!("<figure id=\"{id}\" aria-labelledby=\"{id}-cap\"><figcaption id=\"{id}-cap\">{t}</figcaption>");

    // Wide: labels left of the bars, 1:1 from 861 px.
    let bar = 16i64;
    let lines = labels.iter().map(|l| l.lines().count()).max().unwrap_or(1) as i64;
    let row_h = ((bar + 4) * series.len() as i64 + 12).max(17 * lines + 8);
    let (w, left, top) = (820i64, 300i64, 30i64);
    let h = top + row_h * labels.len() as i64 + 6;
    let scale = |v: i128| (v.abs() * (w - left - 110) as i128 / max) as i64;
    let _ = write!(out, "<div class=\"wide\"><svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-wt {id}-wd\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-wt\">{t}</title><desc id=\"{id}-wd\">{desc}</desc>");
    for (k, (name, color, _)) in series.iter().enumerate() {
        let x = left + 170 * k as i64;
        let _ = write!(out, "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"17\" font-size=\"13\">{}</text>", x + 16, esc(name));
    }
    for (i, label) in labels.iter().enumerate() {
        let y0 = top + row_h * i as i64 + 6;
        let n = label.lines().count() as i64;
        for (k, line) in label.lines().enumerate() {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
                left - 8,
                y0 + (row_h - 12) / 2 + 5 - 8 * (n - 1) + 16 * k as i64,
                esc(line)
            );
        }
        for (k, (_, color, values)) in series.iter().enumerate() {
            let v = values[i];
            let y = y0 + (bar + 4) * k as i64;
            let _ = write!(
                out,
                "<rect x=\"{left}\" y=\"{y}\" width=\"{}\" height=\"{bar}\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
                scale(v).max(1),
                left + scale(v) + 5,
                y + 13,
                wan_text(v)
            );
        }
    }
    out.push_str("</svg></div>");

    // Narrow: CSS pixels, bars as percentages; per label its name, then per series a line of
    // text and the bar under it.
    // A label's second line (after `\n`) goes under its first, as in the wide chart.
    let (label_h, text_h, bar_h, gap) = (22i64, 20i64, 10i64, 14i64);
    let series_h = (text_h + bar_h + 4) * series.len() as i64 + gap;
    let h: i64 = labels
        .iter()
        .map(|l| label_h * l.lines().count() as i64 + series_h)
        .sum();
    let _ = write!(out, "<div class=\"narrow\"><svg width=\"100%\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-nt {id}-nd\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-nt\">{t}</title><desc id=\"{id}-nd\">{desc}</desc>");
    let mut y = 0i64;
    for (i, label) in labels.iter().enumerate() {
        for (k, line) in label.lines().enumerate() {
            let (size, weight) = if k == 0 {
                (15, " font-weight=\"bold\"")
            } else {
                (13, "")
            };
            let _ = write!(
                out,
                "<text x=\"0\" y=\"{}\" font-size=\"{size}\"{weight}>{}</text>",
                y + 16,
                esc(line)
            );
            y += label_h;
        }
        for (name, color, values) in series {
            let v = values[i];
            let _ = write!(
                out,
                "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text><text x=\"100%\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
                y + 14,
                esc(name),
                y + 14,
                wan_text(v)
            );
            // per mille of the width, at least a sliver
            let pm = (v.abs() * 1000 / max).max(3);
            let _ = write!(
                out,
                "<rect x=\"0\" y=\"{}\" width=\"{}.{}%\" height=\"{bar_h}\" fill=\"{color}\"/>",
                y + text_h,
                pm / 10,
                pm % 10
            );
            y += text_h + bar_h + 4;
        }
        y += gap;
    }
    out.push_str("</svg></div></figure>");
    out
}

fn money_cell(measure: &str, r: &str, s: &str, fen: i128, shown: i128) -> String {
    format!(
        "<td class=\"n\" data-measure=\"{measure}\" data-region=\"{r}\" data-scheme=\"{s}\" data-yuan=\"{}\">{}</td>",
        yuan(fen),
        wan_text(shown)
    )
}

/// The parts of a scheme's funds 分账核算 (310 统筹基金 / 个人账户, 410 统筹基金 / 储备金):
/// revenue, expenditure and closing balance of each part, beside the fund totals of the main
/// table. Each column foots to its 合计 by the largest-remainder rule; the exact yuan are in
/// `data-yuan` (and in the CSV/JSON, where the parts add up to the fund to the fen).
fn parts_table(h: &mut String, year: i32, scheme: &str, funds: &[&Measures]) {
    let (with, footed) = super::footed_parts(funds);
    let Some(first) = with.first() else {
        return;
    };
    let parts: Vec<crate::model::catalog::SubFund> = first.parts.iter().map(|p| p.part).collect();
    let s = esc(scheme);
    let _ = write!(h, "<h3>分账核算</h3><p class=\"note\">{}基金分{}核算、统一管理；各部分之和等于上表的基金合计（以元计精确相等，万元取整后末位可能相差）。分账间划转为基金内部划转（如统筹基金划入退休人员个人账户），不计入基金收支。金额单位：万元。</p>\
<div class=\"scroll\"><table class=\"many\"><caption>{}（{s}）{year}年分账收支</caption><thead><tr><th scope=\"col\" rowspan=\"2\">统筹地区</th>",
        scheme_name(scheme),
        parts.iter().map(|p| p.name_zh()).collect::<Vec<_>>().join("和"),
        scheme_name(scheme));
    for p in &parts {
        let _ = write!(
            h,
            "<th scope=\"colgroup\" colspan=\"4\">{}</th>",
            p.name_zh()
        );
    }
    h.push_str("</tr><tr>");
    for _ in &parts {
        for (_, heading, _) in super::PART_COLUMNS {
            let _ = write!(h, "<th scope=\"col\">{heading}</th>");
        }
    }
    h.push_str("</tr></thead><tbody>");
    for (i, m) in with.iter().enumerate() {
        let r = esc(&m.region);
        h.push_str("<tr>");
        h.push_str(&region_th(&m.region));
        for (k, p) in m.parts.iter().enumerate() {
            for (c, (name, _, f)) in super::PART_COLUMNS.iter().enumerate() {
                let measure = format!("sub_fund.{}.{name}", p.part.key());
                h.push_str(&money_cell(&measure, &r, &s, f(p), footed[k][c].0[i]));
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("<tr class=\"total\"><th scope=\"row\">合计</th>");
    for part in &footed {
        for (_, t) in part {
            let _ = write!(h, "<td class=\"n\">{}</td>", wan_text(*t));
        }
    }
    h.push_str("</tr></tbody></table></div>");
}

/// The budget table of a scheme: this year's approved budget against the outturn and next
/// year's draft, for the funds that have them (`plans::budget_table`).
fn budget_table(
    h: &mut String,
    year: i32,
    scheme: &str,
    funds: &[&Measures],
    plans: &BTreeMap<FundId, Plans>,
) {
    let Some(t) = super::plans::budget_table(funds, plans) else {
        return;
    };
    let next = t.next_year.unwrap_or(year + 1);
    let s = esc(scheme);
    let _ = write!(h, "<h3>预算执行与下年预算</h3><p class=\"note\">{year}年经批准的预算数与执行数（决算数），执行率 = 执行数 ÷ 预算数 × 100%，四舍五入保留两位小数；{}金额单位：万元。</p>\
<div class=\"scroll\"><table class=\"many\"><caption>{}（{s}）预算执行</caption><thead><tr><th scope=\"col\" rowspan=\"2\">统筹地区</th>",
        if t.has_draft { format!("下年预算为本次编制的{next}年预算草案（基准假设）的合计数；") } else { String::new() }, scheme_name(scheme));
    if t.has_approved {
        for g in ["基金收入", "基金支出", "本年收支结余"] {
            let _ = write!(h, "<th scope=\"colgroup\" colspan=\"3\">{g}</th>");
        }
    }
    if t.has_draft {
        let _ = write!(
            h,
            "<th scope=\"colgroup\" colspan=\"4\">下年预算（{next}年）</th>"
        );
    }
    h.push_str("</tr><tr>");
    if t.has_approved {
        for _ in 0..3 {
            h.push_str("<th scope=\"col\">预算数</th><th scope=\"col\">执行数</th><th scope=\"col\">执行率</th>");
        }
    }
    if t.has_draft {
        h.push_str("<th scope=\"col\">收入</th><th scope=\"col\">支出</th><th scope=\"col\">收支结余</th><th scope=\"col\">年末滚存结余</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        let r = esc(row.region);
        h.push_str("<tr>");
        h.push_str(&region_th(row.region));
        if t.has_approved {
            for g in 0..3 {
                match row.approved {
                    Some(c) => {
                        for k in [2 * g, 2 * g + 1] {
                            h.push_str(&money_cell(
                                APPROVED_COLUMNS[k],
                                &r,
                                &s,
                                c[k].fen,
                                c[k].shown,
                            ));
                        }
                        let key = ["revenue", "expenditure", "surplus"][g];
                        let pct = row.pct[g];
                        let _ = write!(h, "<td class=\"n\" data-measure=\"execution_pct.{key}\" data-region=\"{r}\" data-scheme=\"{s}\" data-value=\"{}\">{}</td>", pct.map(|d| d.to_string()).unwrap_or_default(), pct_text(pct));
                    }
                    None => h.push_str(
                        "<td class=\"n\">—</td><td class=\"n\">—</td><td class=\"n\">—</td>",
                    ),
                }
            }
        }
        if t.has_draft {
            for k in 0..4 {
                match row.draft {
                    Some(c) => {
                        h.push_str(&money_cell(DRAFT_COLUMNS[k], &r, &s, c[k].fen, c[k].shown))
                    }
                    None => h.push_str("<td class=\"n\">—</td>"),
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("<tr class=\"total\"><th scope=\"row\">合计</th>");
    if t.has_approved {
        let (shown, pct) = &t.approved_totals;
        for g in 0..3 {
            let _ = write!(
                h,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                wan_text(shown[2 * g]),
                wan_text(shown[2 * g + 1]),
                pct_text(pct[g])
            );
        }
    }
    if t.has_draft {
        for v in &t.draft_totals {
            let _ = write!(h, "<td class=\"n\">{}</td>", wan_text(*v));
        }
    }
    h.push_str("</tr></tbody></table></div>");
}

/// The report. `measures` per fund; `consolidated` rows (gross / eliminated) per level;
/// `plans` the approved and drafted budgets the run has, per fund.
pub fn report(
    year: i32,
    min_persons: u64,
    measures: &[Measures],
    consolidated: &[Row],
    plans: &BTreeMap<FundId, Plans>,
) -> String {
    let mut by_scheme: BTreeMap<&str, Vec<&Measures>> = BTreeMap::new();
    for m in measures {
        by_scheme.entry(m.scheme.as_str()).or_default().push(m);
    }
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{year}年度社会保险基金信息公开</title><style>{CSS}</style></head><body><main>\
<h1>{year}年度社会保险基金收支、结余和收益情况</h1>\
<p class=\"note\">依据《中华人民共和国社会保险法》第七十条、《社会保险经办条例》第五十条公开。金额单位：万元，四舍五入保留两位小数，一次取整；\
合计数为精确合计的取整，分项按最大余数法调整，使分项之和等于合计。人数单位：人；不足{min_persons}人的人数不予公布，以“—”表示。\
各统筹地区数为本级基金数（含上下级往来）；分级汇总表另列抵消上下级往来后的数。地区名称据民政部《2023年中华人民共和国县以上行政区划代码》。\
本报告只含汇总数，不含任何个人信息。</p>"
    );
    // Charts over the schemes: totals of the funds (gross).
    let labels: Vec<String> = by_scheme
        .keys()
        .map(|s| format!("{}（{s}）", scheme_name(s)))
        .collect();
    let totals = |f: &dyn Fn(&Measures) -> i128| -> Vec<i128> {
        by_scheme
            .values()
            .map(|v| foot(&v.iter().map(|m| f(m)).collect::<Vec<_>>()).1)
            .collect()
    };
    h.push_str("<section id=\"charts\" aria-labelledby=\"charts-h\"><h2 id=\"charts-h\">各险种基金收支与结余</h2>");
    h.push_str(&bar_chart(
        "chart-flows",
        "基金收入与支出（万元）",
        &labels,
        &[
            ("基金收入", "#c0392b", totals(&|m| m.revenue)),
            ("基金支出", "#2c7fb8", totals(&|m| m.expenditure)),
        ],
    ));
    // 可支付月数 of each scheme's funds together: Σ closing ÷ (Σ expenditure ÷ 12).
    let payable: Vec<String> = by_scheme
        .iter()
        .map(|(s, v)| {
            let months = super::months_payable(
                v.iter().map(|m| m.closing_balance).sum(),
                v.iter().map(|m| m.expenditure).sum(),
            );
            format!(
                "{}（{s}）\n可支付{}个月",
                scheme_name(s),
                months
                    .map(|d| d.round_dp(1).to_string())
                    .unwrap_or_else(|| "—".into())
            )
        })
        .collect();
    h.push_str(&bar_chart(
        "chart-balance",
        "年末滚存结余（万元）与可支付月数",
        &payable,
        &[("年末滚存结余", "#41ab5d", totals(&|m| m.closing_balance))],
    ));
    let item_total = |items: fn(&Measures) -> &[(String, i128)], key: &'static str| {
        totals(&move |m: &Measures| {
            items(m)
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| *v)
                .sum()
        })
    };
    h.push_str(&bar_chart(
        "chart-items",
        "收入与支出构成（万元）",
        &labels,
        &[
            (
                "社会保险费收入",
                "#e6550d",
                item_total(|m| &m.revenue_items, "contribution"),
            ),
            (
                "财政补贴收入",
                "#fdae6b",
                item_total(|m| &m.revenue_items, "fiscal_subsidy"),
            ),
            (
                "社会保险待遇支出",
                "#3182bd",
                item_total(|m| &m.expenditure_items, "benefits"),
            ),
        ],
    ));
    h.push_str("</section>");

    for (scheme, funds) in &by_scheme {
        let s = esc(scheme);
        let _ = write!(h, "<section id=\"s{s}\" aria-labelledby=\"s{s}-h\"><h2 id=\"s{s}-h\">{}（{s}）</h2><div class=\"scroll\"><table><caption>{year}年基金收支（万元、人）</caption><thead><tr>\
<th scope=\"col\">统筹地区</th><th scope=\"col\">参保人数</th><th scope=\"col\">缴费人数</th><th scope=\"col\">领取待遇人数</th><th scope=\"col\">基金收入</th><th scope=\"col\">基金支出</th><th scope=\"col\">本年收支结余</th>\
<th scope=\"col\">年末滚存结余</th><th scope=\"col\">投资收益</th><th scope=\"col\">收益率</th><th scope=\"col\">可支付月数</th></tr></thead><tbody>", scheme_name(scheme));
        let cols: [(&str, fn(&Measures) -> i128); 5] = [
            ("revenue", |m| m.revenue),
            ("expenditure", |m| m.expenditure),
            ("surplus", |m| m.surplus()),
            ("closing_balance", |m| m.closing_balance),
            ("returns", |m| m.returns),
        ];
        let footed: Vec<(Vec<i128>, i128)> = cols
            .iter()
            .map(|(_, f)| foot(&funds.iter().map(|m| f(m)).collect::<Vec<_>>()))
            .collect();
        for (i, m) in funds.iter().enumerate() {
            let r = esc(&m.region);
            let _ = write!(
                h,
                "<tr>{}{}{}{}",
                region_th(&m.region),
                count_cell(m.participants, "participants", &r, &s),
                count_cell(m.contributors, "contributors", &r, &s),
                count_cell(m.recipients, "recipients", &r, &s)
            );
            for (k, (name, f)) in cols.iter().enumerate() {
                h.push_str(&money_cell(name, &r, &s, f(m), footed[k].0[i]));
            }
            let pct = m
                .return_rate
                .map(|d| format!("{:.2}%", d * rust_decimal::Decimal::from(100)))
                .unwrap_or_else(|| "—".into());
            let months = m
                .months_payable
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into());
            let _ = write!(h, "<td class=\"n\" data-measure=\"return_rate\" data-value=\"{}\">{pct}</td><td class=\"n\" data-measure=\"months_payable\" data-value=\"{}\">{months}</td></tr>", m.return_rate.map(|d| d.to_string()).unwrap_or_default(), m.months_payable.map(|d| d.to_string()).unwrap_or_default());
        }
        h.push_str("<tr class=\"total\"><th scope=\"row\">合计</th><td></td><td></td><td></td>");
        for (_, t) in &footed {
            let _ = write!(h, "<td class=\"n\">{}</td>", wan_text(*t));
        }
        h.push_str("<td></td><td></td></tr></tbody></table></div>");
        parts_table(&mut h, year, scheme, funds);
        budget_table(&mut h, year, scheme, funds, plans);
        h.push_str("</section>");
    }

    // Consolidated by level, inter-level flows eliminated.
    h.push_str("<section id=\"consolidated\" aria-labelledby=\"consolidated-h\"><h2 id=\"consolidated-h\">分级汇总（抵消上下级往来）</h2><div class=\"scroll\"><table><caption>分级汇总（万元）</caption><thead><tr><th scope=\"col\">地区</th><th scope=\"col\">级次</th><th scope=\"col\">险种</th>\
<th scope=\"col\">收入（汇总）</th><th scope=\"col\">抵消</th><th scope=\"col\">收入（抵消后）</th><th scope=\"col\">支出（汇总）</th><th scope=\"col\">抵消</th><th scope=\"col\">支出（抵消后）</th><th scope=\"col\">年末滚存结余</th></tr></thead><tbody>");
    let mut nodes: BTreeMap<(Level, &str, &str), BTreeMap<&str, (i128, i128)>> = BTreeMap::new();
    for r in consolidated.iter().filter(|r| r.level != Level::County) {
        nodes
            .entry((r.level, r.region.as_str(), r.scheme.as_str()))
            .or_default()
            .insert(r.measure.as_str(), (r.gross, r.eliminated));
    }
    for ((level, region, scheme), m) in &nodes {
        let lv = match level {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
        };
        let (rg, re) = m.get("revenue").copied().unwrap_or_default();
        let (eg, ee) = m.get("expenditure").copied().unwrap_or_default();
        let (cg, _) = m.get("closing_balance").copied().unwrap_or_default();
        let (rev, _) = foot(&[rg - re, re]);
        let (exp, _) = foot(&[eg - ee, ee]);
        let _ = write!(h, "<tr>{}<td>{lv}</td><td>{}（{}）</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            region_th(region), scheme_name(scheme), esc(scheme), wan_text(rev[0] + rev[1]), wan_text(rev[1]), wan_text(rev[0]), wan_text(exp[0] + exp[1]), wan_text(exp[1]), wan_text(exp[0]), wan_text(round_wan(cg)));
    }
    h.push_str(
        "</tbody></table></div></section><p class=\"note\">由 sifund 生成。</p></main></body></html>\n",
    );
    h
}
