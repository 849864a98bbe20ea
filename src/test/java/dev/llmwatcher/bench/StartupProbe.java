package dev.llmwatcher.bench;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.StopSignal;

import java.lang.management.ManagementFactory;
import java.time.Clock;

/**
 * What a Lambda handler does on a cold start, without the Lambda runtime: build the watcher from the environment,
 * run one pass (on an empty queue in the benchmark), close. Prints {@code done-at-uptime-ms=N}, the time since the
 * JVM started, as its last act; the benchmark compares it with {@link HelloProbe}'s.
 */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) {
        try (Watcher watcher = Watcher.create(ConfigReader.read(System.getenv()), Clock.systemUTC(), "bench")) {
            watcher.runPass(StopSignal.never());
        }
        System.out.println("done-at-uptime-ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
    }
}
