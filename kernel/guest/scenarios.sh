# The kernel-test scenarios, sourced by the guest's /init (busybox sh); the markers and the
# simulated chips come from fixtures.sh.
. /kernel-tests/fixtures.sh
DATA=/kernel-tests
RELEASE=$(uname -r)

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
