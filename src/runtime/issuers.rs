//! Declared issuers in a backend: which issuer a token's `iss` chooses, that issuer's keys
//! (static, or fetched by the key worker and parsed once per key store generation), the wait
//! for a refetch when a `kid` is unknown, and the per-issuer outcome counters.

use crate::pg::errors::{sql_error, SqlError};
use crate::runtime::keys::{self, new_keys, KeySource, Keys};
use crate::runtime::keystore::{self, now_us, Store, OUTCOMES};
use crate::runtime::settings;
use crate::runtime::watch::verification_generation;
use pg_jwt_claims_core::issuers::{self, Issuer, KeySource as Source, MAX_ISSUERS};
use pg_jwt_claims_core::jose::KeySet;
use pg_jwt_claims_core::json::quoted;
use pgrx::PgSqlErrorCode;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// Fetched keys as parsed in this backend, with what identifies them in the key store.
#[derive(Clone)]
struct Parsed {
    layout: u64,
    slot: usize,
    generation: u64,
    keys: Rc<Keys>,
}

/// The declared issuers of one verification generation.
pub struct Declared {
    pub list: Vec<Issuer>,
    /// Each issuer's fetched keys as parsed here.
    fetched: RefCell<Vec<Option<Parsed>>>,
    /// Whether this backend already waited for the worker to take issuer i (once per
    /// generation: an issuer only a session declares never gets a slot).
    waited: RefCell<Vec<bool>>,
    /// Each issuer's key store slot, with the store layout it was found in.
    slots: RefCell<Vec<Option<(u64, usize)>>>,
}

/// When a query stops waiting for the key worker: one deadline, `pg_jwt_claims.jwks_wait`
/// from the verification's start, for every wait of that verification.
#[derive(Clone, Copy)]
pub struct Deadline(std::time::Instant);

impl Deadline {
    pub fn start() -> Deadline {
        let wait = settings::key_worker().wait_ms.max(0) as u64;
        Deadline(std::time::Instant::now() + std::time::Duration::from_millis(wait))
    }

    /// No waiting at all.
    pub fn none() -> Deadline {
        Deadline(std::time::Instant::now())
    }

    fn left_ms(self) -> i64 {
        self.0
            .saturating_duration_since(std::time::Instant::now())
            .as_millis() as i64
    }
}

thread_local! {
    static DECLARED: RefCell<Option<(u64, Option<Rc<Declared>>)>> = const { RefCell::new(None) };
    /// Outcomes counted in this session for issuers without a key store slot.
    static LOCAL: RefCell<Vec<(String, [u64; OUTCOMES.len()])>> = const { RefCell::new(Vec::new()) };
}

/// The declared issuers, `None` when `pg_jwt_claims.issuers` is empty.
pub fn declared() -> Result<Option<Rc<Declared>>, SqlError> {
    let generation = verification_generation();
    if let Some(found) = DECLARED.with_borrow(|d| {
        d.as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, found)| found.clone())
    }) {
        return Ok(found);
    }
    let list = issuers::parse(settings::issuers()).map_err(|e| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "pg_jwt_claims.issuers cannot be used",
        )
        .detail(e)
    })?;
    let found = (!list.is_empty()).then(|| {
        Rc::new(Declared {
            fetched: RefCell::new(vec![None; list.len()]),
            waited: RefCell::new(vec![false; list.len()]),
            slots: RefCell::new(vec![None; list.len()]),
            list,
        })
    });
    DECLARED.with_borrow_mut(|d| *d = Some((generation, found.clone())));
    Ok(found)
}

/// The issuer a token is verified as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Chosen {
    /// A declared issuer (its index).
    Declared(usize),
    /// The single-issuer settings (`pg_jwt_claims.jwks`, `secret`, `issuer`, …).
    Default,
}

