//! TLS for database connections through rustls, with libpq's `sslmode` semantics:
//!
//! | sslmode     | encrypt            | verify                                                   |
//! |-------------|--------------------|----------------------------------------------------------|
//! | disable     | no                 | -                                                        |
//! | allow       | only if the server insists | like require                                     |
//! | prefer      | if the server can (default) | like require                                   |
//! | require     | yes                | nothing, unless a root certificate is given or `~/.postgresql/root.crt` exists: then the chain (as libpq) |
//! | verify-ca   | yes                | the chain up to `sslrootcert`, not the host name         |
//! | verify-full | yes                | the chain and that the certificate names the host        |
//!
//! `sslrootcert=system` uses the operating system's trust store (webpki roots as a fallback) and,
//! as in libpq, requires `verify-full`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::exit::{failed, usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// Where trusted root certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file; `explicit` is false for libpq's default `~/.postgresql/root.crt`.
    File { path: PathBuf, explicit: bool },
    /// The operating system's trust store.
    System,
}

/// The TLS part of a connection string.
#[derive(Debug, Clone)]
pub struct TlsSpec {
    pub mode: SslMode,
    pub root_cert: RootCert,
    /// Client certificate and key; `explicit` false for libpq's defaults under ~/.postgresql.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub client_cert_explicit: bool,
    pub sni: bool,
    pub min_tls13: bool,
    pub max_tls12: bool,
}

impl TlsSpec {
    /// libpq defaults: sslmode=prefer and files under `~/.postgresql`.
    pub fn defaults(home: &Path) -> TlsSpec {
        let dir = home.join(".postgresql");
        TlsSpec {
            mode: SslMode::Prefer,
            root_cert: RootCert::File {
                path: dir.join("root.crt"),
                explicit: false,
            },
            client_cert: dir.join("postgresql.crt"),
            client_key: dir.join("postgresql.key"),
            client_cert_explicit: false,
            sni: true,
            min_tls13: false,
            max_tls12: false,
        }
    }

    /// Check combinations libpq refuses, before any connection attempt (exit 2).
    pub fn validate(&self) -> Result<()> {
        if self.root_cert == RootCert::System && self.mode != SslMode::VerifyFull {
            return Err(usage(format!(
                "sslrootcert=system needs sslmode=verify-full (got sslmode={}): trusting every public CA without checking the host name would accept any certificate",
                self.mode.name()
            )));
        }
        if self.min_tls13 && self.max_tls12 {
            return Err(usage(
                "ssl_min_protocol_version is above ssl_max_protocol_version",
            ));
        }
        Ok(())
    }

