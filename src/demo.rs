//! `daybook demo`: a realistic journal to look around in and to test exports against.
//!
//! Deterministic for a seed (content, not dates: incidents are placed in the months before
//! today so none is in the future). Images and voicemails are generated here, so the demo
//! needs no files from anywhere.

use std::io::Write;

use chrono::{Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::evidence::EvidenceError;
use crate::journal::{Journal, JournalError};
use crate::model::{
    DistanceUnit, IncidentInput, IncidentKind, OrderInput, OrderKind, PersonInput, PersonRef,
    PoliceContact, Term, TermKind, Witness,
};

pub const DEFAULT_SEED: u64 = 20_260_304;
const ZONE: &str = "America/Los_Angeles";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    pub orders: usize,
    pub people: usize,
    pub incidents: usize,
    pub attachments: usize,
}

/// Adds the demo orders, people, incidents and attachments to `journal`.
pub fn fill(journal: &mut Journal, seed: u64) -> Result<DemoSummary, EvidenceError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let tz: chrono_tz::Tz = ZONE
        .parse()
        .map_err(|_| JournalError::Invalid("demo zone".into()))?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let mut summary = DemoSummary::default();

    let temporary = journal.add_order(&OrderInput {
        kind: OrderKind::Temporary,
        court: "Superior Court of California, County of Alameda".into(),
        state: "CA".into(),
        case_number: "HF26-014327".into(),
        issued_on: day(today, 170),
        served_on: Some(day(today, 168)),
        expires_on: Some(day(today, 150)),
        petitioner: Some("Dana R. Ellison".into()),
        respondent: Some(PersonRef::New(Box::new(respondent()))),
        protected_persons: vec![PersonRef::New(Box::new(PersonInput {
            name: "Dana R. Ellison".into(),
            addresses: vec!["1418 Linden Street, Oakland, CA 94607".into()],
            phones: vec!["(510) 555-0142".into()],
            ..PersonInput::default()
        }))],
        terms: vec![
            stay_away(100.0),
            Term {
                id: String::new(),
                kind: TermKind::NoContact {
                    direct: true,
                    indirect: true,
                },
            },
            Term {
                id: String::new(),
                kind: TermKind::NoFirearms,
            },
        ],
        notes: Some("Temporary restraining order until the hearing.".into()),
    })?;
    let respondent_id = temporary.respondent_id.clone();
    let protected = temporary.protected_person_ids.clone();
    let after_hearing = journal.add_order(&OrderInput {
        kind: OrderKind::AfterHearing,
        court: "Superior Court of California, County of Alameda".into(),
        state: "CA".into(),
        case_number: "HF26-014327".into(),
        issued_on: day(today, 150),
        served_on: Some(day(today, 150)),
        expires_on: Some(day(today, 150 - 3 * 365)),
        petitioner: Some("Dana R. Ellison".into()),
        respondent: respondent_id.map(PersonRef::Id),
        protected_persons: protected.into_iter().map(PersonRef::Id).collect(),
        terms: vec![
            stay_away(100.0),
            Term {
                id: String::new(),
                kind: TermKind::NoContact {
                    direct: true,
                    indirect: true,
                },
            },
            Term {
                id: String::new(),
                kind: TermKind::NoFirearms,
            },
            Term {
                id: String::new(),
                kind: TermKind::Other {
                    text: "Do not post about the protected person on social media.".into(),
                },
            },
        ],
        notes: Some("Order after hearing (DV-130), served in court.".into()),
    })?;
    summary.orders = 2;
    summary.people = 2;
    if let Some(respondent) = &temporary.respondent_id {
        let dir = tempfile::tempdir().map_err(EvidenceError::Write)?;
        let path = dir.path().join("respondent.jpg");
        std::fs::write(&path, sample_portrait()).map_err(EvidenceError::Write)?;
        journal.attach_person_photo(respondent, &path, &mut |_, _| true)?;
    }

    let mut days: Vec<i64> = (0..46).map(|_| rng.random_range(1..168)).collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    let mut ids = Vec::new();
    for (n, days_ago) in days.into_iter().enumerate() {
        let template = &TEMPLATES[n % TEMPLATES.len()];
        let hour = rng.random_range(7..23);
        let minute = rng.random_range(0..60);
        let order = if days_ago > 150 {
            &temporary
        } else {
            &after_hearing
        };
        let police = (rng.random_range(0..4) == 0
            || template.kinds.contains(&IncidentKind::Threat))
        .then(|| PoliceContact {
            agency: "Oakland Police Department".into(),
            officer: Some(
                ["Officer L. Tran", "Officer M. Okafor", "Sgt. R. Delgado"][n % 3].into(),
            ),
            badge: Some(format!("{}", 4100 + n * 7)),
            report_number: Some(format!("26-0{:05}", 31_000 + n * 113)),
            outcome: Some(
                [
                    "Report taken",
                    "Report taken; respondent contacted",
                    "Referred to DA",
                ][n % 3]
                    .into(),
            ),
        });
        let witnesses = if rng.random_range(0..3) == 0 {
            vec![Witness {
                name: ["Alicia Moreno", "James Whitfield", "Priya Shah"][n % 3].into(),
                contact: Some(format!("(510) 555-01{:02}", 50 + n)),
                saw: Some("Saw the truck parked outside and the respondent in it.".into()),
            }]
        } else {
            Vec::new()
        };
        let input = IncidentInput {
            occurred_at: format!("{}T{hour:02}:{minute:02}", day(today, days_ago)),
            ended_at: None,
            timezone: ZONE.into(),
            approximate: rng.random_range(0..8) == 0,
            kinds: template.kinds.to_vec(),
            location: Some(template.location.into()),
            description: template.description.into(),
            quotes: template.quotes.iter().map(|q| q.to_string()).collect(),
            witnesses,
            order_id: Some(order.id.clone()),
            term: order.term(template.term).map(|t| t.id.clone()),
            police,
            impact: template.impact.map(str::to_string),
            communications: Vec::new(),
        };
        let incident = journal.add_incident(&input)?;
        summary.incidents += 1;
        summary.attachments += attach_exhibits(journal, &incident.id, template, n, &mut rng)?;
        ids.push(incident.id);
    }

    // Real journals get corrected: a report number added later, a duplicate removed.
    for id in ids.iter().step_by(11).take(3) {
        journal.edit_incident(
            id,
            &serde_json::json!({"impact": "Added later: I had to take the day off work and change my route again."}),
        )?;
    }
    if let Some(duplicate) = ids.get(5) {
        journal.delete_incident(
            duplicate,
            "Entered twice by mistake; the same event is recorded in the next entry.",
        )?;
        summary.incidents -= 1;
    }
    Ok(summary)
}