impl Declared {
    /// The issuer whose `issuer` is exactly `iss`; else the single-issuer settings when they
    /// hold keys; else 28000.
    pub fn choose(&self, iss: Option<&str>) -> Result<Chosen, SqlError> {
        if let Some(i) = iss.and_then(|iss| self.list.iter().position(|d| d.issuer == iss)) {
            return Ok(Chosen::Declared(i));
        }
        let default_keys = [
            settings::jwks(),
            settings::secret(),
            settings::secret_file(),
        ]
        .iter()
        .any(|s| !s.trim().is_empty());
        if default_keys {
            return Ok(Chosen::Default);
        }
        let message = match iss {
            Some(iss) => format!("issuer not declared: {}", quoted(iss)),
            None => "token has no iss claim, which chooses its issuer".into(),
        };
        Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
            message,
        )
        .hint("Tokens are accepted from the issuers in pg_jwt_claims.issuers."))
    }

    /// The keys of declared issuer `i`; a wait for the key worker ends at `deadline`.
    pub fn keys(&self, i: usize, deadline: Deadline) -> Result<Rc<Keys>, SqlError> {
        let issuer = &self.list[i];
        let (jwks, secret_file) = match &issuer.keys {
            Source::Static { jwks, secret_file } => (jwks, secret_file),
            _ => return self.fetched_keys(i, deadline),
        };
        keys::keys(KeySource::Issuer {
            issuer: &issuer.issuer,
            jwks: jwks.as_deref(),
            secret_file: secret_file.as_deref(),
        })
    }

    /// The keys the key worker fetched for issuer `i`, parsed once per generation. Before a
    /// first fetch succeeds, waits for one (until `deadline`) while the worker is at it. Fails
    /// closed when the keys are older than `pg_jwt_claims.jwks_max_staleness` (and asks for a
    /// fetch, rate-limited).
    fn fetched_keys(&self, i: usize, deadline: Deadline) -> Result<Rc<Keys>, SqlError> {
        let issuer = &self.list[i].issuer;
        let store = keystore::store().ok_or_else(|| no_worker(issuer))?;
        let timing = settings::key_worker();
        let slot_index = match self.slot(store, i)? {
            Some(s) => s,
            None => {
                if !std::mem::replace(&mut self.waited.borrow_mut()[i], true) {
                    // Just declared: the worker takes a reload in a moment.
                    store.wake_worker();
                    store.wait(deadline.left_ms(), || store.find(issuer).is_some());
                }
                self.slot(store, i)?.ok_or_else(|| not_configured(issuer))?
            }
        };
        let slot = store.slot(slot_index);
        if slot.fetched_at.load(Ordering::SeqCst) == 0 && store.worker_running() {
            // Never fetched: wait while an attempt is due or under way (a failure ends it).
            let attempts = slot.attempts.load(Ordering::SeqCst);
            let attempted = slot.attempted_at.load(Ordering::SeqCst);
            let due =
                attempted == 0 || now_us() - attempted >= timing.refetch_interval_s * 1_000_000;
            if due || slot.fetching.load(Ordering::SeqCst) {
                store.wake_worker();
                store.wait(deadline.left_ms(), || {
                    slot.fetched_at.load(Ordering::SeqCst) != 0
                        || slot.attempts.load(Ordering::SeqCst) != attempts
                });
            }
        }
        let fetched_at = slot.fetched_at.load(Ordering::SeqCst);
        let unavailable = |outcome: &str, message: String| {
            self.count(Chosen::Declared(i), outcome);
            SqlError::new(
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                message,
            )
            .detail(last_error(store, slot_index))
            .hint("See jwt_issuers() for the key worker's last attempt.")
        };
        if fetched_at == 0 {
            return Err(unavailable(
                "keys",
                format!(
                    "the keys of issuer {} have not been fetched yet",
                    quoted(issuer)
                ),
            ));
        }
        let age_us = now_us() - fetched_at;
        if age_us > timing.max_staleness_s * 1_000_000 {
            let age_s = age_us / 1_000_000;
            self.request_fetch(store, slot_index);
            return Err(unavailable(
                "stale_keys",
                format!(
                    "the keys of issuer {} are stale: last fetched {age_s} s ago, more than pg_jwt_claims.jwks_max_staleness",
                    quoted(issuer)
                ),
            ));
        }
        let layout = store.layout.load(Ordering::SeqCst);
        let generation = slot.generation.load(Ordering::SeqCst);
        let cached = self.fetched.borrow()[i]
            .as_ref()
            .filter(|p| (p.layout, p.slot, p.generation) == (layout, slot_index, generation))
            .map(|p| p.keys.clone());
        if let Some(keys) = cached {
            return Ok(keys);
        }
        // The text and its generation together, from the slot while it still is this issuer's.
        let (text, generation) = {
            let read = store.read();
            let slot = &read.slots()[slot_index];
            if !slot.used || slot.issuer.get() != issuer.as_str() {
                return Err(not_configured(issuer));
            }
            (
                slot.jwks.get().to_string(),
                slot.generation.load(Ordering::SeqCst),
            )
        };
        let set = KeySet::parse_public(&text).map_err(|e| {
            sql_error(&e).detail(format!(
                "The fetched keys of issuer {} could not be used.",
                quoted(issuer)
            ))
        })?;
        // What shows that a backend parses once per generation (tests watch it).
        pgrx::debug1!(
            "pg_jwt_claims: parsed the fetched keys of issuer {} (generation {generation})",
            quoted(issuer)
        );
        let keys = new_keys(set);
        self.fetched.borrow_mut()[i] = Some(Parsed {
            layout,
            slot: slot_index,
            generation,
            keys: keys.clone(),
        });
        Ok(keys)
    }

    /// Whether new keys came for issuer `i`, whose keys lack a token's `kid`: waits (until
    /// `deadline`) for a fetch under way, else asks for one, at most one per
    /// `pg_jwt_claims.jwks_refetch_interval` per issuer whoever asks. With no time to wait the
    /// fetch still happens, for the tokens after this one.
    pub fn refetch(&self, i: usize, deadline: Deadline) -> bool {
        if !self.list[i].keys.fetched() {
            return false;
        }
        let Some(store) = keystore::store() else {
            return false;
        };
        let Ok(Some(slot_index)) = self.slot(store, i) else {
            return false;
        };
        let slot = store.slot(slot_index);
        let generation = slot.generation.load(Ordering::SeqCst);
        let attempts = slot.attempts.load(Ordering::SeqCst);
        if !slot.fetching.load(Ordering::SeqCst) && !self.request_refetch(store, slot_index) {
            return false;
        }
        store.wait(deadline.left_ms(), || {
            slot.attempts.load(Ordering::SeqCst) != attempts
                || slot.generation.load(Ordering::SeqCst) != generation
        });
        slot.generation.load(Ordering::SeqCst) != generation
    }

    /// Asks the worker for a refetch of slot `slot_index` unless one was attempted within
    /// `pg_jwt_claims.jwks_refetch_interval`; whether it asked.
    fn request_refetch(&self, store: &Store, slot_index: usize) -> bool {
        let slot = store.slot(slot_index);
        let interval = settings::key_worker().refetch_interval_s * 1_000_000;
        if now_us() - slot.attempted_at.load(Ordering::SeqCst) < interval {
            return false;
        }
        slot.refetch_requested.store(true, Ordering::SeqCst);
        store.wake_worker();
        true
    }

    /// Stale keys: a fetch now, rate-limited like a refetch (not counted as one).
    fn request_fetch(&self, store: &Store, slot_index: usize) {
        let slot = store.slot(slot_index);
        let interval = settings::key_worker().refetch_interval_s * 1_000_000;
        if now_us() - slot.attempted_at.load(Ordering::SeqCst) >= interval {
            store.wake_worker();
        }
    }

    /// The key store slot of issuer `i`, looked up once per store layout: the slot of that
    /// issuer, whose keys the worker takes from the same place this declaration names (a
    /// session's declaration that differs from the server's is refused, never served another
    /// source's keys).
    fn slot(&self, store: &Store, i: usize) -> Result<Option<usize>, SqlError> {
        let layout = store.layout.load(Ordering::SeqCst);
        if let Some((l, slot)) = self.slots.borrow()[i] {
            if l == layout {
                return Ok(Some(slot));
            }
        }
        let declared = &self.list[i];
        let found = {
            let read = store.read();
            read.slots()
                .iter()
                .position(|s| s.used && s.issuer.get() == declared.issuer)
                .map(|index| (index, read.slots()[index].source_matches(&declared.keys)))
        };
        match found {
            None => Ok(None),
            Some((_, false)) => Err(not_configured(&declared.issuer).detail(
                "The server's configuration declares this issuer with other keys than this session's.",
            )),
            Some((index, true)) => {
                self.slots.borrow_mut()[i] = Some((layout, index));
                Ok(Some(index))
            }
        }
    }

    /// Counts a verification outcome for the chosen issuer: in its key store slot, else in
    /// this session.
    pub fn count(&self, chosen: Chosen, outcome: &str) {
        let Chosen::Declared(i) = chosen else { return };
        let Some(index) = OUTCOMES.iter().position(|o| *o == outcome) else {
            return;
        };
        if let Some(store) = keystore::store() {
            if let Ok(Some(slot)) = self.slot(store, i) {
                store.slot(slot).count(index);
                return;
            }
        }
        let issuer = &self.list[i].issuer;
        LOCAL.with_borrow_mut(|local| {
            if let Some(entry) = local.iter_mut().find(|(name, _)| name == issuer) {
                entry.1[index] += 1;
            } else if local.len() < 4 * MAX_ISSUERS {
                let mut counts = [0; OUTCOMES.len()];
                counts[index] = 1;
                local.push((issuer.clone(), counts));
            }
        });
    }
}

