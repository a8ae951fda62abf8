//! The commands the window may call: each one checks its input, calls the core, and answers
//! with data or a sentence a frightened, non-technical person can act on. Every name here is
//! listed in build.rs (the app manifest), in capabilities/default.json and in the isolation
//! hook; tests/security.rs keeps the three in step.
//!
//! File paths never come from the web side: files are chosen in native dialogs opened here,
//! or dropped on the window (the drop event is handled in Rust).

use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDate};
use daybook::journal::revisions::Entity;
use daybook::journal::{IncidentFilter, Journal, JournalPaths, Renewal, Settings, Unlock};
use daybook::model::{
    DocumentKind, IncidentInput, IncidentKind, Order, OrderInput, OrderKind, Person, PersonInput,
    PersonRole,
};
use daybook::{Attachment, RecoveryKey};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::ipc::Response;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;

use crate::state::{AppState, Session, UnlockedWith};

// The "Messages and calls" commands live in messages.rs; registered from here with the rest.
pub use crate::messages::*;
pub use crate::phone_import::*;

/// Errors reach the window as plain sentences.
pub(crate) type Answer<T> = Result<T, String>;

const LOCKED: &str = "The journal is locked. Unlock it to go on.";

/// Runs `f` on the open journal, or says it is locked.
pub(crate) fn with_journal<T, E: std::fmt::Display>(
    state: &AppState,
    f: impl FnOnce(&mut Journal) -> Result<T, E>,
) -> Answer<T> {
    let mut session = state.session();
    let session = session.as_mut().ok_or_else(|| LOCKED.to_string())?;
    f(&mut session.journal).map_err(|e| e.to_string())
}

