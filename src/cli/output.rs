//! How the CLI prints: plain text for people, `--json` for scripts.

/// `writeln!` into a `String`, which cannot fail.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        let _ = writeln!($out, $($arg)*);
    };
}

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::Path;

use serde::Serialize;

use super::{CliError, Result};
use crate::journal::RecoveryKey;
use crate::model::{Incident, Order, Person};

pub fn recovery_key(dir: &Path, key: &RecoveryKey) -> Result<()> {
    let mut out = String::new();
    say!(out, "Created a journal in {}.", dir.display());
    say!(out, "");
    say!(
        out,
        "Your recovery key opens the journal if you forget your passphrase."
    );
    say!(
        out,
        "Write it down or print it now, and keep it where the other person cannot find it."
    );
    say!(out, "It is shown only this once:");
    say!(out, "");
    say!(out, "    {}", key.expose());
    say!(out, "");
    emit(&out)
}

pub fn incidents(incidents: &[Incident], json: bool) -> Result<()> {
    let mut out = String::new();
    if json {
        return print_json(&incidents);
    }
    if incidents.is_empty() {
        say!(out, "No incidents.");
    }
    for i in incidents {
        let mut marks = Vec::new();
        if !i.attachments.is_empty() {
            marks.push(format!("{} file(s)", i.attachments.len()));
        }
        if i.police.is_some() {
            marks.push("police".into());
        }
        if i.amended {
            marks.push("amended".into());
        }
        let kinds: Vec<&str> = i.kinds.iter().map(|k| k.label()).collect();
        say!(
            out,
            "#{:<4} {} {}{:<5} {}  {}{}",
            i.number,
            i.occurred
                .local
                .replacen('T', " ", 1)
                .get(..16)
                .unwrap_or(&i.occurred.local),
            if i.approximate { "~" } else { "" },
            i.occurred.abbreviation,
            if kinds.is_empty() {
                "Incident".to_string()
            } else {
                kinds.join(", ")
            },
            short(&i.description, 70),
            if marks.is_empty() {
                String::new()
            } else {
                format!("  [{}]", marks.join(", "))
            },
        );
    }
    emit(&out)
}

pub fn incident_detail(incident: &Incident, order: Option<&Order>, json: bool) -> Result<()> {
    if json {
        return print_json(incident);
    }
    let mut out = String::new();
    let i = incident;
    if let Some(d) = &i.deleted {
        say!(out, "DELETED on {} — reason: {}", d.at, d.reason);
        say!(
            out,
            "(Kept in the history; left out of lists, searches and reports.)\n"
        );
    }
    say!(out, "Incident #{} ({})", i.number, i.id);
    say!(
        out,
        "Occurred:  {} {} ({}){}",
        i.occurred.local.replacen('T', " ", 1),
        i.occurred.abbreviation,
        i.occurred.timezone,
        if i.approximate { ", approximate" } else { "" }
    );
    if let Some(end) = &i.ended {
        say!(
            out,
            "Ended:     {} {}",
            end.local.replacen('T', " ", 1),
            end.abbreviation
        );
    }
    say!(
        out,
        "Recorded:  {} UTC{}",
        i.recorded_at.replacen('T', " ", 1).trim_end_matches('Z'),
        if i.amended {
            format!(
                " (amended {} UTC)",
                i.updated_at.replacen('T', " ", 1).trim_end_matches('Z')
            )
        } else {
            String::new()
        }
    );
    if !i.kinds.is_empty() {
        let kinds: Vec<&str> = i.kinds.iter().map(|k| k.label()).collect();
        say!(out, "Kinds:     {}", kinds.join(", "));
    }
    if let Some(location) = &i.location {
        say!(out, "Where:     {location}");
    }
    if let Some(o) = order {
        say!(out, "Order:     {}, case {}", o.kind.label(), o.case_number);
        if let Some(term) = i.term.as_deref().and_then(|t| o.term(t)) {
            say!(out, "Term:      {}: {}", term.id, term.describe());
        }
    }
    say!(out, "\n{}\n", i.description);
    for q in &i.quotes {
        say!(out, "    \u{201c}{q}\u{201d}");
    }
    if !i.quotes.is_empty() {
        say!(out, "");
    }
    for w in &i.witnesses {
        say!(
            out,
            "Witness:   {}{}",
            w.name,
            w.contact
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        );
        if let Some(saw) = &w.saw {
            say!(out, "           saw: {saw}");
        }
    }
    if let Some(p) = &i.police {
        say!(out, "Police:    {}", p.agency);
        for (label, value) in [
            ("Officer", &p.officer),
            ("Badge", &p.badge),
            ("Report no.", &p.report_number),
            ("Outcome", &p.outcome),
        ] {
            if let Some(v) = value {
                say!(out, "           {label}: {v}");
            }
        }
    }
    if let Some(impact) = &i.impact {
        say!(out, "Impact:    {impact}");
    }
    for a in &i.attachments {
        say!(
            out,
            "File:      {} ({}, {})",
            a.original_name,
            a.kind.label(),
            crate::evidence::human_size(a.size)
        );
        say!(out, "           id {}  SHA-256 {}", a.id, a.sha256);
        for sentence in a.reveal_sentences() {
            say!(out, "           note: {sentence}");
        }
        if let Some(c) = &a.caption {
            say!(out, "           caption: {c}");
        }
        if let Some(t) = &a.transcript {
            say!(out, "           transcript: {t}");
        }
    }
    emit(&out)
}

