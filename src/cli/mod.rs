//! The `daybook` command: flags are parsed once into a [`Config`], then each command is a
//! few lines over the library.

mod args;
mod output;
mod phone;

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use age::secrecy::SecretString;
use clap::Parser;

pub use args::Cli;
use args::{
    AttachmentCommand, Command, ExportCommand, FilterArgs, IncidentCommand, OrderCommand,
    PersonCommand, ScopeArgs,
};

use crate::evidence::EvidenceError;
use crate::journal::{IncidentFilter, Journal, JournalError, KdfCost, RecoveryKey, Unlock};
use crate::model::{IncidentInput, OrderInput, PersonInput};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Import(#[from] crate::journal::ImportError),
    #[error("{0}")]
    Usage(String),
    #[error("The JSON in {source_name} is not valid: {error}")]
    Json {
        source_name: String,
        error: serde_json::Error,
    },
    #[error("Could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}")]
    VerifyFailed(String),
    #[error("Could not write the output: {0}")]
    Output(#[source] io::Error),
    #[error(transparent)]
    Report(#[from] crate::report::chronological::ReportError),
    #[error(transparent)]
    Packet(#[from] crate::packet::PacketError),
    #[error(transparent)]
    Sheet(#[from] crate::report::officer_sheet::SheetError),
    #[error("{path} already exists; choose a new file name so nothing is overwritten.")]
    Exists { path: PathBuf },
    #[error("Could not write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

type Result<T, E = CliError> = std::result::Result<T, E>;

/// `println!` that treats a closed pipe as the end of output rather than a crash.
macro_rules! print_line {
    ($($arg:tt)*) => {
        output::emit(&format!("{}\n", format_args!($($arg)*)))?
    };
}

/// Everything a command needs, decided once from flags and environment.
pub struct Config {
    pub journal_dir: PathBuf,
    pub use_recovery: bool,
    pub kdf_cost: KdfCost,
}

impl Config {
    fn from_cli(cli: &Cli) -> Result<Self> {
        let journal_dir = match &cli.journal {
            Some(dir) => dir.clone(),
            None => default_journal_dir()?,
        };
        // For scripts and tests only: a fixed scrypt cost (never below 2^17).
        let kdf_cost = match std::env::var("DAYBOOK_SCRYPT_LOG_N") {
            Ok(text) => KdfCost::LogN(text.trim().parse().map_err(|_| {
                CliError::Usage("DAYBOOK_SCRYPT_LOG_N must be a whole number such as 18.".into())
            })?),
            Err(_) => KdfCost::Calibrated,
        };
        Ok(Self {
            journal_dir,
            use_recovery: cli.recovery,
            kdf_cost,
        })
    }

    fn unlock(&self) -> Result<Journal> {
        Ok(self.unlock_keeping_passphrase()?.0)
    }

    /// Unlocks, and hands back the passphrase used (none with --recovery), so a packet
    /// passphrase can be checked against it.
    fn unlock_keeping_passphrase(&self) -> Result<(Journal, Option<SecretString>)> {
        let (journal, report, passphrase) = if self.use_recovery {
            let key = read_recovery_key()?;
            let (journal, report) = Journal::open(&self.journal_dir, Unlock::RecoveryKey(&key))?;
            (journal, report, None)
        } else {
            if !crate::journal::JournalPaths::new(&self.journal_dir).exists() {
                return Err(JournalError::NoJournal(self.journal_dir.clone()).into());
            }
            let passphrase = read_secret("DAYBOOK_PASSPHRASE", "Passphrase: ")?;
            let (journal, report) =
                Journal::open(&self.journal_dir, Unlock::Passphrase(&passphrase))?;
            (journal, report, Some(passphrase))
        };
        if let Some(problem) = &report.chain_problem {
            eprintln!("Warning: the journal's history does not check out. {problem} Run `daybook verify` for details.");
        }
        if report.orphans_removed > 0 {
            eprintln!(
                "Cleaned up {} unfinished import(s) from an earlier interruption; nothing saved was affected.",
                report.orphans_removed
            );
        }
        if report.strays > 0 {
            eprintln!(
                "Note: {} file(s) in the journal's blobs folder belong to no saved attachment (perhaps from another copy of this journal). They were left untouched.",
                report.strays
            );
        }
        Ok((journal, passphrase))
    }
}

pub fn default_journal_dir() -> Result<PathBuf> {
    dirs::data_dir().map(|d| d.join("Daybook")).ok_or_else(|| {
        CliError::Usage("No data folder is known for this user; pass --journal DIR.".into())
    })
}

/// Entry point of the `daybook` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("daybook: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let config = Config::from_cli(&cli)?;
    match cli.command {
        Command::Init => init(&config),
        Command::Passwd => {
            let journal = config.unlock()?;
            let new = read_new_passphrase("DAYBOOK_NEW_PASSPHRASE", "New passphrase: ")?;
            journal.change_passphrase(&new, config.kdf_cost)?;
            print_line!("Passphrase changed. Your recovery key still works.");
            Ok(())
        }
        Command::UnlockCheck => {
            config.unlock()?;
            print_line!("The journal opens.");
            Ok(())
        }
        Command::Order(command) => order(&config, command),
        Command::Person(PersonCommand::Add { json }) => {
            let input: PersonInput = read_json(&json)?;
            let person = config.unlock()?.add_person(&input)?;
            print_line!("{}", person.id);
            Ok(())
        }
        Command::Person(PersonCommand::Photo { person, file }) => {
            let mut journal = config.unlock()?;
            let photo = journal.attach_person_photo(&person, &file, &mut |_, _| true)?;
            print_line!("{} {} {}", photo.id, photo.sha256, file.display());
            Ok(())
        }
        Command::Person(PersonCommand::List { json }) => {
            let people = config.unlock()?.people()?;
            output::people(&people, json)
        }
        Command::Person(PersonCommand::Edit { id, json }) => {
            let patch = read_patch(&json)?;
            let person = config.unlock()?.edit_person_patch(&id, &patch)?;
            print_line!("{}", person.id);
            Ok(())
        }
        Command::Person(PersonCommand::History { id, json }) => {
            let journal = config.unlock()?;
            journal.person(&id)?;
            let history = journal.history(crate::journal::revisions::Entity::Person, &id)?;
            output::history(&history, json)
        }
        Command::Incident(command) => incident(&config, command),
        Command::Attach {
            incident,
            files,
            caption,
        } => {
            let mut journal = config.unlock()?;
            let id = journal.resolve_incident_ref(&incident)?;
            // Check every file first, so a typo in the last one does not leave the others half-done.
            for file in &files {
                crate::evidence::check_source(file)?;
            }
            // One batch: the durable steps (commits, fsyncs) are done once for all the files.
            let batch =
                journal.attach_files(&id, &files, caption.as_deref(), &mut |_, _, _| true)?;
            for a in &batch.attached {
                let file = files[a.index].display();
                print_line!("{} {} {file}", a.attachment.id, a.attachment.sha256);
                for sentence in a.attachment.reveal_sentences() {
                    eprintln!("Note: {file}: {sentence}");
                }
            }
            match batch.problems.into_iter().next() {
                // A file that changed after the check: the others are attached (listed above).
                Some(problem) => Err(problem.error.into()),
                None => Ok(()),
            }
        }
        Command::Import {
            files,
            timezone,
            me,
            date_order,
            repeated_hour,
            with,
        } => {
            let choices = crate::phone::whatsapp::ChatChoices {
                zone: timezone,
                me,
                with_person: with,
                date_order: date_order.map(|o| match o {
                    args::DateOrderArg::DayFirst => crate::phone::whatsapp::DateOrder::DayFirst,
                    args::DateOrderArg::MonthFirst => crate::phone::whatsapp::DateOrder::MonthFirst,
                }),
                repeated_hour: repeated_hour.map(|h| match h {
                    args::RepeatedHourArg::First => crate::phone::whatsapp::RepeatedHour::First,
                    args::RepeatedHourArg::Second => crate::phone::whatsapp::RepeatedHour::Second,
                }),
            };
            phone::import(&config, &files, &choices)
        }
        Command::Messages {
            with,
            from,
            to,
            calls,
            texts,
            zone,
            json,
        } => phone::messages(
            &config,
            phone::MessagesArgs {
                with,
                from,
                to,
                calls,
                texts,
                zone,
                json,
            },
        ),
        Command::Attachment(AttachmentCommand::Describe {
            id,
            caption,
            transcript_file,
        }) => {
            let transcript = match transcript_file {
                Some(path) => Some(read_text(&path)?),
                None => None,
            };
            if caption.is_none() && transcript.is_none() {
                return Err(CliError::Usage(
                    "Give --caption and/or --transcript-file.".into(),
                ));
            }
            let mut journal = config.unlock()?;
            let attachment =
                journal.describe_attachment(&id, caption.as_deref(), transcript.as_deref())?;
            print_line!("{}", attachment.id);
            for sentence in attachment.reveal_sentences() {
                eprintln!("Note: {sentence}");
            }
            Ok(())
        }
        Command::Attachment(AttachmentCommand::Export { id, out }) => {
            let journal = config.unlock()?;
            let attachment = journal.export_attachment(&id, &out, &mut |_, _| true)?;
            print_line!("{} {} {}", attachment.id, attachment.sha256, out.display());
            // The exact original: say once what it gives away to whoever receives it.
            let reveals = journal.attachment_reveals(&attachment)?;
            if reveals.records_location() || !reveals.device.is_empty() {
                eprintln!(
                    "Warning: {} is the exact original. {} Anyone you give it to can read this.",
                    out.display(),
                    reveals.sentences(attachment.kind.noun()).join(" ")
                );
            }
            Ok(())
        }
        Command::List { filter, json } => {
            let incidents = config.unlock()?.incidents(&to_filter(filter))?;
            output::incidents(&incidents, json)
        }
        Command::Search { text, json } => {
            let incidents = config.unlock()?.search(&text.join(" "))?;
            output::incidents(&incidents, json)
        }
        Command::Verify {
            path: Some(path),
            identity,
        } => match crate::packet::verify_packet(&path, &packet_key(&path, identity.as_deref())?) {
            Ok(report) => {
                print_line!(
                    "OK: {} files ({} exhibits, {} bytes) match the signed manifest.\nJournal fingerprint: {}\nSigning key: {}",
                    report.files, report.exhibits, report.bytes, report.fingerprint, report.public_key
                );
                Ok(())
            }
            Err(problem) => Err(CliError::VerifyFailed(format!(
                "verification FAILED: {problem}"
            ))),
        },
        Command::Verify { path: None, .. } => {
            let journal = config.unlock()?;
            match journal.verify()? {
                Ok(report) => {
                    print_line!(
                        "OK: {} revisions, {} incidents, {} attachments ({} bytes) all check out.\nFingerprint (chain head): {}",
                        report.revisions, report.incidents, report.attachments, report.attachment_bytes, report.head
                    );
                    Ok(())
                }
                Err(problem) => Err(CliError::VerifyFailed(format!(
                    "verification FAILED: {problem}"
                ))),
            }
        }
        Command::Export(command) => export(&config, command),
        Command::Demo => demo(&config),
    }
}

fn order(config: &Config, command: OrderCommand) -> Result<()> {
    match command {
        OrderCommand::Add { json } => {
            let input: OrderInput = read_json(&json)?;
            let order = config.unlock()?.add_order(&input)?;
            print_line!("{}", order.id);
        }
        OrderCommand::List { json } => {
            let orders = config.unlock()?.orders()?;
            output::orders(&orders, json)?;
        }
        OrderCommand::Show { id, json } => {
            let journal = config.unlock()?;
            let order = journal.order(&id)?;
            let papers = journal.order_documents(&id)?;
            output::order_detail(&order, &papers, json)?;
        }
        OrderCommand::Edit { id, json } => {
            let patch = read_patch(&json)?;
            let order = config.unlock()?.edit_order_patch(&id, &patch)?;
            print_line!("{}", order.id);
        }
        OrderCommand::Attach { order, files, kind } => {
            let mut journal = config.unlock()?;
            journal.order(&order)?;
            for file in &files {
                crate::evidence::check_source(file)?;
            }
            let batch =
                journal.attach_order_documents(&order, &files, kind.into(), &mut |_, _, _| true)?;
            for a in &batch.attached {
                let file = files[a.index].display();
                print_line!("{} {} {file}", a.attachment.id, a.attachment.sha256);
            }
            for problem in &batch.problems {
                eprintln!("{}: {}", files[problem.index].display(), problem.error);
            }
            if !batch.problems.is_empty() {
                return Err(CliError::Usage(format!(
                    "{} of {} files could not be kept (see above); the others were.",
                    batch.problems.len(),
                    files.len()
                )));
            }
            // A PDF that cannot be copied into a handout is kept anyway (it is what the person
            // has), but they should know now rather than at the door.
            let order = journal.order(&order)?;
            if let Err(problem) = crate::report::order_pages::OrderPages::read(&journal, &order) {
                if !matches!(
                    problem,
                    crate::report::order_pages::OrderPagesError::NoCopy { .. }
                ) {
                    eprintln!("Kept, but note: {problem}");
                }
            }
        }
        OrderCommand::History { id, json } => {
            let journal = config.unlock()?;
            journal.order(&id)?;
            let history = journal.history(crate::journal::revisions::Entity::Order, &id)?;
            output::history(&history, json)?;
        }
    }
    Ok(())
}

/// A merge patch from `path`: a JSON object of the fields to change.
fn read_patch(path: &Path) -> Result<serde_json::Value> {
    let patch: serde_json::Value = read_json(path)?;
    if !patch.is_object() {
        return Err(CliError::Usage(
            "An edit is a JSON object of the fields to change.".into(),
        ));
    }
    Ok(patch)
}

fn incident(config: &Config, command: IncidentCommand) -> Result<()> {
    match command {
        IncidentCommand::FromMessages {
            ids,
            day,
            with,
            zone,
            add_to,
        } => {
            let args = phone::FromMessagesArgs {
                ids,
                day,
                with,
                zone,
                add_to,
            };
            return phone::from_messages(config, args);
        }
        IncidentCommand::Add { json } => {
            let input: IncidentInput = read_json(&json)?;
            let incident = config.unlock()?.add_incident(&input)?;
            print_line!("{}", incident.id);
        }
        IncidentCommand::Edit { id, json } => {
            let patch = read_patch(&json)?;
            let mut journal = config.unlock()?;
            let id = journal.resolve_incident_ref(&id)?;
            let incident = journal.edit_incident(&id, &patch)?;
            print_line!("{}", incident.id);
        }
        IncidentCommand::Delete { id, reason } => {
            let mut journal = config.unlock()?;
            let id = journal.resolve_incident_ref(&id)?;
            journal.delete_incident(&id, &reason)?;
            print_line!("{id}");
        }
        IncidentCommand::History { id, json } => {
            let journal = config.unlock()?;
            let id = journal.resolve_incident_ref(&id)?;
            let history = journal.history(crate::journal::revisions::Entity::Incident, &id)?;
            output::history(&history, json)?;
        }
        IncidentCommand::Show { id, json } => {
            let journal = config.unlock()?;
            let id = journal.resolve_incident_ref(&id)?;
            let incident = journal.incident(&id)?;
            let order = incident
                .order_id
                .as_deref()
                .and_then(|o| journal.order(o).ok());
            output::incident_detail(&incident, order.as_ref(), json)?;
        }
    }
    Ok(())
}

fn export(config: &Config, command: ExportCommand) -> Result<()> {
    use crate::report::chronological::{render_to_files, ReportError};
    use crate::report::volumes::WriteError;
    match command {
        ExportCommand::Report { out, scope } => {
            if out.symlink_metadata().is_ok() {
                return Err(CliError::Exists { path: out });
            }
            let journal = config.unlock()?;
            let options = report_options(&journal, &scope)?;
            let report =
                render_to_files(&journal, &options, &out, &|| false).map_err(|e| match e {
                    ReportError::Write(WriteError::Exists { path }) => CliError::Exists { path },
                    ReportError::Write(WriteError::Io { path, source }) => {
                        CliError::Write { path, source }
                    }
                    other => other.into(),
                })?;
            say_report_written(&out, &report)?;
        }
        ExportCommand::OfficerSheet {
            out,
            order,
            last,
            a4,
            with_order,
        } => handout(config, &out, |journal| {
            crate::report::officer_sheet::render(
                journal,
                &crate::report::officer_sheet::SheetOptions {
                    order_id: order,
                    last,
                    paper: paper(a4),
                    generated_at: chrono::Utc::now(),
                    with_order,
                },
            )
        })?,
        ExportCommand::Notice {
            place,
            out,
            order,
            call,
            with_order,
            a4,
        } => handout(config, &out, |journal| {
            crate::report::notice::render(
                journal,
                &crate::report::notice::NoticeOptions {
                    place: place.into(),
                    order_id: order,
                    call,
                    with_order,
                    paper: paper(a4),
                    generated_at: chrono::Utc::now(),
                },
            )
        })?,
        ExportCommand::Packet {
            out,
            zip,
            encrypt_to,
            encrypt_passphrase,
            originals,
            include_source_backups,
            scope,
        } => packet(
            config,
            &out,
            zip,
            &encrypt_to,
            encrypt_passphrase,
            crate::packet::Contents {
                originals: originals.map(Into::into),
                include_source_backups,
            },
            &scope,
        )?,
    }
    Ok(())
}

/// The officer sheet or a notice: refused before unlocking if `out` exists, then written and
/// counted: "one page", or "4 pages: this page, then 3 pages of the order's papers".
fn handout(
    config: &Config,
    out: &Path,
    render: impl FnOnce(&Journal) -> Result<Vec<u8>, crate::report::officer_sheet::SheetError>,
) -> Result<()> {
    if out.symlink_metadata().is_ok() {
        return Err(CliError::Exists {
            path: out.to_path_buf(),
        });
    }
    let journal = config.unlock()?;
    let pdf = render(&journal).map_err(|error| {
        use crate::report::officer_sheet::SheetError;
        use crate::report::order_pages::OrderPagesError;
        match error {
            // The commands that add the missing copy or write the handout alone, here where
            // they can be typed.
            SheetError::OrderPages(OrderPagesError::NoCopy { ref id, .. }) => CliError::Usage(
                format!("{error} (daybook order attach {id} FILE..., or leave out --with-order)"),
            ),
            SheetError::OrderPages(_) => {
                CliError::Usage(format!("{error} (Leave out --with-order for that.)"))
            }
            other => other.into(),
        }
    })?;
    write_new_file(out, &pdf)?;
    let pages = match lopdf::Document::load_mem(&pdf).map(|d| d.get_pages().len()) {
        Ok(n) if n > 1 => format!(
            "{n} pages: this page, then {} of the order's papers",
            crate::report::officer_sheet::plural(n - 1, "page")
        ),
        _ => "one page".to_string(),
    };
    print_line!("Wrote {} ({pages}).", out.display());
    Ok(())
}

/// `daybook export packet`: everything that can be refused (a bad key, an existing output) is
/// refused before the journal is unlocked or anything is written.
fn packet(
    config: &Config,
    out: &Path,
    zip: bool,
    encrypt_to: &[String],
    encrypt_passphrase: bool,
    contents: crate::packet::Contents,
    scope: &ScopeArgs,
) -> Result<()> {
    use crate::packet::{archive, Encryption};
    let mut encryption = if encrypt_to.is_empty() {
        Encryption::None
    } else {
        Encryption::Recipients(archive::parse_recipients(encrypt_to)?)
    };
    let encrypted = encryption.is_encrypted() || encrypt_passphrase;
    let out_name = out.to_string_lossy().to_ascii_lowercase();
    if out_name.ends_with(".zip.age") && !encrypted {
        return Err(CliError::Usage(
            "A .zip.age packet is encrypted: say who can open it with --encrypt-to PUBLIC_KEY or --encrypt-passphrase.".into(),
        ));
    }
    let target = (zip || encrypted || archive::names_archive(out))
        .then(|| archive::archive_path(out, encrypted));
    if let Some(path) = &target {
        if path.symlink_metadata().is_ok() {
            return Err(CliError::Exists { path: path.clone() });
        }
    }
    let (journal, journal_passphrase) = config.unlock_keeping_passphrase()?;
    let options = report_options(&journal, scope)?;
    if contents.originals.is_none() {
        // Asked before a packet passphrase is asked for or a report is made.
        let selection = crate::report::exhibits::select(&journal, &options.scope)?;
        let located = crate::packet::exhibits_recording_location(&journal, &selection)?;
        if !located.is_empty() {
            return Err(crate::packet::PacketError::LocationChoice(located).into());
        }
    }
    if encrypt_passphrase {
        use age::secrecy::ExposeSecret;
        let passphrase = read_new_passphrase(
            "DAYBOOK_PACKET_PASSPHRASE",
            "Choose a passphrase for the packet (not your journal's; you will tell it to the recipient): ",
        )?;
        crate::journal::keys::check_new_passphrase(&passphrase).map_err(JournalError::from)?;
        if journal_passphrase.is_some_and(|j| j.expose_secret() == passphrase.expose_secret()) {
            return Err(CliError::Usage(
                "Choose a packet passphrase different from your journal passphrase: you will share this one. Nothing was written.".into(),
            ));
        }
        encryption = Encryption::Passphrase {
            passphrase,
            cost: config.kdf_cost,
        };
    }
    let (report, selection) = crate::report::chronological::render_for_packet(&journal, &options)?;
    warn_over_cap(report.volumes.iter().map(|v| (v.number, &v.over_cap)));
    let reports = crate::packet::ReportFile::volumes_of(report);
    let summary = match &target {
        None => crate::packet::export_packet(&journal, &selection, &reports, out, contents)?,
        Some(path) => crate::packet::export_packet_archive(
            &journal,
            &selection,
            &reports,
            path,
            &encryption,
            contents,
        )?,
    };
    let shown = summary.path.display();
    print_line!(
        "Wrote the evidence packet {shown} ({} exhibits, {} files). Check it with: daybook verify {shown}{}",
        summary.exhibits,
        summary.files,
        match &encryption {
            Encryption::Recipients(_) => " --identity KEY_FILE",
            _ => "",
        }
    );
    if encryption.is_encrypted() {
        let folder = archive::folder_name(&summary.path);
        let how = match &encryption {
            Encryption::Passphrase { .. } => {
                format!("age -d -o {folder}.zip {shown}   (age asks for the passphrase; tell it to them by phone or in person, not in the same email)")
            }
            _ => format!("age -d -i THEIR_KEY_FILE -o {folder}.zip {shown}"),
        };
        print_line!("The recipient opens it with: {how}\nthen: unzip {folder}.zip && cd {folder} && sha256sum -c SHA256SUMS");
    }
    Ok(())
}

/// What opens the packet at `path`: the `--identity` file, or for a passphrase packet the
/// passphrase (prompt or DAYBOOK_PACKET_PASSPHRASE). Plain packets need nothing.
fn packet_key(path: &Path, identity: Option<&Path>) -> Result<crate::packet::PacketKey> {
    use crate::packet::{PacketKey, PacketKind};
    Ok(match (identity, crate::packet::packet_kind(path)) {
        (Some(file), _) => PacketKey::Identities(crate::packet::archive::read_identities(file)?),
        (None, PacketKind::Encrypted { passphrase: true }) => PacketKey::Passphrase(read_secret(
            "DAYBOOK_PACKET_PASSPHRASE",
            "Packet passphrase: ",
        )?),
        (None, _) => PacketKey::None,
    })
}

/// Says where a report went (written by `render_to_files`, a volume at a time): `out`, or,
/// when it came out in volumes, `STEM-vol1.pdf` ... beside it.
fn say_report_written(
    out: &Path,
    report: &crate::report::chronological::WrittenReport,
) -> Result<()> {
    warn_over_cap(report.volumes.iter().map(|(v, _)| (v.number, &v.over_cap)));
    if report.volumes.len() == 1 {
        print_line!(
            "Wrote {} ({} pages, {} incidents, {} exhibits; privacy profile: {}).",
            out.display(),
            report.pages,
            report.incidents,
            report.exhibits,
            report.redaction.key()
        );
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| crate::report::volumes::is_court_safe(&n)) {
            eprintln!("Note: court e-filing systems may refuse this file name. Use only ASCII letters, digits, '-', '_' and '.', at most 50 characters.");
        }
        return Ok(());
    }
    print_line!(
        "The report is larger than one file may be, so it is in {} volumes ({} pages, {} incidents, {} exhibits; privacy profile: {}):",
        report.volumes.len(),
        report.pages,
        report.incidents,
        report.exhibits,
        report.redaction.key()
    );
    for (volume, path) in &report.volumes {
        print_line!(
            "  {}  pages {}-{}, {}",
            path.display(),
            volume.first_page,
            volume.last_page,
            crate::evidence::human_size(volume.size)
        );
    }
    Ok(())
}

/// Warns of each volume over the size cap: (volume number, why it could not be smaller).
fn warn_over_cap<'a>(volumes: impl Iterator<Item = (usize, &'a Option<String>)>) {
    for (number, over_cap) in volumes {
        if let Some(reason) = over_cap {
            eprintln!("Warning: volume {number} is over the size limit. {reason}");
        }
    }
}

fn report_options(
    journal: &Journal,
    scope: &ScopeArgs,
) -> Result<crate::report::chronological::ReportOptions> {
    let mut threads = Vec::new();
    for thread in &scope.threads {
        threads.extend(phone::numbers_of(journal, thread)?);
    }
    Ok(crate::report::chronological::ReportOptions {
        scope: crate::report::exhibits::Scope {
            from: scope.from,
            to: scope.to,
            order_id: scope.order.clone(),
            exhibit_prefix: scope.exhibit_prefix.clone(),
            threads,
        },
        paper: paper(scope.a4),
        generated_at: chrono::Utc::now(),
        redaction: scope.redact,
        max_bytes: Some((scope.max_mb * 1_000_000.0) as u64),
        pictures_kept_bytes: crate::report::chronological::PICTURES_KEPT_BYTES,
    })
}

fn paper(a4: bool) -> crate::report::layout::PaperSize {
    if a4 {
        crate::report::layout::PaperSize::A4
    } else {
        crate::report::layout::PaperSize::Letter
    }
}

/// Writes `bytes` to a new file at `path` (never over an existing one).
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::fsutil::write_new(path, bytes).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CliError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            CliError::Write {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

fn init(config: &Config) -> Result<()> {
    let passphrase = read_new_passphrase("DAYBOOK_PASSPHRASE", "Choose a passphrase: ")?;
    let (_journal, recovery) = Journal::create(&config.journal_dir, &passphrase, config.kdf_cost)?;
    output::recovery_key(&config.journal_dir, &recovery)
}

fn demo(config: &Config) -> Result<()> {
    // Sample data must never mix with real entries: the demo only ever fills a new journal.
    let paths = crate::journal::JournalPaths::new(&config.journal_dir);
    if paths.exists() && !paths.is_unfinished() {
        return Err(CliError::Usage(format!(
            "{} already holds a journal. The demo only fills a new, separate journal so sample entries never mix with real ones; run it with a new folder, for example: daybook --journal ./demo-journal demo",
            config.journal_dir.display()
        )));
    }
    let passphrase = read_new_passphrase(
        "DAYBOOK_PASSPHRASE",
        "Choose a passphrase for the demo journal: ",
    )?;
    let (mut journal, recovery) =
        Journal::create(&config.journal_dir, &passphrase, config.kdf_cost)?;
    output::recovery_key(&config.journal_dir, &recovery)?;
    let summary = crate::demo::fill(&mut journal, crate::demo::DEFAULT_SEED)?;
    print_line!(
        "Demo data added: {} orders, {} people, {} incidents, {} attachments.",
        summary.orders,
        summary.people,
        summary.incidents,
        summary.attachments
    );
    Ok(())
}

fn to_filter(args: FilterArgs) -> IncidentFilter {
    IncidentFilter {
        from: args.from,
        to: args.to,
        kind: args.kind,
        order_id: args.order,
        reported: match (args.reported, args.not_reported) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    }
}

fn read_text(path: &Path) -> Result<String> {
    let mut text = String::new();
    let result = if path == Path::new("-") {
        io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    result.map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = read_text(path)?;
    if text.trim().is_empty() {
        return Err(CliError::Usage(format!(
            "{} is empty; it should hold a JSON object (see the README).",
            if path == Path::new("-") {
                "Standard input".to_string()
            } else {
                path.display().to_string()
            }
        )));
    }
    serde_json::from_str(&text).map_err(|error| CliError::Json {
        source_name: if path == Path::new("-") {
            "standard input".into()
        } else {
            path.display().to_string()
        },
        error,
    })
}

/// A secret from the environment (scripts) or the terminal, never from argv.
fn read_secret(env: &str, prompt: &str) -> Result<SecretString> {
    if let Ok(value) = std::env::var(env) {
        return Ok(SecretString::from(value));
    }
    if !io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "No terminal to ask for the passphrase; set {env} when running from a script."
        )));
    }
    rpassword::prompt_password(prompt)
        .map(SecretString::from)
        .map_err(|source| CliError::Read {
            path: PathBuf::from("/dev/tty"),
            source,
        })
}

