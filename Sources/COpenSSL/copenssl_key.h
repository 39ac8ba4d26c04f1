#ifndef COPENSSL_KEY_H
#define COPENSSL_KEY_H

// Private to the shim: what a copenssl_key holds, shared by the files that use one.

#include <openssl/evp.h>

struct copenssl_key {
    // An EC key in the default library context holding only the public half, whose signing
    // is handed to the provider's key (see copenssl_key.c): what TLS and X509_REQ_sign use.
    EVP_PKEY *pkey;
};

#endif
