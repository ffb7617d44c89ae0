#!/usr/bin/env bash
# Makes a throwaway PKI for the test issuer in DIR:
#   ca.pem, ca.key          a test CA (self-signed)
#   server.pem, server.key  a server certificate for 127.0.0.1 and localhost, signed by the CA
#   other-ca.pem            a second, unrelated CA (for wrong-CA tests; its key is not kept)
# Every file is mode 644: the postgres user must be able to read ca.pem.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
# A directory made here is traversable by all (the postgres user reads ca.pem in it).
[ -d "$dir" ] || mkdir -p -m 755 "$dir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Extensions: a CA that may sign certificates, and a TLS server leaf for 127.0.0.1 and localhost.
cat > "$work/ext.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# Makes a self-signed CA: make_ca CN CERT KEY
make_ca() {
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 825 \
        -config "$work/ext.cnf" -extensions ca -subj "/CN=$1" \
        -keyout "$3" -out "$2" 2>/dev/null
}

make_ca "pg_jwt_claims test CA" "$dir/ca.pem" "$dir/ca.key"
make_ca "pg_jwt_claims other test CA" "$dir/other-ca.pem" "$work/other-ca.key"

# The server key and a CSR, then the certificate signed by the CA.
openssl req -new -newkey rsa:2048 -nodes -sha256 -config "$work/ext.cnf" \
    -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 \
    -extfile "$work/ext.cnf" -extensions server -out "$dir/server.pem" 2>/dev/null

chmod 644 "$dir/ca.pem" "$dir/ca.key" "$dir/server.pem" "$dir/server.key" "$dir/other-ca.pem"
