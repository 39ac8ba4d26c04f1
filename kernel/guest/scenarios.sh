# The kernel-test scenarios, sourced by the guest's /init (busybox sh). Each one prints
#   @@ scenario ID TITLE      then what it ran and what came back, then   @@ end ID
# and kernel/run.sh on the host checks each block against what it expects. Lines starting
# "@@ $" are the commands run, "@@ #" the setup done before them, "@@ exit N" a command's status.
BUS=0
DATA=/kernel-tests
RELEASE=$(uname -r)

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

scenarios_i2c() {
    one 1a "kelvin read: BME280 at 0x76 (reference vector B, with humidity)" kelvin read --sensor bme280@$BUS:0x76
    one 1b "kelvin read: BMP280 at 0x77 (datasheet vector A)" kelvin read --sensor bmp280@$BUS:0x77
    one 1c "kelvin read: LM75 at 0x48" kelvin read --sensor lm75@$BUS:0x48
    one 1d "kelvin read: TMP117 at 0x49" kelvin read --sensor tmp117@$BUS:0x49
    one 1e "kelvin scan: every chip found and named" kelvin scan --bus $BUS
    one 2 "an address with no chip: no device answered" kelvin read --sensor lm75@$BUS:0x4f

    scenario 3a "the kernel's lm75 driver owns 0x48: the I2C source says so and names the fix"
    modprobe lm75 || echo "@@ setup: modprobe lm75 failed"
    note "echo lm75 0x48 > /sys/bus/i2c/devices/i2c-$BUS/new_device"
    echo lm75 0x48 >/sys/bus/i2c/devices/i2c-$BUS/new_device
    note "bound to: $(basename "$(readlink /sys/bus/i2c/devices/$BUS-0048/driver)" 2>/dev/null)," \
        "hwmon name: $(cat /sys/bus/i2c/devices/$BUS-0048/hwmon/hwmon*/name 2>/dev/null)"
    run kelvin read --sensor lm75@$BUS:0x48
    end
    scenario 3b "the hwmon source reads the same temperature through the lm75 driver"
    note "temp1_input: $(cat /sys/bus/i2c/devices/$BUS-0048/hwmon/hwmon*/temp1_input 2>/dev/null)"
    run kelvin read --sensor hwmon:lm75
    end

    scenario 3c "the kernel's bmp280 IIO driver owns 0x76 (as a bme280)"
    modprobe bmp280-i2c || echo "@@ setup: modprobe bmp280-i2c failed"
    note "echo bme280 0x76 > /sys/bus/i2c/devices/i2c-$BUS/new_device"
    echo bme280 0x76 >/sys/bus/i2c/devices/i2c-$BUS/new_device
    iio=$(ls -d /sys/bus/i2c/devices/$BUS-0076/iio:device* 2>/dev/null | head -n 1)
    note "bound to: $(basename "$(readlink /sys/bus/i2c/devices/$BUS-0076/driver)" 2>/dev/null)," \
        "IIO device: ${iio##*/} named $(cat "$iio/name" 2>/dev/null)"
    dmesg | grep -E 'bmp280|bme280' | grep -v -E 'dummy regulator|release reset' | sed 's/^/@@ # dmesg: /'
    run kelvin read --sensor bme280@$BUS:0x76
    end
    scenario 3d "the IIO source reads the BME280 through the kernel's driver"
    note "in_temp_input: $(cat "$iio/in_temp_input" 2>/dev/null)," \
        "in_humidityrelative_input: $(cat "$iio/in_humidityrelative_input" 2>/dev/null)," \
        "in_pressure_input: $(cat "$iio/in_pressure_input" 2>/dev/null)"
    run kelvin read --sensor iio:bme280
    end
    scenario 3e "kelvin scan: the owned addresses show as UU with their drivers"
    run kelvin scan --bus $BUS
    end
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

# pull_and_wait PULL N: sets the alert line's simulated pull, then waits (5 s at most) for
# kelvin's reading N and says how long it took.
pull_and_wait() {
    uptime_cs
    start=$up
    echo "$1" >$lines/sim_gpio1/pull
    waited=0
    until grep -q "queued .*-$2\$" /tmp/run.log || [ $waited -ge 500 ]; do usleep 10000; waited=$((waited + 1)); done
    uptime_cs
    elapsed=$((up - start))
    echo "alert: line value $(cat $lines/sim_gpio1/value) after the $1"
    if grep -q "queued .*-$2\$" /tmp/run.log; then
        echo "alert: reading $2 queued $((elapsed * 10)) ms after the $1"
    else
        echo "alert: no reading $2 within $((elapsed * 10)) ms of the $1"
    fi
}

scenarios_gpio() {
    scenario 4a "status LED on a gpio-sim line: the slow provisioning blink, seen in the simulator's sysfs value"
    if ! setup_gpio; then
        echo "@@ gpio-sim did not come up"
        end
        return
    fi
    ifconfig lo 127.0.0.1 up 2>/dev/null
    common="--cert $DATA/device-cert.pem --key $DATA/device-key.pem --ca-file $DATA/device-cert.pem --dps 127.0.0.1:8443 --id-scope 0ne00kernel"
    note "kelvin provision --status-led GPIO27 (in the background; nothing listens for DPS, so it keeps provisioning)"
    # shellcheck disable=SC2086
    kelvin provision --status-led GPIO27 $common --state-dir /tmp/unprovisioned >/tmp/provision.log 2>&1 &
    pid=$!
    usleep 300000
    # About 3 s of samples 20 ms apart: the provisioning pattern is 500 ms lit, 500 ms dark.
    samples=""
    changes=0
    first=""
    last=""
    previous=""
    i=0
    while [ $i -lt 120 ]; do
        value=$(cat $lines/sim_gpio0/value)
        uptime_cs
        if [ -n "$previous" ] && [ "$value" != "$previous" ]; then
            changes=$((changes + 1))
            [ -z "$first" ] && first=$up
            last=$up
        fi
        previous=$value
        samples="$samples$value"
        usleep 20000
        i=$((i + 1))
    done
    lit=$(printf '%s' "$samples" | tr -cd 1 | wc -c)
    dark=$(printf '%s' "$samples" | tr -cd 0 | wc -c)
    echo "led: $samples"
    echo "led: $((lit + dark)) samples of $lines/sim_gpio0/value, $lit lit, $dark dark, $changes changes"
    if [ $changes -ge 2 ]; then
        echo "led: $(((last - first) * 10 / (changes - 1))) ms per state between the first and the last change"
    fi
    kill -TERM $pid
    wait $pid
    status=$?
    echo "@@ \$ kelvin provision ... (its log)"
    cat /tmp/provision.log
    echo "@@ exit $status"
    end

    scenario 4b "alert input on a gpio-sim line: a pull-up makes an edge, and kelvin reads at once"
    mkdir -p /tmp/state
    cp $DATA/assignment /tmp/state/assignment
    note "kelvin run --alert GPIO22 (in the background) with a saved assignment, no hub to reach, a reading an hour"
    # shellcheck disable=SC2086
    kelvin run --sensor bmp280@$BUS:0x77 --status-led GPIO27 --alert GPIO22 --interval 3600 --count 0 \
        --log-level debug $common --state-dir /tmp/state >/tmp/run.log 2>&1 &
    pid=$!
    waited=0
    until grep -q 'queued .*-1$' /tmp/run.log || [ $waited -ge 300 ]; do usleep 100000; waited=$((waited + 1)); done

    before=$(grep -c 'queued ' /tmp/run.log)
    echo "alert: $before reading(s) queued before the edge; the next scheduled one is an hour away"
    note "echo pull-up > $lines/sim_gpio1/pull"
    pull_and_wait pull-up 2
    note "echo pull-down > $lines/sim_gpio1/pull"
    pull_and_wait pull-down 3
    kill -TERM $pid
    wait $pid
    status=$?
    echo "@@ \$ kelvin run ... (its log)"
    cat /tmp/run.log
    echo "@@ exit $status"
    end
}

setup_i2c
scenarios_i2c
if [ -e /lib/modules/$RELEASE/extra/gpio-sim.ko ]; then
    scenarios_gpio
else
    echo "@@ skip 4a gpio-sim was not built into this initramfs"
    echo "@@ skip 4b gpio-sim was not built into this initramfs"
fi
