//! The part of [`crc-fast`](https://crates.io/crates/crc-fast) the AWS SDK uses, and nothing else.
//!
//! `aws-smithy-checksums` (S3's flexible checksums: `PutObject`, `DeleteObjects`, checksum
//! validation of downloads) computes CRC-32/ISO-HDLC, CRC-32/ISCSI (CRC-32C) and CRC-64/NVME
//! through `crc_fast::Digest` and `crc_fast::checksum`. The real crate chooses each algorithm's
//! parameters through a runtime `match` over every CRC it knows, so the code and tables of all of
//! them stay in every binary that calls S3 (about 0.7 MB). This crate has the same API for those
//! three algorithms:
//!
//! - CRC-32/ISO-HDLC (the SDK's default) through `crc32fast`, which the SDK already links and
//!   which uses PCLMULQDQ where the CPU has it;
//! - CRC-32C and CRC-64/NVME by slicing-by-8 over tables built on first use (16 KiB each, in
//!   about 20 µs; not in the binary), about 1–2 GB/s: the SDK only computes them when a caller
//!   asks for those algorithms, and the largest object this service stores is a 1 MiB logo.
//!
//! Every algorithm is checked against its catalogue check value and against a bit-at-a-time
//! reference below.

#![forbid(unsafe_code)]

use std::sync::OnceLock;

/// The CRC algorithms the AWS SDK uses (the variants `aws-smithy-checksums` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrcAlgorithm {
    /// CRC-32/ISO-HDLC: zlib's, Ethernet's, S3's `CRC32`.
    Crc32IsoHdlc,
    /// CRC-32/ISCSI (Castagnoli): S3's `CRC32C`.
    Crc32Iscsi,
    /// CRC-64/NVME: S3's `CRC64NVME`.
    Crc64Nvme,
}

/// A running CRC of one algorithm: `update` with data, then `finalize`.
#[derive(Debug, Clone)]
pub struct Digest {
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    IsoHdlc(crc32fast::Hasher),
    Sliced { crc: u64, params: &'static Sliced },
}

impl Digest {
    /// A digest of `algorithm` over no data yet.
    pub fn new(algorithm: CrcAlgorithm) -> Self {
        let state = match algorithm {
            CrcAlgorithm::Crc32IsoHdlc => State::IsoHdlc(crc32fast::Hasher::new()),
            CrcAlgorithm::Crc32Iscsi => Sliced::start(&CRC32_ISCSI, 32, 0x82F6_3B78),
            CrcAlgorithm::Crc64Nvme => Sliced::start(&CRC64_NVME, 64, 0x9A6C_9329_AC4B_C9B5),
        };
        Self { state }
    }

    /// Adds `data` to the digest.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::IsoHdlc(hasher) => hasher.update(data),
            State::Sliced { crc, params } => *crc = params.update(*crc, data),
        }
    }

    /// The CRC of everything added so far (the digest can go on taking data).
    pub fn finalize(&self) -> u64 {
        match &self.state {
            State::IsoHdlc(hasher) => u64::from(hasher.clone().finalize()),
            State::Sliced { crc, params } => crc ^ params.xorout,
        }
    }

    /// Forgets everything added so far.
    pub fn reset(&mut self) {
        match &mut self.state {
            State::IsoHdlc(hasher) => hasher.reset(),
            State::Sliced { crc, params } => *crc = params.init,
        }
    }
}

/// The CRC of `data` under `algorithm`.
pub fn checksum(algorithm: CrcAlgorithm, data: &[u8]) -> u64 {
    let mut digest = Digest::new(algorithm);
    digest.update(data);
    digest.finalize()
}

/// A reflected CRC of up to 64 bits computed eight bytes at a time.
#[derive(Debug)]
struct Sliced {
    init: u64,
    xorout: u64,
    /// `tables[k][b]`: the CRC register after byte `b` followed by `k` zero bytes.
    tables: Box<[[u64; 256]; 8]>,
}

impl Sliced {
    /// The state at the start of a CRC of `width` bits, its tables built on first use.
    fn start(cell: &'static OnceLock<Sliced>, width: u32, reflected_poly: u64) -> State {
        let params = cell.get_or_init(|| Sliced::new(width, reflected_poly));
        State::Sliced { crc: params.init, params }
    }

