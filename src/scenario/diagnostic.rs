//! Diagnostics: one problem in a scenario file, an imported policy file or a
//! cohort table, positioned where the user can find it.

use std::fmt;
use std::path::{Path, PathBuf};

use super::yaml::Mark;

/// Whether a diagnostic stops the file from being used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The file is invalid.
    Error,
    /// Legal but suspicious.
    Warning,
}

/// One problem in a scenario file or a cohort table.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where in the file.
    pub at: Position,
    /// What is wrong and what would be valid.
    pub message: String,
    /// The file it is in, when not the scenario file itself (an imported
    /// policy file, a cohort table).
    pub file: Option<PathBuf>,
}

/// Where in a file a diagnostic points.
#[derive(Clone, Debug, PartialEq)]
pub enum Position {
    /// A YAML file: the key path such as `practices[2].revenue.medicare_ffs`
    /// (empty for the whole file) and the line:column, when known.
    Key {
        /// The key path.
        path: String,
        /// The line:column.
        mark: Option<Mark>,
    },
    /// A table's row (data rows counted from 1) and, for one cell, its column
    /// as the file names it.
    Row {
        /// The row.
        row: usize,
        /// The column, when the problem is one cell.
        column: Option<String>,
    },
    /// A table as a whole (its columns, its size).
    Table,
}

impl Diagnostic {
    /// An error at `at` in `file` (`None`: the scenario file).
    pub fn error(at: Position, message: impl Into<String>, file: Option<PathBuf>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, at, message: message.into(), file }
    }

    /// The line:column it points at, for a YAML file.
    pub fn mark(&self) -> Option<Mark> {
        match self.at {
            Position::Key { mark, .. } => mark,
            Position::Row { .. } | Position::Table => None,
        }
    }

    /// Renders as `FILE:LINE:COL: error: PATH: MESSAGE` for a YAML file and
    /// `FILE: row N, column `NAME`: MESSAGE` for a table, where `FILE` is the
    /// file the problem is in, else `file` (the scenario).
    pub fn render(&self, file: &Path) -> String {
        let file = self.file.as_deref().unwrap_or(file).display();
        let message = &self.message;
        match &self.at {
            Position::Key { path, mark } => {
                let position = match mark {
                    Some(mark) => format!("{file}:{mark}"),
                    None => file.to_string(),
                };
                if path.is_empty() {
                    format!("{position}: {}: {message}", self.severity)
                } else {
                    format!("{position}: {}: {path}: {message}", self.severity)
                }
            }
            Position::Row { row, column: Some(column) } => format!("{file}: row {row}, column `{column}`: {message}"),
            Position::Row { row, column: None } => format!("{file}: row {row}: {message}"),
            Position::Table => format!("{file}: {message}"),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(position: Position, file: Option<&str>) -> String {
        Diagnostic::error(position, "what is wrong", file.map(PathBuf::from)).render(Path::new("s.yaml"))
    }

    #[test]
    fn each_position_renders_where_the_user_can_find_it() {
        let mark = Some(Mark { line: 3, column: 7 });
        assert_eq!(at(Position::Key { path: "cash".into(), mark }, None), "s.yaml:3:7: error: cash: what is wrong");
        assert_eq!(at(Position::Key { path: String::new(), mark: None }, None), "s.yaml: error: what is wrong");
        assert_eq!(
            at(Position::Key { path: "policies.a".into(), mark }, Some("law.yaml")),
            "law.yaml:3:7: error: policies.a: what is wrong"
        );
        let cell = Position::Row { row: 2, column: Some("cash".into()) };
        assert_eq!(at(cell, Some("c.csv")), "c.csv: row 2, column `cash`: what is wrong");
        assert_eq!(at(Position::Row { row: 2, column: None }, Some("c.csv")), "c.csv: row 2: what is wrong");
        assert_eq!(at(Position::Table, Some("c.csv")), "c.csv: what is wrong");
        let warning = Diagnostic { severity: Severity::Warning, ..Diagnostic::error(Position::Table, "w", None) };
        assert_eq!(warning.mark(), None);
        assert_eq!(warning.severity.to_string(), "warning");
    }
}
