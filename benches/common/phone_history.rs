//! The phone history that benches/phone_import.rs imports, written as SMS Backup & Restore
//! files (sms-*.xml and calls-*.xml, through the tests' writer tests/util/sms_backup.rs)
//! record by record, never held in memory, and deterministic (seeded): a plan of texts, MMS
//! and calls in time order over 2024-2025 in Los Angeles, and the backups that hold parts of
//! it (the first backup, and an overlapping later one that writes the same records a little
//! differently). See benches/phone_import.rs for what the records hold. Included with
//! `#[path = "common/phone_history.rs"] mod phone_history;` beside `mod common;` (the
//! screenshots) and `#[path = "../tests/util/sms_backup.rs"] mod sms_backup;`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use crate::sms_backup;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub const SEED: u64 = 14;

/// The restrained person's number as the order records it, and as his texts and calls write it.
pub const HIS_NUMBER: &str = "(555) 010-1234";
const HIS_FORMATS: [&str; 3] = ["+1 (555) 010-1234", "5550101234", "+15550101234"];
const HIS_CONTACT: &str = "Casey";
/// The phone's own number (an MMS names it as a recipient).
const OWN_NUMBER: &str = "+15105550199";
/// Family, friends and services: (number as written, contact name or "null").
const OTHERS: [(&str, &str); 8] = [
    ("+1 510-555-0142", "Mom"),
    ("5105550143", "Dad"),
    ("+15105550177", "Aunt Rosa"),
    ("(510) 555-0188", "Jamie"),
    ("510.555.0150", "Priya"),
    ("+14155550123", "Work"),
    ("22000", "null"),
    ("+33 1 42 68 53 00", "Claire"),
];

/// The report's period: 2024-01-01 to 2025-12-31 in Los Angeles (731 days), where the first
/// backup's records lie; the overlapping backup's new records come after it.
const START_MS: i64 = 1_704_096_000_000;
const SPAN_MS: i64 = 731 * 86_400_000;

/// What a text record takes in the file, on average (to plan the MMS that make up the size).
const TEXT_BYTES: u64 = 470;
const CALL_BYTES: u64 = 290;
/// An MMS element without its picture's base64.
const MMS_MARKUP_BYTES: u64 = 2_300;
/// A JPEG screenshot from benches/common (100-400 KB).
const SCREENSHOT_BYTES: u64 = 250_000;

const HIS_WORDS: [&str; 20] = [
    "Answer your phone.",
    "I know you're home, your car is in the driveway.",
    "Why are you doing this to me?",
    "You can't keep the kids from me forever.",
    "Drop the case and we can talk like adults.",
    "I saw you at the store today \u{1F440}",
    "Te extraño. Por favor contéstame.",
    "I'm outside.",
    "You'll regret going to court.",
    "Just one coffee, that's all I'm asking \u{2615}",
    "Happy birthday \u{1F382}\u{1F388}",
    "Who is he?? I saw the pictures \u{1F621}",
    "I'm not going anywhere.",
    "Call me back NOW",
    "Fine. Have it your way \u{1F600}",
    "Your mother & sister can't protect you",
    "<3 remember when we were happy?",
    "I left something for you on the porch",
    "\"No contact\" doesn't mean I can't see you",
    "Read this:\nI am still here.",
];

const OTHER_WORDS: [&str; 18] = [
    "Dinner at 6?",
    "Can you pick up Sam from practice?",
    "Running 10 min late \u{1F697}",
    "Love you! \u{2764}\u{FE0F}",
    "Your appointment is confirmed for Tuesday at 3:30 PM. Reply C to confirm.",
    "Mamá dice que vengas el domingo \u{1F60A}",
    "Did you get the forms from the lawyer?",
    "ok",
    "Thanks!! \u{1F64F}",
    "Photos from the weekend",
    "Your verification code is 482913",
    "Are you safe? Call me when you can.",
    "Meeting moved to 2pm",
    "Happy Friday \u{1F389}\u{1F389}",
    "Can't talk, in class",
    "Rent's paid, thanks",
    "He came by the school again. Teachers called me.",
    "Tom & Jerry marathon tonight \u{1F4FA}",
];

