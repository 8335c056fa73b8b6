//! Where printed text goes: a CUPS queue through `lp -o raw` (the default), a network printer's
//! AppSocket port directly (`socket://host:9100`, for when CUPS drops raw queues, which it has
//! deprecated), a device (`/dev/usb/lp0`), a file, or standard output (`-`).
//!
//! The forms the configuration's `[printer] destination` (and `--printer`) accepts are those of
//! [`Destination::parse`]; the README lists them.

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A CUPS queue, printed raw so the printer gets our bytes unchanged.
    Queue(String),
    /// `socket://host:port` (AppSocket / JetDirect, port 9100 by default).
    Socket {
        host: String,
        port: u16,
    },
    /// A character device such as `/dev/usb/lp0`.
    Device(PathBuf),
    /// A file, created or replaced (`file:PATH`, `--to FILE`).
    File(PathBuf),
    /// A file that must not exist yet: the interface's "print to a file" never overwrites an
    /// earlier print the clerk may still need.
    NewFile(PathBuf),
    Stdout,
}

#[derive(Debug)]
pub enum SinkError {
    Lp(String),
    Io {
        target: String,
        message: String,
    },
    NoPrinter,
    /// A [`Destination::NewFile`] that already exists: nothing was written.
    Exists(PathBuf),
}

impl Describe for SinkError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (SinkError::Lp(m), Lang::Zh) => format!("打印队列出错：{m}"),
            (SinkError::Lp(m), Lang::En) => format!("the print queue failed: {m}"),
            (SinkError::Io { target, message }, Lang::Zh) => format!("无法写入 {target}：{message}"),
            (SinkError::Io { target, message }, Lang::En) => format!("cannot write to {target}: {message}"),
            (SinkError::NoPrinter, Lang::Zh) => {
                "未配置打印机：请用 --printer 指定，或在配置文件 [printer] 中设置 destination".into()
            }
            (SinkError::NoPrinter, Lang::En) => {
                "no printer configured: name one with --printer or set destination in [printer] of the configuration".into()
            }
            (SinkError::Exists(p), Lang::Zh) => format!(
                "文件 {} 已存在，未覆盖、未打印：请换一个文件名",
                clean_line(&p.display().to_string())
            ),
            (SinkError::Exists(p), Lang::En) => format!(
                "the file {} already exists and was left as it is, nothing printed: give another name",
                clean_line(&p.display().to_string())
            ),
        }
    }
}

