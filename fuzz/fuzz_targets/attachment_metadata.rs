//! Attachment metadata: whatever bytes a user imports, inspection (magic bytes, image size,
//! EXIF capture time, audio duration) returns facts or nothing; no panic escapes it and it
//! never hangs.
#![no_main]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;

static PANICS: AtomicUsize = AtomicUsize::new(0);

fuzz_target!(
    init: {
        // `inspect` catches a panic of a third-party media parser (the duration is then
        // unknown; see the ADTS case in tests/bad_input.rs). libfuzzer-sys's own hook aborts
        // on every panic, even a caught one, so it is replaced by one that only reports (a few
        // times). A panic that escapes `inspect` still aborts the process, since it cannot
        // unwind out of the fuzzer's `extern "C"` entry point, and libFuzzer records a crash.
        std::panic::set_hook(Box::new(|info| {
            let n = PANICS.fetch_add(1, Ordering::Relaxed);
            if n < 5 || n % 10_000 == 0 {
                eprintln!("panic #{} (caught by inspect unless the process aborts now): {info}", n + 1);
            }
        }));
    },
    |data: &[u8]| {
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
    }
);
