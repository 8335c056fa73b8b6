//! The query worker: one thread with its own read-only connection to the clerk's database
//! ([`Store::reader`]), on which the list screens' queries run, so the terminal loop never waits
//! for SQLite and the keyboard is answered while a search or a refresh is out.
//!
//! A job is a closure over the worker's [`Store`], sent for one list (its id) with a
//! generation. A new job for a list supersedes the one before it: a queued one is dropped, a
//! running one is interrupted (`sqlite3_interrupt` through the connection's interrupt handle;
//! `SQLITE_INTERRUPT` means "superseded" and is never shown to the clerk), and a result that
//! still arrives for an older generation is dropped by the list ([`super::list::Lister`]).
//! Results go back through the function given to [`Worker::spawn`] (the terminal loop's channel,
//! where input arrives too, or the test driver's).

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::i18n::{Describe, Lang};
use crate::service::ServiceError;
use crate::store::{Store, StoreError};

/// What a job hands back: the list downcasts it to the type it asked for.
pub type Payload = Box<dyn Any + Send>;

/// A query to run on the worker's connection.
pub type Job = Box<dyn FnOnce(&Store) -> Result<Payload, JobError> + Send>;

/// Why a job gave no result.
pub enum JobError {
    /// A newer job for the same list interrupted it: nothing to report.
    Interrupted,
    /// The query failed: the list says so on the message line.
    Failed(Box<dyn Describe + Send>),
}

impl JobError {
    /// The clerk's words for it (`Interrupted` is never shown; it says so all the same).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            JobError::Interrupted => lang
                .pick(
                    "检索已被新的检索取代",
                    "the query was superseded by a newer one",
                )
                .into(),
            JobError::Failed(e) => e.describe(lang),
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> JobError {
        match &e {
            StoreError::Sql(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                JobError::Interrupted
            }
            _ => JobError::Failed(Box::new(e)),
        }
    }
}

impl From<rusqlite::Error> for JobError {
    fn from(e: rusqlite::Error) -> JobError {
        StoreError::from(e).into()
    }
}

impl From<ServiceError> for JobError {
    fn from(e: ServiceError) -> JobError {
        match e {
            ServiceError::Store(e) => e.into(),
            other => JobError::Failed(Box::new(other)),
        }
    }
}

/// A job that panicked: a fault of ours, said as such, never a frozen list.
struct JobPanicked;

impl Describe for JobPanicked {
    fn describe(&self, lang: Lang) -> String {
        lang.pick(
            "读取列表时出现内部错误：切换到别的页再回来可重读，并请告知管理员",
            "internal error while reading the list: switch tabs and back to read it again, and tell the administrator",
        )
        .into()
    }
}

/// A finished job: which list and generation it answers, and what it found.
pub struct Done {
    pub list: u64,
    pub generation: u64,
    pub result: Result<Payload, JobError>,
    /// A read ahead ([`Jobs::submit_ahead`]): it changes nothing on screen, so no frame is
    /// drawn for it.
    pub quiet: bool,
}

/// Timing log for finding where a key's time goes (issue 10): when the environment variable
/// `JIJIAO_TRACE` names a file, each call appends one line to it, `<µs since the first trace>
/// <thread> <what>`. Unset (every clerk's case), a call costs one check of a cell set once.
/// Used around the worker's jobs, the lists' reads and the terminal loop's frames; the figures
/// in BENCHMARKS.md ("Review and counts at a million") were read from it.
pub fn trace(what: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::OnceLock;
    use std::time::Instant;
    static LOG: OnceLock<Option<(Instant, Mutex<std::fs::File>)>> = OnceLock::new();
    let log = LOG.get_or_init(|| {
        let path = std::env::var_os("JIJIAO_TRACE")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some((Instant::now(), Mutex::new(file)))
    });
    if let Some((start, file)) = log {
        let us = start.elapsed().as_micros();
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("?");
        let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
        // A log that cannot be written is no reason to disturb the clerk.
        let _ = writeln!(f, "{us:>10} {name} {what}");
    }
}

/// Whether [`trace`] writes anywhere (to skip preparing what it would say).
pub fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("JIJIAO_TRACE").is_some())
}

/// A fresh number from one counter for the whole process: lists' ids and jobs' generations.
pub fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct Queued {
    list: u64,
    generation: u64,
    job: Job,
    quiet: bool,
    /// When it was submitted, for [`trace`]: how long it waited for the worker.
    submitted: std::time::Instant,
}

