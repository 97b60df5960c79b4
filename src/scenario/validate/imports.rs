//! Imports (MODEL.md §1 "Imports"): the scenario's `imports:` list, and each
//! imported policy file's `name`, `as_of`, `description`, `source` and
//! `policies`, gathered with the scenario's own policies before they are
//! linked by name.

use std::collections::HashSet;
use std::path::PathBuf;

use super::context::{describe, Ctx, Fields};
use super::policies::PolicyEntry;
use crate::calendar::Date;
use crate::scenario::diagnostic::Diagnostic;
use crate::scenario::text::truncate;
use crate::scenario::types::{ImportInfo, PolicyDef};
use crate::scenario::yaml::{join_index, scalar_text, Mark, Node, Value};

/// An imported policy file, parsed (MODEL.md §1 "Imports").
pub struct ImportDocument {
    /// The name as written in `imports:` or given to `--import`.
    pub written: String,
    /// The path it was read from: diagnostics in it name this file.
    pub file: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its YAML tree.
    pub root: Node,
}

/// The entries of a scenario's `imports:` list with their positions, and
/// the problems of the list itself (read before anything is validated,
/// because the files must be read first).
pub fn import_list(root: &Node) -> (Vec<(String, Mark)>, Vec<Diagnostic>) {
    let mut ctx = Ctx::default();
    let mut listed = Vec::new();
    let Value::Map(entries) = &root.value else { return (listed, ctx.diagnostics) };
    let Some((_, node)) = entries.iter().find(|(k, _)| scalar_text(k) == "imports") else {
        return (listed, ctx.diagnostics);
    };
    match &node.value {
        Value::Null => {}
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                match &item.value {
                    Value::Str(text) if !text.trim().is_empty() => listed.push((text.clone(), item.mark)),
                    _ => ctx.error(
                        &join_index("imports", i),
                        item.mark,
                        format!(
                            "expected the path of a policy file (relative to this scenario), found {}",
                            describe(item)
                        ),
                    ),
                }
            }
        }
        _ => ctx.error("imports", node.mark, format!("expected a list of policy file paths, found {}", describe(node))),
    }
    (listed, ctx.diagnostics)
}

impl Ctx {
    /// The scenario's own policies and those of its imports, linked into
    /// one list (imports first, in import order), with what the outputs say
    /// about each imported file.
    pub(super) fn all_policies(
        &mut self,
        top: &Fields<'_>,
        imports: &[ImportDocument],
        kinds: Option<HashSet<String>>,
    ) -> Option<(Vec<PolicyDef>, Vec<ImportInfo>)> {
        let mut entries = Vec::new();
        let mut infos = Vec::new();
        let mut ok = true;
        for (index, document) in imports.iter().enumerate() {
            self.file = Some((document.file.clone(), document.written.clone()));
            match self.import_document(document, index) {
                Some((info, list)) => {
                    infos.push(info);
                    entries.extend(list);
                }
                None => ok = false,
            }
            self.file = None;
        }
        match top.get("policies") {
            Some(node) => match self.policy_entries(node, kinds.as_ref(), None) {
                Some(list) => entries.extend(list),
                None => ok = false,
            },
            None if imports.is_empty() && top.get("imports").is_none() => {
                self.required(top, "policies", "one or more named policies, here or in imported files");
                ok = false;
            }
            None => {}
        }
        if !ok {
            return None;
        }
        if entries.is_empty() {
            if !self.imports_incomplete {
                let message = "at least one policy is required (in the scenario or an imported file)";
                self.error("policies", top.node.mark, message);
            }
            return None;
        }
        let files: Vec<(PathBuf, String)> = imports.iter().map(|d| (d.file.clone(), d.written.clone())).collect();
        self.link_policies(entries, &files).map(|policies| (policies, infos))
    }

