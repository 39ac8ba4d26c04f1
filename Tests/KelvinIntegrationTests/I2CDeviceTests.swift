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
        #expect(mapped(110) == .timedOut(bus: "/dev/i2c-1", address: address))
        #expect(mapped(16, selecting: true) == .ownedByKernelDriver(bus: "/dev/i2c-1", address: address))
        #expect(mapped(13) == .permissionDenied(bus: "/dev/i2c-1"))
        // EBUSY from a transfer is a busy or stuck bus, not a driver owning the address.
        #expect(mapped(16) == .failed(bus: "/dev/i2c-1", address: address, errno: 16, text: "Device or resource busy"))
        #expect(mapped(5).description == "I²C transfer to 0x76 on /dev/i2c-1 failed: Input/output error (errno 5)")
    }
}
