//! Encrypted iPhone backups, opened with the backup password (iOS 10.2 and later).
//!
//! The format, as the open implementations and the iOS Security Guide describe it (written
//! here from those facts; nothing is copied from them):
//!
//! 1. `Manifest.plist` holds `BackupKeyBag`, a list of `[4-byte tag][4-byte big-endian
//!    length][value]` entries: a header (`VERS`, `TYPE` 1 for a backup, `UUID`, `SALT`,
//!    `ITER`, `DPSL`, `DPIC`, ...) then, from the second `UUID` on, one record per protection
//!    class (`CLAS`, `WRAP`, `KTYP`, `WPKY` the wrapped class key).
//! 2. The password becomes the key-encryption key in two rounds:
//!    `PBKDF2-HMAC-SHA256(password, DPSL, DPIC, 32)` then `PBKDF2-HMAC-SHA1(that, SALT, ITER,
//!    32)` (RFC 8018 §5.2).
//! 3. Each class key whose `WRAP` has the passcode bit (2) is unwrapped with it (AES key wrap,
//!    RFC 3394). The unwrap checks its own integrity, so a wrong password is known here,
//!    before any file is touched.
//! 4. `ManifestKey` (a 4-byte little-endian class, then a wrapped key) opens `Manifest.db`:
//!    AES-256-CBC with a zero IV and PKCS#7 padding, the whole file.
//! 5. Each file's record in Manifest.db (`Files.file`, an NSKeyedArchiver property list of an
//!    `MBFile`) gives its `Size` (the plain length), `ProtectionClass` and `EncryptionKey`
//!    (4-byte class, then its wrapped key); the file is AES-256-CBC with a zero IV and PKCS#7
//!    padding, so its length on disk is `Size` rounded up past the next 16 bytes.
//!
//! Sources: jsharkey13/iphone_backup_decrypt (MIT) `iphone_backup.py`, `utils.py` and
//! `google_iphone_dataprotection.py` (BSD-3-Clause, Bédrune and Sigwald); dinosec
//! iphone-dataprotection `keystore/keybag.py` and `backups/backup10.py`; ReagentX/crabapple
//! (GPL-3.0-or-later) as a cross-check; the DPSL/DPIC round from
//! <https://github.com/horrorho/InflatableDonkey/issues/41#issuecomment-261927890>. These are
//! references only, not dependencies: crabapple writes the decrypted Manifest.db to a fixed
//! file in the temp folder and opens it read-write, which Daybook must never do, and it pins
//! one rusqlite version.
//!
//! Nothing decrypted is written to disk: Manifest.db and the phone's databases are decrypted
//! into SQLite's memory ([`open_in_memory`]); pictures and recordings are decrypted as they
//! stream into the journal's own encrypted blobs. The password, the derived keys and every
//! unwrapped key are wiped from memory when dropped (`zeroize`) and never printed.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};

// AES-256 block cipher (FIPS 197), used directly only to decrypt a file's last block.
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockDecryptMut, KeyInit, KeyIvInit};
use aes::Aes256;
use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};
use zeroize::{Zeroize, Zeroizing};

/// The most `DPIC` (PBKDF2-SHA256 rounds) taken. Phones write 10,000,000 (about 1.5 s here);
/// a backup asking for more than ten times that is refused rather than leaving Daybook busy
/// for minutes.
pub(super) const MAX_DPIC: u32 = 100_000_000;
/// The most `ITER` (PBKDF2-SHA1 rounds) taken. Phones write 10,000.
pub(super) const MAX_ITER: u32 = 10_000_000;
/// A keybag larger than this is not one (real ones are about 1 KB).
const MAX_KEYBAG_BYTES: usize = 64 * 1024;
/// A wrapped 256-bit key: the key and RFC 3394's 8-byte integrity value.
const WRAPPED_KEY_BYTES: usize = 40;
/// `WRAP` bit: the class key is wrapped with the key from the password.
const WRAP_PASSCODE: u32 = 2;
/// `TYPE` of a backup keybag (0 is the phone's own, 2 escrow, 3 iCloud).
const BACKUP_KEYBAG: u32 = 1;
const BLOCK: usize = 16;

