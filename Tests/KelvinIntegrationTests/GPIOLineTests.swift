import Foundation
import Platform
import Testing

/// GPIO discovery without hardware: the errors a person sees when the chip or line is not
/// there. Requests on real lines need gpio-sim and come with the kernel-in-the-loop tests.
@Suite struct GPIOLineTests {
    @Test func directoryWithoutChips_saysThereAreNone() throws {
        let empty = "/tmp/kelvin-dev-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: GPIOError.noChips(directory: empty)) { try GPIOChip.all(in: empty) }
        #expect(throws: GPIOError.noChips(directory: empty)) { try GPIOChip.labeled("pinctrl-bcm2711", in: empty) }
        #expect(throws: GPIOError.noChips(directory: empty)) { try GPIOLineLocation.named("GPIO17", in: empty) }
        #expect(GPIOError.noChips(directory: empty).description == "no GPIO chips (\(empty)/gpiochip*) exist: this machine has no GPIO controller, or a container was started without its GPIO devices")
    }

    @Test func lineThatDoesNotExist_isNotFoundOrThereAreNoChips() {
        let result = Result { () throws(GPIOError) in try GPIOLineLocation.named("KELVIN_NO_SUCH_LINE") }
        switch result {
        case .success(let line):
            Issue.record("a line named KELVIN_NO_SUCH_LINE was found: \(line)")
        case .failure(.noChips(let directory)):
            #expect(directory == "/dev")
            #expect(!FileManager.default.fileExists(atPath: "/dev/gpiochip0"))
        case .failure(.lineNotFound(let name, let chips)):
            #expect(name == "KELVIN_NO_SUCH_LINE")
            #expect(!chips.isEmpty)
        case .failure(let error):
            // A machine with chips this user may not open: the advice is what matters.
            #expect(error.description.contains("add the user to the gpio group"))
        }
    }

    @Test func errorDescriptions_nameTheFix() {
        #expect(GPIOError.busy(line: "GPIO17 (gpiochip0 [pinctrl-bcm2711] line 17)").description == "GPIO17 (gpiochip0 [pinctrl-bcm2711] line 17) is busy: another program holds the line (check `gpioinfo`), or a dtoverlay gave it to a kernel driver")
        #expect(GPIOError.permissionDenied(path: "/dev/gpiochip0").description == "no permission to open /dev/gpiochip0: add the user to the gpio group (sudo usermod -aG gpio $USER) and log in again")
        #expect(GPIOError.chipNotFound(label: "pinctrl-rp1", present: ["gpiochip0 [pinctrl-bcm2711]", "gpiochip1 [raspberrypi-exp-gpio]"]).description == "no GPIO chip is labelled \"pinctrl-rp1\"; present: gpiochip0 [pinctrl-bcm2711], gpiochip1 [raspberrypi-exp-gpio] (`gpiodetect` lists them)")
        #expect(GPIOError.lineNotFound(name: "GPIO99", chips: ["gpiochip0 [pinctrl-bcm2711]"]).description == "no GPIO line is named \"GPIO99\" on gpiochip0 [pinctrl-bcm2711]; the Pi's header lines are GPIO0…GPIO27 (`gpioinfo` lists the names)")
    }
}
