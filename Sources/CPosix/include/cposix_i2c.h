#ifndef CPOSIX_I2C_H
#define CPOSIX_I2C_H

// /dev/i2c-N through i2c-dev and libi2c, in the same terms as cposix.h: every function returns
// >= 0 on success or -errno on failure and retries EINTR itself. Kept apart from cposix.h so the
// I²C edge can change without touching the socket and file shims.

#include <stdint.h>
#include <stddef.h>

/// Opens `/dev/i2c-<bus_number>` (O_RDWR | O_CLOEXEC). The corresponding C function is `open`.
int cposix_i2c_open(int bus_number);
/// Directs later plain transfers and SMBus calls to `address`; -EBUSY when a kernel driver owns
/// it. Never forces. The corresponding C call is `ioctl(fd, I2C_SLAVE, address)`.
int cposix_i2c_set_address(int fd, uint8_t address);
/// 1 when the adapter does plain I²C transfers (I2C_FUNC_I2C), 0 when it only speaks SMBus (a
/// PC's SMBus controller, the kernel's i2c-stub). The corresponding C call is
/// `ioctl(fd, I2C_FUNCS, ...)`.
int cposix_i2c_plain_transfers(int fd);
/// One write transaction of all `length` bytes; a short transfer is -EIO. The corresponding C
/// function is `write`.
int cposix_i2c_write(int fd, const uint8_t *bytes, size_t length);
/// One read transaction of exactly `length` bytes; a short transfer is -EIO. The corresponding C
/// function is `read`.
int cposix_i2c_read(int fd, uint8_t *buffer, size_t length);
/// `out_length` bytes written, a repeated START, then `in_length` bytes read, as one combined
/// transaction to `address`. The corresponding C call is `ioctl(fd, I2C_RDWR, ...)` with two
/// messages.
int cposix_i2c_write_read(int fd, uint8_t address, const uint8_t *out, uint16_t out_length,
                          uint8_t *in, uint16_t in_length);

/// An address byte with the write bit and nothing else, as i2cdetect probes. The corresponding C
/// function is libi2c's `i2c_smbus_write_quick`.
int cposix_i2c_smbus_write_quick(int fd);
/// One byte read with no command before it. The corresponding C function is libi2c's
/// `i2c_smbus_read_byte`.
int cposix_i2c_smbus_read_byte(int fd);
/// One byte written, nothing else. The corresponding C function is libi2c's
/// `i2c_smbus_write_byte`.
int cposix_i2c_smbus_write_byte(int fd, uint8_t value);
/// The byte at `command`. The corresponding C function is libi2c's `i2c_smbus_read_byte_data`.
int cposix_i2c_smbus_read_byte_data(int fd, uint8_t command);
/// The SMBus word at `command`: the first byte on the wire is the low byte. The corresponding C
/// function is libi2c's `i2c_smbus_read_word_data`.
int cposix_i2c_smbus_read_word_data(int fd, uint8_t command);
/// The SMBus word `value` to `command`: its low byte goes first on the wire. The corresponding C
/// function is libi2c's `i2c_smbus_write_word_data`.
int cposix_i2c_smbus_write_word_data(int fd, uint8_t command, uint16_t value);
/// Up to 32 bytes from `command` on (an I²C block read, not an SMBus block read, which the Pi's
/// controller cannot do); returns how many arrived. The corresponding C function is libi2c's
/// `i2c_smbus_read_i2c_block_data`.
int cposix_i2c_smbus_read_i2c_block_data(int fd, uint8_t command, uint8_t length, uint8_t *values);
/// The corresponding C function is libi2c's `i2c_smbus_write_byte_data`.
int cposix_i2c_smbus_write_byte_data(int fd, uint8_t command, uint8_t value);
/// `command` then up to 32 bytes, as one write (an I²C block write). The corresponding C
/// function is libi2c's `i2c_smbus_write_i2c_block_data`.
int cposix_i2c_smbus_write_i2c_block_data(int fd, uint8_t command, uint8_t length, const uint8_t *values);

#endif
