//! Command-line flags, parsed once by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::IncidentKind;

#[derive(Debug, Parser)]
#[command(
    name = "daybook",
    version,
    about = "An encrypted journal of protective-order violations.",
    long_about = "An encrypted journal of protective-order violations.\n\n\
        The passphrase is asked for at a prompt, or read from DAYBOOK_PASSPHRASE when that is set \
        (for scripts). It is never taken from the command line, where other users could see it.\n\n\
        Daybook gives general information, not legal advice."
)]
pub struct Cli {
    /// The journal folder [default: the OS data folder, e.g. ~/.local/share/Daybook]
    #[arg(long, global = true, env = "DAYBOOK_JOURNAL", value_name = "DIR")]
    pub journal: Option<PathBuf>,

    /// Unlock with the recovery key instead of the passphrase (asked for, or DAYBOOK_RECOVERY_KEY)
    #[arg(long, global = true)]
    pub recovery: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new journal and print its recovery key (shown only this once)
    Init,
    /// Change the passphrase (the recovery key keeps working)
    Passwd,
    /// Exit 0 if the passphrase (or --recovery key) opens the journal
    UnlockCheck,
    /// Protective orders
    #[command(subcommand)]
    Order(OrderCommand),
    /// People: the restrained person, protected persons, witnesses
    #[command(subcommand)]
    Person(PersonCommand),
    /// Record, amend, delete or show incidents
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Attach files to an incident; prints "ATTACHMENT_ID SHA256 FILE" per file
    Attach {
        incident: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A caption for every file attached by this command
        #[arg(long)]
        caption: Option<String>,
    },
    /// Import texts and calls from phone backups (SMS Backup & Restore XML from Android, iPhone
    /// backup folders) and WhatsApp chat exports (.zip or .txt), recognised by content; prints
    /// what each file held and how many were new
    #[command(
        long_about = "Import texts and calls from phone backups (SMS Backup & Restore XML \
        from Android, iPhone computer backup folders) and WhatsApp chat exports (.zip or .txt), \
        recognised by content; prints what each file held and how many were new.\n\n\
        An encrypted iPhone backup is opened with its backup password (the one chosen when \
        \"Encrypt local backup\" was turned on, not the phone's passcode): it is asked for at a \
        prompt, or read from DAYBOOK_BACKUP_PASSWORD when that is set (for scripts). It is never \
        taken from the command line, and nothing decrypted is written to disk except into the \
        journal, encrypted."
    )]
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// WhatsApp: the zone the phone was in (IANA name); the export's times have none
        #[arg(long, value_name = "ZONE")]
        timezone: Option<String>,
        /// WhatsApp: your own name as the chat writes it, when Daybook cannot tell
        #[arg(long, value_name = "NAME")]
        me: Option<String>,
        /// WhatsApp: how the phone writes dates, when the chat cannot tell
        #[arg(long, value_enum)]
        date_order: Option<DateOrderArg>,
        /// WhatsApp: messages in the hour the clocks went back were in its first or second pass
        #[arg(long, value_enum)]
        repeated_hour: Option<RepeatedHourArg>,
        /// WhatsApp: the person the chat is with (their id from `daybook person list`); the
        /// chat names them only as your phone's contacts do
        #[arg(long, value_name = "PERSON_ID")]
        with: Option<String>,
    },
    /// Imported texts and calls in time order, local time and zone on every line
    Messages {
        /// Only those with this number, or with a person's numbers (their id)
        #[arg(long, value_name = "NUMBER|PERSON_ID")]
        with: Option<String>,
        /// First day (YYYY-MM-DD, in --zone)
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day (YYYY-MM-DD)
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Only calls
        #[arg(long, conflicts_with = "texts")]
        calls: bool,
        /// Only texts (SMS and MMS)
        #[arg(long)]
        texts: bool,
        /// Time zone to show times in (IANA name); by default the latest incident's
        #[arg(long)]
        zone: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Captions, transcripts and export of single attachments
    #[command(subcommand)]
    Attachment(AttachmentCommand),
    /// Incidents in the order they happened
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over descriptions, quotes, places, captions and transcripts
    Search {
        /// Words to find (all of them, in any field)
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check the journal (database pages, revision chain, every attachment's hash), or, given
    /// PATH, an exported evidence packet: a folder, a .zip or a .zip.age (no journal needed)
    Verify {
        /// An evidence packet (folder, .zip or .zip.age) to check instead of the journal
        path: Option<PathBuf>,
        /// For a .zip.age sent to a key: the secret key file (age-keygen's key file, or an
        /// unencrypted SSH private key). A passphrase packet asks for its passphrase instead
        /// (or reads DAYBOOK_PACKET_PASSPHRASE).
        #[arg(long, value_name = "FILE", requires = "path")]
        identity: Option<PathBuf>,
    },
    /// Court-ready exports
    #[command(subcommand)]
    Export(ExportCommand),
    /// Fill the journal with realistic sample data (creating it if needed), to look around
    Demo,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// First day (YYYY-MM-DD, local date where it happened)
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Only this kind, e.g. text_message
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<IncidentKind>,
    /// Only incidents that violate this order
    #[arg(long)]
    pub order: Option<String>,
    /// Only incidents reported to police
    #[arg(long, conflicts_with = "not_reported")]
    pub reported: bool,
    /// Only incidents not reported to police
    #[arg(long)]
    pub not_reported: bool,
}

fn parse_kind(text: &str) -> Result<IncidentKind, String> {
    IncidentKind::from_key(text).ok_or_else(|| {
        let keys: Vec<&str> = IncidentKind::ALL.iter().map(|k| k.key()).collect();
        format!("unknown kind; use one of: {}", keys.join(", "))
    })
}

#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// First day to include (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day to include (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Only incidents that violate this order
    #[arg(long)]
    pub order: Option<String>,
    /// Put before exhibit numbers, e.g. "P-" for "Exhibit P-3"
    #[arg(long, default_value = "")]
    pub exhibit_prefix: String,
    /// Also print the texts and calls with this number or person (id), besides the restrained
    /// person's; repeat for more. Other conversations never leave the journal unless chosen
    #[arg(long = "thread", value_name = "NUMBER|PERSON_ID")]
    pub threads: Vec<String>,
    /// A4 paper instead of US Letter
    #[arg(long)]
    pub a4: bool,
    /// Largest size of one PDF, in MB (1 MB = 1,000,000 bytes). A larger report is split into
    /// volumes FILE-vol1.pdf, FILE-vol2.pdf ... with page numbers running through all of them
    #[arg(long, value_name = "N", default_value_t = 10.0, value_parser = parse_max_mb, allow_negative_numbers = true)]
    pub max_mb: f64,
    /// What to leave out of the filed text: none, federal-civil, federal-criminal, california,
    /// texas or new-york. The protected person's addresses and phone numbers are always left out.
    #[arg(long, default_value = "none", value_name = "PROFILE", value_parser = redaction_profile)]
    pub redact: crate::report::redact::Profile,
}

fn parse_max_mb(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(mb) if mb.is_finite() && (0.1..=10_000.0).contains(&mb) => Ok(mb),
        _ => Err("give the size in megabytes, from 0.1 to 10000, for example 10 or 25".into()),
    }
}