/// Reads a form the window sent. Shapes are the window's business, so a mistake there is
/// reported without blaming the user.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> Answer<T> {
    serde_json::from_value(value).map_err(|e| {
        format!(
            "Some of what was entered in the {what} form could not be read. Check the numbers and dates and try again. Nothing was saved. (Details: {e})"
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Journal: create, unlock, lock

#[derive(Serialize)]
pub struct Status {
    journal_exists: bool,
    unlocked: bool,
    unlocked_with: Option<UnlockedWith>,
    demo: bool,
    /// Where the journal lives, so a user can back it up.
    folder: String,
    /// The whole-history check after unlock.
    history: crate::history::HistoryStatus,
}

#[tauri::command]
pub fn status(state: State<'_, AppState>) -> Status {
    let session = state.session();
    Status {
        journal_exists: JournalPaths::new(&state.root).exists(),
        unlocked: session.is_some(),
        unlocked_with: session.as_ref().map(|s| s.unlocked_with),
        demo: state.demo,
        folder: state.root.display().to_string(),
        history: state.history(),
    }
}

#[derive(Serialize)]
pub struct Created {
    recovery_key: String,
}

/// Creates the journal and opens it. The recovery key is returned once, for the window to show
/// with its print and "I have saved it" steps; it is stored nowhere.
#[tauri::command]
pub async fn create_journal(state: State<'_, AppState>, passphrase: String) -> Answer<Created> {
    let passphrase = SecretString::from(passphrase);
    let (journal, recovery) =
        Journal::create(&state.root, &passphrase, state.kdf_cost).map_err(|e| e.to_string())?;
    let settings = journal.settings().map_err(|e| e.to_string())?;
    *state.session() = Some(Session {
        journal,
        unlocked_with: UnlockedWith::Passphrase,
        settings,
    });
    state.touch();
    // The string crosses to the window once; the key itself is zeroed when `recovery` drops.
    Ok(Created {
        recovery_key: recovery.expose().to_string(),
    })
}

#[derive(Serialize)]
pub struct Unlocked {
    /// Things the user must be told (tidied imports). A history that does not check out is
    /// told through the history status instead (history.rs), which stays on screen.
    notices: Vec<String>,
}

#[tauri::command]
pub async fn unlock(
    app: AppHandle,
    state: State<'_, AppState>,
    secret: String,
    recovery: bool,
) -> Answer<Unlocked> {
    let secret = zeroize::Zeroizing::new(secret);
    if state.session().is_some() {
        return Ok(Unlocked { notices: vec![] });
    }
    let opened = if recovery {
        let key = RecoveryKey::parse(secret.trim()).map_err(|e| e.to_string())?;
        Journal::open(&state.root, Unlock::RecoveryKey(&key))
    } else {
        let passphrase = SecretString::from(secret.to_string());
        Journal::open(&state.root, Unlock::Passphrase(&passphrase))
    };
    let (journal, report) = opened.map_err(|e| e.to_string())?;
    let mut notices = Vec::new();
    if report.orphans_removed > 0 {
        notices.push(format!(
            "{} unfinished import(s) from an earlier interruption were cleaned up. Nothing saved was affected.",
            report.orphans_removed
        ));
    }
    let settings = journal.settings().map_err(|e| e.to_string())?;
    *state.session() = Some(Session {
        journal,
        unlocked_with: if recovery {
            UnlockedWith::RecoveryKey
        } else {
            UnlockedWith::Passphrase
        },
        settings,
    });
    state.touch();
    // Unlock walked only what came after the checkpoint; the rest is walked in the background,
    // unless unlock already found a problem. Either way a problem is shown above every screen
    // (#history-alert) until the journal is locked.
    match report.chain_problem {
        Some(problem) => state.set_history(crate::history::HistoryStatus::Problem {
            message: crate::history::warning(&problem),
        }),
        None => crate::history::start(&app),
    }
    Ok(Unlocked { notices })
}

/// Locks. Long work in progress is cancelled first so the lock does not wait behind it.
#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>) {
    state
        .cancel
        .store(true, std::sync::atomic::Ordering::SeqCst);
    state.lock();
}

/// Hides the window at once, then locks and ends the app: nothing of the journal stays on
/// screen or in memory. Bound to a button and to pressing Escape twice.
#[tauri::command]
pub fn quick_exit(app: AppHandle, state: State<'_, AppState>) {
    crate::hide_and_quit(&app, &state);
}

/// Changes the passphrase. Asks for the current one, unless the journal was opened with the
/// recovery key (the user has lost it; that is what the key is for).
#[tauri::command]
pub async fn change_passphrase(
    state: State<'_, AppState>,
    current: Option<String>,
    new: String,
) -> Answer<()> {
    let mut session = state.session();
    let session = session.as_mut().ok_or_else(|| LOCKED.to_string())?;
    if session.unlocked_with == UnlockedWith::Passphrase {
        let current = SecretString::from(current.unwrap_or_default());
        session
            .journal
            .check_passphrase(&current)
            .map_err(|_| "That is not the current passphrase. Nothing was changed.".to_string())?;
    }
    let new = SecretString::from(new);
    session
        .journal
        .change_passphrase(&new, state.kdf_cost)
        .map_err(|e| e.to_string())?;
    session.unlocked_with = UnlockedWith::Passphrase;
    Ok(())
}

/// The window reports keyboard and mouse use (at most every few seconds) so auto-lock counts
/// from the last real use, not the last saved change.
#[tauri::command]
pub fn activity(state: State<'_, AppState>) {
    state.touch();
}

#[tauri::command(async)]
pub fn get_settings(state: State<'_, AppState>) -> Answer<Settings> {
    state
        .session()
        .as_ref()
        .map(|s| s.settings)
        .ok_or_else(|| LOCKED.to_string())
}

#[tauri::command(async)]
pub fn set_settings(state: State<'_, AppState>, settings: Value) -> Answer<Settings> {
    let settings: Settings = parse("settings", settings)?;
    let mut session = state.session();
    let session = session.as_mut().ok_or_else(|| LOCKED.to_string())?;
    session
        .journal
        .set_settings(&settings)
        .map_err(|e| e.to_string())?;
    session.settings = settings;
    Ok(settings)
}

// ---------------------------------------------------------------------------------------------
// Words the forms offer

#[derive(Serialize)]
pub struct Choice {
    key: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
pub struct Vocabulary {
    incident_kinds: Vec<Choice>,
    order_kinds: Vec<Choice>,
    roles: Vec<Choice>,
}

macro_rules! choices {
    ($ty:ty) => {
        <$ty>::ALL
            .iter()
            .map(|k| Choice {
                key: k.key(),
                label: k.label(),
            })
            .collect()
    };
}

#[tauri::command]
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        incident_kinds: choices!(IncidentKind),
        order_kinds: choices!(OrderKind),
        roles: choices!(PersonRole),
    }
}

// ---------------------------------------------------------------------------------------------
// Timeline and incidents

#[derive(Deserialize, Default)]
pub struct TimelineQuery {
    #[serde(default)]
    text: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    kind: Option<IncidentKind>,
    order_id: Option<String>,
    reported: Option<bool>,
}

/// Incidents in the order they happened, filtered, and narrowed by the search words if any:
/// `limit` rows after the incident numbered `after` (the last row the window has), so the
/// window draws its first rows at once at any journal size and asks for more as the person
/// scrolls. Without `limit`, every row (for a chooser that lists them all).
#[tauri::command]
pub async fn timeline(
    state: State<'_, AppState>,
    query: Value,
    after: Option<i64>,
    limit: Option<usize>,
    count: Option<bool>,
) -> Answer<daybook::journal::TimelinePage> {
    let (filter, words) = timeline_filter(query)?;
    with_journal(&state, |journal| match (limit, count) {
        // The window shows the rows first and asks for the count after (`timeline_total`).
        (Some(limit), Some(false)) => {
            journal.timeline_page_uncounted(&filter, &words, after, limit)
        }
        (Some(limit), _) => journal.timeline_page(&filter, &words, after, limit),
        (None, _) => journal
            .timeline(&filter, &words)
            .map(|rows| daybook::journal::TimelinePage {
                total: Some(rows.len()),
                rows,
                next_after: None,
            }),
    })
}

/// How many incidents the timeline lists for a filter and search.
#[tauri::command(async)]
pub fn timeline_total(state: State<'_, AppState>, query: Value) -> Answer<usize> {
    let (filter, words) = timeline_filter(query)?;
    with_journal(&state, |journal| journal.timeline_total(&filter, &words))
}

fn timeline_filter(query: Value) -> Result<(IncidentFilter, String), String> {
    let query: TimelineQuery = parse("filter", query)?;
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if to < from {
            return Err("The “to” date is before the “from” date.".into());
        }
    }
    let filter = IncidentFilter {
        from: query.from,
        to: query.to,
        kind: query.kind,
        order_id: query.order_id.filter(|o| !o.is_empty()),
        reported: query.reported,
    };
    Ok((filter, query.text))
}

