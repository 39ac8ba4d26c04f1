// libcurl with one reused easy handle: how an application using libcurl would send telemetry.
//
//   libcurl_client --url https://localhost:8443/devices/ID/messages/events?api-version=2020-03-13
//       --ca server-ca.pem --cert device-cert.pem --key device-key.pem [--passphrase-file F]
//       --device ID --count N
//
// Every message is a POST of {"temperature": NN.NN} with the device's headers (a fresh
// iothub-messageid each time); the handle keeps its connection alive between them. Exits 0 only
// if every message got a 2xx.
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

extern void malloc_counter_snapshot(const char *label) __attribute__((weak));

static void snapshot(const char *label) {
    if (malloc_counter_snapshot) malloc_counter_snapshot(label);
}

static size_t discard(char *data, size_t size, size_t count, void *user) {
    (void)data;
    (void)user;
    return size * count;
}

static char *read_passphrase(const char *path) {
    static char passphrase[256];
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "libcurl_client: cannot read %s\n", path);
        exit(66);
    }
    if (fgets(passphrase, sizeof passphrase, file) == NULL) passphrase[0] = 0;
    fclose(file);
    passphrase[strcspn(passphrase, "\r\n")] = 0;
    return passphrase;
}

int main(int argc, char **argv) {
    const char *url = NULL, *ca = NULL, *cert = NULL, *key = NULL, *passphrase_file = NULL;
    const char *device = "bench-device";
    long count = 1;
    static const struct option options[] = {
        {"url", required_argument, 0, 'u'}, {"ca", required_argument, 0, 'a'},
        {"cert", required_argument, 0, 'c'}, {"key", required_argument, 0, 'k'},
        {"passphrase-file", required_argument, 0, 'w'}, {"device", required_argument, 0, 'd'},
        {"count", required_argument, 0, 'n'}, {0, 0, 0, 0},
    };
    for (int option; (option = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (option) {
        case 'u': url = optarg; break;
        case 'a': ca = optarg; break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 'w': passphrase_file = optarg; break;
        case 'd': device = optarg; break;
        case 'n': count = atol(optarg); break;
        default: return 64;
        }
    }
    if (url == NULL || ca == NULL || cert == NULL || key == NULL || count < 1) {
        fprintf(stderr, "usage: libcurl_client --url URL --ca F --cert F --key F [--passphrase-file F] [--device ID] [--count N]\n");
        return 64;
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *handle = curl_easy_init();
    if (handle == NULL) return 70;
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_CAINFO, ca);
    curl_easy_setopt(handle, CURLOPT_SSLCERT, cert);
    curl_easy_setopt(handle, CURLOPT_SSLKEY, key);
    if (passphrase_file != NULL) curl_easy_setopt(handle, CURLOPT_KEYPASSWD, read_passphrase(passphrase_file));
    curl_easy_setopt(handle, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "libcurl-bench");
    snapshot("setup");

    int failures = 0;
    for (long i = 0; i < count; i++) {
        char body[64], message_id[160];
        snprintf(body, sizeof body, "{\"temperature\": %ld.%02ld}", 20 + i % 10, (i * 7) % 100);
        snprintf(message_id, sizeof message_id, "iothub-messageid: %s-libcurl-%ld", device, i + 1);
        struct curl_slist *headers = NULL;
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Content-Encoding: utf-8");
        headers = curl_slist_append(headers, "iothub-contenttype: application/json");
        headers = curl_slist_append(headers, "iothub-contentencoding: utf-8");
        headers = curl_slist_append(headers, message_id);
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body);
        CURLcode rc = curl_easy_perform(handle);
        long status = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK || status < 200 || status > 299) {
            fprintf(stderr, "libcurl_client: message %ld: %s, HTTP %ld\n", i + 1, curl_easy_strerror(rc), status);
            failures++;
            break;
        }
        if (i == 0) snapshot("first");
    }
    snapshot("steady");
    curl_easy_cleanup(handle);
    curl_global_cleanup();
    return failures == 0 ? 0 : 1;
}