/// How much the backup holds: texts and calls with him and with others, and the size the
/// others' MMS pictures make the messages file up to.
pub struct Sizes {
    pub his_texts: usize,
    pub other_texts: usize,
    pub his_calls: usize,
    pub other_calls: usize,
    pub target_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HisText,
    OtherText,
    HisMms,
    OtherMms,
    HisCall,
    OtherCall,
}

/// Every record of the phone's history, in time order: the first backup holds the first
/// `*_in_first` of each list, the later one the last tenth of those and as many newer.
pub struct Plan {
    /// Messages with their picture's size (MMS only).
    pub messages: Vec<(Kind, u32)>,
    pub messages_in_first: usize,
    pub mms_in_first: usize,
    pub his_mms_in_first: usize,
    pub picture_bytes_in_first: u64,
    pub calls: Vec<(Kind, u32)>,
    pub calls_in_first: usize,
}

impl Plan {
    pub fn new(sizes: &Sizes) -> Self {
        let mut rng = StdRng::seed_from_u64(SEED);
        // Pictures until the messages file reaches its size; one MMS in eight is his, with a
        // real JPEG screenshot (the report prints his pictures), the others 1-4 MB each.
        let texts = (sizes.his_texts + sizes.other_texts) as u64;
        let calls_bytes = (sizes.his_calls + sizes.other_calls) as u64 * CALL_BYTES;
        let mut bytes = texts * TEXT_BYTES + calls_bytes;
        let mut pictures = Vec::new();
        let mut his_mms = 0;
        while bytes < sizes.target_bytes {
            if (pictures.len() + his_mms) % 8 == 0 {
                his_mms += 1;
                bytes += SCREENSHOT_BYTES * 4 / 3 + MMS_MARKUP_BYTES;
            } else {
                let size: u32 = rng.random_range(1_000_000..=4_000_000);
                bytes += (size as u64).div_ceil(3) * 4 + MMS_MARKUP_BYTES;
                pictures.push(size);
            }
        }
        let his_texts = sizes.his_texts.saturating_sub(his_mms);
        let mut messages = schedule(
            &mut rng,
            &[
                (Kind::HisText, his_texts),
                (Kind::OtherText, sizes.other_texts),
                (Kind::HisMms, his_mms),
                (Kind::OtherMms, pictures.len()),
            ],
        );
        let messages_in_first = messages.len();
        // The later backup's new tenth.
        let extra_his_mms = his_mms.div_ceil(10);
        let extra_pictures: Vec<u32> = (0..pictures.len().div_ceil(10))
            .map(|_| rng.random_range(1_000_000..=4_000_000))
            .collect();
        messages.extend(schedule(
            &mut rng,
            &[
                (Kind::HisText, his_texts / 10),
                (Kind::OtherText, sizes.other_texts / 10),
                (Kind::HisMms, extra_his_mms),
                (Kind::OtherMms, extra_pictures.len()),
            ],
        ));
        let mut sizes_iter = pictures.iter().chain(extra_pictures.iter());
        let messages: Vec<(Kind, u32)> = messages
            .into_iter()
            .map(|k| match k {
                Kind::OtherMms => (k, sizes_iter.next().copied().unwrap_or(1_000_000)),
                _ => (k, 0),
            })
            .collect();
        let mut calls = schedule(
            &mut rng,
            &[
                (Kind::HisCall, sizes.his_calls),
                (Kind::OtherCall, sizes.other_calls),
            ],
        );
        let calls_in_first = calls.len();
        calls.extend(schedule(
            &mut rng,
            &[
                (Kind::HisCall, sizes.his_calls / 10),
                (Kind::OtherCall, sizes.other_calls / 10),
            ],
        ));
        Self {
            picture_bytes_in_first: pictures.iter().map(|&p| p as u64).sum(),
            messages,
            messages_in_first,
            mms_in_first: pictures.len() + his_mms,
            his_mms_in_first: his_mms,
            calls: calls.into_iter().map(|k| (k, 0)).collect(),
            calls_in_first,
        }
    }
}

