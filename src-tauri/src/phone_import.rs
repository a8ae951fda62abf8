//! Importing phone records in the app (issues 14 and 15): Android backup files, WhatsApp chat
//! exports and iPhone backup folders, chosen in a native dialog or dropped on the window.
//!
//! Two steps, because a chat export cannot be read until the person says what the file does
//! not (the phone's zone, which sender is them, who the other sender is): `prepare` keeps the
//! chosen paths here in the shell and tells the window what each one is and what to ask;
//! `import_pending_backups` then imports them with the answers. A chat with messages in an
//! hour that happened twice comes back with that one question and stays waiting (nothing of
//! it was kept), so the window can ask and send it again. Paths never come from the window:
//! it names a waiting file by its place in the plan, and the plan by its number, so answers
//! meant for one plan are never applied to the files of a newer one (a drop while a dialog is
//! open), and nothing waits past a lock.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use daybook::journal::{ImportError, PhoneImport};
use daybook::phone::iphone::{self, IphoneError};
use daybook::phone::whatsapp::{
    self, ChatChoices, ChatError, ChatOutline, DateOrder, RepeatedHour,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;

use crate::commands::{with_journal, Answer, ProgressEvent};
use crate::state::AppState;

/// What a chosen path is, as far as the shell must know before importing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A file the core recognises by its content (an Android backup), or refuses in its words.
    File,
    /// A WhatsApp chat export, which needs the person's answers.
    Chat,
    /// An iPhone backup folder (or its Manifest.db / Manifest.plist, chosen as a file).
    IphoneFolder,
}

/// A chosen path waiting to be imported.
#[derive(Debug, Clone)]
pub struct PendingSource {
    path: PathBuf,
    kind: SourceKind,
    /// An iPhone backup that needs its password.
    encrypted: bool,
    /// Why it cannot be imported, found while looking at it.
    problem: Option<String>,
}

/// The paths of one choice (a dialog or a drop), waiting for the person's answers.
#[derive(Debug)]
pub struct PendingPlan {
    id: u64,
    /// By place in the plan; a slot empties once its file is imported or refused.
    sources: Vec<Option<PendingSource>>,
}

/// Numbers plans, so an answer names the plan it was given for.
static NEXT_PLAN: AtomicU64 = AtomicU64::new(1);

impl PendingPlan {
    /// Keeps `sources` as the one plan waiting (a newer choice replaces an older one); gives
    /// its number.
    fn keep(state: &AppState, sources: Vec<Option<PendingSource>>) -> u64 {
        let id = NEXT_PLAN.fetch_add(1, Ordering::Relaxed);
        *state
            .pending_import
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(PendingPlan { id, sources });
        id
    }

    /// Takes plan `id`'s files out to import them: no other call can use them meanwhile.
    fn take(state: &AppState, id: u64) -> Result<Vec<Option<PendingSource>>, String> {
        let mut pending = state
            .pending_import
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match pending.take() {
            Some(plan) if plan.id == id => Ok(plan.sources),
            other => {
                *pending = other;
                Err("These files are no longer waiting to be imported (other files were chosen or dropped since, or the journal was locked). Choose them again.".into())
            }
        }
    }

    /// Puts back what still waits for an answer, unless the journal was locked meanwhile or
    /// other files were chosen since (their plan is the one waiting now).
    fn put_back(state: &AppState, id: u64, sources: Vec<Option<PendingSource>>, unlocked: bool) {
        if !unlocked || sources.iter().all(Option::is_none) {
            return;
        }
        let mut pending = state
            .pending_import
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if pending.is_none() {
            *pending = Some(PendingPlan { id, sources });
        }
    }
}

#[derive(Serialize)]
pub struct SourceToImport {
    index: usize,
    /// The name the person chose it by.
    file: String,
    kind: SourceKind,
    /// For a chat: its senders and what to ask.
    chat: Option<ChatOutline>,
    /// An encrypted iPhone backup: the window asks for its backup password.
    encrypted: bool,
}

