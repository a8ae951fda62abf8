//! The court's own papers kept with an order: the order as the person has it (an e-filed PDF,
//! or photos or scans of its pages) and the proof of service. Kept like every attachment
//! (encrypted, hashed) and recorded as a revision of the order, so `daybook verify` covers
//! their SHA-256s and the order's body says what each one is.

use std::path::Path;

use super::batch::{Attached, BatchImport, BatchProgress, Checked};
use super::{insert_attachment_row, Attachment, Result};
use crate::journal::revisions::Op;
use crate::journal::{Journal, JournalError};
use crate::model::{DocumentKind, OrderDocument};

impl Journal {
    /// Imports `sources` as papers of `order_id`, each of `kind`. As with incident exhibits, a
    /// file that cannot be read or saved is reported in `problems` and the others are kept.
    pub fn attach_order_documents<P: AsRef<Path>>(
        &mut self,
        order_id: &str,
        sources: &[P],
        kind: DocumentKind,
        progress: BatchProgress<'_>,
    ) -> Result<BatchImport> {
        self.order(order_id)?;
        let vet = |checked: &Checked<'_>| {
            match checked.facts.mime.as_str() {
            "application/pdf" | "image/jpeg" | "image/png" => Ok(()),
            other if crate::media::picture::can_convert(other) => Ok(()),
            other => Err(JournalError::Invalid(format!(
                "An order's papers must be a PDF or pictures of its pages (JPEG, PNG, HEIC); {} is {other}.",
                checked.path.display(),
            ))
            .into()),
        }
        };
        self.import_durably(sources, &vet, progress, |tx, attached| {
            let mut order = crate::journal::load_order(tx, order_id)?;
            for Attached { attachment: a, .. } in attached.iter_mut() {
                a.order_id = Some(order_id.to_string());
                insert_attachment_row(tx, a)?;
                order.documents.push(OrderDocument {
                    attachment_id: a.id.clone(),
                    kind,
                });
            }
            order.updated_at = crate::journal::time::now_utc();
            crate::journal::store_order(tx, &order, Op::Attach)?;
            Ok(())
        })
    }

    /// The papers kept with an order, in the order they were added, with what each one is.
    pub fn order_documents(
        &self,
        order_id: &str,
    ) -> Result<Vec<(DocumentKind, Attachment)>, JournalError> {
        let order = self.order(order_id)?;
        order
            .documents
            .iter()
            .map(|doc| {
                let attachment = self
                    .attachment(&doc.attachment_id)
                    .map_err(super::into_journal_error)?;
                Ok((doc.kind, attachment))
            })
            .collect()
    }
}
