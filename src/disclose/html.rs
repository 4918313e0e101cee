//! `disclosure.html`: the public report — one self-contained file (no network, no scripts, no
//! external fonts), in Chinese, readable on a phone and printable. Tables in 万元 rounded once
//! by `present` so they foot; charts as inline SVG. Every figure cell carries its exact value
//! in yuan (`data-yuan`) so a test can check the page against `disclosure.json`.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::consolidate::Row;
use super::present::{foot, group, wan_text};
use super::{Count, Measures};
use crate::model::ids::Level;
use crate::model::money::yuan;
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

fn count_cell(c: Count, measure: &str, region: &str, scheme: &str) -> String {
    match c {
        Count::Shown(n) => format!("<td class=\"n\" data-measure=\"{measure}\" data-region=\"{region}\" data-scheme=\"{scheme}\" data-count=\"{n}\">{}</td>", group(n as u128)),
        Count::Suppressed(_) => format!("<td class=\"n\" data-measure=\"{measure}\" data-region=\"{region}\" data-scheme=\"{scheme}\" data-count=\"suppressed\">—</td>"),
    }
}

const CSS: &str = "body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:0 auto;max-width:1100px;padding:12px;color:#1a1a1a}\
h1{font-size:1.5em;border-bottom:3px solid #b22;padding-bottom:6px}h2{font-size:1.2em;margin-top:1.6em;color:#7a1010}\
.note{font-size:.85em;color:#555}.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}\
th,td{border:1px solid #ccc;padding:4px 6px;white-space:nowrap}th{background:#f3e6e6}td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.total td{font-weight:bold;background:#faf5f5}svg{max-width:100%;height:auto}@media print{.scroll{overflow:visible}h2{page-break-after:avoid}}";