/// The kinds in a random order with exactly these counts.
fn schedule(rng: &mut StdRng, counts: &[(Kind, usize)]) -> Vec<Kind> {
    let mut left: Vec<(Kind, usize)> = counts.to_vec();
    let total: usize = left.iter().map(|(_, n)| n).sum();
    let mut out = Vec::with_capacity(total);
    for remaining in (1..=total).rev() {
        let mut pick = rng.random_range(0..remaining);
        for (kind, n) in left.iter_mut() {
            if pick < *n {
                *n -= 1;
                out.push(*kind);
                break;
            }
            pick -= *n;
        }
    }
    out
}

/// Record `i`'s own random numbers, the same in every backup that holds it.
fn record_rng(stream: u64, i: usize) -> StdRng {
    StdRng::seed_from_u64(SEED.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (stream << 48) ^ i as u64)
}

/// Record `i` of `per_span` spread over the period (and on past it), in time order.
fn at_ms(rng: &mut StdRng, i: usize, per_span: usize) -> i64 {
    let step = SPAN_MS / per_span.max(1) as i64;
    START_MS + i as i64 * step + rng.random_range(0..step / 2)
}

fn body(rng: &mut StdRng, words: &[&str]) -> String {
    let n = if rng.random_range(0..50) == 0 {
        rng.random_range(8..16)
    } else {
        rng.random_range(1..4)
    };
    (0..n)
        .map(|_| words[rng.random_range(0..words.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sms-*.xml and calls-*.xml of one backup, holding `messages` and `calls` of the plan.
/// `later`: written by a later backup, which writes his number another way and the times a
/// few hundred milliseconds apart (the same records all the same).
pub fn write_backup(
    dir: &Path,
    stamp: &str,
    plan: &Plan,
    messages: Range<usize>,
    calls: Range<usize>,
    later: bool,
) -> Res<Vec<PathBuf>> {
    let texts_path = dir.join(format!("sms-{stamp}.xml"));
    let calls_path = dir.join(format!("calls-{stamp}.xml"));
    let (head, tail) = frame(&sms_backup::messages_file(&[]), "smses", messages.len())?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&texts_path)?);
    out.write_all(head.as_bytes())?;
    for i in messages {
        let (kind, picture) = plan.messages[i];
        write_message(&mut out, i, kind, picture, plan.messages_in_first, later)?;
    }
    out.write_all(tail.as_bytes())?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;

    let (head, tail) = frame(&sms_backup::calls_file(&[]), "calls", calls.len())?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&calls_path)?);
    out.write_all(head.as_bytes())?;
    for i in calls {
        let mut rng = record_rng(2, i);
        let at = at_ms(&mut rng, i, plan.calls_in_first) + if later { 700 } else { 0 };
        let (number, contact) = match plan.calls[i].0 {
            Kind::HisCall => (his_number(&mut rng, later), his_contact(&mut rng)),
            _ => OTHERS[rng.random_range(0..OTHERS.len() - 2)],
        };
        // Incoming, outgoing, missed, voicemail, rejected, blocked.
        let kind: u8 = [1, 1, 1, 2, 3, 3, 3, 4, 4, 5, 6][rng.random_range(0..11)];
        let duration = if matches!(kind, 1 | 2 | 4) {
            rng.random_range(5..900)
        } else {
            0
        };
        out.write_all(sms_backup::call(number, at, kind, duration, 1, contact).as_bytes())?;
    }
    out.write_all(tail.as_bytes())?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(vec![texts_path, calls_path])
}

/// The writer's file around no records, split where the records go, with their count.
fn frame(empty: &str, root: &str, count: usize) -> Res<(String, String)> {
    let close = format!("</{root}>");
    let (head, tail) = empty.split_once(&close).ok_or("no closing root")?;
    Ok((
        head.replacen("count=\"0\"", &format!("count=\"{count}\""), 1),
        format!("{close}{tail}"),
    ))
}

fn his_number(rng: &mut StdRng, later: bool) -> &'static str {
    let k = rng.random_range(0..HIS_FORMATS.len());
    HIS_FORMATS[(k + usize::from(later)) % HIS_FORMATS.len()]
}

fn his_contact(rng: &mut StdRng) -> &'static str {
    if rng.random_range(0..10) == 0 {
        "null"
    } else {
        HIS_CONTACT
    }
}

