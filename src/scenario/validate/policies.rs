//! `policies:` and `baseline:` (MODEL.md §1 "Policies and inheritance"):
//! each policy's label, `base:`, general levers and `for_kinds` overrides,
//! then the policies of every file linked into one list (names unique across
//! files, bases resolved by name, no cycles).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::context::{Ctx, Fields};
use crate::scenario::text::{is_identifier, no_such_kind, not_an_identifier};
use crate::scenario::types::{Lever, LeverSet, PolicyDef};
use crate::scenario::yaml::{join_key, scalar_text, Mark, Node};

/// One policy as read from a file, before bases are linked across files.
pub(super) struct PolicyEntry {
    def: PolicyDef,
    /// `base:` as written, with its position.
    base: Option<(String, Mark)>,
    /// Position of the policy's name.
    mark: Mark,
}

/// The file a policy is defined in, as messages name it.
fn defined_in(import: Option<usize>, files: &[(PathBuf, String)]) -> String {
    match import {
        Some(i) => files.get(i).map_or_else(|| "an imported file".to_string(), |(_, written)| format!("`{written}`")),
        None => "the scenario".to_string(),
    }
}

impl Ctx {
    /// The policies of one `policies:` mapping, unlinked. `kinds` (when the
    /// practices are known here) checks `for_kinds`; imported files pass
    /// `None`, since a law may name kinds a scenario does not have.
    pub(super) fn policy_entries(
        &mut self,
        node: &Node,
        kinds: Option<&HashSet<String>>,
        import: Option<usize>,
    ) -> Option<Vec<PolicyEntry>> {
        let entries = self.entries(node, "policies", "a mapping from policy names to policies")?;
        if entries.is_empty() && import.is_some() {
            self.error("policies", node.mark, "at least one policy is required");
            return None;
        }
        let entries: Vec<Option<PolicyEntry>> =
            entries.iter().map(|(key, value)| self.policy_entry(key, value, kinds, import)).collect();
        entries.into_iter().collect()
    }

    /// The policy named `key`.
    fn policy_entry(
        &mut self,
        key: &Node,
        value: &Node,
        kinds: Option<&HashSet<String>>,
        import: Option<usize>,
    ) -> Option<PolicyEntry> {
        let name = scalar_text(key);
        let path = join_key("policies", &name);
        if !is_identifier(&name) {
            self.error(&path, key.mark, not_an_identifier("policy name", &name));
            return None;
        }
        let mut allowed = vec!["label", "base", "source", "for_kinds"];
        allowed.extend(Lever::ALL.iter().map(|l| l.as_str()));
        let f = self.fields(value, &path, &allowed)?;
        self.source(f.get("source"), &f.path("source"));
        let label = f.get("label").and_then(|n| self.text(n, &f.path("label"))).unwrap_or_else(|| name.clone());
        let base = f.get("base").and_then(|n| self.identifier(n, &f.path("base")).map(|b| (b, n.mark)));
        let general = self.lever_set(&f);
        let for_kinds = match f.get("for_kinds") {
            Some(node) => self.for_kinds(node, &f.path("for_kinds"), kinds),
            None => Some(Vec::new()),
        };
        let def = PolicyDef { name, label, base: None, general: general?, for_kinds: for_kinds?, import };
        Some(PolicyEntry { def, base, mark: key.mark })
    }

    /// `for_kinds: {KIND: {lever: value...}}`.
    fn for_kinds(
        &mut self,
        node: &Node,
        path: &str,
        kinds: Option<&HashSet<String>>,
    ) -> Option<Vec<(String, LeverSet)>> {
        let entries = self.entries(node, path, "a mapping from practice kinds to levers")?;
        let sets: Vec<Option<(String, LeverSet)>> =
            entries.iter().map(|(key, levers)| self.kind_levers(key, levers, path, kinds)).collect();
        sets.into_iter().collect()
    }

    /// One kind's levers: a valid kind that some practice has (when known).
    fn kind_levers(
        &mut self,
        key: &Node,
        levers: &Node,
        path: &str,
        kinds: Option<&HashSet<String>>,
    ) -> Option<(String, LeverSet)> {
        let kind = scalar_text(key);
        let kind_path = join_key(path, &kind);
        if !is_identifier(&kind) {
            self.error(&kind_path, key.mark, not_an_identifier("kind", &kind));
            return None;
        }
        if let Some(kinds) = kinds.filter(|kinds| !kinds.contains(&kind)) {
            self.error(&kind_path, key.mark, no_such_kind(&kind, kinds.iter().map(String::as_str)));
            return None;
        }
        let names: Vec<&str> = Lever::ALL.iter().map(|l| l.as_str()).collect();
        let f: Fields<'_> = self.fields(levers, &kind_path, &names)?;
        Some((kind, self.lever_set(&f)?))
    }

