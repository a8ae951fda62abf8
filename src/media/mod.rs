//! Phone media that a PDF cannot hold as it is: pictures in formats a PDF viewer cannot decode
//! (HEIC/HEIF, AVIF, TIFF, WebP) and videos. Each is turned, in memory only, into something the
//! report, the officer sheet and the app can show; the original stays the exhibit.
//!
//! HEIC/HEIF/AVIF and video need Debian system libraries (libheif, GStreamer) that exist only
//! with the `phone-media` feature (on by default, off for Windows builds); without it those
//! files are kept as they are and every function says it cannot show them.

pub mod picture;
mod video_types;

#[cfg(feature = "phone-media")]
pub mod video;
#[cfg(not(feature = "phone-media"))]
#[path = "video_unavailable.rs"]
pub mod video;