/// This session's counts for `issuer` (issuers without a key store slot).
pub fn local_counts(issuer: &str) -> Option<[u64; OUTCOMES.len()]> {
    LOCAL.with_borrow(|local| local.iter().find(|(n, _)| n == issuer).map(|(_, c)| *c))
}

fn last_error(store: &Store, slot: usize) -> String {
    let read = store.read();
    match shown_error(&read.slots()[slot]) {
        None => "The key worker has not completed a fetch for it yet.".into(),
        Some(error) => format!("Last error: {error}"),
    }
}

/// A slot's last fetch error as the current role may see it: the whole message for a
/// superuser or a member of pg_read_all_stats (the role that sees other sessions' activity
/// in full, and which pg_monitor includes), else only the failure's kind. The message names
/// the hosts and ports a redirect or a discovery document sent the worker to, and what it met
/// there, which would make the worker a port scanner for every role.
fn shown_error(slot: &keystore::Slot) -> Option<String> {
    let error = slot.last_error.get();
    if error.is_empty() {
        return None;
    }
    if sees_fetch_details() {
        return Some(error.to_string());
    }
    Some(match slot.last_error_kind() {
        Some(kind) => format!("fetch failed: {}", kind.name()),
        None => "fetch failed".to_string(),
    })
}

/// The role pg_read_all_stats (its oid is fixed; PostgreSQL 13 names the constant
/// DEFAULT_ROLE_READ_ALL_STATS).
#[cfg(feature = "pg13")]
const READ_ALL_STATS: u32 = pgrx::pg_sys::DEFAULT_ROLE_READ_ALL_STATS;
#[cfg(not(feature = "pg13"))]
const READ_ALL_STATS: u32 = pgrx::pg_sys::ROLE_PG_READ_ALL_STATS;

