#!/usr/bin/env bash
# The benchmark's identities, made with openssl the way the seed walkthrough makes its device:
#   bench/identities.sh DIR
# DIR/server-ca.pem, server-cert.pem, server-key.pem   a CA and its certificate for localhost
# DIR/ec/device-{cert,key}.pem                         self-signed EC P-256 device
# DIR/rsa/device-{cert,key}.pem                        self-signed RSA-4096 device (the seed's)
# DIR/passphrase                                       both device keys are encrypted with it (1234)
# DIR/devices.pem                                      the device certificates, for the server to trust
# Existing files are kept, so repeated runs reuse them.
set -euo pipefail

dir="${1:?usage: identities.sh DIR}"
device="bench-device"
mkdir -p "$dir/ec" "$dir/rsa"
cd "$dir"

if [ ! -f server-cert.pem ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 30 \
        -subj "/CN=Kelvin bench CA" -keyout server-ca-key.pem -out server-ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
        -subj "/CN=localhost" -keyout server-key.pem -out server.csr 2>/dev/null
    openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca-key.pem -CAcreateserial \
        -days 30 -sha256 -out server-cert.pem \
        -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null
    rm -f server.csr
fi

printf '1234\n' > passphrase
chmod 600 passphrase

# The seed's command, with the key type as the only difference between the two devices.
make_device() {
    local sub="$1"
    shift
    [ -f "$sub/device-cert.pem" ] && return 0
    openssl req -outform PEM -x509 -sha256 "$@" -keyout "$sub/device-key.pem" -out "$sub/device-cert.pem" \
        -days 30 -extensions usr_cert -addext extendedKeyUsage=clientAuth -subj "/CN=$device" \
        -passout file:passphrase 2>/dev/null
}
make_device ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
make_device rsa -newkey rsa:4096

cat ec/device-cert.pem rsa/device-cert.pem > devices.pem
