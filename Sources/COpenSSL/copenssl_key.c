// The EC_KEY_METHOD API that lets a provider's key sign for TLS is deprecated in OpenSSL 3
// but is the one route 3.0 offers (see proxy_for).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "copenssl.h"
#include "copenssl_key.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/x509.h>

// The provider lives in a library context of its own, never in the default one where TLS
// runs: tpm2-openssl also offers SHA-256, AES and ECDH, and OpenSSL would otherwise be free to
// hash every handshake in the TPM (it then fails for want of TPM object slots). What TLS needs
// of the key is one signature per full handshake, handed over by an EC_KEY_METHOD below.
static OSSL_LIB_CTX *provider_context(void) {
    static OSSL_LIB_CTX *context = NULL;
    if (context == NULL) context = OSSL_LIB_CTX_new();
    return context;
}

// Empties the error queue, saying whether it holds a failure to open the module file at all, as
// opposed to a module found whose initialisation failed (tpm2-openssl fails there when its TCTI
// cannot reach the TPM, and says why in the error's data, which is kept in `detail`).
static int module_was_missing(char *detail, size_t capacity) {
    unsigned long code;
    const char *data = NULL;
    int flags = 0;
    int missing = 0;
    if (capacity > 0) detail[0] = 0;
    while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if (ERR_GET_LIB(code) == ERR_LIB_DSO) missing = 1;
        if (capacity > 0 && detail[0] == 0 && (flags & ERR_TXT_STRING) && data != NULL && *data != 0
            && strncmp(data, "name=", 5) != 0) {
            // tpm2-openssl puts the TSS response code in decimal before its text.
            while (*data >= '0' && *data <= '9') data++;
            while (*data == ' ') data++;
            snprintf(detail, capacity, "%s", data);
        }
    }
    if (capacity > 0 && detail[0] == 0) snprintf(detail, capacity, "its initialisation failed");
    return missing;
}

int copenssl_provider_load(const char *name, char *detail, size_t capacity) {
    // The TPM software stack logs every failed TPM command to stderr on its own; Kelvin says
    // what went wrong in one line instead. An explicit TSS2_LOG still wins.
    setenv("TSS2_LOG", "all+NONE", 0);
    OSSL_LIB_CTX *context = provider_context();
    if (context == NULL) return COPENSSL_INTERNAL;
    // Not OSSL_PROVIDER_available: asking it would load the default provider into this context
    // as a fallback, and the default provider would then take the key's signatures and fail.
    static OSSL_PROVIDER *loaded = NULL;
    if (loaded != NULL && strcmp(OSSL_PROVIDER_get0_name(loaded), name) == 0) return COPENSSL_LOADED;
    ERR_clear_error();
    if ((loaded = OSSL_PROVIDER_load(context, name)) == NULL) {
        return module_was_missing(detail, capacity) ? COPENSSL_PROVIDER_MISSING : COPENSSL_PROVIDER_FAILED;
    }
    // The base provider's encoders and decoders, for the public key's DER.
    if (OSSL_PROVIDER_load(context, "base") == NULL) return COPENSSL_INTERNAL;
    return COPENSSL_LOADED;
}

static int held_key_index = -1;

static void free_held_key(void *parent, void *pointer, CRYPTO_EX_DATA *data, int index, long argl, void *argp) {
    (void)parent, (void)data, (void)index, (void)argl, (void)argp;
    EVP_PKEY_free(pointer);
}

// OpenSSL's ECDSA_do_sign on the proxy key: the digest goes to the provider's key, whose DER
// signature comes back as an ECDSA_SIG.
static ECDSA_SIG *sign_with_held_key(const unsigned char *digest, int digest_length, const BIGNUM *kinv,
                                     const BIGNUM *r, EC_KEY *proxy) {
    (void)kinv, (void)r;
    EVP_PKEY *held = EC_KEY_get_ex_data(proxy, held_key_index);
    if (held == NULL) return NULL;
    unsigned char der[160];
    size_t length = sizeof der;
    ECDSA_SIG *signature = NULL;
    EVP_PKEY_CTX *signing = EVP_PKEY_CTX_new_from_pkey(provider_context(), held, NULL);
    if (signing != NULL && EVP_PKEY_sign_init(signing) == 1
        && EVP_PKEY_sign(signing, der, &length, digest, (size_t)digest_length) == 1) {
        const unsigned char *cursor = der;
        signature = d2i_ECDSA_SIG(NULL, &cursor, (long)length);
    }
    EVP_PKEY_CTX_free(signing);
    return signature;
}