/// Whether the current role sees the key worker's error messages in full.
fn sees_fetch_details() -> bool {
    // SAFETY: plain catalog lookups of the current role, in a transaction.
    unsafe {
        pgrx::pg_sys::superuser()
            || pgrx::pg_sys::has_privs_of_role(
                pgrx::pg_sys::GetUserId(),
                pgrx::pg_sys::Oid::from(READ_ALL_STATS),
            )
    }
}

fn no_worker(issuer: &str) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!(
            "the keys of issuer {} are fetched by the key worker, which is not running",
            quoted(issuer)
        ),
    )
    .detail("The key worker runs only when pg_jwt_claims is in shared_preload_libraries.")
    .hint("Add pg_jwt_claims to shared_preload_libraries and restart the server, or give the issuer static keys (jwks, secret_file).")
}

fn not_configured(issuer: &str) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!(
            "issuer {} is not in the key worker's configuration",
            quoted(issuer)
        ),
    )
    .detail("The key worker reads pg_jwt_claims.issuers from the server's configuration, not from a session's SET.")
    .hint("Declare the issuer in postgresql.conf or with ALTER SYSTEM, then reload.")
}

/// One issuer as `jwt_issuers()` shows it.
pub struct Report {
    pub issuer: Option<String>,
    /// `discovery`, `jwks_uri`, `static`, or `settings` (the single-issuer settings).
    pub source: &'static str,
    pub discovery_uri: Option<String>,
    pub jwks_uri: Option<String>,
    /// Each key's `kid` and algorithm (or family).
    pub keys: Option<Vec<(Option<String>, String)>>,
    pub generation: Option<i64>,
    /// Unix µs.
    pub fetched_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub attempted_at: Option<i64>,
    pub last_error: Option<String>,
    pub fetches: Option<i64>,
    pub refetches: Option<i64>,
    pub failures: Option<i64>,
    /// Verification outcomes by [`OUTCOMES`] (server-wide from the key store, else this
    /// session's).
    pub outcomes: Option<[u64; OUTCOMES.len()]>,
}

