//! The rule catalog lives in the repository (`docs/rules.md`): every rule id the code names
//! is explained there, and every rule there that is built is proven by a test that cites it.
//! A test cites a rule by its id in its doc comment (`G43-5`) or by its name's prefix
//! (`g43_5_…`).

use std::path::{Path, PathBuf};

use verbund_domain::Rule;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Each rule section of the catalog: its id, and whether it is marked planned.
fn catalog() -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(repository().join("docs/rules.md")).expect("docs/rules.md");
    let mut sections: Vec<(String, bool)> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            let id = heading.split_whitespace().next().expect("an id").to_owned();
            sections.push((id, false));
        } else if line.contains("**Not built yet**")
            && let Some(last) = sections.last_mut()
        {
            last.1 = true;
        }
    }
    sections
}

/// Every Rust source file of the workspace.
fn sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![repository()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if !matches!(name, "target" | ".git" | "node_modules" | "fixtures") {
                    dirs.push(path);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).expect("readable");
                files.push((path, text));
            }
        }
    }
    files
}

/// The snake-case prefix of a test name that cites `id`: `G43-5` → `g43_5_`.
fn prefix(id: &str) -> String {
    format!("{}_", id.to_lowercase().replace('-', "_"))
}

/// True if a test in `text` cites `id`: a test function whose name starts with its prefix, or
/// a doc comment within the few lines above a test function that names it.
fn cited_by_a_test(text: &str, id: &str) -> bool {
    let prefix = prefix(id);
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        let trimmed = line.trim_start();
        let is_test_fn = trimmed.starts_with("fn ") || trimmed.starts_with("async fn ");
        if !is_test_fn {
            return false;
        }
        let name = trimmed
            .trim_start_matches("async ")
            .trim_start_matches("fn ")
            .split('(')
            .next()
            .unwrap_or_default();
        if name.starts_with(&prefix) || name.contains(&format!("_{prefix}")) {
            return true;
        }
        // The doc comment above it, up to its attributes.
        lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let l = l.trim_start();
                l.starts_with("///") || l.starts_with("#[")
            })
            .any(|l| {
                l.trim_start().starts_with("///")
                    && l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                        .any(|word| word == id)
            })
    })
}

#[test]
fn every_rule_the_code_names_is_explained_in_docs_rules_md() {
    let catalog = catalog();
    for rule in Rule::ALL {
        assert!(
            catalog.iter().any(|(id, _)| id == rule.id()),
            "rule {} is named by the code but not explained in docs/rules.md",
            rule.id()
        );
    }
    // Test names that cite a rule by prefix cite one the catalog has.
    for (path, text) in sources() {
        for line in text.lines() {
            let trimmed = line.trim_start();
            let Some(name) = trimmed.strip_prefix("fn ") else {
                continue;
            };
            let name = name.split('(').next().unwrap_or_default();
            let cites = |id: &str| name.starts_with(&prefix(id));
            let looks_like_a_citation = name.split('_').next().is_some_and(|first| {
                first.len() >= 2
                    && matches!(first.as_bytes()[0], b'g' | b'a' | b'd' | b'w' | b'v' | b'm')
                    && first[1..]
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
                    && first.as_bytes()[1].is_ascii_digit()
            });
            if looks_like_a_citation {
                assert!(
                    catalog.iter().any(|(id, _)| cites(id)),
                    "{}: test {name} cites a rule docs/rules.md does not have",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn every_built_rule_in_docs_rules_md_is_proven_by_a_test() {
    let sources = sources();
    let unproven: Vec<String> = catalog()
        .into_iter()
        .filter(|(_, planned)| !planned)
        .map(|(id, _)| id)
        .filter(|id| !sources.iter().any(|(_, text)| cited_by_a_test(text, id)))
        .collect();
    assert!(
        unproven.is_empty(),
        "rules built but cited by no test: {unproven:?}"
    );
}