/// A 256-bit key, wiped when dropped.
pub(super) type Key = Zeroizing<[u8; 32]>;

/// Why a keybag cannot be used, in words for the person.
pub(super) type Refusal = String;

/// The backup's class keys, unwrapped with the password, by protection class.
pub(super) struct ClassKeys {
    keys: HashMap<u32, Key>,
}

impl std::fmt::Debug for ClassKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut classes: Vec<_> = self.keys.keys().collect();
        classes.sort();
        f.debug_struct("ClassKeys")
            .field("classes", &classes)
            .finish_non_exhaustive()
    }
}

/// What unlocking a keybag gave.
#[derive(Debug)]
pub(super) enum Unlocked {
    Keys(ClassKeys),
    /// The password does not unwrap the class keys.
    WrongPassword,
}

/// One class record of the keybag.
struct ClassRecord {
    class: u32,
    wrap: u32,
    wrapped: Vec<u8>,
}

/// The keybag's header and class records.
struct Keybag {
    kind: Option<u32>,
    salt: Option<Vec<u8>>,
    iter: Option<u32>,
    dpsl: Option<Vec<u8>>,
    dpic: Option<u32>,
    classes: Vec<ClassRecord>,
}

/// Reads a `BackupKeyBag`, refusing in words one that is cut short, oversized or not a
/// backup's.
fn parse_keybag(bytes: &[u8]) -> Result<Keybag, Refusal> {
    if bytes.len() > MAX_KEYBAG_BYTES {
        return Err(format!(
            "it is {} bytes long, far more than a backup's key list",
            bytes.len()
        ));
    }
    let mut bag = Keybag {
        kind: None,
        salt: None,
        iter: None,
        dpsl: None,
        dpic: None,
        classes: Vec::new(),
    };
    let mut uuids = 0u32;
    let mut current: Option<ClassRecord> = None;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (Some(tag), Some(len)) = (rest.get(..4), rest.get(4..8)) else {
            return Err("it ends in the middle of an entry (it is cut short)".into());
        };
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let Some(value) = rest.get(8..).and_then(|r| r.get(..len)) else {
            return Err("an entry runs past its end (it is cut short)".into());
        };
        rest = &rest[8 + len..];
        let number = || -> Result<u32, Refusal> {
            <[u8; 4]>::try_from(value)
                .map(u32::from_be_bytes)
                .map_err(|_| {
                    format!(
                        "its {} entry is {len} bytes where a number takes 4",
                        String::from_utf8_lossy(tag)
                    )
                })
        };
        match tag {
            b"UUID" => {
                uuids += 1;
                if uuids > 1 {
                    bag.classes.extend(current.take());
                    current = Some(ClassRecord {
                        class: 0,
                        wrap: 0,
                        wrapped: Vec::new(),
                    });
                }
            }
            b"TYPE" if current.is_none() => bag.kind = Some(number()?),
            b"SALT" if current.is_none() => bag.salt = Some(value.to_vec()),
            b"ITER" if current.is_none() => bag.iter = Some(number()?),
            b"DPSL" if current.is_none() => bag.dpsl = Some(value.to_vec()),
            b"DPIC" if current.is_none() => bag.dpic = Some(number()?),
            b"CLAS" => {
                if let Some(c) = current.as_mut() {
                    c.class = number()?;
                }
            }
            b"WRAP" => {
                if let Some(c) = current.as_mut() {
                    c.wrap = number()?;
                }
            }
            b"WPKY" => {
                if let Some(c) = current.as_mut() {
                    c.wrapped = value.to_vec();
                }
            }
            // VERS, HMCK, DPWT, KTYP, PBKY and tags of later iOS versions are not needed.
            _ => {}
        }
    }
    bag.classes.extend(current);
    Ok(bag)
}

