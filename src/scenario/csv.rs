//! A small RFC-4180 reader: comma-separated fields, `"`-quoted fields with
//! `""` for a quote, records ended by `\n` or `\r\n`, an optional UTF-8 byte
//! order mark. It works on bytes and bounds every record and cell, so ragged,
//! non-UTF-8 or huge input becomes an error naming the row, never a panic.

/// The longest cell accepted, in bytes.
pub const MAX_CELL: usize = 64 * 1024;
/// The most fields a record may hold.
pub const MAX_FIELDS: usize = 1024;

/// A record's problem: its row number (the header is row 1), the 0-based
/// field it happened in, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvProblem {
    /// Row number, counting the header as row 1.
    pub row: usize,
    /// 0-based field index.
    pub field: usize,
    /// What is wrong.
    pub message: String,
}

/// A record: its row number (the header is row 1) and its raw cells.
pub type RawRecord = (usize, Vec<Vec<u8>>);

/// Iterates over the records of a byte buffer.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    row: usize,
    comments: bool,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes` (a leading UTF-8 byte order mark is skipped).
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        let pos = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        Reader { bytes, pos, row: 0, comments: false }
    }

    /// The same reader, skipping lines that start with `#` (comments; they
    /// still count as rows).
    pub fn skipping_comments(self) -> Reader<'a> {
        Reader { comments: true, ..self }
    }

    /// The next record as raw cells with its row number, `None` at the end.
    /// Blank lines are skipped (they still count as rows).
    pub fn next_record(&mut self) -> Option<Result<RawRecord, CsvProblem>> {
        loop {
            if self.pos >= self.bytes.len() {
                return None;
            }
            self.row += 1;
            let rest = &self.bytes[self.pos..];
            if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
                self.pos += if rest[0] == b'\r' { 2 } else { 1 };
                continue;
            }
            if self.comments && rest.starts_with(b"#") {
                self.skip_line(self.pos);
                continue;
            }
            return Some(self.record());
        }
    }

    fn record(&mut self) -> Result<RawRecord, CsvProblem> {
        let row = self.row;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut cell: Vec<u8> = Vec::new();
        let problem = |field: usize, message: &str| CsvProblem { row, field, message: message.to_string() };
        let bytes = self.bytes;
        let mut i = self.pos;
        let mut quoted = false;
        let mut at_start = true;
        let mut after_quote = false;
        loop {
            let b = bytes.get(i).copied();
            if quoted {
                match b {
                    None => {
                        self.pos = i;
                        return Err(problem(fields.len(), "a quoted cell is not closed before the end of the file"));
                    }
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                        cell.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        quoted = false;
                        after_quote = true;
                        i += 1;
                    }
                    Some(c) => {
                        cell.push(c);
                        i += 1;
                    }
                }
            } else {
                match b {
                    None | Some(b'\n') => {
                        if cell.last() == Some(&b'\r') && !after_quote {
                            cell.pop();
                        }
                        fields.push(std::mem::take(&mut cell));
                        self.pos = if b.is_some() { i + 1 } else { i };
                        return Ok((row, fields));
                    }
                    Some(b'\r') if after_quote && matches!(bytes.get(i + 1), Some(b'\n') | None) => {
                        i += 1;
                    }
                    Some(b',') => {
                        fields.push(std::mem::take(&mut cell));
                        at_start = true;
                        after_quote = false;
                        i += 1;
                        if fields.len() >= MAX_FIELDS {
                            self.skip_line(i);
                            return Err(problem(fields.len(), &format!("more than {MAX_FIELDS} cells")));
                        }
                        continue;
                    }
                    Some(b'"') if at_start => {
                        quoted = true;
                        i += 1;
                    }
                    Some(_) if after_quote => {
                        self.skip_line(i);
                        return Err(problem(fields.len(), "text after the closing quote of a quoted cell"));
                    }
                    Some(b'"') => {
                        self.skip_line(i);
                        return Err(problem(fields.len(), "a quote inside an unquoted cell"));
                    }
                    Some(c) => {
                        cell.push(c);
                        i += 1;
                    }
                }
            }
            at_start = false;
            if cell.len() > MAX_CELL {
                self.skip_line(i);
                return Err(problem(fields.len(), &format!("a cell longer than {MAX_CELL} bytes")));
            }
        }
    }

    /// After an error, resumes at the next line (best effort).
    fn skip_line(&mut self, from: usize) {
        let rest = self.bytes.get(from..).unwrap_or_default();
        self.pos = rest.iter().position(|&b| b == b'\n').map_or(self.bytes.len(), |p| from + p + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8]) -> Vec<Result<RawRecord, CsvProblem>> {
        let mut reader = Reader::new(text);
        std::iter::from_fn(|| reader.next_record()).collect()
    }

    fn cells(record: &Result<RawRecord, CsvProblem>) -> Vec<String> {
        record.as_ref().unwrap().1.iter().map(|c| String::from_utf8(c.clone()).unwrap()).collect()
    }

    #[test]
    fn reads_quoted_and_unquoted_cells() {
        let records = all(b"\xEF\xBB\xBFa,\"b, c\",\"d \"\"e\"\"\"\r\n1,,3\n\n\"x\ny\",2,\r\n");
        assert_eq!(records.len(), 3);
        assert_eq!(cells(&records[0]), ["a", "b, c", "d \"e\""]);
        assert_eq!(cells(&records[1]), ["1", "", "3"]);
        assert_eq!(records[2].as_ref().unwrap().0, 4);
        assert_eq!(cells(&records[2]), ["x\ny", "2", ""]);
    }

    #[test]
    fn reports_hostile_records_without_panicking() {
        let records = all(b"a,b\n1,\"2\"x\n3,4\n\"open");
        assert_eq!(records[1].as_ref().unwrap_err().row, 2);
        assert_eq!(cells(&records[2]), ["3", "4"]);
        assert!(records[3].as_ref().unwrap_err().message.contains("not closed"));
        let huge = [b"a\n".as_slice(), &vec![b'x'; MAX_CELL + 10]].concat();
        assert!(all(&huge)[1].as_ref().unwrap_err().message.contains("longer"));
        let wide = vec![b','; MAX_FIELDS + 5];
        assert!(all(&wide)[0].is_err());
        assert!(all(b"a\"b\n")[0].as_ref().unwrap_err().message.contains("inside"));
    }

    #[test]
    fn comment_lines_are_skipped_when_asked() {
        let mut reader = Reader::new(b"# one\na\n# two\n1").skipping_comments();
        let records: Vec<RawRecord> = std::iter::from_fn(|| reader.next_record()).map(Result::unwrap).collect();
        // Rows 1 and 3 are comments: the header is row 2, the data row 4.
        assert_eq!(records, [(2, vec![b"a".to_vec()]), (4, vec![b"1".to_vec()])]);
        assert_eq!(all(b"#x\n")[0].as_ref().unwrap().1, [b"#x".to_vec()]);
    }
}