    /// Links policies from every file into one list: names unique across
    /// files, bases resolved by name, no cycles. `files[i]` is import `i`.
    pub(super) fn link_policies(
        &mut self,
        entries: Vec<PolicyEntry>,
        files: &[(PathBuf, String)],
    ) -> Option<Vec<PolicyDef>> {
        let unique = self.unique_names(&entries, files);
        self.file = None;
        if !unique {
            return None;
        }
        let mut defs: Vec<PolicyDef> = Vec::with_capacity(entries.len());
        let mut bases: Vec<Option<(String, Mark)>> = Vec::with_capacity(entries.len());
        for entry in entries {
            bases.push(entry.base);
            defs.push(entry.def);
        }
        let linked = self.link_bases(&mut defs, &bases, files);
        self.file = None;
        if !linked {
            return None;
        }
        let acyclic = self.no_cycles(&defs, &bases, files);
        self.file = None;
        acyclic.then_some(defs)
    }

    /// Attributes the next diagnostics to the file policy `import` is in.
    fn attribute(&mut self, import: Option<usize>, files: &[(PathBuf, String)]) {
        self.file = import.and_then(|i| files.get(i).cloned());
    }

    /// Whether no name is defined twice (an error naming both files where one is).
    fn unique_names(&mut self, entries: &[PolicyEntry], files: &[(PathBuf, String)]) -> bool {
        let mut ok = true;
        let mut seen: HashMap<&str, Option<usize>> = HashMap::new();
        for entry in entries {
            let Some(first) = seen.get(entry.def.name.as_str()) else {
                seen.insert(&entry.def.name, entry.def.import);
                continue;
            };
            let message = format!(
                "policy `{}` is defined twice: in {} and in {}; rename one of them",
                entry.def.name,
                defined_in(*first, files),
                defined_in(entry.def.import, files)
            );
            self.attribute(entry.def.import, files);
            self.error(&join_key("policies", &entry.def.name), entry.mark, message);
            ok = false;
        }
        ok
    }

    /// Sets each policy's `base` to the index of the policy it names.
    fn link_bases(
        &mut self,
        defs: &mut [PolicyDef],
        bases: &[Option<(String, Mark)>],
        files: &[(PathBuf, String)],
    ) -> bool {
        let names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
        let mut ok = true;
        for (index, (base_name, mark)) in bases.iter().enumerate().filter_map(|(i, b)| Some((i, b.as_ref()?))) {
            match names.iter().position(|n| n == base_name) {
                Some(b) => defs[index].base = Some(b),
                None => {
                    if !self.imports_incomplete {
                        self.attribute(defs[index].import, files);
                        let path = join_key(&join_key("policies", &defs[index].name), "base");
                        let message = format!("unknown base policy `{base_name}` (policies: {})", names.join(", "));
                        self.error(&path, *mark, message);
                    }
                    ok = false;
                }
            }
        }
        ok
    }

    /// Whether no policy inherits from itself (an error at each policy that
    /// starts a cycle, naming the chain).
    fn no_cycles(&mut self, defs: &[PolicyDef], bases: &[Option<(String, Mark)>], files: &[(PathBuf, String)]) -> bool {
        let mut ok = true;
        for (start, (_, mark)) in bases.iter().enumerate().filter_map(|(i, b)| Some((i, b.as_ref()?))) {
            let mut chain = vec![start];
            let mut cursor = defs[start].base;
            while let Some(next) = cursor {
                if chain.contains(&next) {
                    if next == start {
                        let names: Vec<&str> =
                            chain.iter().chain(std::iter::once(&next)).map(|&i| defs[i].name.as_str()).collect();
                        let path = join_key(&join_key("policies", &defs[start].name), "base");
                        let message = format!(
                            "policies inherit in a cycle ({}); one of them must not have a base",
                            names.join(" -> ")
                        );
                        self.attribute(defs[start].import, files);
                        self.error(&path, *mark, message);
                        ok = false;
                    }
                    break;
                }
                chain.push(next);
                cursor = defs[next].base;
            }
        }
        ok
    }

