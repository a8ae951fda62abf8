//! Daybook desktop shell: a window over the `daybook` library. It holds the unlocked journal,
//! locks it after idle time or a system sleep, and turns dialogs and drops into paths the
//! library imports. Everything the journal does stays in the library.

// Release builds on Windows should not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod export;
mod history;
mod messages;
#[cfg(target_os = "linux")]
mod paint;
mod phone_import;
mod state;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use daybook::journal::{Journal, JournalPaths, KdfCost};
use secrecy::SecretString;
use tauri::{AppHandle, DragDropEvent, Emitter, Manager, WindowEvent};

use state::AppState;

/// The demo journal's passphrase, shown on its unlock screen. Only ever used for the separate
/// demo folder, which holds sample data.
pub const DEMO_PASSPHRASE: &str = "demo passphrase";

struct Options {
    root: PathBuf,
    demo: bool,
    kdf_cost: KdfCost,
}

const USAGE: &str = "Usage: daybook-desktop [--journal DIR] [--demo]\n\n\
    --journal DIR  the journal folder (default: the OS data folder, or DAYBOOK_JOURNAL)\n\
    --demo         open a separate journal filled with sample data, to look around";

fn options() -> Result<Options, String> {
    let env_journal = std::env::var_os("DAYBOOK_JOURNAL").map(PathBuf::from);
    let mut journal = None;
    let mut demo = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--demo") => demo = true,
            Some("--journal") => {
                journal = Some(
                    args.next()
                        .map(PathBuf::from)
                        .ok_or("--journal needs a folder")?,
                )
            }
            Some("--help" | "-h") => return Err(USAGE.into()),
            _ => return Err(format!("Unknown argument {arg:?}.\n\n{USAGE}")),
        }
    }
    let data = || {
        dirs::data_dir().ok_or_else(|| {
            "No data folder is known for this user; start with --journal DIR.".to_string()
        })
    };
    // `--demo` never follows DAYBOOK_JOURNAL: sample data with a published passphrase must not
    // land where a real journal is meant to be. Only an explicit --journal points it elsewhere.
    let root = match (journal, demo) {
        (Some(dir), _) => dir,
        (None, true) => data()?.join("Daybook demo"),
        (None, false) => match env_journal {
            Some(dir) => dir,
            None => data()?.join("Daybook"),
        },
    };
    // For tests and scripts only: a fixed scrypt cost (the library never goes below 2^17).
    let kdf_cost = match std::env::var("DAYBOOK_SCRYPT_LOG_N") {
        Ok(n) => KdfCost::LogN(
            n.trim()
                .parse()
                .map_err(|_| "DAYBOOK_SCRYPT_LOG_N must be a whole number such as 18.")?,
        ),
        Err(_) => KdfCost::Calibrated,
    };
    Ok(Options {
        root,
        demo,
        kdf_cost,
    })
}

/// Fills a new demo journal once, so `--demo` opens to something to look at. Never touches a
/// folder that already holds a journal.
fn prepare_demo(options: &Options) -> Result<(), String> {
    if JournalPaths::new(&options.root).exists() {
        return Ok(());
    }
    eprintln!(
        "Preparing the demo journal in {} ...",
        options.root.display()
    );
    let passphrase = SecretString::from(DEMO_PASSPHRASE.to_string());
    let (mut journal, _recovery) =
        Journal::create(&options.root, &passphrase, options.kdf_cost).map_err(|e| e.to_string())?;
    daybook::demo::fill(&mut journal, daybook::demo::DEFAULT_SEED).map_err(|e| e.to_string())?;
    Ok(())
}

/// Hides the window first (the screen is clear at once), then drops the key and ends. If long
/// work holds the journal, the process ends at once instead of waiting: the key goes with the
/// process, and interrupted imports are swept at the next unlock.
pub fn hide_and_quit(app: &AppHandle, state: &AppState) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.hide();
    }
    state
        .cancel
        .store(true, std::sync::atomic::Ordering::SeqCst);
    match state.session.try_lock() {
        Ok(mut session) => drop(session.take()),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => drop(poisoned.into_inner().take()),
        Err(std::sync::TryLockError::WouldBlock) => std::process::exit(0),
    }
    app.exit(0);
}

/// GTK otherwise records every file picked in a dialog in ~/.local/share/recently-used.xbel,
/// where anyone using the computer can see the names.
#[cfg(target_os = "linux")]
fn forget_recent_files() {
    use gtk::prelude::GtkSettingsExt;
    if let Some(settings) = gtk::Settings::default() {
        settings.set_gtk_recent_files_enabled(false);
        settings.set_gtk_recent_files_max_age(0);
    }
}

fn main() -> ExitCode {
    // First, while this is the only thread: the environment WebKit's processes will read.
    #[cfg(target_os = "linux")]
    paint::choose();
    let options = match options() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if options.demo {
        if let Err(message) = prepare_demo(&options) {
            eprintln!("Could not prepare the demo journal: {message}");
            return ExitCode::FAILURE;
        }
    }
    let state = AppState::new(options.root, options.kdf_cost, options.demo);
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .setup(|app| {
            #[cfg(target_os = "linux")]
            forget_recent_files();
            watch::spawn(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event {
                let state = window.state::<AppState>();
                let names: Vec<String> = paths
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                *state.dropped.lock().unwrap_or_else(|e| e.into_inner()) = paths.clone();
                state.touch();
                let _ = window.emit("files-dropped", names);
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::create_journal,
            commands::unlock,
            commands::lock,
            commands::quick_exit,
            commands::change_passphrase,
            commands::activity,
            commands::get_settings,
            commands::set_settings,
            commands::vocabulary,
            commands::timeline,
            commands::timeline_total,
            commands::get_incident,
            commands::add_incident,
            commands::edit_incident,
            commands::delete_incident,
            commands::incident_history,
            commands::pick_attachments,
            commands::attach_dropped,
            commands::cancel_work,
            commands::attachment_bytes,
            commands::describe_attachment,
            commands::list_orders,
            commands::add_order,
            commands::edit_order,
            commands::pick_order_papers,
            commands::order_pages_status,
            commands::list_people,
            commands::add_person,
            commands::edit_person,
            commands::pick_person_photo,
            commands::pick_phone_backups,
            commands::pick_iphone_backup,
            commands::prepare_dropped_backups,
            commands::import_pending_backups,
            commands::message_threads,
            commands::message_thread,
            commands::mark_restrained_number,
            commands::incident_from_messages,
            commands::cite_messages,
            commands::other_conversations,
            export::export_report,
            export::export_officer_sheet,
            export::export_notice,
            export::export_packet,
            export::packet_locations,
            export::open_export,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Daybook could not open its window: {error}");
            ExitCode::FAILURE
        }
    }
}