/// Turns the password into the class keys of the keybag `bytes`.
pub(super) fn unlock(bytes: &[u8], password: &SecretString) -> Result<Unlocked, Refusal> {
    let bag = parse_keybag(bytes)?;
    match bag.kind.map(|k| k & 0x3FFF_FFFF) {
        Some(BACKUP_KEYBAG) => {}
        Some(other) => {
            return Err(format!(
                "it is not a backup's key list (its type is {other}, a backup's is 1)"
            ))
        }
        None => return Err("it does not say what kind of key list it is".into()),
    }
    let (Some(salt), Some(iter)) = (bag.salt.as_deref(), bag.iter) else {
        return Err("it has no salt or round count for the password".into());
    };
    let (Some(dpsl), Some(dpic)) = (bag.dpsl.as_deref(), bag.dpic) else {
        return Err(
            "it was made by iOS before 10.2, whose encrypted backups Daybook cannot open; make \
             a new backup of the phone"
                .into(),
        );
    };
    check_rounds("DPIC", dpic, MAX_DPIC)?;
    check_rounds("ITER", iter, MAX_ITER)?;
    let kek = password_key(password, dpsl, dpic, salt, iter);
    let mut keys = HashMap::new();
    // Only keys wrapped with the password alone: one also wrapped with the phone's own key
    // (WRAP 3) cannot be opened off the phone, and backups' files do not use it.
    for record in bag.classes.iter().filter(|c| c.wrap == WRAP_PASSCODE) {
        // A class key of another size (a Curve25519 pair) is not one that files of a backup
        // use; it is left out rather than guessed at.
        if record.wrapped.len() != WRAPPED_KEY_BYTES {
            continue;
        }
        match unwrap_key(&kek, &record.wrapped) {
            Some(key) => {
                keys.insert(record.class, key);
            }
            None => return Ok(Unlocked::WrongPassword),
        }
    }
    if keys.is_empty() {
        return Err("it holds no keys that a password opens".into());
    }
    Ok(Unlocked::Keys(ClassKeys { keys }))
}

fn check_rounds(tag: &str, rounds: u32, max: u32) -> Result<(), Refusal> {
    if rounds == 0 {
        return Err(format!("it asks for 0 rounds of key derivation ({tag})"));
    }
    if rounds > max {
        return Err(format!(
            "it asks for {rounds} rounds of key derivation ({tag}), more than the {max} Daybook \
             allows; an iPhone asks for far fewer, so the backup is not as the phone wrote it"
        ));
    }
    Ok(())
}

/// The key-encryption key from the password (iOS 10.2 and later): PBKDF2 (RFC 8018 §5.2)
/// with HMAC-SHA256 over `DPSL`/`DPIC`, then with HMAC-SHA1 over `SALT`/`ITER`, 32 bytes
/// each.
///
/// A phone's 10,000,000 SHA-256 rounds are the slow part, on purpose: about 1.5 s in a release
/// build on a machine with SHA extensions, but about 40 s in a debug build, because the generic
/// PBKDF2 loop is compiled with Daybook's own (unoptimised) debug settings. Tests use small
/// round counts; the app should run this off its UI thread and say that it is working.
pub(super) fn password_key(
    password: &SecretString,
    dpsl: &[u8],
    dpic: u32,
    salt: &[u8],
    iter: u32,
) -> Key {
    let mut first = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
        password.expose_secret().as_bytes(),
        dpsl,
        dpic,
        first.as_mut(),
    );
    let mut kek = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(first.as_ref(), salt, iter, kek.as_mut());
    kek
}

/// RFC 3394 AES key unwrap (default IV A6A6A6A6A6A6A6A6) of a 256-bit key; `None` when the
/// integrity check fails (a wrong key) or `wrapped` is not 40 bytes.
pub(super) fn unwrap_key(kek: &[u8; 32], wrapped: &[u8]) -> Option<Key> {
    if wrapped.len() != WRAPPED_KEY_BYTES {
        return None;
    }
    // `new` borrows the key: no copy of it is left on the stack (the cipher inside wipes its
    // key schedule when dropped, aes's `zeroize` feature).
    let kek = aes_kw::KekAes256::new(GenericArray::from_slice(kek));
    let mut out = Zeroizing::new([0u8; 32]);
    kek.unwrap(wrapped, out.as_mut()).ok()?;
    Some(out)
}

