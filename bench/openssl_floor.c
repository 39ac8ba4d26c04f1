// The benchmark's floor: the least a client on OpenSSL can do to send telemetry.
//
// One SSL_CTX (trust, certificate chain, key — as the device loads them), one blocking TCP + TLS
// connection, one request buffer built once and written N times, each 204 read with a minimal
// parse (status line and the end of the header block). With --reconnect full|resumed it opens a
// fresh connection for every message instead: `full` without a session (a full handshake each
// time), `resumed` with SSL_set_session from the previous connection.
//
//   openssl_floor --host localhost --port 8443 --ca server-ca.pem --cert device-cert.pem
//       --key device-key.pem [--passphrase-file F] --device ID --count N [--reconnect full|resumed]
//
// Exits 0 only if every message got a 2xx. On stderr: one summary line with the connections
// opened, how many resumed, and in-process CPU and wall time per message after the first.
#define _GNU_SOURCE
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

extern void malloc_counter_snapshot(const char *label) __attribute__((weak));

static void snapshot(const char *label) {
    if (malloc_counter_snapshot) malloc_counter_snapshot(label);
}

static void die(const char *what) {
    fprintf(stderr, "openssl_floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double cpu_ms(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

static double wall_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

static int tcp_connect(const char *host, const char *port) {
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *addresses;
    if (getaddrinfo(host, port, &hints, &addresses) != 0) die("cannot resolve the host");
    int fd = -1;
    for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(addresses);
    if (fd < 0) die("cannot connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static SSL *tls_connect(SSL_CTX *ctx, const char *host, const char *port, SSL_SESSION *session) {
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) die("SSL_new failed");
    SSL_set_fd(ssl, tcp_connect(host, port));
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    if (session != NULL) SSL_set_session(ssl, session);
    if (SSL_connect(ssl) != 1) die("TLS handshake failed");
    return ssl;
}

static void tls_close(SSL *ssl) {
    int fd = SSL_get_fd(ssl);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
}

// Writes the request and reads one response header block; returns the status (0 on a close).
static int exchange(SSL *ssl, const char *request, int length) {
    if (SSL_write(ssl, request, length) != length) die("write failed");
    char buffer[4096];
    int used = 0;
    for (;;) {
        int n = SSL_read(ssl, buffer + used, (int)sizeof buffer - 1 - used);
        if (n <= 0) return 0;
        used += n;
        buffer[used] = 0;
        char *end = strstr(buffer, "\r\n\r\n");
        if (end == NULL) {
            if (used == (int)sizeof buffer - 1) die("response header block too large");
            continue;
        }
        if (strncmp(buffer, "HTTP/1.1 ", 9) != 0) die("not an HTTP/1.1 response");
        int status = atoi(buffer + 9);
        // A 204 has no body; anything else the hub sends here would be an error anyway.
        return status;
    }
}

static char *read_passphrase(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) die("cannot read the passphrase file");
    static char passphrase[256];
    if (fgets(passphrase, sizeof passphrase, file) == NULL) passphrase[0] = 0;
    fclose(file);
    passphrase[strcspn(passphrase, "\r\n")] = 0;
    return passphrase;
}

int main(int argc, char **argv) {
    const char *host = "localhost", *port = "8443", *ca = NULL, *cert = NULL, *key = NULL;
    const char *passphrase_file = NULL, *device = "bench-device", *reconnect = NULL;
    long count = 1;
    static const struct option options[] = {
        {"host", required_argument, 0, 'h'}, {"port", required_argument, 0, 'p'},
        {"ca", required_argument, 0, 'a'}, {"cert", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'}, {"passphrase-file", required_argument, 0, 'w'},
        {"device", required_argument, 0, 'd'}, {"count", required_argument, 0, 'n'},
        {"reconnect", required_argument, 0, 'r'}, {0, 0, 0, 0},
    };
    for (int option; (option = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (option) {
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'a': ca = optarg; break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 'w': passphrase_file = optarg; break;
        case 'd': device = optarg; break;
        case 'n': count = atol(optarg); break;
        case 'r': reconnect = optarg; break;
        default: return 64;
        }
    }
    if (ca == NULL || cert == NULL || key == NULL || count < 1) {
        fprintf(stderr, "usage: openssl_floor --ca F --cert F --key F [--passphrase-file F] [--host H] [--port P] "
                        "[--device ID] [--count N] [--reconnect full|resumed]\n");
        return 64;
    }
    int resume = reconnect != NULL && strcmp(reconnect, "resumed") == 0;
    if (reconnect != NULL && !resume && strcmp(reconnect, "full") != 0) die("--reconnect is full or resumed");

    // The same context the device builds: TLS 1.2+, verify the server, present chain and key.
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) die("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) die("cannot load the CA file");
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) die("cannot load the certificate");
    if (passphrase_file != NULL) SSL_CTX_set_default_passwd_cb_userdata(ctx, read_passphrase(passphrase_file));
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) die("cannot load the key");
    if (SSL_CTX_check_private_key(ctx) != 1) die("the key does not match the certificate");
    // Client-side session cache off: resumption is exactly the SSL_set_session below.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

    // One fixed request, the device's headers and a body of the device's shape.
    static const char body[] = "{\"temperature\": 21.50}";
    char request[1024];
    int length = snprintf(request, sizeof request,
                          "POST /devices/%s/messages/events?api-version=2020-03-13 HTTP/1.1\r\n"
                          "Host: %s:%s\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Encoding: utf-8\r\n"
                          "iothub-contenttype: application/json\r\n"
                          "iothub-contentencoding: utf-8\r\n"
                          "iothub-messageid: %s-floor-1\r\n"
                          "User-Agent: openssl-floor\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          device, host, port, device, sizeof body - 1, body);
    if (length <= 0 || length >= (int)sizeof request) die("request too long");
    snapshot("setup");

    SSL *ssl = NULL;
    SSL_SESSION *session = NULL;
    long connections = 0, resumed = 0;
    double cpu_after_first = 0, wall_after_first = 0;
    for (long i = 0; i < count; i++) {
        if (ssl == NULL) {
            ssl = tls_connect(ctx, host, port, resume ? session : NULL);
            connections++;
            if (SSL_session_reused(ssl)) resumed++;
        }
        int status = exchange(ssl, request, length);
        if (status < 200 || status > 299) {
            fprintf(stderr, "openssl_floor: message %ld got status %d\n", i + 1, status);
            return 1;
        }
        if (reconnect != NULL) {
            // Any TLS 1.3 ticket has arrived by now: it came before the response.
            if (resume) {
                SSL_SESSION *latest = SSL_get1_session(ssl);
                if (latest != NULL) {
                    SSL_SESSION_free(session);
                    session = latest;
                }
            }
            tls_close(ssl);
            ssl = NULL;
        }
        if (i == 0) {
            snapshot("first");
            cpu_after_first = cpu_ms();
            wall_after_first = wall_ms();
        }
    }
    snapshot("steady");
    if (count > 1) {
        fprintf(stderr, "openssl_floor: %ld messages over %ld connections (%ld resumed); after the first: %.4f CPU ms, %.4f wall ms per message\n",
                count, connections, resumed, (cpu_ms() - cpu_after_first) / (count - 1),
                (wall_ms() - wall_after_first) / (count - 1));
    }
    if (ssl != NULL) tls_close(ssl);
    SSL_SESSION_free(session);
    SSL_CTX_free(ctx);
    return 0;
}
