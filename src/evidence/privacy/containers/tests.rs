//! Tests of `containers`, kept beside it so the module reads in one sitting.
use super::*;

#[test]
fn reads_iso6709_as_phones_write_it() {
    let at = iso6709("\u{12}\u{15c7}+37.8044-122.2712+010.000/").expect("position");
    assert_eq!((at.latitude, at.longitude), (37.8044, -122.2712));
    assert!(iso6709("no position").is_none());
}

#[test]
fn boxes_that_do_not_fit_end_the_walk() {
    let mut data = 16u32.to_be_bytes().to_vec();
    data.extend_from_slice(b"free\0\0\0\0\0\0\0\0");
    data.extend_from_slice(&u32::MAX.to_be_bytes());
    data.extend_from_slice(b"moov");
    let found = boxes(&data, 0..data.len());
    assert_eq!(found.len(), 1);
    assert_eq!(&found[0].kind, b"free");
}

#[test]
fn a_png_xmp_chunk_is_blanked_as_a_valid_chunk() {
    let mut xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="37,48.264N" exif:GPSLongitude="122,16.272W"/></x:xmpmeta>"#.to_string();
    xmp.push_str(&" ".repeat(200));
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, 2, 2);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .add_itxt_chunk("XML:com.adobe.xmp".into(), xmp)
            .expect("itxt");
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[9u8; 12]).expect("pixels");
    }
    let found = examine_picture(&png_bytes);
    assert!(found.location.is_some());
    let mut clean = png_bytes.clone();
    for p in &found.patches {
        let at = p.offset as usize;
        clean[at..at + p.bytes.len()].copy_from_slice(&p.bytes);
    }
    // The chunk's keyword and its five NULs stay; the text is an empty packet; the CRC
    // fits, so a strict decoder reads the file and its text chunk.
    let keyword = clean
        .windows(22)
        .position(|w| w == b"XML:com.adobe.xmp\0\0\0\0\0")
        .expect("chunk header kept");
    assert!(
        clean[keyword + 22..].starts_with(b"<x:xmpmeta"),
        "the packet's frame stays"
    );
    assert!(!clean.windows(3).any(|w| w == b"GPS"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(&clean));
    decoder.set_ignore_text_chunk(false);
    let mut reader = decoder.read_info().expect("valid PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).expect("pixels");
    assert!(examine_picture(&clean).location.is_none());
}

#[test]
fn xmp_keeps_what_does_not_reveal_and_falls_back_to_an_empty_packet() {
    let packet = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description GCamera:MotionPhoto="1" hdrgm:Version="1.0" aux:SerialNumber="C39XK2">
<exif:GPSLatitude>37,48.264N</exif:GPSLatitude><exif:GPSLongitude>122,16.272W</exif:GPSLongitude>
<Iptc4xmpExt:LocationCreated><rdf:Bag><rdf:li rdf:parseType="Resource"><Iptc4xmpExt:City>Oakland</Iptc4xmpExt:City></rdf:li></rdf:Bag></Iptc4xmpExt:LocationCreated>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let mut found = Findings::default();
    xmp(packet, 0..packet.len(), &mut found);
    assert!(found.location.is_some() && !found.device.is_empty());
    let mut clean = packet.to_vec();
    for p in &found.patches {
        let at = p.offset as usize;
        clean[at..at + p.bytes.len()].copy_from_slice(&p.bytes);
    }
    let clean = String::from_utf8(clean).expect("text");
    for kept in [
        "GCamera:MotionPhoto=\"1\"",
        "hdrgm:Version=\"1.0\"",
        "</rdf:Description>",
    ] {
        assert!(clean.contains(kept), "{kept} kept: {clean}");
    }
    for gone in ["GPS", "C39XK2", "Oakland", "LocationCreated"] {
        assert!(!clean.contains(gone), "{gone} removed: {clean}");
    }
    // A form not handled (a comment, which could hide or fake a tag) blanks the whole packet.
    let odd = br#"<x:xmpmeta><!-- a note --><rdf:Description exif:GPSLatitude="37,48.264N"/></x:xmpmeta>"#;
    let mut found = Findings::default();
    xmp(odd, 0..odd.len(), &mut found);
    assert_eq!(found.patches.len(), 1);
    assert_eq!(found.patches[0].bytes.len(), odd.len());
}

#[test]
fn reads_an_xmp_position() {
    let mut packet =
        br#"<rdf:Description exif:GPSLatitude="37,48.264N" exif:GPSLongitude="122,16.272W"/>"#
            .to_vec();
    packet.resize(400, b' '); // packets carry padding
    let packet = &packet[..];
    let mut found = Findings::default();
    xmp(packet, 0..packet.len(), &mut found);
    let at = found.location.expect("position");
    assert!((at.latitude - 37.8044).abs() < 1e-4 && (at.longitude + 122.2712).abs() < 1e-4);
    // Only the two properties go, each replaced by spaces of its own length.
    assert_eq!(found.patches.len(), 2);
    let mut clean = packet.to_vec();
    for p in &found.patches {
        let at = p.offset as usize;
        clean[at..at + p.bytes.len()].copy_from_slice(&p.bytes);
    }
    let clean = String::from_utf8(clean).expect("text");
    assert!(clean.starts_with("<rdf:Description ") && clean.trim_end().ends_with("/>"));
    assert!(!clean.contains("GPS") && !clean.contains("37,48"));
}

#[test]
fn property_names_are_judged_by_their_words() {
    for place in [
        "GPSLatitude",
        "GpsLongitude",
        "Latitude",
        "LRFTargetLat",
        "LocationCreated",
        "City",
        "CountryCode",
        "ProvinceState",
        "Sublocation",
    ] {
        assert!(reveal_of(place) == Some(Reveal::Place), "{place}");
    }
    for device in [
        "SerialNumber",
        "DroneSerialNumber",
        "OwnerName",
        "CameraOwnerName",
    ] {
        assert!(reveal_of(device) == Some(Reveal::Device), "{device}");
    }
    for harmless in [
        "MaskOpacity",
        "MotionPhoto",
        "Version",
        "Orientation",
        "Translation",
        "CreatorTool",
    ] {
        assert!(reveal_of(harmless).is_none(), "{harmless}");
    }
}