#[derive(Serialize)]
pub struct ImportPlan {
    /// Sent back with the answers.
    plan_id: u64,
    sources: Vec<SourceToImport>,
    /// The zone a chat's question starts with: the latest incident's, else the computer's.
    zone: String,
    /// Restrained people (id, name): whom a chat can be said to be with.
    restrained: Vec<(String, String)>,
}

/// What the person said about one waiting chat.
#[derive(Deserialize)]
pub struct ChatAnswer {
    index: usize,
    zone: String,
    me: Option<String>,
    date_order: Option<DateOrder>,
    repeated_hour: Option<RepeatedHour>,
    with_person: Option<String>,
}

/// The backup password of a waiting encrypted iPhone backup. Held only for this import.
#[derive(Deserialize)]
pub struct BackupPassword {
    index: usize,
    password: String,
}

/// What a waiting file needs before it can be imported (nothing of it was kept).
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Question {
    /// A chat's messages in an hour that happened twice: which pass. Raised only once the
    /// zone is known.
    RepeatedHour {
        index: usize,
        /// The core's sentence: how many messages, which hour, which day.
        sentence: String,
        from: String,
        to: String,
    },
    /// The password given does not open the encrypted backup.
    Password { index: usize, sentence: String },
}

/// What importing one file or database did, in the words the CLI prints.
#[derive(Serialize)]
pub struct BackupImported {
    file: String,
    /// "sms-2026.xml: SMS Backup & Restore (Android): 4 messages and 8 calls; 4 new, 0
    /// already in the journal", or why the file could not be imported.
    line: String,
    /// A cut file, unreadable records, pictures missing, the file kept or not: one sentence
    /// each.
    notes: Vec<String>,
    imported: bool,
    /// Set when the file waits for an answer (it was not imported yet).
    question: Option<Question>,
}

#[derive(Serialize)]
pub struct BackupsImported {
    files: Vec<BackupImported>,
    /// New texts and calls in all the files together.
    added: u64,
    cancelled: bool,
}

