#ifndef CRENEGOTIATION_H
#define CRENEGOTIATION_H

// A TLS 1.2 server for tests that asks for the client certificate the way older IoT Hub HTTPS
// front ends did: not in the first handshake, but by a renegotiation once the request line has
// arrived. Blocking sockets; one connection at a time.

#include <stdint.h>
#include <stddef.h>

typedef struct crenegotiation_server crenegotiation_server;

/// What one connection showed.
typedef struct {
    /// 1 when the renegotiation the server asked for completed.
    int renegotiated;
    /// 1 when the client presented a certificate in it.
    int client_certificate;
    /// The request line, NUL-terminated.
    char request_line[256];
    /// Why the connection failed, NUL-terminated; empty when it was answered.
    char error[256];
} crenegotiation_report;

/// Listens on 127.0.0.1 on a free port, presenting the PEM chain and key; NULL on failure.
crenegotiation_server *crenegotiation_server_new(const char *certificate_chain_path, const char *private_key_path);
/// The port it listens on.
uint16_t crenegotiation_server_port(const crenegotiation_server *server);
/// Accepts one connection and serves it: the request line, a renegotiation that requires a
/// client certificate, the rest of the request, then `HTTP/1.1 204 No Content` and close.
/// 0 when a connection was served (see `report`), -1 when accepting failed (the server stopped).
int crenegotiation_server_serve_one(crenegotiation_server *server, crenegotiation_report *report);
/// Makes a waiting `crenegotiation_server_serve_one` return -1.
void crenegotiation_server_stop(crenegotiation_server *server);
/// Call after the serving thread has finished.
void crenegotiation_server_free(crenegotiation_server *server);

#endif