impl ClassKeys {
    /// Unwraps a key given as a 4-byte little-endian class then an RFC 3394-wrapped key (the
    /// form of `ManifestKey` and of a file's `EncryptionKey`), with `class` when given (a
    /// file's `ProtectionClass`), else the prefix's.
    pub(super) fn unwrap_prefixed(&self, data: &[u8], class: Option<u32>) -> Result<Key, Refusal> {
        let (Some(prefix), Some(wrapped)) = (data.get(..4), data.get(4..)) else {
            return Err("its key is cut short".into());
        };
        let class = class
            .unwrap_or_else(|| u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]));
        let Some(class_key) = self.keys.get(&class) else {
            return Err(format!(
                "it is in protection class {class}, which the backup password does not open"
            ));
        };
        if wrapped.len() != WRAPPED_KEY_BYTES {
            return Err(format!(
                "its key is {} bytes where Daybook reads {WRAPPED_KEY_BYTES}",
                wrapped.len()
            ));
        }
        unwrap_key(class_key, wrapped)
            .ok_or_else(|| "its key does not unwrap with its class key (it is damaged)".into())
    }
}

/// A file's record in an encrypted backup's Manifest.db (`Files.file`).
#[derive(Clone)]
pub(super) struct FileRecord {
    /// The plain length (`Size`).
    pub size: u64,
    /// `ProtectionClass`.
    pub class: Option<u32>,
    /// `EncryptionKey`'s `NS.data`: class then wrapped key; `None` for an empty file.
    pub key: Option<Vec<u8>>,
}

/// Reads the `MBFile` of an NSKeyedArchiver binary property list (`$top.root` → its dict in
/// `$objects`; `EncryptionKey` is a reference to a dict whose `NS.data` holds the key).
pub(super) fn file_record(blob: &[u8]) -> Result<FileRecord, Refusal> {
    let refuse = || "the backup's file list does not give its size and key".to_string();
    let archive = plist::Value::from_reader(io::Cursor::new(blob)).map_err(|_| refuse())?;
    let archive = archive.as_dictionary().ok_or_else(refuse)?;
    let objects = archive
        .get("$objects")
        .and_then(plist::Value::as_array)
        .ok_or_else(refuse)?;
    let object = |v: &plist::Value| -> Option<&plist::Dictionary> {
        let uid = match v {
            plist::Value::Uid(uid) => uid.get(),
            _ => return None,
        };
        objects.get(usize::try_from(uid).ok()?)?.as_dictionary()
    };
    let root = archive
        .get("$top")
        .and_then(plist::Value::as_dictionary)
        .and_then(|t| t.get("root"))
        .and_then(object)
        .ok_or_else(refuse)?;
    let size = root
        .get("Size")
        .and_then(plist::Value::as_unsigned_integer)
        .ok_or_else(refuse)?;
    let class = root
        .get("ProtectionClass")
        .and_then(plist::Value::as_unsigned_integer)
        .and_then(|c| u32::try_from(c).ok());
    let key = match root.get("EncryptionKey") {
        None => None,
        Some(v) => Some(
            object(v)
                .and_then(|d| d.get("NS.data"))
                .and_then(plist::Value::as_data)
                .ok_or_else(refuse)?
                .to_vec(),
        ),
    };
    Ok(FileRecord { size, class, key })
}

/// Decrypts AES-256-CBC with a zero IV (NIST SP 800-38A §6.2) as it is read, giving the plain
/// bytes without the PKCS#7 padding (RFC 5652 §6.3), which was checked before the first byte.
pub(super) struct Decrypting<R> {
    inner: R,
    cbc: cbc::Decryptor<Aes256>,
    /// Plain bytes still to give.
    remaining: u64,
    /// Decrypted bytes not yet given: `buf[start..end]`.
    buf: Zeroizing<Vec<u8>>,
    start: usize,
    end: usize,
}

/// Bytes decrypted at a time.
const CHUNK: usize = 64 * 1024;

