//! What every build knows about videos: the facts a container records, stills, and why a
//! video could not be read. Decoding lives in `video.rs` (GStreamer, with the `phone-media`
//! feature) or `video_unavailable.rs` (without it); both hand back these same types, so the
//! report and the app do not depend on which one was built.

/// What the container says about a video.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFacts {
    pub duration_ms: u64,
    /// displayed size, after rotation
    pub width: u32,
    pub height: u32,
    /// rotation in degrees clockwise the player applies (0, 90, 180, 270)
    pub rotation: u16,
    /// the container's creation time as RFC 3339 UTC ("2026-05-02T14:03:11Z"), if recorded
    pub recorded_at: Option<String>,
    /// e.g. "H.264", "HEVC"
    pub codec: Option<String>,
}

/// One still picture: a baseline JPEG with no metadata, upright (rotation applied), and its offset from the start.
#[derive(Clone)]
pub struct Still {
    pub offset_ms: u64,
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Still {
    // The JPEG is evidence and can be megabytes; a debug print needs only its shape.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Still")
            .field("offset_ms", &self.offset_ms)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("jpeg_bytes", &self.jpeg.len())
            .finish()
    }
}

/// Why a video could not be described or pictured. The messages are shown to the person
/// keeping the journal, so they say what happened in plain words.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("Video support is not available: GStreamer could not start ({0}).")]
    Unavailable(String),
    #[error(
        "Video stills cannot be made by this build of Daybook (it was built without GStreamer); \
         the original video is kept unchanged."
    )]
    NotInThisBuild,
    #[error(
        "Video support is incomplete: the GStreamer part \"{0}\" is missing \
         (install GStreamer's base, good and libav plugins)."
    )]
    MissingPart(&'static str),
    #[error("The video file is empty.")]
    Empty,
    #[error("The file is not a video Daybook can read: its format was not recognised.")]
    NotVideo,
    #[error(
        "The video file is incomplete: it stops partway through (it may not have finished \
         recording, copying or downloading)."
    )]
    Incomplete,
    #[error("The file has no pictures to show (it may be a sound recording only).")]
    NoPictureTrack,
    #[error("This video is stored in a format no installed decoder can read ({0}).")]
    NoDecoder(String),
    #[error("The video could not be read; the file may be damaged or incomplete ({0}).")]
    Damaged(String),
    #[error("The video does not say how long it is; the file may be damaged or incomplete.")]
    UnknownDuration,
    #[error("No picture could be read at {} into the video; the file may be damaged or incomplete.", clock(*.0))]
    NoPicture(u64),
    #[error(
        "Reading the video took longer than {0} seconds and was stopped; the file may be damaged."
    )]
    TimedOut(u64),
    #[error("Stills cannot be made at most {0} pixels wide or high.")]
    BadSize(u32),
    #[error("A still could not be made: {0}.")]
    Still(String),
    #[error("The video decoder failed: {0}.")]
    Decoder(String),
}

/// "m:ss.mmm", how a person reads a position in a recording.
pub(super) fn clock(ms: u64) -> String {
    format!("{}:{:02}.{:03}", ms / 60_000, (ms / 1000) % 60, ms % 1000)
}
