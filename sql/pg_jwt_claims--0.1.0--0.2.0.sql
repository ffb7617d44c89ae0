\echo Use "ALTER EXTENSION pg_jwt_claims UPDATE TO '0.2.0'" to load this file. \quit
-- 0.2.0 changes no SQL object: its changes are in the library (protected settings fail closed,
-- pg_jwt_claims.secret_file, time claims judged per statement, public-only jwks, bounded and
-- cancellable loops). A fresh 0.2.0 install also checks that the installing role may create
-- objects in the target schema; an installation being updated keeps the schema it has.