impl<R: Read + Seek> Decrypting<R> {
    /// Checks the file's length and padding (decrypting its last block), and that the plain
    /// length is `expected` when given. The error says why in words.
    pub(super) fn new(mut inner: R, key: &Key, expected: Option<u64>) -> Result<Self, Refusal> {
        let io_err = |e: io::Error| format!("it cannot be read ({e})");
        let len = inner.seek(SeekFrom::End(0)).map_err(io_err)?;
        if len == 0 || len % BLOCK as u64 != 0 {
            return Err(format!(
                "its encrypted data is {len} bytes, not a whole number of 16-byte blocks (the \
                 copy is damaged or incomplete)"
            ));
        }
        // The last block decrypts on its own: plain = AES⁻¹(last) XOR the block before
        // (the zero IV for a one-block file).
        let mut tail = [0u8; 2 * BLOCK];
        let (prev, last) = tail.split_at_mut(BLOCK);
        if len > BLOCK as u64 {
            inner
                .seek(SeekFrom::Start(len - 2 * BLOCK as u64))
                .map_err(io_err)?;
            inner.read_exact(prev).map_err(io_err)?;
        } else {
            inner
                .seek(SeekFrom::Start(len - BLOCK as u64))
                .map_err(io_err)?;
        }
        inner.read_exact(last).map_err(io_err)?;
        let aes = Aes256::new(GenericArray::from_slice(key.as_ref()));
        let mut block = GenericArray::clone_from_slice(last);
        aes.decrypt_block(&mut block);
        for (b, p) in block.iter_mut().zip(prev.iter()) {
            *b ^= p;
        }
        let pad = block[BLOCK - 1];
        let padded = (1..=BLOCK as u8).contains(&pad)
            && block[BLOCK - usize::from(pad)..].iter().all(|b| *b == pad);
        block.as_mut_slice().zeroize();
        if !padded {
            return Err(
                "it does not decrypt with its key (its padding is wrong: the file is damaged)"
                    .into(),
            );
        }
        let plain = len - u64::from(pad);
        if let Some(expected) = expected {
            if expected != plain {
                return Err(format!(
                    "it decrypts to {plain} bytes where the backup's file list says {expected} \
                     (the file is damaged or is not the one listed)"
                ));
            }
        }
        inner.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let cbc = cbc::Decryptor::<Aes256>::new(
            GenericArray::from_slice(key.as_ref()),
            &GenericArray::default(),
        );
        Ok(Decrypting {
            inner,
            cbc,
            remaining: plain,
            buf: Zeroizing::new(vec![0u8; CHUNK]),
            start: 0,
            end: 0,
        })
    }

    /// The plain length.
    pub(super) fn plain_len(&self) -> u64 {
        self.remaining + (self.end - self.start) as u64
    }
}

