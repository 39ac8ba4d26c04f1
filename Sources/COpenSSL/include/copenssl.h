#ifndef COPENSSL_H
#define COPENSSL_H

// OpenSSL 3 behind two opaque handles: a context (trust, client identity) and a stream (one TLS
// connection over a non-blocking socket). Nothing OpenSSL-specific crosses into Swift except
// the verify result code and error text.

#include <stdint.h>
#include <stddef.h>

typedef struct copenssl_context copenssl_context;
typedef struct copenssl_stream copenssl_stream;
/// A TLS session a server offered for resumption; owned by whoever took it.
typedef struct copenssl_session copenssl_session;
/// A private key held by an OpenSSL provider (a TPM, a token): a reference, never the key's bytes.
typedef struct copenssl_key copenssl_key;

/// Results of loading identity material, so Swift can name the file and the fix.
enum copenssl_load_result {
    COPENSSL_LOADED = 0,
    COPENSSL_FILE_UNREADABLE = -1,     // errno in *os_error
    COPENSSL_NOT_PEM = -2,             // no certificate / key found in the file
    COPENSSL_WRONG_PASSPHRASE = -3,    // the key is encrypted and the passphrase did not open it
    COPENSSL_PASSPHRASE_NEEDED = -4,   // the key is encrypted and no passphrase was given
    COPENSSL_KEY_MISMATCH = -5,        // the key does not belong to the certificate
    COPENSSL_INTERNAL = -6,
    COPENSSL_PROVIDER_MISSING = -7,    // no module of that name where OpenSSL looks for providers
    COPENSSL_PROVIDER_FAILED = -8,     // the module is there but did not start (a TPM it cannot reach)
    COPENSSL_KEY_NOT_FOUND = -9,       // the provider answered, but holds no key at that URI
    COPENSSL_STORE_FAILED = -10,       // the URI names no store any loaded provider serves
    COPENSSL_KEY_NOT_EC = -11,         // the provider's key is not an EC key, the one kind signed through it
};

/// I/O outcomes of a stream operation besides a byte count.
enum copenssl_io_result {
    COPENSSL_WANT_READ = -2,
    COPENSSL_WANT_WRITE = -3,
    COPENSSL_CLOSED = -4,              // the peer closed the connection (cleanly or not)
    COPENSSL_FAILED = -1,              // see copenssl_last_error / verify result
};

/// A client context: TLS 1.2 minimum, peer verification on.
copenssl_context *copenssl_context_new(void);
void copenssl_context_free(copenssl_context *context);

/// Trusts the CA certificates in a PEM file. The corresponding C function is `SSL_CTX_load_verify_locations`.
int copenssl_context_trust_file(copenssl_context *context, const char *path, int *os_error);
/// Trusts a directory of CA certificates named by subject hash (`openssl rehash`), looked up as
/// needed. The corresponding C function is `SSL_CTX_load_verify_locations`.
int copenssl_context_trust_directory(copenssl_context *context, const char *path, int *os_error);
/// Trusts the system's default CA store. The corresponding C function is `SSL_CTX_set_default_verify_paths`.
int copenssl_context_trust_system(copenssl_context *context);
/// Loads the client certificate, optionally followed by its intermediates (leaf first).
/// The corresponding C function is `SSL_CTX_use_certificate_chain_file`.
int copenssl_context_use_certificate_chain(copenssl_context *context, const char *path, int *os_error);
/// Loads a PEM private key, encrypted or not, and checks it matches the certificate already loaded.
int copenssl_context_use_private_key(copenssl_context *context, const char *path,
                                     const char *passphrase, size_t passphrase_length, int *os_error);

/// Uses a key a provider holds (see copenssl_key_open) and checks it matches the certificate
/// already loaded; the key's private half stays with the provider.
int copenssl_context_use_key(copenssl_context *context, copenssl_key *key);

/// The subject common name of the loaded client certificate, NUL-terminated; the length or -1.
int copenssl_context_certificate_common_name(copenssl_context *context, char *buffer, size_t capacity);
/// The SHA-256 of the loaded client certificate's DER encoding; 0 or -1.
int copenssl_context_certificate_sha256(copenssl_context *context, uint8_t digest[32]);
/// Validity of the loaded client certificate as seconds since the epoch; 0 or -1.
int copenssl_context_certificate_validity(copenssl_context *context, int64_t *not_before, int64_t *not_after);