#[tauri::command(async)]
pub fn get_incident(state: State<'_, AppState>, id: String) -> Answer<daybook::model::Incident> {
    with_journal(&state, |journal| journal.incident(&id))
}

#[tauri::command(async)]
pub fn add_incident(state: State<'_, AppState>, input: Value) -> Answer<daybook::model::Incident> {
    let input: IncidentInput = parse("incident", input)?;
    with_journal(&state, |journal| journal.add_incident(&input))
}

/// Saves the editor's full form as an amendment; only the fields that differ change.
#[tauri::command(async)]
pub fn edit_incident(
    state: State<'_, AppState>,
    id: String,
    input: Value,
) -> Answer<daybook::model::Incident> {
    // Round-trip through the input type so a malformed form is refused before the core
    // merges it.
    let input: IncidentInput = parse("incident", input)?;
    let patch = serde_json::to_value(&input).map_err(|e| e.to_string())?;
    with_journal(&state, |journal| journal.edit_incident(&id, &patch))
}

#[tauri::command(async)]
pub fn delete_incident(state: State<'_, AppState>, id: String, reason: String) -> Answer<()> {
    with_journal(&state, |journal| journal.delete_incident(&id, &reason))
}

#[derive(Serialize)]
pub struct HistoryEntry {
    seq: i64,
    op: String,
    at: String,
    reason: Option<String>,
}

