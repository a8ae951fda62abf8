//! Videos: what the container says (duration, size, recording time) and stills for the report.
//!
//! A PDF cannot play a video, so the report shows what a reader needs to find the moments that
//! matter: a few stills, each labelled with where it sits in the recording, and the facts the
//! container records. The journal is encrypted and nothing decrypted may touch the disk, so the
//! whole file arrives as bytes in memory and GStreamer reads it from there (`appsrc` in
//! random-access mode, so the demuxer can jump to an index stored at the end of the file).
//!
//! GStreamer rather than FFmpeg bindings: it is already in the process for the web view, Debian
//! patches it, and it reads from memory without bindgen or a custom I/O layer.
//!
//! The files are evidence from the other side as often as from the person keeping the journal,
//! so every wait is bounded and every failure is an error the person can read, never a hang.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use zeroize::Zeroizing;

use super::video_types::clock;
pub use super::video_types::{Still, VideoError, VideoFacts};

/// How long a call may spend before a file is deemed hostile or broken: opening it and
/// decoding the first picture, then each still (an accurate seek decodes from the previous key
/// frame, which on a doorbell camera can be seconds of 4K video).
const OPEN_LIMIT: Duration = Duration::from_secs(20);
const PER_STILL_LIMIT: Duration = Duration::from_secs(10);

/// JPEG quality for stills: small enough for a report page, sharp enough to read a number plate.
const JPEG_QUALITY: u8 = 85;

/// Decodes the first picture as well as reading the container, because only the decoded
/// picture, turned upright, shows the size a viewer sees.
pub fn probe(bytes: &[u8]) -> Result<VideoFacts, VideoError> {
    let session = Session::open(bytes, &Deadline::after(OPEN_LIMIT))?;
    Ok(session.facts.clone())
}

/// Stills at start, 1/3, 2/3 and end (the last frame, or as close as a seek gets) — `count` evenly spaced including both ends; longest side scaled down to at most `max_side` pixels.
pub fn stills(
    bytes: &[u8],
    count: usize,
    max_side: u32,
) -> Result<(VideoFacts, Vec<Still>), VideoError> {
    let (facts, frames) = frames(bytes, count, max_side)?;
    let mut stills = Vec::with_capacity(frames.len());
    for frame in frames {
        stills.push(Still {
            offset_ms: frame.offset_ms,
            jpeg: encode_jpeg(&frame)?,
            width: frame.width,
            height: frame.height,
        });
    }
    Ok((facts, stills))
}

/// A decoded picture with its rows packed tightly, as the JPEG encoder expects.
struct Frame {
    offset_ms: u64,
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

fn frames(
    bytes: &[u8],
    count: usize,
    max_side: u32,
) -> Result<(VideoFacts, Vec<Frame>), VideoError> {
    if max_side == 0 {
        return Err(VideoError::BadSize(max_side));
    }
    let session = Session::open(bytes, &Deadline::after(OPEN_LIMIT))?;
    let facts = session.facts.clone();
    if count == 0 {
        return Ok((facts, Vec::new()));
    }
    let deadline =
        Deadline::after(PER_STILL_LIMIT.saturating_mul(u32::try_from(count).unwrap_or(u32::MAX)));
    let (w, h) = scaled_size(facts.width, facts.height, max_side);
    session.set_output_size(w, h);

    let duration = session.duration;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let last = count > 1 && i == count - 1;
        let frame = if last {
            session.last_frame(&deadline)?
        } else {
            let at = if count > 1 {
                duration.mul_div_floor(i as u64, (count - 1) as u64)
            } else {
                Some(gst::ClockTime::ZERO)
            }
            .unwrap_or(gst::ClockTime::ZERO);
            session
                .frame_at(at, &deadline)?
                .ok_or(VideoError::NoPicture(at.mseconds()))?
        };
        out.push(frame);
    }
    Ok((facts, out))
}

/// Longest side brought down to `max_side`, never up: a report gains nothing from upscaling.
fn scaled_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || longest == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| -> u32 {
        let v =
            (u64::from(side) * u64::from(max_side) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(v).unwrap_or(max_side).max(1)
    };
    (scale(width), scale(height))
}