static int sign_der_with_held_key(int type, const unsigned char *digest, int digest_length, unsigned char *out,
                                  unsigned int *out_length, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *proxy) {
    (void)type;
    ECDSA_SIG *signature = sign_with_held_key(digest, digest_length, kinv, r, proxy);
    if (signature == NULL) return 0;
    unsigned char *cursor = out;
    int length = i2d_ECDSA_SIG(signature, &cursor);
    ECDSA_SIG_free(signature);
    if (length <= 0) return 0;
    *out_length = (unsigned int)length;
    return 1;
}

static const EC_KEY_METHOD *held_key_method(void) {
    static EC_KEY_METHOD *method = NULL;
    if (method != NULL) return method;
    held_key_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, free_held_key);
    if (held_key_index < 0) return NULL;
    method = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    if (method == NULL) return NULL;
    EC_KEY_METHOD_set_sign(method, sign_der_with_held_key, NULL, sign_with_held_key);
    return method;
}

// A legacy EC key with the held key's public half and a method that signs with the held key:
// OpenSSL treats a key with a method of its own as foreign and never exports it to a provider,
// so every signature made with it, in TLS or elsewhere, reaches the callbacks above.
static EVP_PKEY *proxy_for(EVP_PKEY *held) {
    if (!EVP_PKEY_is_a(held, "EC")) return NULL;
    const EC_KEY_METHOD *method = held_key_method();
    if (method == NULL) return NULL;
    unsigned char *der = NULL;
    int length = i2d_PUBKEY(held, &der);
    if (length <= 0) return NULL;
    const unsigned char *cursor = der;
    EVP_PKEY *public = d2i_PUBKEY(NULL, &cursor, length);
    OPENSSL_free(der);
    if (public == NULL) return NULL;
    EC_KEY *ec = EVP_PKEY_get1_EC_KEY(public);
    EVP_PKEY_free(public);
    if (ec == NULL) return NULL;
    EVP_PKEY *proxy = EVP_PKEY_new();
    if (proxy == NULL || EC_KEY_set_method(ec, method) != 1 || EVP_PKEY_up_ref(held) != 1) {
        EVP_PKEY_free(proxy);
        EC_KEY_free(ec);
        return NULL;
    }
    if (EC_KEY_set_ex_data(ec, held_key_index, held) != 1 || EVP_PKEY_assign_EC_KEY(proxy, ec) != 1) {
        EVP_PKEY_free(held);
        EVP_PKEY_free(proxy);
        EC_KEY_free(ec);
        return NULL;
    }
    return proxy;
}

copenssl_key *copenssl_key_open(const char *uri, int *result) {
    ERR_clear_error();
    OSSL_STORE_CTX *store = OSSL_STORE_open_ex(uri, provider_context(), NULL, NULL, NULL, NULL, NULL, NULL);
    if (store == NULL) {
        *result = COPENSSL_STORE_FAILED;
        return NULL;
    }
    OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY);
    EVP_PKEY *held = NULL;
    while (held == NULL && !OSSL_STORE_eof(store)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);
        if (info == NULL) {
            if (OSSL_STORE_error(store)) break;
            continue;
        }
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY) held = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    if (held == NULL) {
        *result = COPENSSL_KEY_NOT_FOUND;
        return NULL;
    }
    if (!EVP_PKEY_is_a(held, "EC")) {
        EVP_PKEY_free(held);
        *result = COPENSSL_KEY_NOT_EC;
        return NULL;
    }
    EVP_PKEY *proxy = proxy_for(held);
    EVP_PKEY_free(held);
    copenssl_key *key = proxy == NULL ? NULL : OPENSSL_zalloc(sizeof *key);
    if (key == NULL) {
        EVP_PKEY_free(proxy);
        *result = COPENSSL_INTERNAL;
        return NULL;
    }
    key->pkey = proxy;
    *result = COPENSSL_LOADED;
    return key;
}