/// Grouped horizontal bars: one group per label, one bar per series (values in 万元 hundredths).
fn bar_chart(title: &str, labels: &[String], series: &[(&str, &str, Vec<i128>)]) -> String {
    let row_h = 14 * series.len() as i64 + 10;
    let (w, left, top) = (820i64, 290i64, 34i64);
    let h = top + row_h * labels.len() as i64 + 30;
    let max = series
        .iter()
        .flat_map(|s| s.2.iter())
        .map(|v| v.abs())
        .max()
        .unwrap_or(1)
        .max(1);
    let scale = |v: i128| (v.abs() * (w - left - 90) as i128 / max) as i64;
    let mut svg = format!("<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">", esc(title));
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        esc(title)
    );
    for (k, (name, color, _)) in series.iter().enumerate() {
        let x = left + 130 * k as i64;
        let _ = write!(svg, "<rect x=\"{x}\" y=\"22\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"31\" font-size=\"11\">{}</text>", x + 14, esc(name));
    }
    for (i, label) in labels.iter().enumerate() {
        let y0 = top + row_h * i as i64 + 6;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 6,
            y0 + row_h / 2,
            esc(label)
        );
        for (k, (_, color, values)) in series.iter().enumerate() {
            let v = values[i];
            let y = y0 + 14 * k as i64;
            let _ = write!(
                svg,
                "<rect x=\"{left}\" y=\"{y}\" width=\"{}\" height=\"11\" fill=\"{color}\"/>",
                scale(v).max(1)
            );
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>",
                left + scale(v) + 4,
                y + 9,
                wan_text(v)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The report. `measures` per fund; `consolidated` rows (gross / eliminated) per level.
pub fn report(year: i32, min_persons: u64, measures: &[Measures], consolidated: &[Row]) -> String {
    let mut by_scheme: BTreeMap<&str, Vec<&Measures>> = BTreeMap::new();
    for m in measures {
        by_scheme.entry(m.scheme.as_str()).or_default().push(m);
    }
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{year}年度社会保险基金信息公开</title><style>{CSS}</style></head><body>\
<h1>{year}年度社会保险基金收支、结余和收益情况</h1>\
<p class=\"note\">依据《中华人民共和国社会保险法》第七十条、《社会保险经办条例》第五十条公开。金额单位：万元，四舍五入保留两位小数，一次取整；\
合计数为精确合计的取整，分项按最大余数法调整，使分项之和等于合计。人数单位：人；不足{min_persons}人的人数不予公布，以“—”表示。\
各统筹地区数为本级基金数（含上下级往来）；分级汇总表另列抵消上下级往来后的数。本报告只含汇总数，不含任何个人信息。</p>"
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
    h.push_str("<section id=\"charts\"><h2>各险种基金收支与结余</h2>");
    h.push_str(&bar_chart(
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
                "{}（{s}）可支付{}个月",
                scheme_name(s),
                months
                    .map(|d| d.round_dp(1).to_string())
                    .unwrap_or_else(|| "—".into())
            )
        })
        .collect();
    h.push_str(&bar_chart(
        "年末滚存结余（万元）与可支付月数",
        &payable,
        &[("年末滚存结余", "#41ab5d", totals(&|m| m.closing_balance))],
    ));
    let contribution = totals(&|m| {
        m.revenue_items
            .iter()
            .filter(|(k, _)| k == "contribution")
            .map(|(_, v)| *v)
            .sum()
    });
    let subsidy = totals(&|m| {
        m.revenue_items
            .iter()
            .filter(|(k, _)| k == "fiscal_subsidy")
            .map(|(_, v)| *v)
            .sum()
    });
    let benefits = totals(&|m| {
        m.expenditure_items
            .iter()
            .filter(|(k, _)| k == "benefits")
            .map(|(_, v)| *v)
            .sum()
    });
    h.push_str(&bar_chart(
        "收入与支出构成（万元）",
        &labels,
        &[
            ("社会保险费收入", "#e6550d", contribution),
            ("财政补贴收入", "#fdae6b", subsidy),
            ("社会保险待遇支出", "#3182bd", benefits),
        ],
    ));
    h.push_str("</section>");

    for (scheme, funds) in &by_scheme {
        let _ = write!(h, "<section id=\"s{scheme}\"><h2>{}（{scheme}）</h2><div class=\"scroll\"><table><thead><tr>\
<th>统筹地区</th><th>参保人数</th><th>缴费人数</th><th>领取待遇人数</th><th>基金收入</th><th>基金支出</th><th>本年收支结余</th>\
<th>年末滚存结余</th><th>投资收益</th><th>收益率</th><th>可支付月数</th></tr></thead><tbody>", scheme_name(scheme));
        let cols: [(&str, Box<dyn Fn(&Measures) -> i128>); 5] = [
            ("revenue", Box::new(|m: &Measures| m.revenue)),
            ("expenditure", Box::new(|m: &Measures| m.expenditure)),
            ("surplus", Box::new(|m: &Measures| m.surplus())),
            (
                "closing_balance",
                Box::new(|m: &Measures| m.closing_balance),
            ),
            ("returns", Box::new(|m: &Measures| m.returns)),
        ];
        let footed: Vec<(Vec<i128>, i128)> = cols
            .iter()
            .map(|(_, f)| foot(&funds.iter().map(|m| f(m)).collect::<Vec<_>>()))
            .collect();
        for (i, m) in funds.iter().enumerate() {
            let (r, s) = (esc(&m.region), esc(scheme));
            let _ = write!(
                h,
                "<tr><td>{r}</td>{}{}{}",
                count_cell(m.participants, "participants", &r, &s),
                count_cell(m.contributors, "contributors", &r, &s),
                count_cell(m.recipients, "recipients", &r, &s)
            );
            for (k, (name, f)) in cols.iter().enumerate() {
                let _ = write!(h, "<td class=\"n\" data-measure=\"{name}\" data-region=\"{r}\" data-scheme=\"{s}\" data-yuan=\"{}\">{}</td>", yuan(f(m)), wan_text(footed[k].0[i]));
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
        let _ = write!(
            h,
            "<tr class=\"total\"><td>合计</td><td></td><td></td><td></td>"
        );
        for (k, _) in cols.iter().enumerate() {
            let _ = write!(h, "<td class=\"n\">{}</td>", wan_text(footed[k].1));
        }
        h.push_str("<td></td><td></td></tr></tbody></table></div></section>");
    }

    // Consolidated by level, inter-level flows eliminated.
    h.push_str("<section id=\"consolidated\"><h2>分级汇总（抵消上下级往来）</h2><div class=\"scroll\"><table><thead><tr><th>级次</th><th>地区</th><th>险种</th>\
<th>收入（汇总）</th><th>抵消</th><th>收入（抵消后）</th><th>支出（汇总）</th><th>抵消</th><th>支出（抵消后）</th><th>年末滚存结余</th></tr></thead><tbody>");
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
        let _ = write!(h, "<tr><td>{lv}</td><td>{region}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            scheme_name(scheme), wan_text(rev[0] + rev[1]), wan_text(rev[1]), wan_text(rev[0]), wan_text(exp[0] + exp[1]), wan_text(exp[1]), wan_text(exp[0]), wan_text(super::present::round_wan(cg)));
    }
    h.push_str(
        "</tbody></table></div></section><p class=\"note\">由 sifund 生成。</p></body></html>\n",
    );
    h
}