    /// An imported policy file: `name`, `as_of`, `description`, `source`, `policies`.
    fn import_document(&mut self, document: &ImportDocument, index: usize) -> Option<(ImportInfo, Vec<PolicyEntry>)> {
        if document.root.value == Value::Null {
            self.error("", document.root.mark, "the imported policy file is empty; it needs name, as_of and policies");
            return None;
        }
        if let Value::Map(entries) = &document.root.value {
            if let Some((key, _)) = entries.iter().find(|(k, _)| scalar_text(k) == "imports") {
                self.error(
                    "imports",
                    key.mark,
                    "an imported policy file cannot import others (imports do not nest); list every file in the scenario's `imports:`",
                );
                return None;
            }
        }
        let f = self.fields(&document.root, "", &["name", "as_of", "description", "source", "policies"])?;
        let name =
            self.required(&f, "name", "free text naming the law the file states").and_then(|n| self.text(n, "name"));
        let as_of = self
            .required(&f, "as_of", "the ISO date whose law the file states, e.g. \"2026-12-01\"")
            .and_then(|n| self.as_of(n));
        let description = f.get("description").and_then(|n| self.text(n, "description"));
        self.source(f.get("source"), "source");
        let policies = self.required(&f, "policies", "one or more named policies")?;
        let entries = self.policy_entries(policies, None, Some(index))?;
        let info = ImportInfo {
            file: document.written.clone(),
            name: name?,
            as_of: as_of?,
            description,
            sha256: document.sha256.clone(),
        };
        Some((info, entries))
    }

    /// `as_of:`, an ISO date.
    fn as_of(&mut self, node: &Node) -> Option<Date> {
        let text = self.text(node, "as_of")?;
        let date = Date::parse_iso(&text);
        if date.is_none() {
            self.error("as_of", node.mark, format!("`{}` is not an ISO date (YYYY-MM-DD)", truncate(&text)));
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::diagnostic::Position;
    use crate::scenario::validate::context::testing::{node, rendered};

    #[test]
    fn the_import_list_gives_paths_with_positions() {
        let root = node("imports:\n  - ../policies/law.yaml\n  - 3\n  - \"  \"\n");
        let (listed, problems) = import_list(&root);
        assert_eq!(listed, [("../policies/law.yaml".to_string(), Mark { line: 2, column: 5 })]);
        let messages: Vec<String> = problems.iter().map(|d| d.render(std::path::Path::new("t.yaml"))).collect();
        assert_eq!(
            messages,
            [
                "t.yaml:3:5: error: imports[1]: expected the path of a policy file (relative to this scenario), found the number `3`",
                "t.yaml:4:5: error: imports[2]: expected the path of a policy file (relative to this scenario), found the text \"  \"",
            ]
        );
        let (_, problems) = import_list(&node("imports: law.yaml\n"));
        assert_eq!(
            problems[0].at,
            Position::Key { path: "imports".to_string(), mark: Some(Mark { line: 1, column: 10 }) }
        );
    }

    fn document(text: &str) -> ImportDocument {
        ImportDocument {
            written: "law.yaml".to_string(),
            file: PathBuf::from("policies/law.yaml"),
            sha256: "ab".repeat(32),
            root: node(text),
        }
    }

    #[test]
    fn an_imported_file_states_its_law_and_date() {
        let mut ctx = Ctx::default();
        let law = document("name: US law\nas_of: \"2026-12-01\"\npolicies:\n  current_law: {sequestration: 0.02}\n");
        let (info, entries) = ctx.import_document(&law, 0).unwrap();
        assert!(ctx.diagnostics.is_empty());
        assert_eq!(info.citation(), "US law as of 2026-12-01");
        assert_eq!(entries.len(), 1);
        let nested = document("name: US law\nas_of: \"2026-13-01\"\nimports: [other.yaml]\npolicies: {}\n");
        assert!(ctx.import_document(&nested, 1).is_none());
        let undated = document("name: US law\nas_of: \"2026-13-01\"\npolicies:\n  p: {relief: 1}\n");
        assert!(ctx.import_document(&undated, 2).is_none());
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:3:1: error: imports: an imported policy file cannot import others (imports do not nest); list every file in the scenario's `imports:`",
                "t.yaml:2:8: error: as_of: `2026-13-01` is not an ISO date (YYYY-MM-DD)",
            ]
        );
    }
}
