//! Attachment metadata: whatever bytes a user imports, inspection (magic bytes, image size,
//! EXIF capture time, audio duration) returns facts or nothing; it never panics or hangs.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut file = match tempfile::NamedTempFile::new() {
        Ok(f) => f,
        Err(_) => return,
    };
    if file.write_all(data).and_then(|()| file.flush()).is_err() {
        return;
    }
    if let Ok(facts) = daybook::evidence::inspect(file.path()) {
        assert!(!facts.mime.is_empty());
    }
});
