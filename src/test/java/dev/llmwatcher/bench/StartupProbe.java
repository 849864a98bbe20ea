package dev.llmwatcher.bench;

import dev.llmwatcher.aws.HandlerEnvironment;
import dev.llmwatcher.aws.LocalContext;
import dev.llmwatcher.aws.SnapStartPriming;
import dev.llmwatcher.aws.WatcherHandler;
import dev.llmwatcher.queue.Selection;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A Lambda cold start without the Lambda runtime: the scheduled handler is built from the environment (Lambda's
 * init), then invoked once (on an empty queue in the benchmark). With the argument {@code primed} it first runs
 * the SnapStart priming, as Lambda does before taking the snapshot. Prints {@code done-at-uptime-ms=N}, the time
 * since the JVM started, and {@code invocation-ms=N}, the invocation alone: what a function restored from a
 * snapshot pays (restoring the snapshot itself aside).
 */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        Clock clock = Clock.systemUTC();
        WatcherHandler handler = new WatcherHandler(new HandlerEnvironment(System.getenv(), clock, Optional.empty(),
                discard));
        if (args.length > 0 && args[0].equals("primed")) {
            SnapStartPriming.of("watcher", Selection.NEW).run();
        }
        long started = System.nanoTime();
        handler.handleRequest(Map.of(), new LocalContext("bench", Duration.ofMinutes(1), clock, discard));
        long invocation = (System.nanoTime() - started) / 1_000_000;
        System.out.println("invocation-ms=" + invocation);
        System.out.println("done-at-uptime-ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
        // A Lambda handler keeps its clients for the next invocation (the Elasticsearch client's I/O threads are not
        // daemons), and Lambda freezes the process instead of waiting for it to end; so does the probe, by exiting.
        System.exit(0);
    }
}