fn encode_jpeg(frame: &Frame) -> Result<Vec<u8>, VideoError> {
    let too_big = || {
        VideoError::Still(format!(
            "{}x{} is too large for JPEG",
            frame.width, frame.height
        ))
    };
    let w = u16::try_from(frame.width).map_err(|_| too_big())?;
    let h = u16::try_from(frame.height).map_err(|_| too_big())?;
    let mut out = Vec::new();
    // The encoder writes a JFIF header and nothing else: no EXIF, no comments, no thumbnail.
    jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY)
        .encode(&frame.rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| VideoError::Still(e.to_string()))?;
    Ok(out)
}

fn init() -> Result<(), VideoError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| gst::init().map_err(|e| e.to_string()))
        .clone()
        .map_err(VideoError::Unavailable)
}

struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    fn after(limit: Duration) -> Self {
        Self {
            at: Instant::now() + limit,
            limit,
        }
    }

    fn left(&self) -> Result<gst::ClockTime, VideoError> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(VideoError::TimedOut(self.limit.as_secs()));
        }
        Ok(gst::ClockTime::from_nseconds(
            u64::try_from(left.as_nanos()).unwrap_or(u64::MAX),
        ))
    }
}

/// What the demuxer says about the picture stream, caught before any frame reaches the sink.
#[derive(Default)]
struct StreamTags {
    codec: Option<String>,
    datetime: Option<gst::DateTime>,
    orientation: Option<String>,
}

impl StreamTags {
    fn merge(&mut self, tags: &gst::TagListRef) {
        if self.codec.is_none() {
            self.codec = tags
                .get::<gst::tags::VideoCodec>()
                .map(|v| v.get().to_string());
        }
        if self.datetime.is_none() {
            self.datetime = tags.get::<gst::tags::DateTime>().map(|v| v.get());
        }
        if self.orientation.is_none() {
            self.orientation = tags
                .get::<gst::tags::ImageOrientation>()
                .map(|v| v.get().to_string());
        }
    }
}