fn respondent() -> PersonInput {
    PersonInput {
        name: "Marcus J. Ellison".into(),
        aliases: vec!["Marc".into()],
        date_of_birth: Some("1988-07-14".into()),
        description: Some("Male, 6'1\", about 210 lb, short dark hair, beard, tattoo of a compass on left forearm.".into()),
        vehicle: Some("Black 2018 Ford F-150 pickup, CA plate 8KXR412, dent in rear bumper".into()),
        phones: vec!["(510) 555-0199".into(), "(415) 555-0133".into()],
        accounts: vec!["Instagram @marc.ellison88".into(), "Facebook: Marcus Ellison".into()],
        weapons: Some("Registered owner of a handgun (surrender ordered).".into()),
        ..PersonInput::default()
    }
}

fn stay_away(yards: f64) -> Term {
    Term {
        id: String::new(),
        kind: TermKind::StayAway {
            distance: Some(yards),
            unit: DistanceUnit::Yards,
            places: vec![
                "Dana's home".into(),
                "Dana's workplace".into(),
                "the children's school".into(),
                "Dana's vehicle".into(),
            ],
        },
    }
}

fn day(today: NaiveDate, days_ago: i64) -> String {
    (today - Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string()
}

struct Template {
    kinds: &'static [IncidentKind],
    location: &'static str,
    description: &'static str,
    quotes: &'static [&'static str],
    term: &'static str,
    impact: Option<&'static str>,
    exhibits: &'static [Exhibit],
}

