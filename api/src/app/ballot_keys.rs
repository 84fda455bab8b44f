//! The keys that seal the votes of secret and hidden ballots (W1), kept outside the database.
//!
//! Each such ballot has its own key, drawn at random when it opens and written to a file of
//! its own in the key store's `ballots` directory (`--key-store`), never to the database. A vote is
//! stored as a personal-data record holding its mark encrypted under that key
//! (XChaCha20-Poly1305, a fresh random nonce per vote, the log, motion and record bound in as
//! associated data, the mark padded to one length so that the ciphertext's size tells
//! nothing). The commitment the vote's event carries covers that ciphertext, so `verify` needs
//! no key; the database and its backups alone never reveal a choice. A hidden ballot's key is
//! disclosed with its count; a secret ballot's key is destroyed — its file deleted, then an
//! event recorded — once the resolution can no longer be contested.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use verbund_domain::governance::{BallotKeyId, Mark, MotionId};
use verbund_ledger::LogId;
use zeroize::Zeroizing;

/// Every mark is padded to a multiple of this many bytes before it is encrypted, and to at
/// least the longest mark its ballot allows ([`longest_mark`]).
const MARK_BYTES: usize = 128;

/// The most bytes a mark of a ballot with `options` options (0 for a decision) takes as JSON:
/// every option once, each index with its separator (`{"options":[0,1,…]}`), or the longest
/// choice (`{"choice":"abstain"}`).
pub fn longest_mark(options: usize) -> usize {
    let digits = options.max(1).ilog10() as usize + 1;
    (r#"{"options":[]}"#.len() + options * (digits + 1)).max(r#"{"choice":"abstain"}"#.len())
}

/// The nonce's length in bytes (XChaCha20: 192 bits, safe to draw at random).
const NONCE_BYTES: usize = 24;

/// A ballot's key: 256 bits, wiped from memory when dropped.
pub struct BallotKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for BallotKey {
    // A key stays out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BallotKey(…)")
    }
}

/// Where a sealed mark belongs: bound into its encryption, so a ciphertext moved to another
/// record, ballot or log does not open.
#[derive(Clone, Copy, Debug)]
pub struct MarkPlace<'a> {
    /// The cooperative's log.
    pub log: &'a LogId,
    /// The motion.
    pub motion: &'a MotionId,
    /// The personal-data record that holds the mark.
    pub record: &'a str,
}

impl MarkPlace<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "verbund ballot mark\0{}\0{}\0{}",
            self.log, self.motion, self.record
        )
        .into_bytes()
    }
}

/// What can go wrong with a ballot's key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key's file is not there.
    #[error(
        "the key {key} of a ballot is not in {dir}: restore the ballot-key directory from its own backup"
    )]
    Missing {
        /// The key.
        key: BallotKeyId,
        /// The directory.
        dir: PathBuf,
    },
    /// The key's file is there but holds no key.
    #[error("the key file of ballot key {key} in {dir} is damaged")]
    Damaged {
        /// The key.
        key: BallotKeyId,
        /// The directory.
        dir: PathBuf,
    },
    /// A stored mark does not open under the ballot's key.
    #[error("the sealed vote {record} does not open under its ballot's key")]
    Unreadable {
        /// The record.
        record: String,
    },
    /// The directory or a file could not be read or written.
    #[error("cannot {what} in the ballot-key directory {dir}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The directory.
        dir: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl BallotKey {
    fn random() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).expect("the operating system's random generator works");
        Self(key)
    }

    /// Reads a key written as 64 hex digits (as a disclosed key is).
    pub fn from_hex(text: &str) -> Option<Self> {
        let hash = blake3::Hash::from_hex(text.trim()).ok()?;
        Some(Self(Zeroizing::new(*hash.as_bytes())))
    }

    /// The key as 64 hex digits: for disclosing a hidden ballot's key with its count.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(*self.0).to_hex().to_string()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Encrypts a mark for the record at `place`: the stored text, hex of nonce and
    /// ciphertext, the same length for every mark of a ballot whose longest mark takes
    /// `longest` bytes ([`longest_mark`]).
    pub fn seal(&self, place: MarkPlace<'_>, mark: &Mark, longest: usize) -> String {
        let mut plain = Zeroizing::new(serde_json::to_vec(mark).expect("a mark serializes"));
        // JSON ignores trailing spaces: every mark pads to the same length.
        let padded = plain.len().max(longest).div_ceil(MARK_BYTES).max(1) * MARK_BYTES;
        plain.resize(padded, b' ');
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the operating system's random generator works");
        let aad = place.associated_data();
        let sealed = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .expect("encrypting a short message in memory does not fail");
        let mut text = String::with_capacity(2 * (NONCE_BYTES + sealed.len()));
        hex_into(&mut text, &nonce);
        hex_into(&mut text, &sealed);
        text
    }

    /// Decrypts the mark stored for the record at `place`.
    pub fn open(&self, place: MarkPlace<'_>, stored: &str) -> Result<Mark, KeyError> {
        let unreadable = || KeyError::Unreadable {
            record: place.record.to_owned(),
        };
        let bytes = from_hex(stored).ok_or_else(unreadable)?;
        if bytes.len() <= NONCE_BYTES {
            return Err(unreadable());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().expect("split at its length");
        let aad = place.associated_data();
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: sealed,
                        aad: &aad,
                    },
                )
                .map_err(|_| unreadable())?,
        );
        serde_json::from_slice(&plain).map_err(|_| unreadable())
    }
}

