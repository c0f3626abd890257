//! The application's certificate: an X.509 certificate and its RSA private key,
//! read from PEM, ready to sign client assertions.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::pem::{self, PemObject as _};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate or its private key could not be used. Each variant names the
/// file (or `<memory>` for PEM given as text) and the rule that was broken; none
/// carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// No `-----BEGIN CERTIFICATE-----` block was found.
    #[error("{path} holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` block is needed)")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// No private key block was found.
    #[error(
        "{path} holds no PEM private key (`-----BEGIN PRIVATE KEY-----` (PKCS#8) or \
         `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1) is needed)"
    )]
    NoPrivateKey {
        /// The file.
        path: PathBuf,
    },
    /// The private key is encrypted with a passphrase.
    #[error(
        "the private key in {path} is encrypted: decrypt it first \
         (`openssl pkcs8 -topk8 -nocrypt`) and keep the file readable only by the service"
    )]
    EncryptedKey {
        /// The file.
        path: PathBuf,
    },
    /// A PEM block is damaged.
    #[error("{path} is not valid PEM: {reason}")]
    BadPem {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the file's content).
        reason: String,
    },
    /// The key is not an RSA key of at least 2048 bits.
    #[error(
        "the private key in {path} is not usable: {rule} (Microsoft Entra ID signs client \
         assertions with RSA keys of 2048 bits or more)"
    )]
    UnsupportedKey {
        /// The file.
        path: PathBuf,
        /// The rule broken.
        rule: &'static str,
    },
    /// The private key does not belong to the certificate.
    #[error("the private key in {key_path} does not belong to the certificate in {cert_path}")]
    KeyMismatch {
        /// The certificate's file.
        cert_path: PathBuf,
        /// The key's file.
        key_path: PathBuf,
    },
}

/// An application certificate with its private key, as uploaded to the app
/// registration in Microsoft Entra ID (the certificate) and kept by the service
/// (the key). `Debug` shows the file and the SHA-256 thumbprint, never the key.
///
/// ```no_run
/// use offline_im::transport::ClientCertificate;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Certificate and key in two files...
/// let cert = ClientCertificate::from_pem_files("/etc/offline-im/app.crt", "/etc/offline-im/app.key")?;
/// // ...or both in one.
/// let cert = ClientCertificate::from_pem_file("/etc/offline-im/app.pem")?;
/// println!("thumbprint (x5t#S256): {}", cert.thumbprint_sha256());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCertificate {
    pub(crate) der: Vec<u8>,
    pub(crate) key: Arc<RsaKeyPair>,
    x5t_s256: String,
    x5t_sha1: String,
    origin: PathBuf,
}

impl ClientCertificate {
    /// Reads the certificate (the first `CERTIFICATE` block) and the private key
    /// (PKCS#8 or PKCS#1, unencrypted) from two PEM files.
    ///
    /// # Errors
    /// A [`CertificateError`] naming the file: unreadable, no certificate, no key,
    /// an encrypted or non-RSA key, or a key that does not belong to the certificate.
    pub fn from_pem_files(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> Result<Self, CertificateError> {
        let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
        let cert_pem = read(cert_path)?;
        let key_pem = read(key_path)?;
        Self::parse(&cert_pem, cert_path, &key_pem, key_path)
    }

    /// Reads the certificate and its private key from one PEM file holding both.
    ///
    /// # Errors
    /// As [`from_pem_files`](Self::from_pem_files).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, CertificateError> {
        let path = path.as_ref();
        let pem = read(path)?;
        Self::parse(&pem, path, &pem, path)
    }

    /// The certificate and the key as PEM text (errors name `<memory>`).
    ///
    /// # Errors
    /// As [`from_pem_files`](Self::from_pem_files).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, CertificateError> {
        let memory = Path::new("<memory>");
        Self::parse(cert_pem, memory, key_pem, memory)
    }

    fn parse(
        cert_pem: &[u8],
        cert_path: &Path,
        key_pem: &[u8],
        key_path: &Path,
    ) -> Result<Self, CertificateError> {
        let der = match CertificateDer::pem_slice_iter(cert_pem).next() {
            Some(Ok(der)) => der.as_ref().to_vec(),
            Some(Err(err)) => return Err(bad_pem(cert_path, &err)),
            None => {
                return Err(CertificateError::NoCertificate {
                    path: cert_path.to_owned(),
                });
            }
        };
        let key = match PrivateKeyDer::from_pem_slice(key_pem) {
            Ok(key) => key,
            Err(pem::Error::NoItemsFound) => {
                let encrypted = key_pem
                    .windows(b"ENCRYPTED PRIVATE KEY".len())
                    .any(|w| w == b"ENCRYPTED PRIVATE KEY")
                    || key_pem
                        .windows(b"Proc-Type: 4,ENCRYPTED".len())
                        .any(|w| w == b"Proc-Type: 4,ENCRYPTED");
                let path = key_path.to_owned();
                return Err(if encrypted {
                    CertificateError::EncryptedKey { path }
                } else {
                    CertificateError::NoPrivateKey { path }
                });
            }
            Err(err) => return Err(bad_pem(key_path, &err)),
        };
        let unsupported = |rule| CertificateError::UnsupportedKey {
            path: key_path.to_owned(),
            rule,
        };
        let key = match &key {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(_) => return Err(unsupported("an EC key, not an RSA key")),
            _ => return Err(unsupported("an unknown kind of key")),
        }
        .map_err(|_| unsupported("not an RSA key of 2048 to 8192 bits"))?;
        // The certificate's SubjectPublicKeyInfo holds the RSAPublicKey DER as it is:
        // finding it there proves the pair without an X.509 parser.
        let public = key.public_key().as_ref();
        if !der.windows(public.len()).any(|w| w == public) {
            return Err(CertificateError::KeyMismatch {
                cert_path: cert_path.to_owned(),
                key_path: key_path.to_owned(),
            });
        }
        Ok(Self {
            x5t_s256: URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &der)),
            x5t_sha1: URL_SAFE_NO_PAD
                .encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &der)),
            der,
            key: Arc::new(key),
            origin: cert_path.to_owned(),
        })
    }

    /// The base64url SHA-256 thumbprint of the certificate's DER encoding: the
    /// `x5t#S256` header of the client assertions.
    #[must_use]
    pub fn thumbprint_sha256(&self) -> &str {
        &self.x5t_s256
    }

    /// The base64url SHA-1 thumbprint (`x5t`), which older guidance used.
    #[must_use]
    pub fn thumbprint_sha1(&self) -> &str {
        &self.x5t_sha1
    }

    /// The certificate, DER encoded.
    #[must_use]
    pub fn certificate_der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("file", &self.origin)
            .field("x5t#S256", &self.x5t_s256)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CertificateError> {
    std::fs::read(path).map_err(|source| CertificateError::Read {
        path: path.to_owned(),
        source,
    })
}

fn bad_pem(path: &Path, err: &pem::Error) -> CertificateError {
    // pem::Error names the problem (missing end marker, bad base64) and
    // never the content.
    CertificateError::BadPem {
        path: path.to_owned(),
        reason: err.to_string(),
    }
}
