@testable import Platform
import Sensors
import Testing

/// The `/dev/i2c-N` edge without hardware: what a missing bus says, and how the errnos the Pi's
/// controllers return become the errors a person can act on (sensor-facts.md §6).
@Suite struct I2CDeviceTests {
    let address = I2CAddress(0x76)!

    @Test func missingBus_isBusAbsentAndSaysHowToEnableI2C() {
        var caught: I2CError?
        do {
            let bus = try LinuxI2CBus(number: 250)
            bus.close()
        } catch {
            caught = error
        }
        #expect(caught == .busAbsent(bus: "/dev/i2c-250"))
        #expect(caught?.description == "/dev/i2c-250 does not exist: enable I²C (dtparam=i2c_arm=on in /boot/firmware/config.txt, or raspi-config), reboot, and check the bus number with `ls /dev/i2c-*`")
    }

    @Test func openErrnos_mapToBusErrors() {
        #expect(LinuxI2CBus.error(2, opening: "/dev/i2c-1") == .busAbsent(bus: "/dev/i2c-1"))
        #expect(LinuxI2CBus.error(13, opening: "/dev/i2c-1") == .permissionDenied(bus: "/dev/i2c-1"))
        #expect(LinuxI2CBus.error(1, opening: "/dev/i2c-1") == .permissionDenied(bus: "/dev/i2c-1"))
        #expect(LinuxI2CBus.error(19, opening: "/dev/i2c-1") == .failed(bus: "/dev/i2c-1", address: nil, errno: 19, text: "No such device"))
    }

    @Test func transferErrnos_mapToTheActionableCases() {
        func mapped(_ number: Int32, selecting: Bool = false) -> I2CError {
            LinuxI2CBus.error(number, bus: "/dev/i2c-1", address: address, selecting: selecting)
        }
        #expect(mapped(121) == .noDevice(bus: "/dev/i2c-1", address: address))
        #expect(mapped(6) == .noDevice(bus: "/dev/i2c-1", address: address))
        // What the kernel's i2c-stub answers for an address with no chip.
        #expect(mapped(19) == .noDevice(bus: "/dev/i2c-1", address: address))
        #expect(mapped(110) == .timedOut(bus: "/dev/i2c-1", address: address))
        #expect(mapped(16, selecting: true) == .ownedByKernelDriver(bus: "/dev/i2c-1", address: address))
        #expect(mapped(13) == .permissionDenied(bus: "/dev/i2c-1"))
        // EBUSY from a transfer is a busy or stuck bus, not a driver owning the address.
        #expect(mapped(16) == .failed(bus: "/dev/i2c-1", address: address, errno: 16, text: "Device or resource busy"))
        #expect(mapped(5).description == "I²C transfer to 0x76 on /dev/i2c-1 failed: Input/output error (errno 5)")
    }

    @Test func smbusOnlyAdapters_getTheSMBusTransactionWithTheSameBytesOnTheWire() {
        // The scan's probes.
        #expect(SMBusTransfer.write([]) == .quickWrite)
        #expect(SMBusTransfer.read(count: 1) == .readByte)
        // Register reads: the BME280's chip ID and calibration, a 16-bit temperature register.
        #expect(SMBusTransfer.writeThenRead([0xD0], count: 1) == .readByteData(register: 0xD0))
        #expect(SMBusTransfer.writeThenRead([0x88], count: 26) == .readBlock(register: 0x88, count: 26))
        // A 16-bit register as an SMBus word: its low byte is the first byte on the wire.
        #expect(SMBusTransfer.writeThenRead([0x00], count: 2) == .readWordData(register: 0x00))
        #expect(SMBusTransfer.writeThenRead([0xF7], count: 8) == .readBlock(register: 0xF7, count: 8))
        // Writes: a command byte, a register and its value, a register and a 16-bit value, more.
        #expect(SMBusTransfer.write([0xFD]) == .writeByte(0xFD))
        #expect(SMBusTransfer.write([0xE0, 0xB6]) == .writeByteData(register: 0xE0, value: 0xB6))
        #expect(SMBusTransfer.write([0x01, 0x60, 0xA0]) == .writeWordData(register: 0x01, word: 0xA060))
        #expect(SMBusTransfer.write([0x02, 1, 2, 3]) == .writeBlock(register: 0x02, bytes: [1, 2, 3]))
    }

    @Test func smbusOnlyAdapters_haveNoTransactionForPlainMultiByteReadsOrLongTransfers() {
        // The Sensirion parts read their 6-byte answers with no register before them.
        #expect(SMBusTransfer.read(count: 6) == nil)
        #expect(SMBusTransfer.writeThenRead([0x88], count: 33) == nil)
        #expect(SMBusTransfer.writeThenRead([0x24, 0x00], count: 6) == nil)
        #expect(SMBusTransfer.write([UInt8](repeating: 0, count: 34)) == nil)
    }
}
