//! Encrypted iPhone backups for tests: [`encrypted_copy`] writes an encrypted copy of a backup
//! made by `iphone_backup.rs` the way the phone does (the inverse of the reader's steps, with
//! the RustCrypto crates the reader uses), so the reader can be checked against it.
//! Included by `iphone_backup.rs`; not a test crate of its own.
#![allow(dead_code)]

use super::*;

/// The password [`encrypted_copy`] is given in the tests.
pub const BACKUP_PASSWORD: &str = "Tr0ub4dor &3 ñ";

/// A deterministic 256-bit key for `label` (the fixture needs keys, not secrecy).
pub fn fixture_key(label: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(format!("daybook fixture key: {label}").as_bytes()).into()
}

/// One `[tag][big-endian length][value]` entry of a keybag.
pub fn tlv(out: &mut Vec<u8>, tag: &[u8; 4], value: &[u8]) {
    out.extend_from_slice(tag);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

/// RFC 3394 AES key wrap of a 256-bit key (40 bytes out).
pub fn wrap_key(kek: &[u8; 32], key: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![0u8; 40];
    aes_kw::KekAes256::from(*kek).wrap(key, &mut out).unwrap();
    out
}

/// The key-encryption key of `password`: PBKDF2-HMAC-SHA256 over DPSL/DPIC, then
/// PBKDF2-HMAC-SHA1 over SALT/ITER.
pub fn password_kek(password: &str, dpsl: &[u8], dpic: u32, salt: &[u8], iter: u32) -> [u8; 32] {
    let mut first = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), dpsl, dpic, &mut first);
    let mut kek = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(&first, salt, iter, &mut kek);
    kek
}

/// The protection classes the fixture's files use, with their class keys.
pub fn class_keys() -> Vec<(u32, [u8; 32])> {
    (1..=4)
        .map(|class| (class, fixture_key(&format!("class {class}"))))
        .collect()
}

/// A backup keybag as iOS 17 writes one: header with `DPIC`/`ITER` as given (the key is
/// derived with them, so keep them small), then one record per class key, wrapped with the
/// key from `password`.
pub fn backup_keybag(password: &str, dpic: u32, iter: u32) -> Vec<u8> {
    let (dpsl, salt) = (fixture_key("DPSL"), fixture_key("SALT"));
    let kek = password_kek(password, &dpsl[..20], dpic, &salt[..20], iter);
    let mut bag = Vec::new();
    tlv(&mut bag, b"VERS", &5u32.to_be_bytes());
    tlv(&mut bag, b"TYPE", &1u32.to_be_bytes());
    tlv(&mut bag, b"UUID", &fixture_key("keybag uuid")[..16]);
    tlv(&mut bag, b"HMCK", &[0u8; 40]);
    tlv(&mut bag, b"WRAP", &0u32.to_be_bytes());
    tlv(&mut bag, b"SALT", &salt[..20]);
    tlv(&mut bag, b"ITER", &iter.to_be_bytes());
    tlv(&mut bag, b"DPWT", &1u32.to_be_bytes());
    tlv(&mut bag, b"DPIC", &dpic.to_be_bytes());
    tlv(&mut bag, b"DPSL", &dpsl[..20]);
    for (class, key) in class_keys() {
        tlv(
            &mut bag,
            b"UUID",
            &fixture_key(&format!("uuid {class}"))[..16],
        );
        tlv(&mut bag, b"CLAS", &class.to_be_bytes());
        tlv(&mut bag, b"WRAP", &2u32.to_be_bytes());
        tlv(&mut bag, b"KTYP", &0u32.to_be_bytes());
        tlv(&mut bag, b"WPKY", &wrap_key(&kek, &key));
    }
    bag
}

/// AES-256-CBC with a zero IV and PKCS#7 padding, as the backup stores every file.
pub fn cbc_encrypt(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
    use aes::cipher::generic_array::GenericArray;
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let mut cbc =
        cbc::Encryptor::<aes::Aes256>::new(GenericArray::from_slice(key), &GenericArray::default());
    for block in data.chunks_exact_mut(16) {
        cbc.encrypt_block_mut(GenericArray::from_mut_slice(block));
    }
    data
}

