//! An editable copy of a scenario somewhere else (`seqsim new`): the same
//! text, comments and all, with the paths it reads (`imports:` and
//! `cohort.file`, relative to the scenario file) rewritten as absolute paths,
//! so the copy reads the same files wherever it is saved.

use std::path::{Path, PathBuf};

use super::yaml::{self, Mark, Node, Value};
use super::{import_path, ImportOrigin};

/// Why a scenario could not be relocated.
#[derive(Debug, thiserror::Error)]
pub enum RelocateError {
    /// The text is not YAML.
    #[error("{}:{mark}: {message}", file.display())]
    Yaml {
        /// The scenario.
        file: PathBuf,
        /// Where.
        mark: Mark,
        /// What is wrong.
        message: String,
    },
    /// A path the scenario reads does not exist where it points.
    #[error("{}:{mark}: `{written}` points to {}, which does not exist; fix the path in the scenario first", file.display(), target.display())]
    Missing {
        /// The scenario.
        file: PathBuf,
        /// Where the path is written.
        mark: Mark,
        /// The path as written.
        written: String,
        /// Where it points.
        target: PathBuf,
    },
}

/// A path as written at `mark`, and the file it points to from `scenario`.
struct Read {
    written: String,
    mark: Mark,
}

fn scalar(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Str(text) => Some(text.as_str()),
        _ => None,
    }
}

fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    let Value::Map(entries) = &node.value else { return None };
    entries.iter().find(|(k, _)| scalar(k) == Some(key)).map(|(_, v)| v)
}

/// Every path the scenario reads: its imports, then its cohort file.
fn reads(root: &Node) -> Vec<Read> {
    let mut out = Vec::new();
    if let Some(Node { value: Value::Seq(items), .. }) = get(root, "imports") {
        for item in items {
            if let Some(text) = scalar(item) {
                out.push(Read { written: text.to_string(), mark: item.mark });
            }
        }
    }
    if let Some(file) = get(root, "cohort").and_then(|c| get(c, "file")) {
        if let Some(text) = scalar(file) {
            out.push(Read { written: text.to_string(), mark: file.mark });
        }
    }
    out
}

/// `text` (the scenario file `from`) with every path it reads made absolute.
/// A path is replaced where it is written (quoted or not), so comments and
/// layout stay; a path already absolute is kept.
pub fn relocate(from: &Path, text: &str) -> Result<String, RelocateError> {
    let (root, _) = yaml::parse(text.trim_start_matches('\u{feff}')).map_err(|problem| RelocateError::Yaml {
        file: from.to_path_buf(),
        mark: problem.mark,
        message: problem.message,
    })?;
    let base = std::env::current_dir().unwrap_or_default();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for read in reads(&root) {
        if Path::new(&read.written).is_absolute() {
            continue;
        }
        let target = base.join(import_path(from, ImportOrigin::Scenario, &read.written));
        let target = target.canonicalize().map_err(|_| RelocateError::Missing {
            file: from.to_path_buf(),
            mark: read.mark,
            written: read.written.clone(),
            target: target.clone(),
        })?;
        let Some(line) = lines.get_mut(read.mark.line.saturating_sub(1)) else { continue };
        let start = line.char_indices().nth(read.mark.column.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
        if let Some(offset) = line[start..].find(&read.written) {
            let at = start + offset;
            let replacement = target.display().to_string();
            let quoted = replacement.contains([':', '#', '"', '\'']) || replacement.starts_with(['-', ' ']);
            let replacement = if quoted { format!("\"{}\"", replacement.replace('"', "\\\"")) } else { replacement };
            line.replace_range(at..at + read.written.len(), &replacement);
        }
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_and_the_cohort_file_become_absolute_and_comments_stay() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let from = root.join("scenarios/us_hospitals.yaml");
        let text = std::fs::read_to_string(&from).unwrap();
        let copy = relocate(&from, &text).unwrap();
        let law = root.join("policies/us/current_law.yaml").canonicalize().unwrap();
        let cohort = root.join("scenarios/cohorts/us_hospitals_2021.csv").canonicalize().unwrap();
        assert!(copy.contains(&format!("  - {}\n", law.display())), "{copy}");
        assert!(copy.contains(&format!("file: {}\n", cohort.display())), "{copy}");
        assert!(!copy.contains("../policies/"), "no relative import left");
        // Everything else is the same text, comments included.
        assert_eq!(copy.lines().count(), text.lines().count());
        assert!(copy.starts_with("# seqsim flagship"));
    }

    #[test]
    fn a_path_that_points_nowhere_is_named_with_where_it_points() {
        let text = "name: x\nimports:\n  - ../no/such/law.yaml\n";
        let error = relocate(Path::new("/tmp/a/s.yaml"), text).unwrap_err().to_string();
        assert!(
            error.starts_with("/tmp/a/s.yaml:3:5: `../no/such/law.yaml` points to /tmp/no/such/law.yaml"),
            "{error}"
        );
    }
}
