//! Workspace digests as pyhf computes them (`pyhf.utils.digest`): a hash of the UTF-8 bytes
//! of `json.dumps(value, sort_keys=True, ensure_ascii=False)`, see [`super::pyjson`].
//!
//! ```
//! use histfactory::spec::digest::{digest, DigestAlgorithm};
//! let v = serde_json::json!({"a": 2.0, "b": 3.0, "c": 1.0});
//! assert_eq!(
//!     digest(&v, DigestAlgorithm::Sha256),
//!     "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928"
//! );
//! ```

use super::pyjson;
use sha2::Digest as _;
use std::fmt::Write as _;

/// The hash algorithms available for digests.
///
/// pyhf accepts any `hashlib` algorithm; the SHA-2 family is provided here. `md5` (which
/// some pyhf test patchsets list) is not implemented, and asking for it gives
/// [`DigestError::Unsupported`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// MD5 (`hashlib.md5`; not for security, but patchsets and `pyhf digest -a md5` use it).
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256, pyhf's default and what HEPData patchsets use.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A digest algorithm that cannot be computed here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The name is not a supported algorithm.
    #[error(
        "unsupported digest algorithm \"{0}\" (supported: md5, sha1, sha224, sha256, sha384, sha512)"
    )]
    Unsupported(String),
}

impl DigestAlgorithm {
    /// All supported algorithms.
    pub const ALL: [DigestAlgorithm; 6] = [
        DigestAlgorithm::Md5,
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha224,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    /// The `hashlib` name, as used in patchset metadata and `pyhf digest` output.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "md5",
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha224 => "sha224",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DigestAlgorithm {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // hashlib names are case-insensitive (`hashlib.new("SHA256")` works).
        let lower = s.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == lower)
            .ok_or_else(|| DigestError::Unsupported(s.to_string()))
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The lower-case hex digest of `value` (without the `sha256:` prefix), identical to
/// `pyhf.utils.digest(value, algorithm)`.
pub fn digest(value: &serde_json::Value, algorithm: DigestAlgorithm) -> String {
    let text = pyjson::to_string(value);
    let bytes = text.as_bytes();
    match algorithm {
        DigestAlgorithm::Md5 => hex(&md5::Md5::digest(bytes)),
        DigestAlgorithm::Sha1 => hex(&sha1::Sha1::digest(bytes)),
        DigestAlgorithm::Sha224 => hex(&sha2::Sha224::digest(bytes)),
        DigestAlgorithm::Sha256 => hex(&sha2::Sha256::digest(bytes)),
        DigestAlgorithm::Sha384 => hex(&sha2::Sha384::digest(bytes)),
        DigestAlgorithm::Sha512 => hex(&sha2::Sha512::digest(bytes)),
    }
}

/// [`digest`] with the algorithm given by its `hashlib` name (`"sha256"`).
pub fn digest_named(value: &serde_json::Value, algorithm: &str) -> Result<String, DigestError> {
    Ok(digest(value, algorithm.parse()?))
}

/// The digest in `pyhf digest`'s plain-text form, `sha256:<hex>`.
pub fn prefixed(value: &serde_json::Value, algorithm: DigestAlgorithm) -> String {
    format!("{algorithm}:{}", digest(value, algorithm))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_digest_from_pyhf_docs() {
        // {'a': 2.0, 'b': 3.0, 'c': 1.0} hashed by pyhf.utils.digest.
        let v = json!({"c": 1.0, "a": 2.0, "b": 3.0});
        assert_eq!(
            prefixed(&v, DigestAlgorithm::Sha256),
            "sha256:a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928"
        );
    }

    #[test]
    fn int_and_float_hash_differently() {
        // Python hashes "1" and "1.0" differently; so must we.
        assert_ne!(
            digest(&json!([1]), DigestAlgorithm::Sha256),
            digest(&json!([1.0]), DigestAlgorithm::Sha256)
        );
    }

    #[test]
    fn names_parse_and_unknown_ones_are_refused() {
        assert_eq!(
            "SHA256".parse::<DigestAlgorithm>(),
            Ok(DigestAlgorithm::Sha256)
        );
        assert_eq!("MD5".parse::<DigestAlgorithm>(), Ok(DigestAlgorithm::Md5));
        let err = "blake2b".parse::<DigestAlgorithm>().unwrap_err();
        assert!(err.to_string().contains("\"blake2b\""), "{err}");
        assert!(err.to_string().contains("md5, sha1"), "{err}");
    }

    #[test]
    fn every_algorithm_matches_hashlib() {
        // Expected values: Python's hashlib over json.dumps({'x': [1, 1e-05, 'é']},
        // sort_keys=True, ensure_ascii=False).encode().
        let v = json!({"x": [1, 1e-5, "é"]});
        let want = [
            (DigestAlgorithm::Md5, "4a551ab2ba962de992b44a0eac78f63d"),
            (DigestAlgorithm::Sha1, "905e5f9b428a1b38fd36cdca44b14da743bcd93b"),
            (DigestAlgorithm::Sha224, "462c52a6356dae7fc6072804f6c70446a818177447b6189d151cdbdc"),
            (DigestAlgorithm::Sha256, "cc47858f191b005b1457f8856dd31ef4711b6f05964d3a6fe2df439f6a323c1d"),
            (DigestAlgorithm::Sha384, "386aa3c5025f67c7b0f8177e27d5db04ff9225ec52e55aecf90b746d0c14ab8358311c50f58d5c8320dc91adaefea783"),
            (DigestAlgorithm::Sha512, "2361940b569b0625279a15144a0a6a01c5dd44660d640a31c4ce7ab327b8174e235eb4c754fa1ec72c772846e68625e14b1f0ab6164f3726399f232aac93d839"),
        ];
        for (alg, hex) in want {
            assert_eq!(digest(&v, alg), hex, "{alg}");
            assert_eq!(digest_named(&v, alg.as_str()).unwrap(), hex);
        }
    }
}
