//! The built binary's terminal interface on a pseudo-terminal of 80×24, for the tests that need
//! the program running with its database open (readers while another writes, the modes of the
//! `-wal` and `-shm` files it creates). Included with `#[path]` by the tests that use it.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// `jijiao` running in a pseudo-terminal; every byte it wrote is kept.
pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// The interface on `db`, as clerk `wangfang` on `today`, with `home` as its home and config
    /// directory, started through `sh -c 'umask MASK; exec jijiao'` so the test chooses the
    /// umask the clerk's shell would leave.
    pub fn start(db: &Path, home: &Path, today: &str, umask: &str) -> Pty {
        Pty::start_with(db, home, today, umask, &[])
    }

    /// [`Pty::start`] with more environment (`JIJIAO_LANG`, `JIJIAO_CONFIG`…).
    pub fn start_with(
        db: &Path,
        home: &Path,
        today: &str,
        umask: &str,
        env: &[(&str, &str)],
    ) -> Pty {
        Pty::run_with(db, home, today, umask, &[], env)
    }

    /// `jijiao ARGS…` on the terminal, as [`Pty::start_with`] starts the interface: a command
    /// line's own output on a terminal (issue 10's progress bars).
    pub fn run_with(
        db: &Path,
        home: &Path,
        today: &str,
        umask: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new("sh");
        cmd.args([
            "-c",
            &format!("umask {umask}; exec \"$0\" \"$@\""),
            env!("CARGO_BIN_EXE_jijiao"),
        ]);
        cmd.args(args);
        cmd.env("JIJIAO_DB", db);
        cmd.env("JIJIAO_USER", "wangfang");
        cmd.env("JIJIAO_TODAY", today);
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("JIJIAO_LANG");
        cmd.env_remove("JIJIAO_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).expect("spawn jijiao");
        // Our end of the slave must close, or reading never sees the end after the exit.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            child,
            writer,
            output,
        }
    }

    /// The screen as a VT100 terminal of 80×24 shows it after everything written so far.
    pub fn screen(&self) -> String {
        let rows = std::num::NonZeroU16::new(24).expect("rows");
        let cols = std::num::NonZeroU16::new(80).expect("cols");
        let mut parser = vt100::Parser::new(rows, cols, 0);
        parser.process(&self.output.lock().unwrap_or_else(|e| e.into_inner()));
        parser.screen().contents()
    }

    /// Wait up to `patience` until the screen shows `text`; the program's exit or the time
    /// running out fails the test with the screen it showed.
    pub fn wait_for(&mut self, text: &str, patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("jijiao exited ({status:?}) before showing {text:?}; screen:\n{s}");
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} not shown within {patience:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the program wrote so far, escape sequences and all.
    pub fn bytes(&self) -> Vec<u8> {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The exit code once the program has ended by itself within `patience`.
    pub fn wait_exit(&mut self, patience: Duration) -> u32 {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "still running after {patience:?}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Type `bytes` as the clerk would.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// `kill -9`: no destructor, no rollback by the program, the terminal left as it was.
    pub fn kill9(&mut self) {
        if let Some(pid) = self.child.process_id() {
            // SAFETY: kill(2) on the pid of our own child (sh exec'd jijiao, same pid), which
            // has not been reaped yet (we wait below), so the pid cannot have been reused.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }

    /// Whether the program is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `q`, and the exit code once the program has ended.
    pub fn quit(&mut self) -> u32 {
        self.writer.write_all(b"q").expect("write to the pty");
        self.writer.flush().expect("flush the pty");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "q did not quit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
