//! Tests of `video`, kept beside it so the module reads in one sitting.
use super::*;
use std::path::Path;
use std::process::Command;

/// Runs ffmpeg in `dir` and returns the bytes of `out`. A missing ffmpeg fails the test:
/// a skipped video test would hide that the report's stills were never checked.
fn ffmpeg(dir: &Path, args: &str, out: &str) -> Vec<u8> {
    let result = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args.split_whitespace())
        .arg(out)
        .output()
        .unwrap_or_else(|e| {
            panic!("ffmpeg is needed to make test videos (apt-get install ffmpeg): {e}")
        });
    assert!(
        result.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read(dir.join(out)).expect("read the ffmpeg output")
}

/// 6 s of testsrc at 320x240, 10 frames a second, with a sound track as phones record,
/// and the index (moov) at the end, so reading it needs the appsrc seek path.
fn h264_mp4(dir: &Path) -> Vec<u8> {
    ffmpeg(
        dir,
        "-f lavfi -i testsrc=duration=6:size=320x240:rate=10 -f lavfi -i sine=frequency=440:duration=6 -c:v libx264 -pix_fmt yuv420p -c:a aac -metadata creation_time=2026-05-02T14:03:11Z",
        "h264.mp4",
    )
}

/// The iPhone way: HEVC tagged hvc1 in a QuickTime MOV, index first.
fn hevc_mov(dir: &Path) -> Vec<u8> {
    ffmpeg(
        dir,
        "-f lavfi -i testsrc=duration=6:size=320x240:rate=10 -c:v libx265 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p -movflags +faststart -metadata creation_time=2026-05-02T14:03:11Z",
        "hevc.mov",
    )
}

/// A landscape clip whose left half is white, for telling which way a picture was turned.
fn white_left_mp4(dir: &Path) -> Vec<u8> {
    ffmpeg(
        dir,
        "-f lavfi -i color=black:size=320x240:rate=10:duration=2 -vf drawbox=x=0:y=0:w=160:h=240:color=white:t=fill -c:v libx264 -pix_fmt yuv420p",
        "white_left.mp4",
    )
}

/// Sets the track matrix's rotation part the way phones write it (QuickTime 16.16 fixed
/// point): [0 1; -1 0] is a 90 degree clockwise turn, [0 -1; 1 0] a 270 degree one.
fn with_matrix(mut mp4: Vec<u8>, a: i32, b: i32, c: i32, d: i32) -> Vec<u8> {
    let identity: Vec<u8> = [0x1_0000i32, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let tkhd = mp4
        .windows(4)
        .position(|w| w == b"tkhd")
        .expect("a tkhd box");
    let at = tkhd
        + mp4[tkhd..]
            .windows(identity.len())
            .position(|w| w == identity.as_slice())
            .expect("an identity matrix in tkhd");
    for (i, v) in [a, b, 0, c, d].iter().enumerate() {
        mp4[at + i * 4..at + i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    mp4
}

const ONE: i32 = 0x1_0000;

fn mean(rgb: &[u8]) -> f64 {
    rgb.iter().map(|&v| f64::from(v)).sum::<f64>() / rgb.len().max(1) as f64
}

/// Brightness of the top and bottom halves of a tightly packed RGB frame.
fn top_bottom(frame: &Frame) -> (f64, f64) {
    let half = (frame.height / 2) as usize * frame.width as usize * 3;
    (
        mean(&frame.rgb[..half]),
        mean(&frame.rgb[frame.rgb.len() - half..]),
    )
}

/// Walks the JPEG's segments: baseline (SOF0) at the given size, and nothing a viewer
/// does not need (no EXIF or XMP in APP1, no comment).
fn assert_plain_baseline_jpeg(jpeg: &[u8], width: u32, height: u32) {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "JPEG start marker");
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "JPEG end marker");
    let mut pos = 2;
    loop {
        assert_eq!(jpeg[pos], 0xFF, "marker at {pos}");
        let marker = jpeg[pos + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        assert!(
            !matches!(marker, 0xE1..=0xEF | 0xFE),
            "metadata segment {marker:#04x} in a still"
        );
        assert!(
            !matches!(marker, 0xC1..=0xC3 | 0xC5..=0xCF),
            "not baseline: {marker:#04x}"
        );
        if marker == 0xC0 {
            let h = u16::from_be_bytes([jpeg[pos + 5], jpeg[pos + 6]]);
            let w = u16::from_be_bytes([jpeg[pos + 7], jpeg[pos + 8]]);
            assert_eq!((u32::from(w), u32::from(h)), (width, height), "JPEG size");
            return;
        }
        pos += 2 + len;
    }
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{what}: {took:.2?}");
    (out, took)
}

#[test]
fn probe_reads_h264_mp4_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let facts = probe(&h264_mp4(dir.path())).expect("probe");
    // The AAC track runs a few tens of milliseconds past the pictures.
    assert!((5_950..=6_150).contains(&facts.duration_ms), "{facts:?}");
    assert_eq!((facts.width, facts.height, facts.rotation), (320, 240, 0));
    assert_eq!(facts.recorded_at.as_deref(), Some("2026-05-02T14:03:11Z"));
    assert_eq!(facts.codec.as_deref(), Some("H.264"));
}

#[test]
fn probe_reads_hevc_mov_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let facts = probe(&hevc_mov(dir.path())).expect("probe");
    assert!((5_950..=6_050).contains(&facts.duration_ms), "{facts:?}");
    assert_eq!((facts.width, facts.height, facts.rotation), (320, 240, 0));
    assert_eq!(facts.recorded_at.as_deref(), Some("2026-05-02T14:03:11Z"));
    assert_eq!(facts.codec.as_deref(), Some("HEVC"));
}

