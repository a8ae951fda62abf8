//! What one layout pass learned, and what the next pass prints from it: on which page each
//! exhibit and section lands, and how the pages are cut into volumes.
//!
//! Page numbers run straight through all volumes. Volume 1 starts with the report's own
//! cover; every later volume starts with a one-page cover of its own, which is numbered too.
//! So body page `i` (counted from 0 over the whole report without the later covers) in volume
//! `k` prints as `i + k`.

use std::collections::BTreeMap;
use std::ops::Range;

/// A section's name and the body page it starts on.
pub(super) type Section = (&'static str, usize);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Plan {
    /// Body page ranges, one per volume. Empty before the first pass.
    pub(super) volumes: Vec<Range<usize>>,
    /// Exhibit number -> body page of its separator page.
    pub(super) exhibit_at: BTreeMap<usize, usize>,
    pub(super) sections: Vec<Section>,
    pub(super) body_pages: usize,
}

impl Plan {
    /// More than one volume: the master index goes up front and references name volumes.
    pub(super) fn split(&self) -> bool {
        self.volumes.len() > 1
    }

    pub(super) fn count(&self) -> usize {
        self.volumes.len().max(1)
    }

    /// 1-based volume of a body page.
    pub(super) fn volume_of(&self, page: usize) -> usize {
        self.volumes
            .iter()
            .position(|v| v.contains(&page))
            .map_or(1, |k| k + 1)
    }

    /// The printed number of a body page.
    pub(super) fn number(&self, page: usize) -> usize {
        page + self.volume_of(page)
    }

    /// Pages in all volumes, later covers included.
    pub(super) fn total(&self) -> usize {
        self.body_pages + self.count() - 1
    }

    /// First and last printed page of volume `k` (1-based), its cover included.
    pub(super) fn span(&self, k: usize) -> (usize, usize) {
        match self.volumes.get(k - 1) {
            Some(range) => {
                let first = if k == 1 {
                    1
                } else {
                    self.number(range.start) - 1
                };
                (
                    first,
                    self.number(range.end.saturating_sub(1).max(range.start)),
                )
            }
            None => (1, self.total()),
        }
    }

    /// Volume and printed page of an exhibit, once a pass has placed it.
    pub(super) fn exhibit(&self, number: usize) -> Option<(usize, usize)> {
        self.exhibit_at
            .get(&number)
            .map(|&page| (self.volume_of(page), self.number(page)))
    }

    /// "Volume 2 of 3, pages 41-80 of 120"
    pub(super) fn volume_line(&self, k: usize) -> String {
        let (first, last) = self.span(k);
        format!(
            "Volume {k} of {}, pages {first}-{last} of {}",
            self.count(),
            self.total()
        )
    }

    /// What volume `k` holds, e.g. "Incidents (continued), Exhibits 1 to 11".
    pub(super) fn contents(&self, k: usize) -> String {
        let Some(range) = self.volumes.get(k - 1) else {
            return String::new();
        };
        let mut parts = Vec::new();
        for (i, (name, start)) in self.sections.iter().enumerate() {
            let end = self
                .sections
                .get(i + 1)
                .map_or(self.body_pages, |(_, next)| *next);
            if end <= range.start || *start >= range.end || start >= &end {
                continue;
            }
            if *name == EXHIBITS {
                let inside: Vec<usize> = self
                    .exhibit_at
                    .iter()
                    .filter(|(_, page)| range.contains(*page))
                    .map(|(n, _)| *n)
                    .collect();
                match (inside.first(), inside.last()) {
                    (Some(a), Some(b)) if a == b => parts.push(format!("Exhibit {a}")),
                    (Some(a), Some(b)) => parts.push(format!("Exhibits {a} to {b}")),
                    _ => {}
                }
            } else if *start < range.start {
                parts.push(format!("{name} (continued)"));
            } else {
                parts.push((*name).to_string());
            }
        }
        parts.join(", ")
    }
}

/// Section names, as the covers and the master index list them.
pub(super) const COVER: &str = "Cover";
pub(super) const MASTER_INDEX: &str = "Master index";
pub(super) const SUMMARY: &str = "Summary";
pub(super) const INCIDENTS: &str = "Incidents";
pub(super) const COMMUNICATIONS: &str = "Communications with the restrained person";
pub(super) const EXHIBIT_INDEX: &str = "Exhibit index";
pub(super) const EXHIBITS: &str = "Exhibits";
pub(super) const AMENDMENTS: &str = "Amendments";
pub(super) const DECLARATION: &str = "Declaration";
pub(super) const INTEGRITY: &str = "How to check this report";

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            volumes: vec![0..10, 10..20, 20..25],
            exhibit_at: [(1, 8), (2, 12), (3, 15), (4, 21)].into_iter().collect(),
            sections: vec![(COVER, 0), (INCIDENTS, 2), (EXHIBITS, 8), (AMENDMENTS, 22)],
            body_pages: 25,
        }
    }

    #[test]
    fn numbers_run_through_the_volumes_counting_later_covers() {
        let p = plan();
        assert_eq!(p.total(), 27);
        assert_eq!(p.span(1), (1, 10));
        assert_eq!(p.span(2), (11, 21));
        assert_eq!(p.span(3), (22, 27));
        assert_eq!(
            p.number(10),
            12,
            "the first body page after volume 2's cover"
        );
        assert_eq!(p.exhibit(4), Some((3, 24)));
        assert_eq!(p.volume_line(2), "Volume 2 of 3, pages 11-21 of 27");
    }

    #[test]
    fn contents_name_sections_and_exhibit_ranges() {
        let p = plan();
        assert_eq!(p.contents(1), "Cover, Incidents, Exhibit 1");
        assert_eq!(p.contents(2), "Exhibits 2 to 3");
        assert_eq!(p.contents(3), "Exhibit 4, Amendments");
    }

    #[test]
    fn an_unsplit_plan_numbers_from_one() {
        let p = Plan {
            volumes: std::iter::once(0..5).collect(),
            body_pages: 5,
            ..Plan::default()
        };
        assert!(!p.split());
        assert_eq!((p.total(), p.number(4), p.span(1)), (5, 5, (1, 5)));
    }
}