impl<R: Read> Read for Decrypting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end {
            if self.remaining == 0 || out.is_empty() {
                return Ok(0);
            }
            // Whole blocks up to CHUNK, one more than the plain bytes left (the padding).
            let want = usize::try_from(self.remaining)
                .unwrap_or(usize::MAX)
                .saturating_add(BLOCK)
                .min(CHUNK)
                / BLOCK
                * BLOCK;
            let mut filled = 0;
            while filled < want {
                match self.inner.read(&mut self.buf[filled..want]) {
                    Ok(0) => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the encrypted file ends early (it changed while being read)",
                        ))
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            for block in self.buf[..want].chunks_exact_mut(BLOCK) {
                self.cbc
                    .decrypt_block_mut(GenericArray::from_mut_slice(block));
            }
            let plain = usize::try_from(self.remaining).map_or(want, |r| r.min(want));
            self.start = 0;
            self.end = plain;
            self.remaining -= plain as u64;
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

/// Gives bytes 18 and 19 of an SQLite header (the file format versions) as 1 where they are
/// 2 (WAL): SQLite refuses a WAL-mode image in memory, and a backup holds no `-wal` to read.
/// Only the copy in memory changes.
struct RollbackHeader<R> {
    inner: R,
    at: u64,
}

impl<R: Read> Read for RollbackHeader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        for (i, b) in out[..n].iter_mut().enumerate() {
            let at = self.at + i as u64;
            if (at == 18 || at == 19) && *b == 2 {
                *b = 1;
            }
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// An SQLite database of `size` bytes read from `data` into memory (`sqlite3_deserialize`),
/// opened read-only; temporary tables stay in memory too, so no byte of it reaches the disk.
pub(super) fn open_in_memory(data: impl Read, size: u64) -> rusqlite::Result<Connection> {
    let size = usize::try_from(size).map_err(|_| rusqlite::Error::InvalidQuery)?;
    let mut conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.deserialize_read_exact(
        rusqlite::MAIN_DB,
        RollbackHeader { inner: data, at: 0 },
        size,
        true,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    /// RFC 3394 §4.6: 256 bits of key data wrapped with a 256-bit KEK.
    #[test]
    fn key_unwrap_matches_rfc_3394() {
        let kek: [u8; 32] =
            unhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
                .try_into()
                .unwrap();
        let wrapped = unhex(
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
        );
        let key = unwrap_key(&kek, &wrapped).unwrap();
        assert_eq!(
            key[..],
            unhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")[..]
        );
        let mut wrong = kek;
        wrong[0] ^= 1;
        assert!(unwrap_key(&wrong, &wrapped).is_none());
        assert!(unwrap_key(&kek, &wrapped[..32]).is_none());
    }

    /// RFC 6070 (PBKDF2-HMAC-SHA1) and RFC 7914 §11 (PBKDF2-HMAC-SHA256).
    #[test]
    fn pbkdf2_matches_rfc_6070_and_rfc_7914() {
        let mut out = [0u8; 20];
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(b"password", b"salt", 1, &mut out);
        assert_eq!(hex::encode(out), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(b"password", b"salt", 4096, &mut out);
        assert_eq!(hex::encode(out), "4b007901b765489abead49d926f721d065a429c1");
        let mut out = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            hex::encode(out),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
    }

    /// NIST SP 800-38A F.2.6 (CBC-AES256.Decrypt), read through [`Decrypting`] with the IV
    /// folded into a first block (the backup's IV is zero), and a PKCS#7 block added.
    #[test]
    fn cbc_decryption_matches_sp_800_38a() {
        use aes::cipher::BlockEncryptMut;
        let key: Key = Zeroizing::new(
            unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
                .try_into()
                .unwrap(),
        );
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let cipher = unhex(
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
             39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
        );
        let plain = unhex(
            "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
             30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
        );
        // The published ciphertext follows the IV; after it, the padding block as CBC with
        // this key gives it.
        let mut enc = cbc::Encryptor::<Aes256>::new(
            GenericArray::from_slice(key.as_ref()),
            GenericArray::from_slice(&cipher[48..]),
        );
        let mut pad = GenericArray::clone_from_slice(&[16u8; 16]);
        enc.encrypt_block_mut(&mut pad);
        let mut file = iv.clone();
        file.extend_from_slice(&cipher);
        file.extend_from_slice(&pad);
        let mut reader = Decrypting::new(io::Cursor::new(file), &key, Some(80)).unwrap();
        assert_eq!(reader.plain_len(), 80);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        // The first block is the IV decrypted under a zero IV: not checked.
        assert_eq!(&out[16..], plain.as_slice());
        // The wrong size, a partial block and a wrong key are refused before any byte.
        let mut file = iv;
        file.extend_from_slice(&cipher);
        file.extend_from_slice(&pad);
        assert!(Decrypting::new(io::Cursor::new(file.clone()), &key, Some(81)).is_err());
        assert!(Decrypting::new(io::Cursor::new(file[..79].to_vec()), &key, None).is_err());
        let wrong: Key = Zeroizing::new([7u8; 32]);
        assert!(Decrypting::new(io::Cursor::new(file), &wrong, None).is_err());
    }

    fn tlv(out: &mut Vec<u8>, tag: &[u8; 4], value: &[u8]) {
        out.extend_from_slice(tag);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }

    fn keybag(dpic: u32, iter: u32, password: &str, class_key: &[u8; 32]) -> Vec<u8> {
        let (dpsl, salt) = ([1u8; 20], [2u8; 20]);
        let kek = password_key(
            &SecretString::from(password.to_string()),
            &dpsl,
            dpic.clamp(1, 10),
            &salt,
            iter.clamp(1, 10),
        );
        let mut wrapped = [0u8; 40];
        aes_kw::KekAes256::from(*kek)
            .wrap(class_key, &mut wrapped)
            .unwrap();
        let mut bag = Vec::new();
        tlv(&mut bag, b"VERS", &4u32.to_be_bytes());
        tlv(&mut bag, b"TYPE", &1u32.to_be_bytes());
        tlv(&mut bag, b"UUID", &[9u8; 16]);
        tlv(&mut bag, b"WRAP", &0u32.to_be_bytes());
        tlv(&mut bag, b"SALT", &salt);
        tlv(&mut bag, b"ITER", &iter.to_be_bytes());
        tlv(&mut bag, b"DPWT", &1u32.to_be_bytes());
        tlv(&mut bag, b"DPIC", &dpic.to_be_bytes());
        tlv(&mut bag, b"DPSL", &dpsl);
        tlv(&mut bag, b"UUID", &[8u8; 16]);
        tlv(&mut bag, b"CLAS", &3u32.to_be_bytes());
        tlv(&mut bag, b"WRAP", &2u32.to_be_bytes());
        tlv(&mut bag, b"KTYP", &0u32.to_be_bytes());
        tlv(&mut bag, b"WPKY", &wrapped);
        bag
    }

    #[test]
    fn the_password_unwraps_the_class_keys_and_a_wrong_one_is_known() {
        let class_key = [0x5Au8; 32];
        let bag = keybag(2, 3, "correct horse", &class_key);
        let Unlocked::Keys(keys) =
            unlock(&bag, &SecretString::from("correct horse".to_string())).unwrap()
        else {
            panic!("the right password");
        };
        assert_eq!(*keys.keys[&3], class_key);
        assert!(!format!("{keys:?}").contains("5a"), "no key in Debug");
        assert!(matches!(
            unlock(&bag, &SecretString::from("wrong".to_string())).unwrap(),
            Unlocked::WrongPassword
        ));
    }

    #[test]
    fn hostile_keybags_are_refused_in_words() {
        let pw = SecretString::from("pw".to_string());
        let key = [1u8; 32];
        let refusal = |bag: &[u8]| match unlock(bag, &pw) {
            Err(why) => why,
            Ok(other) => panic!("{other:?}"),
        };
        let why = refusal(&keybag(2, u32::MAX, "pw", &key));
        assert!(
            why.contains("4294967295 rounds") && why.contains("ITER"),
            "{why}"
        );
        let why = refusal(&keybag(MAX_DPIC + 1, 1, "pw", &key));
        assert!(why.contains("DPIC"), "{why}");
        let why = refusal(&keybag(0, 1, "pw", &key));
        assert!(why.contains("0 rounds"), "{why}");
        let bag = keybag(1, 1, "pw", &key);
        for cut in [3, 7, 9, bag.len() - 1] {
            let why = refusal(&bag[..cut]);
            assert!(why.contains("cut short"), "{cut}: {why}");
        }
        // A length that points far past the end.
        let mut long = bag.clone();
        long[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(refusal(&long).contains("cut short"));
        // A number of the wrong size, another kind of keybag, no DPSL/DPIC.
        let mut odd = Vec::new();
        tlv(&mut odd, b"TYPE", &[1, 2]);
        assert!(refusal(&odd).contains("4"));
        let mut system = Vec::new();
        tlv(&mut system, b"TYPE", &0u32.to_be_bytes());
        assert!(refusal(&system).contains("not a backup's"));
        let mut old = Vec::new();
        tlv(&mut old, b"TYPE", &1u32.to_be_bytes());
        tlv(&mut old, b"SALT", &[0u8; 20]);
        tlv(&mut old, b"ITER", &1u32.to_be_bytes());
        assert!(refusal(&old).contains("before 10.2"));
        assert!(refusal(&vec![0u8; MAX_KEYBAG_BYTES + 1]).contains("far more"));
    }

    /// The synthetic keybag of pyiosbackup's tests (password "0000", zero salts, the phone's
    /// round counts), derived independently: the one check against a key not made by our own
    /// fixture. About 1.5 s in the release build the test suite runs; skipped in a debug build
    /// (about 40 s there: the PBKDF2 loop is compiled with this crate, unoptimised).
    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "10,000,000 PBKDF2 rounds: runs in the release build (scripts/test)"
    )]
    fn the_phones_round_counts_give_the_published_key() {
        let kek = password_key(
            &SecretString::from("0000".to_string()),
            &[0u8; 20],
            10_000_000,
            &[0u8; 20],
            10_000,
        );
        assert_eq!(
            hex::encode(*kek),
            "ec8edc160b5745ccae000bfb4787630f322821191fba7eea38feab2c6307cd9b"
        );
    }
}