#[derive(Clone, Copy)]
struct Running {
    list: u64,
    quiet: bool,
    /// A newer job for the list came, or the list went away: its result is not wanted.
    superseded: bool,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    running: Option<Running>,
    stop: bool,
    /// Jobs that ended on `SQLITE_INTERRUPT`.
    interrupted: usize,
    #[cfg(test)]
    hold: testing::HoldState,
    /// Tests of what the clerk sees while a page turn is out turn reads ahead off.
    #[cfg(test)]
    no_ahead: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job that panicked poisons nothing we rely on: the queue is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The handle the lists send their jobs through (cheap to clone).
#[derive(Clone)]
pub struct Jobs {
    shared: Arc<Shared>,
    interrupt: Arc<rusqlite::InterruptHandle>,
}

impl Jobs {
    /// Queue `job` for `list` as generation `generation`, superseding whatever that list still
    /// has queued or running.
    pub fn submit(&self, list: u64, generation: u64, job: Job) {
        self.push(list, generation, job, false);
    }

    /// As [`Jobs::submit`], for a read ahead (the page a key past the last row would show):
    /// nobody waits for it, so [`Jobs::idle`] does not count it and its result draws no frame.
    /// `list` is an id of its own, so that the list's reads and its reads ahead never
    /// supersede each other; the list cancels it before any read of its own
    /// ([`Jobs::cancel`]), so a key never waits behind it on this one thread.
    pub fn submit_ahead(&self, list: u64, generation: u64, job: Job) {
        self.push(list, generation, job, true);
    }

    fn push(&self, list: u64, generation: u64, job: Job, quiet: bool) {
        let mut s = self.shared.lock();
        self.supersede(&mut s, list);
        s.queue.push_back(Queued {
            list,
            generation,
            job,
            quiet,
            submitted: std::time::Instant::now(),
        });
        self.shared.changed.notify_all();
    }

    /// Forget `list`'s jobs (it went away with its screen).
    pub fn cancel(&self, list: u64) {
        let mut s = self.shared.lock();
        self.supersede(&mut s, list);
        self.shared.changed.notify_all();
    }

    fn supersede(&self, s: &mut State, list: u64) {
        s.queue.retain(|q| q.list != list);
        if let Some(r) = s.running.as_mut().filter(|r| r.list == list) {
            r.superseded = true;
            // Under the lock the worker cannot start another job meanwhile, so this reaches the
            // superseded one (or nothing, when it is between statements: then it finishes and
            // its result is dropped as stale).
            self.interrupt.interrupt();
        }
    }

    /// Nothing queued and nothing running that anyone waits for (reads ahead aside): every
    /// result a screen waits for is in the channel.
    pub fn idle(&self) -> bool {
        let s = self.shared.lock();
        s.queue.iter().all(|q| q.quiet) && s.running.is_none_or(|r| r.quiet)
    }

    /// Nothing queued and nothing running at all, reads ahead included.
    pub fn all_idle(&self) -> bool {
        let s = self.shared.lock();
        s.queue.is_empty() && s.running.is_none()
    }

