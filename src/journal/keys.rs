//! The journal's data key and the two age files that wrap it.
//!
//! The SQLCipher database is keyed with a random 256-bit data key used as a raw key (no
//! second KDF). That key is stored only wrapped with age (C2SP age v1):
//! - `unlock/passphrase.age`: scrypt recipient stanza, work factor calibrated to about one
//!   second on this machine and never below 2^17;
//! - `unlock/recovery.age`: X25519 recipient stanza to the recovery key, which is shown to
//!   the user once and never stored.

use std::io::{Read, Write};
use std::iter;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::{Zeroize, Zeroizing};

/// The lowest scrypt work factor (log2 N) we ever write: 2^17 is age's own floor for
/// interactive use and costs an attacker about 128 MiB of memory per guess.
pub const MIN_SCRYPT_LOG_N: u8 = 17;

/// Above this we refuse to even try a key file: a tampered file could ask for hours of work.
const MAX_SCRYPT_LOG_N: u8 = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("That passphrase does not open this journal.")]
    WrongPassphrase,
    #[error("That recovery key does not open this journal.")]
    WrongRecoveryKey,
    #[error("That is not a recovery key. A recovery key starts with AGE-SECRET-KEY-1.")]
    MalformedRecoveryKey,
    #[error("That passphrase is too short. Choose one of at least {0} characters (spaces at the ends do not count); a few unrelated words work well.")]
    PassphraseTooShort(usize),
    #[error("The key file {file} is damaged ({detail}).")]
    Damaged { file: &'static str, detail: String },
    #[error("Could not write the key file: {0}")]
    Io(#[from] std::io::Error),
}

/// The 32-byte key that opens `journal.db`. Zeroed when dropped; never printed.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(std::io::Error::other)?;
        Ok(Self(bytes))
    }

    /// The SQLCipher raw-key literal, `x'<64 hex>'`, as `PRAGMA key` wants it. Public so an
    /// examiner can open `journal.db` with the `sqlcipher` shell; handle it like the passphrase.
    pub fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(&self.0[..])))
    }

    /// The raw key bytes, for MACs the journal keys with it (checkpoint.rs). Never stored.
    pub(super) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    fn from_slice(bytes: &[u8], file: &'static str) -> Result<Self, KeyError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Damaged {
            file,
            detail: format!("expected 32 key bytes, found {}", bytes.len()),
        })?;
        Ok(Self(Zeroizing::new(array)))
    }
}

/// How hard the passphrase KDF works. `Calibrated` is what real journals use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfCost {
    /// About one second on this machine (age's own calibration), never below 2^17.
    Calibrated,
    /// A fixed work factor, clamped to at least 2^17; for scripts and tests.
    LogN(u8),
}

impl KdfCost {
    pub(crate) fn log_n(self) -> Option<u8> {
        match self {
            KdfCost::Calibrated => None,
            KdfCost::LogN(n) => Some(n.clamp(MIN_SCRYPT_LOG_N, MAX_SCRYPT_LOG_N)),
        }
    }
}

/// The recovery key: an age X25519 identity string (`AGE-SECRET-KEY-1...`).
pub struct RecoveryKey(SecretString);

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey([redacted])")
    }
}

impl RecoveryKey {
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let trimmed: String = text.split_whitespace().collect();
        let upper = trimmed.to_ascii_uppercase();
        upper
            .parse::<age::x25519::Identity>()
            .map_err(|_| KeyError::MalformedRecoveryKey)?;
        Ok(Self(SecretString::from(upper)))
    }

    /// The text to show the user once, at creation.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    fn identity(&self) -> Result<age::x25519::Identity, KeyError> {
        self.0
            .expose_secret()
            .parse()
            .map_err(|_| KeyError::MalformedRecoveryKey)
    }
}

/// Minimum passphrase length we accept. Strength advice is the UI's job; this only refuses
/// what cannot be a passphrase at all.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