/// How many certificates follow the leaf in the loaded chain file, and whether the leaf is
/// self-issued: a CA-signed leaf with no intermediates cannot pass a group enrollment.
/// The corresponding C functions are `SSL_CTX_get0_chain_certs` and `X509_NAME_cmp`.
int copenssl_context_certificate_chain_shape(copenssl_context *context, int *intermediates, int *self_issued);

/// A stream over a connected non-blocking socket, sending SNI for `host` (unless it is an IP
/// literal) and verifying that the server certificate names `host`. `resume`, when not NULL,
/// is offered to the server (it stays owned by the caller).
copenssl_stream *copenssl_stream_new(copenssl_context *context, int fd, const char *host, copenssl_session *resume);
/// The newest resumable session the server gave this stream, or NULL; the caller owns it.
copenssl_session *copenssl_stream_take_session(copenssl_stream *stream);
void copenssl_session_free(copenssl_session *session);
/// 1 when the handshake resumed an earlier session.
int copenssl_stream_session_reused(copenssl_stream *stream);
void copenssl_stream_free(copenssl_stream *stream);
/// 0 when done, or a copenssl_io_result.
int copenssl_stream_handshake(copenssl_stream *stream);
/// Bytes read (> 0) or a copenssl_io_result.
int copenssl_stream_read(copenssl_stream *stream, void *buffer, int length);
/// Bytes written (> 0) or a copenssl_io_result.
int copenssl_stream_write(copenssl_stream *stream, const void *buffer, int length);
/// Sends close_notify without waiting for the peer's.
void copenssl_stream_shutdown(copenssl_stream *stream);
/// The X509_V_* result of verifying the server's certificate (0 = X509_V_OK).
long copenssl_stream_verify_result(copenssl_stream *stream);
/// The errno behind the last COPENSSL_FAILED, when it was a system call error; 0 otherwise.
int copenssl_stream_os_error(copenssl_stream *stream);

/// Loads the provider `name` (e.g. "tpm2") into a library context of its own, once per process:
/// only signatures reach it, never TLS's hashing. A copenssl_load_result; on
/// COPENSSL_PROVIDER_FAILED, `detail` holds the provider's reason. The corresponding C function
/// is `OSSL_PROVIDER_load`.
int copenssl_provider_load(const char *name, char *detail, size_t capacity);
/// The private key at `uri` (e.g. "handle:0x81000001") through the loaded providers' stores;
/// NULL with a copenssl_load_result in *result. The corresponding C functions are
/// `OSSL_STORE_open` and `OSSL_STORE_load`.
copenssl_key *copenssl_key_open(const char *uri, int *result);
void copenssl_key_free(copenssl_key *key);
/// The key's algorithm and size as a person reads them ("EC P-256", "RSA 2048"); the length or -1.
int copenssl_key_describe(copenssl_key *key, char *buffer, size_t capacity);
/// Signs a fresh random digest with the key and verifies it with the public half: 0 when the
/// key can sign, -1 (see copenssl_take_error) when not.
int copenssl_key_test_signature(copenssl_key *key);
/// Writes a PEM certificate signing request for the key, subject CN = `common_name`, signed
/// with SHA-256 by the key itself. A copenssl_load_result (COPENSSL_FILE_UNREADABLE: errno in
/// *os_error). The corresponding C functions are `X509_REQ_sign` and `PEM_write_bio_X509_REQ`.
int copenssl_key_write_request(copenssl_key *key, const char *common_name, const char *path, int *os_error);

/// Like copenssl_take_error, with the error's detail (a provider puts the TPM's answer there).
int copenssl_key_take_error(char *buffer, size_t capacity);

/// A short text for an X509_V_* code. The corresponding C function is `X509_verify_cert_error_string`.
const char *copenssl_verify_result_text(long code);
/// Drains OpenSSL's error queue into `buffer` (the oldest error's reason text); the length, 0 when empty.
int copenssl_take_error(char *buffer, size_t capacity);

// Verify results the Swift side explains in words of its own.
extern const long COPENSSL_VERIFY_NOT_YET_VALID;
extern const long COPENSSL_VERIFY_EXPIRED;
extern const long COPENSSL_VERIFY_HOSTNAME_MISMATCH;
extern const long COPENSSL_VERIFY_SELF_SIGNED_LEAF;
extern const long COPENSSL_VERIFY_SELF_SIGNED_IN_CHAIN;
extern const long COPENSSL_VERIFY_UNKNOWN_ISSUER;
extern const long COPENSSL_VERIFY_UNKNOWN_ISSUER_LOCALLY;

#endif