/// Opens the native file dialog for phone backups and chat exports. `None` when the person
/// chose nothing.
#[tauri::command]
pub async fn pick_phone_backups(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Answer<Option<ImportPlan>> {
    // No filter by name: a backup is recognised by what it holds, and phones name them freely.
    let picked = app
        .dialog()
        .file()
        .set_title("Choose the phone backup or chat export (Android .xml, WhatsApp .zip or .txt)")
        .blocking_pick_files();
    prepare_picked(&state, crate::commands::picked_paths(picked))
}

/// Opens the native folder dialog for an iPhone backup. `None` when the person chose nothing.
#[tauri::command]
pub async fn pick_iphone_backup(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Answer<Option<ImportPlan>> {
    let picked = app
        .dialog()
        .file()
        .set_title("Choose the iPhone backup folder (the one holding Manifest.db)")
        .blocking_pick_folder();
    prepare_picked(
        &state,
        crate::commands::picked_paths(picked.map(|p| vec![p])),
    )
}

/// What a dialog gave: nothing when the person closed it.
fn prepare_picked(state: &AppState, paths: Vec<PathBuf>) -> Answer<Option<ImportPlan>> {
    if paths.is_empty() {
        return Ok(None);
    }
    prepare(state, paths).map(Some)
}

/// The paths last dropped on the window, as phone records to import.
#[tauri::command]
pub async fn prepare_dropped_backups(state: State<'_, AppState>) -> Answer<ImportPlan> {
    let paths = std::mem::take(&mut *state.dropped.lock().unwrap_or_else(|e| e.into_inner()));
    if paths.is_empty() {
        return Err("No dropped files are waiting. Drop them on the window again.".into());
    }
    prepare(&state, paths)
}

/// Looks at each chosen path (a chat is read through once to find its senders and its date
/// order), keeps them waiting, and says what each is.
fn prepare(state: &AppState, paths: Vec<PathBuf>) -> Answer<ImportPlan> {
    let mut waiting = Vec::new();
    let mut sources = Vec::new();
    for (index, path) in paths.into_iter().enumerate() {
        let file = display_name(&path);
        let (path, kind, chat, mut problem) = look_at(path);
        let mut encrypted = false;
        if kind == SourceKind::IphoneFolder {
            match iphone::is_encrypted(&path) {
                Ok(yes) => encrypted = yes,
                Err(e) => problem = Some(e.to_string()),
            }
        }
        sources.push(SourceToImport {
            index,
            file,
            kind,
            chat,
            encrypted,
        });
        waiting.push(Some(PendingSource {
            path,
            kind,
            encrypted,
            problem,
        }));
    }
    let (zone, restrained) = with_journal(state, |journal| {
        let zone = crate::messages::display_zone(journal, None)?;
        let restrained = crate::messages::restrained_people(journal)?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        Ok::<_, daybook::journal::JournalError>((zone, restrained))
    })?;
    let plan_id = PendingPlan::keep(state, waiting);
    Ok(ImportPlan {
        plan_id,
        sources,
        zone: zone.name,
        restrained,
    })
}

/// What a path is: an iPhone backup (the folder, or its manifest chosen as a file), a chat
/// export with its outline, or a file for the core to recognise.
fn look_at(path: PathBuf) -> (PathBuf, SourceKind, Option<ChatOutline>, Option<String>) {
    if path.is_dir() {
        return (path, SourceKind::IphoneFolder, None, None);
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if matches!(name, "Manifest.db" | "Manifest.plist") {
        if let Some(folder) = path.parent() {
            return (folder.to_path_buf(), SourceKind::IphoneFolder, None, None);
        }
    }
    match whatsapp::outline(&path) {
        Ok(Some(outline)) => (path, SourceKind::Chat, Some(outline), None),
        Ok(None) => (path, SourceKind::File, None, None),
        Err(e) => (path, SourceKind::Chat, None, Some(e.to_string())),
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Imports every waiting path, chats with the person's answers.
#[tauri::command]
pub async fn import_pending_backups(
    app: AppHandle,
    state: State<'_, AppState>,
    plan_id: u64,
    answers: Vec<ChatAnswer>,
    passwords: Vec<BackupPassword>,
) -> Answer<BackupsImported> {
    let passwords: Vec<(usize, SecretString)> = passwords
        .into_iter()
        .map(|p| (p.index, SecretString::from(p.password)))
        .collect();
    // The lock first: a locked journal is what the person must hear about.
    with_journal(&state, |_| Ok::<_, String>(()))?;
    let waiting = PendingPlan::take(&state, plan_id)?;
    state.start_work();
    let mut result = BackupsImported {
        files: Vec::new(),
        added: 0,
        cancelled: false,
    };
    let mut still_waiting = vec![None; waiting.len()];
    for (index, source) in waiting.into_iter().enumerate() {
        let Some(source) = source else { continue };
        if state.cancelled() {
            result.cancelled = true;
            break;
        }
        let file = display_name(&source.path);
        if let Some(problem) = &source.problem {
            result.files.push(failed(&file, problem));
            continue;
        }
        let mut progress = progress_to(&app, &state, &file);
        match source.kind {
            SourceKind::IphoneFolder => {
                let password = passwords.iter().find(|(i, _)| *i == index).map(|(_, p)| p);
                if source.encrypted && password.is_none() {
                    result.files.push(failed(
                        &file,
                        "not imported: the backup is encrypted and its password was not given.",
                    ));
                    continue;
                }
                let mut wrong = false;
                let outcome = with_journal(&state, |journal| {
                    journal
                        .import_iphone_backup_with_password(&source.path, password, &mut progress)
                        .inspect_err(|e| {
                            wrong = matches!(e, ImportError::Iphone(IphoneError::WrongPassword));
                        })
                });
                match outcome {
                    Ok(reports) => {
                        for report in reports {
                            result.added += report.added;
                            let name = database_name(&report, &source.path, &file);
                            result.files.push(described(&name, &report));
                        }
                    }
                    Err(sentence) if wrong => {
                        still_waiting[index] = Some(source.clone());
                        result.files.push(BackupImported {
                            question: Some(Question::Password {
                                index,
                                sentence: sentence.clone(),
                            }),
                            ..failed(&file, &sentence)
                        });
                    }
                    Err(sentence) => result.files.push(failed(&file, &sentence)),
                }
            }
            SourceKind::File | SourceKind::Chat => {
                let choices = match source.kind {
                    SourceKind::Chat => match answers.iter().find(|a| a.index == index) {
                        Some(answer) => choices(answer),
                        None => {
                            result.files.push(failed(
                                &file,
                                "not imported: the questions about this chat were not answered.",
                            ));
                            continue;
                        }
                    },
                    _ => ChatChoices::default(),
                };
                let mut question = None;
                let outcome = with_journal(&state, |journal| {
                    journal
                        .import_phone_records(&source.path, &choices, &mut progress)
                        .inspect_err(|e| {
                            if let ImportError::Chat(ChatError::RepeatedHour { from, to, .. }) = e {
                                question = Some(Question::RepeatedHour {
                                    index,
                                    sentence: e.to_string(),
                                    from: from.clone(),
                                    to: to.clone(),
                                });
                            }
                        })
                });
                match (outcome, question) {
                    (Ok(report), _) => {
                        result.added += report.added;
                        result.files.push(described(&file, &report));
                    }
                    (Err(sentence), Some(question)) => {
                        still_waiting[index] = Some(source.clone());
                        result.files.push(BackupImported {
                            question: Some(question),
                            ..failed(&file, &sentence)
                        });
                    }
                    (Err(sentence), None) => result.files.push(failed(&file, &sentence)),
                }
            }
        }
        if state.cancelled() {
            result.cancelled = true;
            break;
        }
    }
    PendingPlan::put_back(&state, plan_id, still_waiting, state.session().is_some());
    Ok(result)
}

fn choices(answer: &ChatAnswer) -> ChatChoices {
    ChatChoices {
        zone: Some(answer.zone.clone()),
        date_order: answer.date_order,
        me: answer.me.clone().filter(|m| !m.is_empty()),
        repeated_hour: answer.repeated_hour,
        with_person: answer.with_person.clone().filter(|p| !p.is_empty()),
    }
}

/// Sends the import's progress to the window (about every 1 % or MiB), and reads Cancel.
fn progress_to<'a>(
    app: &'a AppHandle,
    state: &'a AppState,
    file: &'a str,
) -> impl FnMut(u64, u64) -> bool + 'a {
    let mut last = 0u64;
    move |done: u64, total: u64| {
        if done == total || done == 0 || done.saturating_sub(last) >= (total / 100).max(1 << 20) {
            last = done;
            state.touch();
            let _ = app.emit(
                "progress",
                ProgressEvent {
                    task: "import",
                    file: file.to_string(),
                    done,
                    total,
                },
            );
        }
        !state.cancelled()
    }
}

/// "Backup folder: sms.db" for one database of an iPhone backup (the core names it by the
/// folder's path and the phone's own path of the database).
fn database_name(report: &PhoneImport, folder: &Path, folder_name: &str) -> String {
    let full = report.path.to_string_lossy();
    let inner = full
        .strip_prefix(&*folder.to_string_lossy())
        .map(|rest| rest.trim().trim_start_matches('(').trim_end_matches(')'))
        .unwrap_or(&full);
    let database = Path::new(inner)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| inner.to_string());
    format!("{folder_name}: {database}")
}

fn failed(file: &str, sentence: &str) -> BackupImported {
    BackupImported {
        line: format!("{file}: {sentence}"),
        file: file.to_string(),
        notes: Vec::new(),
        imported: false,
        question: None,
    }
}

/// The CLI's line and notes (src/cli/phone.rs), with the file's name rather than its path.
fn described(file: &str, r: &PhoneImport) -> BackupImported {
    let line = format!(
        "{file}: {}: {} and {}; {} new, {} already in the journal",
        r.format.describe(),
        count(r.messages, "message", "messages"),
        count(r.calls, "call", "calls"),
        r.added,
        r.already_there
    );
    let mut notes = Vec::new();
    match (&r.id, &r.same_file_as) {
        (Some(_), _) => notes.push(format!(
            "The file itself is kept, encrypted, as the source of these texts and calls (SHA-256 {}…).",
            &r.sha256[..16.min(r.sha256.len())]
        )),
        (None, Some(_)) => notes.push(
            "This exact file was imported before, so nothing was added and it was not kept again."
                .into(),
        ),
        (None, None) => notes.push(
            "Everything in it was already in the journal, so the file was not kept again.".into(),
        ),
    }
    if let Some(stopped) = &r.stopped {
        notes.push(format!(
            "The file stops early, at line {} ({}). The {} whole texts and calls before that were imported. If you copied it from the phone, copy it again and import it: nothing is added twice.",
            stopped.line,
            stopped.what,
            r.messages + r.calls
        ));
    }
    if r.unreadable > 0 {
        notes.push(format!(
            "{} could not be read and {} left out: {}",
            count(r.unreadable, "record", "records"),
            if r.unreadable == 1 { "was" } else { "were" },
            r.problems.join("; ")
        ));
    }
    if r.parts_missing > 0 {
        notes.push(format!(
            "{} not in the backup ({}). The messages were imported without them, and the report names what is missing.",
            count(
                r.parts_missing,
                "picture or other attachment was",
                "pictures or other attachments were"
            ),
            r.format.why_parts_missing()
        ));
    }
    BackupImported {
        file: file.to_string(),
        line,
        notes,
        imported: true,
        question: None,
    }
}

fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> AppState {
        AppState::new(
            std::env::temp_dir().join("daybook-no-journal"),
            daybook::journal::KdfCost::LogN(10),
            false,
        )
    }

    fn source(name: &str) -> Option<PendingSource> {
        Some(PendingSource {
            path: PathBuf::from(name),
            kind: SourceKind::Chat,
            encrypted: false,
            problem: None,
        })
    }

    fn names(sources: &[Option<PendingSource>]) -> Vec<String> {
        sources
            .iter()
            .flatten()
            .map(|s| s.path.display().to_string())
            .collect()
    }

    #[test]
    fn answers_reach_only_the_plan_they_were_given_for() {
        let state = state();
        let first = PendingPlan::keep(&state, vec![source("first chat.txt")]);
        // Files dropped while the first plan's questions are open replace it.
        let second = PendingPlan::keep(&state, vec![source("dropped.txt"), source("b.txt")]);
        assert_ne!(first, second);
        assert!(PendingPlan::take(&state, first)
            .unwrap_err()
            .contains("no longer waiting"));
        // The refused answer left the newer plan as it was.
        let taken = PendingPlan::take(&state, second).unwrap();
        assert_eq!(names(&taken), ["dropped.txt", "b.txt"]);
        // Taken out while it is imported: a second call with the same number finds nothing.
        assert!(PendingPlan::take(&state, second).is_err());
    }

    #[test]
    fn what_waits_goes_back_only_to_an_unlocked_journal_with_no_newer_plan() {
        let state = state();
        let id = PendingPlan::keep(&state, vec![source("a.txt"), source("b.txt")]);
        let mut taken = PendingPlan::take(&state, id).unwrap();
        taken[0] = None; // a.txt imported; b.txt waits for its repeated hour.
        PendingPlan::put_back(&state, id, taken, true);
        assert_eq!(names(&PendingPlan::take(&state, id).unwrap()), ["b.txt"]);

        // Locked meanwhile: nothing goes back.
        PendingPlan::put_back(&state, id, vec![source("b.txt")], false);
        assert!(PendingPlan::take(&state, id).is_err());

        // Other files chosen meanwhile: they stay the plan that waits.
        let newer = PendingPlan::keep(&state, vec![source("c.txt")]);
        PendingPlan::put_back(&state, id, vec![source("b.txt")], true);
        assert!(PendingPlan::take(&state, id).is_err());
        assert_eq!(names(&PendingPlan::take(&state, newer).unwrap()), ["c.txt"]);

        // Locking forgets a waiting plan.
        let last = PendingPlan::keep(&state, vec![source("d.txt")]);
        state.lock();
        assert!(PendingPlan::take(&state, last).is_err());
    }
}