/// An encrypted iPhone backup's password, from DAYBOOK_BACKUP_PASSWORD (scripts) or the
/// terminal, never from argv.
fn read_backup_password(folder: &Path) -> Result<SecretString> {
    const ENV: &str = "DAYBOOK_BACKUP_PASSWORD";
    if let Ok(value) = std::env::var(ENV) {
        return Ok(SecretString::from(value));
    }
    if !io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{} is an encrypted iPhone backup. No terminal to ask for its backup password; set \
             {ENV} when running from a script. Nothing was imported.",
            folder.display()
        )));
    }
    rpassword::prompt_password(format!("Backup password for {}: ", folder.display()))
        .map(SecretString::from)
        .map_err(|source| CliError::Read {
            path: PathBuf::from("/dev/tty"),
            source,
        })
}

/// A new passphrase: from the environment, or typed twice at the terminal.
fn read_new_passphrase(env: &str, prompt: &str) -> Result<SecretString> {
    if std::env::var_os(env).is_some() {
        return read_secret(env, prompt);
    }
    use age::secrecy::ExposeSecret;
    let first = read_secret(env, prompt)?;
    let second = read_secret(env, "Type it again: ")?;
    if first.expose_secret() != second.expose_secret() {
        return Err(CliError::Usage(
            "The two passphrases differ; nothing was changed.".into(),
        ));
    }
    Ok(first)
}

fn read_recovery_key() -> Result<RecoveryKey> {
    use age::secrecy::ExposeSecret;
    let text = read_secret("DAYBOOK_RECOVERY_KEY", "Recovery key: ")?;
    Ok(RecoveryKey::parse(text.expose_secret()).map_err(JournalError::from)?)
}
