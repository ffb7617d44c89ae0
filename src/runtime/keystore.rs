//! The key store: fetched key sets in shared memory, one slot per declared issuer, written by
//! the key worker (`worker.rs`) and read by every backend.
//!
//! It exists only when the library is in `shared_preload_libraries`. A slot holds its issuer,
//! the URLs, the JWK Set text as fetched and checked (at most [`settings::JWKS_MAX_BYTES`]), a
//! generation that changes with the keys, the fetch times and last error, and counters. Text is
//! written under the store's lock (exclusive) and read under it (shared); times, generations,
//! requests and counters are atomics, read without the lock. A backend copies a slot's keys
//! and parses them once per generation (`issuers.rs`).

use crate::runtime::settings;
use pg_jwt_claims_core::fetch::{Failure, FailureKind};
use pg_jwt_claims_core::issuers::{KeySource, MAX_ISSUERS, MAX_URL};
use pgrx::pg_sys;
use pgrx::{PGRXSharedMemory, PgSharedMemoryInitialization};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// The longest last error kept (bytes).
const ERROR_BYTES: usize = 512;
/// The verification outcomes counted per issuer, in this order.
pub const OUTCOMES: [&str; 10] = [
    "verified",
    "malformed",
    "unsupported",
    "unknown_kid",
    "signature",
    "algorithm",
    "time",
    "claims",
    "keys",
    "stale_keys",
];

/// Text of bounded length in shared memory.
#[repr(C)]
pub struct Text<const N: usize> {
    len: u32,
    bytes: [u8; N],
}

impl<const N: usize> Text<N> {
    fn set(&mut self, text: &str) {
        let mut end = text.len().min(N);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.bytes[..end].copy_from_slice(&text.as_bytes()[..end]);
        self.len = end as u32;
    }

    pub fn get(&self) -> &str {
        std::str::from_utf8(&self.bytes[..(self.len as usize).min(N)]).unwrap_or_default()
    }
}

/// One issuer's keys and state.
#[repr(C)]
pub struct Slot {
    /// Whether the slot belongs to an issuer (written under the exclusive lock).
    pub used: bool,
    /// Whether the worker fetches this issuer's keys (else static keys: only counters).
    pub fetched: bool,
    pub issuer: Text<MAX_URL>,
    /// The discovery document's URL, when the keys are discovered.
    pub discovery_uri: Text<MAX_URL>,
    /// The JWK Set's URL, configured or discovered.
    pub jwks_uri: Text<MAX_URL>,
    pub last_error: Text<ERROR_BYTES>,
    /// The last error's [`FailureKind::code`] (0: a failure of no known kind, or none), what a
    /// role without the right to the details sees (written with `last_error`).
    pub last_error_kind: u8,
    /// The JWK Set text, as fetched.
    pub jwks: Text<{ settings::JWKS_MAX_BYTES as usize }>,
    /// Changes whenever `jwks` does (0: never fetched).
    pub generation: AtomicU64,
    /// Unix µs of the last successful fetch, its expiry, and the last attempt (0: none).
    pub fetched_at: AtomicI64,
    pub expires_at: AtomicI64,
    pub attempted_at: AtomicI64,
    /// Completed attempts (successes and failures): what a waiting backend watches.
    pub attempts: AtomicU64,
    pub fetches: AtomicU64,
    pub refetches: AtomicU64,
    pub failures: AtomicU64,
    /// A backend asks for a fetch for an unknown `kid` (rate-limited by the worker).
    pub refetch_requested: AtomicBool,
    /// The worker is fetching this issuer's keys now.
    pub fetching: AtomicBool,
    /// A superuser asks for a fetch now (`jwt_refresh_keys`, not rate-limited).
    pub refresh_requested: AtomicBool,
    pub outcomes: [AtomicU64; OUTCOMES.len()],
}