#[tauri::command(async)]
pub fn incident_history(state: State<'_, AppState>, id: String) -> Answer<Vec<HistoryEntry>> {
    with_journal(&state, |journal| {
        Ok::<_, daybook::JournalError>(
            journal
                .history(Entity::Incident, &id)?
                .into_iter()
                .map(|r| HistoryEntry {
                    seq: r.seq,
                    op: r.op,
                    at: r.recorded_at,
                    reason: r.reason,
                })
                .collect(),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Attachments

#[derive(Serialize)]
pub struct ImportResult {
    attached: Vec<Attachment>,
    /// One sentence per file that could not be attached; the others were.
    problems: Vec<String>,
    cancelled: bool,
}

#[derive(Clone, Serialize)]
pub(crate) struct ProgressEvent {
    pub(crate) task: &'static str,
    pub(crate) file: String,
    pub(crate) done: u64,
    pub(crate) total: u64,
}

/// The local paths of what the file dialog returned (nothing when it was closed).
pub(crate) fn picked_paths(picked: Option<Vec<tauri_plugin_dialog::FilePath>>) -> Vec<PathBuf> {
    picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect()
}

/// Opens the native file dialog and imports what the user picks into `incident_id`.
#[tauri::command]
pub async fn pick_attachments(
    app: AppHandle,
    state: State<'_, AppState>,
    incident_id: String,
) -> Answer<ImportResult> {
    let picked = app
        .dialog()
        .file()
        .set_title("Choose screenshots, photos, recordings or documents")
        .blocking_pick_files();
    let paths = picked_paths(picked);
    import_files(&app, &state, &incident_id, paths)
}

/// Imports the files last dropped on the window into `incident_id`.
#[tauri::command]
pub async fn attach_dropped(
    app: AppHandle,
    state: State<'_, AppState>,
    incident_id: String,
) -> Answer<ImportResult> {
    let paths = std::mem::take(&mut *state.dropped.lock().unwrap_or_else(|e| e.into_inner()));
    if paths.is_empty() {
        return Err("No dropped files are waiting. Drop them on the window again.".into());
    }
    import_files(&app, &state, &incident_id, paths)
}

/// One batch, so the durable steps are done once for all the files (core: `attach_files`).
fn import_files(
    app: &AppHandle,
    state: &AppState,
    incident_id: &str,
    paths: Vec<PathBuf>,
) -> Answer<ImportResult> {
    state.start_work();
    let names: Vec<String> = paths.iter().map(|p| file_name(p)).collect();
    let mut progress = import_progress(app, state, &names);
    let batch = with_journal(state, |journal| {
        journal.attach_files(incident_id, &paths, None, &mut progress)
    })?;
    Ok(ImportResult {
        attached: batch.attached.into_iter().map(|a| a.attachment).collect(),
        problems: problem_lines(&batch.problems, &names),
        cancelled: batch.cancelled,
    })
}

/// The progress bar of an import: about a hundred events per file at most (enough for a
/// smooth bar), and `false` once the person presses Cancel.
fn import_progress<'a>(
    app: &'a AppHandle,
    state: &'a AppState,
    names: &'a [String],
) -> impl FnMut(usize, u64, u64) -> bool + 'a {
    let mut last = (usize::MAX, 0u64);
    move |index: usize, done: u64, total: u64| {
        if index != last.0 || done == total || done - last.1 >= (total / 100).max(1 << 20) {
            last = (index, done);
            state.touch();
            let _ = app.emit(
                "progress",
                ProgressEvent {
                    task: "import",
                    file: names[index].clone(),
                    done,
                    total,
                },
            );
        }
        !state.cancelled()
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[tauri::command]
pub fn cancel_work(state: State<'_, AppState>) {
    state
        .cancel
        .store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Largest file the window is sent to show as a thumbnail or play; bigger ones are described
/// but not loaded into the window's memory. Videos, loaded only when the person asks to play
/// one, may be larger: a minute of phone video is often 100 MB or more.
const MAX_PREVIEW_BYTES: u64 = 64 * 1024 * 1024;
const MAX_VIDEO_PREVIEW_BYTES: u64 = 512 * 1024 * 1024;

/// The decrypted bytes of an attachment, straight into the window's memory (a blob URL there);
/// never written to disk.
#[tauri::command]
pub async fn attachment_bytes(state: State<'_, AppState>, id: String) -> Answer<Response> {
    let bytes = with_journal(&state, |journal| {
        let attachment = journal.attachment(&id)?;
        let limit = if attachment.kind == daybook::AttachmentKind::Video {
            MAX_VIDEO_PREVIEW_BYTES
        } else {
            MAX_PREVIEW_BYTES
        };
        if attachment.size > limit {
            return Err(daybook::EvidenceError::Journal(
                daybook::JournalError::Invalid(format!(
                    "{} is too large to preview here ({}); it is safe in the journal and in exports.",
                    attachment.original_name,
                    daybook::evidence::human_size(attachment.size)
                )),
            ));
        }
        let bytes = journal.attachment_bytes(&attachment)?;
        // A web view cannot show HEIC or TIFF: those come back as a JPEG made in memory.
        if attachment.kind == daybook::AttachmentKind::Image
            && attachment.mime != "image/webp"
            && daybook::media::picture::can_convert(&attachment.mime)
        {
            return daybook::media::picture::convert(&attachment.mime, &bytes)
                .map(|converted| converted.jpeg)
                .map_err(|e| {
                    daybook::EvidenceError::Journal(daybook::JournalError::Invalid(e.to_string()))
                });
        }
        Ok(bytes)
    })?;
    Ok(Response::new(bytes))
}

#[tauri::command(async)]
pub fn describe_attachment(
    state: State<'_, AppState>,
    id: String,
    caption: Option<String>,
    transcript: Option<String>,
) -> Answer<Attachment> {
    with_journal(&state, |journal| {
        journal.describe_attachment(&id, caption.as_deref(), transcript.as_deref())
    })
}

// ---------------------------------------------------------------------------------------------
// Orders and people

#[derive(Serialize)]
pub struct OrderView {
    #[serde(flatten)]
    order: Order,
    kind_label: &'static str,
    renewal: Renewal,
    /// The court's papers kept with the order, with what each one is, so the orders screen can
    /// list them without a call per order.
    papers: Vec<OrderPaper>,
}

/// One paper kept with an order, as the orders screen lists it.
#[derive(Serialize)]
pub struct OrderPaper {
    kind: DocumentKind,
    kind_label: &'static str,
    attachment: Attachment,
}

fn order_papers(
    journal: &Journal,
    order_id: &str,
) -> Result<Vec<OrderPaper>, daybook::JournalError> {
    Ok(journal
        .order_documents(order_id)?
        .into_iter()
        .map(|(kind, attachment)| OrderPaper {
            kind,
            kind_label: kind.label(),
            attachment,
        })
        .collect())
}

#[tauri::command(async)]
pub fn list_orders(state: State<'_, AppState>) -> Answer<Vec<OrderView>> {
    let today = Local::now().date_naive();
    let mut session = state.session();
    let session = session.as_mut().ok_or_else(|| LOCKED.to_string())?;
    let window = session.settings.renewal_window_days;
    let journal = &session.journal;
    let orders = journal.orders().map_err(|e| e.to_string())?;
    orders
        .into_iter()
        .map(|order| {
            Ok(OrderView {
                kind_label: order.kind.label(),
                renewal: order.renewal(today, window),
                papers: order_papers(journal, &order.id).map_err(|e| e.to_string())?,
                order,
            })
        })
        .collect()
}

/// Whether an order's papers can be copied into a handout (the officer sheet, a notice),
/// known before the person is at the door: a web view cannot show a PDF, so this is how the
/// orders screen tells them a locked or damaged one needs another copy.
#[derive(Serialize)]
pub struct OrderPagesStatus {
    ready: bool,
    /// How many pages would follow a handout, when ready.
    pages: usize,
    /// Why not, in a sentence, when not ready.
    problem: Option<String>,
}

#[tauri::command]
pub async fn order_pages_status(
    state: State<'_, AppState>,
    order_id: String,
) -> Answer<OrderPagesStatus> {
    use daybook::report::order_pages::OrderPages;
    with_journal(&state, |journal| {
        let order = journal.order(&order_id)?;
        Ok::<_, daybook::JournalError>(match OrderPages::read(journal, &order) {
            Ok(pages) => OrderPagesStatus {
                ready: true,
                pages: pages.page_count(),
                problem: None,
            },
            Err(problem) => OrderPagesStatus {
                ready: false,
                pages: 0,
                problem: Some(order_pages_problem(&problem)),
            },
        })
    })
}

/// Why an order's pages cannot go into a handout, for the orders screen. The core's sentences
/// say what is wrong and what to do; only "add a copy" is said here in the window's own words.
fn order_pages_problem(problem: &daybook::report::order_pages::OrderPagesError) -> String {
    use daybook::report::order_pages::OrderPagesError;
    match problem {
        OrderPagesError::NoCopy { .. } => format!(
            "No copy of the order itself is kept yet, so its pages cannot be added to the officer sheet or a notice. {ADD_COPY_HERE}"
        ),
        other => other.to_string(),
    }
}

/// How to add the order's copy in the app (the core's sentence names no program).
pub(crate) const ADD_COPY_HERE: &str = "Add the court's PDF, or photos of its pages, under Orders and people (“Add papers…”, as “The order itself”).";

/// One sentence per file of a batch that could not be kept, naming the file.
fn problem_lines(problems: &[daybook::evidence::FileProblem], names: &[String]) -> Vec<String> {
    problems
        .iter()
        .map(|p| format!("{}: {}", names[p.index], p.error))
        .collect()
}

#[derive(Serialize)]
pub struct PapersAdded {
    added: usize,
    /// One sentence per file that could not be kept; the others were.
    problems: Vec<String>,
    cancelled: bool,
    /// Kept, but its pages cannot go into a handout (a locked or damaged PDF): said now rather
    /// than at the door.
    note: Option<String>,
}

/// Opens the native file dialog and keeps what the person picks with `order_id` as papers of
/// `kind` ("order", "proof_of_service" or "other"): the court's PDF, or photos of its pages.
/// `None` when they chose nothing.
#[tauri::command]
pub async fn pick_order_papers(
    app: AppHandle,
    state: State<'_, AppState>,
    order_id: String,
    kind: String,
) -> Answer<Option<PapersAdded>> {
    let kind: DocumentKind = serde_json::from_value(Value::String(kind.clone())).map_err(|_| {
        format!("“{kind}” is not a kind of paper Daybook knows. Nothing was added.")
    })?;
    let picked = app
        .dialog()
        .file()
        .set_title("Choose the court's papers: a PDF, or photos of the pages")
        .add_filter(
            "PDF or photos",
            &[
                "pdf", "PDF", "jpg", "jpeg", "JPG", "JPEG", "png", "PNG", "heic", "HEIC", "heif",
                "HEIF", "tif", "tiff", "webp",
            ],
        )
        .blocking_pick_files();
    let paths = picked_paths(picked);
    if paths.is_empty() {
        return Ok(None);
    }
    state.start_work();
    let names: Vec<String> = paths.iter().map(|p| file_name(p)).collect();
    let mut progress = import_progress(&app, &state, &names);
    let (batch, note) = with_journal(&state, |journal| {
        let batch = journal.attach_order_documents(&order_id, &paths, kind, &mut progress)?;
        // A PDF that cannot be copied into a handout is kept anyway (it is what the person
        // has), but they should know now rather than at the door.
        let order = journal.order(&order_id)?;
        let note = match daybook::report::order_pages::OrderPages::read(journal, &order) {
            Err(
                problem @ (daybook::report::order_pages::OrderPagesError::Locked { .. }
                | daybook::report::order_pages::OrderPagesError::Damaged { .. }),
            ) => Some(format!("Kept, but: {}", order_pages_problem(&problem))),
            _ => None,
        };
        Ok::<_, daybook::EvidenceError>((batch, note))
    })?;
    Ok(Some(PapersAdded {
        added: batch.attached.len(),
        problems: problem_lines(&batch.problems, &names),
        cancelled: batch.cancelled,
        note,
    }))
}

#[tauri::command(async)]
pub fn add_order(state: State<'_, AppState>, input: Value) -> Answer<Order> {
    let input: OrderInput = parse("order", input)?;
    with_journal(&state, |journal| journal.add_order(&input))
}

#[tauri::command(async)]
pub fn edit_order(state: State<'_, AppState>, id: String, input: Value) -> Answer<Order> {
    let input: OrderInput = parse("order", input)?;
    with_journal(&state, |journal| journal.edit_order(&id, &input))
}

#[derive(Serialize)]
pub struct PersonView {
    #[serde(flatten)]
    person: Person,
    role_label: &'static str,
    photo_id: Option<String>,
}

#[tauri::command(async)]
pub fn list_people(state: State<'_, AppState>) -> Answer<Vec<PersonView>> {
    with_journal(&state, |journal| {
        journal
            .people()?
            .into_iter()
            .map(|person| {
                let photo_id = journal
                    .person_photo(&person.id)
                    .map_err(|e| daybook::JournalError::Invalid(e.to_string()))?
                    .map(|a| a.id);
                Ok(PersonView {
                    role_label: person.role.label(),
                    photo_id,
                    person,
                })
            })
            .collect::<Result<Vec<_>, daybook::JournalError>>()
    })
}

#[tauri::command(async)]
pub fn add_person(state: State<'_, AppState>, input: Value) -> Answer<Person> {
    let input: PersonInput = parse("person", input)?;
    with_journal(&state, |journal| journal.add_person(&input))
}

#[tauri::command(async)]
pub fn edit_person(state: State<'_, AppState>, id: String, input: Value) -> Answer<Person> {
    let input: PersonInput = parse("person", input)?;
    with_journal(&state, |journal| journal.edit_person(&id, &input))
}

/// Opens the native dialog for a photo of `person_id` (JPEG or PNG).
#[tauri::command]
pub async fn pick_person_photo(
    app: AppHandle,
    state: State<'_, AppState>,
    person_id: String,
) -> Answer<Option<Attachment>> {
    let Some(picked) = app
        .dialog()
        .file()
        .set_title("Choose a photo")
        .add_filter(
            "Photos",
            &[
                "jpg", "jpeg", "png", "heic", "heif", "HEIC", "tif", "tiff", "webp",
            ],
        )
        .blocking_pick_file()
    else {
        return Ok(None);
    };
    let path = picked
        .into_path()
        .map_err(|_| "That file cannot be read from here.".to_string())?;
    state.start_work();
    with_journal(&state, |journal| {
        journal.attach_person_photo(&person_id, &path, &mut |_, _| !state.cancelled())
    })
    .map(Some)
}
