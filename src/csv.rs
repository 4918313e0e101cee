//! CSV documents (UTF-8, header row, RFC 4180 quoting) built in memory: the stages format
//! their tables with it; `run/` writes the bytes.

/// A CSV document built in memory, row by row. Fields are quoted when needed (RFC 4180).
pub struct Csv {
    buf: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Csv {
        let mut c = Csv { buf: String::new() };
        c.row(header.iter().copied());
        c
    }

    pub fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut first = true;
        for f in fields {
            if !first {
                self.buf.push(',');
            }
            first = false;
            let f = f.as_ref();
            if f.contains([',', '"', '\n', '\r']) {
                self.buf.push('"');
                self.buf.push_str(&f.replace('"', "\"\""));
                self.buf.push('"');
            } else {
                self.buf.push_str(f);
            }
        }
        self.buf.push('\n');
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_when_needed() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(["x,y", "say \"hi\""]);
        assert_eq!(
            String::from_utf8(c.into_bytes()).unwrap(),
            "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n"
        );
    }
}
