//! API token secrets: a format secret scanners recognise, stored only as a hash.
//!
//! `orgs_` + 43 base62 characters (256 random bits) + 6 base62 characters of CRC-32 over the
//! preceding text: 54 characters. The checksum lets the authorizer refuse mistyped or made-up
//! tokens without a read, and lets scanners validate hits. The store keeps SHA-256 of the token
//! (a slow hash adds nothing for 256 random bits) and, for `return_active_token_if_exists`,
//! optionally the secret sealed with AES-256-GCM under `TOKEN_ENCRYPTION_KEY`, a key the table
//! never holds.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use base64::Engine;

pub const PREFIX: &str = "orgs_";
const BODY_LEN: usize = 43;
const CHECK_LEN: usize = 6;
pub const TOKEN_LEN: usize = PREFIX.len() + BODY_LEN + CHECK_LEN;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Fixed-width base62 of a big-endian number.
fn base62(bytes: &[u8], width: usize) -> String {
    let mut n = bytes.to_vec();
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 62) as u8;
            rem = cur % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    String::from_utf8(out).unwrap_or_default()
}

/// CRC-32 (IEEE), bitwise.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn checksum(head: &str) -> String {
    base62(&crc32(head.as_bytes()).to_be_bytes(), CHECK_LEN)
}

/// A new random token.
pub fn generate() -> Result<String, String> {
    let mut random = [0u8; 32];
    aws_lc_rs::rand::fill(&mut random).map_err(|_| "no randomness".to_string())?;
    let head = format!("{PREFIX}{}", base62(&random, BODY_LEN));
    let check = checksum(&head);
    Ok(format!("{head}{check}"))
}

/// Is `token` well formed (prefix, length, alphabet, checksum)? No read needed to say no.
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric())
        && checksum(&token[..TOKEN_LEN - CHECK_LEN]) == token[TOKEN_LEN - CHECK_LEN..]
}

/// Hex SHA-256 of `bytes` (aws-lc-rs: the one crypto stack, shared with TLS).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// Hex SHA-256 of the token: the only form the table holds for lookups.
pub fn hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Seals and opens token secrets under a 256-bit key (AES-256-GCM, random nonce, the token id
/// as associated data so a sealed secret cannot be moved to another token).
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// From the base64 text of 32 bytes.
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(Self { key })
    }

    fn key(&self) -> Option<LessSafeKey> {
        UnboundKey::new(&AES_256_GCM, &self.key).ok().map(LessSafeKey::new)
    }

    pub fn seal(&self, token_id: &str, secret: &str) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).ok()?;
        let mut data = secret.as_bytes().to_vec();
        self.key()?
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(token_id.as_bytes()), &mut data)
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Some(base64::engine::general_purpose::STANDARD.encode(out))
    }

    pub fn open(&self, token_id: &str, sealed: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = rest.to_vec();
        let plain = self.key()?.open_in_place(nonce, Aad::from(token_id.as_bytes()), &mut data).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_well_formed_unique_and_checked() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_LEN);
        assert!(a.starts_with("orgs_"));
        assert!(well_formed(&a));
        // one changed character breaks the checksum
        let mut bad = a.clone().into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!well_formed(std::str::from_utf8(&bad).unwrap()));
        assert!(!well_formed(""));
        assert!(!well_formed(&a[..TOKEN_LEN - 1]));
        assert!(!well_formed(&a.replace("orgs_", "ghp__")));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn base62_is_fixed_width() {
        assert_eq!(base62(&[0u8; 32], 43), "0".repeat(43));
        assert_eq!(base62(&[0xff; 32], 43).len(), 43);
        assert_eq!(base62(&[0, 0, 0, 61], 6), "00000z");
    }

    #[test]
    fn sealing_round_trips_and_binds_the_token_id() {
        let s = Sealer::from_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32])).unwrap();
        let sealed = s.seal("t1", "orgs_secret").unwrap();
        assert_eq!(s.open("t1", &sealed).as_deref(), Some("orgs_secret"));
        assert_eq!(s.open("t2", &sealed), None, "bound to its token id");
        let other = Sealer::from_base64(&base64::engine::general_purpose::STANDARD.encode([8u8; 32])).unwrap();
        assert_eq!(other.open("t1", &sealed), None, "bound to its key");
        assert!(!sealed.contains("secret"));
        assert!(Sealer::from_base64("short").is_none());
    }
}