    /// How many jobs ended interrupted since the worker started.
    pub fn interrupted(&self) -> usize {
        self.shared.lock().interrupted
    }
}

/// The worker thread and its handle; dropping it stops the thread.
pub struct Worker {
    jobs: Jobs,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Start the thread on `reader` (a connection of its own, [`Store::reader`]); each result
    /// goes to `out`, from the worker's thread.
    pub fn spawn(reader: Store, out: impl Fn(Done) + Send + 'static) -> Worker {
        let interrupt = Arc::new(reader.conn().get_interrupt_handle());
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let jobs = Jobs {
            shared: shared.clone(),
            interrupt,
        };
        let thread = std::thread::Builder::new()
            .name("jijiao-queries".into())
            .spawn(move || serve(&shared, &reader, &out))
            .ok();
        Worker { jobs, thread }
    }

    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        {
            let mut s = self.jobs.shared.lock();
            s.stop = true;
            s.queue.clear();
            if s.running.is_some() {
                self.jobs.interrupt.interrupt();
            }
            self.jobs.shared.changed.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(shared: &Shared, reader: &Store, out: &dyn Fn(Done)) {
    loop {
        let next = {
            let mut s = shared.lock();
            loop {
                if s.stop {
                    return;
                }
                if let Some(q) = s.queue.pop_front() {
                    s.running = Some(Running {
                        list: q.list,
                        quiet: q.quiet,
                        superseded: false,
                    });
                    break q;
                }
                s = shared.changed.wait(s).unwrap_or_else(|p| p.into_inner());
            }
        };
        #[cfg(test)]
        let held = if next.quiet {
            // Tests hold the reads the clerk waits for, never a read ahead.
            Ok(())
        } else {
            testing::hold(shared, reader)
        };
        #[cfg(not(test))]
        let held: Result<(), JobError> = Ok(());
        // Superseded before it started: an interrupt then is lost (SQLite clears it when the
        // next statement starts), so look at the flag.
        let gone = shared.lock().running.is_some_and(|r| r.superseded);
        let started = std::time::Instant::now();
        let result = match held {
            Ok(()) if gone => Err(JobError::Interrupted),
            // A job that panics must not take the worker with it: the list would wait for
            // its rows for ever, and keys held for them with it. It fails like a query.
            Ok(()) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (next.job)(reader)))
                .unwrap_or_else(|_| Err(JobError::Failed(Box::new(JobPanicked)))),
            Err(e) => Err(e),
        };
        if tracing() {
            trace(format_args!(
                "job{} list={} gen={} waited={}us ran={}us {}",
                if next.quiet { " ahead" } else { "" },
                next.list,
                next.generation,
                started.duration_since(next.submitted).as_micros(),
                started.elapsed().as_micros(),
                match &result {
                    Ok(_) => "ok",
                    Err(JobError::Interrupted) => "interrupted",
                    Err(JobError::Failed(_)) => "failed",
                }
            ));
        }
        let mut s = shared.lock();
        let superseded = s.running.is_some_and(|r| r.superseded);
        match result {
            // A newer job (or the list's end) interrupted it: nobody waits for this one.
            // Reads ahead are cancelled before every read of their list: not counted.
            Err(JobError::Interrupted) if superseded && !next.quiet => s.interrupted += 1,
            _ if superseded => {}
            result => out(Done {
                list: next.list,
                generation: next.generation,
                result,
                quiet: next.quiet,
            }),
        }
        // Cleared after the result is out, so `idle` means every result is in the channel.
        s.running = None;
        shared.changed.notify_all();
    }
}

/// Holding a job on the worker, for tests of what the clerk sees while a query is out.
#[cfg(test)]
pub mod testing {
    use super::*;

    /// How the next job is held before it runs.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Hold {
        /// A recursive query on the worker's connection that runs for minutes unless it is
        /// interrupted: only a superseding job ends it.
        UntilInterrupted,
        /// Waits until [`Jobs::release`] (or a superseding job), then the job runs.
        UntilReleased,
    }

    #[derive(Default)]
    pub(super) struct HoldState {
        next: Option<Hold>,
        holding: bool,
        released: bool,
    }