pub fn history(revisions: &[crate::journal::revisions::Revision], json: bool) -> Result<()> {
    if json {
        return print_json(revisions);
    }
    let mut out = String::new();
    for r in revisions {
        let what = match r.op.as_str() {
            "create" => "first recorded",
            "edit" => "amended",
            "attach" => "file attached",
            "annotate" => "caption or transcript changed",
            "delete" => "deleted",
            other => other,
        };
        say!(
            out,
            "Revision {:<5} {} UTC  {}",
            r.seq,
            r.recorded_at.replacen('T', " ", 1).trim_end_matches('Z'),
            what
        );
        if let Some(reason) = &r.reason {
            say!(out, "               reason: {reason}");
        }
        say!(out, "               hash {}", r.hash);
    }
    emit(&out)
}

pub fn orders(orders: &[Order], json: bool) -> Result<()> {
    let mut out = String::new();
    if json {
        return print_json(&orders);
    }
    if orders.is_empty() {
        say!(out, "No orders.");
    }
    for o in orders {
        say!(
            out,
            "{}  {}, {} ({}), case {}, issued {}{}",
            o.id,
            o.kind.label(),
            o.court,
            o.state,
            o.case_number,
            o.issued_on,
            o.expires_on
                .as_deref()
                .map(|e| format!(", expires {e}"))
                .unwrap_or_default()
        );
        for t in &o.terms {
            say!(out, "    {}: {}", t.id, t.describe());
        }
    }
    emit(&out)
}

/// One order: its details, terms and the papers kept with it (with their SHA-256s, which an
/// attorney can check a printed copy against).
pub fn order_detail(
    order: &Order,
    papers: &[(crate::model::DocumentKind, crate::evidence::Attachment)],
    json: bool,
) -> Result<()> {
    if json {
        #[derive(Serialize)]
        struct Paper<'a> {
            /// Not "kind": the attachment's own `kind` (image, document) is flattened beside it.
            paper_kind: crate::model::DocumentKind,
            #[serde(flatten)]
            attachment: &'a crate::evidence::Attachment,
        }
        #[derive(Serialize)]
        struct Shown<'a> {
            #[serde(flatten)]
            order: &'a Order,
            papers: Vec<Paper<'a>>,
        }
        return print_json(&Shown {
            order,
            papers: papers
                .iter()
                .map(|(kind, attachment)| Paper {
                    paper_kind: *kind,
                    attachment,
                })
                .collect(),
        });
    }
    let mut out = String::new();
    say!(out, "Order {}", order.id);
    say!(
        out,
        "  {}, {} ({}), case {}",
        order.kind.label(),
        order.court,
        order.state,
        order.case_number
    );
    say!(
        out,
        "  Issued {}; served {}; expires {}",
        order.issued_on,
        order.served_on.as_deref().unwrap_or("(not recorded)"),
        order.expires_on.as_deref().unwrap_or("(not stated)")
    );
    for t in &order.terms {
        say!(out, "  {}: {}", t.id, t.describe());
    }
    if papers.is_empty() {
        say!(
            out,
            "  No papers kept with it yet (daybook order attach {} FILE...).",
            order.id
        );
    } else {
        say!(out, "  Papers:");
    }
    for (kind, a) in papers {
        say!(
            out,
            "    {}: {} ({}, {})  {}  {}",
            kind.label(),
            a.original_name,
            a.mime,
            crate::evidence::human_size(a.size),
            a.id,
            a.sha256
        );
    }
    emit(&out)
}

pub fn people(people: &[Person], json: bool) -> Result<()> {
    let mut out = String::new();
    if json {
        return print_json(&people);
    }
    if people.is_empty() {
        say!(out, "No people.");
    }
    for p in people {
        say!(out, "{}  {}: {}", p.id, p.role.label(), p.details.name);
    }
    emit(&out)
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(|error| CliError::Json {
        source_name: "output".into(),
        error,
    })?;
    text.push('\n');
    emit(&text)
}

/// Writes to stdout; a reader that went away (`daybook list | head`) is not an error.
pub fn emit(text: &str) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}

fn short(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
