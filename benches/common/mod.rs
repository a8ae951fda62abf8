//! What the benches share: generated evidence files, deterministic by seed.

use daybook::model::{IncidentInput, IncidentKind, OrderInput, OrderKind, PersonInput, PersonRef};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The benches' order after hearing (Rivera v. Rivera), issued and served on `issued`.
pub fn order_input(case_number: &str, issued: &str, expires: &str) -> OrderInput {
    OrderInput {
        kind: OrderKind::AfterHearing,
        court: "Superior Court of California, County of Alameda".into(),
        state: "CA".into(),
        case_number: case_number.into(),
        issued_on: issued.into(),
        served_on: Some(issued.into()),
        expires_on: Some(expires.into()),
        petitioner: Some("Jordan A. Rivera".into()),
        respondent: Some(PersonRef::New(Box::new(PersonInput {
            name: "Casey B. Rivera".into(),
            ..PersonInput::default()
        }))),
        protected_persons: Vec::new(),
        terms: Vec::new(),
        notes: None,
    }
}

/// An incident by text message in Los Angeles under the order `order_id`, quoting him.
#[allow(dead_code)] // benches/perf.rs writes its own, with more of an incident's fields
pub fn text_incident(
    occurred_at: String,
    location: &str,
    description: String,
    order_id: &str,
) -> IncidentInput {
    IncidentInput {
        occurred_at,
        ended_at: None,
        timezone: "America/Los_Angeles".into(),
        approximate: false,
        kinds: vec![IncidentKind::TextMessage],
        location: Some(location.into()),
        description,
        quotes: vec!["You can't hide from me.".into()],
        witnesses: Vec::new(),
        order_id: Some(order_id.into()),
        term: None,
        police: None,
        impact: None,
        communications: Vec::new(),
    }
}

/// A 1080x1920 phone screenshot: chat bubbles over a picture whose busyness varies with
/// `seed`, so files come out between about 100 and 400 KB.
pub fn screenshot(seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (w, h) = (1080usize, 1920usize);
    let grain = rng.random_range(6..40u32);
    let mut px = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let wave = ((x as f32 / 37.0).sin() + (y as f32 / 53.0).cos()) * 30.0;
            let noise = rng.random_range(0..grain) as f32;
            px[i] = (120.0 + wave + noise) as u8;
            px[i + 1] = (140.0 + wave * 0.5 + noise) as u8;
            px[i + 2] = (160.0 - wave + noise) as u8;
        }
    }
    let mut y = 200;
    while y < h - 200 {
        let width = rng.random_range(300..800);
        let height = rng.random_range(80..220);
        let x = if rng.random_range(0..2) == 0 {
            40
        } else {
            w - width - 40
        };
        for row in y..(y + height).min(h) {
            for col in x..x + width {
                let i = (row * w + col) * 3;
                px[i..i + 3].copy_from_slice(&[235, 235, 240]);
            }
        }
        y += height + rng.random_range(40..120);
    }
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 80);
    match encoder.encode(&px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// Where incidents happened, as a protected person would write it.
pub const PLACES: [&str; 8] = [
    "My phone, at home",
    "Parking lot outside my workplace",
    "Lincoln Elementary School pickup line",
    "Front porch, my home",
    "Grocery store on Grand Avenue",
    "Bus stop at 14th and Broadway",
    "My sister's apartment building",
    "Instagram direct messages",
];

/// What happened, a sentence at a time, as a protected person would write it.
pub const SENTENCES: [&str; 16] = [
    "The respondent sent a series of messages from a number I did not recognise.",
    "I did not reply and saved the screenshots.",
    "His truck was parked across the street for about twenty minutes.",
    "A neighbour saw him walk up to the door and leave something on the step.",
    "He said he would keep calling until I dropped the case.",
    "Me dijo que sabía dónde estaba y que no podía esconderme.",
    "I called the police non-emergency line and was given a report number.",
    "I changed my route home and asked a coworker to walk me to my car.",
    "He left three voicemails between nine and ten in the evening.",
    "A new account with his photo started following my friends and commenting on my posts.",
    "My son said his father was waiting by the school gate at pickup.",
    "Flowers and a card signed with his nickname were left on my windshield.",
    "He drove past the house slowly twice and honked.",
    "He told my mother to tell me that I would regret going to court.",
    "The back tyre of my car was slashed overnight.",
    "I saw him in the store aisle; he stared at me and followed me to the checkout.",
];