#[derive(Clone, Copy)]
enum Exhibit {
    ChatScreenshot,
    Photo,
    PngScreenshot,
    Voicemail,
}

use IncidentKind as K;

const TEMPLATES: &[Template] = &[
    Template {
        kinds: &[K::TextMessage],
        location: "My phone, at home",
        description: "Received a series of text messages from the respondent's second number. I did not reply. Screenshots attached.",
        quotes: &["You can't hide from me forever.", "I know you got the kids from school at 3."],
        term: "T2",
        impact: None,
        exhibits: &[Exhibit::ChatScreenshot, Exhibit::ChatScreenshot],
    },
    Template {
        kinds: &[K::CameWithinDistance, K::Followed],
        location: "Parking lot, 2100 Telegraph Ave, Oakland (my workplace)",
        description: "The respondent's black F-150 was parked across from my workplace entrance when I left. He stayed in the truck and watched me walk to my car, then drove off behind me for several blocks.",
        quotes: &[],
        term: "T1",
        impact: Some("I was shaking and asked security to walk me to my car afterwards."),
        exhibits: &[Exhibit::Photo],
    },
    Template {
        kinds: &[K::Voicemail, K::PhoneCall],
        location: "My phone",
        description: "Missed call from a blocked number followed by a voicemail in the respondent's voice.",
        quotes: &["Pick up. We need to talk about this, you're making a mistake."],
        term: "T2",
        impact: None,
        exhibits: &[Exhibit::Voicemail],
    },
    Template {
        kinds: &[K::SocialMedia],
        location: "Instagram (@marc.ellison88)",
        description: "The respondent posted a photo of my street with a caption about me. A friend sent me the screenshot; the post was deleted later that day.",
        quotes: &["Some people forget who was there for them."],
        term: "T4",
        impact: None,
        exhibits: &[Exhibit::PngScreenshot],
    },
    Template {
        kinds: &[K::ThirdPartyContact],
        location: "Lincoln Elementary School pickup line",
        description: "The respondent's sister approached me at school pickup and said he wants me to drop the case. Mensaje en español de su hermana también.",
        quotes: &["Él solo quiere hablar contigo, no seas así.", "He says he'll stop if you drop it."],
        term: "T2",
        impact: None,
        exhibits: &[],
    },
    Template {
        kinds: &[K::GiftOrItemLeft, K::CameWithinDistance],
        location: "Front porch, my home",
        description: "Found flowers and a card signed by the respondent on my front porch in the morning. Neighbour's doorbell camera shows his truck at 05:40.",
        quotes: &["I'll always be here. —M"],
        term: "T1",
        impact: None,
        exhibits: &[Exhibit::Photo, Exhibit::Photo],
    },
    Template {
        kinds: &[K::Threat, K::TextMessage],
        location: "My phone",
        description: "Text message from a new number that I recognise as the respondent's writing style, threatening me if I go to court.",
        quotes: &["If you show up on the 14th you'll regret it. 😡"],
        term: "T2",
        impact: Some("I changed my route to work and told my manager."),
        exhibits: &[Exhibit::ChatScreenshot],
    },
    Template {
        kinds: &[K::PropertyDamage],
        location: "Street parking outside my home",
        description: "My car's rear tyre was slashed overnight. I did not see who did it; the respondent had been seen on the street the evening before.",
        quotes: &[],
        term: "T1",
        impact: None,
        exhibits: &[Exhibit::Photo],
    },
];

