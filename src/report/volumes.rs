//! Where a report is cut into volumes, and what the volumes are called.
//!
//! Courts cap the size of each filed PDF (commonly 10, 15, 25, 35 or 50 MB; the default here
//! is 10 MB). A report over the cap is cut at page boundaries into volumes that each stay under
//! it, never inside an exhibit's pages and never between the cover and the master index. The
//! cut is planned from size estimates ([`PageWeight`]); the report then checks the real size
//! of every volume it makes and plans again with more room where an estimate fell short.

use std::collections::HashSet;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::layout::PageWeight;

/// The default cap: 10 MB, the smallest common one.
pub const DEFAULT_MAX_BYTES: u64 = 10_000_000;

/// Bytes every volume carries besides its pages: font subsets, the sRGB profile, XMP
/// metadata, the outline, and the cover of volumes after the first. An estimate; real sizes
/// are checked after.
pub(crate) const VOLUME_OVERHEAD: u64 = 64_000;

/// Cuts pages `0..weights.len()` into consecutive volumes. `keep_together` lists page ranges
/// that must not be cut (an exhibit, the cover with the master index). `budget(k)` is how many
/// bytes of pages volume `k` (from 0) may hold. A unit larger than a whole budget gets a
/// volume of its own; the caller says so.
pub(crate) fn cut(
    weights: &[PageWeight],
    keep_together: &[Range<usize>],
    budget: impl Fn(usize) -> u64,
) -> Vec<Range<usize>> {
    let mut volumes = Vec::new();
    let mut start = 0;
    let mut used = 0u64;
    let mut images: HashSet<usize> = HashSet::new();
    for unit in units(weights.len(), keep_together) {
        let cost = |seen: &HashSet<usize>| {
            let mut new = HashSet::new();
            let mut bytes = 0;
            for w in &weights[unit.clone()] {
                bytes += w.content;
                for (image, size) in &w.images {
                    if !seen.contains(image) && new.insert(*image) {
                        bytes += size;
                    }
                }
            }
            (bytes, new)
        };
        let (mut bytes, mut new) = cost(&images);
        if unit.start > start && used + bytes > budget(volumes.len()) {
            volumes.push(start..unit.start);
            start = unit.start;
            used = 0;
            images.clear();
            (bytes, new) = cost(&images);
        }
        used += bytes;
        images.extend(new);
    }
    if start < weights.len() || volumes.is_empty() {
        volumes.push(start..weights.len());
    }
    volumes
}

/// The pages in order, grouped into what may not be cut.
fn units(pages: usize, keep_together: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut groups: Vec<Range<usize>> = keep_together
        .iter()
        .filter(|r| r.start < r.end)
        .map(|r| r.start..r.end.min(pages))
        .collect();
    groups.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut page = 0;
    let mut groups = groups.into_iter().peekable();
    while page < pages {
        let mut unit = page..page + 1;
        while let Some(g) = groups.peek() {
            if g.end <= page {
                groups.next();
            } else if g.start < unit.end {
                unit.end = unit.end.max(g.end);
                groups.next();
            } else {
                break;
            }
        }
        page = unit.end;
        out.push(unit);
    }
    out
}

/// Names for the files of a report in `count` volumes: `STEM.pdf` for one, `STEM-vol1.pdf`,
/// `STEM-vol2.pdf` ... for more. Court e-filing systems reject names with spaces, accents or
/// more than 50 characters, so the stem is cut down to ASCII letters, digits, '-', '_' and '.'.
pub fn file_names(stem: &str, count: usize) -> Vec<String> {
    let mut safe = super::exhibits::ascii_slug(stem);
    if safe.is_empty() {
        safe = "Report".into();
    }
    let count = count.max(1);
    let suffix_len = if count == 1 {
        ".pdf".len()
    } else {
        format!("-vol{count}.pdf").len()
    };
    let safe: String = safe.chars().take(50 - suffix_len).collect();
    let safe = safe.trim_end_matches(['-', '_', '.']);
    if count == 1 {
        return vec![format!("{safe}.pdf")];
    }
    (1..=count).map(|k| format!("{safe}-vol{k}.pdf")).collect()
}