    /// Build the rustls client configuration (reads the certificate and key files).
    pub fn client_config(&self) -> Result<ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&'static rustls::SupportedProtocolVersion] =
            match (self.min_tls13, self.max_tls12) {
                (true, _) => &[&rustls::version::TLS13],
                (_, true) => &[&rustls::version::TLS12],
                _ => &[&rustls::version::TLS13, &rustls::version::TLS12],
            };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| failed(format!("cannot set up TLS: {e}")))?;

        let roots = self.load_roots()?;
        let verifier: Arc<dyn ServerCertVerifier> = match roots {
            Some(roots) if self.mode == SslMode::VerifyFull => {
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| failed(format!("cannot use the root certificates: {e}")))?
            }
            Some(roots) => Arc::new(ChainOnly {
                roots: Arc::new(roots),
                provider: provider.clone(),
            }),
            None => Arc::new(NoVerification(provider)),
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier);

        let mut config = match self.client_identity()? {
            Some((certs, key)) => builder.with_client_auth_cert(certs, key).map_err(|e| {
                failed(format!(
                    "client certificate {} does not fit key {}: {e}",
                    self.client_cert.display(),
                    self.client_key.display()
                ))
            })?,
            None => builder.with_no_client_auth(),
        };
        config.enable_sni = self.sni;
        // libpq 17 sends ALPN "postgresql"; PostgreSQL 17 requires it for sslnegotiation=direct,
        // older servers ignore it.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(config)
    }

    /// The trusted roots, or None when this mode does not verify (libpq: require/prefer/allow
    /// verify the chain only when a root certificate file is there).
    fn load_roots(&self) -> Result<Option<RootCertStore>> {
        match &self.root_cert {
            RootCert::System => Ok(Some(system_roots())),
            RootCert::File { path, explicit } => {
                if !path.exists() {
                    if self.mode.verifies() {
                        let how = if *explicit {
                            "sslrootcert"
                        } else {
                            "the default root certificate file"
                        };
                        return Err(failed(format!(
                            "{how} {} does not exist; hint: give the CA that signed the server certificate with sslrootcert=FILE (or PGSSLROOTCERT), use sslrootcert=system for the system's trusted CAs, or lower sslmode to require",
                            path.display()
                        )));
                    }
                    return Ok(None);
                }
                let certs = read_certs(path, "root certificate")?;
                let mut store = RootCertStore::empty();
                let (added, _ignored) = store.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(failed(format!(
                        "root certificate file {} holds no usable certificate",
                        path.display()
                    )));
                }
                Ok(Some(store))
            }
        }
    }

    /// The client certificate chain and key, when configured or present at the defaults.
    fn client_identity(
        &self,
    ) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>> {
        if !self.client_cert.exists() {
            if self.client_cert_explicit {
                return Err(failed(format!(
                    "client certificate {} does not exist (sslcert)",
                    self.client_cert.display()
                )));
            }
            return Ok(None);
        }
        let certs = read_certs(&self.client_cert, "client certificate")?;
        if !self.client_key.exists() {
            return Err(failed(format!(
                "client certificate {} is present but its private key {} is not (sslkey)",
                self.client_cert.display(),
                self.client_key.display()
            )));
        }
        check_key_permissions(&self.client_key)?;
        let pem = crate::limits::read(&self.client_key, crate::limits::SMALL_FILE, "keys")
            .map_err(|e| {
                crate::limits::usage_if_too_large(e, |e| {
                    format!("cannot read private key {}: {e}", self.client_key.display())
                })
            })?;
        let key = rustls_pemfile::private_key(&mut pem.as_slice())
            .ok()
            .flatten()
            .ok_or_else(|| {
                failed(format!(
                    "private key {} holds no unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)",
                    self.client_key.display()
                ))
            })?;
        Ok(Some((certs, key)))
    }
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let pem =
        crate::limits::read(path, crate::limits::SMALL_FILE, "certificates").map_err(|e| {
            crate::limits::usage_if_too_large(e, |e| {
                format!("cannot read {what} {}: {e}", path.display())
            })
        })?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| failed(format!("{what} {} is not valid PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(failed(format!(
            "{what} {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// libpq refuses a key the group or others can read (0640 is allowed when root owns it).
fn check_key_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| failed(format!("cannot read private key {}: {e}", path.display())))?;
    let allowed = if meta.uid() == 0 { 0o640 } else { 0o600 };
    if meta.mode() & 0o777 & !allowed != 0 {
        return Err(failed(format!(
            "private key {} has group or world access; hint: chmod 600 {}",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

/// The OS trust store (as OpenSSL finds it, honouring SSL_CERT_FILE/SSL_CERT_DIR), or the
/// bundled webpki roots when the system has none.
fn system_roots() -> RootCertStore {
    let mut store = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    store.add_parsable_certificates(native.certs);
    if store.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    store
}

/// verify-ca (and require with a root certificate): the chain must lead to a trusted root and
/// every certificate in it be valid now; the host name is not checked. Built on rustls' public
/// `verify_server_cert_signed_by_trust_anchor`, which never looks at the name, so no name
/// error has to be told apart from a chain error.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// sslmode=require/prefer/allow without a root certificate: encrypt, trust any certificate
/// (libpq does the same). The handshake signatures are still checked.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A one-line description of a rustls failure, for error messages.
pub fn describe_rustls_error(e: &rustls::Error, host: &str) -> (String, String) {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(CertificateError::NotValidForName)
        | E::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => (
            format!("certificate verify failed for host {host}: the server certificate is not valid for the name {host}"),
            "connect with a host name the certificate lists, or use sslmode=verify-ca to check only the chain".into(),
        ),
        E::InvalidCertificate(CertificateError::UnknownIssuer) => (
            format!("certificate verify failed for host {host}: the server certificate is not signed by a trusted CA"),
            "sslrootcert must name the CA certificate that signed the server's certificate".into(),
        ),
        E::InvalidCertificate(CertificateError::Expired)
        | E::InvalidCertificate(CertificateError::ExpiredContext { .. }) => (
            format!("certificate verify failed for host {host}: the server certificate has expired"),
            "renew the server certificate".into(),
        ),
        E::InvalidCertificate(other) => (
            format!("certificate verify failed for host {host}: {other:?}"),
            "check the server certificate and sslrootcert".into(),
        ),
        E::AlertReceived(alert) => (
            format!("TLS handshake with {host} failed: the server sent alert {alert:?}"),
            "the server may require a client certificate (sslcert/sslkey) or a TLS version this client lacks".into(),
        ),
        other => (
            format!("TLS handshake with {host} failed: {other}"),
            "check the server's TLS settings and sslmode".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_roots_need_verify_full() {
        let mut spec = TlsSpec::defaults(Path::new("/nonexistent"));
        spec.root_cert = RootCert::System;
        spec.mode = SslMode::Require;
        assert!(spec.validate().is_err());
        spec.mode = SslMode::VerifyFull;
        assert!(spec.validate().is_ok());
    }

    /// A CA, and certificates it (or another CA) signed for `names`, valid until `until`.
    mod pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        use rustls::pki_types::CertificateDer;

        pub struct Ca(rcgen::Certificate, KeyPair);

        pub fn ca(name: &str) -> Ca {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name.push(DnType::CommonName, name);
            Ca(params.self_signed(&key).unwrap(), key)
        }

        impl Ca {
            pub fn der(&self) -> CertificateDer<'static> {
                self.0.der().clone()
            }

            pub fn sign(&self, names: &[&str], until: (i32, u8, u8)) -> CertificateDer<'static> {
                let key = KeyPair::generate().unwrap();
                let mut params =
                    CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                        .unwrap();
                params.not_before = rcgen::date_time_ymd(2000, 1, 1);
                params.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
                params
                    .signed_by(&key, &self.0, &self.1)
                    .unwrap()
                    .der()
                    .clone()
            }
        }
    }

    #[test]
    fn verify_ca_checks_the_chain_and_never_the_name() {
        let ca = pki::ca("trusted CA");
        let mut roots = RootCertStore::empty();
        roots.add(ca.der()).unwrap();
        let verifier = ChainOnly {
            roots: Arc::new(roots),
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        };
        let now = UnixTime::now();
        let check = |cert: &CertificateDer<'_>, name: &str| {
            let name = ServerName::try_from(name.to_string()).unwrap();
            verifier.verify_server_cert(cert, &[], &name, &[], now)
        };
        let good = ca.sign(&["localhost"], (2999, 1, 1));
        // The name it was made for, another name, an address: all the same to verify-ca.
        for name in ["localhost", "db.example.com", "127.0.0.1"] {
            assert!(check(&good, name).is_ok(), "{name}");
        }
        // A certificate naming nothing at all still passes on its chain.
        assert!(check(&ca.sign(&[], (2999, 1, 1)), "localhost").is_ok());
        // Signed by a CA that is not trusted: refused, whatever the name …
        let stranger = pki::ca("another CA").sign(&["localhost"], (2999, 1, 1));
        let refused = check(&stranger, "localhost");
        assert!(
            matches!(
                refused,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer
                ))
            ),
            "{refused:?}"
        );
        // … also by one posing under the trusted CA's name.
        let impostor = pki::ca("trusted CA").sign(&["localhost"], (2999, 1, 1));
        let refused = check(&impostor, "localhost");
        assert!(
            matches!(
                refused,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::BadSignature
                ))
            ),
            "{refused:?}"
        );
        // Expired: refused.
        let expired = ca.sign(&["localhost"], (2001, 1, 1));
        assert!(matches!(
            check(&expired, "localhost"),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        ));
        // Not a certificate: refused.
        assert!(check(
            &CertificateDer::from(vec![0x30, 0x03, 1, 2, 3]),
            "localhost"
        )
        .is_err());
    }

    #[test]
    fn verify_modes_need_a_root_certificate() {
        let mut spec = TlsSpec::defaults(Path::new("/nonexistent"));
        spec.mode = SslMode::VerifyCa;
        let e = spec.client_config().unwrap_err().to_string();
        assert!(e.contains("/nonexistent/.postgresql/root.crt"), "{e}");
        // require without a root file just encrypts.
        spec.mode = SslMode::Require;
        assert!(spec.client_config().is_ok());
    }
}
