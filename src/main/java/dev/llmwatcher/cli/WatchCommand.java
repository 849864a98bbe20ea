package dev.llmwatcher.cli;

import dev.llmwatcher.app.DryRun;
import dev.llmwatcher.app.InstanceName;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.engine.LibraryWarmUp;
import dev.llmwatcher.engine.PassListener;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.Selection;

import java.time.Clock;
import java.util.Set;

/**
 * The original script's behaviour: a pass over the queue every {@code --watch-interval} seconds until stopped, or
 * with {@code --once} passes until nothing eligible is left. SIGTERM and SIGINT stop it gracefully (exit 0).
 */
public final class WatchCommand implements Command {

    static final String ONCE = "--once";
    static final String DRY_RUN = "--dry-run";

    private final StopSignal stop;

    public WatchCommand() {
        this(null);
    }

    /** With a given stop signal (tests raise it themselves); null installs SIGTERM/SIGINT handlers. */
    public WatchCommand(StopSignal stop) {
        this.stop = stop;
    }

    @Override
    public String name() {
        return Arguments.DEFAULT_COMMAND;
    }

    @Override
    public String summary() {
        return "drain the queue every --watch-interval seconds (the default command)";
    }

    @Override
    public Set<String> switches() {
        return Set.of(ONCE, DRY_RUN);
    }

    @Override
    public String help() {
        return "  --once                             run passes until no eligible document is left, then exit\n"
                + "  --dry-run                          show each eligible document's prompt and which would fail;\n"
                + "                                     no LLM call, nothing claimed or written\n";
    }

    @Override
    public int run(Arguments arguments, Console console) throws InterruptedException {
        // The command line is there to process documents: it loads what the first one needs on the other core while it
        // reads its settings, checks the template and reads and claims the first page.
        LibraryWarmUp.startOnce(Thread.ofPlatform().daemon().name("warm-up"));
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        if (arguments.has(DRY_RUN)) {
            return dryRun(config, console);
        }
        StopSignal stopSignal = stop != null ? stop : StopSignals.onTermination();
        try (Watcher watcher = Watcher.create(config, console.clock(), InstanceName.of("cli"))) {
            ProgressLine progress = ProgressLine.forConsole(console);
            Clock clock = console.clock();
            if (arguments.has(ONCE)) {
                drain(watcher, config, stopSignal, progress, clock);
            } else {
                watch(watcher, config, stopSignal, progress, clock);
            }
            progress.finish();
        }
        return Main.OK;
    }

    private static int dryRun(WatcherConfig config, Console console) {
        try (Watcher watcher = Watcher.create(config, console.clock(), InstanceName.of("dry-run"))) {
            Selection selection = config.retryErrors() ? Selection.RETRY : Selection.NEW;
            DryRun.run(watcher.store(), watcher.processor(), new QueueQuery(config.watchIndex(), selection,
                    console.clock().instant(), config.sortField(), config.batchSize()), console.out());
        }
        return Main.OK;
    }

    private static RunReport pass(Watcher watcher, WatcherConfig config, StopSignal stop, PassListener listener,
                                  Clock clock) {
        Selection selection = config.retryErrors() ? Selection.RETRY : Selection.NEW;
        return watcher.run(new RunRequest(config.watchIndex(), selection,
                clock.instant().plus(config.passDuration()), Integer.MAX_VALUE, stop, listener));
    }

    private static void drain(Watcher watcher, WatcherConfig config, StopSignal stop, PassListener listener,
                              Clock clock) {
        while (!stop.isRaised()) {
            RunReport report = pass(watcher, config, stop, listener, clock);
            boolean progressed = report.handled() > 0 || report.released() > 0;
            if (report.backlog() == 0 || !progressed) {
                return;
            }
        }
    }

    private static void watch(Watcher watcher, WatcherConfig config, StopSignal stop, PassListener listener,
                              Clock clock) throws InterruptedException {
        while (!stop.isRaised()) {
            pass(watcher, config, stop, listener, clock);
            if (stop.await(config.watchInterval().toMillis())) {
                return;
            }
        }
    }
}