fn check_four_stills(bytes: &[u8], label: &str) {
    let ((facts, stills), _) = timed(&format!("stills(4, 1600) on {label}"), || {
        stills(bytes, 4, 1600).expect("stills")
    });
    assert_eq!(stills.len(), 4);
    let offsets: Vec<u64> = stills.iter().map(|s| s.offset_ms).collect();
    assert_eq!(offsets[..3], [0, 2_000, 4_000], "{offsets:?}");
    // The last frame starts at 5.9 s; a frame or two earlier is as close as a seek may get.
    assert!(
        (5_700..=facts.duration_ms).contains(&offsets[3]),
        "{offsets:?}"
    );
    for still in &stills {
        assert_eq!((still.width, still.height), (320, 240));
        assert_plain_baseline_jpeg(&still.jpeg, 320, 240);
    }
    for i in 0..stills.len() {
        for j in i + 1..stills.len() {
            assert_ne!(
                stills[i].jpeg, stills[j].jpeg,
                "stills {i} and {j} are the same picture"
            );
        }
    }
}

#[test]
fn stills_from_h264_mp4_are_evenly_spaced_and_differ() {
    let dir = tempfile::tempdir().expect("tempdir");
    check_four_stills(&h264_mp4(dir.path()), "H.264 MP4");
}

#[test]
fn stills_from_hevc_mov_are_evenly_spaced_and_differ() {
    let dir = tempfile::tempdir().expect("tempdir");
    check_four_stills(&hevc_mov(dir.path()), "HEVC MOV");
}

/// At 29.97 frames a second the thirds fall between frames: each still is labelled with
/// the time asked for, which the frame shown covers, and the end is within two frames.
#[test]
fn labels_between_frames_keep_the_time_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = ffmpeg(
        dir.path(),
        "-f lavfi -i testsrc=duration=3:size=160x120:rate=30000/1001 \
         -c:v libx264 -pix_fmt yuv420p",
        "ntsc.mp4",
    );
    let (facts, stills) = stills(&video, 4, 160).expect("stills");
    let frame = 1001.0 / 30.0;
    for (i, still) in stills.iter().enumerate() {
        let t = still.offset_ms as f64;
        let asked = facts.duration_ms as f64 * i as f64 / 3.0;
        if i < 3 {
            assert!((t - asked).abs() <= 1.0, "asked {asked}, got {t}");
        } else {
            assert!(
                t >= asked - 2.0 * frame && t <= asked,
                "end {asked}, got {t}"
            );
        }
    }
}

#[test]
fn stills_are_scaled_to_the_longest_side() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (facts, stills) = stills(&h264_mp4(dir.path()), 3, 160).expect("stills");
    assert_eq!(
        (facts.width, facts.height),
        (320, 240),
        "facts keep the real size"
    );
    assert_eq!(stills.len(), 3);
    for still in &stills {
        assert_eq!((still.width, still.height), (160, 120));
        assert_plain_baseline_jpeg(&still.jpeg, 160, 120);
    }
    let (_, one) = super::stills(&h264_mp4(dir.path()), 1, 100).expect("one still");
    assert_eq!(one.len(), 1);
    assert_eq!(
        (one[0].offset_ms, one[0].width, one[0].height),
        (0, 100, 75)
    );
    let (_, none) = super::stills(&h264_mp4(dir.path()), 0, 100).expect("no stills");
    assert!(none.is_empty());
    assert!(matches!(
        super::stills(b"x", 4, 0),
        Err(VideoError::BadSize(0))
    ));
}

