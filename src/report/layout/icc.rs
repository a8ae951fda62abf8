//! A small CMYK ICC profile, generated in code, for CMYK JPEG evidence.
//!
//! PDF/A forbids `/DeviceCMYK` in a file whose output intent is RGB, and embedding a JPEG
//! unchanged means its CMYK samples cannot be converted. The alternative is an `/ICCBased`
//! colour space, which needs a CMYK profile; the usual ones (FOGRA, SWOP) come with licences
//! that do not suit an AGPL project, so this module builds one: an ICC v2.1 input-class
//! profile whose A2B0 lookup table maps ink amounts to L*a*b* with the naive model
//! `R = (1-C)(1-K)`, `G = (1-M)(1-K)`, `B = (1-Y)(1-K)` in sRGB. That is what viewers do for
//! `/DeviceCMYK` anyway, so appearance is unchanged; only the file becomes self-describing.

/// Grid points per input channel of the lookup table (5^4 = 625 entries).
const GRID: usize = 5;

/// D50, the ICC profile connection space white point, as s15Fixed16 X, Y, Z.
const D50: [i32; 3] = [0x0000_F6D6, 0x0001_0000, 0x0000_D32D];

pub(crate) fn naive_cmyk_profile() -> Vec<u8> {
    let tags: Vec<([u8; 4], Vec<u8>)> = vec![
        (
            *b"desc",
            text_description("Daybook naive CMYK (sRGB-equivalent)"),
        ),
        (*b"cprt", text_type("No copyright, use freely")),
        (*b"wtpt", xyz_type(D50)),
        (*b"A2B0", lut16()),
    ];

    let header_len = 128;
    let table_len = 4 + 12 * tags.len();
    let mut offset = header_len + table_len;
    let mut table = Vec::with_capacity(table_len);
    let mut data = Vec::new();
    table.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    for (sig, body) in &tags {
        table.extend_from_slice(sig);
        table.extend_from_slice(&(offset as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
        // Tag data starts on 4-byte boundaries.
        while data.len() % 4 != 0 {
            data.push(0);
        }
        offset = header_len + table_len + data.len();
    }
    let size = header_len + table_len + data.len();

    let mut p = Vec::with_capacity(size);
    p.extend_from_slice(&(size as u32).to_be_bytes());
    p.extend_from_slice(&[0; 4]); // preferred CMM: none
    p.extend_from_slice(&0x0210_0000u32.to_be_bytes()); // version 2.1
    p.extend_from_slice(b"scnr"); // input device class
    p.extend_from_slice(b"CMYK");
    p.extend_from_slice(b"Lab ");
    // Creation date: fixed, so output stays byte-identical.
    for v in [2026u16, 1, 1, 0, 0, 0] {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p.extend_from_slice(b"acsp");
    p.extend_from_slice(&[0; 4]); // platform
    p.extend_from_slice(&[0; 4]); // flags
    p.extend_from_slice(&[0; 8]); // manufacturer, model
    p.extend_from_slice(&[0; 8]); // attributes
    p.extend_from_slice(&0u32.to_be_bytes()); // perceptual intent
    for v in D50 {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p.extend_from_slice(&[0; 4]); // creator
    p.resize(128, 0); // profile ID (unused in v2) and reserved bytes
    p.extend_from_slice(&table);
    p.extend_from_slice(&data);
    p
}

fn text_description(s: &str) -> Vec<u8> {
    let mut t = b"desc\0\0\0\0".to_vec();
    t.extend_from_slice(&(s.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(s.as_bytes());
    t.push(0);
    t.extend_from_slice(&[0; 8]); // no Unicode description
    t.extend_from_slice(&[0; 3]); // no ScriptCode description
    t.extend_from_slice(&[0; 67]);
    t
}

fn text_type(s: &str) -> Vec<u8> {
    let mut t = b"text\0\0\0\0".to_vec();
    t.extend_from_slice(s.as_bytes());
    t.push(0);
    t
}

fn xyz_type(xyz: [i32; 3]) -> Vec<u8> {
    let mut t = b"XYZ \0\0\0\0".to_vec();
    for v in xyz {
        t.extend_from_slice(&v.to_be_bytes());
    }
    t
}

/// `mft2`: 4 inputs, 3 outputs (Lab), identity input/output curves, CLUT in between.
fn lut16() -> Vec<u8> {
    let mut t = b"mft2\0\0\0\0".to_vec();
    t.extend_from_slice(&[4, 3, GRID as u8, 0]);
    // 3x3 identity matrix (only used by XYZ-input tables, but required).
    for i in 0..9 {
        let v: i32 = if i % 4 == 0 { 0x0001_0000 } else { 0 };
        t.extend_from_slice(&v.to_be_bytes());
    }
    t.extend_from_slice(&2u16.to_be_bytes()); // input table entries
    t.extend_from_slice(&2u16.to_be_bytes()); // output table entries
    for _ in 0..4 {
        t.extend_from_slice(&0u16.to_be_bytes());
        t.extend_from_slice(&u16::MAX.to_be_bytes());
    }
    let step = |i: usize| i as f64 / (GRID - 1) as f64;
    for c in 0..GRID {
        for m in 0..GRID {
            for y in 0..GRID {
                for k in 0..GRID {
                    let (c, m, y, k) = (step(c), step(m), step(y), step(k));
                    let rgb = [
                        (1.0 - c) * (1.0 - k),
                        (1.0 - m) * (1.0 - k),
                        (1.0 - y) * (1.0 - k),
                    ];
                    for v in lab16(rgb) {
                        t.extend_from_slice(&v.to_be_bytes());
                    }
                }
            }
        }
    }
    for _ in 0..3 {
        t.extend_from_slice(&0u16.to_be_bytes());
        t.extend_from_slice(&u16::MAX.to_be_bytes());
    }
    t
}

/// sRGB (gamma-encoded, 0..1) → L*a*b* (D50) in the ICC v2 16-bit Lab encoding.
fn lab16(rgb: [f64; 3]) -> [u16; 3] {
    let lin = rgb.map(|v| {
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    });
    // sRGB → XYZ, Bradford-adapted to D50.
    let x = 0.436_074_7 * lin[0] + 0.385_064_9 * lin[1] + 0.143_080_4 * lin[2];
    let y = 0.222_504_5 * lin[0] + 0.716_878_6 * lin[1] + 0.060_616_9 * lin[2];
    let z = 0.013_932_2 * lin[0] + 0.097_104_5 * lin[1] + 0.714_173_3 * lin[2];
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / 0.9642), f(y), f(z / 0.8249));
    let l = 116.0 * fy - 16.0;
    let a = 500.0 * (fx - fy);
    let b = 200.0 * (fy - fz);
    let enc = |v: f64| v.round().clamp(0.0, 65535.0) as u16;
    [
        enc(l * 65280.0 / 100.0),
        enc((a + 128.0) * 256.0),
        enc((b + 128.0) * 256.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_is_well_formed() {
        let p = naive_cmyk_profile();
        assert_eq!(
            u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize,
            p.len()
        );
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(&p[12..24], b"scnrCMYKLab ");
        assert_eq!(u32::from_be_bytes([p[128], p[129], p[130], p[131]]), 4);
    }

    #[test]
    fn white_and_black_map_to_lab_extremes() {
        let white = lab16([1.0, 1.0, 1.0]);
        assert!(white[0] >= 65200, "{white:?}");
        assert!(white[1].abs_diff(0x8000) < 200 && white[2].abs_diff(0x8000) < 200);
        assert_eq!(lab16([0.0, 0.0, 0.0])[0], 0);
    }
}