fn attach_exhibits(
    journal: &mut Journal,
    incident_id: &str,
    template: &Template,
    n: usize,
    rng: &mut StdRng,
) -> Result<usize, EvidenceError> {
    let dir = tempfile::tempdir().map_err(EvidenceError::Write)?;
    let mut count = 0;
    for (k, exhibit) in template.exhibits.iter().enumerate() {
        let (name, bytes, caption) = match exhibit {
            Exhibit::ChatScreenshot => (
                format!("Screenshot_{n:03}_{k}.jpg"),
                chat_screenshot(rng),
                Some("Screenshot of the messages"),
            ),
            Exhibit::Photo => {
                let taken = Utc::now() - Duration::days(rng.random_range(1..160));
                (
                    format!("IMG_{:04}.jpg", 2000 + n * 3 + k),
                    photo(rng, &taken.format("%Y:%m:%d %H:%M:%S").to_string()),
                    Some("Photo I took"),
                )
            }
            Exhibit::PngScreenshot => (
                format!("post_{n:03}.png"),
                png_screenshot(rng),
                Some("Screenshot a friend sent me"),
            ),
            Exhibit::Voicemail => (format!("voicemail_{n:03}.wav"), voicemail(rng), None),
        };
        let path = dir.path().join(&name);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(&bytes))
            .map_err(EvidenceError::Write)?;
        let attachment = journal.attach(incident_id, &path, caption, &mut |_, _| true)?;
        if let Exhibit::Voicemail = exhibit {
            journal.describe_attachment(
                &attachment.id,
                None,
                Some("[Voicemail, male voice] Pick up. We need to talk about this, you're making a mistake. Call me back."),
            )?;
        }
        count += 1;
    }
    Ok(count)
}

/// A phone-sized picture of a chat: grey and blue bubbles with text-like bars.
fn chat_screenshot(rng: &mut StdRng) -> Vec<u8> {
    let (w, h) = (540usize, 960usize);
    let mut px = vec![250u8; w * h * 3];
    paint(&mut px, w, 0, 0, w, 90, [245, 245, 247]);
    paint(&mut px, w, 20, 30, 220, 30, [60, 60, 67]);
    let mut y = 120;
    while y < h - 120 {
        let outgoing = rng.random_range(0..3) == 0;
        let lines = rng.random_range(1..4);
        let width = rng.random_range(180..380);
        let height = 24 + lines * 26;
        let x = if outgoing { w - width - 20 } else { 20 };
        let colour = if outgoing {
            [10, 132, 255]
        } else {
            [229, 229, 234]
        };
        paint(&mut px, w, x, y, width, height, colour);
        let ink = if outgoing {
            [255, 255, 255]
        } else {
            [28, 28, 30]
        };
        for line in 0..lines {
            let len = rng.random_range(width / 2..width - 30);
            paint(&mut px, w, x + 14, y + 16 + line * 26, len, 12, ink);
        }
        y += height + rng.random_range(16..40);
    }
    encode_jpeg(&px, w, h, None)
}

/// A photo-like JPEG whose EXIF DateTimeOriginal is `exif_time` ("YYYY:MM:DD HH:MM:SS").
pub fn sample_photo(seed: u64, exif_time: &str) -> Vec<u8> {
    photo(&mut StdRng::seed_from_u64(seed), exif_time)
}

/// A plain silhouette portrait (JPEG, 300x360): a stand-in for the respondent's photo.
pub fn sample_portrait() -> Vec<u8> {
    let (w, h) = (300usize, 360usize);
    let mut px = vec![200u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f64 - 150.0, y as f64 - 140.0);
            let head = (dx / 62.0).powi(2) + (dy / 78.0).powi(2) <= 1.0;
            let (sx, sy) = (x as f64 - 150.0, y as f64 - 370.0);
            let shoulders = (sx / 140.0).powi(2) + (sy / 130.0).powi(2) <= 1.0;
            if head || shoulders {
                let i = (y * w + x) * 3;
                px[i..i + 3].copy_from_slice(&[70, 70, 76]);
            }
        }
    }
    encode_jpeg(&px, w, h, None)
}

/// A PNG "screenshot" (480x640).
pub fn sample_png(seed: u64) -> Vec<u8> {
    png_screenshot(&mut StdRng::seed_from_u64(seed))
}

/// A mono 8 kHz WAV voicemail exactly `seconds` long.
pub fn sample_voicemail(seconds: u32) -> Vec<u8> {
    wav(seconds)
}

