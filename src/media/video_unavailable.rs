//! Videos in a build without the `phone-media` feature (Windows, where Debian has no
//! GStreamer): the same functions as `video.rs`, each answering that this build cannot decode
//! videos, so the report prints why it has no stills and the original stays the exhibit.

pub use super::video_types::{Still, VideoError, VideoFacts};

/// Always `VideoError::NotInThisBuild`: without a decoder nothing about the video is known.
pub fn probe(_bytes: &[u8]) -> Result<VideoFacts, VideoError> {
    Err(VideoError::NotInThisBuild)
}

/// Always `VideoError::NotInThisBuild`, never an empty list of stills that would look like a
/// video with nothing in it.
pub fn stills(
    _bytes: &[u8],
    _count: usize,
    _max_side: u32,
) -> Result<(VideoFacts, Vec<Still>), VideoError> {
    Err(VideoError::NotInThisBuild)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_says_this_build_has_no_video_decoder() {
        let mp4_start = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom";
        assert!(matches!(probe(mp4_start), Err(VideoError::NotInThisBuild)));
        assert!(matches!(
            stills(mp4_start, 4, 1280),
            Err(VideoError::NotInThisBuild)
        ));
        assert!(VideoError::NotInThisBuild
            .to_string()
            .contains("built without GStreamer"));
    }
}
