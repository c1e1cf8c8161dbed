//! Starts `tests/support/smtp_sink.py` (a real aiosmtpd server) on a free
//! loopback port and reads what it received. Include with
//! `#[path = "support/smtp_sink.rs"] mod smtp_sink;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

/// The Python of the test tools: scripts/setup.sh's virtual environment
/// (target/test-venv), which holds aiosmtpd, else `python3` on PATH (which
/// scripts/test.sh points at that environment too).
pub fn test_python() -> std::path::PathBuf {
    let venv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python3");
    if venv.is_file() {
        venv
    } else {
        "python3".into()
    }
}

impl SmtpSink {
    /// Starts the sink with the given extra options (see the top of the
    /// script). Fails loudly when python3 or aiosmtpd is missing: run
    /// scripts/setup.sh.
    pub fn start(options: &[&str]) -> SmtpSink {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut child = Command::new(test_python())
            .arg(SCRIPT)
            .arg("--dir")
            .arg(dir.path().join("mail"))
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 must be installed (scripts/setup.sh) to run the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the sink's READY line");
        let Some(port) = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
        else {
            let mut err = String::new();
            let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the SMTP sink did not start (is aiosmtpd installed? run scripts/setup.sh): {line}{err}"
            );
        };
        SmtpSink { child, port, dir }
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    fn files(&self, extension: &str) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.mail_dir())
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        paths.retain(|p| {
            p.extension().is_some_and(|e| e == extension)
                && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        });
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read a stored message"))
            .collect()
    }

    /// Every accepted message as received, oldest first.
    pub fn messages(&self) -> Vec<String> {
        self.files("eml")
    }

    /// The envelope of every accepted message: mail_from, rcpt_tos, tls, auth_user.
    pub fn envelopes(&self) -> Vec<serde_json::Value> {
        self.files("json")
            .iter()
            .map(|t| serde_json::from_str(t).expect("envelope JSON"))
            .collect()
    }

    /// One line per client command: "<conn> <tls|plain> <COMMAND> <arg>".
    pub fn transcript(&self) -> String {
        std::fs::read_to_string(self.mail_dir().join("transcript.log")).unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test CA and a server certificate for 127.0.0.1 and localhost signed by
/// it, written as PEM files into `dir`.
pub struct TestCertificates {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn test_certificates(dir: &Path) -> TestCertificates {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "catwatch test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");
    let paths = TestCertificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&paths.ca, ca_cert.pem()).unwrap();
    std::fs::write(&paths.cert, cert.pem()).unwrap();
    std::fs::write(&paths.key, key.serialize_pem()).unwrap();
    paths
}

/// The text/plain part of a received message, decoded (7bit or quoted-printable).
pub fn plain_text(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let start = lower
        .find("content-type: text/plain")
        .unwrap_or_else(|| panic!("no text/plain part in {message}"));
    let part = &message[start..];
    let (head, body) = part.split_once("\r\n\r\n").expect("part head");
    let body = body.split("\r\n--").next().unwrap_or(body);
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: base64") {
        panic!("unexpected base64 body; extend the test decoder: {message}");
    }
    if !head.contains("quoted-printable") {
        return body.replace("\r\n", "\n");
    }
    let joined = body.replace("=\r\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 3 <= bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap().replace("\r\n", "\n")
}

pub fn subject(message: &str) -> String {
    message
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_owned()
}

/// Every mail the sinks received, oldest first, as (subject, text).
pub fn mail(sinks: &[&SmtpSink]) -> Vec<(String, String)> {
    sinks
        .iter()
        .flat_map(|s| s.messages())
        .map(|m| (subject(&m), plain_text(&m)))
        .collect()
}

/// How many received mails contain `needle` in their text.
pub fn count(mail: &[(String, String)], needle: &str) -> usize {
    mail.iter().filter(|(_, t)| t.contains(needle)).count()
}