/// A photo-like picture: a sky-to-ground gradient with a dark vehicle-shaped block.
fn photo(rng: &mut StdRng, exif_time: &str) -> Vec<u8> {
    let (w, h) = (800usize, 600usize);
    let mut px = vec![0u8; w * h * 3];
    let tint = rng.random_range(0..40) as u8;
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let noise = ((x * 31 + y * 17) % 13) as u8;
            if y < h / 2 {
                px[i] = 120 + tint + noise;
                px[i + 1] = 160 + noise;
                px[i + 2] = 210;
            } else {
                px[i] = 90 + noise;
                px[i + 1] = 90 + tint / 2 + noise;
                px[i + 2] = 95 + noise;
            }
        }
    }
    let x = rng.random_range(100..400);
    paint(&mut px, w, x, 300, 300, 110, [20, 20, 24]);
    paint(&mut px, w, x + 180, 240, 120, 70, [25, 25, 30]);
    paint(&mut px, w, x + 30, 400, 60, 40, [5, 5, 5]);
    paint(&mut px, w, x + 210, 400, 60, 40, [5, 5, 5]);
    encode_jpeg(&px, w, h, Some(exif_time))
}

fn png_screenshot(rng: &mut StdRng) -> Vec<u8> {
    let (w, h) = (480usize, 640usize);
    let mut px = vec![255u8; w * h * 3];
    paint(&mut px, w, 0, 0, w, 60, [250, 250, 250]);
    paint(&mut px, w, 16, 16, 28, 28, [200, 50, 120]);
    paint(&mut px, w, 56, 22, 160, 16, [30, 30, 30]);
    let shade = rng.random_range(60..120) as u8;
    paint(&mut px, w, 0, 70, w, 400, [shade, shade + 20, shade + 40]);
    for line in 0..4 {
        paint(
            &mut px,
            w,
            16,
            490 + line * 30,
            rng.random_range(200..440),
            14,
            [40, 40, 40],
        );
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(&px);
        }
    }
    out
}

/// A few seconds of 8 kHz mono PCM: a voice-like warble, enough for a real duration.
fn voicemail(rng: &mut StdRng) -> Vec<u8> {
    wav(rng.random_range(6..14))
}

fn wav(seconds: u32) -> Vec<u8> {
    let rate = 8_000u32;
    let samples = rate * seconds;
    let mut data = Vec::with_capacity(samples as usize * 2);
    for s in 0..samples {
        let t = f64::from(s) / f64::from(rate);
        let envelope = (t * 3.0).sin().abs();
        let value = (envelope
            * 6000.0
            * ((t * 2.0 * std::f64::consts::PI * (140.0 + 30.0 * (t * 2.0).sin())).sin()))
            as i16;
        data.extend_from_slice(&value.to_le_bytes());
    }
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    wav
}

fn paint(px: &mut [u8], w: usize, x: usize, y: usize, width: usize, height: usize, rgb: [u8; 3]) {
    let h = px.len() / (w * 3);
    for row in y..(y + height).min(h) {
        for col in x..(x + width).min(w) {
            let i = (row * w + col) * 3;
            px[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

fn encode_jpeg(px: &[u8], w: usize, h: usize, exif_time: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    if encoder
        .encode(px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .is_err()
    {
        return out;
    }
    match exif_time {
        Some(time) if out.starts_with(&[0xFF, 0xD8]) => {
            let mut with_exif = vec![0xFF, 0xD8];
            with_exif.extend_from_slice(&exif_segment(time));
            with_exif.extend_from_slice(&out[2..]);
            with_exif
        }
        _ => out,
    }
}

/// A minimal APP1 Exif segment holding only DateTimeOriginal ("YYYY:MM:DD HH:MM:SS"), laid out
/// per the Exif 2.3 / TIFF 6.0 structure: IFD0 -> Exif IFD pointer -> tag 0x9003.
fn exif_segment(time: &str) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: one entry, the Exif IFD pointer (tag 0x8769, LONG) to offset 26.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x8769u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // Exif IFD: DateTimeOriginal (0x9003, ASCII, 20 bytes) stored at offset 44.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x9003u16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&20u32.to_le_bytes());
    tiff.extend_from_slice(&44u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut text = time.as_bytes().to_vec();
    text.resize(19, b' ');
    text.push(0);
    tiff.extend_from_slice(&text);
    let mut segment = vec![0xFF, 0xE1];
    let length = (2 + 6 + tiff.len()) as u16;
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}