/// A key as the backup gives it: 4-byte little-endian class, then the key wrapped with that
/// class's key.
pub fn prefixed_key(class: u32, key: &[u8; 32]) -> Vec<u8> {
    let class_key = class_keys()
        .into_iter()
        .find(|(c, _)| *c == class)
        .unwrap()
        .1;
    let mut out = class.to_le_bytes().to_vec();
    out.extend(wrap_key(&class_key, key));
    out
}

/// An `MBFile` archived with NSKeyedArchiver (binary plist), as Manifest.db's `file` column
/// holds it; `key` is the `EncryptionKey` (none for a folder).
pub fn mbfile(relative_path: &str, size: u64, class: u32, key: Option<&[u8]>) -> Vec<u8> {
    use plist::{Dictionary, Uid, Value};
    let mut file = Dictionary::new();
    file.insert("Size".into(), Value::Integer(size.into()));
    file.insert("ProtectionClass".into(), Value::Integer(class.into()));
    file.insert(
        "Mode".into(),
        Value::Integer((if key.is_some() { 0o100644 } else { 0o40755 }).into()),
    );
    file.insert("Flags".into(), Value::Integer(0.into()));
    file.insert("LastModified".into(), Value::Integer(1_709_716_500.into()));
    file.insert("Birth".into(), Value::Integer(1_709_716_500.into()));
    file.insert(
        "LastStatusChange".into(),
        Value::Integer(1_709_716_500.into()),
    );
    file.insert("InodeNumber".into(), Value::Integer(1234.into()));
    file.insert("UserID".into(), Value::Integer(501.into()));
    file.insert("GroupID".into(), Value::Integer(501.into()));
    file.insert("RelativePath".into(), Value::Uid(Uid::new(2)));
    file.insert("$class".into(), Value::Uid(Uid::new(3)));
    let class_of = |name: &str, chain: &[&str]| {
        let mut d = Dictionary::new();
        d.insert("$classname".into(), Value::String(name.into()));
        d.insert(
            "$classes".into(),
            Value::Array(chain.iter().map(|c| Value::String((*c).into())).collect()),
        );
        Value::Dictionary(d)
    };
    let mut objects = vec![
        Value::String("$null".into()),
        Value::Dictionary(Dictionary::new()),
        Value::String(relative_path.into()),
        class_of("MBFile", &["MBFile", "NSObject"]),
    ];
    if let Some(key) = key {
        file.insert("EncryptionKey".into(), Value::Uid(Uid::new(4)));
        let mut data = Dictionary::new();
        data.insert("NS.data".into(), Value::Data(key.to_vec()));
        data.insert("$class".into(), Value::Uid(Uid::new(5)));
        objects.push(Value::Dictionary(data));
        objects.push(class_of(
            "NSMutableData",
            &["NSMutableData", "NSData", "NSObject"],
        ));
    }
    objects[1] = Value::Dictionary(file);
    let mut top = Dictionary::new();
    top.insert("root".into(), Value::Uid(Uid::new(1)));
    let mut archive = Dictionary::new();
    archive.insert("$version".into(), Value::Integer(100_000.into()));
    archive.insert("$archiver".into(), Value::String("NSKeyedArchiver".into()));
    archive.insert("$top".into(), Value::Dictionary(top));
    archive.insert("$objects".into(), Value::Array(objects));
    let mut out = Vec::new();
    Value::Dictionary(archive)
        .to_writer_binary(&mut out)
        .unwrap();
    out
}

