//! `stress`: the long-running proofs behind docs/reliability.md. Each harness drives the real
//! journal code (real SQLCipher, real age, real files) and counts failures; none of it ships
//! with Daybook. The CI runs small slices of each (stress/tests/); the figures in
//! docs/reliability.md come from long runs by hand.

mod common;
mod crash;
mod keys;
mod tamper;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "stress",
    about = "Crash, key-file and tamper harnesses for Daybook"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// SIGKILL a child that imports, edits, deletes and exports; check everything acknowledged.
    Crash {
        #[arg(long, default_value_t = 50)]
        kills: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to work (a fresh temp folder by default); failing journals are kept here.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// SIGKILL during passphrase changes and during creation.
    Keys {
        #[arg(long, default_value_t = 20)]
        kills: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Flip, truncate or overwrite bytes in journal.db, blobs, key files and an exported packet.
    Tamper {
        #[arg(long, default_value_t = 300)]
        cases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// The process `crash` kills (not for direct use).
    #[command(hide = true)]
    CrashChild {
        #[arg(long)]
        journal: PathBuf,
        #[arg(long)]
        work: PathBuf,
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        first_op: u64,
    },
    /// The process `keys` kills while it changes the passphrase (not for direct use).
    #[command(hide = true)]
    PasswdChild {
        #[arg(long)]
        journal: PathBuf,
        #[arg(long)]
        from: u64,
    },
    /// The process `keys` kills while it creates a journal (not for direct use).
    #[command(hide = true)]
    CreateChild {
        #[arg(long)]
        journal: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Crash { kills, seed, dir } => crash::run(kills, seed, dir),
        Command::Keys { kills, seed, dir } => keys::run(kills, seed, dir),
        Command::Tamper { cases, seed, dir } => tamper::run(cases, seed, dir),
        Command::CrashChild {
            journal,
            work,
            seed,
            first_op,
        } => crash::child(&journal, &work, seed, first_op).map(|()| common::Tally::default()),
        Command::PasswdChild { journal, from } => {
            keys::passwd_child(&journal, from).map(|()| common::Tally::default())
        }
        Command::CreateChild { journal } => {
            keys::create_child(&journal).map(|()| common::Tally::default())
        }
    };
    match outcome {
        Ok(tally) if tally.failures.is_empty() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("stress: {e}");
            ExitCode::from(2)
        }
    }
}
