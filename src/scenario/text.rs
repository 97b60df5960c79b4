//! Text rules shared by every reader of scenario input (YAML files and
//! cohort tables): what an identifier is, and how a value is quoted in a
//! message.

/// What an id, kind or policy name may contain, as messages say it.
pub const ID_RULE: &str = "lowercase letters, digits and `_` only";

/// `[a-z0-9_]+`: practice ids, kinds and policy names.
pub fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The message for `text` used as a `what` (id, kind, name, policy name)
/// that breaks the identifier rule.
pub fn not_an_identifier(what: &str, text: &str) -> String {
    format!("`{}` is not a valid {what}: use {ID_RULE}", truncate(text))
}

/// `text` cut to 40 characters (with `…`), so a stray paragraph does not
/// flood a message.
pub fn truncate(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The message for a `for_kinds` entry naming a kind no practice has;
/// `known` are the kinds the practices have (listed sorted).
pub fn no_such_kind<'k>(kind: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    let mut known: Vec<&str> = known.into_iter().collect();
    known.sort_unstable();
    format!("no practice has kind `{}` (kinds here: {})", truncate(kind), known.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_lowercase_digits_and_underscores() {
        assert!(is_identifier("rural_hospital_2"));
        assert!(is_identifier("2027"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("Rural"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier("a b"));
        assert!(!is_identifier("é"));
    }

    #[test]
    fn a_bad_identifier_is_quoted_with_the_rule() {
        assert_eq!(
            not_an_identifier("kind", "Rural Hospital"),
            "`Rural Hospital` is not a valid kind: use lowercase letters, digits and `_` only"
        );
    }

    #[test]
    fn long_text_is_cut_at_forty_characters() {
        assert_eq!(truncate("short"), "short");
        let forty = "x".repeat(40);
        assert_eq!(truncate(&forty), forty);
        // 41 characters: the first 40, then the ellipsis.
        assert_eq!(truncate(&format!("{forty}y")), format!("{forty}…"));
        // Characters, not bytes: 41 two-byte letters are cut after 40.
        assert_eq!(truncate(&"é".repeat(41)), format!("{}…", "é".repeat(40)));
    }

    #[test]
    fn unknown_kinds_list_the_known_ones_sorted() {
        assert_eq!(
            no_such_kind("urban", ["rural_hospital", "clinic"]),
            "no practice has kind `urban` (kinds here: clinic, rural_hospital)"
        );
    }
}