pub fn check_new_passphrase(passphrase: &SecretString) -> Result<(), KeyError> {
    if passphrase.expose_secret().trim().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(KeyError::PassphraseTooShort(MIN_PASSPHRASE_CHARS));
    }
    Ok(())
}

/// Encrypts the data key to a passphrase (age scrypt recipient).
pub fn wrap_with_passphrase(
    key: &DataKey,
    passphrase: &SecretString,
    cost: KdfCost,
) -> Result<Vec<u8>, KeyError> {
    let log_n = match cost.log_n() {
        Some(n) => n,
        None => calibrated_log_n(key, passphrase)?,
    };
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(log_n);
    let encryptor = age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    encrypt_key(encryptor, key)
}

/// Times one wrap at the floor and scales up to about one second of work. age calibrates
/// too, but privately and with no floor; doing it here guarantees 2^17 on slow machines.
fn calibrated_log_n(key: &DataKey, passphrase: &SecretString) -> Result<u8, KeyError> {
    let started = std::time::Instant::now();
    wrap_with_passphrase(key, passphrase, KdfCost::LogN(MIN_SCRYPT_LOG_N))?;
    let mut elapsed = started.elapsed().max(std::time::Duration::from_millis(1));
    let mut log_n = MIN_SCRYPT_LOG_N;
    while elapsed < std::time::Duration::from_millis(700) && log_n < MAX_SCRYPT_LOG_N - 2 {
        elapsed *= 2;
        log_n += 1;
    }
    Ok(log_n)
}

/// Encrypts the data key to the recovery key's public half (age X25519 recipient).
pub fn wrap_to_recovery(key: &DataKey, recovery: &RecoveryKey) -> Result<Vec<u8>, KeyError> {
    let recipient = recovery.identity()?.to_public();
    let encryptor = age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    encrypt_key(encryptor, key)
}

pub fn generate_recovery_key() -> RecoveryKey {
    RecoveryKey(age::x25519::Identity::generate().to_string())
}

pub fn unwrap_with_passphrase(
    file_bytes: &[u8],
    passphrase: &SecretString,
) -> Result<DataKey, KeyError> {
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_SCRYPT_LOG_N);
    decrypt_key(
        file_bytes,
        &identity,
        "passphrase.age",
        KeyError::WrongPassphrase,
    )
}

pub fn unwrap_with_recovery(
    file_bytes: &[u8],
    recovery: &RecoveryKey,
) -> Result<DataKey, KeyError> {
    let identity = recovery.identity()?;
    decrypt_key(
        file_bytes,
        &identity,
        "recovery.age",
        KeyError::WrongRecoveryKey,
    )
}

fn encrypt_key(encryptor: age::Encryptor, key: &DataKey) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::with_capacity(256);
    let mut writer = encryptor.wrap_output(&mut out)?;
    writer.write_all(key.0.as_ref())?;
    writer.finish()?;
    Ok(out)
}

fn decrypt_key(
    file_bytes: &[u8],
    identity: &dyn age::Identity,
    file: &'static str,
    wrong: KeyError,
) -> Result<DataKey, KeyError> {
    let damaged = |detail: String| KeyError::Damaged { file, detail };
    let decryptor = age::Decryptor::new_buffered(file_bytes).map_err(|e| damaged(e.to_string()))?;
    let mut reader = match decryptor.decrypt(iter::once(identity)) {
        Ok(reader) => reader,
        Err(age::DecryptError::DecryptionFailed)
        | Err(age::DecryptError::NoMatchingKeys)
        | Err(age::DecryptError::KeyDecryptionFailed) => return Err(wrong),
        Err(age::DecryptError::ExcessiveWork { required, .. }) => {
            return Err(damaged(format!(
                "it asks for scrypt work factor 2^{required}"
            )))
        }
        Err(e) => return Err(damaged(e.to_string())),
    };
    let mut plain = Zeroizing::new(Vec::with_capacity(32));
    reader
        .read_to_end(&mut plain)
        .map_err(|e| damaged(e.to_string()))?;
    let key = DataKey::from_slice(&plain, file);
    plain.zeroize();
    key
}