#[test]
fn clockwise_rotation_is_applied_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = with_matrix(white_left_mp4(dir.path()), 0, ONE, -ONE, 0);
    let facts = probe(&video).expect("probe");
    assert_eq!((facts.width, facts.height, facts.rotation), (240, 320, 90));
    let (_, frames) = frames(&video, 2, 4000).expect("frames");
    for frame in &frames {
        assert_eq!((frame.width, frame.height), (240, 320));
        // Turned a quarter clockwise, the left edge becomes the top.
        let (top, bottom) = top_bottom(frame);
        assert!(top > 200.0 && bottom < 50.0, "top {top}, bottom {bottom}");
    }
    let (_, stills) = stills(&video, 4, 160).expect("stills");
    for still in &stills {
        assert_eq!((still.width, still.height), (120, 160), "portrait");
        assert_plain_baseline_jpeg(&still.jpeg, 120, 160);
    }
}

#[test]
fn counter_clockwise_rotation_is_applied_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = with_matrix(white_left_mp4(dir.path()), 0, -ONE, ONE, 0);
    let (facts, frames) = frames(&video, 1, 4000).expect("frames");
    assert_eq!((facts.width, facts.height, facts.rotation), (240, 320, 270));
    let (top, bottom) = top_bottom(&frames[0]);
    assert!(bottom > 200.0 && top < 50.0, "top {top}, bottom {bottom}");
}

/// The fixture recipe in ffmpeg's own words (`rotate` metadata, stream copy), checked
/// against ffprobe's reading of the same file rather than an assumed sign convention:
/// ffmpeg 5.1 writes `rotate=90` as a quarter turn counter-clockwise.
#[test]
fn ffmpeg_rotate_metadata_gives_portrait_stills() {
    let dir = tempfile::tempdir().expect("tempdir");
    h264_mp4(dir.path());
    let rotated = ffmpeg(
        dir.path(),
        "-i h264.mp4 -c copy -metadata:s:v:0 rotate=90",
        "rotated.mp4",
    );
    let ffprobe = Command::new("ffprobe")
        .current_dir(dir.path())
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["stream_side_data=rotation", "-of", "csv=p=0", "rotated.mp4"])
        .output()
        .unwrap_or_else(|e| panic!("ffprobe (package ffmpeg) is needed: {e}"));
    let counter_clockwise: i32 = String::from_utf8_lossy(&ffprobe.stdout)
        .trim()
        .parse()
        .expect("ffprobe's rotation");
    let clockwise = u16::try_from((360 - counter_clockwise).rem_euclid(360)).expect("degrees");
    assert!(
        clockwise == 90 || clockwise == 270,
        "ffprobe says {counter_clockwise}"
    );

    let (facts, stills) = stills(&rotated, 4, 1600).expect("stills");
    assert_eq!(
        (facts.width, facts.height, facts.rotation),
        (240, 320, clockwise)
    );
    assert_eq!(stills.len(), 4);
    for still in &stills {
        assert_eq!((still.width, still.height), (240, 320), "portrait");
    }
}

#[test]
fn sound_only_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m4a = ffmpeg(
        dir.path(),
        "-f lavfi -i sine=frequency=440:duration=2 -c:a aac",
        "voice.m4a",
    );
    let (result, took) = timed("probe on sound only", || probe(&m4a));
    assert!(
        matches!(result, Err(VideoError::NoPictureTrack)),
        "{result:?}"
    );
    assert!(took < Duration::from_secs(5));
}

#[test]
fn garbage_is_refused_promptly() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    // A file-type box and a movie box of the right size, full of noise: past the checks
    // on the box chain and into the demuxer.
    let mut fake_mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    let moov_size = u32::try_from(noise.len() + 8).expect("small");
    fake_mp4.extend_from_slice(&moov_size.to_be_bytes());
    fake_mp4.extend_from_slice(b"moov");
    fake_mp4.extend_from_slice(&noise);
    for (name, bytes) in [
        ("noise", &noise[..]),
        ("fake MP4", &fake_mp4[..]),
        ("one byte", b"x"),
    ] {
        let (result, took) = timed(&format!("stills on {name}"), || stills(bytes, 4, 800));
        let err = result.expect_err(name);
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        assert!(!err.to_string().is_empty());
        eprintln!("{name}: {err}");
    }
    assert!(matches!(probe(&[]), Err(VideoError::Empty)));
}

