//! The interface running in a pseudo-terminal of 80×24 that behaves like a terminal: it keeps
//! the screen (a VT100 parser), answers the questions a terminal answers (cursor position,
//! primary device attributes, whether synchronized update is supported), and stamps the moment
//! each frame ends.
//!
//! The program wraps every frame in synchronized-update sequences (`ESC[?2026h` … `ESC[?2026l`),
//! so the end of a frame is the chunk read from the terminal that holds `ESC[?2026l`; the reader
//! thread stamps each chunk as `read` returns it, so the time of a frame does not depend on when
//! the measuring thread looks.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

pub const ROWS: u16 = 24;
pub const COLS: u16 = 80;

/// The end of a synchronized update: the frame is complete on the clerk's screen.
const FRAME_END: &[u8] = b"\x1b[?2026l";

/// What the reader thread has seen so far.
struct Seen {
    /// Bytes written by the program since it started.
    total: usize,
    /// Each frame's end: the byte count just after its `ESC[?2026l`, and when it was read.
    frames: Vec<(usize, Instant)>,
    /// When the last byte arrived.
    last_byte: Instant,
    /// Bumped on every chunk, so a waiter re-reads the screen only when it changed.
    version: u64,
    parser: vt100::Parser,
    /// The last bytes of the previous chunk: a sequence may be split between two reads.
    tail: Vec<u8>,
    /// Questions answered (cursor position, device attributes, mode reports).
    answered: usize,
    closed: bool,
}

