//! A small YAML writer for suggested contracts: block mappings and sequences, flow mappings and
//! lists for short groups, and a `# comment` on any entry, which a serialiser would drop.
//!
//! Strings are written plain when YAML reads them back as the same string under every schema
//! (letters, digits and a few separators, not a keyword such as `null`, `true` or `no`), and
//! double-quoted otherwise (JSON's escapes are YAML's).

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar, already written as YAML (see [`text`], [`number`], [`int`], [`boolean`]).
    Scalar(String),
    /// `{ a: 1, b: 2 }`: scalar values on one line.
    Flow(Vec<(String, Node)>),
    /// `[a, b]`: scalars on one line.
    FlowSeq(Vec<Node>),
    Map(Vec<Entry>),
    Seq(Vec<Node>),
}

/// One key of a mapping, with the comment that says why it is there.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Node,
    pub comment: Option<String>,
}

impl Entry {
    pub fn new(key: &str, value: Node) -> Self {
        Entry {
            key: key.to_string(),
            value,
            comment: None,
        }
    }

    pub fn why(key: &str, value: Node, comment: impl Into<String>) -> Self {
        Entry {
            key: key.to_string(),
            value,
            comment: Some(comment.into()),
        }
    }
}

/// A string scalar, quoted when it would not read back as itself.
pub fn text(s: &str) -> Node {
    Node::Scalar(quote(s))
}

/// A finite number in plain decimal (Rust writes no exponent).
pub fn number(v: f64) -> Node {
    Node::Scalar(format!("{v}"))
}

pub fn int(v: i128) -> Node {
    Node::Scalar(v.to_string())
}

pub fn boolean(v: bool) -> Node {
    Node::Scalar(v.to_string())
}

/// `s` as a YAML scalar that reads back as the string `s`.
pub fn quote(s: &str) -> String {
    if is_plain(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialise")
    }
}

fn is_plain(s: &str) -> bool {
    const KEYWORDS: [&str; 14] = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "~", "nan", "inf", "none",
        "nil",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || first == '/')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./@ ".contains(c))
        && !KEYWORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// A comment's text on one line.
fn comment_text(c: &str) -> String {
    c.replace(['\n', '\r'], " ")
}

/// Writes a document: its header comment lines, then the top-level mapping.
pub fn document(header: &[String], body: &[Entry]) -> String {
    let mut out = String::new();
    for line in header {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str(&format!("# {}\n", comment_text(line)));
        }
    }
    map(body, 0, &mut out);
    out
}

fn inline(n: &Node) -> Option<String> {
    match n {
        Node::Scalar(s) => Some(s.clone()),
        Node::Flow(pairs) => {
            let items: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k}: {}", inline(v).unwrap_or_default()))
                .collect();
            Some(format!("{{ {} }}", items.join(", ")))
        }
        Node::FlowSeq(items) => {
            let items: Vec<String> = items.iter().filter_map(inline).collect();
            Some(format!("[{}]", items.join(", ")))
        }
        Node::Map(m) if m.is_empty() => Some("{}".into()),
        Node::Seq(s) if s.is_empty() => Some("[]".into()),
        Node::Map(_) | Node::Seq(_) => None,
    }
}

fn suffix(comment: &Option<String>) -> String {
    comment
        .as_ref()
        .map(|c| format!("  # {}", comment_text(c)))
        .unwrap_or_default()
}

/// The entries of a mapping at `indent`; the first one's indentation already written when
/// `first_written` (a sequence item's `- `).
fn entries(entries: &[Entry], indent: usize, first_written: bool, out: &mut String) {
    for (i, e) in entries.iter().enumerate() {
        if i > 0 || !first_written {
            out.push_str(&" ".repeat(indent));
        }
        match inline(&e.value) {
            Some(v) => out.push_str(&format!("{}: {v}{}\n", e.key, suffix(&e.comment))),
            None => {
                out.push_str(&format!("{}:{}\n", e.key, suffix(&e.comment)));
                block(&e.value, indent + 2, out);
            }
        }
    }
}

fn map(m: &[Entry], indent: usize, out: &mut String) {
    entries(m, indent, false, out);
}

fn block(n: &Node, indent: usize, out: &mut String) {
    match n {
        Node::Map(m) => map(m, indent, out),
        Node::Seq(items) => {
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                match item {
                    Node::Map(m) if !m.is_empty() => entries(m, indent + 2, true, out),
                    other => {
                        out.push_str(&inline(other).unwrap_or_default());
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("pending"), "pending");
        assert_eq!(quote("on_hold"), "on_hold");
        assert_eq!(quote("SAVE-5 x"), "SAVE-5 x");
        assert_eq!(quote("null"), "\"null\"");
        assert_eq!(quote("No"), "\"No\"");
        assert_eq!(quote("02139"), "\"02139\"");
        assert_eq!(quote("1.5"), "\"1.5\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a: b"), "\"a: b\"");
        assert_eq!(quote("x #y"), "\"x #y\"");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quote("café"), "\"café\"");
        assert_eq!(quote("-x"), "\"-x\"");
        assert_eq!(quote("26h"), "\"26h\"");
    }

    #[test]
    fn layout() {
        let doc = document(
            &["made by hand".into(), String::new()],
            &[
                Entry::why("consumer", text("me"), "who"),
                Entry::new(
                    "depends_on",
                    Node::Seq(vec![Node::Map(vec![
                        Entry::new("table", text("t")),
                        Entry::why(
                            "freshness",
                            Node::Flow(vec![
                                ("column".into(), text("ts")),
                                ("max_lag".into(), Node::Scalar("26h".into())),
                            ]),
                            "why\nnot",
                        ),
                        Entry::new(
                            "fields",
                            Node::Seq(vec![Node::Map(vec![
                                Entry::new("name", text("a")),
                                Entry::new(
                                    "allowed_values",
                                    Node::FlowSeq(vec![text("x"), text("null")]),
                                ),
                            ])]),
                        ),
                        Entry::new("empty", Node::Seq(vec![])),
                    ])]),
                ),
            ],
        );
        let want = "# made by hand\n#\nconsumer: me  # who\ndepends_on:\n  - table: t\n    freshness: { column: ts, max_lag: 26h }  # why not\n    fields:\n      - name: a\n        allowed_values: [x, \"null\"]\n    empty: []\n";
        assert_eq!(doc, want);
    }
}