    pub(super) fn hold(shared: &Shared, reader: &Store) -> Result<(), JobError> {
        let mut s = shared.lock();
        let Some(how) = s.hold.next.take() else {
            return Ok(());
        };
        s.hold.holding = true;
        s.hold.released = false;
        shared.changed.notify_all();
        let result = match how {
            Hold::UntilInterrupted => {
                // Statements of a few hundred milliseconds each, one after the other, for up to a
                // minute: an interrupt that lands between two of them (SQLite forgets it when
                // the next starts) is seen through the superseded flag instead.
                let mut r = Ok(());
                for _ in 0..200 {
                    if s.running.is_some_and(|r| r.superseded) || s.stop {
                        r = Err(JobError::Interrupted);
                        break;
                    }
                    drop(s);
                    r = reader
                        .conn()
                        .query_row(
                            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c
                                 WHERE x < 3000000) SELECT count(*) FROM c",
                            [],
                            |r| r.get::<_, i64>(0),
                        )
                        .map(|_| ())
                        .map_err(JobError::from);
                    s = shared.lock();
                    if r.is_err() {
                        break;
                    }
                }
                r
            }
            Hold::UntilReleased => {
                while !s.hold.released && !s.running.is_some_and(|r| r.superseded) && !s.stop {
                    s = shared.changed.wait(s).unwrap_or_else(|p| p.into_inner());
                }
                if s.hold.released {
                    Ok(())
                } else {
                    Err(JobError::Interrupted)
                }
            }
        };
        s.hold.holding = false;
        shared.changed.notify_all();
        result
    }

    impl Jobs {
        /// Turn the lists' reads ahead off (`false`), so that a page turn goes to the worker
        /// and can be held there.
        pub fn set_read_ahead(&self, on: bool) {
            self.shared.lock().no_ahead = !on;
        }

        /// Whether the lists read ahead.
        pub fn reads_ahead(&self) -> bool {
            !self.shared.lock().no_ahead
        }

        /// Hold the next job the worker starts, as [`Hold`] says.
        pub fn hold_next(&self, how: Hold) {
            self.shared.lock().hold.next = Some(how);
        }

        /// Wait until a job is being held (at most 10 s); whether one is.
        pub fn wait_held(&self) -> bool {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            let mut s = self.shared.lock();
            while !s.hold.holding {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return false;
                }
                s = self
                    .shared
                    .changed
                    .wait_timeout(s, left)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            true
        }

        /// Whether a job is being held now.
        pub fn holding(&self) -> bool {
            self.shared.lock().hold.holding
        }

        /// Let a job held [`Hold::UntilReleased`] run.
        pub fn release(&self) {
            self.shared.lock().hold.released = true;
            self.shared.changed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::testing::Hold;
    use super::*;

    fn answer(n: i64) -> Job {
        Box::new(move |store: &Store| {
            let v: i64 = store.conn().query_row("SELECT ?1", [n], |r| r.get(0))?;
            Ok(Box::new(v) as Payload)
        })
    }

    fn value(d: &Done) -> Option<i64> {
        d.result
            .as_ref()
            .ok()
            .and_then(|p| p.downcast_ref::<i64>().copied())
    }

    /// A running query is interrupted by the next job for its list, the interruption is
    /// nobody's error, and only the newer job's result comes back; another list's job is not
    /// touched.
    #[test]
    fn a_new_job_interrupts_the_running_one_of_its_list_only() {
        let store = Store::open_in_memory().unwrap();
        let (tx, rx) = mpsc::channel();
        let worker = Worker::spawn(store.reader().unwrap(), move |d| {
            let _ = tx.send(d);
        });
        let jobs = worker.jobs();
        jobs.hold_next(Hold::UntilInterrupted);
        jobs.submit(1, 10, answer(10));
        assert!(jobs.wait_held());
        // Another list's job waits its turn; a newer one for list 1 supersedes the held one.
        jobs.submit(2, 11, answer(11));
        jobs.submit(1, 12, answer(12));
        let mut got = Vec::new();
        for _ in 0..2 {
            let d = rx.recv_timeout(Duration::from_secs(20)).expect("a result");
            got.push((d.list, d.generation, value(&d)));
        }
        got.sort();
        assert_eq!(got, [(1, 12, Some(12)), (2, 11, Some(11))]);
        assert_eq!(jobs.interrupted(), 1);
        while !jobs.idle() {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(rx.try_recv().is_err(), "the held job sent nothing");
    }

    /// Queued jobs of a list are dropped by a newer one: only the last runs.
    #[test]
    fn queued_jobs_are_superseded_and_a_cancelled_list_gets_nothing() {
        let store = Store::open_in_memory().unwrap();
        let (tx, rx) = mpsc::channel();
        let worker = Worker::spawn(store.reader().unwrap(), move |d| {
            let _ = tx.send(d);
        });
        let jobs = worker.jobs();
        jobs.hold_next(Hold::UntilReleased);
        jobs.submit(9, 1, answer(1));
        assert!(jobs.wait_held());
        for g in 2..6 {
            jobs.submit(3, g, answer(g as i64));
        }
        jobs.submit(4, 7, answer(7));
        jobs.cancel(4);
        jobs.release();
        let mut got = Vec::new();
        while let Ok(d) = rx.recv_timeout(Duration::from_secs(5)) {
            got.push((d.list, d.generation, value(&d)));
            if jobs.idle() {
                break;
            }
        }
        while let Ok(d) = rx.try_recv() {
            got.push((d.list, d.generation, value(&d)));
        }
        assert_eq!(got, [(9, 1, Some(1)), (3, 5, Some(5))]);
    }
    /// A job that panics is reported as a failure the clerk can read, and the worker goes on
    /// serving: without this the list would wait for its rows for ever, and keys with it.
    #[test]
    fn a_job_that_panics_fails_in_words_and_the_worker_serves_the_next() {
        let store = Store::open_in_memory().unwrap();
        let (tx, rx) = mpsc::channel();
        let worker = Worker::spawn(store.reader().unwrap(), move |d| {
            let _ = tx.send(d);
        });
        let jobs = worker.jobs();
        jobs.submit(
            5,
            1,
            Box::new(|_: &Store| -> Result<Payload, JobError> { panic!("a bug") }),
        );
        let d = rx.recv_timeout(Duration::from_secs(20)).expect("a result");
        match &d.result {
            Err(e @ JobError::Failed(_)) => {
                assert!(e.describe(Lang::Zh).contains("内部错误"));
                assert!(e.describe(Lang::En).contains("internal error"));
            }
            _ => panic!("the panicking job should fail"),
        }
        jobs.submit(5, 2, answer(2));
        let d = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the next result");
        assert_eq!((d.generation, value(&d)), (2, Some(2)));
    }
}
