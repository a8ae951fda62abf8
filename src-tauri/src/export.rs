//! The export commands: the court report, the evidence packet, the officer sheet and the notice
//! for a school, workplace or building, each saved where the person chooses in a native dialog.
//! Split from commands.rs by concept; the same rules hold (every name is in command_names.rs,
//! answers are sentences a person can act on).

use std::path::PathBuf;

use chrono::{Local, NaiveDate};
use daybook::report::exhibits::Scope;
use daybook::report::layout::PaperSize;
use daybook::report::officer_sheet::SheetError;
use daybook::report::order_pages::OrderPagesError;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::commands::{parse, with_journal, Answer, ProgressEvent};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ExportRequest {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    order_id: Option<String>,
    #[serde(default)]
    a4: bool,
    /// Officer sheet: how many recent violations.
    last: Option<usize>,
    /// Officer sheet and notice: the order's own pages after the handout.
    #[serde(default)]
    with_order: bool,
    /// Notice: "school", "workplace" or "building".
    place: Option<String>,
    /// Notice: the number staff should call after 911, chosen for this notice.
    call: Option<String>,
    /// Court report and packet: a redaction profile key ("none" when left out).
    redact: Option<String>,
    /// Court report and packet: the largest size of one PDF in MB; 0 keeps it in one file.
    #[serde(default = "default_max_mb")]
    max_mb: u32,
    /// Packet: "folder" (the default), "zip", "zip-passphrase" or "zip-recipient".
    #[serde(default)]
    packet_format: PacketFormat,
    /// Packet: the recipient's age or SSH public key, for "zip-recipient".
    recipient: Option<String>,
    /// Packet: the passphrase the user will tell the recipient, for "zip-passphrase".
    packet_passphrase: Option<String>,
    /// Packet: "exact" or "without-location", for exhibits that record where they were taken;
    /// left out until the person has answered the question `packet_locations` prompts.
    originals: Option<String>,
    /// Court report and packet: other conversations (normalised numbers, as the message
    /// threads list gives them) the person chose to include besides the restrained person's.
    #[serde(default)]
    threads: Vec<String>,
}

fn default_max_mb() -> u32 {
    (daybook::report::volumes::DEFAULT_MAX_BYTES / 1_000_000) as u32
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum PacketFormat {
    #[default]
    Folder,
    Zip,
    ZipPassphrase,
    ZipRecipient,
}

impl ExportRequest {
    fn scope(&self) -> Answer<Scope> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to < from {
                return Err("The “to” date is before the “from” date.".into());
            }
        }
        Ok(Scope {
            from: self.from,
            to: self.to,
            order_id: self.order_id.clone().filter(|o| !o.is_empty()),
            exhibit_prefix: String::new(),
            threads: self.threads.clone(),
        })
    }

    fn paper(&self) -> PaperSize {
        if self.a4 {
            PaperSize::A4
        } else {
            PaperSize::Letter
        }
    }

    fn report_options(&self) -> Answer<daybook::report::chronological::ReportOptions> {
        let key = self.redact.as_deref().unwrap_or("none");
        let redaction = daybook::report::redact::Profile::from_key(key)
            .ok_or_else(|| format!("“{key}” is not a redaction profile Daybook knows."))?;
        Ok(daybook::report::chronological::ReportOptions {
            scope: self.scope()?,
            paper: self.paper(),
            generated_at: chrono::Utc::now(),
            redaction,
            max_bytes: (self.max_mb > 0).then(|| u64::from(self.max_mb) * 1_000_000),
            pictures_kept_bytes: daybook::report::chronological::PICTURES_KEPT_BYTES,
        })
    }

    fn originals(&self) -> Answer<Option<daybook::packet::Originals>> {
        use daybook::packet::Originals;
        match self.originals.as_deref() {
            None | Some("") => Ok(None),
            Some("exact") => Ok(Some(Originals::Exact)),
            Some("without-location") => Ok(Some(Originals::WithoutLocation)),
            Some(other) => Err(format!(
                "“{other}” is not a choice Daybook knows for the originals."
            )),
        }
    }

    /// Who can open the packet, read before anything is made so a bad key costs nothing.
    fn encryption(&self, state: &AppState) -> Answer<daybook::packet::Encryption> {
        use daybook::packet::{archive, Encryption};
        Ok(match self.packet_format {
            PacketFormat::Folder | PacketFormat::Zip => Encryption::None,
            PacketFormat::ZipRecipient => {
                let key = self.recipient.as_deref().unwrap_or("").trim().to_string();
                if key.is_empty() {
                    return Err("Paste the public key the attorney gave you (it starts with “age1” or “ssh-”).".into());
                }
                Encryption::Recipients(
                    archive::parse_recipients(&[key]).map_err(|e| e.to_string())?,
                )
            }
            PacketFormat::ZipPassphrase => {
                let passphrase =
                    SecretString::from(self.packet_passphrase.clone().unwrap_or_default());
                daybook::journal::keys::check_new_passphrase(&passphrase)
                    .map_err(|e| e.to_string())?;
                Encryption::Passphrase {
                    passphrase,
                    cost: state.kdf_cost,
                }
            }
        })
    }
}

