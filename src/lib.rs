//! Daybook's core: the encrypted journal of protective-order violations, its evidence, and
//! (later) its exports. No UI code lives here; the CLI and the desktop app are thin shells over
//! this library.

pub mod cli;
pub mod demo;
pub mod evidence;
pub mod fsutil;
pub mod journal;
pub mod media;
pub mod packet;
pub mod phone;
pub mod report;

pub use evidence::{Attachment, AttachmentKind, EvidenceError};
pub use journal::model;
pub use journal::{Journal, JournalError, JournalPaths, KdfCost, RecoveryKey, Unlock};
