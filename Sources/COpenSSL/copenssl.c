#include "copenssl.h"
#include "copenssl_key.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct copenssl_context {
    SSL_CTX *ssl;
};

struct copenssl_stream {
    SSL *ssl;
    int os_error;
    // The newest session the server offered for resumption (TLS 1.3 sends tickets after the
    // handshake), kept until the next connection to the same host asks for it.
    SSL_SESSION *session;
};

// OpenSSL hands each new session here; keeping it on the stream lets the caller carry it to the
// next connection to the same host, where a resumed handshake costs no client signature.
static int remember_session(SSL *ssl, SSL_SESSION *session) {
    copenssl_stream *stream = SSL_get_app_data(ssl);
    if (stream == NULL) return 0;
    if (stream->session != NULL) SSL_SESSION_free(stream->session);
    stream->session = session;
    return 1; // the reference is now ours
}

const long COPENSSL_VERIFY_NOT_YET_VALID = X509_V_ERR_CERT_NOT_YET_VALID;
const long COPENSSL_VERIFY_EXPIRED = X509_V_ERR_CERT_HAS_EXPIRED;
const long COPENSSL_VERIFY_HOSTNAME_MISMATCH = X509_V_ERR_HOSTNAME_MISMATCH;
const long COPENSSL_VERIFY_SELF_SIGNED_LEAF = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
const long COPENSSL_VERIFY_SELF_SIGNED_IN_CHAIN = X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
const long COPENSSL_VERIFY_UNKNOWN_ISSUER = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
const long COPENSSL_VERIFY_UNKNOWN_ISSUER_LOCALLY = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;

copenssl_context *copenssl_context_new(void) {
    SSL_CTX *ssl = SSL_CTX_new(TLS_client_method());
    if (ssl == NULL) return NULL;
    SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
    SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    // A partial write must be retried with the same buffer; allow the buffer to move since the
    // Swift side may hand over a different pointer to the same bytes.
    SSL_CTX_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Sessions are kept per connection by the caller, not in OpenSSL's cache, so that each host
    // only ever resumes its own.
    SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ssl, remember_session);
    copenssl_context *context = OPENSSL_zalloc(sizeof *context);
    if (context == NULL) {
        SSL_CTX_free(ssl);
        return NULL;
    }
    context->ssl = ssl;
    return context;
}

void copenssl_context_free(copenssl_context *context) {
    if (context == NULL) return;
    SSL_CTX_free(context->ssl);
    OPENSSL_free(context);
}

// OpenSSL reports a missing file through its error queue; asking the OS first gives the errno.
static int check_readable(const char *path, int *os_error) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        *os_error = errno;
        return COPENSSL_FILE_UNREADABLE;
    }
    fclose(file);
    *os_error = 0;
    return COPENSSL_LOADED;
}

int copenssl_context_trust_file(copenssl_context *context, const char *path, int *os_error) {
    int rc = check_readable(path, os_error);
    if (rc != COPENSSL_LOADED) return rc;
    return SSL_CTX_load_verify_locations(context->ssl, path, NULL) == 1 ? COPENSSL_LOADED : COPENSSL_NOT_PEM;
}

int copenssl_context_trust_system(copenssl_context *context) {
    return SSL_CTX_set_default_verify_paths(context->ssl) == 1 ? COPENSSL_LOADED : COPENSSL_INTERNAL;
}

int copenssl_context_use_certificate_chain(copenssl_context *context, const char *path, int *os_error) {
    int rc = check_readable(path, os_error);
    if (rc != COPENSSL_LOADED) return rc;
    return SSL_CTX_use_certificate_chain_file(context->ssl, path) == 1 ? COPENSSL_LOADED : COPENSSL_NOT_PEM;
}

struct passphrase_source {
    const char *bytes;
    size_t length;
    int asked;
};

static int provide_passphrase(char *buffer, int size, int rwflag, void *user) {
    (void)rwflag;
    struct passphrase_source *source = user;
    source->asked = 1;
    if (source->bytes == NULL || source->length == 0 || source->length > (size_t)size) return -1;
    memcpy(buffer, source->bytes, source->length);
    return (int)source->length;
}