/// What every export does first: read the form (refusing bad dates before any dialog), ask
/// where to save, and show the progress bar. `None` when the user cancels the dialog.
fn prepare_export(
    app: &AppHandle,
    state: &AppState,
    request: Value,
    (title, file_name, kind): (&str, String, SaveAs),
    task: &'static str,
) -> Answer<Option<(ExportRequest, PathBuf)>> {
    let request: ExportRequest = parse("export", request)?;
    request.scope()?;
    let Some(path) = save_dialog(app, title, &file_name, kind) else {
        return Ok(None);
    };
    state.start_work();
    emit_busy(app, task);
    Ok(Some((request, path)))
}

#[derive(Serialize)]
pub struct Exported {
    /// The first file (or the packet folder or archive).
    path: String,
    /// Every file written, when a report came out in volumes.
    files: Vec<String>,
    summary: String,
}

/// What a save dialog saves, for its file-type filter.
#[derive(Clone, Copy)]
enum SaveAs {
    Pdf,
    Zip,
    Folder,
}

/// Asks where to save, with a neutral suggested name; `None` when the user cancels.
fn save_dialog(app: &AppHandle, title: &str, name: &str, kind: SaveAs) -> Option<PathBuf> {
    let dialog = app.dialog().file().set_title(title).set_file_name(name);
    let dialog = match kind {
        SaveAs::Pdf => dialog.add_filter("PDF", &["pdf"]),
        SaveAs::Zip => dialog.add_filter("Zip archive", &["zip", "age"]),
        SaveAs::Folder => dialog,
    };
    dialog.blocking_save_file()?.into_path().ok()
}

fn today() -> String {
    Local::now().format("%Y-%m-%d").to_string()
}

fn emit_busy(app: &AppHandle, task: &'static str) {
    let _ = app.emit(
        "progress",
        ProgressEvent {
            task,
            file: String::new(),
            done: 0,
            total: 0,
        },
    );
}

/// Writes finished files where the user chose (all of them or none), unless they cancelled
/// while they were made.
fn deliver_all(state: &AppState, files: &[(PathBuf, &[u8])]) -> Answer<()> {
    if state.cancelled() {
        return Err("Cancelled. Nothing was written.".into());
    }
    daybook::report::volumes::write_all_new(files).map_err(|e| e.to_string())?;
    remember_exported(state, files.iter().map(|(p, _)| p.clone()));
    Ok(())
}

/// Only files this app wrote in this run may be opened from the window.
fn remember_exported(state: &AppState, paths: impl IntoIterator<Item = PathBuf>) {
    state
        .exported
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(paths);
}