impl Destination {
    /// `socket://host[:port]`, `/dev/…`, `file:PATH`, `-`, or a CUPS queue name.
    pub fn parse(s: &str) -> Destination {
        let s = s.trim();
        if s == "-" {
            return Destination::Stdout;
        }
        if let Some(rest) = s.strip_prefix("socket://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) if p.parse::<u16>().is_ok() => (h, p.parse().unwrap_or(9100)),
                _ => (rest, 9100),
            };
            return Destination::Socket {
                host: host.trim_matches(['[', ']']).to_string(),
                port,
            };
        }
        if let Some(path) = s.strip_prefix("file:") {
            return Destination::File(PathBuf::from(path.trim_start_matches("//")));
        }
        if s.starts_with("/dev/") {
            return Destination::Device(PathBuf::from(s));
        }
        Destination::Queue(s.to_string())
    }

    /// How the destination is named in a print record and in messages: the queue name,
    /// `socket://host:port`, the path, or `-`.
    pub fn label(&self) -> String {
        match self {
            Destination::Queue(q) => q.clone(),
            Destination::Socket { host, port } => format!("socket://{host}:{port}"),
            Destination::Device(p) | Destination::File(p) | Destination::NewFile(p) => {
                p.display().to_string()
            }
            Destination::Stdout => "-".into(),
        }
    }

    /// Send `bytes`; every path reports failure rather than losing a page silently. Files,
    /// devices and `lp` are reached with the clerk's own rights, never the program's group's
    /// (`crate::privilege`): a print cannot overwrite the database.
    pub fn send(&self, bytes: &[u8], title: &str) -> Result<(), SinkError> {
        crate::privilege::as_clerk(|| self.send_as_clerk(bytes, title)).map_err(|e| {
            SinkError::Io {
                target: self.label(),
                message: e.to_string(),
            }
        })?
    }

    fn send_as_clerk(&self, bytes: &[u8], title: &str) -> Result<(), SinkError> {
        let io = |target: String| {
            move |e: std::io::Error| SinkError::Io {
                target,
                message: e.to_string(),
            }
        };
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).map_err(io("-".into()))?;
                out.flush().map_err(io("-".into()))
            }
            Destination::File(p) => std::fs::write(p, bytes).map_err(io(p.display().to_string())),
            Destination::NewFile(p) => {
                // `create_new` decides "exists" and "create" in one step: no race with another
                // clerk writing the same name.
                let mut f = match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(p)
                {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        return Err(SinkError::Exists(p.clone()));
                    }
                    Err(e) => return Err(io(p.display().to_string())(e)),
                };
                f.write_all(bytes).map_err(io(p.display().to_string()))?;
                f.flush().map_err(io(p.display().to_string()))
            }
            Destination::Device(p) => {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(io(p.display().to_string()))?;
                f.write_all(bytes).map_err(io(p.display().to_string()))?;
                f.flush().map_err(io(p.display().to_string()))
            }
            Destination::Socket { host, port } => {
                let target = format!("socket://{host}:{port}");
                let addr = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(io(target.clone()))?
                    .next()
                    .ok_or_else(|| SinkError::Io {
                        target: target.clone(),
                        message: "no address".into(),
                    })?;
                let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
                    .map_err(io(target.clone()))?;
                stream
                    .set_write_timeout(Some(Duration::from_secs(60)))
                    .map_err(io(target.clone()))?;
                stream.write_all(bytes).map_err(io(target.clone()))?;
                stream.flush().map_err(io(target.clone()))?;
                // Close our side so the printer knows the job is complete.
                stream
                    .shutdown(std::net::Shutdown::Write)
                    .map_err(io(target))
            }
            Destination::Queue(queue) => {
                let mut child = Command::new("lp")
                    .args(["-d", queue, "-o", "raw", "-t", title])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| SinkError::Lp(format!("lp: {e}")))?;
                if let Some(mut stdin) = child.stdin.take() {
                    stdin
                        .write_all(bytes)
                        .map_err(|e| SinkError::Lp(format!("lp: {e}")))?;
                }
                let out = child
                    .wait_with_output()
                    .map_err(|e| SinkError::Lp(format!("lp: {e}")))?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(SinkError::Lp(
                        String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn destinations_parse() {
        assert_eq!(Destination::parse("-"), Destination::Stdout);
        assert_eq!(
            Destination::parse("socket://10.0.0.5:9101"),
            Destination::Socket {
                host: "10.0.0.5".into(),
                port: 9101
            }
        );
        assert_eq!(
            Destination::parse("socket://printer.local"),
            Destination::Socket {
                host: "printer.local".into(),
                port: 9100
            }
        );
        assert_eq!(
            Destination::parse("/dev/usb/lp0"),
            Destination::Device("/dev/usb/lp0".into())
        );
        assert_eq!(
            Destination::parse("file:/tmp/x.prn"),
            Destination::File("/tmp/x.prn".into())
        );
        assert_eq!(
            Destination::parse("office-lq"),
            Destination::Queue("office-lq".into())
        );
    }

    #[test]
    fn a_new_file_is_written_once_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("证明.txt");
        let d = Destination::NewFile(path.clone());
        d.send("张伟\n\u{c}".as_bytes(), "t").unwrap();
        let e = d.send(b"other", "t").unwrap_err();
        assert!(matches!(&e, SinkError::Exists(p) if *p == path), "{e:?}");
        assert!(e.describe(Lang::Zh).contains("已存在"));
        assert!(e.describe(Lang::En).contains("already exists"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "张伟\n\u{c}");
        // A directory that is not there is an error that names the path.
        let missing = dir.path().join("no-such-dir").join("x.txt");
        let e = Destination::NewFile(missing).send(b"x", "t").unwrap_err();
        assert!(e.describe(Lang::En).contains("no-such-dir"), "{e:?}");
    }

    #[test]
    fn socket_destination_delivers_every_byte() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let reader = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            got
        });
        let bytes = "张伟\n\u{c}".as_bytes();
        Destination::parse(&format!("socket://127.0.0.1:{port}"))
            .send(bytes, "t")
            .unwrap();
        assert_eq!(reader.join().unwrap(), bytes);
    }

    #[test]
    fn an_unreachable_printer_is_an_error_not_a_lost_page() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(
            Destination::parse(&format!("socket://127.0.0.1:{port}"))
                .send(b"x", "t")
                .is_err()
        );
        assert!(
            Destination::Device("/nonexistent/lp0".into())
                .send(b"x", "t")
                .is_err()
        );
    }
}
