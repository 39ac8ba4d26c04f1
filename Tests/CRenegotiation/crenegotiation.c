#define _GNU_SOURCE // memmem
#include "crenegotiation.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct crenegotiation_server {
    SSL_CTX *context;
    int listener;
    uint16_t port;
};

// The device's certificate is self-signed; the test asks only that one arrives.
static int accept_any_certificate(int preverified, X509_STORE_CTX *store) {
    (void)preverified;
    (void)store;
    return 1;
}

crenegotiation_server *crenegotiation_server_new(const char *certificate_chain_path, const char *private_key_path) {
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (context == NULL) return NULL;
    // Renegotiation does not exist in TLS 1.3.
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
    // Every connection a full handshake, so each one asks for the certificate afresh.
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
    if (SSL_CTX_use_certificate_chain_file(context, certificate_chain_path) != 1
        || SSL_CTX_use_PrivateKey_file(context, private_key_path, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(context);
        return NULL;
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        SSL_CTX_free(context);
        return NULL;
    }
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 8) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0) {
        close(listener);
        SSL_CTX_free(context);
        return NULL;
    }
    crenegotiation_server *server = calloc(1, sizeof *server);
    if (server == NULL) {
        close(listener);
        SSL_CTX_free(context);
        return NULL;
    }
    server->context = context;
    server->listener = listener;
    server->port = ntohs(address.sin_port);
    return server;
}

uint16_t crenegotiation_server_port(const crenegotiation_server *server) {
    return server->port;
}

static void fail(crenegotiation_report *report, const char *step) {
    unsigned long code = ERR_get_error();
    char reason[160] = "";
    if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
    snprintf(report->error, sizeof report->error, "%s failed%s%s", step, code != 0 ? ": " : "", reason);
    ERR_clear_error();
}

// Where the head ends and how long the body is, once the whole head has arrived; -1 before.
static long request_length(const char *bytes, size_t count) {
    const char *end = memmem(bytes, count, "\r\n\r\n", 4);
    if (end == NULL) return -1;
    long body = 0;
    for (const char *line = bytes; line != NULL && line < end;) {
        if (strncasecmp(line, "Content-Length:", 15) == 0) body = strtol(line + 15, NULL, 10);
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        line = newline != NULL ? newline + 1 : NULL;
    }
    return (long)(end - bytes) + 4 + body;
}

// Reads once into the buffer; 1 with bytes, 0 when only handshake records were processed (the
// renegotiation runs inside SSL_read), -1 when the connection failed.
static int read_some(SSL *ssl, char *buffer, size_t capacity, size_t *count) {
    if (*count >= capacity) return -1;
    int read = SSL_read(ssl, buffer + *count, (int)(capacity - *count));
    if (read > 0) {
        *count += (size_t)read;
        return 1;
    }
    return SSL_get_error(ssl, read) == SSL_ERROR_WANT_READ ? 0 : -1;
}

static void serve(SSL *ssl, crenegotiation_report *report) {
    if (SSL_accept(ssl) != 1) { fail(report, "the first handshake"); return; }
    char request[16384];
    size_t count = 0;
    while (memmem(request, count, "\r\n", 2) == NULL) {
        if (read_some(ssl, request, sizeof request, &count) < 0) { fail(report, "reading the request line"); return; }
    }
    size_t line = (size_t)((char *)memmem(request, count, "\r\n", 2) - request);
    snprintf(report->request_line, sizeof report->request_line, "%.*s", (int)line, request);

    // Now ask for the certificate, as the front end did once it saw what the request was for.
    SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
    // Without auto-retry, SSL_read returns after handshake records, so the loop below can tell
    // when the renegotiation is over even if the whole request had already arrived.
    SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
    if (SSL_renegotiate(ssl) != 1) { fail(report, "SSL_renegotiate"); return; }
    // Sends the HelloRequest; the client's new handshake arrives through SSL_read.
    if (SSL_do_handshake(ssl) != 1) { fail(report, "sending the HelloRequest"); return; }
    long length = -1;
    while (SSL_renegotiate_pending(ssl) || (length = request_length(request, count)) < 0 || (long)count < length) {
        if (read_some(ssl, request, sizeof request, &count) < 0) { fail(report, "the renegotiation or the rest of the request"); return; }
    }
    report->renegotiated = 1;
    X509 *certificate = SSL_get1_peer_certificate(ssl);
    report->client_certificate = certificate != NULL;
    X509_free(certificate);
    if (certificate == NULL) {
        snprintf(report->error, sizeof report->error, "no client certificate after the renegotiation");
        return;
    }
    static const char answer[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    if (SSL_write(ssl, answer, (int)sizeof answer - 1) <= 0) { fail(report, "writing the response"); return; }
    SSL_shutdown(ssl);
}

int crenegotiation_server_serve_one(crenegotiation_server *server, crenegotiation_report *report) {
    memset(report, 0, sizeof *report);
    int connection = accept(server->listener, NULL, NULL);
    if (connection < 0) return -1;
    SSL *ssl = SSL_new(server->context);
    if (ssl == NULL) {
        close(connection);
        fail(report, "SSL_new");
        return 0;
    }
    SSL_set_fd(ssl, connection);
    serve(ssl, report);
    SSL_free(ssl);
    close(connection);
    return 0;
}

void crenegotiation_server_stop(crenegotiation_server *server) {
    // Wakes a blocked accept on Linux; the descriptor is closed in free, after the thread is done.
    shutdown(server->listener, SHUT_RDWR);
}

void crenegotiation_server_free(crenegotiation_server *server) {
    if (server == NULL) return;
    close(server->listener);
    SSL_CTX_free(server->context);
    free(server);
}