/// The store: its lock, the worker's latch, and the slots.
#[repr(C)]
pub struct Store {
    lock: *mut pg_sys::LWLock,
    /// Broadcast by the worker after every fetch attempt.
    attempted: pg_sys::ConditionVariable,
    /// The worker's process (its latch wakes it), null while it is not running.
    worker: AtomicPtr<pg_sys::PGPROC>,
    pub worker_pid: AtomicU32,
    /// Changes whenever a slot changes issuer.
    pub layout: AtomicU64,
    /// Text in a slot is read under the lock (shared) and written under it (exclusive).
    slots: UnsafeCell<[Slot; MAX_ISSUERS]>,
}

/// The store's address in this process (set at shared memory startup).
pub struct StoreCell(UnsafeCell<*mut Store>);

// SAFETY: written once per process at shared memory startup, before any reader runs.
unsafe impl Sync for StoreCell {}

// SAFETY: the store is plain data and atomics, its text guarded by its LWLock.
unsafe impl PGRXSharedMemory for Store {}

pub static STORE: StoreCell = StoreCell(UnsafeCell::new(std::ptr::null_mut()));

const NAME: &std::ffi::CStr = c"pg_jwt_claims key store";

impl PgSharedMemoryInitialization for StoreCell {
    type Value = ();

    unsafe fn on_shmem_request(&'static self) {
        // SAFETY: called from the shared memory request hook (or _PG_init on 13/14).
        unsafe {
            pg_sys::RequestAddinShmemSpace(std::mem::size_of::<Store>());
            pg_sys::RequestNamedLWLockTranche(NAME.as_ptr(), 1);
        }
    }

    unsafe fn on_shmem_startup(&'static self, _value: ()) {
        // SAFETY: the shared memory startup hook, under AddinShmemInitLock as Postgres wants.
        unsafe {
            let init_lock = &raw mut (*pg_sys::MainLWLockArray.add(21)).lock;
            pg_sys::LWLockAcquire(init_lock, pg_sys::LWLockMode::LW_EXCLUSIVE);
            let mut found = false;
            let store =
                pg_sys::ShmemInitStruct(NAME.as_ptr(), std::mem::size_of::<Store>(), &mut found)
                    .cast::<Store>();
            if !found {
                // All zeros is a valid empty store: no slot used, no worker, every count 0.
                std::ptr::write_bytes(store.cast::<u8>(), 0, std::mem::size_of::<Store>());
                (*store).lock = &raw mut (*pg_sys::GetNamedLWLockTranche(NAME.as_ptr())).lock;
                pg_sys::ConditionVariableInit(&raw mut (*store).attempted);
            }
            *self.0.get() = store;
            pg_sys::LWLockRelease(init_lock);
        }
    }
}

/// Asks for the store's shared memory; only while `shared_preload_libraries` is processed.
pub fn init() {
    use pgrx::pg_guard;
    pgrx::pg_shmem_init!(STORE = ());
}

/// The store, or `None` when the library was not preloaded.
pub fn store() -> Option<&'static Store> {
    // SAFETY: set once at startup; the store lives as long as the server.
    unsafe { (*STORE.0.get()).as_ref() }
}

/// A shared (read) hold of the store's lock, released on drop.
pub struct Shared<'a>(&'a Store);

/// An exclusive (write) hold of the store's lock, released on drop.
pub struct Exclusive<'a>(&'a Store);

