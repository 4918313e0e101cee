//! JSON whose numbers are exact decimals: yuan written as `1234.50` from integer fen, ratios
//! from `Decimal`, never through `f64` (serde_json's own numbers are `f64`/`i64`). Printed in
//! serde_json's pretty layout (two spaces, `"key": value`), strings escaped by serde_json.

use rust_decimal::Decimal;

use crate::model::money::yuan;

/// A JSON value; `Num` holds the decimal text as written.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// Fen as yuan with 2 decimals.
    pub fn money(fen: i128) -> J {
        J::Num(yuan(fen))
    }
    pub fn int(n: impl Into<i128>) -> J {
        J::Num(n.into().to_string())
    }
    /// A ratio as computed (its scale kept), or null when undefined.
    pub fn dec(d: Option<Decimal>) -> J {
        d.map_or(J::Null, |d| J::Num(d.to_string()))
    }
    pub fn str(s: impl Into<String>) -> J {
        J::Str(s.into())
    }
    pub fn opt_str(s: Option<&str>) -> J {
        s.map_or(J::Null, |s| J::Str(s.to_string()))
    }
    pub fn obj<K: Into<String>>(fields: impl IntoIterator<Item = (K, J)>) -> J {
        J::Obj(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Pretty-printed, ending with no newline (as `serde_json::to_vec_pretty`).
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        let pad = |out: &mut String, d: usize| out.extend(std::iter::repeat_n("  ", d));
        match self {
            J::Null => out.push_str("null"),
            J::Num(n) => out.push_str(n),
            J::Str(s) => out.push_str(&serde_json::to_string(s).expect("a string serialises")),
            J::Arr(v) if v.is_empty() => out.push_str("[]"),
            J::Obj(v) if v.is_empty() => out.push_str("{}"),
            J::Arr(v) => {
                out.push_str("[\n");
                for (i, x) in v.iter().enumerate() {
                    pad(out, depth + 1);
                    x.write(out, depth + 1);
                    out.push_str(if i + 1 < v.len() { ",\n" } else { "\n" });
                }
                pad(out, depth);
                out.push(']');
            }
            J::Obj(v) => {
                out.push_str("{\n");
                for (i, (k, x)) in v.iter().enumerate() {
                    pad(out, depth + 1);
                    out.push_str(&serde_json::to_string(k).expect("a key serialises"));
                    out.push_str(": ");
                    x.write(out, depth + 1);
                    out.push_str(if i + 1 < v.len() { ",\n" } else { "\n" });
                }
                pad(out, depth);
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_exactly_and_parse_back() {
        // 2^53 + 1 fen: a double cannot hold it, the text does
        let big = 9_007_199_254_740_993i128;
        let j = J::obj([
            ("a", J::money(big)),
            ("b", J::money(-5)),
            ("r", J::dec(Some(Decimal::new(1500, 4)))),
            ("n", J::dec(None)),
            ("s", J::str("杭州市 \"x\"")),
            ("e", J::Arr(vec![])),
            ("l", J::Arr(vec![J::int(1), J::Null])),
        ]);
        let text = j.pretty();
        assert!(text.contains("\"a\": 90071992547409.93,"), "{text}");
        assert!(text.contains("\"b\": -0.05,") && text.contains("\"r\": 0.1500,"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["s"], "杭州市 \"x\"");
        assert!(v["n"].is_null() && v["e"].as_array().unwrap().is_empty());
        // the same layout serde_json prints
        let plain = J::obj([("x", J::int(1)), ("y", J::Arr(vec![J::str("z")]))]);
        let again: serde_json::Value = serde_json::from_str(&plain.pretty()).unwrap();
        assert_eq!(
            plain.pretty(),
            serde_json::to_string_pretty(&again).unwrap()
        );
    }
}