/// Every declared issuer, then the single-issuer settings when they hold keys.
pub fn report() -> Result<Vec<Report>, SqlError> {
    let mut rows = Vec::new();
    let store = keystore::store();
    if let Some(declared) = declared()? {
        for (i, issuer) in declared.list.iter().enumerate() {
            let mut row = Report {
                issuer: Some(issuer.issuer.clone()),
                source: issuer.keys.kind(),
                discovery_uri: match &issuer.keys {
                    Source::Discovery(url) => Some(url.clone()),
                    _ => None,
                },
                jwks_uri: match &issuer.keys {
                    Source::JwksUri(url) => Some(url.clone()),
                    _ => None,
                },
                keys: None,
                generation: None,
                fetched_at: None,
                expires_at: None,
                attempted_at: None,
                last_error: None,
                fetches: None,
                refetches: None,
                failures: None,
                outcomes: local_counts(&issuer.issuer),
            };
            let slot = store.and_then(|s| s.find(&issuer.issuer).map(|i| (s, i)));
            if let Some((store, index)) = slot {
                let read = store.read();
                let slot = &read.slots()[index];
                let nonzero = |v: i64| (v != 0).then_some(v);
                row.outcomes = Some(std::array::from_fn(|o| {
                    slot.outcomes[o].load(Ordering::Relaxed)
                }));
                if slot.fetched {
                    row.jwks_uri = Some(slot.jwks_uri.get().to_string()).filter(|s| !s.is_empty());
                    row.generation = Some(slot.generation.load(Ordering::SeqCst) as i64);
                    row.fetched_at = nonzero(slot.fetched_at.load(Ordering::SeqCst));
                    row.expires_at = nonzero(slot.expires_at.load(Ordering::SeqCst));
                    row.attempted_at = nonzero(slot.attempted_at.load(Ordering::SeqCst));
                    row.last_error = shown_error(slot);
                    row.fetches = Some(slot.fetches.load(Ordering::SeqCst) as i64);
                    row.refetches = Some(slot.refetches.load(Ordering::SeqCst) as i64);
                    row.failures = Some(slot.failures.load(Ordering::SeqCst) as i64);
                    let text = slot.jwks.get();
                    if !text.is_empty() {
                        row.keys = KeySet::parse_public(text).ok().map(|set| set.describe());
                    }
                }
            } else if issuer.keys.fetched() {
                row.last_error = Some(match store {
                    None => no_worker(&issuer.issuer).message().to_string(),
                    Some(_) => not_configured(&issuer.issuer).message().to_string(),
                });
            }
            if !issuer.keys.fetched() {
                match declared.keys(i, Deadline::none()) {
                    Ok(keys) => row.keys = Some(keys.set.describe()),
                    Err(e) => row.last_error = Some(e.message().to_string()),
                }
            }
            rows.push(row);
        }
    }
    let default_keys = [
        settings::jwks(),
        settings::secret(),
        settings::secret_file(),
    ]
    .iter()
    .any(|s| !s.trim().is_empty());
    if default_keys {
        let validation = settings::validation();
        let (keys, last_error) = match keys::keys(KeySource::Configured) {
            Ok(keys) => (Some(keys.set.describe()), None),
            Err(e) => (None, Some(e.message().to_string())),
        };
        rows.push(Report {
            issuer: validation.issuer,
            source: "settings",
            discovery_uri: None,
            jwks_uri: None,
            keys,
            generation: None,
            fetched_at: None,
            expires_at: None,
            attempted_at: None,
            last_error,
            fetches: None,
            refetches: None,
            failures: None,
            outcomes: None,
        });
    }
    Ok(rows)
}