fn redaction_profile(text: &str) -> Result<crate::report::redact::Profile, String> {
    crate::report::redact::Profile::from_key(text).ok_or_else(|| {
        "choose one of: none, federal-civil, federal-criminal, california, texas, new-york".into()
    })
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The chronological report (PDF) for a judge or an attorney
    Report {
        /// The PDF to write (must not exist yet)
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// The one-page summary to hand to police at the door (not for filing)
    OfficerSheet {
        /// The PDF to write (must not exist yet)
        #[arg(long)]
        out: PathBuf,
        /// Which order [default: the most recently issued]
        #[arg(long)]
        order: Option<String>,
        /// How many recent violations to list
        #[arg(long, default_value_t = 5)]
        last: usize,
        /// A4 paper instead of US Letter
        #[arg(long)]
        a4: bool,
        /// Add the order's own pages (and its proof of service) after the sheet, each marked
        /// as a copy (see `daybook order attach`)
        #[arg(long)]
        with_order: bool,
    },
    /// A one-page notice for a school, an employer or a building's front desk: who the
    /// restrained person is, what the order says about that place, and what to do. Nothing
    /// about incidents, and none of your addresses or usual phone numbers
    Notice {
        /// The place the notice is for
        #[arg(long = "for", value_enum, value_name = "PLACE")]
        place: PlaceArg,
        /// The PDF to write (must not exist yet)
        #[arg(long)]
        out: PathBuf,
        /// Which order [default: the most recently issued one in force]
        #[arg(long)]
        order: Option<String>,
        /// The number staff should call after 911: one you choose for this notice (it is
        /// printed; leave it out and the notice says to tell you)
        #[arg(long, value_name = "NUMBER")]
        call: Option<String>,
        /// Add the order's own pages after the notice, each marked as a copy
        #[arg(long)]
        with_order: bool,
        /// A4 paper instead of US Letter
        #[arg(long)]
        a4: bool,
    },
    /// An evidence packet: the report, original exhibits, signed manifest, SHA256SUMS; as a
    /// folder, a zip, or a zip encrypted with age for the person who will receive it
    Packet {
        /// The folder to create (must not exist yet, or be empty). With --zip the file is this
        /// name plus ".zip", encrypted ones get ".zip.age"; a name already ending so is kept.
        #[arg(long)]
        out: PathBuf,
        /// Write one zip file instead of a folder (also implied by an --out name ending in .zip)
        #[arg(long)]
        zip: bool,
        /// Encrypt the zip to this public key: an age key (age1...) or an SSH public key
        /// ("ssh-ed25519 AAAA..."). Repeat for several people. Implies --zip.
        #[arg(long, value_name = "PUBLIC_KEY", conflicts_with = "encrypt_passphrase")]
        encrypt_to: Vec<String>,
        /// Encrypt the zip with a new passphrase you will tell the recipient (asked twice, or
        /// DAYBOOK_PACKET_PASSPHRASE). Implies --zip.
        #[arg(long)]
        encrypt_passphrase: bool,
        /// For exhibits that record where they were taken (GPS): "without-location" writes
        /// copies with the location and device details removed, "exact" the exact originals.
        /// Asked for when any exhibit records a location; nothing is written until you choose.
        #[arg(long, value_enum)]
        originals: Option<OriginalsArg>,
        /// Also put in the whole phone backup files the report's texts and calls come from.
        /// Each holds every conversation on the phone (family, friends, your attorney); without
        /// this, the packet holds an extract with only the printed ones.
        #[arg(long)]
        include_source_backups: bool,
        #[command(flatten)]
        scope: ScopeArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlaceArg {
    School,
    Workplace,
    Building,
}

impl From<PlaceArg> for crate::report::notice::Place {
    fn from(arg: PlaceArg) -> Self {
        use crate::report::notice::Place;
        match arg {
            PlaceArg::School => Place::School,
            PlaceArg::Workplace => Place::Workplace,
            PlaceArg::Building => Place::Building,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaperKindArg {
    /// The order itself: the PDF from the court, or photos or scans of its pages
    Order,
    /// The proof (return) of service
    ProofOfService,
    Other,
}

impl From<PaperKindArg> for crate::model::DocumentKind {
    fn from(arg: PaperKindArg) -> Self {
        use crate::model::DocumentKind;
        match arg {
            PaperKindArg::Order => DocumentKind::Order,
            PaperKindArg::ProofOfService => DocumentKind::ProofOfService,
            PaperKindArg::Other => DocumentKind::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OriginalsArg {
    Exact,
    WithoutLocation,
}

impl From<OriginalsArg> for crate::packet::Originals {
    fn from(arg: OriginalsArg) -> Self {
        match arg {
            OriginalsArg::Exact => crate::packet::Originals::Exact,
            OriginalsArg::WithoutLocation => crate::packet::Originals::WithoutLocation,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Add an order from JSON (a file, or - for standard input); prints its id
    Add {
        #[arg(long, value_name = "FILE|-")]
        json: PathBuf,
    },
    /// List orders
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one order with its terms and the papers kept with it
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Amend an order with a JSON merge patch (fields given replace, null clears); prints its id
    Edit {
        id: String,
        #[arg(long, value_name = "FILE|-")]
        json: PathBuf,
    },
    /// Keep the court's papers with an order: the order as you have it (a PDF, or photos or
    /// scans of its pages: JPEG, PNG, HEIC) or the proof of service. Prints "ATTACHMENT_ID
    /// SHA256 FILE" for each
    Attach {
        /// The order's id (from `daybook order list`)
        order: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the files are
        #[arg(long, value_enum, default_value = "order")]
        kind: PaperKindArg,
    },
    /// Every recorded version of an order, oldest first
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Add a person from JSON; prints the id
    Add {
        #[arg(long, value_name = "FILE|-")]
        json: PathBuf,
    },
    /// List people
    List {
        #[arg(long)]
        json: bool,
    },
    /// Amend a person with a JSON merge patch (fields given replace, null clears); prints the id
    Edit {
        id: String,
        #[arg(long, value_name = "FILE|-")]
        json: PathBuf,
    },
    /// Every recorded version of a person, oldest first
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a photo of a person (JPEG or PNG); the restrained person's goes on the officer sheet.
    /// Prints "ATTACHMENT_ID SHA256 FILE"
    Photo {
        /// The person's id (from `daybook person list`)
        person: String,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Record an incident from JSON; prints its id
    Add {
        #[arg(long, value_name = "FILE|-")]
        json: PathBuf,
    },
    /// Amend an incident with a JSON merge patch (fields given replace, null clears); prints its id
    Edit {
        /// Incident id, or its number
        id: String,
        #[arg(long, value_name = "FILE|-")]
        json: PathBuf,
    },
    /// Delete an incident (it stays in the history with the reason); prints its id
    Delete {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Every recorded version of an incident, oldest first, with when and how it changed
    History {
        /// Incident id, or its number
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Show one incident
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Record an incident citing imported texts and calls (ids from `daybook messages --json`,
    /// and/or all of a day's with the restrained person); prints its id
    FromMessages {
        ids: Vec<String>,
        /// Every text and call with the restrained person (or --with) on this day (YYYY-MM-DD)
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
        /// Another number, or a person's id, instead of the restrained person's numbers
        #[arg(long, value_name = "NUMBER|PERSON_ID", requires = "day")]
        with: Option<String>,
        /// Time zone of --day and of the incident (IANA name); by default the latest incident's
        #[arg(long)]
        zone: Option<String>,
        /// Add them to this incident (id or number) instead of recording a new one
        #[arg(long, value_name = "INCIDENT")]
        add_to: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AttachmentCommand {
    /// Set an attachment's caption and/or transcript ("" clears)
    Describe {
        id: String,
        #[arg(long)]
        caption: Option<String>,
        /// Read the transcript from a file (or - for standard input)
        #[arg(long, value_name = "FILE|-")]
        transcript_file: Option<PathBuf>,
    },
    /// Write an attachment's original bytes to a new file (hash re-checked)
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
}

/// `--date-order`: day first (31/12/2026) or month first (12/31/2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrderArg {
    DayFirst,
    MonthFirst,
}

/// `--repeated-hour`: the first pass of the hour that happened twice, or the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RepeatedHourArg {
    First,
    Second,
}
