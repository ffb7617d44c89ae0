//! The key worker: a background worker that fetches each declared issuer's discovery document
//! and JWK Set over HTTPS and publishes the checked key set in the key store (`keystore.rs`).
//!
//! It runs when the library is in `shared_preload_libraries`, from the moment the server
//! accepts read-only connections, so on a hot standby too. It never connects to a database.
//! Each issuer is fetched when its keys expire (`Cache-Control: max-age` clamped to
//! `pg_jwt_claims.jwks_min_refresh` .. `jwks_max_refresh`), when a backend meets an unknown
//! `kid` (at most once per `jwks_refetch_interval`), when a superuser calls
//! `jwt_refresh_keys()`, and after a failure every `jwks_refetch_interval`. A failed fetch
//! keeps the last good keys. It restarts itself 5 s after an error or a crash. Logs carry
//! issuers, URLs and causes, never key material or tokens.

use crate::pg::errors::log;
use crate::runtime::keystore::{self, now_us, Store};
use crate::runtime::settings;
use pg_jwt_claims_core::fetch::{self, Client};
use pg_jwt_claims_core::issuers::{self, Issuer, KeySource};
use pg_jwt_claims_core::json::quoted;
use pgrx::bgworkers::{
    BackgroundWorker, BackgroundWorkerBuilder, BgWorkerStartTime, SignalWakeFlags,
};
use pgrx::pg_sys;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Registers the worker; only while `shared_preload_libraries` is processed. The worker loads
/// the library file this process loaded (preloaded by name or by path, the same file), so it
/// never brings a second copy into the process.
pub fn register() {
    let library = own_path().unwrap_or_else(|| "pg_jwt_claims".into());
    BackgroundWorkerBuilder::new("pg_jwt_claims key worker")
        .set_type("pg_jwt_claims key worker")
        .set_library(&library)
        .set_function("pg_jwt_claims_key_worker")
        .enable_shmem_access(None)
        .set_start_time(BgWorkerStartTime::ConsistentState)
        .set_restart_time(Some(Duration::from_secs(5)))
        .load();
}

/// The path of the file this code was loaded from.
fn own_path() -> Option<String> {
    // SAFETY: dladdr fills `info` for an address inside a loaded object; the name it gives lives
    // as long as the object stays loaded, and is copied at once.
    unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        let here = own_path as *const std::ffi::c_void;
        if libc::dladdr(here, &mut info) == 0 || info.dli_fname.is_null() {
            return None;
        }
        let path = std::ffi::CStr::from_ptr(info.dli_fname).to_str().ok()?;
        // The worker's record holds a library name of BGW_MAXLEN bytes before PostgreSQL 16
        // (MAXPGPATH since): a longer path cannot be named, and the name finds $libdir's file.
        let worker: pg_sys::BackgroundWorker = std::mem::zeroed();
        (path.len() < worker.bgw_library_name.len()).then(|| path.to_string())
    }
}

/// The worker's entry point.
#[pgrx::pg_guard]
#[no_mangle]
pub extern "C-unwind" fn pg_jwt_claims_key_worker(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let Some(store) = keystore::store() else {
        return;
    };
    store.set_worker(true);
    // SAFETY: registers a callback that runs as the process exits, however it exits.
    unsafe { pg_sys::before_shmem_exit(Some(leaving), pg_sys::Datum::from(0)) };
    let mut worker = Worker::new();
    loop {
        if BackgroundWorker::sighup_received() {
            // SAFETY: reloading the configuration files is what a worker does on SIGHUP.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
            // A reload reads the CA file (or the system's roots) again.
            worker.client = None;
        }
        worker.configure(store);
        let next = worker.run(store);
        if worker.stopping() {
            break;
        }
        let wait = Duration::from_micros(next.clamp(10_000, 60_000_000) as u64);
        if !BackgroundWorker::wait_latch(Some(wait)) {
            break;
        }
    }
    // Exit code 1: the postmaster starts the worker again (after a plain termination too).
    // SAFETY: leaves the process the way Postgres expects a worker to.
    unsafe { pg_sys::proc_exit(1) };
}

/// As the worker exits (an error, a termination, the end of the loop): backends stop waking
/// and waiting for it.
#[pgrx::pg_guard]
unsafe extern "C-unwind" fn leaving(_code: std::ffi::c_int, _arg: pg_sys::Datum) {
    if let Some(store) = keystore::store() {
        store.set_worker(false);
        for i in 0..issuers::MAX_ISSUERS {
            store.slot(i).fetching.store(false, Ordering::SeqCst);
        }
        store.attempted();
    }
}

struct Worker {
    /// A termination or the postmaster's death was seen: leave before the next fetch.
    stop: bool,
    /// The issuers text and settings the current state was made from.
    issuers_text: String,
    issuers: Vec<Issuer>,
    http: Option<fetch::Settings>,
    client: Option<Result<Arc<Client>, String>>,
}

