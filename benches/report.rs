//! Scale figures for the chronological report: pages, seconds and size for the demo journal
//! and for 1,000 incidents with 300 phone screenshots (JPEG, about 100-400 KB each, made
//! deterministically here), split at the default 10 MB and kept in one file, side by side.
//!
//! Run: `cargo bench -p daybook --bench report` (add `-- --quick` for 200 incidents and 60
//! screenshots). Building the journals is not timed; only the report is.

mod common;

use std::time::Instant;

use age::secrecy::SecretString;
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use common::screenshot;
use daybook::report::chronological::{render, Report, ReportOptions};
use daybook::report::exhibits::Scope;
use daybook::{Journal, KdfCost};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (incidents, screenshots) = if quick { (200, 60) } else { (1000, 300) };

    let dir = tempfile::tempdir()?;
    let mut demo = new_journal(&dir.path().join("demo"))?;
    daybook::demo::fill(&mut demo, daybook::demo::DEFAULT_SEED)?;
    let image_bytes = image_bytes(&demo)?;
    measure("demo journal", &demo, image_bytes)?;

    let mut big = new_journal(&dir.path().join("scale"))?;
    let made = Instant::now();
    let image_bytes = fill(&mut big, &dir.path().join("files"), incidents, screenshots)?;
    println!(
        "built {incidents} incidents with {screenshots} screenshots ({}) in {:.1} s (not timed below)",
        mb(image_bytes),
        made.elapsed().as_secs_f64()
    );
    measure(
        &format!("{incidents} incidents, {screenshots} screenshots"),
        &big,
        image_bytes,
    )?;
    Ok(())
}

fn new_journal(path: &std::path::Path) -> Result<Journal, Error> {
    let passphrase = SecretString::from("bench passphrase".to_string());
    Ok(Journal::create(path, &passphrase, KdfCost::LogN(17))?.0)
}

fn image_bytes(journal: &Journal) -> Result<u64, Error> {
    Ok(journal
        .incidents(&Default::default())?
        .iter()
        .flat_map(|i| &i.attachments)
        .filter(|a| a.kind == daybook::AttachmentKind::Image)
        .map(|a| a.size)
        .sum())
}

/// The report at the default 10 MB cap and in one file, timed one after the other.
fn measure(name: &str, journal: &Journal, image_bytes: u64) -> Result<(), Error> {
    println!("{name}:");
    for (label, cap) in [
        (
            "--max-mb 10",
            Some(daybook::report::volumes::DEFAULT_MAX_BYTES),
        ),
        ("one file", None),
    ] {
        let mut options = ReportOptions::new(Scope::default());
        options.max_bytes = cap;
        let start = Instant::now();
        let report = render(journal, &options)?;
        let seconds = start.elapsed().as_secs_f64();
        let size: u64 = report.volumes.iter().map(|v| v.pdf.len() as u64).sum();
        println!(
            "  {label:<12} {} pages in {} volume(s), {seconds:.2} s; output {} = {:.3} x the image bytes ({}); largest volume {}",
            report.pages,
            report.volumes.len(),
            mb(size),
            size as f64 / image_bytes.max(1) as f64,
            mb(image_bytes),
            mb(largest(&report)),
        );
    }
    Ok(())
}

fn largest(report: &Report) -> u64 {
    report
        .volumes
        .iter()
        .map(|v| v.pdf.len() as u64)
        .max()
        .unwrap_or(0)
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

/// The first places and sentences of the shared sample text: the figures quoted for this
/// bench were measured with these.
const PLACES: &[&str] = common::PLACES.split_at(5).0;
const SENTENCES: &[&str] = common::SENTENCES.split_at(8).0;

/// An order, `incidents` incidents over about two years, and `screenshots` JPEG screenshots
/// attached to them. Returns the screenshots' total size.
fn fill(
    journal: &mut Journal,
    files: &std::path::Path,
    incidents: usize,
    screenshots: usize,
) -> Result<u64, Error> {
    std::fs::create_dir_all(files)?;
    let mut rng = StdRng::seed_from_u64(1000);
    let order = journal.add_order(&common::order_input(
        "HF24-000777",
        "2024-01-02",
        "2029-01-02",
    ))?;
    let start = NaiveDate::from_ymd_opt(2024, 1, 3).ok_or("date")?;
    let mut total = 0;
    for n in 0..incidents {
        let day = start + Duration::days((n * 700 / incidents) as i64);
        let sentences: Vec<&str> = (0..rng.random_range(2..6))
            .map(|_| SENTENCES[rng.random_range(0..SENTENCES.len())])
            .collect();
        let occurred_at = format!(
            "{}T{:02}:{:02}",
            day.format("%Y-%m-%d"),
            rng.random_range(8..22),
            rng.random_range(0..60)
        );
        let incident = journal.add_incident(&common::text_incident(
            occurred_at,
            PLACES[n % PLACES.len()],
            sentences.join(" "),
            &order.id,
        ))?;
        // Screenshots spread evenly over the incidents.
        if n * screenshots / incidents != (n + 1) * screenshots / incidents {
            let k = n * screenshots / incidents;
            let bytes = screenshot(k as u64);
            total += bytes.len() as u64;
            let path = files.join(format!("Screenshot_{k:04}.jpg"));
            std::fs::write(&path, &bytes)?;
            journal.attach(&incident.id, &path, Some("Screenshot"), &mut |_, _| true)?;
            std::fs::remove_file(&path)?;
        }
    }
    Ok(total)
}
