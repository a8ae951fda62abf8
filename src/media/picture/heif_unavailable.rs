//! The build without the `phone-media` feature (Windows, where Debian has no libheif): HEIC,
//! HEIF and AVIF cannot be decoded, so `can_convert` says no for them and the report prints
//! that the picture cannot be shown here while the original stays the exhibit.

use super::{PictureError, Rgb8};

/// This build has no HEIC, HEIF or AVIF decoder.
pub(super) const AVAILABLE: bool = false;

/// Never reached through `convert`, which refuses these formats first because `AVAILABLE` is
/// false; it still answers with a plain error rather than a picture.
pub(super) fn decode(format: &'static str, _bytes: &[u8]) -> Result<Rgb8, PictureError> {
    Err(PictureError::Unsupported {
        mime: format.to_string(),
    })
}
