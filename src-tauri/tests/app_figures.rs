//! Figures and pictures of the real app, run by hand (they are slow and measure time):
//!
//!   cargo test -p daybook-desktop --test app_figures -- --ignored --nocapture --test-threads 1
//!
//! `demo_screens_and_figures` prints cold start to the unlock screen and the app's memory with
//! the demo journal, and saves screenshots to DAYBOOK_SCREENSHOTS (default: docs/).
//! `timeline_of_many_incidents` prints how long the timeline takes to show its first rows,
//! to scroll to its end and to search, with DAYBOOK_FIGURES_INCIDENTS (default 10,000).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::App;
use daybook::journal::{Journal, KdfCost};
use daybook::model::IncidentInput;
use secrecy::SecretString;

const DEMO_PASSPHRASE: &str = "demo passphrase";
/// The passphrase of the journals `benches/perf.rs` makes.
const BENCH_PASSPHRASE: &str = "bench passphrase";

fn demo_journal() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let journal = tmp.path().join("journal");
    let passphrase = SecretString::from(DEMO_PASSPHRASE.to_string());
    let (mut j, _) = Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("create");
    daybook::demo::fill(&mut j, daybook::demo::DEFAULT_SEED).expect("demo");
    (tmp, journal)
}

fn shots_dir() -> PathBuf {
    std::env::var_os("DAYBOOK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs"))
}

async fn unlock(app: &App, passphrase: &str) -> Duration {
    app.fill("#passphrase", passphrase).await;
    let clicked = Instant::now();
    app.click("#unlock-button").await;
    app.wait_text("#count", "incident").await;
    clicked.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "figures and screenshots; run by hand"]
async fn demo_screens_and_figures() {
    let (tmp, journal) = demo_journal();
    let path = journal.display().to_string();
    let app = App::start_with(tmp, journal, &["--demo", "--journal", &path]).await;
    app.find("#passphrase").await;
    let cold = app.started.elapsed();
    app.client
        .set_window_size(1100, 1300)
        .await
        .expect("window size");
    let dir = shots_dir();
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    app.screenshot(&dir.join("app-unlock.png")).await;

    let opened = unlock(&app, DEMO_PASSPHRASE).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot(&dir.join("app-timeline.png")).await;
    let rss: u64 = common::app_pids()
        .into_iter()
        .filter_map(common::rss_kib)
        .sum();

    // An incident with a picture and a voicemail, for the editor.
    let opened_editor = app
        .js(
            "const rows = [...document.querySelectorAll('button.incident')];
             const row = rows.find(r => /[2-9] exhibits/.test(r.textContent)) || rows[0];
             row.click(); return row.textContent;",
        )
        .await;
    app.find("#attachments img").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.screenshot(&dir.join("app-editor.png")).await;
    app.js("document.querySelector('.exhibits').scrollIntoView()")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot(&dir.join("app-editor-files.png")).await;

    app.click("nav button[data-screen=orders]").await;
    app.find("#orders").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot(&dir.join("app-orders.png")).await;

    app.click("nav button[data-screen=export]").await;
    app.find("#export-report").await;
    app.screenshot(&dir.join("app-export.png")).await;

    println!("cold start to unlock screen (WebDriver session start -> field shown): {cold:?}");
    println!("unlock (scrypt 2^17) to timeline shown, demo journal: {opened:?}");
    println!("resident memory, shell + WebKit processes, demo journal open: {rss} KiB");
    println!("editor opened on: {opened_editor}");
    app.close().await;
}