int copenssl_context_use_private_key(copenssl_context *context, const char *path,
                                     const char *passphrase, size_t passphrase_length, int *os_error) {
    int rc = check_readable(path, os_error);
    if (rc != COPENSSL_LOADED) return rc;
    BIO *file = BIO_new_file(path, "r");
    if (file == NULL) return COPENSSL_INTERNAL;
    struct passphrase_source source = { passphrase, passphrase_length, 0 };
    EVP_PKEY *key = PEM_read_bio_PrivateKey(file, NULL, provide_passphrase, &source);
    BIO_free(file);
    if (key == NULL) {
        ERR_clear_error();
        if (source.asked) return passphrase_length == 0 ? COPENSSL_PASSPHRASE_NEEDED : COPENSSL_WRONG_PASSPHRASE;
        return COPENSSL_NOT_PEM;
    }
    if (SSL_CTX_use_PrivateKey(context->ssl, key) != 1) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        return COPENSSL_KEY_MISMATCH;
    }
    EVP_PKEY_free(key);
    if (SSL_CTX_check_private_key(context->ssl) != 1) {
        ERR_clear_error();
        return COPENSSL_KEY_MISMATCH;
    }
    return COPENSSL_LOADED;
}

int copenssl_context_use_key(copenssl_context *context, copenssl_key *key) {
    if (SSL_CTX_use_PrivateKey(context->ssl, key->pkey) != 1 || SSL_CTX_check_private_key(context->ssl) != 1) {
        ERR_clear_error();
        return COPENSSL_KEY_MISMATCH;
    }
    return COPENSSL_LOADED;
}

int copenssl_context_certificate_common_name(copenssl_context *context, char *buffer, size_t capacity) {
    X509 *certificate = SSL_CTX_get0_certificate(context->ssl);
    if (certificate == NULL || capacity == 0) return -1;
    X509_NAME *subject = X509_get_subject_name(certificate);
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index < 0) return -1;
    ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char *utf8 = NULL;
    int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) return -1;
    if ((size_t)length >= capacity) {
        OPENSSL_free(utf8);
        return -1;
    }
    memcpy(buffer, utf8, (size_t)length);
    buffer[length] = 0;
    OPENSSL_free(utf8);
    return length;
}

int copenssl_context_certificate_sha256(copenssl_context *context, uint8_t digest[32]) {
    X509 *certificate = SSL_CTX_get0_certificate(context->ssl);
    if (certificate == NULL) return -1;
    unsigned int length = 32;
    return X509_digest(certificate, EVP_sha256(), digest, &length) == 1 && length == 32 ? 0 : -1;
}

static int seconds_since_epoch(const ASN1_TIME *time, int64_t *seconds) {
    struct tm parts;
    if (ASN1_TIME_to_tm(time, &parts) != 1) return -1;
    // timegm without the _DEFAULT_SOURCE dance: days from civil date (proleptic Gregorian).
    int64_t year = parts.tm_year + 1900, month = parts.tm_mon + 1, day = parts.tm_mday;
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    int64_t days = era * 146097 + day_of_era - 719468;
    *seconds = days * 86400 + parts.tm_hour * 3600 + parts.tm_min * 60 + parts.tm_sec;
    return 0;
}

int copenssl_context_certificate_validity(copenssl_context *context, int64_t *not_before, int64_t *not_after) {
    X509 *certificate = SSL_CTX_get0_certificate(context->ssl);
    if (certificate == NULL) return -1;
    if (seconds_since_epoch(X509_get0_notBefore(certificate), not_before) != 0) return -1;
    return seconds_since_epoch(X509_get0_notAfter(certificate), not_after);
}

int copenssl_context_certificate_chain_shape(copenssl_context *context, int *intermediates, int *self_issued) {
    X509 *certificate = SSL_CTX_get0_certificate(context->ssl);
    if (certificate == NULL) return -1;
    STACK_OF(X509) *chain = NULL;
    if (SSL_CTX_get0_chain_certs(context->ssl, &chain) != 1) return -1;
    *intermediates = chain == NULL ? 0 : sk_X509_num(chain);
    // Compare names rather than ask X509_check_issued, which also wants keyCertSign and so
    // calls a self-signed device certificate (digitalSignature only) CA-signed.
    *self_issued = X509_NAME_cmp(X509_get_subject_name(certificate), X509_get_issuer_name(certificate)) == 0;
    return 0;
}

static int is_ip_literal(const char *host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1;
}