/// Where the files of a report in `count` volumes go when the user named `out`: `out` itself
/// for one volume (the name they chose), else `STEM-vol1.pdf` ... beside it.
pub fn output_paths(out: &Path, count: usize) -> Vec<PathBuf> {
    if count <= 1 {
        return vec![out.to_path_buf()];
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = out.parent().unwrap_or(Path::new(""));
    file_names(&stem, count)
        .into_iter()
        .map(|name| dir.join(name))
        .collect()
}

/// Why the volumes of a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} already exists. Choose a new name so nothing is overwritten.", path.display())]
    Exists { path: PathBuf },
    #[error("Could not write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// Writes each of `files` to the path beside it, all new files. Nothing is written unless every
/// name is free, and a failure part-way removes what was written: a report is whole or absent.
pub fn write_all_new(files: &[(PathBuf, &[u8])]) -> Result<(), WriteError> {
    if let Some((taken, _)) = files.iter().find(|(p, _)| p.symlink_metadata().is_ok()) {
        return Err(WriteError::Exists {
            path: taken.clone(),
        });
    }
    for (i, (path, bytes)) in files.iter().enumerate() {
        if let Err(e) = write_one_new(path, bytes) {
            for (written, _) in &files[..i] {
                let _ = std::fs::remove_file(written);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Writes one new file (never over an existing one), synced, or says why not.
pub(crate) fn write_one_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    crate::fsutil::write_new(path, bytes).map_err(|source| {
        let path = path.to_path_buf();
        if source.kind() == io::ErrorKind::AlreadyExists {
            WriteError::Exists { path }
        } else {
            WriteError::Io { path, source }
        }
    })
}

/// True when `name` is a file name court e-filing systems accept.
pub fn is_court_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 50
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    fn page(content: u64, images: &[(usize, u64)]) -> PageWeight {
        PageWeight {
            images: images.to_vec(),
            content,
        }
    }

    #[test]
    fn cuts_where_the_budget_runs_out_but_never_inside_a_kept_range() {
        let weights = vec![
            page(10, &[]),
            page(10, &[]),
            page(10, &[(0, 50)]),
            page(10, &[]),
            page(10, &[(1, 50)]),
            page(10, &[]),
        ];
        // Pages 2..4 are one exhibit.
        assert_eq!(cut(&weights, &[2..4], |_| 100), vec![0..4, 4..6]);
        assert_eq!(cut(&weights, &[2..4], |_| 80), vec![0..2, 2..4, 4..6]);
        // Without the kept range, the cut would fall between the exhibit's pages.
        assert_eq!(cut(&weights, &[], |_| 80), vec![0..3, 3..6]);
    }

    #[test]
    fn an_image_shown_twice_in_a_volume_counts_once() {
        let weights = vec![
            page(0, &[(0, 60)]),
            page(0, &[(0, 60)]),
            page(0, &[(1, 60)]),
        ];
        assert_eq!(cut(&weights, &[], |_| 100), vec![0..2, 2..3]);
    }

    #[test]
    fn a_unit_bigger_than_the_budget_gets_its_own_volume() {
        let weights = vec![page(10, &[]), page(10, &[(0, 500)]), page(10, &[])];
        assert_eq!(cut(&weights, &[], |_| 100), vec![0..1, 1..2, 2..3]);
        assert_eq!(cut(&[], &[], |_| 100), vec![0..0]);
    }

    #[test]
    fn overlapping_ranges_merge() {
        assert_eq!(units(5, &[1..3, 2..4]), vec![0..1, 1..4, 4..5]);
        assert_eq!(units(3, &[0..9]), vec![0..3]);
    }

    #[test]
    fn file_names_are_court_safe() {
        assert_eq!(file_names("report", 1), vec!["report.pdf"]);
        assert_eq!(
            file_names("Informe de Núñez", 2),
            vec!["Informe-de-Nunez-vol1.pdf", "Informe-de-Nunez-vol2.pdf"]
        );
        for name in file_names(&"x".repeat(80), 12) {
            assert!(is_court_safe(&name), "{name}");
        }
        assert_eq!(file_names("🙂", 1), vec!["Report.pdf"]);
        assert!(!is_court_safe("my report.pdf"));
    }
}