#[tauri::command]
pub async fn export_report(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Value,
) -> Answer<Option<Exported>> {
    let dialog = (
        "Save the court report",
        format!("Daybook-report-{}.pdf", today()),
        SaveAs::Pdf,
    );
    let Some((request, path)) = prepare_export(&app, &state, request, dialog, "report")? else {
        return Ok(None);
    };
    let options = request.report_options()?;
    // Written a volume at a time as it is made (memory stays at about one volume), all or
    // nothing; Cancel is heard between volumes.
    let report = with_journal(&state, |journal| {
        daybook::report::chronological::render_to_files(journal, &options, &path, &|| {
            state.cancelled()
        })
    })?;
    remember_exported(&state, report.volumes.iter().map(|(_, p)| p.clone()));
    let paths: Vec<String> = report
        .volumes
        .iter()
        .map(|(_, p)| p.display().to_string())
        .collect();
    let over_cap: Vec<String> = report
        .volumes
        .iter()
        .filter_map(|(v, _)| v.over_cap.clone())
        .collect();
    let mut summary = if paths.len() == 1 {
        format!(
            "Saved the court report: {} pages, {} incidents, {} exhibits.",
            report.pages, report.incidents, report.exhibits
        )
    } else {
        format!(
            "Saved the court report in {} files (volumes), because one file would be larger than {} MB: {} pages, {} incidents, {} exhibits. File them together; page numbers run straight through.",
            paths.len(), request.max_mb, report.pages, report.incidents, report.exhibits
        )
    };
    for reason in over_cap {
        summary.push_str(&format!(" Note: {reason}"));
    }
    Ok(Some(Exported {
        summary,
        path: paths[0].clone(),
        files: paths,
    }))
}

/// A handout (officer sheet, notice) that was not written, with the reason in a sentence.
#[derive(Serialize)]
pub struct Refused {
    message: String,
    /// The order's own pages could not be copied in (no copy kept, locked or damaged): the
    /// window offers to save the handout without them, which it does only if the person asks.
    without_order: bool,
}

impl From<String> for Refused {
    fn from(message: String) -> Self {
        Refused {
            message,
            without_order: false,
        }
    }
}

impl From<SheetError> for Refused {
    fn from(error: SheetError) -> Self {
        let without_order = |message: String| Refused {
            message,
            without_order: true,
        };
        match error {
            SheetError::OrderPages(OrderPagesError::NoCopy { case, .. }) => without_order(format!(
                "No copy of the order itself is kept with the order in case {case}, so its pages cannot be added. Nothing was written. {} Or save without the order's pages.",
                crate::commands::ADD_COPY_HERE
            )),
            error @ SheetError::OrderPages(_) => without_order(error.to_string()),
            other => other.to_string().into(),
        }
    }
}

/// What both handouts do: make the PDF in memory first, so every refusal (an expired order,
/// order papers that cannot be copied, a number that is not one) comes before the save dialog
/// and nothing is half done; then ask where to save, and write it only if the journal is
/// still open (an auto-lock while the dialog was up means the person stepped away).
fn save_handout(
    app: &AppHandle,
    state: &AppState,
    (title, file_name): (&str, String),
    task: &'static str,
    render: impl FnOnce(&mut daybook::Journal) -> Result<Vec<u8>, SheetError>,
) -> Result<Option<PathBuf>, Refused> {
    state.start_work();
    emit_busy(app, task);
    let pdf = with_journal(state, |journal| Ok::<_, String>(render(journal)))??;
    if state.cancelled() {
        return Err("Cancelled. Nothing was written.".to_string().into());
    }
    let Some(path) = save_dialog(app, title, &file_name, SaveAs::Pdf) else {
        return Ok(None);
    };
    if state.session().is_none() {
        return Err("The journal locked while the save window was open. Nothing was written. Unlock it and save again.".to_string().into());
    }
    deliver_all(state, &[(path.clone(), pdf.as_slice())])?;
    Ok(Some(path))
}

