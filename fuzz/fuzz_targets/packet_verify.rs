//! Packet verification: a packet comes from outside (an attorney's copy, a court's media
//! lodging), so `daybook verify FOLDER` must refuse anything that does not match, never panic
//! and never read outside the folder. The input is split into manifest.json, SHA256SUMS and
//! one file; when the manifest parses, it is re-signed with a fixed key so the checks after
//! the signature (paths, sizes, hashes, SHA256SUMS) are reached too.
#![no_main]

use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0xff);
    let manifest = parts.next().unwrap_or_default();
    let sums = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default();
    let Ok(dir) = tempfile::tempdir() else { return };
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let manifest_bytes = match serde_json::from_slice::<daybook::packet::Manifest>(manifest) {
        Ok(mut parsed) => {
            parsed.public_key = hex::encode(key.verifying_key().as_bytes());
            serde_json::to_vec_pretty(&parsed).unwrap_or_default()
        }
        Err(_) => manifest.to_vec(),
    };
    let signature = format!("{}\n", hex::encode(key.sign(&manifest_bytes).to_bytes()));
    let mut sums = sums.to_vec();
    // Half the time, a SHA256SUMS that is right for manifest and signature, so the per-file
    // lines are what the fuzzer varies.
    if sums.first().is_some_and(|b| b & 1 == 0) {
        use sha2::Digest;
        sums.extend_from_slice(
            format!(
                "\n{}  manifest.json\n{}  manifest.sig\n",
                hex::encode(sha2::Sha256::digest(&manifest_bytes)),
                hex::encode(sha2::Sha256::digest(signature.as_bytes()))
            )
            .as_bytes(),
        );
    }
    let writes = [
        (dir.path().join("manifest.json"), manifest_bytes.as_slice()),
        (dir.path().join("manifest.sig"), signature.as_bytes()),
        (dir.path().join("SHA256SUMS"), sums.as_slice()),
        (dir.path().join("Report.pdf"), file),
    ];
    for (path, bytes) in writes {
        if std::fs::write(path, bytes).is_err() {
            return;
        }
    }
    let _ = daybook::packet::verify_packet(dir.path(), &daybook::packet::PacketKey::None);
});