copenssl_stream *copenssl_stream_new(copenssl_context *context, int fd, const char *host, copenssl_session *resume) {
    SSL *ssl = SSL_new(context->ssl);
    if (ssl == NULL) return NULL;
    int ok = SSL_set_fd(ssl, fd) == 1;
    if (ok && resume != NULL) ok = SSL_set_session(ssl, (SSL_SESSION *)resume) == 1;
    if (ok && is_ip_literal(host)) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
    } else if (ok) {
        ok = SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
    }
    if (!ok) {
        SSL_free(ssl);
        return NULL;
    }
    copenssl_stream *stream = OPENSSL_zalloc(sizeof *stream);
    if (stream == NULL) {
        SSL_free(ssl);
        return NULL;
    }
    stream->ssl = ssl;
    SSL_set_app_data(ssl, stream);
    return stream;
}

void copenssl_stream_free(copenssl_stream *stream) {
    if (stream == NULL) return;
    if (stream->session != NULL) SSL_SESSION_free(stream->session);
    SSL_free(stream->ssl);
    OPENSSL_free(stream);
}

copenssl_session *copenssl_stream_take_session(copenssl_stream *stream) {
    SSL_SESSION *session = stream->session;
    stream->session = NULL;
    if (session != NULL && !SSL_SESSION_is_resumable(session)) {
        SSL_SESSION_free(session);
        return NULL;
    }
    return (copenssl_session *)session;
}

void copenssl_session_free(copenssl_session *session) {
    SSL_SESSION_free((SSL_SESSION *)session);
}

int copenssl_stream_session_reused(copenssl_stream *stream) {
    return SSL_session_reused(stream->ssl);
}

int copenssl_context_trust_directory(copenssl_context *context, const char *path, int *os_error) {
    DIR *directory = opendir(path);
    if (directory == NULL) {
        *os_error = errno;
        return COPENSSL_FILE_UNREADABLE;
    }
    closedir(directory);
    *os_error = 0;
    return SSL_CTX_load_verify_locations(context->ssl, NULL, path) == 1 ? COPENSSL_LOADED : COPENSSL_NOT_PEM;
}

static int classify(copenssl_stream *stream, int rc) {
    int error = SSL_get_error(stream->ssl, rc);
    stream->os_error = 0;
    switch (error) {
    case SSL_ERROR_WANT_READ: return COPENSSL_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return COPENSSL_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return COPENSSL_CLOSED;
    case SSL_ERROR_SYSCALL:
        // An empty error queue with no errno is an EOF without close_notify: the peer went away.
        if (ERR_peek_error() == 0) {
            stream->os_error = errno;
            if (errno == 0 || errno == ECONNRESET || errno == EPIPE) return COPENSSL_CLOSED;
        }
        return COPENSSL_FAILED;
    case SSL_ERROR_SSL:
        // OpenSSL 3 reports a peer's EOF without close_notify as this "unexpected eof" error.
        if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            ERR_clear_error();
            return COPENSSL_CLOSED;
        }
        return COPENSSL_FAILED;
    default:
        return COPENSSL_FAILED;
    }
}

int copenssl_stream_handshake(copenssl_stream *stream) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_connect(stream->ssl);
    return rc == 1 ? 0 : classify(stream, rc);
}

int copenssl_stream_read(copenssl_stream *stream, void *buffer, int length) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_read(stream->ssl, buffer, length);
    return rc > 0 ? rc : classify(stream, rc);
}

int copenssl_stream_write(copenssl_stream *stream, const void *buffer, int length) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_write(stream->ssl, buffer, length);
    return rc > 0 ? rc : classify(stream, rc);
}

void copenssl_stream_shutdown(copenssl_stream *stream) {
    SSL_shutdown(stream->ssl);
    ERR_clear_error();
}

long copenssl_stream_verify_result(copenssl_stream *stream) {
    return SSL_get_verify_result(stream->ssl);
}

int copenssl_stream_os_error(copenssl_stream *stream) {
    return stream->os_error;
}

const char *copenssl_verify_result_text(long code) {
    return X509_verify_cert_error_string(code);
}

int copenssl_take_error(char *buffer, size_t capacity) {
    unsigned long error = ERR_get_error();
    if (error == 0 || capacity == 0) return 0;
    const char *reason = ERR_reason_error_string(error);
    if (reason == NULL) {
        snprintf(buffer, capacity, "error %lx", error);
    } else {
        snprintf(buffer, capacity, "%s", reason);
    }
    ERR_clear_error();
    return (int)strlen(buffer);
}
