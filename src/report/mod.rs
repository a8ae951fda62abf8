//! Court-ready exports: the chronological report, the evidence packet and the officer sheet.
//! `layout` turns flowing content into paginated PDF pages; the modules beside it decide what
//! goes on them.

pub mod chronological;
pub mod exhibits;
pub mod layout;
pub mod officer_sheet;
