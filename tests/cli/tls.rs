//! `rediss://` with a password, as the `redis` crate takes them: a TLS server with a
//! certificate from a test authority that the tool trusts through `SSL_CERT_FILE`.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use redset::SortedSet;

use crate::run::{Ran, BIN, PATIENCE};

/// A redis-server that speaks only TLS, with a password, killed on drop.
struct TlsServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    ca: String,
}

impl TlsServer {
    fn start() -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "redset test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let path = |file: &str| dir.path().join(file);
        std::fs::write(path("ca.pem"), ca.pem()).unwrap();
        std::fs::write(path("server.pem"), cert.pem()).unwrap();
        std::fs::write(path("server.key"), key.serialize_pem()).unwrap();
        let port = crate::support::free_port(&[], false);
        // Debian's redis-server, even when REDSET_SERVER names another: TLS is the
        // client's to prove, and the Valkey binary the suites also run on has none.
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--tls-cert-file")
            .arg(path("server.pem"))
            .arg("--tls-key-file")
            .arg(path("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(path("ca.pem"))
            .args(["--tls-auth-clients", "no", "--requirepass", "s3cret"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server");
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the TLS server never listened");
            if let Some(status) = child.try_wait().unwrap() {
                panic!("redis-server with TLS exited: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        TlsServer {
            child,
            port,
            ca: ca.pem(),
            dir,
        }
    }

    fn url(&self, password: &str) -> String {
        format!("rediss://:{password}@localhost:{}/", self.port)
    }

    fn client(&self) -> redis::Client {
        let certificates = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(self.ca.clone().into_bytes()),
        };
        redis::Client::build_with_tls(self.url("s3cret"), certificates).unwrap()
    }

    fn redset(&self, url: &str, args: &[&str]) -> Ran {
        let output = Command::new(BIN)
            .args(args)
            .env("REDIS_URL", url)
            .env("SSL_CERT_FILE", self.dir.path().join("ca.pem"))
            .output()
            .unwrap();
        Ran::of(output)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tls_and_a_password_in_the_url_are_used() {
    let server = TlsServer::start();
    let mut jobs = SortedSet::new(server.client().get_connection().unwrap(), "jobs");
    jobs.add_with_score("a", 1.0).unwrap();

    let ran = server
        .redset(&server.url("s3cret"), &["stats", "jobs", "--json"])
        .expect(0);
    assert_eq!(ran.json()[0]["waiting"], 1);

    // A wrong password is Redis's refusal: exit 1, and the password is not shown.
    let refused = server
        .redset(&server.url("wrong-pw"), &["stats", "jobs"])
        .expect(1);
    assert!(!refused.stderr.contains("wrong-pw"), "{}", refused.stderr);
    assert!(refused.stderr.contains("***"), "{}", refused.stderr);
}