/// Manifest.plist of an encrypted backup (XML): `BackupKeyBag` and `ManifestKey` when given.
pub fn encrypted_manifest_plist(keybag: Option<&[u8]>, manifest_key: Option<&[u8]>) -> Vec<u8> {
    use plist::{Dictionary, Value};
    let mut lockdown = Dictionary::new();
    lockdown.insert("ProductVersion".into(), Value::String("17.3.1".into()));
    lockdown.insert("ProductType".into(), Value::String("iPhone14,5".into()));
    lockdown.insert("DeviceName".into(), Value::String("Sam’s iPhone".into()));
    let mut d = Dictionary::new();
    if let Some(keybag) = keybag {
        d.insert("BackupKeyBag".into(), Value::Data(keybag.to_vec()));
    }
    if let Some(key) = manifest_key {
        d.insert("ManifestKey".into(), Value::Data(key.to_vec()));
    }
    d.insert("IsEncrypted".into(), Value::Boolean(true));
    d.insert("Lockdown".into(), Value::Dictionary(lockdown));
    d.insert("Version".into(), Value::String("10.0".into()));
    d.insert("WasPasscodeSet".into(), Value::Boolean(true));
    let mut out = Vec::new();
    Value::Dictionary(d).to_writer_xml(&mut out).unwrap();
    out
}

/// What [`encrypted_copy`] wrote, for tests that damage it.
pub struct EncryptedCopy {
    pub dir: PathBuf,
    /// `BackupKeyBag` and `ManifestKey` as Manifest.plist holds them.
    pub keybag: Vec<u8>,
    pub manifest_key: Vec<u8>,
}

/// Writes into `dest` an encrypted copy of the unencrypted backup in `plain`, with
/// `password`, `DPIC` 1 and `ITER` 1: every file listed in Manifest.db encrypted with its own
/// key (MBFile record with `Size`, `ProtectionClass` and wrapped `EncryptionKey`), Manifest.db
/// encrypted with the ManifestKey, Info.plist and Status.plist as they are. Nothing is
/// written outside `dest`; `plain` is not changed.
pub fn encrypted_copy(plain: &Path, dest: &Path, password: &str) -> EncryptedCopy {
    fs::create_dir_all(dest).unwrap();
    for name in ["Info.plist", "Status.plist"] {
        fs::copy(plain.join(name), dest.join(name)).unwrap();
    }
    let manifest_plain = fs::read(plain.join("Manifest.db")).unwrap();
    let mut manifest = Connection::open_in_memory().unwrap();
    manifest
        .deserialize_read_exact(
            "main",
            manifest_plain.as_slice(),
            manifest_plain.len(),
            false,
        )
        .unwrap();
    let rows: Vec<(String, String, i64)> = manifest
        .prepare("SELECT fileID, relativePath, flags FROM Files ORDER BY fileID")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, relative_path, flags) in rows {
        let blob = if flags == 1 {
            // Databases in class 3 (until first unlock), the rest in class 4, as phones do.
            let class = if relative_path.ends_with(".db") || relative_path.ends_with(".storedata") {
                3
            } else {
                4
            };
            let key = fixture_key(&format!("file {id}"));
            let source = plain.join(&id[..2]).join(&id);
            let size = match fs::read(&source) {
                Ok(data) => {
                    let out = dest.join(&id[..2]).join(&id);
                    fs::create_dir_all(out.parent().unwrap()).unwrap();
                    fs::write(out, cbc_encrypt(&key, &data)).unwrap();
                    data.len() as u64
                }
                Err(_) => 10_000_000,
            };
            mbfile(
                &relative_path,
                size,
                class,
                Some(&prefixed_key(class, &key)),
            )
        } else {
            mbfile(&relative_path, 0, 4, None)
        };
        manifest
            .execute(
                "UPDATE Files SET file = ?1 WHERE fileID = ?2",
                params![blob, id],
            )
            .unwrap();
    }
    let manifest_bytes = manifest.serialize("main").unwrap().to_vec();
    let manifest_key = fixture_key("manifest");
    fs::write(
        dest.join("Manifest.db"),
        cbc_encrypt(&manifest_key, &manifest_bytes),
    )
    .unwrap();
    let keybag = backup_keybag(password, 1, 1);
    let manifest_key = prefixed_key(3, &manifest_key);
    fs::write(
        dest.join("Manifest.plist"),
        encrypted_manifest_plist(Some(&keybag), Some(&manifest_key)),
    )
    .unwrap();
    EncryptedCopy {
        dir: dest.to_path_buf(),
        keybag,
        manifest_key,
    }
}
