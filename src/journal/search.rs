//! Full-text search (SQLite FTS5) over descriptions, quotes, locations, captions,
//! transcripts, witnesses and police details.

use super::model::Incident;
use super::{Journal, JournalError, Result};

impl Journal {
    /// Incidents matching every word of `text` (each word also as a prefix, so results come
    /// while typing), in occurrence order. Accents are ignored: "amenazo" finds "amenazó".
    pub fn search(&self, text: &str) -> Result<Vec<Incident>> {
        let query = fts_query(text)
            .ok_or_else(|| JournalError::Invalid("Type a word to search for.".into()))?;
        let where_clause = format!("i.deleted_at IS NULL AND {}", matches_clause(1));
        self.query_incidents(&where_clause, &[&query as &dyn rusqlite::ToSql], false)
    }
}

/// The condition (over `incidents i`) that the incident matches the FTS query in parameter
/// `?{param}`. The search index's rowid is the incident's number (migration 03), so the
/// matches are found through the unique index on `number`, not by a pass over every incident.
pub(super) fn matches_clause(param: usize) -> String {
    format!("i.number IN (SELECT rowid FROM incident_search WHERE incident_search MATCH ?{param})")
}

/// Turns what a person typed into a safe FTS5 query: each word quoted (so `AND`, `-`, `*`, `"`
/// and `:` are words, never syntax) and made a prefix match.
pub(super) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '_'))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .take(32)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn query_words_are_quoted_prefixes() {
        assert_eq!(
            fts_query("black truck").as_deref(),
            Some("\"black\"* AND \"truck\"*")
        );
        assert_eq!(
            fts_query("NOT \"x\" OR").as_deref(),
            Some("\"NOT\"* AND \"x\"* AND \"OR\"*")
        );
        assert_eq!(fts_query("  -- ** "), None);
    }
}
