/*
 * A stand-in for Neon's pg_session_jwt in the tests: a module that defines the settings
 * request.jwt.claims and request.headers when it loads, with the same context and flags
 * pg_session_jwt gives request.jwt.claims (user-settable, not while security-restricted, no
 * hooks). The tests load it before and after pg_jwt_claims in one backend.
 */
#include "postgres.h"
#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static char *claims = NULL;
static char *headers = NULL;

void
_PG_init(void)
{
	DefineCustomStringVariable("request.jwt.claims",
							   "JSON Web Token (JWT) used for query authorization",
							   "PostgREST compatible GUC (test stand-in).",
							   &claims, NULL, PGC_USERSET, GUC_NOT_WHILE_SEC_REST,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("request.headers",
							   "PostgREST request headers (test stand-in).",
							   NULL,
							   &headers, NULL, PGC_USERSET, GUC_NOT_WHILE_SEC_REST,
							   NULL, NULL, NULL);
}
