//! Real TLS on loopback for integration tests.
//!
//! - [`TestCa`]: a throwaway certificate authority (rcgen). Write its
//!   certificate with [`TestCa::write_pem`] and list that file in
//!   `[probe] extra_root_certs`; the probe then trusts servers it signed.
//! - [`TlsFront`]: a TLS terminator on 127.0.0.1 that presents a certificate
//!   for the names you choose and forwards the decrypted bytes to a plain
//!   HTTP server on loopback (a wiremock `MockServer`, a `FaultServer`, ...).
//!   Together with `[probe] resolve = ["api.github.com:443:127.0.0.1:<port>"]`
//!   a scenario runs with real host names and real TLS, and the backend's
//!   mocks and request log work as usual.
//!
//! Include with `#[path = "support/tls.rs"] mod tls;`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and its private key, ready for a server.
pub struct Leaf {
    pub cert_der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
    pub cert_pem: String,
}

/// What kind of (bad) certificate to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Good,
    /// Expired in 2020.
    Expired,
}

pub struct TestCa {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// Writes the CA certificate as `<dir>/ca.pem` and returns the path.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.cert_pem).expect("write CA PEM");
        path
    }

    /// A server certificate for `names` (DNS names or IP addresses).
    pub fn leaf(&self, names: &[&str], validity: Validity) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("leaf params");
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        if validity == Validity::Expired {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let key = KeyPair::generate().expect("leaf key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        Leaf {
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
            cert_pem: cert.pem(),
        }
    }
}

/// A TLS terminator in front of a plain loopback backend.
pub struct TlsFront {
    pub addr: SocketAddr,
    handshakes: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl TlsFront {
    /// Listens on 127.0.0.1 (a free port), presents `leaf`, forwards each
    /// connection to `backend`. HTTP/1.1 only (ALPN `http/1.1`).
    pub async fn start(leaf: &Leaf, backend: SocketAddr) -> TlsFront {
        TlsFront::start_with_alpn(leaf, backend, &[b"http/1.1"]).await
    }

    /// Like [`TlsFront::start`], offering these ALPN protocols (`b"h2"` for a
    /// backend that speaks HTTP/2 with prior knowledge).
    pub async fn start_with_alpn(leaf: &Leaf, backend: SocketAddr, alpn: &[&[u8]]) -> TlsFront {
        let provider = Arc::new(aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.cert_der.clone()], key)
            .expect("server certificate");
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind TLS front");
        let addr = listener.local_addr().expect("TLS front address");
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counter = handshakes.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                    let Ok(mut upstream) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
        TlsFront {
            addr,
            handshakes,
            task,
        }
    }

    /// TLS handshakes completed (failed handshakes are not counted).
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    /// A `[probe] resolve` entry sending `host` (port 443) to this front.
    pub fn resolve_entry(&self, host: &str) -> String {
        format!("{host}:443:{}", self.addr)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The platforms' real host names on loopback: a test CA written into
/// `dir`, one TLS front whose certificate covers every name in `hosts`,
/// forwarding to `backend`, and the `[probe]` lines (`resolve`,
/// `extra_root_certs`) that send catwatch there.
pub struct RealHosts {
    pub front: TlsFront,
    pub probe_lines: String,
}

pub async fn real_hosts(dir: &Path, hosts: &[&str], backend: SocketAddr) -> RealHosts {
    let ca = TestCa::new("catwatch real-host-names test CA");
    let ca_pem = ca.write_pem(dir);
    let front = TlsFront::start(&ca.leaf(hosts, Validity::Good), backend).await;
    let resolve: Vec<String> = hosts
        .iter()
        .map(|h| format!("\"{}\"", front.resolve_entry(h)))
        .collect();
    let probe_lines = format!(
        "resolve = [{}]\nextra_root_certs = [\"{}\"]\n",
        resolve.join(", "),
        ca_pem.display()
    );
    RealHosts { front, probe_lines }
}