/// `jwt_refresh_keys(issuer)`: fetches a declared issuer's keys now (no rate limit) and waits
/// for the attempt; whether it brought keys, and its error if not.
pub fn refresh(issuer: &str) -> Result<Result<(), String>, SqlError> {
    let declared = declared()?.ok_or_else(|| not_declared(issuer))?;
    let i = declared
        .list
        .iter()
        .position(|d| d.issuer == issuer)
        .ok_or_else(|| not_declared(issuer))?;
    if !declared.list[i].keys.fetched() {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!(
                "issuer {} has static keys: there is nothing to fetch",
                quoted(issuer)
            ),
        ));
    }
    let store = keystore::store().ok_or_else(|| no_worker(issuer))?;
    if !store.worker_running() {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "the key worker is not running",
        )
        .hint(
            "The postmaster starts it again 5 s after it exits; the server log says why it did.",
        ));
    }
    let timing = settings::key_worker();
    let slot_index = match declared.slot(store, i)? {
        Some(s) => s,
        None => {
            store.wake_worker();
            store.wait(timing.wait_ms.max(1_000), || store.find(issuer).is_some());
            declared
                .slot(store, i)?
                .ok_or_else(|| not_configured(issuer))?
        }
    };
    let slot = store.slot(slot_index);
    let attempts = slot.attempts.load(Ordering::SeqCst);
    slot.refresh_requested.store(true, Ordering::SeqCst);
    store.wake_worker();
    // Discovery and the JWK Set, each within the HTTP deadline, and time to start.
    let deadline_ms = 2 * timing.http.timeout.as_millis() as i64 + 5_000;
    let done = store.wait(deadline_ms, || {
        slot.attempts.load(Ordering::SeqCst) != attempts
    });
    if !done {
        return Ok(Err(
            "the key worker did not complete the fetch in time".into()
        ));
    }
    let read = store.read();
    Ok(match shown_error(&read.slots()[slot_index]) {
        None => Ok(()),
        Some(error) => Err(error),
    })
}

fn not_declared(issuer: &str) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        format!("issuer {} is not declared", quoted(issuer)),
    )
    .hint("Issuers are declared in pg_jwt_claims.issuers.")
}