fn write_message(
    out: &mut BufWriter<File>,
    i: usize,
    kind: Kind,
    picture: u32,
    per_span: usize,
    later: bool,
) -> Res<()> {
    let mut rng = record_rng(1, i);
    let at = at_ms(&mut rng, i, per_span) + if later { 700 } else { 0 };
    match kind {
        Kind::HisText | Kind::OtherText => {
            let (number, contact, words) = if kind == Kind::HisText {
                (
                    his_number(&mut rng, later),
                    his_contact(&mut rng),
                    &HIS_WORDS[..],
                )
            } else {
                let (n, c) = OTHERS[rng.random_range(0..OTHERS.len())];
                (n, c, &OTHER_WORDS[..])
            };
            // His mostly come in; the protected person's replies are few.
            let sent = rng.random_range(0..if kind == Kind::HisText { 6 } else { 2 }) == 0;
            let text = body(&mut rng, words);
            out.write_all(
                sms_backup::sms(number, at, if sent { 2 } else { 1 }, &text, contact).as_bytes(),
            )?;
        }
        Kind::HisMms | Kind::OtherMms => {
            let (address, from) = if kind == Kind::HisMms {
                let n = his_number(&mut rng, later);
                (n.to_string(), n.to_string())
            } else if rng.random_range(0..3) == 0 {
                // A family group: two others and the phone.
                let a = OTHERS[rng.random_range(0..3)].0;
                let b = OTHERS[3 + rng.random_range(0..2)].0;
                (format!("{a}~{b}"), a.to_string())
            } else {
                let n = OTHERS[rng.random_range(0..6)].0;
                (n.to_string(), n.to_string())
            };
            let text = (rng.random_range(0..2) == 0).then(|| {
                body(
                    &mut rng,
                    if kind == Kind::HisMms {
                        &HIS_WORDS
                    } else {
                        &OTHER_WORDS
                    },
                )
            });
            let mut addrs: Vec<(&str, u16)> = vec![(from.as_str(), 137), (OWN_NUMBER, 151)];
            if let Some((_, b)) = address.split_once('~') {
                addrs.push((b, 151));
            }
            let empty: &[u8] = &[];
            let element = sms_backup::mms(
                &address,
                at,
                1,
                text.as_deref(),
                Some(("image/jpeg", Some(empty))),
                &addrs,
            );
            let (before, after) = element
                .split_once("data=\"\"")
                .ok_or("the writer's MMS has no data attribute")?;
            out.write_all(before.as_bytes())?;
            out.write_all(b"data=\"")?;
            if kind == Kind::HisMms {
                let jpeg = crate::common::screenshot(i as u64);
                if jpeg.is_empty() {
                    return Err("could not encode a screenshot".into());
                }
                let mut encoder = base64::write::EncoderWriter::new(&mut *out, &STANDARD);
                encoder.write_all(&jpeg)?;
                encoder.finish()?;
            } else {
                write_picture(out, &mut rng, picture as usize)?;
            }
            out.write_all(b"\"")?;
            out.write_all(after.as_bytes())?;
        }
        Kind::HisCall | Kind::OtherCall => return Err("a call among the messages".into()),
    }
    Ok(())
}

/// `size` bytes of "JPEG" (a JFIF header, pseudo-random bytes, the end marker) as base64,
/// 48 KiB at a time: for others' MMS, which no report prints.
fn write_picture(out: &mut BufWriter<File>, rng: &mut StdRng, size: usize) -> Res<()> {
    const HEAD: [u8; 20] = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    let mut encoder = base64::write::EncoderWriter::new(out, &STANDARD);
    encoder.write_all(&HEAD)?;
    let mut buf = vec![0u8; 48 * 1024];
    let mut left = size.saturating_sub(HEAD.len() + 2);
    while left > 0 {
        let n = left.min(buf.len());
        rng.fill_bytes(&mut buf[..n]);
        encoder.write_all(&buf[..n])?;
        left -= n;
    }
    encoder.write_all(&[0xFF, 0xD9])?;
    encoder.finish()?;
    Ok(())
}
