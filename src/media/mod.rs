//! Phone media that a PDF cannot hold as it is: pictures in formats a PDF viewer cannot decode
//! (HEIC/HEIF, AVIF, TIFF, WebP) and videos. Each is turned, in memory only, into something the
//! report, the officer sheet and the app can show; the original stays the exhibit.

pub mod picture;
pub mod video;