impl Worker {
    fn new() -> Worker {
        Worker {
            stop: false,
            issuers_text: String::from("\u{0}"),
            issuers: Vec::new(),
            http: None,
            client: None,
        }
    }

    /// Takes the current settings: gives each declared issuer a slot (keeping the keys of one
    /// already there) and frees the slots of issuers no longer declared.
    fn configure(&mut self, store: &Store) {
        let http = settings::key_worker().http;
        if self.http.as_ref() != Some(&http) {
            self.client = None;
            self.http = Some(http);
        }
        let text = settings::issuers();
        if text == self.issuers_text {
            return;
        }
        self.issuers = issuers::parse(text).unwrap_or_else(|e| {
            log(format!(
                "pg_jwt_claims: pg_jwt_claims.issuers is not used: {e}"
            ));
            Vec::new()
        });
        self.issuers_text = text.to_string();
        let mut write = store.write();
        for i in 0..issuers::MAX_ISSUERS {
            let slot = &write.slots()[i];
            if slot.used && !self.issuers.iter().any(|d| d.issuer == slot.issuer.get()) {
                write.slot_mut(i).reset();
            }
        }
        for declared in &self.issuers {
            let found = write
                .slots()
                .iter()
                .position(|s| s.used && s.issuer.get() == declared.issuer)
                .or_else(|| write.slots().iter().position(|s| !s.used));
            let Some(i) = found else { continue };
            write
                .slot_mut(i)
                .set_issuer(&declared.issuer, &declared.keys);
        }
        store.layout.fetch_add(1, Ordering::SeqCst);
        drop(write);
        // Backends waiting for a slot look again.
        store.attempted();
    }

    /// Whether to leave now: SIGTERM, or the postmaster is gone (seen by the latch waits, during
    /// a fetch too).
    fn stopping(&mut self) -> bool {
        self.stop = self.stop || BackgroundWorker::sigterm_received();
        self.stop
    }

    /// Fetches the most urgent issuer that is due, if any: first one a superuser asked for
    /// (`jwt_refresh_keys`), then one whose unknown `kid` a query waits on, then one whose keys
    /// expired or whose last fetch failed. Returns the µs until the next fetch is due (0 after
    /// a fetch: the loop looks again at once, so that a request never waits behind a round of
    /// scheduled fetches, only behind the one under way).
    fn run(&mut self, store: &Store) -> i64 {
        let timing = settings::key_worker();
        let interval = timing.refetch_interval_s * 1_000_000;
        let now = now_us();
        let mut next = 60_000_000i64;
        // (priority, slot, issuer, whether it is a refetch an unknown kid asked for)
        let mut urgent: Option<(u8, usize, &Issuer, bool)> = None;
        for declared in self.issuers.iter().filter(|d| d.keys.fetched()) {
            let Some(i) = store.find(&declared.issuer) else {
                continue;
            };
            let slot = store.slot(i);
            let attempted = slot.attempted_at.load(Ordering::SeqCst);
            let fetched = slot.fetched_at.load(Ordering::SeqCst);
            let due_at = match (fetched, attempted) {
                (_, 0) => now,
                (0, _) => attempted + interval,
                _ if fetched < attempted => attempted + interval,
                _ => slot.expires_at.load(Ordering::SeqCst),
            };
            let refetch_at = attempted + interval;
            let priority = if slot.refresh_requested.load(Ordering::SeqCst) {
                Some(0)
            } else if slot.refetch_requested.load(Ordering::SeqCst) && now >= refetch_at {
                Some(1)
            } else if now >= due_at {
                Some(2)
            } else {
                None
            };
            match priority {
                Some(p) if urgent.is_none_or(|(q, ..)| p < q) => {
                    urgent = Some((p, i, declared, p == 1 && now < due_at));
                }
                Some(_) => next = 0,
                None => {
                    let wanted = if slot.refetch_requested.load(Ordering::SeqCst) {
                        refetch_at.min(due_at)
                    } else {
                        due_at
                    };
                    next = next.min(wanted - now);
                }
            }
        }
        let Some((_, i, declared, counted)) = urgent else {
            return next;
        };
        let declared = declared.clone();
        let slot = store.slot(i);
        slot.refresh_requested.store(false, Ordering::SeqCst);
        slot.refetch_requested.store(false, Ordering::SeqCst);
        self.fetch(store, i, &declared, counted, &timing);
        0
    }