fn handout_saved(path: PathBuf, summary: String) -> Exported {
    Exported {
        summary,
        path: path.display().to_string(),
        files: vec![path.display().to_string()],
    }
}

#[tauri::command]
pub async fn export_officer_sheet(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Value,
) -> Result<Option<Exported>, Refused> {
    let request: ExportRequest = parse("export", request)?;
    let options = daybook::report::officer_sheet::SheetOptions {
        order_id: request.order_id.clone().filter(|o| !o.is_empty()),
        last: request.last.unwrap_or(5).clamp(1, 20),
        paper: request.paper(),
        generated_at: chrono::Utc::now(),
        with_order: request.with_order,
    };
    let dialog = (
        "Save the officer sheet",
        format!("Daybook-officer-sheet-{}.pdf", today()),
    );
    let saved = save_handout(&app, &state, dialog, "officer-sheet", |journal| {
        daybook::report::officer_sheet::render(journal, &options)
    })?;
    Ok(saved.map(|path| {
        handout_saved(
            path,
            if request.with_order {
                "Saved the officer sheet, with a copy of the order's pages after it.".into()
            } else {
                "Saved the one-page officer sheet.".into()
            },
        )
    }))
}

/// The one-page notice for a school, workplace or building: who to watch for, what the order
/// says about that place, and what to do.
#[tauri::command]
pub async fn export_notice(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Value,
) -> Result<Option<Exported>, Refused> {
    use daybook::report::notice::{NoticeOptions, Place};
    let request: ExportRequest = parse("notice", request)?;
    let key = request.place.as_deref().unwrap_or("");
    let place = Place::from_key(key).ok_or_else(|| {
        "Choose where the notice is for: a school, a workplace or a building.".to_string()
    })?;
    let options = NoticeOptions {
        place,
        order_id: request.order_id.clone().filter(|o| !o.is_empty()),
        call: request
            .call
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        with_order: request.with_order,
        paper: request.paper(),
        generated_at: chrono::Utc::now(),
    };
    let dialog = (
        "Save the notice",
        format!("Daybook-notice-{}-{}.pdf", place.key(), today()),
    );
    let saved = save_handout(&app, &state, dialog, "notice", |journal| {
        daybook::report::notice::render(journal, &options)
    })?;
    let whom = match place {
        Place::School => "the school",
        Place::Workplace => "the workplace",
        Place::Building => "the building",
    };
    Ok(saved.map(|path| {
        handout_saved(
            path,
            if request.with_order {
                format!("Saved the notice for {whom}, with a copy of the order's pages after it.")
            } else {
                format!("Saved the one-page notice for {whom}.")
            },
        )
    }))
}