/// A paused pipeline over one video. Dropping it stops the pipeline, whichever way a call ends.
struct Session {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    filter: gst::Element,
    bus: gst::Bus,
    tags: Arc<Mutex<StreamTags>>,
    /// The demuxer found a picture track and it reached the decoder.
    has_track: Arc<AtomicBool>,
    facts: VideoFacts,
    duration: gst::ClockTime,
    /// How far before the end the last frame starts, for aiming the final seek.
    frame_duration: gst::ClockTime,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Posted by the demuxer's no-more-pads handler when a file has only sound.
const NO_PICTURE_TRACK: &str = "daybook-no-picture-track";

/// Links `pad` to `target` when it carries pictures and `target` is still free.
fn link_if_video(pad: &gst::Pad, target: &gst::glib::WeakRef<gst::Pad>) -> bool {
    let Some(target) = target.upgrade() else {
        return false;
    };
    if target.is_linked() {
        return false;
    }
    let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
    let is_video = caps
        .structure(0)
        .is_some_and(|s| s.name().starts_with("video/"));
    is_video && pad.link(&target).is_ok()
}

/// MP4, MOV and 3GP all start with a box whose type sits in bytes 4..8. Anything else is
/// refused before GStreamer sees it.
fn looks_like_iso_media(bytes: &[u8]) -> bool {
    const FIRST_BOXES: [&[u8; 4]; 9] = [
        b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp",
    ];
    bytes
        .get(4..8)
        .is_some_and(|kind| FIRST_BOXES.iter().any(|b| b.as_slice() == kind))
}

/// A file cut short still plays up to the cut, and the stills would then present part of a
/// recording as the whole of it. MP4 and MOV files are a chain of top-level boxes, each
/// stating its size, so a cut shows as a box that runs past the end of the file.
fn check_complete(bytes: &[u8]) -> Result<(), VideoError> {
    let len = bytes.len() as u64;
    let mut pos = 0u64;
    while pos + 8 <= len {
        let at = |from: u64, n: usize| -> Option<&[u8]> {
            let from = usize::try_from(from).ok()?;
            bytes.get(from..from.checked_add(n)?)
        };
        let size = match at(pos, 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
        {
            // Size 0: the box runs to the end of the file, whatever its length.
            Some(0) => return Ok(()),
            Some(1) => at(pos + 8, 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or(VideoError::Incomplete)?,
            Some(size) => u64::from(size),
            None => return Ok(()),
        };
        if size < 8 {
            return Err(VideoError::Damaged(format!(
                "a part of the file at byte {pos} has an impossible size"
            )));
        }
        pos = match pos.checked_add(size) {
            Some(end) if end <= len => end,
            _ => return Err(VideoError::Incomplete),
        };
    }
    Ok(())
}

fn element(factory: &'static str) -> Result<gst::Element, VideoError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| VideoError::MissingPart(factory))
}

impl Session {
    fn open(bytes: &[u8], deadline: &Deadline) -> Result<Self, VideoError> {
        if bytes.is_empty() {
            return Err(VideoError::Empty);
        }
        if !looks_like_iso_media(bytes) {
            return Err(VideoError::NotVideo);
        }
        check_complete(bytes)?;
        init()?;
        let pipeline = gst::Pipeline::new();
        let bus = pipeline
            .bus()
            .ok_or_else(|| VideoError::Decoder("the pipeline has no message bus".into()))?;
        let src = source(bytes);
        // qtdemux by name, not through decodebin's type finding: decodebin hides errors a
        // demuxer raises while it is still being set up, and a broken file then stalls
        // silently instead of failing.
        let demux = element("qtdemux")?;
        let decode = element("decodebin")?;
        // Hardware decoders differ from machine to machine and some hand back GPU memory; the
        // same file should give the same stills on every computer.
        if decode.find_property("force-sw-decoders").is_some() {
            decode.set_property("force-sw-decoders", true);
        }
        let convert = element("videoconvert")?;
        let flip = element("videoflip")?;
        if flip.find_property("video-direction").is_none() {
            return Err(VideoError::MissingPart("videoflip (video-direction)"));
        }
        // "auto" follows the image-orientation tag the demuxer reads from the track matrix.
        flip.set_property_from_str("video-direction", "auto");
        let scale = element("videoscale")?;
        let filter = element("capsfilter")?;
        filter.set_property("caps", rgb_caps(None));
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(1)
            .enable_last_sample(false)
            .wait_on_eos(false)
            .build();

        // From here on the pipeline is in a Session, so every return stops it.
        let tags = Arc::new(Mutex::new(StreamTags::default()));
        let has_track = Arc::new(AtomicBool::new(false));
        let mut session = Session {
            pipeline: pipeline.clone(),
            sink: sink.clone(),
            filter: filter.clone(),
            bus,
            tags: tags.clone(),
            has_track: has_track.clone(),
            facts: VideoFacts {
                duration_ms: 0,
                width: 0,
                height: 0,
                rotation: 0,
                recorded_at: None,
                codec: None,
            },
            duration: gst::ClockTime::ZERO,
            frame_duration: gst::ClockTime::ZERO,
        };
        let wiring = |e: gst::glib::BoolError| VideoError::Decoder(e.to_string());
        pipeline
            .add_many([
                src.upcast_ref(),
                &demux,
                &decode,
                &convert,
                &flip,
                &scale,
                &filter,
                sink.upcast_ref(),
            ])
            .map_err(wiring)?;
        src.link(&demux).map_err(wiring)?;
        gst::Element::link_many([&convert, &flip, &scale, &filter, sink.upcast_ref()])
            .map_err(wiring)?;

        let convert_sink = convert
            .static_pad("sink")
            .ok_or_else(|| VideoError::Decoder("videoconvert has no input".into()))?;
        let decode_sink = decode
            .static_pad("sink")
            .ok_or_else(|| VideoError::Decoder("decodebin has no input".into()))?;
        convert_sink.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if let Some(gst::EventView::Tag(tag)) = info.event().map(|e| e.view()) {
                if let Ok(mut t) = tags.lock() {
                    t.merge(tag.tag());
                }
            }
            gst::PadProbeReturn::Ok
        });
        // The first picture track goes to the decoder; sound and any second picture track
        // (depth maps, previews) stay unlinked, and the demuxer carries on without them.
        let decode_sink_weak = decode_sink.downgrade();
        let linked = has_track.clone();
        demux.connect_pad_added(move |_, pad| {
            if link_if_video(pad, &decode_sink_weak) {
                linked.store(true, Ordering::SeqCst);
            }
        });
        demux.connect_no_more_pads(move |demux| {
            if !has_track.load(Ordering::SeqCst) {
                let msg =
                    gst::message::Application::builder(gst::Structure::new_empty(NO_PICTURE_TRACK))
                        .src(demux)
                        .build();
                let _ = demux.post_message(msg);
            }
        });
        let convert_sink_weak = convert_sink.downgrade();
        decode.connect_pad_added(move |_, pad| {
            link_if_video(pad, &convert_sink_weak);
        });

        if session.pipeline.set_state(gst::State::Paused).is_err() {
            // The reason, if any, is on the bus; without one, say what failed.
            session.wait_preroll(deadline)?;
            return Err(VideoError::Decoder(
                "the video pipeline would not start".into(),
            ));
        }
        let first = session
            .wait_preroll(deadline)?
            .ok_or(VideoError::NoPicture(0))?;
        let info = sample_info(&first)?;
        let duration = session
            .pipeline
            .query_duration::<gst::ClockTime>()
            .filter(|d| !d.is_zero())
            .ok_or(VideoError::UnknownDuration)?;

        let par = info.par();
        let (par_n, par_d) = (par.numer().max(1) as u64, par.denom().max(1) as u64);
        let width = u32::try_from(u64::from(info.width()) * par_n / par_d).unwrap_or(info.width());
        let fps = info.fps();
        let frame_duration = if fps.numer() > 0 && fps.denom() > 0 {
            gst::ClockTime::SECOND
                .mul_div_floor(fps.denom() as u64, fps.numer() as u64)
                .unwrap_or(gst::ClockTime::ZERO)
        } else {
            first
                .buffer()
                .and_then(|b| b.duration())
                .unwrap_or(gst::ClockTime::from_mseconds(33))
        };

        let (codec, recorded_at, rotation) = {
            let t = session
                .tags
                .lock()
                .map_err(|_| VideoError::Decoder("tag collection failed".into()))?;
            (
                t.codec.as_deref().map(codec_name),
                t.datetime.as_ref().and_then(rfc3339_utc),
                t.orientation.as_deref().map(rotation_degrees).unwrap_or(0),
            )
        };
        session.facts = VideoFacts {
            duration_ms: duration.mseconds(),
            width,
            height: info.height(),
            rotation,
            recorded_at,
            codec,
        };
        session.duration = duration;
        session.frame_duration = frame_duration;
        Ok(session)
    }

    /// Later seeks renegotiate through videoscale, so the stills come out at this size.
    fn set_output_size(&self, width: u32, height: u32) {
        self.filter
            .set_property("caps", rgb_caps(Some((width, height))));
    }

    /// Waits until the pipeline has a picture to show (or knows it has none) and returns it.
    /// `None` means the stream ended before any picture at that position.
    fn wait_preroll(&self, deadline: &Deadline) -> Result<Option<gst::Sample>, VideoError> {
        loop {
            let left = deadline.left()?;
            let Some(msg) = self.bus.timed_pop_filtered(
                left,
                &[
                    gst::MessageType::AsyncDone,
                    gst::MessageType::Error,
                    gst::MessageType::Eos,
                    gst::MessageType::Tag,
                    gst::MessageType::Application,
                ],
            ) else {
                continue;
            };
            match msg.view() {
                gst::MessageView::AsyncDone(_) | gst::MessageView::Eos(_) => break,
                gst::MessageView::Error(err) => return Err(self.classify(err)),
                gst::MessageView::Application(app)
                    if app
                        .structure()
                        .is_some_and(|s| s.name() == NO_PICTURE_TRACK) =>
                {
                    return Err(VideoError::NoPictureTrack)
                }
                gst::MessageView::Tag(tag) => {
                    if let Ok(mut t) = self.tags.lock() {
                        t.merge(tag.tags().as_ref());
                    }
                }
                _ => {}
            }
        }
        // After ASYNC_DONE the picture is already waiting, or the sink is at end of stream.
        Ok(self.sink.try_pull_preroll(deadline.left()?))
    }

    fn classify(&self, err: &gst::message::Error) -> VideoError {
        let e = err.error();
        let detail = e.message().trim_end_matches('.').to_string();
        let damaged = [
            gst::StreamError::Demux,
            gst::StreamError::Decode,
            gst::StreamError::Format,
            gst::StreamError::WrongType,
            gst::StreamError::TypeNotFound,
        ]
        .iter()
        .any(|kind| e.matches(*kind));
        if e.matches(gst::StreamError::CodecNotFound) {
            VideoError::NoDecoder(detail)
        } else if damaged {
            VideoError::Damaged(detail)
        } else if !self.has_track.load(Ordering::SeqCst) {
            // A demuxer with only sound to offer stops with "not-linked".
            VideoError::NoPictureTrack
        } else {
            VideoError::Decoder(detail)
        }
    }

    /// The picture on screen at `at`, or `None` past the last frame.
    fn frame_at(
        &self,
        at: gst::ClockTime,
        deadline: &Deadline,
    ) -> Result<Option<Frame>, VideoError> {
        self.pipeline
            .seek_simple(gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE, at)
            .map_err(|_| VideoError::Damaged(format!("cannot seek to {}", clock(at.mseconds()))))?;
        let Some(sample) = self.wait_preroll(deadline)? else {
            return Ok(None);
        };
        let frame = to_frame(&sample, at)?;
        Ok(Some(frame))
    }

    /// The container's duration often runs past the last picture (sound outlasts it, or the
    /// last frame simply starts one frame before the end), so aim just inside the last frame
    /// and step back until a picture comes.
    fn last_frame(&self, deadline: &Deadline) -> Result<Frame, VideoError> {
        let frame = self.frame_duration.max(gst::ClockTime::from_mseconds(1));
        let backs = [
            frame / 2,
            frame + frame / 2,
            frame * 3 + frame / 2,
            gst::ClockTime::from_mseconds(250),
            gst::ClockTime::from_mseconds(500),
            gst::ClockTime::from_mseconds(1000),
            gst::ClockTime::from_mseconds(2000),
        ];
        let mut previous = None;
        for back in backs {
            if previous.is_some_and(|p| back <= p) {
                continue;
            }
            previous = Some(back);
            let at = self.duration.saturating_sub(back);
            if let Some(frame) = self.frame_at(at, deadline)? {
                return Ok(frame);
            }
            if at.is_zero() {
                break;
            }
        }
        Err(VideoError::NoPicture(self.duration.mseconds()))
    }
}

/// Wraps the decrypted bytes for appsrc without further copies per read.
fn source(bytes: &[u8]) -> gst_app::AppSrc {
    let total = bytes.len() as u64;
    // One copy, because GStreamer needs to own what it reads; zeroed when GStreamer lets go,
    // since it is the plaintext of an encrypted exhibit.
    let whole = gst::Buffer::from_slice(Zeroizing::new(bytes.to_vec()));
    let src = gst_app::AppSrc::builder()
        .stream_type(gst_app::AppStreamType::RandomAccess)
        .format(gst::Format::Bytes)
        .size(i64::try_from(total).unwrap_or(i64::MAX))
        .is_live(false)
        .block(false)
        .build();
    let position = Arc::new(AtomicU64::new(0));
    let seek_position = position.clone();
    src.set_callbacks(
        gst_app::AppSrcCallbacks::builder()
            .seek_data(move |_, offset| {
                seek_position.store(offset, Ordering::SeqCst);
                offset <= total
            })
            .need_data(move |src, length| {
                let start = position.load(Ordering::SeqCst);
                if start >= total {
                    let _ = src.end_of_stream();
                    return;
                }
                let end = start.saturating_add(u64::from(length.max(1))).min(total);
                let region = whole.copy_region(
                    gst::BufferCopyFlags::MEMORY,
                    (start as usize)..(end as usize),
                );
                match region {
                    Ok(chunk) => {
                        position.store(end, Ordering::SeqCst);
                        let _ = src.push_buffer(chunk);
                    }
                    Err(_) => {
                        let _ = src.end_of_stream();
                    }
                }
            })
            .build(),
    );
    src
}

fn rgb_caps(size: Option<(u32, u32)>) -> gst::Caps {
    let mut caps = gst::Caps::builder("video/x-raw")
        .field("format", "RGB")
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    if let Some((w, h)) = size {
        caps = caps
            .field("width", i32::try_from(w).unwrap_or(i32::MAX))
            .field("height", i32::try_from(h).unwrap_or(i32::MAX));
    }
    caps.build()
}

fn sample_info(sample: &gst::Sample) -> Result<gst_video::VideoInfo, VideoError> {
    let caps = sample
        .caps()
        .ok_or_else(|| VideoError::Decoder("a picture came without a format".into()))?;
    gst_video::VideoInfo::from_caps(caps)
        .map_err(|_| VideoError::Decoder("a picture came in an unexpected format".into()))
}

fn to_frame(sample: &gst::Sample, asked: gst::ClockTime) -> Result<Frame, VideoError> {
    let info = sample_info(sample)?;
    let buffer = sample
        .buffer()
        .ok_or_else(|| VideoError::Decoder("a picture came without data".into()))?;
    // The label is when this picture is on screen. After an accurate seek between two frames
    // the decoder stamps the earlier frame with the target time, which that frame covers.
    let shown = buffer
        .pts()
        .and_then(|pts| {
            sample
                .segment()
                .and_then(|s| s.downcast_ref::<gst::ClockTime>())
                .and_then(|s| s.to_stream_time_full(pts))
        })
        .map_or(asked, |t| t.positive().unwrap_or(gst::ClockTime::ZERO));
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
        .map_err(|_| VideoError::Decoder("a picture could not be read".into()))?;
    let (width, height) = (info.width(), info.height());
    let stride = usize::try_from(frame.plane_stride()[0])
        .map_err(|_| VideoError::Decoder("a picture has a negative row stride".into()))?;
    let data = frame
        .plane_data(0)
        .map_err(|_| VideoError::Decoder("a picture could not be read".into()))?;
    let row = width as usize * 3;
    if width == 0 || height == 0 {
        return Err(VideoError::Decoder("a picture has no size".into()));
    }
    if stride < row || data.len() < stride * (height as usize - 1) + row {
        return Err(VideoError::Decoder(
            "a picture is smaller than its format says".into(),
        ));
    }
    // GStreamer pads each RGB row to a multiple of four bytes; the encoder wants none.
    let mut rgb = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        rgb.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    Ok(Frame {
        offset_ms: shown.mseconds(),
        width,
        height,
        rgb,
    })
}

/// Short names a reader recognises: the demuxer describes codecs at length
/// ("H.264 (High Profile)", "H.265 / HEVC").
fn codec_name(description: &str) -> String {
    let lower = description.to_ascii_lowercase();
    if lower.contains("h.265") || lower.contains("hevc") {
        "HEVC".to_string()
    } else if lower.contains("h.264") || lower.contains("avc") {
        "H.264".to_string()
    } else {
        description
            .split(" (")
            .next()
            .unwrap_or(description)
            .trim()
            .to_string()
    }
}

/// A date without a time of day is not a recording time a report can state.
fn rfc3339_utc(dt: &gst::DateTime) -> Option<String> {
    if !dt.has_time() {
        return None;
    }
    let utc = dt.to_g_date_time().ok()?.to_utc().ok()?;
    Some(utc.format("%Y-%m-%dT%H:%M:%SZ").ok()?.to_string())
}

/// The tag names the turn the player makes ("rotate-90", or "flip-rotate-90" for a mirrored
/// recording); the report states the turn.
fn rotation_degrees(orientation: &str) -> u16 {
    match orientation
        .trim_start_matches("flip-")
        .trim_start_matches("rotate-")
    {
        "90" => 90,
        "180" => 180,
        "270" => 270,
        _ => 0,
    }
}

#[cfg(test)]
mod tests;
