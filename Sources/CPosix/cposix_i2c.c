#include "cposix_i2c.h"

#include <errno.h>
#include <fcntl.h>
#include <i2c/smbus.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cposix_i2c_open(int bus_number) {
    if (bus_number < 0) return -ENOENT;
    char path[32];
    snprintf(path, sizeof path, "/dev/i2c-%d", bus_number);
    int fd;
    do { fd = open(path, O_RDWR | O_CLOEXEC); } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int cposix_i2c_set_address(int fd, uint8_t address) {
    int rc;
    do { rc = ioctl(fd, I2C_SLAVE, (unsigned long)address); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_i2c_plain_transfers(int fd) {
    unsigned long functions = 0;
    int rc;
    do { rc = ioctl(fd, I2C_FUNCS, &functions); } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -errno;
    return (functions & I2C_FUNC_I2C) != 0;
}

int cposix_i2c_write(int fd, const uint8_t *bytes, size_t length) {
    ssize_t n;
    do { n = write(fd, bytes, length); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    // i2c-dev sends one transaction per call: a partial count cannot be resumed by writing the rest.
    return (size_t)n == length ? (int)n : -EIO;
}

int cposix_i2c_read(int fd, uint8_t *buffer, size_t length) {
    ssize_t n;
    do { n = read(fd, buffer, length); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    return (size_t)n == length ? (int)n : -EIO;
}

int cposix_i2c_write_read(int fd, uint8_t address, const uint8_t *out, uint16_t out_length,
                          uint8_t *in, uint16_t in_length) {
    struct i2c_msg messages[2] = {
        { .addr = address, .flags = 0, .len = out_length, .buf = (uint8_t *)out },
        { .addr = address, .flags = I2C_M_RD, .len = in_length, .buf = in },
    };
    struct i2c_rdwr_ioctl_data data = { .msgs = messages, .nmsgs = 2 };
    int rc;
    do { rc = ioctl(fd, I2C_RDWR, &data); } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -errno;
    return rc == 2 ? 0 : -EIO;
}

// libi2c (4.x) already returns -errno; only EINTR is left to retry.
#define CPOSIX_SMBUS_RETRY(call) \
    do { int rc; do { rc = (call); } while (rc == -EINTR); return rc; } while (0)

int cposix_i2c_smbus_write_quick(int fd) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_write_quick(fd, I2C_SMBUS_WRITE));
}

int cposix_i2c_smbus_read_byte(int fd) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_read_byte(fd));
}

int cposix_i2c_smbus_write_byte(int fd, uint8_t value) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_write_byte(fd, value));
}

int cposix_i2c_smbus_read_byte_data(int fd, uint8_t command) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_read_byte_data(fd, command));
}

int cposix_i2c_smbus_read_word_data(int fd, uint8_t command) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_read_word_data(fd, command));
}

int cposix_i2c_smbus_write_word_data(int fd, uint8_t command, uint16_t value) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_write_word_data(fd, command, value));
}

int cposix_i2c_smbus_read_i2c_block_data(int fd, uint8_t command, uint8_t length, uint8_t *values) {
    if (length > I2C_SMBUS_BLOCK_MAX) return -EINVAL;
    CPOSIX_SMBUS_RETRY(i2c_smbus_read_i2c_block_data(fd, command, length, values));
}

int cposix_i2c_smbus_write_byte_data(int fd, uint8_t command, uint8_t value) {
    CPOSIX_SMBUS_RETRY(i2c_smbus_write_byte_data(fd, command, value));
}

int cposix_i2c_smbus_write_i2c_block_data(int fd, uint8_t command, uint8_t length, const uint8_t *values) {
    if (length > I2C_SMBUS_BLOCK_MAX) return -EINVAL;
    CPOSIX_SMBUS_RETRY(i2c_smbus_write_i2c_block_data(fd, command, length, values));
}
