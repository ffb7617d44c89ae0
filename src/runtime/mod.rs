//! The runtime, the middle layer: settings and their generations, identity, and the caches
//! that make a claim reader cost almost nothing per row. It uses `pg` and the core; only
//! `functions` uses it.

pub mod callsite; // per-call-site answers: the finished Datum of one SQL call
pub mod database; // the mode the database requires (its jwt_database_mode table)
pub mod identity; // the claims of the current request, resolved once per generation
pub mod issuers; // declared issuers: choice by iss, their keys, refetch waits, counters
pub mod keys; // configured and given key sets, parsed once
pub mod keystore; // fetched key sets in shared memory, one slot per issuer
pub mod protected; // settings no role may read or weaken before the library loads
pub mod settings; // settings under pg_jwt_claims.*
pub mod verified; // verification and the verified-token cache
pub mod watch; // watched settings and the claims and verification generations
pub mod worker; // the key worker: fetches discovery documents and JWK Sets