    fn new(width: u32, reflected_poly: u64) -> Self {
        let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
        let mut tables = Box::new([[0u64; 256]; 8]);
        for (byte, entry) in tables[0].iter_mut().enumerate() {
            let mut crc = byte as u64;
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ reflected_poly } else { crc >> 1 };
            }
            *entry = crc;
        }
        for k in 1..8 {
            for byte in 0..256 {
                let previous = tables[k - 1][byte];
                tables[k][byte] = (previous >> 8) ^ tables[0][(previous & 0xff) as usize];
            }
        }
        Self { init: mask, xorout: mask, tables }
    }

    fn update(&self, mut crc: u64, data: &[u8]) -> u64 {
        let t = &self.tables;
        let mut words = data.chunks_exact(8);
        for word in &mut words {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            let v = (crc ^ u64::from_le_bytes(bytes)).to_le_bytes();
            crc = t[7][usize::from(v[0])]
                ^ t[6][usize::from(v[1])]
                ^ t[5][usize::from(v[2])]
                ^ t[4][usize::from(v[3])]
                ^ t[3][usize::from(v[4])]
                ^ t[2][usize::from(v[5])]
                ^ t[1][usize::from(v[6])]
                ^ t[0][usize::from(v[7])];
        }
        for &byte in words.remainder() {
            crc = t[0][((crc ^ u64::from(byte)) & 0xff) as usize] ^ (crc >> 8);
        }
        crc
    }
}

/// CRC-32/ISCSI: polynomial 0x1EDC6F41, reflected 0x82F63B78.
static CRC32_ISCSI: OnceLock<Sliced> = OnceLock::new();
/// CRC-64/NVME: polynomial 0xAD93D23594C93659, reflected 0x9A6C9329AC4BC9B5.
static CRC64_NVME: OnceLock<Sliced> = OnceLock::new();

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [CrcAlgorithm; 3] = [CrcAlgorithm::Crc32IsoHdlc, CrcAlgorithm::Crc32Iscsi, CrcAlgorithm::Crc64Nvme];

    /// The catalogue's check values (the CRC of the ASCII bytes "123456789"), as in
    /// https://reveng.sourceforge.io/crc-catalogue/ and crc-fast's own tests.
    #[test]
    fn check_values() {
        assert_eq!(checksum(CrcAlgorithm::Crc32IsoHdlc, b"123456789"), 0xCBF4_3926);
        assert_eq!(checksum(CrcAlgorithm::Crc32Iscsi, b"123456789"), 0xE306_9283);
        assert_eq!(checksum(CrcAlgorithm::Crc64Nvme, b"123456789"), 0xAE8B_1486_0A79_9888);
        for algorithm in ALL {
            assert_eq!(checksum(algorithm, b""), 0, "{algorithm:?} of nothing");
        }
    }

    /// Bit at a time, straight from the definition (reflected input and output).
    fn reference(algorithm: CrcAlgorithm, data: &[u8]) -> u64 {
        let (width, poly): (u32, u64) = match algorithm {
            CrcAlgorithm::Crc32IsoHdlc => (32, 0xEDB8_8320),
            CrcAlgorithm::Crc32Iscsi => (32, 0x82F6_3B78),
            CrcAlgorithm::Crc64Nvme => (64, 0x9A6C_9329_AC4B_C9B5),
        };
        let mask = if width == 64 { u64::MAX } else { (1 << width) - 1 };
        let mut crc = mask;
        for &byte in data {
            crc ^= u64::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ poly } else { crc >> 1 };
            }
        }
        crc ^ mask
    }

    /// Pseudo-random bytes (xorshift), so the test needs no dependency.
    fn bytes(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    }

    #[test]
    fn every_length_and_split_matches_the_reference() {
        for algorithm in ALL {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099] {
                let data = bytes(len, len as u64 + 1);
                let expected = reference(algorithm, &data);
                assert_eq!(checksum(algorithm, &data), expected, "{algorithm:?}, {len} bytes");
                for split in [0, 1, 3, len / 2, len.saturating_sub(1), len].map(|at| at.min(len)) {
                    let mut digest = Digest::new(algorithm);
                    digest.update(&data[..split]);
                    digest.update(&data[split..]);
                    assert_eq!(digest.finalize(), expected, "{algorithm:?}, {len} bytes split at {split}");
                }
            }
        }
    }

    #[test]
    fn finalize_does_not_end_the_digest_and_reset_starts_over() {
        for algorithm in ALL {
            let mut digest = Digest::new(algorithm);
            digest.update(b"12345");
            let _ = digest.finalize();
            digest.update(b"6789");
            assert_eq!(digest.finalize(), checksum(algorithm, b"123456789"));
            digest.reset();
            digest.update(b"abc");
            assert_eq!(digest.finalize(), checksum(algorithm, b"abc"));
        }
    }
}
