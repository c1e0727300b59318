//! Turning a free-text `q` into a safe full-text query.

/// Most terms taken from one query; the rest are ignored.
const MAX_TERMS: usize = 8;
/// Longest term kept (characters).
const MAX_TERM_CHARS: usize = 64;

/// Builds a prefix tsquery ("tampe:* & kau:*") from user input, keeping only letters and
/// digits so that no tsquery syntax can be injected. `None` when nothing searchable remains.
pub fn prefix_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| {
            let term: String = t.chars().take(MAX_TERM_CHARS).collect::<String>().to_lowercase();
            format!("{term}:*")
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// What a list's free-text `q` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextSearch {
    /// No `q`, or a blank one: no text filter.
    All,
    /// A sanitised prefix tsquery.
    Terms(String),
    /// `q` has no word of letters or digits, so nothing can match it.
    Nothing,
}

impl TextSearch {
    pub fn from_param(q: Option<&str>) -> TextSearch {
        match q.map(str::trim).filter(|q| !q.is_empty()) {
            None => TextSearch::All,
            Some(q) => prefix_query(q).map_or(TextSearch::Nothing, TextSearch::Terms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_terms() {
        assert_eq!(prefix_query("tampe").as_deref(), Some("tampe:*"));
        assert_eq!(prefix_query("  Jyväskylän  seurak ").as_deref(), Some("jyväskylän:* & seurak:*"));
    }

    #[test]
    fn strips_tsquery_syntax() {
        assert_eq!(prefix_query("a' | !b:* & (c)").as_deref(), Some("a:* & b:* & c:*"));
        assert_eq!(prefix_query("!!! ::: &&"), None);
        assert_eq!(prefix_query(""), None);
    }
}