type Shared = Arc<(Mutex<Seen>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, Seen> {
    shared.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// What one key (or one sequence sent at once) cost.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Key sent → end of the first frame after it.
    pub first: Duration,
    /// Key sent → end of the last frame before the output went quiet: the frame that answers it.
    pub last: Duration,
    /// Bytes the program wrote between the key and the quiet.
    pub bytes: usize,
    pub frames: usize,
    /// The screen showed what the step expected (false: it timed out, the sample is kept out).
    pub confirmed: bool,
}

/// `jijiao` running in the pseudo-terminal.
pub struct Term {
    child: Box<dyn Child + Send + Sync>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    shared: Shared,
    /// Spawn → end of the first frame.
    pub start_to_first_frame: Option<Duration>,
}

impl Term {
    /// Start the interface with `env` (database, clerk, clock, configuration) and wait up to
    /// `patience` for its first frame.
    pub fn start(bin: &Path, env: &[(String, String)], cwd: &Path, patience: Duration) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(bin);
        cmd.env("TERM", "xterm-256color");
        for k in ["JIJIAO_LANG", "NO_COLOR", "JIJIAO_CONFIG", "JIJIAO_DB"] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(cwd);
        let rows = ROWS.try_into().expect("rows");
        let cols = COLS.try_into().expect("cols");
        let now = Instant::now();
        let shared: Shared = Arc::new((
            Mutex::new(Seen {
                total: 0,
                frames: Vec::new(),
                last_byte: now,
                version: 0,
                parser: vt100::Parser::new(rows, cols, 0),
                tail: Vec::new(),
                answered: 0,
                closed: false,
            }),
            Condvar::new(),
        ));
        let spawned = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn jijiao");
        // Our end of the slave must close, or reading never sees the end after the exit.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer: Arc<Mutex<Box<dyn Write + Send>>> =
            Arc::new(Mutex::new(pair.master.take_writer().expect("pty writer")));
        let (sink, answer_to) = (shared.clone(), writer.clone());
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let at = Instant::now();
                let replies = {
                    let mut s = lock(&sink);
                    let replies = take_chunk(&mut s, &buf[..n], at);
                    sink.1.notify_all();
                    replies
                };
                if !replies.is_empty() {
                    let mut w = answer_to.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = w.write_all(&replies);
                    let _ = w.flush();
                }
            }
            lock(&sink).closed = true;
            sink.1.notify_all();
        });
        let mut t = Term {
            child,
            writer,
            shared,
            start_to_first_frame: None,
        };
        let deadline = Instant::now() + patience;
        let mut s = lock(&t.shared);
        while s.frames.is_empty() && !s.closed && Instant::now() < deadline {
            s = t
                .shared
                .1
                .wait_timeout(s, Duration::from_millis(20))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        t.start_to_first_frame = s.frames.first().map(|&(_, at)| at - spawned);
        drop(s);
        t
    }

    /// The process id of the interface (it is spawned directly, not through a shell).
    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// The screen as the terminal shows it now.
    pub fn screen(&self) -> String {
        lock(&self.shared).parser.screen().contents()
    }

    /// How many terminal questions were answered.
    pub fn answered(&self) -> usize {
        lock(&self.shared).answered
    }

    /// Send `bytes` (one key, or a sequence the terminal sends at once) and wait until a frame
    /// came, the screen satisfies `expect`, and the program has written nothing for `quiet`;
    /// give up after `patience`.
    pub fn key(
        &mut self,
        bytes: &[u8],
        expect: &dyn Fn(&str) -> bool,
        quiet: Duration,
        patience: Duration,
    ) -> Answer {
        let (start_bytes, start_frames) = {
            let s = lock(&self.shared);
            (s.total, s.frames.len())
        };
        let sent = Instant::now();
        {
            let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            w.write_all(bytes).expect("write to the pty");
            w.flush().expect("flush the pty");
        }
        let deadline = sent + patience;
        let mut confirmed = false;
        let mut checked_version = u64::MAX;
        let mut s = lock(&self.shared);
        loop {
            let now = Instant::now();
            if s.frames.len() > start_frames {
                if !confirmed && s.version != checked_version {
                    checked_version = s.version;
                    confirmed = expect(&s.parser.screen().contents());
                }
                if confirmed && now.duration_since(s.last_byte) >= quiet {
                    break;
                }
            }
            if s.closed || now >= deadline {
                confirmed = false;
                break;
            }
            s = self
                .shared
                .1
                .wait_timeout(s, Duration::from_millis(5))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let frames = &s.frames[start_frames.min(s.frames.len())..];
        let stamp = |at: Instant| at.saturating_duration_since(sent);
        Answer {
            first: frames.first().map_or(patience, |&(_, at)| stamp(at)),
            last: frames.last().map_or(patience, |&(_, at)| stamp(at)),
            bytes: s.total - start_bytes,
            frames: frames.len(),
            confirmed: confirmed && !frames.is_empty(),
        }
    }

    /// `q`, and wait for the program to end; kill it if it does not within `patience`.
    pub fn quit(mut self, patience: Duration) -> bool {
        {
            let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = w.write_all(b"q");
            let _ = w.flush();
        }
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Take one chunk the program wrote: count it, stamp the frames it ends, feed the screen, and
/// return the answers to any questions it asked, as a terminal would send them.
fn take_chunk(s: &mut Seen, chunk: &[u8], at: Instant) -> Vec<u8> {
    let mut joined = std::mem::take(&mut s.tail);
    let carried = joined.len();
    joined.extend_from_slice(chunk);
    let base = s.total - carried;
    s.total += chunk.len();
    s.last_byte = at;
    s.version += 1;
    // Only sequences that end inside this chunk: those ending in the tail were seen before.
    let ends_here = |end: usize| end > carried;
    for end in ends_of(&joined, FRAME_END).filter(|&e| ends_here(e)) {
        s.frames.push((base + end, at));
    }
    let mut replies = Vec::new();
    // Feed the screen up to each question, so a cursor-position report tells where it was.
    let mut fed = carried;
    let mut questions: Vec<(usize, &[u8])> = Vec::new();
    for q in [&b"\x1b[6n"[..], b"\x1b[c", b"\x1b[0c", b"\x1b[?2026$p"] {
        questions.extend(
            ends_of(&joined, q)
                .filter(|&e| ends_here(e))
                .map(|e| (e, q)),
        );
    }
    questions.sort_by_key(|&(e, _)| e);
    for (end, q) in questions {
        s.parser.process(&joined[fed..end]);
        fed = end;
        s.answered += 1;
        match q {
            b"\x1b[6n" => {
                let (row, col) = s.parser.screen().cursor_position();
                replies.extend(format!("\x1b[{};{}R", row + 1, col + 1).bytes());
            }
            b"\x1b[?2026$p" => replies.extend(b"\x1b[?2026;2$y"),
            // xterm's answer: a VT220 with ANSI colour.
            _ => replies.extend(b"\x1b[?62;22c"),
        }
    }
    s.parser.process(&joined[fed..]);
    let keep = joined.len().min(16);
    s.tail = joined[joined.len() - keep..].to_vec();
    replies
}

/// The positions just after each occurrence of `needle` in `hay`.
fn ends_of<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(move |(i, _)| i + needle.len())
}

/// `VmRSS` and `VmHWM` of a running process, in KiB (`/proc/PID/status`).
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