void copenssl_key_free(copenssl_key *key) {
    if (key == NULL) return;
    EVP_PKEY_free(key->pkey);
    OPENSSL_free(key);
}

int copenssl_key_describe(copenssl_key *key, char *buffer, size_t capacity) {
    char group[64] = "";
    int written;
    if (EVP_PKEY_is_a(key->pkey, "EC")
        && EVP_PKEY_get_utf8_string_param(key->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1) {
        const char *curve = strcmp(group, "prime256v1") == 0 ? "P-256" : strcmp(group, "secp384r1") == 0 ? "P-384" : group;
        written = snprintf(buffer, capacity, "EC %s", curve);
    } else {
        const char *name = EVP_PKEY_get0_type_name(key->pkey);
        written = snprintf(buffer, capacity, "%s %d", name == NULL ? "key" : name, EVP_PKEY_get_bits(key->pkey));
    }
    ERR_clear_error();
    return written < 0 || (size_t)written >= capacity ? -1 : written;
}

int copenssl_key_test_signature(copenssl_key *key) {
    unsigned char message[32];
    if (RAND_bytes(message, sizeof message) != 1) return -1;
    unsigned char signature[1024];
    size_t length = sizeof signature;
    int ok = 0;
    EVP_MD_CTX *signing = EVP_MD_CTX_new();
    EVP_MD_CTX *verifying = EVP_MD_CTX_new();
    if (signing != NULL && verifying != NULL
        && EVP_DigestSignInit_ex(signing, NULL, "SHA256", NULL, NULL, key->pkey, NULL) == 1
        && EVP_DigestSign(signing, signature, &length, message, sizeof message) == 1
        && EVP_DigestVerifyInit_ex(verifying, NULL, "SHA256", NULL, NULL, key->pkey, NULL) == 1
        && EVP_DigestVerify(verifying, signature, length, message, sizeof message) == 1) {
        ok = 1;
    }
    EVP_MD_CTX_free(signing);
    EVP_MD_CTX_free(verifying);
    return ok ? 0 : -1;
}

int copenssl_key_write_request(copenssl_key *key, const char *common_name, const char *path, int *os_error) {
    *os_error = 0;
    X509_REQ *request = X509_REQ_new();
    if (request == NULL) return COPENSSL_INTERNAL;
    int rc = COPENSSL_INTERNAL;
    X509_NAME *subject = X509_REQ_get_subject_name(request);
    if (X509_REQ_set_version(request, 0) == 1
        && X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1, -1, 0) == 1
        && X509_REQ_set_pubkey(request, key->pkey) == 1
        && X509_REQ_sign(request, key->pkey, EVP_sha256()) > 0) {
        FILE *file = fopen(path, "w");
        if (file == NULL) {
            *os_error = errno;
            rc = COPENSSL_FILE_UNREADABLE;
        } else {
            rc = PEM_write_X509_REQ(file, request) == 1 ? COPENSSL_LOADED : COPENSSL_INTERNAL;
            if (fclose(file) != 0 && rc == COPENSSL_LOADED) {
                *os_error = errno;
                rc = COPENSSL_FILE_UNREADABLE;
            }
        }
    }
    X509_REQ_free(request);
    return rc;
}

int copenssl_key_take_error(char *buffer, size_t capacity) {
    const char *data = NULL;
    int flags = 0;
    unsigned long error = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
    if (error == 0 || capacity == 0) return 0;
    // A provider's own reasons come with their detail (the TPM's response code, the TCTI's
    // complaint) as the error's data, which is what a person needs to see.
    const char *reason = ERR_reason_error_string(error);
    const char *detail = (flags & ERR_TXT_STRING) && data != NULL && *data != 0 ? data : NULL;
    int written;
    if (reason != NULL && detail != NULL) written = snprintf(buffer, capacity, "%s: %s", reason, detail);
    else if (reason != NULL) written = snprintf(buffer, capacity, "%s", reason);
    else if (detail != NULL) written = snprintf(buffer, capacity, "%s", detail);
    else written = snprintf(buffer, capacity, "error %lx", error);
    ERR_clear_error();
    return written < 0 ? 0 : (size_t)written >= capacity ? (int)capacity - 1 : written;
}