    /// One fetch of an issuer's keys; the slot records the outcome either way.
    fn fetch(
        &mut self,
        store: &Store,
        i: usize,
        declared: &Issuer,
        refetch: bool,
        timing: &settings::KeyWorker,
    ) {
        let started = now_us();
        store.slot(i).attempted_at.store(started, Ordering::SeqCst);
        store.slot(i).fetching.store(true, Ordering::SeqCst);
        let http = self.http.clone().unwrap_or_else(|| timing.http.clone());
        let client = self
            .client
            .get_or_insert_with(|| Client::new(http).map(Arc::new));
        let result = match client {
            Ok(client) => match fetch_aside(Arc::clone(client), declared.clone()) {
                Some(result) => result,
                None => {
                    // A termination or the postmaster's death: leave the fetch to die with the
                    // process (the slot's attempt shows no outcome).
                    self.stop = true;
                    return;
                }
            },
            Err(e) => Err(fetch::Failure::new(fetch::FailureKind::Setup, e.clone())),
        };
        let mut write = store.write();
        let slot = write.slot_mut(i);
        slot.fetching.store(false, Ordering::SeqCst);
        if !slot.used || slot.issuer.get() != declared.issuer {
            drop(write);
            store.attempted();
            return;
        }
        match result {
            Ok((jwks_uri, text, max_age, kids)) => {
                // Kept for max-age within the clamp, and fetched again well before the keys
                // could go stale (half the maximum staleness), failures leaving time to retry.
                let age = max_age
                    .map_or(timing.min_refresh_s, |a| {
                        i64::try_from(a).unwrap_or(i64::MAX)
                    })
                    .clamp(timing.min_refresh_s, timing.max_refresh_s)
                    .min((timing.max_staleness_s / 2).max(1));
                let now = now_us();
                slot.set_keys(&jwks_uri, &text, now, now + age * 1_000_000);
                slot.fetches.fetch_add(1, Ordering::SeqCst);
                if refetch {
                    slot.refetches.fetch_add(1, Ordering::SeqCst);
                }
                drop(write);
                log(format!(
                    "pg_jwt_claims: fetched the keys of issuer \"{}\" from {jwks_uri}: kids {kids}; next fetch in {age} s",
                    declared.issuer
                ));
            }
            Err(error) => {
                slot.set_error(&error);
                slot.failures.fetch_add(1, Ordering::SeqCst);
                drop(write);
                log(format!(
                    "pg_jwt_claims: could not fetch the keys of issuer \"{}\": {error}",
                    declared.issuer
                ));
            }
        }
        store.slot(i).attempts.fetch_add(1, Ordering::SeqCst);
        store.attempted();
    }
}

/// Discovery (when configured) and the JWK Set: the JWK Set's URL, its checked text, its
/// `max-age`, and its kids for the log.
/// Runs [`fetch_keys`] on a thread of its own while this one waits on the latch, so that a
/// termination or the postmaster's death is seen within [`POLL`] however slow the issuer:
/// `None` then, and the fetch is abandoned. The thread runs core code only (no Postgres call;
/// the core's interrupt checks are no-ops off the backend's thread).
fn fetch_aside(client: Arc<Client>, declared: Issuer) -> Option<FetchResult> {
    let fetching = std::thread::Builder::new()
        .name("pg_jwt_claims fetch".into())
        .spawn(move || fetch_keys(&client, &declared));
    let fetching = match fetching {
        Ok(handle) => handle,
        Err(e) => {
            return Some(Err(fetch::Failure::new(
                fetch::FailureKind::Setup,
                format!("could not start a fetch: {e}"),
            )))
        }
    };
    while !fetching.is_finished() {
        // A SIGHUP wakes this wait too; its flag stays set for the main loop.
        if !BackgroundWorker::wait_latch(Some(POLL)) {
            return None;
        }
    }
    Some(fetching.join().unwrap_or_else(|_| {
        Err(fetch::Failure::new(
            fetch::FailureKind::Setup,
            "the fetch failed unexpectedly",
        ))
    }))
}

/// How often a worker waiting for a fetch looks for a termination.
const POLL: Duration = Duration::from_millis(50);

type FetchResult = Result<(String, String, Option<u64>, String), fetch::Failure>;

fn fetch_keys(client: &Client, declared: &Issuer) -> FetchResult {
    let jwks_uri = match &declared.keys {
        KeySource::JwksUri(url) => url.clone(),
        KeySource::Discovery(url) => client.discover(url, &declared.issuer)?.0,
        KeySource::Static { .. } => {
            return Err(fetch::Failure::new(
                fetch::FailureKind::UrlRefused,
                "the issuer has static keys",
            ))
        }
    };
    let fetched = client.get(&jwks_uri)?;
    let (set, text) = fetch::check_jwks(&jwks_uri, fetched.body)?;
    let kids: Vec<String> = set
        .describe()
        .into_iter()
        .map(|(kid, alg)| {
            let kid = kid.map_or_else(|| "-".into(), |kid| quoted(&kid));
            format!("{kid} ({})", quoted(&alg))
        })
        .collect();
    Ok((jwks_uri, text, fetched.max_age, kids.join(", ")))
}