impl Store {
    pub fn read(&self) -> Shared<'_> {
        // SAFETY: the tranche's lock, initialized at startup.
        unsafe { pg_sys::LWLockAcquire(self.lock, pg_sys::LWLockMode::LW_SHARED) };
        Shared(self)
    }

    pub fn write(&self) -> Exclusive<'_> {
        // SAFETY: as in `read`.
        unsafe { pg_sys::LWLockAcquire(self.lock, pg_sys::LWLockMode::LW_EXCLUSIVE) };
        Exclusive(self)
    }

    /// Records this process as the worker (`None`: it is leaving).
    pub fn set_worker(&self, running: bool) {
        // SAFETY: MyProc is this process's entry in shared memory.
        let (proc_, pid) = unsafe {
            if running {
                (pg_sys::MyProc, pg_sys::MyProcPid as u32)
            } else {
                (std::ptr::null_mut(), 0)
            }
        };
        self.worker.store(proc_, Ordering::SeqCst);
        self.worker_pid.store(pid, Ordering::SeqCst);
    }

    /// Whether the key worker runs (it clears itself when it exits, however it exits).
    pub fn worker_running(&self) -> bool {
        self.worker_pid.load(Ordering::SeqCst) != 0
    }

    /// Wakes the worker, if it runs.
    pub fn wake_worker(&self) {
        let proc_ = self.worker.load(Ordering::SeqCst);
        if !proc_.is_null() {
            // SAFETY: a PGPROC lives in shared memory for the server's life; setting the latch
            // of a process that has left is harmless.
            unsafe { pg_sys::SetLatch(&raw mut (*proc_).procLatch) };
        }
    }

    /// Wakes every backend waiting for an attempt.
    pub fn attempted(&self) {
        // SAFETY: the condition variable was initialized at startup.
        unsafe { pg_sys::ConditionVariableBroadcast(self.cv()) };
    }

    fn cv(&self) -> *mut pg_sys::ConditionVariable {
        (&raw const self.attempted).cast_mut()
    }

    /// Waits until `done` holds or `timeout_ms` has passed (interrupts are served while
    /// waiting); returns whether `done` holds.
    pub fn wait(&self, timeout_ms: i64, done: impl Fn() -> bool) -> bool {
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_millis(timeout_ms as u64);
        // SAFETY: prepare/sleep/cancel on the store's condition variable; an error raised by an
        // interrupt while sleeping is cleaned up by transaction abort (ConditionVariableCancelSleep).
        unsafe {
            pg_sys::ConditionVariablePrepareToSleep(self.cv());
            let mut ok = done();
            while !ok {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                let left_ms = (left.as_millis() as i64).clamp(1, 1_000);
                pg_sys::ConditionVariableTimedSleep(self.cv(), left_ms, pg_sys::PG_WAIT_EXTENSION);
                ok = done();
            }
            pg_sys::ConditionVariableCancelSleep();
            ok
        }
    }

    /// The slot of `issuer`, if the worker has given it one.
    pub fn find(&self, issuer: &str) -> Option<usize> {
        let read = self.read();
        read.slots()
            .iter()
            .position(|s| s.used && s.issuer.get() == issuer)
    }

    /// Slot `i`'s atomics (times, generation, requests, counters), read without the lock; its
    /// text may change meanwhile and is read only through [`Store::read`].
    pub fn slot(&self, i: usize) -> &Slot {
        // SAFETY: shared access to atomics; text is not read through this reference.
        unsafe { &(*self.slots.get())[i.min(MAX_ISSUERS - 1)] }
    }
}

impl Shared<'_> {
    pub fn slots(&self) -> &[Slot; MAX_ISSUERS] {
        // SAFETY: the shared lock is held, so no process writes the text.
        unsafe { &*self.0.slots.get() }
    }
}

impl Exclusive<'_> {
    pub fn slot_mut(&mut self, i: usize) -> &mut Slot {
        // SAFETY: the exclusive lock is held, so no other process reads or writes the text.
        unsafe { &mut (*self.0.slots.get())[i] }
    }

    pub fn slots(&self) -> &[Slot; MAX_ISSUERS] {
        // SAFETY: as in `slot_mut`.
        unsafe { &*self.0.slots.get() }
    }
}

impl Drop for Shared<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock.
        unsafe { pg_sys::LWLockRelease(self.0.lock) };
    }
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock.
        unsafe { pg_sys::LWLockRelease(self.0.lock) };
    }
}

impl Slot {
    /// Gives the slot to `issuer` and its key source. A slot keeps its keys only for the same
    /// issuer with the same source: new URLs (or static keys becoming fetched) start without
    /// keys, so nothing the old source gave is served for the new one.
    pub fn set_issuer(&mut self, issuer: &str, source: &KeySource) {
        if !(self.used && self.issuer.get() == issuer) {
            self.reset();
        } else if !self.source_matches(source) {
            self.forget_keys();
        }
        self.used = true;
        self.fetched = source.fetched();
        self.issuer.set(issuer);
        match source {
            KeySource::Discovery(url) => self.discovery_uri.set(url),
            KeySource::JwksUri(url) => {
                self.discovery_uri.set("");
                self.jwks_uri.set(url);
            }
            KeySource::Static { .. } => {
                self.discovery_uri.set("");
                self.jwks_uri.set("");
            }
        }
    }