#[tauri::command]
pub async fn export_packet(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Value,
) -> Answer<Option<Exported>> {
    let form: ExportRequest = parse("export", request.clone())?;
    // A bad key or passphrase is refused before the save dialog opens.
    let encryption = form.encryption(&state)?;
    if let daybook::packet::Encryption::Passphrase { passphrase, .. } = &encryption {
        let same = with_journal(&state, |journal| {
            Ok::<_, String>(journal.check_passphrase(passphrase).is_ok())
        })?;
        if same {
            return Err("Choose a packet passphrase different from your journal passphrase: you will share this one. Nothing was written.".into());
        }
    }
    let archive = form.packet_format != PacketFormat::Folder;
    let name = match (archive, encryption.is_encrypted()) {
        (false, _) => format!("Daybook-packet-{}", today()),
        (true, false) => format!("Daybook-packet-{}.zip", today()),
        (true, true) => format!("Daybook-packet-{}.zip.age", today()),
    };
    let dialog = if archive {
        ("Save the evidence packet", name, SaveAs::Zip)
    } else {
        ("Name the new evidence packet folder", name, SaveAs::Folder)
    };
    let Some((request, chosen)) = prepare_export(&app, &state, request, dialog, "packet")? else {
        return Ok(None);
    };
    let target = if archive {
        daybook::packet::archive::archive_path(&chosen, encryption.is_encrypted())
    } else {
        chosen
    };
    let options = request.report_options()?;
    let originals = form.originals()?;
    let packet = with_journal(&state, |journal| {
        let (report, selection) =
            daybook::report::chronological::render_for_packet(journal, &options)
                .map_err(|e| e.to_string())?;
        if state.cancelled() {
            return Err("Cancelled. Nothing was written.".to_string());
        }
        let reports = daybook::packet::ReportFile::volumes_of(report);
        if archive {
            daybook::packet::export_packet_archive(
                journal,
                &selection,
                &reports,
                &target,
                &encryption,
                daybook::packet::Contents {
                    originals,
                    include_source_backups: false,
                },
            )
        } else {
            let contents = daybook::packet::Contents {
                originals,
                include_source_backups: false,
            };
            daybook::packet::export_packet(journal, &selection, &reports, &target, contents)
        }
        .map_err(|e| match e {
            // The files changed since the question (an import in between): ask again, in the
            // app's words rather than the command line's.
            daybook::packet::PacketError::LocationChoice(_) => "Some files in this packet record where they were taken, and they changed since you were asked. Nothing was written. Press “Save the evidence packet…” again to choose.".to_string(),
            other => other.to_string(),
        })
    })?;
    if archive {
        remember_exported(&state, [packet.path.clone()]);
    }
    let how = match form.packet_format {
        PacketFormat::Folder | PacketFormat::Zip => "README.txt inside explains how an attorney or clerk checks it.",
        PacketFormat::ZipPassphrase => "It is locked with the packet passphrase you chose: tell it to the recipient by phone or in person, never in the same email as the file. README.txt inside explains how they check it.",
        PacketFormat::ZipRecipient => "Only the person whose public key you pasted can open it. README.txt inside explains how they check it.",
    };
    Ok(Some(Exported {
        summary: format!(
            "Saved the evidence packet: {} exhibits, {} files. It includes a list of fingerprints that shows nothing was changed after export; {how}",
            packet.exhibits, packet.files
        ),
        path: packet.path.display().to_string(),
        files: vec![packet.path.display().to_string()],
    }))
}

/// An exhibit whose original records where it was taken, as the packet question lists it.
#[derive(Serialize)]
pub struct LocatedExhibit {
    exhibit: String,
    file: String,
    /// What it records, in plain sentences.
    says: Vec<String>,
}

/// The exhibits of the packet the form describes that record a location: asked before the
/// save dialog, so the person chooses exact originals or copies without location knowingly.
#[tauri::command]
pub async fn packet_locations(
    state: State<'_, AppState>,
    request: Value,
) -> Answer<Vec<LocatedExhibit>> {
    let form: ExportRequest = parse("export", request)?;
    let scope = form.scope()?;
    with_journal(&state, |journal| {
        let selection =
            daybook::report::exhibits::select(journal, &scope).map_err(|e| e.to_string())?;
        let located = daybook::packet::exhibits_recording_location(journal, &selection)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(
            located
                .into_iter()
                .map(|e| LocatedExhibit {
                    exhibit: e.label,
                    file: e.original_name,
                    says: e.reveals.sentences(e.kind.noun()),
                })
                .collect(),
        )
    })
}

/// Opens a file this app exported in this run with the system's viewer.
#[tauri::command(async)]
pub fn open_export(app: AppHandle, state: State<'_, AppState>, path: String) -> Answer<()> {
    let path = PathBuf::from(path);
    let known = state
        .exported
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&path);
    if !known {
        return Err("Only a file exported in this session can be opened from here.".into());
    }
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| format!("Could not open the file: {e}"))
}