    /// `baseline:`, the index of the policy it names.
    pub(super) fn baseline(&mut self, top: &Fields<'_>, policies: Option<&[PolicyDef]>) -> Option<usize> {
        let node = self.required(top, "baseline", "the name of the policy others are compared with")?;
        let name = self.identifier(node, "baseline")?;
        let policies = policies?;
        let index = policies.iter().position(|p| p.name == name);
        if index.is_none() && !self.imports_incomplete {
            let known: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
            self.error("baseline", node.mark, format!("`{name}` is not one of the policies ({})", known.join(", ")));
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::types::{LeverInput, LeverValue};
    use crate::scenario::validate::context::testing::{node, rendered, value};
    use rust_decimal::Decimal;

    fn entries(ctx: &mut Ctx, text: &str, kinds: Option<&HashSet<String>>, import: Option<usize>) -> Vec<PolicyEntry> {
        let root = node(text);
        ctx.policy_entries(value(&root, "policies"), kinds, import).unwrap_or_default()
    }

    #[test]
    fn policies_link_to_their_bases_by_name() {
        let mut ctx = Ctx::default();
        let text = "policies:\n  law: {label: Current law, sequestration: 0.02}\n  repeal:\n    base: law\n    for_kinds:\n      clinic: {relief: 100}\n";
        let list = entries(&mut ctx, text, None, None);
        let defs = ctx.link_policies(list, &[]).unwrap();
        assert!(ctx.diagnostics.is_empty(), "{:?}", rendered(&ctx));
        assert_eq!((defs[0].label.as_str(), defs[0].base), ("Current law", None));
        assert_eq!((defs[1].label.as_str(), defs[1].base), ("repeal", Some(0)));
        let relief = LeverInput::Scalar(LeverValue::Rate(Decimal::from(100)));
        assert_eq!(defs[1].for_kinds, [("clinic".to_string(), LeverSet { levers: vec![(Lever::Relief, relief)] })]);
    }

    #[test]
    fn unknown_bases_cycles_and_twice_defined_names_are_errors() {
        let mut ctx = Ctx::default();
        let list = entries(&mut ctx, "policies:\n  a: {base: b}\n  b: {base: a}\n  c: {base: d}\n", None, None);
        assert_eq!(ctx.link_policies(list, &[]), None);
        let list = entries(&mut ctx, "policies:\n  a: {base: b}\n  b: {base: a}\n", None, None);
        assert_eq!(ctx.link_policies(list, &[]), None);
        let law = entries(&mut ctx, "policies:\n  a: {relief: 1}\n", None, Some(0));
        let mut list = entries(&mut ctx, "policies:\n  a: {relief: 2}\n", None, None);
        list.extend(law);
        let files = [(PathBuf::from("policies/law.yaml"), "law.yaml".to_string())];
        assert_eq!(ctx.link_policies(list, &files), None);
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:4:13: error: policies.c.base: unknown base policy `d` (policies: a, b, c)",
                "t.yaml:2:13: error: policies.a.base: policies inherit in a cycle (a -> b -> a); one of them must not have a base",
                "t.yaml:3:13: error: policies.b.base: policies inherit in a cycle (b -> a -> b); one of them must not have a base",
                "policies/law.yaml:2:3: error: policies.a: policy `a` is defined twice: in the scenario and in `law.yaml`; rename one of them",
            ]
        );
    }

    #[test]
    fn for_kinds_name_kinds_the_practices_have() {
        let mut ctx = Ctx::default();
        let kinds: HashSet<String> = ["clinic".to_string(), "hospital".to_string()].into();
        let text = "policies:\n  p:\n    for_kinds:\n      urban: {relief: 1}\n      Big: {relief: 1}\n      clinic: {relif: 1}\n  Bad Name: {}\n";
        assert!(entries(&mut ctx, text, Some(&kinds), None).is_empty());
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:4:7: error: policies.p.for_kinds.urban: no practice has kind `urban` (kinds here: clinic, hospital)",
                "t.yaml:5:7: error: policies.p.for_kinds.Big: `Big` is not a valid kind: use lowercase letters, digits and `_` only",
                "t.yaml:6:16: error: policies.p.for_kinds.clinic.relif: unknown key `relif`; did you mean `relief`? (allowed here: sequestration, medicare_update, medicare_add_on, relief)",
                "t.yaml:7:3: error: policies.\"Bad Name\": `Bad Name` is not a valid policy name: use lowercase letters, digits and `_` only",
            ]
        );
    }

    #[test]
    fn the_baseline_names_a_policy() {
        let root = node("baseline: status_quo\n");
        let mut ctx = Ctx::default();
        let top = ctx.fields(&root, "", &["baseline"]).unwrap();
        let law = entries(&mut ctx, "policies:\n  law: {}\n", None, None);
        let defs = ctx.link_policies(law, &[]).unwrap();
        assert_eq!(ctx.baseline(&top, Some(&defs)), None);
        assert_eq!(rendered(&ctx), ["t.yaml:1:11: error: baseline: `status_quo` is not one of the policies (law)"]);
    }
}