    /// Whether the worker takes this slot's keys from where `source` says.
    pub fn source_matches(&self, source: &KeySource) -> bool {
        match source {
            KeySource::Static { .. } => !self.fetched,
            KeySource::Discovery(url) => self.fetched && self.discovery_uri.get() == url.as_str(),
            KeySource::JwksUri(url) => {
                self.fetched
                    && self.discovery_uri.get().is_empty()
                    && self.jwks_uri.get() == url.as_str()
            }
        }
    }

    /// Drops the keys (the issuer's key source changed): none serve until the new source's are
    /// fetched.
    pub fn forget_keys(&mut self) {
        self.jwks.set("");
        self.last_error.set("");
        self.last_error_kind = 0;
        self.fetched_at.store(0, Ordering::SeqCst);
        self.expires_at.store(0, Ordering::SeqCst);
        self.attempted_at.store(0, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Empties the slot (its issuer is no longer declared): a later issuer starts afresh.
    pub fn reset(&mut self) {
        self.used = false;
        self.fetched = false;
        self.issuer.set("");
        self.discovery_uri.set("");
        self.jwks_uri.set("");
        self.last_error.set("");
        self.last_error_kind = 0;
        self.jwks.set("");
        // The generation keeps counting, so a backend's parsed keys never match a new issuer's.
        self.generation.fetch_add(1, Ordering::SeqCst);
        for field in [&self.fetched_at, &self.expires_at, &self.attempted_at] {
            field.store(0, Ordering::SeqCst);
        }
        for field in [&self.fetches, &self.refetches, &self.failures] {
            field.store(0, Ordering::SeqCst);
        }
        for outcome in &self.outcomes {
            outcome.store(0, Ordering::SeqCst);
        }
        self.refetch_requested.store(false, Ordering::SeqCst);
        self.refresh_requested.store(false, Ordering::SeqCst);
        self.fetching.store(false, Ordering::SeqCst);
    }

    /// Records a successful fetch; the generation changes only when the keys do (a backend
    /// parses them again, and its cached tokens are verified again, only then).
    pub fn set_keys(&mut self, jwks_uri: &str, jwks: &str, now_us: i64, expires_us: i64) {
        self.jwks_uri.set(jwks_uri);
        if self.jwks.get() != jwks || self.fetched_at.load(Ordering::SeqCst) == 0 {
            self.jwks.set(jwks);
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        self.last_error.set("");
        self.last_error_kind = 0;
        self.fetched_at.store(now_us, Ordering::SeqCst);
        self.expires_at.store(expires_us, Ordering::SeqCst);
    }

    /// Records a failed fetch: its message, and its kind when it has one.
    pub fn set_error(&mut self, error: &impl FetchError) {
        self.last_error.set(error.text());
        self.last_error_kind = error.kind().map_or(0, FailureKind::code);
    }

    /// The last error as a role without the right to the details sees it: its kind only.
    pub fn last_error_kind(&self) -> Option<FailureKind> {
        FailureKind::from_code(self.last_error_kind)
    }

    pub fn count(&self, outcome: usize) {
        if let Some(counter) = self.outcomes.get(outcome) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A failed fetch as the worker has it: a [`Failure`] (with its kind), or text of no known
/// kind (the HTTPS client could not be set up).
pub trait FetchError {
    fn text(&self) -> &str;
    fn kind(&self) -> Option<FailureKind>;
}

impl FetchError for Failure {
    fn text(&self) -> &str {
        &self.message
    }

    fn kind(&self) -> Option<FailureKind> {
        Some(self.kind)
    }
}

impl FetchError for String {
    fn text(&self) -> &str {
        self
    }

    fn kind(&self) -> Option<FailureKind> {
        None
    }
}

/// Unix time in µs (the store's clock, the same in every process).
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