/// The faststart MOV with its media box declared as running to the end of the file, as a
/// recorder that never finished writes it: a cut no longer shows in the box chain, and only
/// the decoder finds the pictures missing.
fn open_ended(mut mov: Vec<u8>) -> Vec<u8> {
    let mdat = mov
        .windows(4)
        .position(|w| w == b"mdat")
        .expect("an mdat box")
        - 4;
    mov[mdat..mdat + 4].copy_from_slice(&[0; 4]);
    mov
}

#[test]
fn truncated_files_are_refused_promptly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Index at the end: cut it off and nothing can be found.
    let mp4 = h264_mp4(dir.path());
    let (result, took) = timed("probe on a half MP4", || probe(&mp4[..mp4.len() / 2]));
    assert!(matches!(result, Err(VideoError::Incomplete)), "{result:?}");
    assert!(took < Duration::from_secs(5));

    // Index first: the start would play, but the last box is cut short.
    let mov = hevc_mov(dir.path());
    let cut = &mov[..mov.len() * 55 / 100];
    let (result, took) = timed("stills on a cut MOV", || stills(cut, 4, 800));
    assert!(matches!(result, Err(VideoError::Incomplete)), "{result:?}");
    assert!(took < Duration::from_secs(5));

    // Nothing in the box chain tells: the seek past the cut finds no picture.
    let open = open_ended(mov);
    let cut = &open[..open.len() * 55 / 100];
    let (result, took) = timed("stills on a cut open-ended MOV", || stills(cut, 4, 800));
    let err = result.expect_err("a cut open-ended MOV");
    eprintln!("cut open-ended MOV: {err}");
    assert!(matches!(err, VideoError::NoPicture(_)), "{err:?}");
    assert!(took < Duration::from_secs(5));
}

/// Every way of cutting a file short, and scrambled picture data, ends in an answer well
/// within the time limits, never a hang or a panic.
#[test]
fn cut_and_scrambled_files_always_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mov = hevc_mov(dir.path());
    let files = [
        ("MP4", h264_mp4(dir.path())),
        ("open-ended MOV", open_ended(mov.clone())),
        ("MOV", mov),
    ];
    let start = Instant::now();
    for (name, bytes) in &files {
        for twentieth in 1..20 {
            let cut = &bytes[..bytes.len() * twentieth / 20];
            let (result, took) = timed(&format!("{name} cut to {twentieth}/20"), || {
                stills(cut, 4, 320)
            });
            assert!(
                took < Duration::from_secs(5),
                "{name} {twentieth}/20: {took:?}"
            );
            if !name.starts_with("open-ended") {
                assert!(matches!(result, Err(VideoError::Incomplete)), "{result:?}");
            }
        }
        // Flip bits in every 97th byte of the second half: pictures decode as garbage or
        // not at all, and the index may stop making sense.
        let mut scrambled = bytes.clone();
        for i in (scrambled.len() / 2..scrambled.len()).step_by(97) {
            scrambled[i] ^= 0x5A;
        }
        let (result, took) = timed(&format!("scrambled {name}"), || stills(&scrambled, 4, 320));
        assert!(took < Duration::from_secs(5), "scrambled {name}: {took:?}");
        eprintln!("scrambled {name}: {:?}", result.map(|(_, s)| s.len()));
    }
    eprintln!("all cuts: {:.2?}", start.elapsed());
}

#[test]
fn names_and_times_read_plainly() {
    assert_eq!(codec_name("H.264 (High Profile)"), "H.264");
    assert_eq!(codec_name("H.264 / AVC"), "H.264");
    assert_eq!(codec_name("H.265 (Main Profile)"), "HEVC");
    assert_eq!(codec_name("VP9"), "VP9");
    assert_eq!(rotation_degrees("rotate-90"), 90);
    assert_eq!(rotation_degrees("flip-rotate-270"), 270);
    assert_eq!(rotation_degrees("rotate-0"), 0);
    assert_eq!(clock(65_432), "1:05.432");
    assert_eq!(scaled_size(1920, 1080, 800), (800, 450));
    assert_eq!(scaled_size(1080, 1920, 800), (450, 800));
    assert_eq!(scaled_size(320, 240, 800), (320, 240));
    assert_eq!(
        VideoError::NoPicture(4_000).to_string(),
        "No picture could be read at 0:04.000 into the video; the file may be damaged or incomplete."
    );
}