/// The figure the timeline leaves in `window.<name>` once it is measured (null until then).
async fn wait_for(app: &App, name: &str) -> serde_json::Value {
    for _ in 0..200 {
        let value = app.js(&format!("return window.{name} ?? null")).await;
        if !value.is_null() {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("window.{name} was never set");
}

/// Scrolls the window down two screenfuls per frame (a quick flick) until `done` (a JS expression) holds, and
/// returns the frames' count, the longest and median gap between two, and how many were over
/// 50 ms, with what changed in the page before each of those: rows drawn (a chunk read and
/// drawn, or drawn again), rows let go (a chunk emptied), both, or neither (painting, or
/// JavaScript's garbage collection).
async fn scroll_to_end(app: &App, done: &str) -> serde_json::Value {
    app.js(&format!(
        "window.daybookScroll = null
         const gaps = []
         let last = performance.now()
         const started = last
         let worst = {{ gap: 0, at: 0, y: 0 }}
         let rows = 0
         let added = 0, removed = 0
         new MutationObserver((changes) => {{
           for (const c of changes) {{ added += c.addedNodes.length; removed += c.removedNodes.length }}
         }}).observe(document.body, {{ childList: true, subtree: true }})
         const slow = {{ rows_drawn: 0, rows_let_go: 0, both: 0, neither: 0 }}
         const frame = (t) => {{
           const gap = t - last
           gaps.push(gap); last = t
           if (gap > 50) {{
             slow[added && removed ? 'both' : added ? 'rows_drawn' : removed ? 'rows_let_go' : 'neither']++
           }}
           added = 0; removed = 0
           if (gaps.length % 25 === 0) rows = Math.max(rows, document.querySelectorAll('button.incident').length)
           // A scroll by script is not use the app hears; a person's wheel is (auto-lock).
           if (gaps.length % 200 === 0) document.dispatchEvent(new WheelEvent('wheel'))
           if (gap > worst.gap) worst = {{ gap, at: t - started, y: window.scrollY }}
           if ({done}) {{
             const sorted = gaps.slice().sort((a, b) => a - b)
             window.daybookScroll = {{ frames: gaps.length, max: sorted[sorted.length - 1],
               max_at_ms: Math.round(worst.at), max_at_y: worst.y,
               median: sorted[sorted.length >> 1], p99: sorted[Math.floor(sorted.length * 0.99)],
               over50: gaps.filter((g) => g > 50).length, over50_after: slow,
               ms: Math.round(t - started),
               most_rows_in_page: rows }}
             return
           }}
           window.scrollBy(0, 2 * window.innerHeight)
           requestAnimationFrame(frame)
         }}
         requestAnimationFrame(frame)
         return null"
    ))
    .await;
    for _ in 0..12_000 {
        let scrolled = app.js("return window.daybookScroll").await;
        if !scrolled.is_null() {
            return scrolled;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the end of the list was never reached");
}

/// How many incidents `timeline_of_many_incidents` fills (DAYBOOK_FIGURES_INCIDENTS, default
/// 10,000). Filling is not timed; with TMPDIR on a tmpfs it takes about a minute per 100,000.
fn many() -> u32 {
    std::env::var("DAYBOOK_FIGURES_INCIDENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// A journal of `many()` incidents made for the figures, or a copy of the one
/// DAYBOOK_FIGURES_JOURNAL names (a bench dataset's `journal` folder, unlocked with the bench's
/// passphrase: `benches/perf.rs` makes journals of a million incidents in half an hour).
fn journal_of_many(tmp: &tempfile::TempDir) -> ManyIncidents {
    let journal = tmp.path().join("journal");
    if let Some(dataset) = std::env::var_os("DAYBOOK_FIGURES_JOURNAL").map(PathBuf::from) {
        let copied = Instant::now();
        for folder in ["", "unlock", "blobs"] {
            std::fs::create_dir_all(journal.join(folder)).expect("journal folder");
        }
        for file in ["journal.db", "unlock/passphrase.age", "unlock/recovery.age"] {
            std::fs::copy(dataset.join(file), journal.join(file)).expect("copy the dataset");
        }
        let passphrase = SecretString::from(BENCH_PASSPHRASE.to_string());
        let (j, _) = Journal::open(&journal, daybook::journal::Unlock::Passphrase(&passphrase))
            .expect("the dataset opens");
        let n = j
            .timeline_page(&Default::default(), "", None, 1)
            .expect("count")
            .total
            .expect("the first page counts") as u32;
        j.lock();
        println!(
            "copied a journal of {n} incidents in {:?}",
            copied.elapsed()
        );
        return ManyIncidents {
            journal,
            n,
            passphrase: BENCH_PASSPHRASE,
            made_here: false,
            search: ("truck".into(), "incidents match".into()),
        };
    }
    let n = many();
    let passphrase = SecretString::from(DEMO_PASSPHRASE.to_string());
    let (mut j, _) = Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("create");
    let filled = Instant::now();
    for i in 0..n {
        let day = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).expect("date")
            + chrono::Days::new(u64::from(i) * 5 * 10_000 / 27 / u64::from(n));
        let input: IncidentInput = serde_json::from_value(serde_json::json!({
            "occurred_at": format!("{day}T{:02}:{:02}", 8 + i % 12, i % 60),
            "timezone": "America/Chicago",
            "kinds": ["text_message"],
            "description": format!("Message number {i}: he wrote again although the order forbids any contact. It said he was outside."),
        }))
        .expect("input");
        j.add_incident(&input).expect("add");
    }
    println!("filled {n} incidents in {:?}", filled.elapsed());
    j.lock();
    ManyIncidents {
        journal,
        n,
        passphrase: DEMO_PASSPHRASE,
        made_here: true,
        search: (format!("number {}", n - 1), "1 incident match".into()),
    }
}

struct ManyIncidents {
    journal: PathBuf,
    n: u32,
    passphrase: &'static str,
    /// Made by `journal_of_many`: the last row in time is incident #n.
    made_here: bool,
    /// A search, and what the count says once it is answered.
    search: (String, String),
}

/// How far `timeline_of_many_incidents` scrolls: to the end, or DAYBOOK_FIGURES_SCROLL_ROWS
/// rows' worth of screens when set (a million rows take half an hour to scroll through here).
fn scroll_goal() -> String {
    match std::env::var("DAYBOOK_FIGURES_SCROLL_ROWS")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    {
        Some(rows) => format!(
            "window.daybookTimelineAllMs != null || window.scrollY > {rows} * \
             document.querySelector('#timeline li').getBoundingClientRect().height"
        ),
        None => "window.daybookTimelineAllMs != null".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "figures; run by hand"]
async fn timeline_of_many_incidents() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let ManyIncidents {
        journal,
        n,
        passphrase,
        made_here,
        search,
    } = journal_of_many(&tmp);
    let app = App::start_with(tmp, journal, &[]).await;
    let total = unlock(&app, passphrase).await;
    app.wait_text("#count", &format!("{n} incidents")).await;
    // The first page is painted at once; the rest is asked for as the list is scrolled.
    let render = wait_for(&app, "daybookTimelineMs").await;
    let after_unlock = app
        .js("return window.daybookFirstRowsAt - window.daybookUnlockedAt")
        .await;
    let call = app.js("return window.daybookTimelineCallMs").await;
    println!("unlock click -> {n}-incident timeline shown: {total:?}");
    println!("unlock answered -> first rows painted: {after_unlock} ms");
    println!("timeline command (first page, query, IPC, JSON): {call} ms; + painted: {render} ms");

    // Scroll to the end, two screenfuls per frame, noting the time between frames and the
    // most rows the page held on the way.
    let scrolled = scroll_to_end(&app, &scroll_goal()).await;
    if made_here && app.js("return window.daybookTimelineAllMs != null").await == true {
        let last = app
            .js(&format!(
                "return [...document.querySelectorAll('button.incident .number')]
                   .some((n) => n.textContent === '#{n}')"
            ))
            .await;
        assert_eq!(last, true, "the last row is drawn once scrolled to");
    }
    println!("scrolled through {n} rows (or DAYBOOK_FIGURES_SCROLL_ROWS), pages asked for on the way: {scrolled}");
    // The same scroll again from the top: every page has been read once, the rows let go on
    // the way are asked for again as they come near.
    let reached = app.js("return window.scrollY").await;
    app.js("window.scrollTo(0, 0); return null").await;
    let again = scroll_to_end(
        &app,
        &format!(
            "window.scrollY >= {reached} || window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
        ),
    )
    .await;
    println!("the same scroll again from the top, rows let go drawn again: {again}");

    app.js("window.scrollTo(0, 0); return null").await;
    let (word, answered) = search;
    app.js("window.daybookFirstRowsAt = null; return null")
        .await;
    app.fill("#search", &word).await;
    let searched = Instant::now();
    app.js("window.daybookTypedAt = performance.now(); return null")
        .await;
    app.wait_text("#count", &answered).await;
    let counted = searched.elapsed();
    let rows = app
        .js("return window.daybookFirstRowsAt - window.daybookTypedAt")
        .await;
    println!(
        "search as you type \"{word}\" (150 ms pause after typing included) -> its first rows painted: {rows} ms; its count shown: {counted:?}"
    );
    app.close().await;
}