/// The ballot keys: one file per key, `ID.key`, readable by the service's user only.
#[derive(Debug)]
pub struct BallotKeys {
    dir: PathBuf,
    /// Keys read or created by this process, so that a vote costs no file read.
    cache: Mutex<HashMap<BallotKeyId, Arc<BallotKey>>>,
}

impl BallotKeys {
    /// The ballot keys of the key store `store`: its `ballots` directory. The store and the
    /// directory are created, readable by the service's user only, if they are not there.
    pub fn in_store(store: &Path) -> std::io::Result<Self> {
        create_private_dir(store)?;
        let dir = store.join("ballots");
        create_private_dir(&dir)?;
        Ok(Self::new(dir))
    }

    /// The keys in `dir` (created with the first key).
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &BallotKeyId) -> PathBuf {
        self.dir.join(format!("{key}.key"))
    }

    fn io(&self, what: &'static str) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
        move |source| KeyError::Io {
            what,
            dir: self.dir.clone(),
            source,
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<BallotKeyId, Arc<BallotKey>>> {
        // The map holds no invariant a panic elsewhere could break.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a new key, durable in its file before this returns.
    pub fn create(&self) -> Result<(BallotKeyId, Arc<BallotKey>), KeyError> {
        create_private_dir(&self.dir).map_err(self.io("create the directory"))?;
        let id = BallotKeyId::parse(&super::tokens::random_hex(16))
            .expect("32 hex digits are a ballot key id");
        let key = BallotKey::random();
        let path = self.path(&id);
        let partial = self.dir.join(format!("{id}.key.partial"));
        let mut file = private_file(&partial).map_err(self.io("write a key"))?;
        let text = Zeroizing::new(format!("{}\n", key.to_hex()));
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(self.io("write a key"))?;
        fs::rename(&partial, &path).map_err(self.io("write a key"))?;
        sync_dir(&self.dir).map_err(self.io("write a key"))?;
        let key = Arc::new(key);
        self.cache().insert(id.clone(), Arc::clone(&key));
        Ok((id, key))
    }

    /// The key `id`.
    pub fn get(&self, id: &BallotKeyId) -> Result<Arc<BallotKey>, KeyError> {
        if let Some(key) = self.cache().get(id) {
            return Ok(Arc::clone(key));
        }
        let text = match fs::read_to_string(self.path(id)) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing {
                    key: id.clone(),
                    dir: self.dir.clone(),
                });
            }
            Err(e) => return Err(self.io("read a key")(e)),
        };
        let key = BallotKey::from_hex(&text).ok_or_else(|| KeyError::Damaged {
            key: id.clone(),
            dir: self.dir.clone(),
        })?;
        let key = Arc::new(key);
        self.cache().insert(id.clone(), Arc::clone(&key));
        Ok(key)
    }

    /// Destroys the key `id`: forgotten by this process, its file deleted and the deletion
    /// durable before this returns. A key already gone is no error.
    pub fn destroy(&self, id: &BallotKeyId) -> Result<(), KeyError> {
        self.cache().remove(id);
        match fs::remove_file(self.path(id)) {
            Ok(()) => sync_dir(&self.dir).map_err(self.io("delete a key")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("delete a key")(e)),
        }
    }

    /// Forgets a key this process holds, without touching its file: another process
    /// destroyed it.
    pub fn forget(&self, id: &BallotKeyId) {
        self.cache().remove(id);
    }

    /// True if the key's file is there.
    pub fn exists(&self, id: &BallotKeyId) -> bool {
        self.path(id).is_file()
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn hex_into(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use verbund_domain::governance::Choice;

    use super::*;

    fn place<'a>(log: &'a LogId, motion: &'a MotionId, record: &'a str) -> MarkPlace<'a> {
        MarkPlace {
            log,
            motion,
            record,
        }
    }

    fn ids() -> (LogId, MotionId) {
        (
            LogId::parse("dorf").expect("valid"),
            MotionId::parse("m1").expect("valid"),
        )
    }

    fn any_mark() -> impl Strategy<Value = Mark> {
        prop_oneof![
            prop_oneof![
                Just(Choice::Yes),
                Just(Choice::No),
                Just(Choice::Abstain),
                Just(Choice::Invalid)
            ]
            .prop_map(Mark::Choice),
            proptest::collection::vec(0u16..20, 0..=20).prop_map(Mark::Options),
        ]
    }

    proptest! {
        /// W1: every sealed mark opens to itself under its key and place, and has the same
        /// length whatever the choice: the stored text tells nothing of the vote.
        #[test]
        fn w1_every_mark_seals_to_one_length_and_opens_only_where_it_belongs(
            a in any_mark(),
            b in any_mark(),
        ) {
            let key = BallotKey::random();
            let (log, motion) = ids();
            let sealed_a = key.seal(place(&log, &motion, "r1"), &a, longest_mark(20));
            let sealed_b = key.seal(place(&log, &motion, "r2"), &b, longest_mark(20));
            prop_assert_eq!(sealed_a.len(), sealed_b.len());
            prop_assert!(!sealed_a.contains("choice") && !sealed_a.contains("options"));
            prop_assert_eq!(key.open(place(&log, &motion, "r1"), &sealed_a).expect("opens"), a.clone());
            prop_assert_eq!(key.open(place(&log, &motion, "r2"), &sealed_b).expect("opens"), b);
            // Moved to another record, or opened with another key: it does not open.
            prop_assert!(key.open(place(&log, &motion, "r2"), &sealed_a).is_err());
            prop_assert!(BallotKey::random().open(place(&log, &motion, "r1"), &sealed_a).is_err());
        }
    }

    proptest! {
        /// W1: in an election of many candidates, marking one and marking all of them seal
        /// to the same length: the size of a stored vote tells nothing of how many were marked.
        #[test]
        fn w1_a_mark_of_any_length_seals_to_its_ballots_one_length(
            candidates in 1usize..600,
            marked in 0usize..600,
        ) {
            let marked = marked.min(candidates);
            let key = BallotKey::random();
            let (log, motion) = ids();
            let longest = longest_mark(candidates);
            let all: Vec<u16> = (0..candidates as u16).rev().collect();
            let some = Mark::Options(all[..marked].to_vec());
            let every = Mark::Options(all);
            prop_assert!(serde_json::to_vec(&every).expect("json").len() <= longest);
            prop_assert_eq!(
                key.seal(place(&log, &motion, "r1"), &some, longest).len(),
                key.seal(place(&log, &motion, "r2"), &every, longest).len()
            );
        }
    }

    /// W1: the same mark sealed twice reads differently (a fresh nonce each time), so equal
    /// votes cannot be told apart as equal.
    #[test]
    fn w1_equal_votes_are_stored_unequal() {
        let key = BallotKey::random();
        let (log, motion) = ids();
        let yes = Mark::Choice(Choice::Yes);
        assert_ne!(
            key.seal(place(&log, &motion, "r1"), &yes, longest_mark(0)),
            key.seal(place(&log, &motion, "r1"), &yes, longest_mark(0))
        );
    }

    /// Issue 24, point 4: the key store is created readable by the service's user only; a
    /// key lives in its own file there, readable by that user only, until destroyed;
    /// another process reads it from there; once destroyed it is gone for good.
    #[test]
    fn w1_a_key_is_kept_in_a_private_file_until_destroyed() {
        let dir = tempfile::tempdir().expect("a directory");
        let store = dir.path().join("keys");
        let keys = BallotKeys::in_store(&store).expect("the store is created");
        let (id, key) = keys.create().expect("a key");
        let path = keys.path(&id);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).expect("there").permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(keys.dir()), 0o700);
            assert_eq!(mode(&store), 0o700, "the key store itself");
        }
        let other = BallotKeys::new(keys.dir().to_owned());
        assert_eq!(other.get(&id).expect("read").to_hex(), key.to_hex());
        keys.destroy(&id).expect("destroyed");
        assert!(!path.exists());
        other.forget(&id);
        assert!(matches!(other.get(&id), Err(KeyError::Missing { .. })));
        keys.destroy(&id).expect("destroying twice is no error");
        assert!(!format!("{key:?}").contains(&key.to_hex()));
    }
}
