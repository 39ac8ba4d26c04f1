# The simulated hardware of the kernel-in-the-loop guests, and the scenario markers they print;
# sourced by kernel/guest/scenarios.sh and system/guest/scenarios.sh (busybox sh or bash). Each
# scenario prints
#   @@ scenario ID TITLE      then what it ran and what came back, then   @@ end ID
# and the host checks each block against what it expects. Lines starting "@@ $" are the commands
# run, "@@ #" the setup done before them, "@@ exit N" a command's status.
BUS=0

scenario() { current=$1; shift; echo "@@ scenario $current $*"; }
end() { echo "@@ end $current"; }
note() { echo "@@ # $*"; }
run() {
    echo "@@ \$ $*"
    "$@"
    echo "@@ exit $?"
}
# one ID TITLE COMMAND...: a scenario of one command.
one() {
    scenario "$1" "$2"
    shift 2
    run "$@"
    end
}
hex() { printf '0x%02x' "$1"; }

# fill ADDRESS FIRST-REGISTER BYTE...: consecutive byte registers from FIRST-REGISTER on.
# i2c-stub keeps a 16-bit word per register; byte and I2C-block transfers use its low byte.
fill() {
    address=$1
    register=$(($2))
    shift 2
    for byte in "$@"; do
        i2cset -y $BUS "$address" "$(hex $register)" "0x$byte" b || echo "@@ fixture: i2cset $address $(hex $register) failed"
        register=$((register + 1))
    done
}

# word ADDRESS REGISTER MSB LSB: a big-endian 16-bit register (LM75, TMP117). An SMBus word goes
# low byte first, so the byte a real chip sends first, the MSB, is the stub word's low byte.
word() {
    i2cset -y $BUS "$1" "$2" "0x$4$3" w || echo "@@ fixture: i2cset $1 $2 word failed"
}

# centiseconds since boot, into $up (no subshell, so it costs no fork)
uptime_cs() { read -r up _ </proc/uptime; up=${up%.*}${up#*.}; }

setup_i2c() {
    modprobe i2c-dev || echo "@@ setup: modprobe i2c-dev failed"
    modprobe i2c-stub chip_addr=0x48,0x49,0x76,0x77 || echo "@@ setup: modprobe i2c-stub failed"
    echo "@@ adapter: $(cat /sys/bus/i2c/devices/i2c-$BUS/name 2>/dev/null)"
    # 0x76, a BME280 with the reference vector B (T, p and humidity) of sensor-facts.md
    # §1.9: chip ID 0x60, status idle, calibration, data registers.
    fill 0x76 0xD0 60
    fill 0x76 0xF3 00
    fill 0x76 0x88 69 6D 36 64 32 00 E9 98 02 D6 D0 0B 23 16 88 FF F9 FF 8C 3C F8 C6 70 17
    fill 0x76 0xA1 4B
    fill 0x76 0xE1 78 01 00 11 2E 03 1E
    fill 0x76 0xF7 4F CA 00 81 32 70 76 49
    # 0x77, a BMP280 with the datasheet's vector A (T and p only): chip ID 0x58.
    fill 0x77 0xD0 58
    fill 0x77 0xF3 00
    fill 0x77 0x88 70 6B 43 67 18 FC 7D 8E 43 D6 D0 0B 27 0B 8C 00 F9 FF 8C 3C F8 C6 70 17
    fill 0x77 0xF7 65 5A C0 7E ED 00
    # 0x48, an LM75 reading -10.5 °C (0xF580; 9 bits, so the kernel's lm75 reads it exactly).
    word 0x48 0x00 F5 80
    # 0x49, a TMP117 (device ID 0x0117) reading 0x0CB4 = 3252/128 °C = 25.40625 °C.
    word 0x49 0x0F 01 17
    word 0x49 0x00 0C B4
}

# gpio-sim: one bank with the status LED on "GPIO27" and the alert input on "GPIO22", the names
# Kelvin looks lines up by.
setup_gpio() {
    modprobe gpio-sim || { echo "@@ setup: modprobe gpio-sim failed"; return 1; }
    mount -t configfs configfs /sys/kernel/config 2>/dev/null
    sim=/sys/kernel/config/gpio-sim/kelvin
    mkdir $sim $sim/bank0 $sim/bank0/line0 $sim/bank0/line1 || return 1
    echo 2 >$sim/bank0/num_lines
    echo GPIO27 >$sim/bank0/line0/name
    echo GPIO22 >$sim/bank0/line1/name
    echo 1 >$sim/live || return 1
    lines=/sys/devices/platform/$(cat $sim/dev_name)/$(cat $sim/bank0/chip_name)
    echo "@@ gpio-sim: $(cat $sim/bank0/chip_name) ($lines), $(dmesg | grep -c 'gpio_sim') kernel line(s)"
}

